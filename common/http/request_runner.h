#pragma once

#include <atomic>
#include <memory>

#include "common/http/connection.h"
#include "common/http/router.h"
#include "common/http/server_options.h"
#include "common/http/server_request.h"
#include "common/log.h"

namespace berth::http {

// Serves requests on one connection on a worker thread: runs the handler, keeps the connection
// in step (a body the handler left unread is drained up to a bound, else the connection is
// closed), writes the response, and goes on with requests the client pipelined.
class RequestRunner {
 public:
  RequestRunner(const ServerOptions& options, const Router& router, common::Logger& logger,
                const std::atomic<bool>& stopping)
      : options_(options), router_(router), logger_(logger), stopping_(stopping) {}

  // Serves `req` and whatever complete requests follow it in the buffer. Returns the connection
  // when it should wait in the event loop for its next request, null when it is to be closed.
  std::shared_ptr<Connection> run(std::shared_ptr<Connection> conn, ServerRequest req);

 private:
  void handle(const ServerRequest& req, ServerResponse& res, BodyReader& body);

  const ServerOptions& options_;
  const Router& router_;
  common::Logger& logger_;
  const std::atomic<bool>& stopping_;
};

}  // namespace berth::http
