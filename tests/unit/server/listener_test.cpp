#include "server/listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

namespace berth::server {
namespace {

// Connects without waiting; true once the handshake completed within timeoutMs.
bool connectsWithin(int port, int timeoutMs, int& fd) {
  fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) return true;
  if (errno != EINPROGRESS) return false;
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, timeoutMs) != 1) return false;
  int err = 0;
  socklen_t len = sizeof(err);
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  return err == 0;
}

// A burst of clients connecting before the server accepts any: all of them are taken in by the
// kernel. A backlog of 5 (httplib's) would make the rest wait a SYN retransmission (1 s and more).
TEST(ListenerTest, ABurstOfConnectionsIsQueuedNotDropped) {
  common::Logger logger(common::LogLevel::Error, stderr);
  Listener listener({"test", "127.0.0.1:0", {}, 4}, logger);
  ASSERT_TRUE(listener.prepare());
  auto port = listener.bind();
  ASSERT_TRUE(port) << port.error().message;
  constexpr int kBurst = 64;
  std::vector<int> fds;
  int connected = 0;
  for (int i = 0; i < kBurst; ++i) {
    int fd = -1;
    if (connectsWithin(*port, 300, fd)) ++connected;
    fds.push_back(fd);
  }
  EXPECT_EQ(connected, kBurst);
  for (int fd : fds) ::close(fd);
  ASSERT_TRUE(listener.startServing());
  listener.stop();
}

}  // namespace
}  // namespace berth::server
