#include "registry/storage/driver/s3/client.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "common/http/client.h"
#include "registry/storage/driver/s3/amz_time.h"

namespace berth::registry::s3 {

using common::Error;
using common::ErrorCode;

namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
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

namespace {

// Idle connections kept per bucket; more requests at once open more, closed after use.
constexpr size_t kMaxIdleConnections = 16;

http::ClientOptions httpOptions(const ClientOptions& options) {
  http::ClientOptions out;
  out.connectTimeout = out.readTimeout = out.writeTimeout =
      std::chrono::seconds(options.timeoutSeconds);
  out.tls.caFile = options.caFile;
  out.tls.insecureSkipVerify = options.insecureSkipVerify;
  out.maxIdleConnections = kMaxIdleConnections;
  out.decompress = false;  // a compressed answer would not match its Range
  return out;
}

}  // namespace

struct Client::Impl {
  Impl(Endpoint e, Credentials c, ClientOptions o, const common::Clock& k)
      : endpoint(std::move(e)),
        credentials(std::move(c)),
        options(std::move(o)),
        clock(k),
        http(http::Client::create(endpoint.baseUrl(), httpOptions(options))) {}

  Endpoint endpoint;
  Credentials credentials;
  ClientOptions options;
  const common::Clock& clock;
  // The bucket's connections; an error when the endpoint cannot be one (reported per request).
  common::Result<http::Client> http;
  std::mutex mutex;
  std::mt19937_64 random{std::random_device{}()};

  double unitRandom();
  // One try: a response, or why none came.
  common::Result<Response> once(const Request& request, const std::string& payloadHash);
};

double Client::Impl::unitRandom() {
  std::lock_guard lock(mutex);
  return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

common::Result<Response> Client::Impl::once(const Request& request,
                                            const std::string& payloadHash) {
  if (!http) return http.error();
  const std::string date = amzDate(clock.unixSeconds());
  NameValues headers = {
      {"Host", endpoint.hostHeader()}, {"x-amz-date", date}, {"x-amz-content-sha256", payloadHash}};
  if (!credentials.sessionToken.empty()) {
    headers.emplace_back("x-amz-security-token", credentials.sessionToken);
  }
  headers.insert(headers.end(), request.headers.begin(), request.headers.end());
  SigningRequest signing{request.method, endpoint.path(request.key), request.query, headers,
                         payloadHash};
  http::Request sent;
  sent.method = request.method;
  sent.target = signing.canonicalUri + queryString(request.query);
  for (const auto& [name, value] : headers) sent.headers.emplace(name, value);
  sent.headers.emplace("Authorization", authorization(signing, credentials, date, endpoint.region));
  // Without this httplib offers gzip, and a compressed answer would not match its Range.
  sent.headers.emplace("Accept-Encoding", "identity");
  if (request.method == "PUT" && !request.body.empty()) {
    // Streamed from the caller's buffer: an 8 MiB part is not copied into the request.
    sent.provider = http::providerOf(request.body);
    sent.providerLength = request.body.size();
    sent.headers.emplace("Content-Type", "application/octet-stream");
  } else if (!request.body.empty()) {
    sent.body = std::string(request.body);
    sent.headers.emplace("Content-Type", "application/xml");
  }
  sent.maxBodyBytes = request.maxResponseBytes;
  int status = 0;
  uint64_t offset = 0;  // from the start of this try's body
  sent.onResponse = [&](const http::Response& head) {
    status = head.status;
    const bool success = status >= 200 && status < 300;
    return request.bodySink && success ? http::BodyAction::Stream : http::BodyAction::Keep;
  };
  sent.sink = [&](const char* data, size_t size) {
    const bool more = request.bodySink(status, data, size, offset);
    offset += size;
    return more;
  };
  BERTH_TRY_ASSIGN(http::Response answer, http->send(sent));
  Response response;
  response.status = answer.status;
  response.body = std::move(answer.body);
  for (const auto& [name, value] : answer.headers) response.headers[lower(name)] = value;
  if (request.errorMayFollow200 && response.ok())
    response.embeddedError = parseError(response.body);
  return response;
}

Client::Client(Endpoint endpoint, Credentials credentials, ClientOptions options,
               const common::Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(endpoint), std::move(credentials), std::move(options),
                                   clock)) {}

Client::~Client() = default;

const Endpoint& Client::endpoint() const { return impl_->endpoint; }

const common::Clock& Client::clock() const { return impl_->clock; }

common::Result<Response> Client::send(const Request& request) {
  auto& s = *impl_;
  const std::string payloadHash = sha256Hex(request.body);
  for (int attempt = 1;; ++attempt) {
    common::Result<Response> response = s.once(request, payloadHash);
    int status = 0;
    std::string code;
    if (response) {
      // An error inside a 200 is S3's internal failure after the headers went out.
      status = response->embeddedError ? 500 : response->status;
      if (auto error = response->error()) code = error->code;
    }
    // An answer over the size limit, or an endpoint that is no URL, is ours: trying again
    // cannot help.
    const bool retryable = response || response.error().code == ErrorCode::Unavailable;
    const bool failed = !response || status >= 300;
    if (!failed || !retryable || !s.options.retry.shouldRetry(attempt, status, code)) {
      if (response) {
        response->attempts = attempt;
        return std::move(*response);
      }
      return Error{ErrorCode::Unavailable, "storage unavailable",
                   "S3 " + describe(request) + ": " + response.error().message + " after " +
                       std::to_string(attempt) + " tries"};
    }
    std::this_thread::sleep_for(s.options.retry.delay(attempt, s.unitRandom()));
  }
}

}  // namespace berth::registry::s3
