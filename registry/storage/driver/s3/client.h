#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/config.h"
#include "common/result.h"
#include "registry/storage/driver/s3/retry.h"
#include "registry/storage/driver/s3/signer.h"
#include "registry/storage/driver/s3/xml.h"

namespace berth::registry::s3 {

// Where requests for one bucket go, resolved once from the config.
struct Endpoint {
  bool https = true;
  std::string host;  // name or address, without brackets or port
  int port = 443;
  bool pathStyle = false;
  std::string bucket;
  std::string region;

  static common::Result<Endpoint> fromConfig(const common::S3StorageConfig& config);
  // "https://bucket.s3.eu-west-1.amazonaws.com" or "http://127.0.0.1:7480".
  std::string baseUrl() const;
  // The Host header: the port only when it is not the scheme's default.
  std::string hostHeader() const;
  // The encoded request path of an object key ("" for the bucket itself).
  std::string path(std::string_view key) const;
};

struct Request {
  std::string method;  // GET, HEAD, PUT, POST, DELETE
  std::string key;     // "" addresses the bucket
  NameValues query;    // raw; an empty value is sent as a bare name ("?uploads")
  NameValues headers;  // raw, besides those the client adds (Host, x-amz-*, Authorization)
  std::string_view body;
  // Longer response bodies fail the request: a misbehaving server cannot exhaust memory.
  size_t maxResponseBytes = 32 << 20;
  // CopyObject, UploadPartCopy and CompleteMultipartUpload may fail after S3 sent "200 OK":
  // the body is then an <Error>. Only for these is a 200 body read as one.
  bool errorMayFollow200 = false;
  // When set, the body of a 2xx answer goes here instead of into Response::body: `offset`
  // counts from the start of this try's body, so a retried try writes over what a failed one
  // left. Returning false abandons the request. Error bodies still go to Response::body.
  std::function<bool(int status, const char* data, size_t size, uint64_t offset)> bodySink;
};

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;

  std::string header(const std::string& lowercaseName) const;
  bool ok() const { return status >= 200 && status < 300 && !embeddedError; }
  // The <Error> of a failed response (a code "HTTP<status>" when there is no body, as for
  // HEAD), or the error a 200 carried (Request::errorMayFollow200); nullopt on success.
  std::optional<ErrorInfo> error() const;
  std::optional<ErrorInfo> embeddedError;
  // Tries this response took: above 1, an earlier try may have taken effect without its answer
  // arriving, which a conditional request then sees as its precondition failing.
  int attempts = 1;
};

struct ClientOptions {
  int64_t timeoutSeconds = 60;
  bool insecureSkipVerify = false;
  std::string caFile;
  RetryPolicy retry;
};

// Signed HTTP(S) requests to one bucket, over a small pool of keep-alive connections; safe to
// use from many threads. Failed tries are repeated as the RetryPolicy says.
class Client {
 public:
  // `clock` dates each signature.
  Client(Endpoint endpoint, Credentials credentials, ClientOptions options,
         const common::Clock& clock);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The last response, whatever its status; an error only when no try got a response.
  common::Result<Response> send(const Request& request);

  const Endpoint& endpoint() const;
  const common::Clock& clock() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::registry::s3
