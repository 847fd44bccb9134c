#include "common/http/server_request.h"

namespace berth::http {

std::vector<std::string> ServerRequest::headerValues(std::string_view name) const {
  std::vector<std::string> out;
  const auto [first, last] = headers.equal_range(std::string(name));
  for (auto it = first; it != last; ++it) out.push_back(it->second);
  return out;
}

std::string ServerRequest::param(std::string_view name) const {
  auto it = params.find(std::string(name));
  return it == params.end() ? std::string() : it->second;
}

bool ServerRequest::hasParam(std::string_view name) const {
  return params.find(std::string(name)) != params.end();
}

}  // namespace berth::http
