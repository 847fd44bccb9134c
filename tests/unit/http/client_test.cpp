#include "common/http/client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "tests/unit/http/fake_server.h"

namespace berth::http {
namespace {

using testing::closedPort;
using testing::FakeServer;
using Clock = std::chrono::steady_clock;

bool mentions(const common::Error& error, Failure failure) {
  return error.message.find(failureText(failure)) != std::string::npos;
}

Client clientFor(const FakeServer& server, ClientOptions options = {}) {
  auto client = Client::create(server.url(), std::move(options));
  EXPECT_TRUE(client) << client.error().message;
  return std::move(client).value();
}

Request get(std::string target) {
  Request request;
  request.target = std::move(target);
  return request;
}

// Answers /echo/<text> with <text>.
void serveEcho(FakeServer& fake) {
  fake.server().Get(R"(/echo/(.*))", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.matches[1].str(), "text/plain");
  });
}

TEST(HttpClientTest, SequentialRequestsShareOneKeptAliveConnection) {
  FakeServer fake;
  serveEcho(fake);
  fake.start();
  Client client = clientFor(fake);
  for (int i = 0; i < 5; ++i) {
    auto response = client.send(get("/echo/" + std::to_string(i)));
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, std::to_string(i));
    EXPECT_EQ(response->origin, fake.url());
  }
  EXPECT_EQ(fake.requests(), 5);
  EXPECT_EQ(fake.connections(), 1u);
  EXPECT_EQ(client.idleConnections(), 1u);
}

TEST(HttpClientTest, EightThreadsAtOnceUseAtMostEightConnections) {
  FakeServer fake;
  serveEcho(fake);
  fake.start();
  ClientOptions options;
  options.maxIdleConnections = 3;
  Client client = clientFor(fake, options);
  constexpr int kThreads = 8;
  constexpr int kEach = 25;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string text = std::to_string(t) + "-" + std::to_string(i);
        auto response = client.send(get("/echo/" + text));
        if (!response || response->status != 200 || response->body != text) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(fake.requests(), kThreads * kEach);
  // No connection serves two requests at once, and connections are reused across calls.
  EXPECT_LE(fake.connections(), static_cast<size_t>(kThreads));
  EXPECT_LE(client.idleConnections(), options.maxIdleConnections);
  EXPECT_GE(client.idleConnections(), 1u);
}

TEST(HttpClientTest, AConnectionTheServerClosedIsReplaced) {
  FakeServer fake;
  serveEcho(fake);
  fake.server().set_keep_alive_max_count(1);  // "Connection: close" on every answer
  fake.start();
  Client client = clientFor(fake);
  for (int i = 0; i < 3; ++i) {
    auto response = client.send(get("/echo/x"));
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->body, "x");
  }
  EXPECT_EQ(fake.connections(), 3u);
}

TEST(HttpClientTest, AReadThatStallsTimesOut) {
  FakeServer fake;
  fake.server().Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    fake.waitForRelease();
    res.set_content("late", "text/plain");
  });
  fake.start();
  ClientOptions options;
  options.readTimeout = std::chrono::milliseconds(200);
  Client client = clientFor(fake, options);
  const auto start = Clock::now();
  auto response = client.send(get("/slow"));
  ASSERT_FALSE(response);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(response.error().code, common::ErrorCode::Unavailable);
  EXPECT_TRUE(mentions(response.error(), Failure::TimedOut)) << response.error().message;
  EXPECT_NE(response.error().message.find(fake.url().substr(7)), std::string::npos)
      << "names host:port: " << response.error().message;
  EXPECT_NE(response.error().message.find("httplib Read"), std::string::npos);
  EXPECT_EQ(response.error().detail, "GET /slow");
}

// A peer that hangs up mid-answer broke the connection; the request did not run out of time.
TEST(HttpClientTest, AConnectionCutMidAnswerIsBrokenNotTimedOut) {
  FakeServer fake;
  fake.server().Get("/cut", [](const httplib::Request&, httplib::Response& res) {
    res.set_content_provider(1 << 20, "application/octet-stream",
                             [](size_t offset, size_t, httplib::DataSink& sink) {
                               if (offset > 0) return false;  // hang up after the first piece
                               return sink.write(std::string(1000, 'x').data(), 1000);
                             });
  });
  fake.start();
  ClientOptions options;
  options.readTimeout = std::chrono::seconds(30);
  Client client = clientFor(fake, options);
  const auto start = Clock::now();
  auto response = client.send(get("/cut"));
  ASSERT_FALSE(response);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(20));
  EXPECT_TRUE(mentions(response.error(), Failure::Broken)) << response.error().message;
}

TEST(HttpClientTest, ARequestTimeoutReplacesTheClients) {
  FakeServer fake;
  fake.server().Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    fake.waitForRelease();
    res.set_content("late", "text/plain");
  });
  fake.start();
  Client client = clientFor(fake);  // 60 s read timeout
  Request request = get("/slow");
  request.timeout = std::chrono::milliseconds(200);
  const auto start = Clock::now();
  auto response = client.send(request);
  ASSERT_FALSE(response);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  EXPECT_TRUE(mentions(response.error(), Failure::TimedOut)) << response.error().message;
}

TEST(HttpClientTest, AClosedPortIsARefusedConnection) {
  const int port = closedPort();
  auto client = Client::create("http://127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(client);
  auto response = client->send(get("/"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, common::ErrorCode::Unavailable);
  EXPECT_TRUE(mentions(response.error(), Failure::Refused)) << response.error().message;
  EXPECT_NE(response.error().message.find("127.0.0.1:" + std::to_string(port)), std::string::npos);
  EXPECT_NE(response.error().message.find("httplib Connection"), std::string::npos);
}

TEST(HttpClientTest, AHostThatDoesNotResolveIsNamedAsSuch) {
  auto client = Client::create("http://berth-client-test.invalid:8080");  // RFC 6761
  ASSERT_TRUE(client);
  const auto start = Clock::now();
  auto response = client->send(get("/"));
  ASSERT_FALSE(response);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(60));
  EXPECT_TRUE(mentions(response.error(), Failure::Unresolved)) << response.error().message;
  EXPECT_NE(response.error().message.find("berth-client-test.invalid:8080"), std::string::npos);
}

TEST(HttpClientTest, AStreamedBodyArrivesWhole) {
  const std::string blob(3 << 20, 'b');
  FakeServer fake;
  fake.server().Get("/blob", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(blob, "application/octet-stream");
  });
  fake.start();
  Client client = clientFor(fake);
  Request request = get("/blob");
  request.maxBodyBytes = 1024;  // only for kept bodies
  std::optional<uint64_t> announced;
  request.onResponse = [&](const Response& head) {
    announced = head.contentLength();
    return BodyAction::Stream;
  };
  std::string received;
  request.sink = [&](const char* data, size_t size) {
    received.append(data, size);
    return true;
  };
  auto response = client.send(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->body.empty());
  EXPECT_EQ(announced, blob.size());
  EXPECT_EQ(received, blob);
}

TEST(HttpClientTest, ASinkCanStopTheTransferEarly) {
  const std::string blob(8 << 20, 'b');
  FakeServer fake;
  fake.server().Get("/blob", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(blob, "application/octet-stream");
  });
  serveEcho(fake);
  fake.start();
  Client client = clientFor(fake);
  Request request = get("/blob");
  request.onResponse = [](const Response&) { return BodyAction::Stream; };
  size_t received = 0;
  int calls = 0;
  request.sink = [&](const char*, size_t size) {
    received += size;
    return ++calls < 2;
  };
  auto response = client.send(request);
  ASSERT_FALSE(response);
  EXPECT_TRUE(mentions(response.error(), Failure::Stopped)) << response.error().message;
  EXPECT_EQ(calls, 2);
  EXPECT_LT(received, blob.size());
  // The client carries on: the stopped connection is replaced.
  auto next = client.send(get("/echo/after"));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->body, "after");
}

TEST(HttpClientTest, OnResponseDecidesWhatBecomesOfTheBody) {
  FakeServer fake;
  fake.server().Get("/missing", [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content("{\"errors\":[]}", "application/json");
  });
  fake.start();
  Client client = clientFor(fake);
  bool sinkCalled = false;
  Request request = get("/missing");
  request.sink = [&](const char*, size_t) { return sinkCalled = true; };
  // A refusal is kept while a success would stream: the caller judges by the status.
  request.onResponse = [](const Response& head) {
    return head.status == 200 ? BodyAction::Stream : BodyAction::Keep;
  };
  auto kept = client.send(request);
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(kept->status, 404);
  EXPECT_EQ(kept->body, "{\"errors\":[]}");
  EXPECT_EQ(kept->header("content-type"), "application/json");
  request.onResponse = [](const Response&) { return BodyAction::Discard; };
  auto discarded = client.send(request);
  ASSERT_TRUE(discarded);
  EXPECT_EQ(discarded->status, 404);
  EXPECT_TRUE(discarded->body.empty());
  request.onResponse = [](const Response&) { return BodyAction::Stop; };
  auto stopped = client.send(request);
  ASSERT_FALSE(stopped);
  EXPECT_TRUE(mentions(stopped.error(), Failure::Stopped));
  EXPECT_FALSE(sinkCalled);
}

TEST(HttpClientTest, AKeptBodyPastTheLimitFails) {
  FakeServer fake;
  fake.server().Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(64 << 10, 'x'), "text/plain");
  });
  fake.start();
  Client client = clientFor(fake);
  Request request = get("/big");
  request.maxBodyBytes = (64 << 10) - 1;
  auto tooLarge = client.send(request);
  ASSERT_FALSE(tooLarge);
  EXPECT_EQ(tooLarge.error().code, common::ErrorCode::PayloadTooLarge);
  EXPECT_TRUE(mentions(tooLarge.error(), Failure::TooLarge));
  request.maxBodyBytes = 64 << 10;
  auto fits = client.send(request);
  ASSERT_TRUE(fits) << fits.error().message;
  EXPECT_EQ(fits->body.size(), size_t{64 << 10});
}

TEST(HttpClientTest, HeadAnswersReachOnResponse) {
  FakeServer fake;
  fake.server().Get("/thing", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Docker-Content-Digest", "sha256:abc");
    res.set_content(std::string(1234, 'x'), "text/plain");
  });
  fake.start();
  Client client = clientFor(fake);
  Request request = get("/thing");
  request.method = "HEAD";
  int heads = 0;
  request.onResponse = [&](const Response& head) {
    ++heads;
    EXPECT_EQ(head.header("Docker-Content-Digest"), "sha256:abc");
    return BodyAction::Keep;
  };
  auto response = client.send(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(heads, 1);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->contentLength(), 1234u);
  EXPECT_TRUE(response->body.empty());
}

TEST(HttpClientTest, AProvidedBodyIsSentWithItsLength) {
  const std::string part(5 << 20, 'p');
  FakeServer fake;
  std::string received;
  std::string length;
  std::string type;
  fake.server().Put("/part", [&](const httplib::Request& req, httplib::Response& res) {
    received = req.body;
    length = req.get_header_value("Content-Length");
    type = req.get_header_value("Content-Type");
    res.status = 204;
  });
  fake.server().Post("/small", [&](const httplib::Request& req, httplib::Response& res) {
    res.set_content("got " + req.body, "text/plain");
  });
  fake.start();
  Client client = clientFor(fake);
  Request request;
  request.method = "PUT";
  request.target = "/part";
  request.headers.emplace("Content-Type", "application/octet-stream");
  request.provider = providerOf(part);
  request.providerLength = part.size();
  auto response = client.send(request);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 204);
  EXPECT_EQ(received, part);
  EXPECT_EQ(length, std::to_string(part.size()));
  EXPECT_EQ(type, "application/octet-stream");
  Request small;
  small.method = "POST";
  small.target = "/small";
  small.body = "<xml/>";
  auto answered = client.send(small);
  ASSERT_TRUE(answered) << answered.error().message;
  EXPECT_EQ(answered->body, "got <xml/>");
}

TEST(HttpClientTest, AProviderThatGivesUpStopsTheRequest) {
  FakeServer fake;
  fake.server().Put("/part",
                    [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  fake.start();
  Client client = clientFor(fake);
  Request request;
  request.method = "PUT";
  request.target = "/part";
  request.providerLength = 1 << 20;
  request.provider = [](uint64_t, size_t, const BodyWriter&) { return false; };
  auto response = client.send(request);
  ASSERT_FALSE(response);
  EXPECT_TRUE(mentions(response.error(), Failure::Stopped)) << response.error().message;
}

// Header or request-line injection: nothing that could end a line goes out.
TEST(HttpClientTest, RefusesRequestsThatCouldSmuggleLines) {
  FakeServer fake;
  serveEcho(fake);
  fake.start();
  Client client = clientFor(fake);
  std::vector<Request> attacks;
  attacks.push_back(get("/echo/a HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET /echo/b"));
  attacks.push_back(get("/echo/a\nb"));
  attacks.push_back(get("echo/no-leading-slash"));
  Request header = get("/echo/a");
  header.headers.emplace("X-Test", "v\r\nX-Injected: 1");
  attacks.push_back(header);
  Request name = get("/echo/a");
  name.headers.emplace("X Bad", "v");
  attacks.push_back(name);
  Request method = get("/echo/a");
  method.method = "GET /echo/b HTTP/1.1\r\n";
  attacks.push_back(method);
  Request both = get("/echo/a");
  both.method = "PUT";
  both.body = "x";
  both.provider = providerOf("y");
  both.providerLength = 1;
  attacks.push_back(both);
  for (const auto& attack : attacks) {
    auto response = client.send(attack);
    ASSERT_FALSE(response) << attack.target;
    EXPECT_EQ(response.error().code, common::ErrorCode::InvalidArgument);
    EXPECT_TRUE(mentions(response.error(), Failure::InvalidRequest));
  }
  EXPECT_EQ(fake.requests(), 0);
  ASSERT_TRUE(client.send(get("/echo/fine")));
  EXPECT_EQ(fake.requests(), 1);
}

TEST(HttpClientTest, RefusesBaseUrlsThatAreNotOrigins) {
  for (const char* bad :
       {"ftp://h", "h:80", "http://", "http://h:0", "http://h:65536", "http://h:x",
        "http://h:", "http://h/path", "http://[::1", "http://a b"}) {
    auto client = Client::create(bad);
    ASSERT_FALSE(client) << bad;
    EXPECT_EQ(client.error().code, common::ErrorCode::InvalidArgument);
  }
  auto fine = Client::create("HTTPS://Registry.Example:5000/");
  ASSERT_TRUE(fine) << fine.error().message;
  EXPECT_EQ(fine->origin().str(), "https://registry.example:5000");
}

TEST(HttpClientErrorTest, OnlyBadRequestsAndOversizeAnswersAreNotUnavailable) {
  for (Failure f : {Failure::Unresolved, Failure::Refused, Failure::TimedOut, Failure::TlsHandshake,
                    Failure::TlsUntrusted, Failure::TlsSetup, Failure::Broken, Failure::Stopped,
                    Failure::TooManyRedirects}) {
    EXPECT_EQ(failureCode(f), common::ErrorCode::Unavailable) << failureText(f);
  }
  EXPECT_EQ(failureCode(Failure::InvalidRequest), common::ErrorCode::InvalidArgument);
  EXPECT_EQ(failureCode(Failure::TooLarge), common::ErrorCode::PayloadTooLarge);
  const auto error = failureError(Failure::Refused, "h:1", "httplib Connection", "GET /");
  EXPECT_EQ(error.message,
            "h:1: " + std::string(failureText(Failure::Refused)) + " (httplib Connection)");
  EXPECT_EQ(error.detail, "GET /");
}

}  // namespace
}  // namespace berth::http
