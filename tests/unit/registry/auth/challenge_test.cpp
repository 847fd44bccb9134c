#include <gtest/gtest.h>

#include "registry/auth/challenge.h"

namespace berth::registry {
namespace {

TEST(WwwAuthenticateTest, ParsesADockerHubChallenge) {
  auto parsed = parseWwwAuthenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",)"
      R"(scope="repository:library/nginx:pull")");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 1u);
  const AuthChallenge& c = (*parsed)[0];
  EXPECT_TRUE(c.isScheme("bearer"));
  EXPECT_EQ(c.param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(c.param("service"), "registry.docker.io");
  EXPECT_EQ(c.param("scope"), "repository:library/nginx:pull");
  EXPECT_EQ(c.param("missing"), "");
}

TEST(WwwAuthenticateTest, ParsesSeveralChallengesAndTokenValues) {
  auto parsed = parseWwwAuthenticate(
      R"(Basic realm="Registry Realm", Bearer realm="https://x/token", service=x , )"
      R"(error=insufficient_scope)");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_TRUE((*parsed)[0].isScheme("Basic"));
  EXPECT_EQ((*parsed)[0].param("realm"), "Registry Realm");
  EXPECT_TRUE((*parsed)[1].isScheme("Bearer"));
  EXPECT_EQ((*parsed)[1].param("service"), "x");
  EXPECT_EQ((*parsed)[1].param("error"), "insufficient_scope");
}

TEST(WwwAuthenticateTest, QuotedStringsKeepCommasAndEscapes) {
  auto parsed =
      parseWwwAuthenticate(R"(Bearer scope="repository:a:pull,push",realm="say \"hi\"\\")");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].param("scope"), "repository:a:pull,push");
  EXPECT_EQ((*parsed)[0].param("realm"), R"(say "hi"\)");
}

TEST(WwwAuthenticateTest, ParameterNamesAreCaseInsensitive) {
  auto parsed = parseWwwAuthenticate(R"(Bearer Realm="r",SERVICE="s")");
  ASSERT_TRUE(parsed);
  EXPECT_EQ((*parsed)[0].param("realm"), "r");
  EXPECT_EQ((*parsed)[0].param("Service"), "s");
}

TEST(WwwAuthenticateTest, SchemeAloneAndToken68) {
  auto parsed = parseWwwAuthenticate("Negotiate, Custom abc123==");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].scheme, "Negotiate");
  EXPECT_TRUE((*parsed)[0].params.empty());
  EXPECT_EQ((*parsed)[1].token68, "abc123==");
}

TEST(WwwAuthenticateTest, RejectsMalformedHeaders) {
  for (const char* header :
       {"", "   ", R"(Bearer realm="unterminated)", R"(Bearer realm=)", R"(Bearer ="x")",
        R"(Bearer realm="a" service="b")", "=x", R"(Bearer realm="a\)", "Bearer realm=\"a\x01\""}) {
    auto parsed = parseWwwAuthenticate(header);
    ASSERT_FALSE(parsed) << header;
    EXPECT_NE(parsed.error().message.find("malformed WWW-Authenticate"), std::string::npos);
  }
}

TEST(WwwAuthenticateTest, RejectsHugeHeaders) {
  const std::string huge = "Bearer realm=\"" + std::string(kMaxChallengeHeaderBytes, 'a') + "\"";
  EXPECT_FALSE(parseWwwAuthenticate(huge));
}

TEST(WwwAuthenticateTest, SurvivesArbitraryBytes) {
  std::string input = "Bearer ";
  for (int i = 0; i < 512; ++i) {
    input += static_cast<char>((i * 97 + 13) % 256);
    (void)parseWwwAuthenticate(input);
  }
  SUCCEED();
}

TEST(ChallengeFormatTest, QuotesEscapesAndRoundTrips) {
  AuthChallenge challenge{"Bearer",
                          {{"realm", "http://h:5000/v2/token"},
                           {"service", "be\"rth\\"},
                           {"scope", "repository:a/b:pull,push"}},
                          {}};
  const std::string text = formatChallenge(challenge);
  EXPECT_EQ(text, R"(Bearer realm="http://h:5000/v2/token",service="be\"rth\\",)"
                  R"(scope="repository:a/b:pull,push")");
  auto parsed = parseWwwAuthenticate(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ((*parsed)[0].params, challenge.params);
}

TEST(ChallengeFormatTest, DropsControlCharactersThatCouldSplitTheHeader) {
  AuthChallenge challenge{"Bearer", {{"scope", "repository:a\r\nSet-Cookie: x:pull"}}, {}};
  const std::string text = formatChallenge(challenge);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.find('\n'), std::string::npos);
}

// fuzz/auth_challenge_fuzzer: a quoted-pair may escape HTAB, SP, VCHAR and obs-text (RFC 9110),
// never a control character; "\\<CR><LF>" in an upstream realm must not reach a token request.
TEST(WwwAuthenticateTest, QuotedPairsDoNotSmuggleControlCharacters) {
  for (const std::string& header :
       {std::string("Bearer realm=\"https://a/t\\\r\\\nHost: evil\""),
        std::string("Bearer realm=\"x\\\0y\"", 19), std::string("Bearer realm=\"x\\\x7f\"")}) {
    auto parsed = parseWwwAuthenticate(header);
    ASSERT_FALSE(parsed) << header;
    EXPECT_NE(parsed.error().message.find("control character"), std::string::npos);
  }
  auto escaped = parseWwwAuthenticate("Bearer realm=\"a\\\tb\\ c\\\"d\"");
  ASSERT_TRUE(escaped) << escaped.error().message;
  EXPECT_EQ((*escaped)[0].param("realm"), "a\tb c\"d");
}

}  // namespace
}  // namespace berth::registry
