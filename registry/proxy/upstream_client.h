#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/config.h"
#include "common/http/client.h"
#include "common/log.h"
#include "common/result.h"
#include "registry/proxy/credentials.h"
#include "registry/proxy/upstream_connections.h"

namespace berth::registry {

// What an upstream answered. Transport failures are errors (Unavailable); any HTTP status is a
// reply for the caller to judge.
struct UpstreamReply {
  int status = 0;
  std::string body;  // manifests only; blobs stream to the caller's sink
  std::string contentType;
  std::string digest;  // Docker-Content-Digest, "" when absent
  std::optional<uint64_t> length;
};

// Bearer tokens from upstream token services, by realm, service and scope, until they expire.
// Shared by every request to every upstream; thread-safe.
class UpstreamTokenCache {
 public:
  std::optional<std::string> get(const std::string& key);
  void put(const std::string& key, const std::string& token, int64_t expiresInSeconds);

 private:
  std::mutex mutex_;
  std::map<std::string, std::pair<std::string, std::chrono::steady_clock::time_point>> tokens_;
};

// One repository at one upstream, speaking the distribution API with the Docker auth flows:
// a 401 with `Bearer realm,service,scope` gets a token from the realm (with Basic credentials
// when configured and credentialRoute allows them there, anonymously otherwise), a 401 with
// `Basic` is retried with the credentials (where credentialRoute allows). Cheap to create, one
// per request: the connections it uses are UpstreamConnections', shared by every request.
class UpstreamClient {
 public:
  using Sink = std::function<bool(const char* data, size_t size)>;
  // Called once the blob's 200 response headers are known; false aborts the transfer.
  using StartHandler = std::function<bool(const UpstreamReply& reply)>;

  UpstreamClient(const common::ProxyUpstream& upstream, std::string remoteName,
                 std::optional<UpstreamCredential> credential, UpstreamConnections& connections,
                 UpstreamTokenCache& tokens, common::Logger& logger);

  // HEAD or GET /v2/<remote>/manifests/<reference>, accepting every manifest type we store.
  common::Result<UpstreamReply> manifest(bool head, const std::string& reference);
  // HEAD or GET /v2/<remote>/blobs/<digest>; GET bodies go to `sink` after `start` accepted the
  // headers. Redirects (CDNs) are followed without our credentials.
  common::Result<UpstreamReply> blob(bool head, const std::string& digest,
                                     const StartHandler& start, const Sink& sink);

 private:
  common::Result<UpstreamReply> send(bool head, const std::string& path, const std::string& accept,
                                     const StartHandler* start, const Sink* sink);
  // One request, with the redirects the client follows; `answeredBy` is the origin that gave
  // the reply.
  common::Result<UpstreamReply> once(const http::Client& client, const std::string& path, bool head,
                                     const std::string& accept, const std::string& authorization,
                                     const StartHandler* start, const Sink* sink,
                                     std::string* challenge, std::string* answeredBy);
  common::Result<std::string> fetchToken(const std::string& challenge);

  const common::ProxyUpstream& upstream_;
  std::string remoteName_;
  std::optional<UpstreamCredential> credential_;
  UpstreamConnections& connections_;
  UpstreamTokenCache& tokens_;
  common::Logger& logger_;
  std::string baseUrl_;
};

}  // namespace berth::registry
