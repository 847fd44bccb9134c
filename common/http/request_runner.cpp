#include "common/http/request_runner.h"

#include <algorithm>
#include <chrono>

#include "common/http/body_reader.h"
#include "common/http/head_intake.h"
#include "common/http/response_writer.h"

namespace berth::http {

namespace {

// Leftover body bytes are drained only while they keep coming: a client that stalls here is
// closed rather than waited for.
constexpr std::chrono::milliseconds kDrainWait{1000};

// How long a worker waits for a keep-alive client's next request before handing the connection
// back to the event loop. Clients that send requests back to back (containerd pulling layers,
// skopeo, wrk) answer within a round trip when they get the CPU, but on a busy node a client is
// often descheduled for a time slice or two: 2 ms sent many connections back through epoll (an
// extra handoff and thread wake per request, behind the busy cores), which put the p99 of small
// requests at 8-10 ms under 64 keep-alive clients where 10 ms gives 4-5 ms and 30% more
// requests/s (bench/RESULTS.md). A client that stops after a request costs a worker at most this
// long, per request it completes.
constexpr std::chrono::milliseconds kNextRequestLinger{10};

bool asksToClose(const ServerResponse& res) {
  for (const std::string& option : headerTokens(res.headers, "Connection")) {
    if (option == "close") return true;
  }
  return false;
}

}  // namespace

void RequestRunner::handle(const ServerRequest& req, ServerResponse& res, BodyReader& body) {
  const Router::Route* route = router_.find(req.method, req.path);
  if (route == nullptr) {
    res.status = 404;
    res.setContent("not found\n", "text/plain; charset=utf-8");
    return;
  }
  // A copy: the exception (and its what()) ends with the catch block.
  std::string failure;
  try {
    route->handler(req, res, body);
    return;
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "unknown exception";
  }
  logger_.error("request handler failed", {{"listener", options_.name},
                                           {"method", req.method},
                                           {"path", req.path},
                                           {"error", failure}});
  res = ServerResponse{};
  res.status = 500;
  res.setContent("internal server error\n", "text/plain; charset=utf-8");
}

std::shared_ptr<Connection> RequestRunner::run(std::shared_ptr<Connection> conn,
                                               ServerRequest req) {
  while (true) {
    ServerResponse res;
    BodyReader body(conn.get(), req, options_.readTimeout, options_.writeTimeout);
    handle(req, res, body);
    bool keepAlive = req.keepAlive && !stopping_.load() && !asksToClose(res);
    if (keepAlive && !body.complete()) {
      keepAlive = body.drain(options_.drainBytes, std::min(options_.readTimeout, kDrainWait));
    }
    if (!writeResponse(*conn, req, res, keepAlive, options_.writeTimeout) || !keepAlive) {
      return nullptr;
    }
    HeadStep next = takeHead(*conn, router_);
    const auto lingerEnd = std::chrono::steady_clock::now() + kNextRequestLinger;
    while (next.kind == HeadStep::Kind::NeedMore && !stopping_.load()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          lingerEnd - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      const IoResult got = conn->fill(left);
      if (got.status == IoStatus::Timeout) break;
      if (got.status != IoStatus::Ok) return nullptr;  // gone, or a broken connection
      next = takeHead(*conn, router_);
    }
    switch (next.kind) {
      case HeadStep::Kind::NeedMore:
        return conn;
      case HeadStep::Kind::Refused:
        (void)conn->writeAll(closingResponse(next.status, next.reason), options_.writeTimeout);
        return nullptr;
      case HeadStep::Kind::Ready:
        if (stopping_.load()) return nullptr;
        req = std::move(next.request);
        break;
    }
  }
}

}  // namespace berth::http
