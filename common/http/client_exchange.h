#pragma once

#include <functional>
#include <string>

#include "common/http/client_connection_pool.h"
#include "common/http/client_request.h"
#include "common/http/client_response.h"
#include "common/result.h"

namespace berth::http {

// One request and its answer on one connection, without redirects.
struct Exchange {
  Response response;
  // The answer was a redirect the caller follows: its body was discarded and onResponse was
  // not called.
  bool redirect = false;
};

// True for an answer that is a redirect the client will follow.
using RedirectTest = std::function<bool(const Response& head)>;

// Sends `request` to `target` with `headers` (the request's, less what a redirect dropped).
common::Result<Exchange> exchange(Connection& connection, const Origin& origin,
                                  const ClientOptions& options, const Request& request,
                                  const std::string& target, const Headers& headers,
                                  const RedirectTest& isFollowedRedirect);

}  // namespace berth::http
