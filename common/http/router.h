#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/body_reader.h"
#include "common/http/server_request.h"
#include "common/http/server_response.h"

namespace re2 {
class RE2;
}

namespace berth::http {

// A handler answers one request. `body` reads the request body; for a route that takes none it
// is always empty (the server never hands such a route a request with a body).
using Handler =
    std::function<void(const ServerRequest& req, ServerResponse& res, BodyReader& body)>;

// Whether a route reads request bodies. A request with a body to a route that takes none (or to
// no route) is answered and its connection closed without reading a byte of the body.
enum class Body { None, Accepted };

// Method and path to handler: an exact path or an RE2 pattern matched against the whole
// decoded path. Filled before the server starts and read-only afterwards. HEAD requests go to
// the GET route when no HEAD route matches (the writer then sends headers only).
class Router {
 public:
  struct Route {
    std::string method;
    std::string path;  // exact, when pattern is null
    std::unique_ptr<re2::RE2> pattern;
    Handler handler;
    Body body;
  };

  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  void add(std::string_view method, std::string path, Handler handler, Body body = Body::None);
  // false when the pattern does not compile.
  bool addPattern(std::string_view method, std::string_view pattern, Handler handler,
                  Body body = Body::None);

  // The route for a request, or null.
  const Route* find(std::string_view method, std::string_view path) const;

 private:
  const Route* findExact(std::string_view method, std::string_view path) const;
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace berth::http
