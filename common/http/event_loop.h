#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/http/connection.h"
#include "common/http/connection_limits.h"
#include "common/http/router.h"
#include "common/http/server_options.h"
#include "common/http/server_request.h"
#include "common/log.h"
#include "common/result.h"

namespace berth::http {

// One epoll thread that owns every connection while no request on it is being handled: it
// accepts (applying the connection caps), runs TLS handshakes, reads request heads under their
// bounds and deadlines, and closes idle connections. A connection leaves it only with a
// complete head, for a worker; slow or silent clients cost a file descriptor and a few hundred
// bytes, never a thread.
class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;
  // Receives a connection with a complete, admissible head (on the loop thread: must not block).
  using Handoff = std::function<void(std::shared_ptr<Connection>, ServerRequest)>;

  EventLoop(const ServerOptions& options, const Router& router, ConnectionLimits& limits,
            SSL_CTX* tls, common::Logger& logger, Handoff handoff);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  common::Status open();
  // Accepts on a listening socket (taken over, non-blocking) bound to `port`.
  void addListener(int fd, int port);
  // Serves until stop(); then closes the listeners and every connection it holds.
  void run();
  void stop();  // any thread
  // A worker hands back a connection to wait for its next request (any thread). After the
  // loop has ended the connection is closed instead.
  void adopt(std::shared_ptr<Connection> conn);

  size_t refusedConnections() const { return refused_.load(); }

 private:
  enum class Phase { Handshake, Head, Idle };
  struct Waiting {
    std::shared_ptr<Connection> conn;
    Clock::time_point deadline;
    Phase phase;
    uint32_t events;  // the epoll interest now registered
  };
  struct Listening {
    int fd;
    int port;
    bool paused;  // out of file descriptors: accepting again after a pause
  };

  void acceptFrom(Listening& listener);
  void admit(int fd, const Peer& peer);
  void advance(int fd);
  void close(int fd, int status = 0, const std::string& reason = {});
  void watch(Waiting& waiting, uint32_t events);
  void takeAdopted();
  void sweep(Clock::time_point now);
  void noteRefused(const std::string& address, const char* cap);

  const ServerOptions& options_;
  const Router& router_;
  ConnectionLimits& limits_;
  SSL_CTX* tls_;
  common::Logger& logger_;
  Handoff handoff_;
  int epoll_ = -1;
  int wake_ = -1;  // eventfd: stop() and adopt()
  std::vector<Listening> listeners_;
  std::unordered_map<int, Waiting> waiting_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> refused_{0};
  std::mutex adoptMutex_;
  std::vector<std::shared_ptr<Connection>> adopted_;
  bool accepting_ = true;  // false once run() has ended: adopt() closes
  Clock::time_point resumeAccept_{};
  Clock::time_point lastRefusalLog_{};
  size_t refusedSinceLog_ = 0;
};

}  // namespace berth::http
