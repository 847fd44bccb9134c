#include "tests/support/http.h"

#include <httplib.h>

#include <algorithm>
#include <stdexcept>

namespace berth::testing {

std::string HttpResponse::header(const std::string& name) const {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  auto it = headers.find(lower);
  return it == headers.end() ? "" : it->second;
}

HttpClient::HttpClient(std::string host, int port)
    : client_(std::make_unique<httplib::Client>(host, port)) {
  client_->set_read_timeout(30, 0);
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::request(const std::string& method, const std::string& path,
                                 const std::string& body,
                                 const std::multimap<std::string, std::string>& headers) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.body = body;
  for (const auto& [k, v] : headers) req.headers.emplace(k, v);
  if (!body.empty() && !req.has_header("Content-Type")) {
    req.headers.emplace("Content-Type", "application/octet-stream");
  }
  auto result = client_->send(req);
  if (!result) {
    throw std::runtime_error("HTTP " + method + " " + path +
                             " failed: " + httplib::to_string(result.error()));
  }
  HttpResponse out;
  out.status = result->status;
  out.body = result->body;
  for (const auto& [k, v] : result->headers) {
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    out.headers.emplace(lower, v);
  }
  return out;
}

}  // namespace berth::testing
