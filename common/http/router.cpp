#include "common/http/router.h"

#include <re2/re2.h>

namespace berth::http {

Router::Router() = default;
Router::~Router() = default;

void Router::add(std::string_view method, std::string path, Handler handler, Body body) {
  routes_.push_back(std::make_unique<Route>(
      Route{std::string(method), std::move(path), nullptr, std::move(handler), body}));
}

bool Router::addPattern(std::string_view method, std::string_view pattern, Handler handler,
                        Body body) {
  // Paths are bytes, decoded from the target and not necessarily UTF-8 (an invalid name must
  // reach the handler that refuses it), so patterns match bytes, and '.' matches '\n' too.
  re2::RE2::Options options;
  options.set_encoding(re2::RE2::Options::EncodingLatin1);
  options.set_dot_nl(true);
  options.set_log_errors(false);
  auto compiled = std::make_unique<re2::RE2>(pattern, options);
  if (!compiled->ok()) return false;
  routes_.push_back(std::make_unique<Route>(
      Route{std::string(method), std::string(), std::move(compiled), std::move(handler), body}));
  return true;
}

const Router::Route* Router::findExact(std::string_view method, std::string_view path) const {
  for (const auto& route : routes_) {
    if (route->method != method) continue;
    if (route->pattern ? re2::RE2::FullMatch(path, *route->pattern) : route->path == path) {
      return route.get();
    }
  }
  return nullptr;
}

const Router::Route* Router::find(std::string_view method, std::string_view path) const {
  const Route* route = findExact(method, path);
  if (route == nullptr && method == "HEAD") route = findExact("GET", path);
  return route;
}

}  // namespace berth::http
