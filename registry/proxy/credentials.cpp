#include "registry/proxy/credentials.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/base64.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

std::string hostOfKey(std::string key) {
  if (auto scheme = key.find("://"); scheme != std::string::npos) key = key.substr(scheme + 3);
  if (auto slash = key.find('/'); slash != std::string::npos) key = key.substr(0, slash);
  if (key == "index.docker.io" || key == "registry-1.docker.io") return "docker.io";
  return key;
}

bool prefixMatches(std::string_view prefix, std::string_view name) {
  if (prefix.empty()) return true;
  if (name.substr(0, prefix.size()) != prefix) return false;
  return name.size() == prefix.size() || name[prefix.size()] == '/' || prefix.back() == '/';
}

}  // namespace

common::Result<std::map<std::string, UpstreamCredential>> parseDockerConfigJson(
    std::string_view text) {
  std::map<std::string, UpstreamCredential> out;
  try {
    const auto doc = nlohmann::json::parse(text);
    const auto auths = doc.find("auths");
    if (auths == doc.end() || !auths->is_object()) {
      return Error{ErrorCode::InvalidArgument, "docker config has no \"auths\" object"};
    }
    for (const auto& [key, entry] : auths->items()) {
      UpstreamCredential cred;
      if (entry.contains("auth") && !entry.at("auth").get<std::string>().empty()) {
        auto decoded = common::base64Decode(entry.at("auth").get<std::string>());
        const auto colon = decoded ? decoded->find(':') : std::string::npos;
        if (colon == std::string::npos) {
          return Error{ErrorCode::InvalidArgument,
                       "docker config entry '" + key + "': auth is not base64(user:password)"};
        }
        cred.username = decoded->substr(0, colon);
        cred.password = decoded->substr(colon + 1);
      } else {
        cred.username = entry.value("username", "");
        cred.password = entry.value("password", "");
      }
      if (cred.username.empty()) continue;  // identitytoken-only entries are not supported
      out[hostOfKey(key)] = std::move(cred);
    }
  } catch (const nlohmann::json::exception& e) {
    return Error{ErrorCode::InvalidArgument,
                 std::string("invalid docker config JSON: ") + e.what()};
  }
  return out;
}

std::optional<UpstreamCredential> selectCredential(
    const common::ProxyUpstream& upstream, std::string_view remoteName,
    const std::map<std::string, UpstreamCredential>& dockerConfig) {
  const common::ProxyCredential* best = nullptr;
  for (const auto& cred : upstream.credentials) {
    if (!prefixMatches(cred.pathPrefix, remoteName)) continue;
    if (best == nullptr || cred.pathPrefix.size() > best->pathPrefix.size()) best = &cred;
  }
  if (best != nullptr) return UpstreamCredential{best->username, best->password};
  if (auto it = dockerConfig.find(upstream.host); it != dockerConfig.end()) return it->second;
  return std::nullopt;
}

common::Result<std::map<std::string, UpstreamCredential>> loadDockerConfigJson(
    const std::string& path) {
  if (path.empty()) return std::map<std::string, UpstreamCredential>();
  std::ifstream in(path);
  if (!in) {
    return common::Error{common::ErrorCode::NotFound,
                         "cannot read registry.proxy.dockerConfigJson " + path};
  }
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parseDockerConfigJson(text.str());
  if (!parsed) {
    return common::Error{common::ErrorCode::InvalidArgument, path + ": " + parsed.error().message};
  }
  return parsed;
}

}  // namespace berth::registry
