// Slow and huge requests against a real `berth serve`: what starved cpp-httplib's listeners
// (one worker thread per connection for its whole life, header lines and unrouted bodies read
// whole). Berth's own server keeps slow clients in its event loop and reads no more than the
// bounds of a request head, so others are still answered and memory stays flat.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/webhook_test_support.h"
#include "tests/support/process.h"

namespace berth::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The soft open-file limit of the test itself is often 1024, below the connections it opens.
void raiseOpenFileLimit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

// A TCP connection from `source` to 127.0.0.1:port; -1 when it cannot be made.
int connectFrom(const std::string& source, int port, bool nonBlocking) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
    ::close(fd);
    return -1;
  }
  if (nonBlocking) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// Sends a request and waits at most `wait` for the status line; the status, or 0.
int statusWithin(int port, const std::string& request, std::chrono::milliseconds wait) {
  const int fd = connectFrom("127.0.0.1", port, false);
  if (fd < 0) return 0;
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string got;
  const auto until = Clock::now() + wait;
  while (got.find("\r\n") == std::string::npos && Clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) break;
    char buffer[512];
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    got.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  if (got.rfind("HTTP/1.", 0) != 0 || got.size() < 12) return 0;
  return std::atoi(got.c_str() + 9);
}

// A value in kB from /proc/<pid>/status ("VmRSS", "VmHWM").
long statusKb(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return -1;
}

// Streams `head` and then `length` bytes of `fill`, made up as they go; stops when the server
// closes. Returns the bytes it managed to send after the head.
uint64_t streamPlain(int port, const std::string& head, uint64_t length, char fill) {
  const int fd = connectFrom("127.0.0.1", port, false);
  if (fd < 0) return 0;
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  uint64_t sent = 0;
  if (::send(fd, head.data(), head.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(head.size())) {
    const std::string block(1 << 16, fill);
    while (sent < length) {
      const ssize_t n = ::send(fd, block.data(), block.size(), MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<uint64_t>(n);
    }
  }
  ::close(fd);
  return sent;
}

// The same over TLS (no certificate check: only the server's memory is of interest here).
uint64_t streamTls(int port, const std::string& head, uint64_t length, char fill) {
  const int fd = connectFrom("127.0.0.1", port, false);
  if (fd < 0) return 0;
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  uint64_t sent = 0;
  if (SSL_connect(ssl) == 1 &&
      SSL_write(ssl, head.data(), static_cast<int>(head.size())) == static_cast<int>(head.size())) {
    const std::string block(1 << 16, fill);
    while (sent < length) {
      const int n = SSL_write(ssl, block.data(), static_cast<int>(block.size()));
      if (n <= 0) break;
      sent += static_cast<uint64_t>(n);
    }
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ERR_clear_error();
  ::close(fd);
  return sent;
}

// 1,100 clients on 249 addresses each send a byte of a request head every second: with a
// thread per connection (httplib) they held 1,061 threads and a ping timed out. Here they wait
// in the event loop while a normal client is answered.
TEST(ConnectionStarvationTest, TricklingClientsDoNotStarveANormalOne) {
  raiseOpenFileLimit();
  TempDir dir;
  BerthServer server({}, dir.path());
  const int port = server.registryPort();
  const std::string head = "GET /v2/ HTTP/1.1\r\nHost: berth\r\nX-Slow: " + std::string(64, 's');
  constexpr int kClients = 1100;
  std::vector<int> fds;
  for (int i = 0; i < kClients; ++i) {
    const std::string source = "127.0.0." + std::to_string(2 + i % 249);
    const int fd = connectFrom(source, port, true);
    ASSERT_GE(fd, 0) << "connection " << i << " from " << source;
    fds.push_back(fd);
  }
  // A few rounds of one byte each, a second apart; every connection stays open meanwhile.
  for (int round = 0; round < 3; ++round) {
    int open = 0;
    for (int fd : fds) {
      if (::send(fd, head.data() + round, 1, MSG_NOSIGNAL) == 1) ++open;
    }
    EXPECT_EQ(open, kClients) << "round " << round;
    std::this_thread::sleep_for(1s);
  }
  std::atomic<bool> trickling{true};
  std::thread trickler([&] {
    for (size_t round = 3; trickling.load() && round < head.size(); ++round) {
      for (int fd : fds) ::send(fd, head.data() + round, 1, MSG_NOSIGNAL);
      std::this_thread::sleep_for(1s);
    }
  });
  const auto asked = Clock::now();
  const int status = statusWithin(port, "GET /v2/ HTTP/1.1\r\nHost: berth\r\n\r\n", 10s);
  const auto answeredIn = Clock::now() - asked;
  trickling = false;
  trickler.join();
  ::testing::Test::RecordProperty(
      "answeredMs",
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(answeredIn).count()));
  EXPECT_EQ(status, 200)
      << "after " << std::chrono::duration_cast<std::chrono::milliseconds>(answeredIn).count()
      << " ms";
  // The slow clients were really there while the normal one was served: none was cut off.
  char probe;
  int stillOpen = 0;
  for (int fd : fds) {
    const ssize_t n = ::recv(fd, &probe, 1, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) ++stillOpen;
    ::close(fd);
  }
  EXPECT_EQ(stillOpen, kClients);
  EXPECT_TRUE(server.process().running()) << server.log();
}

// A 600 MiB POST to an unknown path (httplib read it whole: 15 MB to 1,063 MB) and a 200 MiB
// header line to the registry and to the webhook over TLS (249 MB): the server reads no more
// than a request head's bounds of any of them.
TEST(ConnectionStarvationTest, HugeRequestsLeaveTheServersMemoryFlat) {
  // TLS writes go through write(2): a server that closes mid-body must not kill the test.
  ::signal(SIGPIPE, SIG_IGN);
  WebhookServer webhook({});
  BerthServer& server = webhook.server();
  const pid_t pid = server.process().pid();
  const int registry = server.registryPort();
  // Warm up both listeners, then take the idle size and restart the peak from there.
  ASSERT_EQ(statusWithin(registry, "GET /v2/ HTTP/1.1\r\nHost: b\r\n\r\n", 10s), 200);
  ASSERT_EQ(webhook.get("/healthz").status, 200);
  std::this_thread::sleep_for(200ms);
  const long idleKb = statusKb(pid, "VmRSS");
  ASSERT_GT(idleKb, 0);
  std::ofstream("/proc/" + std::to_string(pid) + "/clear_refs") << "5";  // resets VmHWM

  const uint64_t body = streamPlain(
      registry, "POST /not-a-route HTTP/1.1\r\nHost: b\r\nContent-Length: 629145600\r\n\r\n",
      600ull << 20, 'b');
  const uint64_t plainLine =
      streamPlain(registry, "GET /v2/ HTTP/1.1\r\nHost: b\r\nX-Huge: ", 200ull << 20, 'h');
  const uint64_t tlsLine = streamTls(
      server.webhookPort(), "POST /validate HTTP/1.1\r\nHost: b\r\nX-Huge: ", 200ull << 20, 'h');
  // The server stopped each one long before its end (the kernel buffers some megabytes).
  EXPECT_LT(body, 600ull << 20);
  EXPECT_LT(plainLine, 200ull << 20);
  EXPECT_LT(tlsLine, 200ull << 20);

  const long peakKb = statusKb(pid, "VmHWM");
  ::testing::Test::RecordProperty("idleKb", static_cast<int>(idleKb));
  ::testing::Test::RecordProperty("peakKb", static_cast<int>(peakKb));
  EXPECT_LE(peakKb - idleKb, 16 * 1024) << "idle " << idleKb << " kB, peak " << peakKb << " kB";
  EXPECT_EQ(statusWithin(registry, "GET /v2/ HTTP/1.1\r\nHost: b\r\n\r\n", 10s), 200);
  EXPECT_EQ(webhook.get("/healthz").status, 200);
  EXPECT_TRUE(server.process().running()) << server.log();
}

}  // namespace
}  // namespace berth::testing
