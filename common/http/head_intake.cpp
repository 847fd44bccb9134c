#include "common/http/head_intake.h"

namespace berth::http {

namespace {

HeadStep refused(int status, std::string reason) {
  HeadStep step;
  step.kind = HeadStep::Kind::Refused;
  step.status = status;
  step.reason = std::move(reason);
  return step;
}

}  // namespace

HeadStep takeHead(Connection& conn, const Router& router) {
  HeadScanner& scanner = conn.scanner();
  switch (scanner.scan(conn.buffered())) {
    case HeadScanner::State::NeedMore:
      return {};
    case HeadScanner::State::Refused:
      return refused(scanner.errorStatus(), scanner.errorReason());
    case HeadScanner::State::Complete:
      break;
  }
  HeadResult parsed = parseHead(conn.buffered().substr(0, scanner.headLength()));
  conn.consume(scanner.headLength());
  scanner.reset();
  if (!parsed.ok()) return refused(parsed.status, parsed.reason);
  HeadStep step;
  step.kind = HeadStep::Kind::Ready;
  step.request = std::move(parsed.request);
  ServerRequest& req = step.request;
  req.remoteAddr = conn.peer().address;
  req.remotePort = conn.peer().port;
  req.localPort = conn.peer().localPort;
  req.tls = conn.tls();
  if (req.hasBody()) {
    const Router::Route* route = router.find(req.method, req.path);
    if (route == nullptr) return refused(404, "not found");
    if (route->body == Body::None) return refused(413, "this endpoint takes no request body");
  }
  return step;
}

}  // namespace berth::http
