#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/http/client_url.h"

namespace berth::http {

// Where a redirect sends the next request.
struct RedirectHop {
  Origin origin;
  std::string target;
};

// GET and HEAD without a body: safe to repeat at another address.
bool mayFollowRedirects(std::string_view method, bool hasBody);

// The hop a 3xx answer's Location names, for a request that went to `current`: an absolute
// http(s) URL, or a path starting with '/' on the same origin. Nothing for other statuses or
// forms (relative paths, other schemes), which go back to the caller as answers.
std::optional<RedirectHop> redirectHop(const Origin& current, int status,
                                       std::string_view location);

}  // namespace berth::http
