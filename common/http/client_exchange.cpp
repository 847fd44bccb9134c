#include "common/http/client_exchange.h"

#include <httplib.h>

#include <chrono>
#include <optional>

#include "common/http/client_httplib_error.h"

namespace berth::http {
namespace {

using Clock = std::chrono::steady_clock;

struct Timeouts {
  std::chrono::milliseconds connect;
  std::chrono::milliseconds read;
  std::chrono::milliseconds write;
};

Timeouts timeoutsFor(const ClientOptions& options, const Request& request) {
  if (request.timeout) return {*request.timeout, *request.timeout, *request.timeout};
  return {options.connectTimeout, options.readTimeout, options.writeTimeout};
}

// A failed read or write that waited for nearly its whole timeout since anything last moved
// ran out of time; one that failed sooner met a closed or reset connection.
bool stalledFor(Clock::duration idle, std::chrono::milliseconds timeout) {
  return idle >= timeout * 9 / 10;
}

}  // namespace

common::Result<Exchange> exchange(Connection& connection, const Origin& origin,
                                  const ClientOptions& options, const Request& request,
                                  const std::string& target, const Headers& headers,
                                  const RedirectTest& isFollowedRedirect) {
  const Timeouts timeouts = timeoutsFor(options, request);
  connection.set_connection_timeout(timeouts.connect);
  connection.set_read_timeout(timeouts.read);
  connection.set_write_timeout(timeouts.write);

  Clock::time_point lastProgress = Clock::now();
  httplib::Request req;
  req.method = request.method;
  req.path = target;
  for (const auto& [name, value] : headers) req.headers.emplace(name, value);
  if (request.provider) {
    req.content_length_ = request.providerLength;
    req.content_provider_ = [&](size_t offset, size_t length, httplib::DataSink& sink) {
      return request.provider(offset, length, [&](const char* data, size_t size) {
        if (!sink.write(data, size)) return false;
        lastProgress = Clock::now();
        return true;
      });
    };
  } else {
    req.body = request.body;
  }

  Exchange result;
  bool headSeen = false;
  BodyAction action = BodyAction::Keep;
  std::optional<Failure> ours;  // a failure the request's own rules caused, not the transport
  auto takeHead = [&](const httplib::Response& head) {
    headSeen = true;
    lastProgress = Clock::now();
    result.response.status = head.status;
    for (const auto& [name, value] : head.headers) result.response.headers.emplace(name, value);
    if (isFollowedRedirect && isFollowedRedirect(result.response)) {
      result.redirect = true;
      action = BodyAction::Discard;
      return true;
    }
    action = request.onResponse ? request.onResponse(result.response) : BodyAction::Keep;
    if (action == BodyAction::Stream && !request.sink) action = BodyAction::Discard;
    if (action == BodyAction::Stop) ours = Failure::Stopped;
    return action != BodyAction::Stop;
  };
  req.response_handler = takeHead;
  req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    lastProgress = Clock::now();
    switch (action) {
      case BodyAction::Keep:
        if (result.response.body.size() + size > request.maxBodyBytes) {
          ours = Failure::TooLarge;
          return false;
        }
        result.response.body.append(data, size);
        return true;
      case BodyAction::Stream:
        if (!request.sink(data, size)) {
          ours = Failure::Stopped;
          return false;
        }
        return true;
      case BodyAction::Discard:
        return true;
      case BodyAction::Stop:
        return false;
    }
    return false;
  };

  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  const bool sent = connection.send(req, res, error);
  const std::string detail = request.method + " " + target;
  if (!sent) {
    if (ours) return failureError(*ours, origin.hostPort(), causeOf(error), detail);
    const auto idle = Clock::now() - lastProgress;
    const bool stalled = error == httplib::Error::Write ? stalledFor(idle, timeouts.write)
                         : error == httplib::Error::SSLConnection
                             ? stalledFor(idle, timeouts.connect)
                             : stalledFor(idle, timeouts.read);
    return failureError(failureOf(error, origin, stalled), origin.hostPort(), causeOf(error),
                        detail);
  }
  // cpp-httplib calls no response handler for HEAD or a 204: the head is known only now.
  if (!headSeen && !takeHead(res)) {
    return failureError(Failure::Stopped, origin.hostPort(), "", detail);
  }
  return result;
}

}  // namespace berth::http
