#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/config.h"
#include "common/result.h"
#include "registry/storage/driver/s3/signer.h"

namespace berth::registry::s3 {

// Reads one environment variable; injected so tests need no process-wide environment.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvironmentLookup processEnvironment();

// The credentials of the S3 driver, first found wins: accessKey+secretKey in the config, the
// credentials file (a mounted Secret), AWS_ACCESS_KEY_ID+AWS_SECRET_ACCESS_KEY (and
// AWS_SESSION_TOKEN). None: an error naming the three ways.
common::Result<Credentials> resolveCredentials(const common::S3StorageConfig& config,
                                               const EnvironmentLookup& environment);

// The AWS shared credentials format: "[default]" then aws_access_key_id, aws_secret_access_key
// and optionally aws_session_token as "key = value"; lines before any section count as default,
// "#" and ";" start comments. Errors name `source`, never a secret.
common::Result<Credentials> parseCredentialsFile(std::string_view text, const std::string& source);

}  // namespace berth::registry::s3
