#include "common/http/client_redirect.h"

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "common/http/client.h"
#include "tests/unit/http/fake_server.h"

namespace berth::http {
namespace {

using testing::FakeServer;

// Records the Authorization header of every request it gets, by path.
class RecordingServer : public FakeServer {
 public:
  explicit RecordingServer(const std::string& address) : FakeServer(address) {
    server().Get("/final", [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.set_content("arrived", "text/plain");
    });
  }
  void record(const httplib::Request& req) {
    std::lock_guard lock(mutex_);
    seen_.push_back(req.path + " " + req.get_header_value("Authorization"));
  }
  std::vector<std::string> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> seen_;
};

Request authorizedGet(std::string target) {
  Request request;
  request.target = std::move(target);
  request.headers.emplace("Authorization", "Bearer ours");
  return request;
}

ClientOptions following(int maxRedirects) {
  ClientOptions options;
  options.maxRedirects = maxRedirects;
  return options;
}

TEST(HttpClientRedirectTest, ASameOriginRedirectKeepsAuthorization) {
  RecordingServer origin("127.0.0.1");
  origin.server().Get("/start", [&](const httplib::Request& req, httplib::Response& res) {
    origin.record(req);
    res.set_redirect("/final", 307);
  });
  origin.start();
  auto client = Client::create(origin.url(), following(5));
  ASSERT_TRUE(client);
  auto response = client->send(authorizedGet("/start"));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "arrived");
  EXPECT_EQ(response->redirects, 1);
  EXPECT_EQ(response->origin, origin.url());
  EXPECT_EQ(origin.seen(), (std::vector<std::string>{"/start Bearer ours", "/final Bearer ours"}));
}

TEST(HttpClientRedirectTest, AnotherHostNeverSeesAuthorizationEvenOnTheWayBack) {
  RecordingServer origin("127.0.0.1");
  RecordingServer cdn("127.0.0.2");
  cdn.server().Get("/hop", [&](const httplib::Request& req, httplib::Response& res) {
    cdn.record(req);
    res.set_redirect(origin.url() + "/final", 302);
  });
  origin.server().Get("/start", [&](const httplib::Request& req, httplib::Response& res) {
    origin.record(req);
    res.set_redirect(cdn.url() + "/hop?signature=s", 302);
  });
  origin.start();
  cdn.start();
  auto client = Client::create(origin.url(), following(5));
  ASSERT_TRUE(client);
  auto response = client->send(authorizedGet("/start"));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "arrived");
  EXPECT_EQ(response->redirects, 2);
  EXPECT_EQ(cdn.seen(), (std::vector<std::string>{"/hop "}));
  // Back at the origin the credential stays dropped: the redirect chain is not ours to trust.
  EXPECT_EQ(origin.seen(), (std::vector<std::string>{"/start Bearer ours", "/final "}));
}

TEST(HttpClientRedirectTest, TheAnswerNamesTheOriginThatGaveIt) {
  RecordingServer origin("127.0.0.1");
  RecordingServer cdn("127.0.0.2");
  origin.server().Get("/start", [&](const httplib::Request&, httplib::Response& res) {
    res.set_redirect(cdn.url() + "/final", 302);
  });
  origin.start();
  cdn.start();
  auto client = Client::create(origin.url(), following(5));
  ASSERT_TRUE(client);
  auto response = client->send(authorizedGet("/start"));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->origin, cdn.url());
}

TEST(HttpClientRedirectTest, ALoopEndsAfterTheBound) {
  FakeServer loop;
  loop.server().Get("/again", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/again", 302);
  });
  loop.start();
  auto client = Client::create(loop.url(), following(3));
  ASSERT_TRUE(client);
  auto response = client->send(authorizedGet("/again"));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, common::ErrorCode::Unavailable);
  EXPECT_NE(response.error().message.find(failureText(Failure::TooManyRedirects)),
            std::string::npos);
  EXPECT_EQ(loop.requests(), 4);  // the first request and three redirects
}

TEST(HttpClientRedirectTest, RedirectsGoToTheCallerWhenNotToBeFollowed) {
  FakeServer server;
  server.server().Get("/start", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/final", 302);
  });
  server.server().Post("/start", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/final", 307);
  });
  server.server().Get("/relative", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("final", 302);
  });
  server.start();
  auto notFollowing = Client::create(server.url(), following(0));
  ASSERT_TRUE(notFollowing);
  auto plain = notFollowing->send(authorizedGet("/start"));
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 302);
  EXPECT_EQ(plain->header("Location"), "/final");

  auto client = Client::create(server.url(), following(5));
  ASSERT_TRUE(client);
  Request post = authorizedGet("/start");
  post.method = "POST";
  post.body = "data";
  auto posted = client->send(post);  // a body is not sent again to wherever a server says
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 307);
  auto relative = client->send(authorizedGet("/relative"));
  ASSERT_TRUE(relative);
  EXPECT_EQ(relative->status, 302);
  EXPECT_EQ(server.requests(), 3);
}

TEST(HttpClientRedirectTest, ReadsOnlyFollowableLocations) {
  const Origin here{"https", "registry.example", 443};
  EXPECT_FALSE(redirectHop(here, 200, "/x"));
  EXPECT_FALSE(redirectHop(here, 302, ""));
  EXPECT_FALSE(redirectHop(here, 302, "x/y"));
  EXPECT_FALSE(redirectHop(here, 302, "ftp://cdn.example/x"));
  EXPECT_FALSE(redirectHop(here, 302, "/x y"));
  EXPECT_FALSE(redirectHop(here, 302, "https://cdn.example/x\r\nInjected: 1"));
  auto path = redirectHop(here, 307, "/v2/x?y=1");
  ASSERT_TRUE(path);
  EXPECT_EQ(path->origin, here);
  EXPECT_EQ(path->target, "/v2/x?y=1");
  auto away = redirectHop(here, 302, "https://CDN.example/blob?sig=1");
  ASSERT_TRUE(away);
  EXPECT_EQ(away->origin.str(), "https://cdn.example:443");
  EXPECT_EQ(away->target, "/blob?sig=1");
  auto bare = redirectHop(here, 301, "http://cdn.example");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->origin.str(), "http://cdn.example:80");
  EXPECT_EQ(bare->target, "/");
  // Same origin however it is spelt: the default port written out or not.
  auto spelt = redirectHop(here, 302, "https://registry.example:443/x");
  ASSERT_TRUE(spelt);
  EXPECT_EQ(spelt->origin, here);
  EXPECT_TRUE(mayFollowRedirects("GET", false));
  EXPECT_TRUE(mayFollowRedirects("HEAD", false));
  EXPECT_FALSE(mayFollowRedirects("GET", true));
  EXPECT_FALSE(mayFollowRedirects("PUT", false));
  EXPECT_FALSE(mayFollowRedirects("POST", false));
}

}  // namespace
}  // namespace berth::http
