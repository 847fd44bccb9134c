#include "common/http/client.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>

#include "common/http/client_connection_pool.h"
#include "common/http/client_exchange.h"
#include "common/http/client_redirect.h"

namespace berth::http {
namespace {

bool isToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

// A header value may hold any visible byte, space and tab, but never the CR or LF that would
// end it and start a header of the sender's choosing.
bool isFieldValue(std::string_view text) {
  return std::none_of(text.begin(), text.end(),
                      [](unsigned char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// Why a request cannot go on the wire as given, or "".
std::string invalidityOf(const Request& request) {
  if (!isToken(request.method)) return "method is not a token";
  if (!isWireSafeTarget(request.target)) {
    return "target must start with '/' and hold no space or control byte";
  }
  for (const auto& [name, value] : request.headers) {
    if (!isToken(name)) return "header name '" + name + "' is not a token";
    if (!isFieldValue(value)) return "header " + name + " holds CR, LF or NUL";
  }
  if (request.provider && !request.body.empty()) return "both a body and a body provider";
  return {};
}

}  // namespace

common::Result<Client> Client::create(std::string_view baseUrl, ClientOptions options) {
  BERTH_TRY_ASSIGN(Origin origin, parseOrigin(baseUrl));
  return Client(std::move(origin), std::move(options));
}

Client::Client(Origin origin, ClientOptions options)
    : origin_(std::move(origin)),
      options_(std::move(options)),
      pool_(std::make_unique<ConnectionPool>(origin_, options_)) {}

Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

size_t Client::idleConnections() const { return pool_->idleOpen(); }

common::Result<Response> Client::send(const Request& request) const {
  if (const std::string why = invalidityOf(request); !why.empty()) {
    return failureError(Failure::InvalidRequest, origin_.hostPort(), why,
                        request.method + " " + request.target);
  }
  const bool follow = options_.maxRedirects > 0 &&
                      mayFollowRedirects(request.method, request.provider || !request.body.empty());
  Origin current = origin_;
  std::string target = request.target;
  Headers headers = request.headers;
  for (int redirects = 0;; ++redirects) {
    RedirectTest isFollowed;
    if (follow) {
      isFollowed = [&](const Response& head) {
        return redirectHop(current, head.status, head.header("Location")).has_value();
      };
    }
    common::Result<Exchange> done = common::Error{};
    if (current == origin_) {
      auto connection = pool_->acquire();
      done = exchange(*connection, current, options_, request, target, headers, isFollowed);
      pool_->release(std::move(connection));
    } else {
      auto connection = openConnection(current, options_);
      done = exchange(*connection, current, options_, request, target, headers, isFollowed);
    }
    BERTH_TRY(done);
    if (!done->redirect) {
      done->response.origin = current.str();
      done->response.redirects = redirects;
      return std::move(done->response);
    }
    if (redirects == options_.maxRedirects) {
      return failureError(Failure::TooManyRedirects, origin_.hostPort(),
                          "more than " + std::to_string(options_.maxRedirects),
                          request.method + " " + request.target);
    }
    auto hop = redirectHop(current, done->response.status, done->response.header("Location"));
    // Our credentials stay with the origin they were meant for; once dropped, they stay so.
    if (!(hop->origin == current)) headers.erase("Authorization");
    current = std::move(hop->origin);
    target = std::move(hop->target);
  }
}

}  // namespace berth::http
