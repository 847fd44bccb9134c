#include "registry/proxy/upstream_client.h"

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/http/client_url.h"
#include "common/oci/manifest.h"
#include "registry/auth/challenge.h"
#include "registry/proxy/token_realm.h"
#include "registry/proxy/upstreams.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

constexpr size_t kMaxManifestBody = 16 << 20;
constexpr size_t kMaxTokenBody = 1 << 20;

std::string manifestAccept() {
  return std::string(oci::media::kOciIndex) + ", " + oci::media::kOciManifest + ", " +
         oci::media::kDockerManifestList + ", " + oci::media::kDockerManifest;
}

// A query parameter value, percent-encoded but for RFC 3986's unreserved characters.
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
                               UpstreamConnections& connections, UpstreamTokenCache& tokens,
                               common::Logger& logger)
    : upstream_(upstream),
      remoteName_(std::move(remoteName)),
      credential_(std::move(credential)),
      connections_(connections),
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
  BERTH_TRY_ASSIGN(const http::Client* client, connections_.upstream(upstream_));
  const std::string tokenKey = upstream_.host + " repository:" + remoteName_ + ":pull";
  std::string authorization;
  if (auto token = tokens_.get(tokenKey)) authorization = "Bearer " + *token;
  bool retriedAuth = false;
  for (;;) {
    std::string challenge;
    std::string answeredBy;
    BERTH_TRY_ASSIGN(UpstreamReply reply, once(*client, path, head, accept, authorization, start,
                                               sink, &challenge, &answeredBy));
    // Only the upstream itself is answered with credentials, never a host it redirected to.
    if (reply.status == 401 && !retriedAuth && answeredBy == client->origin().str()) {
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
      continue;
    }
    return reply;
  }
}

common::Result<UpstreamReply> UpstreamClient::once(
    const http::Client& client, const std::string& path, bool head, const std::string& accept,
    const std::string& authorization, const StartHandler* start, const Sink* sink,
    std::string* challenge, std::string* answeredBy) {
  http::Request request;
  request.method = head ? "HEAD" : "GET";
  request.target = path;
  request.headers.emplace("Accept", accept);
  if (!authorization.empty()) request.headers.emplace("Authorization", authorization);
  request.maxBodyBytes = kMaxManifestBody;
  UpstreamReply reply;
  request.onResponse = [&](const http::Response& res) {
    reply.status = res.status;
    reply.contentType = res.header("Content-Type");
    reply.digest = res.header("Docker-Content-Digest");
    reply.length = res.contentLength();
    *challenge = res.header("WWW-Authenticate");
    if (res.status != 200) return http::BodyAction::Discard;  // error bodies are dropped
    if (start != nullptr && !(*start)(reply)) return http::BodyAction::Stop;
    return sink != nullptr ? http::BodyAction::Stream : http::BodyAction::Keep;
  };
  if (sink != nullptr) request.sink = *sink;
  auto res = client.send(request);
  if (!res) {
    if (res.error().code == ErrorCode::PayloadTooLarge) {
      return Error{ErrorCode::SizeInvalid, "upstream manifest too large", path};
    }
    // The message names the upstream and what went wrong ("127.0.0.1:5001: connection
    // refused"): the client and the log both get it.
    return Error{ErrorCode::Unavailable, "upstream registry unreachable: " + res.error().message,
                 client.origin().str() + path};
  }
  reply.body = std::move(res->body);
  *answeredBy = res->origin;
  return reply;
}

common::Result<std::string> UpstreamClient::fetchToken(const std::string& header) {
  BERTH_TRY_ASSIGN(auto challenges, parseWwwAuthenticate(header));
  const AuthChallenge& bearer = challenges.front();
  const std::string realm = bearer.param("realm");
  auto split = http::splitUrl(realm);
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
  auto client = connections_.oneOff(split->first, upstream_.insecure && realmIsUpstreamHost);
  if (!client) {
    return Error{ErrorCode::Unavailable, "upstream token realm is not a URL", realm};
  }
  http::Request request;
  request.target = target;
  request.maxBodyBytes = kMaxTokenBody;
  request.onResponse = [](const http::Response& head) {
    return head.status == 200 ? http::BodyAction::Keep : http::BodyAction::Discard;
  };
  if (credential_) {
    // Where the credentials may not go, the token is asked for anonymously, as a client
    // without credentials for this upstream would (containerd, distribution): public content
    // still comes, private content is refused by the upstream, and nothing leaks.
    const CredentialRoute route = credentialRoute(baseUrl_, upstream_.insecure, realm);
    if (route.allowed) {
      request.headers.emplace("Authorization", common::basicAuthorization(credential_->username,
                                                                          credential_->password));
    } else {
      logger_.warn(
          "upstream credentials withheld from the token realm; asking anonymously",
          {{"upstream", upstream_.host}, {"realm", split->first}, {"reason", route.reason}});
    }
  }
  auto res = client->send(request);
  if (!res && res.error().code == ErrorCode::PayloadTooLarge) {
    return Error{ErrorCode::Denied, "upstream token service refused the credentials",
                 realm + ": a token response past " + std::to_string(kMaxTokenBody) + " bytes"};
  }
  if (!res) {
    return Error{ErrorCode::Unavailable, "upstream token service unreachable",
                 realm + ": " + res.error().message};
  }
  if (res->status != 200) {
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
