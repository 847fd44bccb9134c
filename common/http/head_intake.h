#pragma once

#include <string>

#include "common/http/connection.h"
#include "common/http/router.h"
#include "common/http/server_request.h"

namespace berth::http {

// What the bytes buffered on a connection amount to.
struct HeadStep {
  enum class Kind { NeedMore, Ready, Refused };
  Kind kind = Kind::NeedMore;
  ServerRequest request;  // Ready: parsed, with the connection's addresses
  int status = 0;         // Refused: answer this and close
  std::string reason;
};

// Looks for a complete request head in the connection's buffer (consuming it when complete) and
// decides whether it can be served: a malformed or oversized head is refused, and so is a body
// sent to a route that takes none (or to no route), before any byte of it is read. The event
// loop calls this for a connection's first request, a worker for pipelined ones.
HeadStep takeHead(Connection& conn, const Router& router);

}  // namespace berth::http
