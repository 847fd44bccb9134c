#include "registry/storage/driver/s3/client.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "registry/storage/driver/s3/amz_time.h"

namespace berth::registry::s3 {

using common::Error;
using common::ErrorCode;

namespace {

// Idle connections kept per bucket; more requests at once open more, closed after use.
constexpr size_t kMaxIdleConnections = 16;

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The query as sent: the signed canonical order, with bare names for empty values.
std::string queryString(const NameValues& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [name, value] : query) {
    encoded.emplace_back(uriEncode(name, true), uriEncode(value, true));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    out += out.empty() ? "?" : "&";
    out += value.empty() ? name : name + "=" + value;
  }
  return out;
}

std::string describe(const Request& request) {
  return request.method + " " + (request.key.empty() ? "(bucket)" : request.key);
}

}  // namespace

common::Result<Endpoint> Endpoint::fromConfig(const common::S3StorageConfig& config) {
  Endpoint out;
  out.bucket = config.bucket;
  out.region = config.region;
  out.pathStyle = config.pathStyle;
  std::string url =
      config.endpoint.empty() ? "https://s3." + config.region + ".amazonaws.com" : config.endpoint;
  auto invalid = [&] {
    return Error{ErrorCode::InvalidArgument,
                 "registry.s3.endpoint '" + url + "' is not http(s)://HOST[:PORT]"};
  };
  if (url.rfind("https://", 0) == 0) {
    url = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    out.https = false;
    out.port = 80;
    url = url.substr(7);
  } else {
    return invalid();
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::string port;
  if (!url.empty() && url.front() == '[') {
    const size_t close = url.find(']');
    if (close == std::string::npos) return invalid();
    out.host = url.substr(1, close - 1);
    if (close + 1 < url.size()) {
      if (url[close + 1] != ':') return invalid();
      port = url.substr(close + 2);
    }
  } else {
    const size_t colon = url.find(':');
    out.host = url.substr(0, colon);
    if (colon != std::string::npos) port = url.substr(colon + 1);
  }
  if (out.host.empty() || out.host.find('/') != std::string::npos) return invalid();
  if (!port.empty()) {
    int value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value <= 0 || value > 65535) {
      return invalid();
    }
    out.port = value;
  }
  return out;
}

std::string Endpoint::baseUrl() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  const std::string name = pathStyle ? host : bucket + "." + host;
  return std::string(https ? "https://" : "http://") + (ipv6 ? "[" + name + "]" : name) + ":" +
         std::to_string(port);
}

std::string Endpoint::hostHeader() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  std::string name = pathStyle ? host : bucket + "." + host;
  if (ipv6) name = "[" + name + "]";
  const bool defaultPort = (https && port == 443) || (!https && port == 80);
  return defaultPort ? name : name + ":" + std::to_string(port);
}

std::string Endpoint::path(std::string_view key) const {
  if (key.empty()) return pathStyle ? "/" + bucket : "/";
  const std::string encoded = uriEncode(key, false);
  return pathStyle ? "/" + bucket + "/" + encoded : "/" + encoded;
}

std::string Response::header(const std::string& lowercaseName) const {
  auto it = headers.find(lowercaseName);
  return it == headers.end() ? std::string() : it->second;
}

std::optional<ErrorInfo> Response::error() const {
  if (status >= 300) {
    if (auto parsed = parseError(body)) return parsed;
    return ErrorInfo{"HTTP" + std::to_string(status), ""};  // HEAD answers have no body
  }
  return embeddedError;
}

struct Client::Impl {
  Impl(Endpoint e, Credentials c, ClientOptions o)
      : endpoint(std::move(e)), credentials(std::move(c)), options(std::move(o)) {}

  Endpoint endpoint;
  Credentials credentials;
  ClientOptions options;
  std::mutex mutex;
  std::vector<std::unique_ptr<httplib::Client>> idle;
  std::mt19937_64 random{std::random_device{}()};

  std::unique_ptr<httplib::Client> acquire();
  void release(std::unique_ptr<httplib::Client> client);
  double unitRandom();
  // One try: a response, or the httplib error when none came.
  // `retryable` false: the failure was ours (a response over the size limit).
  std::optional<Response> once(httplib::Client& http, const Request& request,
                               const std::string& payloadHash, std::string& failure,
                               bool& retryable);
};

std::unique_ptr<httplib::Client> Client::Impl::acquire() {
  {
    std::lock_guard lock(mutex);
    if (!idle.empty()) {
      auto client = std::move(idle.back());
      idle.pop_back();
      return client;
    }
  }
  auto client = std::make_unique<httplib::Client>(endpoint.baseUrl());
  const auto timeout = static_cast<time_t>(options.timeoutSeconds);
  client->set_connection_timeout(timeout, 0);
  client->set_read_timeout(timeout, 0);
  client->set_write_timeout(timeout, 0);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);  // no 40 ms delayed-ACK stalls between headers and body
  client->set_follow_location(false);
  client->set_url_encode(false);  // paths and queries are encoded here, exactly as signed
  client->set_decompress(false);
  if (endpoint.https) {
    client->enable_server_certificate_verification(!options.insecureSkipVerify);
    if (!options.caFile.empty()) client->set_ca_cert_path(options.caFile.c_str());
  }
  return client;
}

void Client::Impl::release(std::unique_ptr<httplib::Client> client) {
  std::lock_guard lock(mutex);
  if (idle.size() < kMaxIdleConnections) idle.push_back(std::move(client));
}

double Client::Impl::unitRandom() {
  std::lock_guard lock(mutex);
  return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

std::optional<Response> Client::Impl::once(httplib::Client& http, const Request& request,
                                           const std::string& payloadHash,
                                           std::string& failure, bool& retryable) {
  const std::string date = amzDate(nowSeconds());
  NameValues headers = {{"Host", endpoint.hostHeader()},
                        {"x-amz-date", date},
                        {"x-amz-content-sha256", payloadHash}};
  if (!credentials.sessionToken.empty()) {
    headers.emplace_back("x-amz-security-token", credentials.sessionToken);
  }
  headers.insert(headers.end(), request.headers.begin(), request.headers.end());
  SigningRequest signing{request.method, endpoint.path(request.key), request.query, headers,
                         payloadHash};
  httplib::Headers sent;
  for (const auto& [name, value] : headers) sent.emplace(name, value);
  sent.emplace("Authorization", authorization(signing, credentials, date, endpoint.region));
  // Without this httplib offers gzip, and a compressed answer would not match its Range.
  sent.emplace("Accept-Encoding", "identity");
  const std::string target = signing.canonicalUri + queryString(request.query);

  Response response;
  bool tooLarge = false;
  httplib::Result result{nullptr, httplib::Error::Unknown};
  if (request.method == "PUT" && !request.body.empty()) {
    // Streamed from the caller's buffer: an 8 MiB part is not copied into the request.
    const std::string_view body = request.body;
    result = http.Put(
        target, sent, body.size(),
        [body](size_t offset, size_t length, httplib::DataSink& sink) {
          return sink.write(body.data() + offset, std::min(length, body.size() - offset));
        },
        "application/octet-stream");
    if (result) response.body = result->body;
  } else {
    httplib::Request req;
    req.method = request.method;
    req.path = target;
    req.headers = std::move(sent);
    req.body = std::string(request.body);
    if (!request.body.empty()) req.set_header("Content-Type", "application/xml");
    int status = 0;
    req.response_handler = [&](const httplib::Response& head) {
      status = head.status;
      return true;
    };
    req.content_receiver = [&](const char* data, size_t size, uint64_t offset, uint64_t) {
      if (request.bodySink && status >= 200 && status < 300) {
        return request.bodySink(status, data, size, offset);
      }
      if (response.body.size() + size > request.maxResponseBytes) {
        tooLarge = true;
        return false;
      }
      response.body.append(data, size);
      return true;
    };
    result = http.send(req);
  }
  if (!result) {
    retryable = !tooLarge;
    failure = tooLarge ? "response larger than " + std::to_string(request.maxResponseBytes) +
                             " bytes"
                       : httplib::to_string(result.error());
    return std::nullopt;
  }
  response.status = result->status;
  for (const auto& [name, value] : result->headers) response.headers[lower(name)] = value;
  if (request.errorMayFollow200 && response.ok()) response.embeddedError = parseError(response.body);
  return response;
}

Client::Client(Endpoint endpoint, Credentials credentials, ClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(endpoint), std::move(credentials),
                                   std::move(options))) {}

Client::~Client() = default;

const Endpoint& Client::endpoint() const { return impl_->endpoint; }

common::Result<Response> Client::send(const Request& request) {
  auto& s = *impl_;
  const std::string payloadHash = sha256Hex(request.body);
  for (int attempt = 1;; ++attempt) {
    auto http = s.acquire();
    std::string failure;
    bool retryable = true;
    std::optional<Response> response = s.once(*http, request, payloadHash, failure, retryable);
    int status = 0;
    std::string code;
    if (response) {
      s.release(std::move(http));  // a connection that answered can be used again
      // An error inside a 200 is S3's internal failure after the headers went out.
      status = response->embeddedError ? 500 : response->status;
      if (auto error = response->error()) code = error->code;
    }
    const bool failed = !response || status >= 300;
    if (!failed || !retryable || !s.options.retry.shouldRetry(attempt, status, code)) {
      if (response) {
        response->attempts = attempt;
        return std::move(*response);
      }
      return Error{ErrorCode::Unavailable, "storage unavailable",
                   "S3 " + describe(request) + ": " + failure + " after " +
                       std::to_string(attempt) + " tries"};
    }
    std::this_thread::sleep_for(s.options.retry.delay(attempt, s.unitRandom()));
  }
}

}  // namespace berth::registry::s3
