#include "common/http/server.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/http/response_writer.h"
#include "tests/unit/http/raw_client.h"

namespace berth::http {
namespace {

using namespace std::chrono_literals;
using test::bodyOf;
using test::headerOf;
using test::RawClient;
using test::statusOf;

std::string get(const std::string& path, const std::string& extra = {}) {
  return "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

// A server on 127.0.0.1 with a few routes; options adjusted per test before start().
class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    options.name = "test";
    server_ = std::make_unique<Server>(std::move(options), logger_);
    Router& r = server_->router();
    r.add("GET", "/hello", [this](const ServerRequest& req, ServerResponse& res, BodyReader&) {
      ++calls_;
      res.setHeader("X-Path", req.path);
      res.setContent("hello " + req.param("name"), "text/plain");
    });
    r.add("GET", "/blob", [](const ServerRequest&, ServerResponse& res, BodyReader&) {
      res.setContentProvider(3000, "application/octet-stream",
                             [](uint64_t offset, uint64_t length, DataSink& sink) {
                               std::string piece(std::min<uint64_t>(length, 1000),
                                                 static_cast<char>('a' + offset / 1000));
                               return sink.write(piece.data(), piece.size());
                             });
    });
    // A file of `fileBytes_` sent from descriptor with sendFile when the sink can, announced as
    // `fileAnnounced_` bytes; the first 5 bytes go through write() to mix both in one body.
    r.add("GET", "/file", [this](const ServerRequest&, ServerResponse& res, BodyReader&) {
      res.setContentProvider(fileAnnounced_, "application/octet-stream",
                             [this](uint64_t offset, uint64_t length, DataSink& sink) {
                               const int fd = ::open(filePath_.c_str(), O_RDONLY | O_CLOEXEC);
                               if (fd < 0) return false;
                               ::lseek(fd, static_cast<off_t>(offset), SEEK_SET);
                               bool ok = false;
                               if (offset == 0 || !sink.canSendFile()) {
                                 char buf[5];
                                 const ssize_t n =
                                     ::read(fd, buf, std::min<uint64_t>(length, sizeof(buf)));
                                 ok = n > 0 && sink.write(buf, static_cast<size_t>(n));
                               } else {
                                 sentFiles_ += 1;
                                 ok = sink.sendFile(fd, static_cast<size_t>(length));
                               }
                               ::close(fd);
                               return ok;
                             });
    });
    r.add("GET", "/stated", [](const ServerRequest& req, ServerResponse& res, BodyReader&) {
      // As the registry answers HEAD for a manifest: the length, no body.
      if (req.method == "HEAD") res.setHeader("Content-Length", "1234");
      res.setHeader("Content-Type", "application/json");
    });
    r.add("GET", "/chunked", [](const ServerRequest&, ServerResponse& res, BodyReader&) {
      res.setChunkedContentProvider("text/plain", [](uint64_t offset, DataSink& sink) {
        if (offset >= 30) {
          sink.done();
          return true;
        }
        return sink.write("0123456789", 10);
      });
    });
    r.add("GET", "/chunked-file", [](const ServerRequest&, ServerResponse& res, BodyReader&) {
      res.setChunkedContentProvider("text/plain", [](uint64_t, DataSink& sink) {
        if (sink.canSendFile() || sink.sendFile(0, 1)) return false;
        sink.write("framed", 6);
        sink.done();
        return true;
      });
    });
    r.add("GET", "/throws", [](const ServerRequest&, ServerResponse&, BodyReader&) {
      throw std::runtime_error("boom");
    });
    r.add("GET", "/slow", [](const ServerRequest&, ServerResponse& res, BodyReader&) {
      std::this_thread::sleep_for(300ms);
      res.setContent("slow", "text/plain");
    });
    r.addPattern(
        "POST", "/echo(/.*)?",
        [this](const ServerRequest&, ServerResponse& res, BodyReader& body) {
          ++calls_;
          std::string got;
          auto status = body.readAll([&](const char* data, size_t size) {
            got.append(data, size);
            return true;
          });
          if (!status) {
            res.status = 400;
            res.setContent(status.error().message, "text/plain");
            return;
          }
          res.setContent(got, "text/plain");
        },
        Body::Accepted);
    r.add(
        "POST", "/ignore",
        [this](const ServerRequest&, ServerResponse& res, BodyReader&) {
          ++calls_;
          res.status = 202;
        },
        Body::Accepted);
    auto port = server_->bind("127.0.0.1", 0);
    ASSERT_TRUE(port) << port.error().message;
    port_ = *port;
    ASSERT_TRUE(server_->start());
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  common::Logger logger_{common::LogLevel::Error, stderr};
  std::unique_ptr<Server> server_;
  int port_ = 0;
  std::atomic<int> calls_{0};
  std::string filePath_;
  uint64_t fileAnnounced_ = 0;
  std::atomic<int> sentFiles_{0};
};

// A file of `size` bytes with a pattern that shows where each byte came from.
std::string writePatternFile(const std::string& path, size_t size) {
  std::string content(size, '\0');
  for (size_t i = 0; i < size; ++i) content[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(content.data(), 1, content.size(), f);
  std::fclose(f);
  return content;
}

TEST_F(ServerTest, KeepAliveCarriesSeveralRequestsOnOneConnection) {
  start();
  RawClient c(port_);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send(get("/hello?name=n" + std::to_string(i))));
    const std::string r = c.readResponse();
    EXPECT_EQ(statusOf(r), 200) << r;
    EXPECT_EQ(bodyOf(r), "hello n" + std::to_string(i));
    EXPECT_EQ(headerOf(r, "Content-Length"), std::to_string(bodyOf(r).size()));
    EXPECT_EQ(headerOf(r, "Connection"), "");
    EXPECT_EQ(headerOf(r, "X-Path"), "/hello");
  }
  EXPECT_EQ(server_->connections(), 1u);
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/hello?name=1") + get("/blob") + get("/hello?name=3")));
  EXPECT_EQ(bodyOf(c.readResponse()), "hello 1");
  const std::string blob = c.readResponse();
  EXPECT_EQ(bodyOf(blob), std::string(1000, 'a') + std::string(1000, 'b') + std::string(1000, 'c'));
  EXPECT_EQ(bodyOf(c.readResponse()), "hello 3");
}

TEST_F(ServerTest, APipelinedHeadArrivingInPiecesIsCompletedInTheLoop) {
  start();
  RawClient c(port_);
  const std::string second = get("/hello?name=2");
  ASSERT_TRUE(c.send(get("/hello?name=1") + second.substr(0, 10)));
  EXPECT_EQ(bodyOf(c.readResponse()), "hello 1");
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(c.send(second.substr(10)));
  EXPECT_EQ(bodyOf(c.readResponse()), "hello 2");
}

TEST_F(ServerTest, AFileIsSentFromItsDescriptorAfterWrittenBytes) {
  filePath_ = ::testing::TempDir() + "/server_test_file";
  const std::string content = writePatternFile(filePath_, 3 << 20);
  fileAnnounced_ = content.size();
  start();
  RawClient c(port_);
  for (int i = 0; i < 2; ++i) {  // and the connection stays usable after it
    ASSERT_TRUE(c.send(get("/file")));
    const std::string r = c.readResponse(20000);
    EXPECT_EQ(statusOf(r), 200);
    ASSERT_EQ(bodyOf(r).size(), content.size());
    EXPECT_TRUE(bodyOf(r) == content);
  }
  EXPECT_EQ(sentFiles_.load(), 2);
}

TEST_F(ServerTest, AFileShorterThanAnnouncedEndsTheConnection) {
  filePath_ = ::testing::TempDir() + "/server_test_short_file";
  const std::string content = writePatternFile(filePath_, 100000);
  fileAnnounced_ = content.size() + 1000;
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/file")));
  const std::string r = c.readResponse(5000);
  EXPECT_EQ(headerOf(r, "Content-Length"), std::to_string(fileAnnounced_));
  EXPECT_TRUE(c.closedByPeer(5000));
  EXPECT_LT(bodyOf(r).size(), fileAnnounced_);
}

TEST_F(ServerTest, AChunkedBodyCannotBeSentAsAFile) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/chunked-file")));
  const std::string r = c.readResponse();
  EXPECT_EQ(headerOf(r, "Transfer-Encoding"), "chunked");
  EXPECT_EQ(bodyOf(r), "framed");
}

TEST(StatusReasonTest, ReasonPhrasesAreTheStandardOnes) {
  EXPECT_STREQ(statusReason(400), "Bad Request");
  EXPECT_STREQ(statusReason(408), "Request Timeout");
  EXPECT_STREQ(statusReason(431), "Request Header Fields Too Large");
  EXPECT_STREQ(statusReason(416), "Range Not Satisfiable");
}

TEST_F(ServerTest, HeadSendsHeadersOnlyWithTheLengthOfTheGet) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send("HEAD /blob HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::string r = c.readResponse(10000, true);
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_EQ(headerOf(r, "Content-Length"), "3000");
  ASSERT_TRUE(c.send("HEAD /stated HTTP/1.1\r\nHost: t\r\n\r\n"));
  r = c.readResponse(10000, true);
  EXPECT_EQ(headerOf(r, "Content-Length"), "1234");
  ASSERT_TRUE(c.send("HEAD /hello?name=x HTTP/1.1\r\nHost: t\r\n\r\n"));
  r = c.readResponse(10000, true);
  EXPECT_EQ(headerOf(r, "Content-Length"), "7");
  // No body bytes were sent: the next answer on the connection starts right away.
  ASSERT_TRUE(c.send(get("/hello?name=after")));
  r = c.readResponse();
  EXPECT_EQ(statusOf(r), 200) << r;
  EXPECT_EQ(bodyOf(r), "hello after");
  // A GET of /stated has no body: the handler's HEAD length does not leak into it.
  ASSERT_TRUE(c.send(get("/stated")));
  EXPECT_EQ(headerOf(c.readResponse(), "Content-Length"), "0");
}

TEST_F(ServerTest, AnUnknownLengthIsSentChunked) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/chunked")));
  const std::string r = c.readResponse();
  EXPECT_EQ(headerOf(r, "Transfer-Encoding"), "chunked");
  EXPECT_EQ(headerOf(r, "Content-Length"), "");
  EXPECT_EQ(bodyOf(r), "012345678901234567890123456789");
  // HTTP/1.0 cannot read chunks: the bytes end with the connection.
  RawClient old(port_);
  ASSERT_TRUE(old.send("GET /chunked HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(old.closedByPeer(5000));
}

TEST_F(ServerTest, Http10ClosesUnlessItAsksForKeepAlive) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send("GET /hello HTTP/1.0\r\n\r\n"));
  const std::string r = c.readResponse();
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_EQ(headerOf(r, "Connection"), "close");
  EXPECT_TRUE(c.closedByPeer(5000));
  RawClient k(port_);
  ASSERT_TRUE(k.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_EQ(headerOf(k.readResponse(), "Connection"), "keep-alive");
  ASSERT_TRUE(k.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_EQ(statusOf(k.readResponse()), 200);
}

TEST_F(ServerTest, ConnectionCloseFromTheClientIsHonoured) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/hello", "Connection: close\r\n") + get("/hello")));
  const std::string r = c.readResponse();
  EXPECT_EQ(headerOf(r, "Connection"), "close");
  EXPECT_TRUE(c.closedByPeer(5000));
  EXPECT_EQ(calls_.load(), 1);  // the request after it is never served
}

struct OversizeCase {
  const char* name;
  std::string bytes;
  int status;
};

class ServerRefusalTest : public ServerTest, public ::testing::WithParamInterface<OversizeCase> {};

TEST_P(ServerRefusalTest, IsAnsweredAndClosed) {
  start();
  RawClient c(port_);
  c.send(GetParam().bytes);  // the server may close before it has taken everything
  const std::string r = c.readResponse();
  EXPECT_EQ(statusOf(r), GetParam().status) << r.substr(0, 200);
  EXPECT_EQ(headerOf(r, "Connection"), "close");
  EXPECT_TRUE(c.closedByPeer(5000));
  EXPECT_EQ(calls_.load(), 0);
  // Others are served.
  RawClient other(port_);
  ASSERT_TRUE(other.send(get("/hello")));
  EXPECT_EQ(statusOf(other.readResponse()), 200);
}

std::string manyFields() {
  std::string out;
  for (int i = 0; i < 2048; ++i)
    out += "X-Field-" + std::to_string(i) + ": " + std::string(40, 'v') + "\r\n";
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    Heads, ServerRefusalTest,
    ::testing::Values(
        OversizeCase{"LongRequestLine", get("/hello?x=" + std::string(9000, 'a')), 414},
        OversizeCase{"LongRequestLineWithoutEnd", "GET /" + std::string(20000, 'a'), 414},
        OversizeCase{"LongField", get("/hello", "X-Big: " + std::string(9000, 'b') + "\r\n"), 400},
        OversizeCase{"ManyFields", get("/hello", manyFields()), 431},
        OversizeCase{"Malformed", "GET /hello HTTP/1.1\r\nHost: t\r\nBroken\r\n\r\n", 400},
        OversizeCase{"BareLf", "GET /hello HTTP/1.1\nHost: t\n\n", 400},
        OversizeCase{"Smuggling",
                     "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                     400},
        OversizeCase{"Garbage", "AND THEN SOME BYTES THAT ARE NOT A REQUEST\r\n\r\n", 400}),
    [](const auto& test) { return std::string(test.param.name); });

TEST_F(ServerTest, ABodyToARouteThatTakesNoneIsRefusedWithoutReadingIt) {
  start();
  for (const std::string& head :
       {std::string("POST /unknown HTTP/1.1\r\nHost: t\r\nContent-Length: 600000000\r\n\r\n"),
        std::string("GET /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 600000000\r\n\r\n"),
        std::string("PUT /hello HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")}) {
    RawClient c(port_);
    ASSERT_TRUE(c.send(head));
    const std::string r = c.readResponse();
    EXPECT_TRUE(statusOf(r) == 404 || statusOf(r) == 413) << r;
    EXPECT_EQ(headerOf(r, "Connection"), "close");
    EXPECT_TRUE(c.closedByPeer(5000)) << head;
    // Nothing more is taken: sending fails once the close arrives.
    bool refused = false;
    const std::string block(1 << 20, 'x');
    for (int i = 0; i < 64 && !refused; ++i) refused = !c.send(block);
    EXPECT_TRUE(refused);
  }
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerTest, BodiesAreReadByTheRoutesThatTakeThem) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send("POST /echo/x HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"));
  EXPECT_EQ(bodyOf(c.readResponse()), "hello");
  ASSERT_TRUE(
      c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
             "3\r\nabc\r\n0\r\n\r\n"));
  EXPECT_EQ(bodyOf(c.readResponse()), "abc");
}

TEST_F(ServerTest, ExpectContinueIsAnsweredWhenTheHandlerReads) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(
      c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
             "Expect: 100-continue\r\n\r\n"));
  const std::string interim = c.readResponse(10000, true);
  EXPECT_EQ(statusOf(interim), 100) << interim;
  ASSERT_TRUE(c.send("hello"));
  const std::string r = c.readResponse();
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_EQ(bodyOf(r), "hello");
}

TEST_F(ServerTest, ASmallUnreadBodyIsDrainedAndALargeOneCloses) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send("POST /ignore HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" +
                     std::string(1000, 'x') + get("/hello?name=next")));
  std::string r = c.readResponse();
  EXPECT_EQ(statusOf(r), 202);
  EXPECT_EQ(headerOf(r, "Connection"), "");
  EXPECT_EQ(bodyOf(c.readResponse()), "hello next");  // the body was not read as a request

  RawClient big(port_);
  ASSERT_TRUE(big.send("POST /ignore HTTP/1.1\r\nHost: t\r\nContent-Length: 10000000\r\n\r\n" +
                       std::string(1000, 'x')));
  r = big.readResponse();
  EXPECT_EQ(statusOf(r), 202);
  EXPECT_EQ(headerOf(r, "Connection"), "close");
  EXPECT_TRUE(big.closedByPeer(5000));
}

TEST_F(ServerTest, AnIncompleteBodyEndsTheConnectionAndIsNeverReparsed) {
  ServerOptions options;
  options.readTimeout = 300ms;
  start(options);
  RawClient c(port_);
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789"));
  const std::string r = c.readResponse();
  EXPECT_EQ(statusOf(r), 400) << r;
  EXPECT_EQ(headerOf(r, "Connection"), "close");
  // What follows would be a valid request if parsed as one; the connection is gone instead.
  c.send(get("/hello"));
  EXPECT_TRUE(c.closedByPeer(5000));
  EXPECT_EQ(calls_.load(), 1);
}

TEST_F(ServerTest, AHandlerExceptionIsA500) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/throws")));
  EXPECT_EQ(statusOf(c.readResponse()), 500);
  ASSERT_TRUE(c.send(get("/hello")));
  EXPECT_EQ(statusOf(c.readResponse()), 200);
}

TEST_F(ServerTest, UnknownPathsAre404) {
  start();
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/nothing")));
  EXPECT_EQ(statusOf(c.readResponse()), 404);
  ASSERT_TRUE(c.send("DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_EQ(statusOf(c.readResponse()), 404);
}

TEST_F(ServerTest, ThePerClientCapClosesExcessConnectionsAtOnce) {
  ServerOptions options;
  options.maxConnectionsPerClient = 3;
  start(options);
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawClient>(port_, "127.0.0.2"));
    ASSERT_TRUE(held.back()->send("GET"));  // a head in progress
  }
  for (int i = 0; i < 100 && server_->connections() < 3; ++i) std::this_thread::sleep_for(10ms);
  RawClient excess(port_, "127.0.0.2");
  EXPECT_TRUE(excess.closedByPeer(5000));
  EXPECT_EQ(server_->refusedConnections(), 1u);
  // Another address is not affected, and the held connections still work.
  RawClient other(port_, "127.0.0.3");
  ASSERT_TRUE(other.send(get("/hello")));
  EXPECT_EQ(statusOf(other.readResponse()), 200);
  ASSERT_TRUE(held[0]->send(" /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_EQ(statusOf(held[0]->readResponse()), 200);
  // A closed connection gives its slot back.
  held.pop_back();
  // Left open: two held ones and `other`.
  for (int i = 0; i < 200 && server_->connections() > 3; ++i) std::this_thread::sleep_for(10ms);
  RawClient again(port_, "127.0.0.2");
  ASSERT_TRUE(again.send(get("/hello")));
  EXPECT_EQ(statusOf(again.readResponse()), 200);
}

TEST_F(ServerTest, TheGlobalCapClosesExcessConnections) {
  ServerOptions options;
  options.maxConnections = 2;
  start(options);
  RawClient a(port_, "127.0.0.2");
  RawClient b(port_, "127.0.0.3");
  ASSERT_TRUE(a.send("G"));
  ASSERT_TRUE(b.send("G"));
  for (int i = 0; i < 100 && server_->connections() < 2; ++i) std::this_thread::sleep_for(10ms);
  RawClient c(port_, "127.0.0.4");
  EXPECT_TRUE(c.closedByPeer(5000));
  EXPECT_GE(server_->refusedConnections(), 1u);
}

TEST_F(ServerTest, TheHeadDeadlineIsNotRestartedByEachByte) {
  ServerOptions options;
  options.headTimeout = 1s;
  start(options);
  RawClient c(port_);
  const std::string head = get("/hello", "X-Padding: " + std::string(200, 'p') + "\r\n");
  std::string received;
  bool closed = false;
  // One byte every 100 ms would take 25 s for this head; the deadline cuts it after about 1 s.
  for (size_t i = 0; i < head.size() && !closed; ++i) {
    if (!c.send(std::string(1, head[i]))) break;
    closed = c.closedByPeer(100);
  }
  if (!closed) closed = c.closedByPeer(10000);
  EXPECT_TRUE(closed);
  EXPECT_EQ(calls_.load(), 0);
}

TEST_F(ServerTest, ATricklerGets408AndASilentConnectionIsJustClosed) {
  ServerOptions options;
  options.headTimeout = 1s;
  start(options);
  RawClient trickler(port_);
  ASSERT_TRUE(trickler.send("GET /hel"));
  const std::string r = trickler.readResponse(10000);
  EXPECT_EQ(statusOf(r), 408) << r;
  EXPECT_TRUE(trickler.closedByPeer(5000));
  RawClient silent(port_);
  EXPECT_TRUE(silent.closedByPeer(10000));
  EXPECT_EQ(silent.readResponse(100), "");
}

TEST_F(ServerTest, IdleKeepAliveConnectionsAreClosedAfterTheirTimeout) {
  ServerOptions options;
  options.keepAliveTimeout = 500ms;
  start(options);
  RawClient c(port_);
  ASSERT_TRUE(c.send(get("/hello")));
  EXPECT_EQ(statusOf(c.readResponse()), 200);
  EXPECT_TRUE(c.closedByPeer(10000));
  for (int i = 0; i < 200 && server_->connections() > 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(server_->connections(), 0u);
}

// The starvation httplib suffered: every connection held a worker for its whole life.
TEST_F(ServerTest, SlowAndIdleClientsHoldNoWorker) {
  ServerOptions options;
  options.threads = 1;
  options.maxThreads = 1;
  start(options);
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 50; ++i) {
    slow.push_back(std::make_unique<RawClient>(port_, "127.0.0." + std::to_string(10 + i)));
    ASSERT_TRUE(slow.back()->send(i % 2 == 0 ? "GET /hel" : get("/hello")));
    if (i % 2 == 1) {
      ASSERT_EQ(statusOf(slow.back()->readResponse()), 200);  // now idle
    }
  }
  RawClient normal(port_);
  ASSERT_TRUE(normal.send(get("/hello?name=normal")));
  const std::string r = normal.readResponse(10000);
  EXPECT_EQ(bodyOf(r), "hello normal");
  EXPECT_LE(server_->workers(), 1u);
}

TEST_F(ServerTest, StopIsPromptAndLeavesNoDescriptorOrThread) {
  // ThreadSanitizer starts a thread of its own at a process's first pthread_create; one thread
  // made and joined first keeps that thread out of the count.
  std::thread([] {}).join();
  const int fdsBefore = test::openDescriptors();
  const int threadsBefore = test::liveThreads();
  {
    ServerOptions options;
    options.stopGrace = 500ms;
    options.threads = 4;
    start(options);
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < 10; ++i) {
      clients.push_back(std::make_unique<RawClient>(port_, "127.0.0." + std::to_string(20 + i)));
    }
    ASSERT_TRUE(clients[0]->send(get("/hello")));
    EXPECT_EQ(statusOf(clients[0]->readResponse()), 200);  // idle keep-alive
    ASSERT_TRUE(clients[1]->send("GET /hel"));             // head in progress
    // A body that never ends: its handler waits in a read when stop() comes.
    ASSERT_TRUE(
        clients[2]->send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nab"));
    ASSERT_TRUE(clients[3]->send(get("/slow")));
    std::this_thread::sleep_for(100ms);
    const auto started = std::chrono::steady_clock::now();
    server_->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    EXPECT_EQ(server_->connections(), 0u);
    // The request in progress was answered.
    EXPECT_EQ(bodyOf(clients[3]->readResponse()), "slow");
    for (auto& c : clients) EXPECT_TRUE(c->closedByPeer(5000));
    server_.reset();
  }
  EXPECT_EQ(test::openDescriptors(), fdsBefore);
  EXPECT_EQ(test::liveThreads(), threadsBefore);
}

TEST_F(ServerTest, ABusyPortIsAnError) {
  start();
  common::Logger logger(common::LogLevel::Error, stderr);
  Server second(ServerOptions{}, logger);
  EXPECT_FALSE(second.bind("127.0.0.1", port_));
}

}  // namespace
}  // namespace berth::http
