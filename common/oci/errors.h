#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace berth::oci {

// The wire form of an error: the OCI code and the HTTP status.
struct OciErrorInfo {
  common::ErrorCode code;
  const char* ociCode;  // "BLOB_UNKNOWN", ...
  int httpStatus;
};

// The single table common::ErrorCode -> OCI code and HTTP status.
const OciErrorInfo& ociError(common::ErrorCode code);

// {"errors":[{"code","message","detail"}]}. Internal errors carry a generic message and no
// detail: their cause is for the log only.
std::string errorEnvelope(const common::Error& error);

// True when the error's message and detail must not reach the client.
bool isInternal(const common::Error& error);

}  // namespace berth::oci
