#include "common/http/head_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace berth::http {
namespace {

// A literal with NUL bytes in it, whole.
template <size_t N>
std::string raw(const char (&text)[N]) {
  return std::string(text, N - 1);
}

HeadResult parse(const std::string& bytes, const HeadLimits& limits = {}) {
  return parseRequestHead(bytes, limits);
}

TEST(HeadParserTest, ParsesARequestWithQueryAndHeaders) {
  const auto r = parse(
      "GET /v2/team/app/tags/list?n=10&last=a%2Bb&q=x+y HTTP/1.1\r\n"
      "Host: registry\r\nAccept: a\r\naccept: b\r\nX-Empty:\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.request.method, "GET");
  EXPECT_EQ(r.request.target, "/v2/team/app/tags/list?n=10&last=a%2Bb&q=x+y");
  EXPECT_EQ(r.request.path, "/v2/team/app/tags/list");
  EXPECT_EQ(r.request.param("n"), "10");
  EXPECT_EQ(r.request.param("last"), "a+b");
  EXPECT_EQ(r.request.param("q"), "x y");
  EXPECT_FALSE(r.request.hasParam("missing"));
  EXPECT_EQ(r.request.headerCount("ACCEPT"), 2u);
  EXPECT_EQ(r.request.headerValues("Accept"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(r.request.hasHeader("x-empty"));
  EXPECT_EQ(r.request.versionMinor, 1);
  EXPECT_TRUE(r.request.keepAlive);
  EXPECT_EQ(r.request.framing, BodyFraming::None);
  EXPECT_FALSE(r.request.hasBody());
}

TEST(HeadParserTest, PathIsDecodedButPlusStays) {
  const auto r = parse("GET /a%20b+c/%41 HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.request.path, "/a b+c/A");
}

TEST(HeadParserTest, NonAsciiTargetBytesReachTheHandlers) {
  const auto r = parse("GET /v2/caf\xc3\xa9/bad\xff%FE HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.request.path, "/v2/caf\xc3\xa9/bad\xff\xfe");
}

TEST(HeadParserTest, FieldValuesAreTrimmed) {
  const auto r = parse("GET / HTTP/1.1\r\nHost:   h \t\r\nX-A:\tv  w\t\r\n\r\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.request.header("host"), "h");
  EXPECT_EQ(r.request.header("x-a"), "v  w");
}

TEST(HeadParserTest, LeadingEmptyLinesAreIgnored) {
  const auto r = parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.request.method, "GET");
}

TEST(HeadParserTest, AbsoluteFormKeepsOnlyPathAndQuery) {
  auto r = parse("GET http://example.com:5000/v2/x?a=1 HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.request.path, "/v2/x");
  EXPECT_EQ(r.request.param("a"), "1");
  r = parse("GET https://example.com HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.request.path, "/");
}

TEST(HeadParserTest, Http10ClosesUnlessKeepAliveIsAsked) {
  auto r = parse("GET / HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.reason;  // no Host needed in 1.0
  EXPECT_EQ(r.request.versionMinor, 0);
  EXPECT_FALSE(r.request.keepAlive);
  r = parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.request.keepAlive);
  r = parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, Close\r\n\r\n");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.request.keepAlive);
}

TEST(HeadParserTest, ContentLengthAndChunkedFraming) {
  auto r = parse("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0012\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.request.framing, BodyFraming::Length);
  EXPECT_EQ(r.request.contentLength, 12u);
  EXPECT_TRUE(r.request.hasBody());
  r = parse("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.request.hasBody());
  r = parse("PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.request.framing, BodyFraming::Chunked);
  EXPECT_TRUE(r.request.hasBody());
  r = parse("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551615\r\n\r\n");
  ASSERT_FALSE(r.ok());  // 20 digits
  r = parse("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 9999999999999999999\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.request.contentLength, 9999999999999999999ull);
}

TEST(HeadParserTest, ExpectContinueIsRecognised) {
  auto r = parse("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-Continue\r\n\r\n");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.request.expectContinue);
  r = parse("PUT /x HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.request.expectContinue);
}

struct Refusal {
  const char* name;
  std::string head;
  int status;
};

class HeadRefusalTest : public ::testing::TestWithParam<Refusal> {};

TEST_P(HeadRefusalTest, IsRefusedWithItsStatus) {
  const auto r = parse(GetParam().head);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status, GetParam().status) << r.reason;
}

INSTANTIATE_TEST_SUITE_P(
    Smuggling, HeadRefusalTest,
    ::testing::Values(
        Refusal{"BareLfEndsTheRequestLine", "GET / HTTP/1.1\nHost: h\r\n\r\n", 400},
        Refusal{"BareLfEndsTheHead", "GET / HTTP/1.1\r\nHost: h\n\n", 400},
        Refusal{"BareCrInAField", "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 400},
        Refusal{"ObsFold", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n  folded\r\n\r\n", 400},
        Refusal{"TabFold", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\tfolded\r\n\r\n", 400},
        Refusal{"SpaceBeforeColon", "GET / HTTP/1.1\r\nHost: h\r\nContent-Length : 5\r\n\r\n", 400},
        Refusal{"DuplicateContentLength",
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
                400},
        Refusal{"ContentLengthList", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n",
                400},
        Refusal{"ContentLengthAndChunked",
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
                "Transfer-Encoding: chunked\r\n\r\n",
                400},
        Refusal{"ChunkedAndContentLength",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                "Content-Length: 5\r\n\r\n",
                400},
        Refusal{"NonDigitLength", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5a\r\n\r\n", 400},
        Refusal{"SignedLength", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n", 400},
        Refusal{"NegativeLength", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400},
        Refusal{"EmptyLength", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", 400},
        Refusal{"HugeLength",
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                400},
        Refusal{"HexLength", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n", 400},
        Refusal{"ChunkedNotFinal",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400},
        Refusal{"ChunkedTwice",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                "Transfer-Encoding: chunked\r\n\r\n",
                400},
        Refusal{"GzipThenChunked",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
        Refusal{"UnknownCoding",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n", 400},
        Refusal{"ChunkedInHttp10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        Refusal{"NoHost", "GET / HTTP/1.1\r\nAccept: x\r\n\r\n", 400},
        Refusal{"TwoHosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        Refusal{"Http2", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},
        Refusal{"LowercaseVersion", "GET / http/1.1\r\nHost: h\r\n\r\n", 400},
        Refusal{"NoVersion", "GET /\r\nHost: h\r\n\r\n", 400},
        Refusal{"DoubleSpace", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        Refusal{"SpaceInTarget", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        Refusal{"RelativeTarget", "GET v2 HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        Refusal{"AsteriskForGet", "GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        Refusal{"DelInTarget", "GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        Refusal{"TabInTarget", "GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        Refusal{"NulInTarget", raw("GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n"), 400},
        Refusal{"NulInField", raw("GET / HTTP/1.1\r\nHost: h\0\r\n\r\n"), 400},
        Refusal{"ControlInField", "GET / HTTP/1.1\r\nHost: h\x01\r\n\r\n", 400},
        Refusal{"BadMethod", "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
        Refusal{"FieldWithoutColon", "GET / HTTP/1.1\r\nHost: h\r\nnocolon\r\n\r\n", 400},
        Refusal{"EmptyFieldName", "GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n", 400},
        Refusal{"Incomplete", "GET / HTTP/1.1\r\nHost: h\r\n", 400}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(HeadScannerTest, RequestLineOverTheBoundIs414WhileStillArriving) {
  HeadLimits limits;
  HeadScanner scanner(limits);
  std::string bytes = "GET /";
  EXPECT_EQ(scanner.scan(bytes), HeadScanner::State::NeedMore);
  bytes += std::string(limits.maxRequestLineBytes, 'a');  // no line end yet
  EXPECT_EQ(scanner.scan(bytes), HeadScanner::State::Refused);
  EXPECT_EQ(scanner.errorStatus(), 414);
}

TEST(HeadScannerTest, RequestLineAtTheBoundIsAccepted) {
  HeadLimits limits;
  const std::string prefix = "GET /";
  const std::string suffix = " HTTP/1.1";
  const std::string line =
      prefix + std::string(limits.maxRequestLineBytes - prefix.size() - suffix.size(), 'a') +
      suffix;
  ASSERT_EQ(line.size(), limits.maxRequestLineBytes);
  EXPECT_TRUE(parse(line + "\r\nHost: h\r\n\r\n").ok());
  EXPECT_EQ(parse("GET /a" + line.substr(5) + "\r\nHost: h\r\n\r\n").status, 414);
}

TEST(HeadScannerTest, OneLongFieldIs400AndManyFieldsOverTheTotalAre431) {
  HeadLimits limits;
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(limits.maxFieldLineBytes, 'v') +
                  "\r\n\r\n")
                .status,
            400);
  std::string many = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; many.size() <= limits.maxHeadBytes; ++i) {
    many += "X-" + std::to_string(i) + ": " + std::string(100, 'v') + "\r\n";
  }
  EXPECT_EQ(parse(many + "\r\n").status, 431);
  // Still arriving: refused once the bound is passed, not when the head ends.
  HeadScanner scanner(limits);
  EXPECT_EQ(scanner.scan(many), HeadScanner::State::Refused);
  EXPECT_EQ(scanner.errorStatus(), 431);
}

TEST(HeadScannerTest, EndlessEmptyLinesAreBounded) {
  HeadLimits limits;
  limits.maxHeadBytes = 1024;
  std::string crlfs;
  for (int i = 0; i < 600; ++i) crlfs += "\r\n";
  HeadScanner scanner(limits);
  EXPECT_EQ(scanner.scan(crlfs), HeadScanner::State::Refused);
  EXPECT_EQ(scanner.errorStatus(), 431);
}

TEST(HeadScannerTest, ByteByByteFindsTheSameEndAndLeavesTheBodyBytes) {
  const std::string head = "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n";
  const std::string bytes = head + "bodyGET";
  HeadScanner scanner;
  HeadScanner::State state = HeadScanner::State::NeedMore;
  size_t fed = 0;
  while (state == HeadScanner::State::NeedMore && fed < bytes.size()) {
    state = scanner.scan(std::string_view(bytes).substr(0, ++fed));
  }
  ASSERT_EQ(state, HeadScanner::State::Complete);
  EXPECT_EQ(scanner.headLength(), head.size());
  EXPECT_EQ(fed, head.size());
  const auto r = parseHead(std::string_view(bytes).substr(0, scanner.headLength()));
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(r.request.contentLength, 4u);
}

// Random mutations of valid heads: the parser answers every one (no crash, no hang), and
// whatever it accepts is a well-formed request.
TEST(HeadParserTest, MutatedHeadsAreParsedOrRefusedNeverMisread) {
  const std::vector<std::string> seeds = {
      "GET /v2/ HTTP/1.1\r\nHost: h\r\n\r\n",
      "POST /v2/a/blobs/uploads/?digest=sha256:00 HTTP/1.1\r\nHost: h\r\nContent-Length: "
      "10\r\n\r\n",
      "PATCH /v2/a/blobs/uploads/1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"};
  const std::string alphabet = raw("\r\n :\t\0,;aZ09/?%+-\x7f\x80\xff");
  std::mt19937 random(12345);
  size_t accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string head = seeds[random() % seeds.size()];
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits && !head.empty(); ++e) {
      const size_t at = random() % head.size();
      switch (random() % 3) {
        case 0:
          head[at] = alphabet[random() % alphabet.size()];
          break;
        case 1:
          head.insert(at, 1, alphabet[random() % alphabet.size()]);
          break;
        default:
          head.erase(at, 1);
      }
    }
    const auto r = parse(head);
    if (!r.ok()) {
      EXPECT_TRUE(r.status == 400 || r.status == 414 || r.status == 431 || r.status == 501 ||
                  r.status == 505)
          << r.status;
      continue;
    }
    ++accepted;
    EXPECT_FALSE(r.request.method.empty());
    EXPECT_FALSE(r.request.path.empty());
    EXPECT_LE(r.request.headerCount("Content-Length"), 1u);
    EXPECT_FALSE(r.request.hasHeader("Content-Length") && r.request.hasHeader("Transfer-Encoding"));
    for (const auto& [name, value] : r.request.headers) {
      EXPECT_EQ(name.find_first_of("\r\n: \t"), std::string::npos) << name;
      EXPECT_EQ(value.find_first_of(raw("\r\n\0")), std::string::npos) << value;
    }
  }
  EXPECT_GT(accepted, 0u);  // the mutations do not only break things
}

}  // namespace
}  // namespace berth::http
