#include "common/http/client_redirect.h"

namespace berth::http {

bool mayFollowRedirects(std::string_view method, bool hasBody) {
  return !hasBody && (method == "GET" || method == "HEAD");
}

std::optional<RedirectHop> redirectHop(const Origin& current, int status,
                                       std::string_view location) {
  if (status < 300 || status >= 400 || location.empty()) return std::nullopt;
  if (location.front() == '/') {
    if (!isWireSafeTarget(location)) return std::nullopt;
    return RedirectHop{current, std::string(location)};
  }
  auto split = splitUrl(location);
  if (!split || !isWireSafeTarget(split->second)) return std::nullopt;
  auto origin = parseOrigin(split->first);
  if (!origin) return std::nullopt;
  return RedirectHop{std::move(*origin), std::move(split->second)};
}

}  // namespace berth::http
