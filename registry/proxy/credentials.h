#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/config.h"
#include "common/result.h"

namespace berth::registry {

struct UpstreamCredential {
  std::string username;
  std::string password;
  bool operator==(const UpstreamCredential&) const = default;
};

// Credentials by registry host from a kubernetes.io/dockerconfigjson Secret:
// {"auths":{"HOST":{"auth":"base64(user:pass)"}}} or {"username","password"}. Keys written as
// URLs ("https://index.docker.io/v1/") are reduced to the host; Docker Hub's index host is
// stored as docker.io. InvalidArgument for malformed JSON or base64.
common::Result<std::map<std::string, UpstreamCredential>> parseDockerConfigJson(
    std::string_view text);

// Reads and parses registry.proxy.dockerConfigJson; an empty path is an empty map. Errors name
// the file.
common::Result<std::map<std::string, UpstreamCredential>> loadDockerConfigJson(
    const std::string& path);

// The credential for `remoteName` at `upstream`: the configured entry with the longest path
// prefix that matches whole components ("team" matches "team/app", not "teammate/app"), else
// the docker config entry for the host, else nothing (anonymous).
std::optional<UpstreamCredential> selectCredential(
    const common::ProxyUpstream& upstream, std::string_view remoteName,
    const std::map<std::string, UpstreamCredential>& dockerConfig);

}  // namespace berth::registry
