#pragma once

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace berth::http::testing {

// An httplib server on 127.0.0.x, port 0, that remembers from which client port each request
// came: one port per TCP connection, so the count of ports is the count of connections.
class FakeServer {
 public:
  explicit FakeServer(std::unique_ptr<httplib::Server> server, const std::string& address,
                      std::string scheme = "http")
      : server_(std::move(server)), address_(address), scheme_(std::move(scheme)) {
    server_->set_keep_alive_max_count(1000);
    server_->set_tcp_nodelay(true);
    server_->set_keep_alive_timeout(2);
    server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
      std::lock_guard lock(mutex_);
      ports_.insert(req.remote_port);
      ++requests_;
      return httplib::Server::HandlerResponse::Unhandled;
    });
  }
  explicit FakeServer(const std::string& address = "127.0.0.1")
      : FakeServer(std::make_unique<httplib::Server>(), address) {}
  ~FakeServer() { stop(); }

  // Register handlers first, then start.
  httplib::Server& server() { return *server_; }
  void start() {
    port_ = server_->bind_to_any_port(address_);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // stop() only stops a server that is running.
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void stop() {
    release();
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
  }

  int port() const { return port_; }
  std::string url() const { return scheme_ + "://" + address_ + ":" + std::to_string(port_); }
  size_t connections() const {
    std::lock_guard lock(mutex_);
    return ports_.size();
  }
  int requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  // For handlers that must not answer before the test lets them (bounded, so a failing test
  // cannot hang the server's shutdown).
  void waitForRelease() {
    std::unique_lock lock(mutex_);
    released_.wait_for(lock, std::chrono::seconds(20), [this] { return isReleased_; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    isReleased_ = true;
    released_.notify_all();
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::string address_;
  std::string scheme_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::set<int> ports_;
  int requests_ = 0;
  std::condition_variable released_;
  bool isReleased_ = false;
};

// A port nothing listens on: one the kernel just handed out to a socket that is closed again
// (an httplib::Server that never listened keeps its socket open).
inline int closedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace berth::http::testing
