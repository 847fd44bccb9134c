#include "common/http/body_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace berth::http {
namespace {

using namespace std::chrono_literals;

// A Connection over one end of a socket pair; the test writes the client's bytes to the other.
class BodyReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    conn_ = std::make_unique<Connection>(fds[0], nullptr, Peer{"test", 1, 2});
    client_ = fds[1];
  }
  void TearDown() override {
    conn_.reset();
    if (client_ >= 0) ::close(client_);
  }

  void send(const std::string& bytes) {
    ASSERT_EQ(::write(client_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  // What the server wrote back to the client (e.g. "100 Continue"), waiting up to waitMs.
  std::string answer(int waitMs) {
    pollfd p{client_, POLLIN, 0};
    if (::poll(&p, 1, waitMs) <= 0) return {};
    char buffer[256];
    const ssize_t n = ::read(client_, buffer, sizeof(buffer));
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
  }

  static ServerRequest lengthRequest(uint64_t length) {
    ServerRequest req;
    req.framing = BodyFraming::Length;
    req.contentLength = length;
    return req;
  }
  static ServerRequest chunkedRequest() {
    ServerRequest req;
    req.framing = BodyFraming::Chunked;
    return req;
  }
  BodyReader reader(const ServerRequest& req, std::chrono::milliseconds timeout = 5s) {
    return BodyReader(conn_.get(), req, timeout, 5s);
  }
  // Reads to the end; the body, or "ERROR:<message>".
  static std::string readAll(BodyReader& body) {
    std::string out;
    auto status = body.readAll(
        [&](const char* data, size_t size) {
          out.append(data, size);
          return true;
        },
        3);  // small pieces: every state boundary is crossed mid-read
    if (!status) return "ERROR:" + status.error().message;
    return out;
  }

  std::unique_ptr<Connection> conn_;
  int client_ = -1;
};

TEST_F(BodyReaderTest, ALengthBodyIsReadExactlyAndTheNextRequestStaysBuffered) {
  send("0123456789GET / HTTP/1.1\r\n");
  ASSERT_EQ(conn_->fill(1s).status, IoStatus::Ok);
  auto body = reader(lengthRequest(10));
  EXPECT_TRUE(body.hasBody());
  EXPECT_EQ(body.declaredLength(), 10u);
  EXPECT_EQ(readAll(body), "0123456789");
  EXPECT_TRUE(body.complete());
  EXPECT_EQ(body.bytesRead(), 10u);
  EXPECT_EQ(conn_->buffered(), "GET / HTTP/1.1\r\n");
}

TEST_F(BodyReaderTest, ABodyArrivingInPiecesIsReadFromTheSocket) {
  auto body = reader(lengthRequest(6));
  send("abc");
  char buffer[16];
  auto n = body.read(buffer, sizeof(buffer));
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string(buffer, *n), "abc");
  send("defXYZ");
  n = body.read(buffer, sizeof(buffer));
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string(buffer, *n), "def");  // never past the body
  n = body.read(buffer, sizeof(buffer));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0u);
  EXPECT_TRUE(body.complete());
}

TEST_F(BodyReaderTest, NoBodyReadsNothing) {
  ServerRequest req;
  auto body = reader(req);
  EXPECT_FALSE(body.hasBody());
  EXPECT_TRUE(body.complete());
  char buffer[4];
  auto n = body.read(buffer, sizeof(buffer));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0u);
  auto zero = reader(lengthRequest(0));
  EXPECT_FALSE(zero.hasBody());
  EXPECT_TRUE(zero.complete());
}

TEST_F(BodyReaderTest, ChunkedBodiesAreDecodedWithExtensionsAndTrailers) {
  send("5\r\nhello\r\n6;name=value\r\n world\r\nA \r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\nNEXT");
  auto body = reader(chunkedRequest());
  EXPECT_FALSE(body.declaredLength().has_value());
  EXPECT_EQ(readAll(body), "hello world0123456789");
  EXPECT_TRUE(body.complete());
  EXPECT_EQ(conn_->buffered(), "NEXT");
}

TEST_F(BodyReaderTest, AChunkedBodyOneByteAtATimeIsDecoded) {
  const std::string wire = "3\r\nabc\r\n2;x\r\nde\r\n0\r\nT: 1\r\n\r\n";
  std::thread writer([&] {
    for (char c : wire) {
      send(std::string(1, c));
      std::this_thread::sleep_for(2ms);
    }
  });
  auto body = reader(chunkedRequest());
  EXPECT_EQ(readAll(body), "abcde");
  EXPECT_TRUE(body.complete());
  writer.join();
  EXPECT_TRUE(conn_->buffered().empty());
}

struct MalformedCase {
  const char* name;
  std::string wire;
};

class MalformedChunkTest : public BodyReaderTest,
                           public ::testing::WithParamInterface<MalformedCase> {};

TEST_P(MalformedChunkTest, IsAnErrorNotData) {
  send(GetParam().wire);
  ::shutdown(client_, SHUT_WR);  // whatever the reader still waits for never comes
  auto body = reader(chunkedRequest(), 2s);
  const std::string result = readAll(body);
  EXPECT_EQ(result.rfind("ERROR:", 0), 0u) << result;
  EXPECT_FALSE(body.complete());
  EXPECT_NE(body.failure(), BodyFailure::None);
  // A failed reader stays failed.
  char buffer[4];
  EXPECT_FALSE(body.read(buffer, sizeof(buffer)));
}

INSTANTIATE_TEST_SUITE_P(
    Framing, MalformedChunkTest,
    ::testing::Values(
        MalformedCase{"NotHex", "zz\r\nhello\r\n0\r\n\r\n"},
        MalformedCase{"EmptySize", "\r\nhello\r\n0\r\n\r\n"},
        MalformedCase{"SignedSize", "-5\r\nhello\r\n0\r\n\r\n"},
        MalformedCase{"NoCrlfAfterData", "5\r\nhelloXX0\r\n\r\n"},
        MalformedCase{"BareLfAfterSize", "5\nhello\r\n0\r\n\r\n"},
        MalformedCase{"Overflow", "10000000000000000\r\nx\r\n0\r\n\r\n"},
        MalformedCase{"EndlessExtension", "5;" + std::string(8000, 'e') + "\r\nhello\r\n0\r\n\r\n"},
        MalformedCase{"EndlessTrailers", "0\r\n" + std::string(20000, 't') + "\r\n\r\n"},
        MalformedCase{"CutShort", "5\r\nhel"}),
    [](const auto& test) { return std::string(test.param.name); });

TEST_F(BodyReaderTest, AStalledClientIsATimeoutPerRead) {
  auto body = reader(lengthRequest(10), 200ms);
  send("abc");
  char buffer[16];
  auto n = body.read(buffer, sizeof(buffer));
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 3u);
  const auto started = std::chrono::steady_clock::now();
  n = body.read(buffer, sizeof(buffer));
  ASSERT_FALSE(n);
  EXPECT_EQ(body.failure(), BodyFailure::Timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);  // liveness only
}

TEST_F(BodyReaderTest, AClientThatClosesMidBodyIsReported) {
  auto body = reader(lengthRequest(10));
  send("abc");
  ::close(client_);
  client_ = -1;
  EXPECT_EQ(readAll(body).rfind("ERROR:", 0), 0u);
  EXPECT_EQ(body.failure(), BodyFailure::Closed);
}

TEST_F(BodyReaderTest, ContinueIsSentOnTheFirstReadOnly) {
  ServerRequest req = lengthRequest(5);
  req.expectContinue = true;
  auto body = reader(req);
  EXPECT_TRUE(body.continuePending());
  EXPECT_EQ(answer(100), "");  // nothing before a read: the handler may refuse first
  send("hello");
  EXPECT_EQ(readAll(body), "hello");
  EXPECT_EQ(answer(1000), "HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_FALSE(body.continuePending());
}

TEST_F(BodyReaderTest, DrainReadsASmallRemainderAndRefusesALargeOne) {
  send("0123456789");
  auto small = reader(lengthRequest(10));
  EXPECT_TRUE(small.drain(64 * 1024, 1s));
  EXPECT_TRUE(small.complete());

  send("abc");
  auto large = reader(lengthRequest(1 << 20));
  EXPECT_FALSE(large.drain(64 * 1024, 1s));
  EXPECT_EQ(large.bytesRead(), 0u);  // not even started: the connection is closed instead

  ServerRequest req = lengthRequest(3);
  req.expectContinue = true;
  auto unsolicited = reader(req);
  EXPECT_FALSE(unsolicited.drain(64 * 1024, 1s));  // never asks the client for a body to drop
}

TEST_F(BodyReaderTest, DrainGivesUpOnAChunkedBodyPastTheBound) {
  std::string wire;
  for (int i = 0; i < 10; ++i) wire += "1000\r\n" + std::string(4096, 'x') + "\r\n";
  send(wire);
  auto body = reader(chunkedRequest());
  EXPECT_FALSE(body.drain(16 * 1024, 200ms));
  EXPECT_FALSE(body.complete());
}

}  // namespace
}  // namespace berth::http
