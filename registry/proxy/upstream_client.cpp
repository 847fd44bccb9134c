#include "registry/proxy/upstream_client.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "registry/auth/challenge.h"
#include "common/oci/manifest.h"
#include "registry/proxy/token_realm.h"
#include "registry/proxy/upstreams.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

constexpr int kMaxRedirects = 5;
constexpr size_t kMaxManifestBody = 16 << 20;
constexpr size_t kMaxTokenBody = 1 << 20;

std::string manifestAccept() {
  return std::string(media::kOciIndex) + ", " + media::kOciManifest + ", " +
         media::kDockerManifestList + ", " + media::kDockerManifest;
}

std::unique_ptr<httplib::Client> makeClient(const std::string& base, bool insecure,
                                            int64_t timeoutSeconds) {
  auto client = std::make_unique<httplib::Client>(base);
  client->set_connection_timeout(static_cast<time_t>(timeoutSeconds), 0);
  client->set_read_timeout(static_cast<time_t>(timeoutSeconds), 0);
  client->set_write_timeout(static_cast<time_t>(timeoutSeconds), 0);
  client->set_follow_location(false);
  client->enable_server_certificate_verification(!insecure);
  return client;
}

// The Authorization value for HTTP Basic (RFC 7617).
std::string urlEncode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::optional<std::pair<std::string, std::string>> splitUrl(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return std::nullopt;
  const std::string prefix = url.substr(0, scheme);
  if (prefix != "http" && prefix != "https") return std::nullopt;
  const auto slash = url.find('/', scheme + 3);
  if (slash == std::string::npos) return std::make_pair(url, std::string("/"));
  return std::make_pair(url.substr(0, slash), url.substr(slash));
}

std::optional<std::string> UpstreamTokenCache::get(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = tokens_.find(key);
  if (it == tokens_.end() || it->second.second <= std::chrono::steady_clock::now()) {
    return std::nullopt;
  }
  return it->second.first;
}

void UpstreamTokenCache::put(const std::string& key, const std::string& token,
                             int64_t expiresInSeconds) {
  std::lock_guard lock(mutex_);
  // Ten seconds of margin, so a token never expires between lookup and use.
  const int64_t life = std::max<int64_t>(expiresInSeconds - 10, 1);
  tokens_[key] = {token, std::chrono::steady_clock::now() + std::chrono::seconds(life)};
}

UpstreamClient::UpstreamClient(const common::ProxyUpstream& upstream, std::string remoteName,
                               std::optional<UpstreamCredential> credential,
                               int64_t timeoutSeconds, UpstreamTokenCache& tokens,
                               common::Logger& logger)
    : upstream_(upstream),
      remoteName_(std::move(remoteName)),
      credential_(std::move(credential)),
      timeoutSeconds_(timeoutSeconds),
      tokens_(tokens),
      logger_(logger),
      baseUrl_(UpstreamTable::baseUrl(upstream)) {}

common::Result<UpstreamReply> UpstreamClient::manifest(bool head, const std::string& reference) {
  return send(head, "/v2/" + remoteName_ + "/manifests/" + reference, manifestAccept(), nullptr,
              nullptr);
}

common::Result<UpstreamReply> UpstreamClient::blob(bool head, const std::string& digest,
                                                   const StartHandler& start, const Sink& sink) {
  return send(head, "/v2/" + remoteName_ + "/blobs/" + digest, "*/*", head ? nullptr : &start,
              head ? nullptr : &sink);
}

common::Result<UpstreamReply> UpstreamClient::send(bool head, const std::string& path,
                                                   const std::string& accept,
                                                   const StartHandler* start, const Sink* sink) {
  const std::string tokenKey = upstream_.host + " repository:" + remoteName_ + ":pull";
  std::string authorization;
  if (auto token = tokens_.get(tokenKey)) authorization = "Bearer " + *token;
  std::string base = baseUrl_;
  std::string target = path;
  bool retriedAuth = false;
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    std::string challenge;
    std::string location;
    BERTH_TRY_ASSIGN(UpstreamReply reply, once(base, target, head, accept, authorization, start,
                                               sink, &challenge, &location));
    if (reply.status == 401 && !retriedAuth && base == baseUrl_) {
      retriedAuth = true;
      auto parsed = parseWwwAuthenticate(challenge);
      if (!parsed || parsed->empty()) return reply;
      const AuthChallenge& first = parsed->front();
      if (first.isScheme("Bearer")) {
        BERTH_TRY_ASSIGN(std::string token, fetchToken(challenge));
        authorization = "Bearer " + token;
      } else if (first.isScheme("Basic") && credential_) {
        const CredentialRoute route = credentialRoute(baseUrl_, upstream_.insecure, baseUrl_);
        if (!route.allowed) {
          logger_.warn("upstream credentials withheld from a Basic challenge",
                       {{"upstream", upstream_.host}, {"reason", route.reason}});
          return reply;
        }
        authorization = common::basicAuthorization(credential_->username, credential_->password);
      } else {
        return reply;
      }
      --hop;
      continue;
    }
    if (reply.status >= 300 && reply.status < 400 && !location.empty()) {
      if (location.front() == '/') {
        target = location;
      } else if (auto split = splitUrl(location)) {
        if (split->first != base) authorization.clear();  // our credentials stay with our host
        base = split->first;
        target = split->second;
      } else {
        return reply;
      }
      continue;
    }
    return reply;
  }
  return Error{ErrorCode::Unavailable, "upstream redirected too often", baseUrl_ + path};
}

common::Result<UpstreamReply> UpstreamClient::once(
    const std::string& baseUrl, const std::string& path, bool head, const std::string& accept,
    const std::string& authorization, const StartHandler* start, const Sink* sink,
    std::string* challenge, std::string* location) {
  auto client = makeClient(baseUrl, upstream_.insecure, timeoutSeconds_);
  httplib::Headers headers{{"Accept", accept}};
  if (!authorization.empty()) headers.emplace("Authorization", authorization);
  UpstreamReply reply;
  auto takeHeaders = [&](const httplib::Response& res) {
    reply.status = res.status;
    reply.contentType = res.get_header_value("Content-Type");
    reply.digest = res.get_header_value("Docker-Content-Digest");
    if (res.has_header("Content-Length")) {
      try {
        reply.length = std::stoull(res.get_header_value("Content-Length"));
      } catch (const std::exception&) {
        reply.length.reset();
      }
    }
    *challenge = res.get_header_value("WWW-Authenticate");
    *location = res.get_header_value("Location");
  };
  httplib::Result result{nullptr, httplib::Error::Unknown};
  if (head) {
    result = client->Head(path.c_str(), headers);
    if (result) takeHeaders(*result);
  } else {
    bool tooLarge = false;
    result = client->Get(
        path.c_str(), headers,
        [&](const httplib::Response& res) {
          takeHeaders(res);
          if (res.status == 200 && start != nullptr) return (*start)(reply);
          return true;
        },
        [&](const char* data, size_t size) {
          if (reply.status != 200) return true;  // error bodies are dropped
          if (sink != nullptr) return (*sink)(data, size);
          if (reply.body.size() + size > kMaxManifestBody) {
            tooLarge = true;
            return false;
          }
          reply.body.append(data, size);
          return true;
        });
    if (tooLarge) return Error{ErrorCode::SizeInvalid, "upstream manifest too large", path};
  }
  if (!result) {
    return Error{ErrorCode::Unavailable, "upstream registry unreachable",
                 baseUrl + path + ": " + httplib::to_string(result.error())};
  }
  return reply;
}

common::Result<std::string> UpstreamClient::fetchToken(const std::string& header) {
  BERTH_TRY_ASSIGN(auto challenges, parseWwwAuthenticate(header));
  const AuthChallenge& bearer = challenges.front();
  const std::string realm = bearer.param("realm");
  auto split = splitUrl(realm);
  if (!split) return Error{ErrorCode::Unavailable, "upstream token realm is not a URL", realm};
  std::string scope = bearer.param("scope");
  if (scope.empty()) scope = "repository:" + remoteName_ + ":pull";
  const std::string key = realm + " " + bearer.param("service") + " " + scope;
  if (auto cached = tokens_.get(key)) return *cached;
  std::string target = split->second;
  target += target.find('?') == std::string::npos ? "?" : "&";
  target += "scope=" + urlEncode(scope);
  if (!bearer.param("service").empty()) target += "&service=" + urlEncode(bearer.param("service"));
  // `insecure` (no certificate check) was granted to the upstream's host, not to a realm it
  // names elsewhere.
  const bool realmIsUpstreamHost = urlHost(realm) == urlHost(baseUrl_);
  auto client = makeClient(split->first, upstream_.insecure && realmIsUpstreamHost,
                           timeoutSeconds_);
  httplib::Headers headers;
  if (credential_) {
    // Where the credentials may not go, the token is asked for anonymously, as a client
    // without credentials for this upstream would (containerd, distribution): public content
    // still comes, private content is refused by the upstream, and nothing leaks.
    const CredentialRoute route = credentialRoute(baseUrl_, upstream_.insecure, realm);
    if (route.allowed) {
      headers.emplace("Authorization",
                      common::basicAuthorization(credential_->username, credential_->password));
    } else {
      logger_.warn("upstream credentials withheld from the token realm; asking anonymously",
                   {{"upstream", upstream_.host}, {"realm", split->first},
                    {"reason", route.reason}});
    }
  }
  auto res = client->Get(target.c_str(), headers);
  if (!res) {
    return Error{ErrorCode::Unavailable, "upstream token service unreachable",
                 realm + ": " + httplib::to_string(res.error())};
  }
  if (res->status != 200 || res->body.size() > kMaxTokenBody) {
    return Error{ErrorCode::Denied, "upstream token service refused the credentials",
                 realm + ": HTTP " + std::to_string(res->status)};
  }
  try {
    const auto doc = nlohmann::json::parse(res->body);
    std::string token = doc.value("token", std::string());
    if (token.empty()) token = doc.value("access_token", std::string());
    if (token.empty()) return Error{ErrorCode::Unavailable, "upstream token response has no token"};
    const int64_t expires = doc.value("expires_in", int64_t{60});
    tokens_.put(key, token, expires);
    tokens_.put(upstream_.host + " repository:" + remoteName_ + ":pull", token, expires);
    return token;
  } catch (const nlohmann::json::exception& e) {
    return Error{ErrorCode::Unavailable, "upstream token response is not JSON", e.what()};
  }
}

}  // namespace berth::registry
