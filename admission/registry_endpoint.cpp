#include "admission/registry_endpoint.h"

namespace berth::admission {
namespace {

std::string withoutTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

http::ClientOptions clientOptions(bool verifyTls) {
  http::ClientOptions options;
  options.tls.insecureSkipVerify = !verifyTls;
  // One connection per call: the client does not retry on a parked connection the registry
  // has just closed, and a failed call is a denied Pod.
  options.maxIdleConnections = 0;
  return options;
}

common::Error unavailable(std::string message) {
  return common::Error{common::ErrorCode::Unavailable, std::move(message)};
}

}  // namespace

RegistryEndpoint::RegistryEndpoint(std::string baseUrl, bool verifyTls, std::string authorization)
    : baseUrl_(withoutTrailingSlashes(std::move(baseUrl))),
      authorization_(std::move(authorization)),
      client_(http::Client::create(baseUrl_, clientOptions(verifyTls))) {}

common::Result<http::Response> RegistryEndpoint::send(http::Request request, Deadline deadline,
                                                      const std::string& what) const {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return unavailable(what + ": no time left for the lookup");
  if (!client_) return unavailable(what + ": bad registry URL " + baseUrl_);
  if (!authorization_.empty()) request.headers.emplace("Authorization", authorization_);
  request.timeout = left;  // each wait, so the call gives up by the deadline
  auto res = client_->send(request);
  if (!res) {
    return unavailable(what + ": registry " + baseUrl_ + " unreachable (" + res.error().message +
                       ")");
  }
  return res;
}

}  // namespace berth::admission
