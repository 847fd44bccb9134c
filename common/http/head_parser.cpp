#include "common/http/head_parser.h"

#include <cstring>
#include <vector>

namespace berth::http {

namespace {

constexpr size_t kMaxLengthDigits = 19;  // below 2^64

// RFC 9110 5.6.2 token characters.
bool isTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool isToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!isTchar(c)) return false;
  }
  return true;
}

// Field values: visible characters, obs-text, spaces and tabs; never other controls.
bool isFieldValue(std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == '\t') continue;
    if (byte < 0x20 || byte == 0x7f) return false;
  }
  return true;
}

std::string_view trimWhitespace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string lowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && lowerAscii(text.substr(0, prefix.size())) == prefix;
}

HeadResult refused(int status, std::string reason) {
  HeadResult result;
  result.status = status;
  result.reason = std::move(reason);
  return result;
}

// "METHOD SP request-target SP HTTP-version" with single spaces.
HeadResult parseRequestLine(std::string_view line) {
  const size_t firstSpace = line.find(' ');
  const size_t lastSpace = line.rfind(' ');
  if (firstSpace == std::string_view::npos || firstSpace == lastSpace) {
    return refused(400, "malformed request line");
  }
  HeadResult result;
  ServerRequest& req = result.request;
  const std::string_view method = line.substr(0, firstSpace);
  const std::string_view target = line.substr(firstSpace + 1, lastSpace - firstSpace - 1);
  const std::string_view version = line.substr(lastSpace + 1);
  if (!isToken(method)) return refused(400, "malformed method");
  if (target.empty()) return refused(400, "empty request target");
  // Controls, spaces and DEL never; bytes above 0x7f are passed on (as most servers do) so
  // that the handlers refuse a non-ASCII name with their own error.
  for (char c : target) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return refused(400, "invalid character in request target");
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return refused(400, "malformed HTTP version");
  }
  if (version[5] != '1') return refused(505, "only HTTP/1.0 and HTTP/1.1 are served");
  req.method = std::string(method);
  req.target = std::string(target);
  req.versionMinor = version[7] == '0' ? 0 : 1;

  std::string_view pathAndQuery = target;
  if (target.front() != '/') {
    if (target == "*" && method == "OPTIONS") {
      req.path = "*";
      return result;
    }
    // absolute-form (RFC 9112 3.2.2), which a server must accept: the authority is dropped.
    size_t schemeEnd = std::string_view::npos;
    if (startsWithNoCase(target, "http://")) schemeEnd = 7;
    if (startsWithNoCase(target, "https://")) schemeEnd = 8;
    if (schemeEnd == std::string_view::npos) return refused(400, "malformed request target");
    const size_t pathStart = target.find_first_of("/?", schemeEnd);
    pathAndQuery =
        pathStart == std::string_view::npos ? std::string_view("/") : target.substr(pathStart);
  }
  const size_t question = pathAndQuery.find('?');
  const std::string_view rawPath = pathAndQuery.substr(0, question);
  req.path = percentDecode(rawPath.empty() ? std::string_view("/") : rawPath, false);
  if (question != std::string_view::npos)
    req.params = parseQuery(pathAndQuery.substr(question + 1));
  return result;
}

// Content-Length and Transfer-Encoding decide where the body ends; any doubt is refused.
HeadResult decideFraming(HeadResult result) {
  ServerRequest& req = result.request;
  const size_t lengths = req.headerCount("Content-Length");
  const bool transferEncoding = req.hasHeader("Transfer-Encoding");
  if (lengths > 0 && transferEncoding) {
    return refused(400, "both Content-Length and Transfer-Encoding");
  }
  if (lengths > 1) return refused(400, "duplicate Content-Length");
  if (lengths == 1) {
    const std::string value = req.header("Content-Length");
    if (value.empty() || value.size() > kMaxLengthDigits) {
      return refused(400, "malformed Content-Length");
    }
    uint64_t length = 0;
    for (char c : value) {
      if (c < '0' || c > '9') return refused(400, "malformed Content-Length");
      length = length * 10 + static_cast<uint64_t>(c - '0');
    }
    req.framing = BodyFraming::Length;
    req.contentLength = length;
  }
  if (transferEncoding) {
    if (req.versionMinor == 0) return refused(400, "Transfer-Encoding in an HTTP/1.0 request");
    const std::vector<std::string> codings = headerTokens(req.headers, "Transfer-Encoding");
    if (codings.back() != "chunked")
      return refused(400, "the final transfer coding is not chunked");
    for (size_t i = 0; i + 1 < codings.size(); ++i) {
      if (codings[i] == "chunked") return refused(400, "chunked applied more than once");
    }
    if (codings.size() > 1) return refused(501, "transfer codings other than chunked");
    req.framing = BodyFraming::Chunked;
  }
  return result;
}

void decideConnection(ServerRequest& req) {
  req.keepAlive = req.versionMinor >= 1;
  for (const std::string& option : headerTokens(req.headers, "Connection")) {
    if (option == "close") {
      req.keepAlive = false;
      return;
    }
    if (option == "keep-alive") req.keepAlive = true;
  }
}

}  // namespace

HeadScanner::State HeadScanner::refuse(int status, std::string reason) {
  errorStatus_ = status;
  errorReason_ = std::move(reason);
  state_ = State::Refused;
  return state_;
}

void HeadScanner::reset() {
  scanned_ = 0;
  lineStart_ = 0;
  lines_ = 0;
  headLength_ = 0;
  errorStatus_ = 0;
  errorReason_.clear();
  state_ = State::NeedMore;
}

HeadScanner::State HeadScanner::scan(std::string_view bytes) {
  if (state_ != State::NeedMore) return state_;
  while (scanned_ < bytes.size()) {
    const void* found = std::memchr(bytes.data() + scanned_, '\n', bytes.size() - scanned_);
    if (found == nullptr) {
      scanned_ = bytes.size();
      break;
    }
    const size_t newline = static_cast<size_t>(static_cast<const char*>(found) - bytes.data());
    scanned_ = newline + 1;
    // Checked in the order the bytes arrive (length, then the total, then how the line ends),
    // so a head fed in pieces is refused for the same reason as one fed whole.
    const bool cr = newline > lineStart_ && bytes[newline - 1] == '\r';
    const size_t lineLength = newline - lineStart_ - (cr ? 1 : 0);
    if (lines_ == 0 && lineLength > limits_.maxRequestLineBytes) {
      return refuse(414, "request line too long");
    }
    if (lines_ > 0 && lineLength > limits_.maxFieldLineBytes) {
      return refuse(400, "header field line too long");
    }
    if (scanned_ > limits_.maxHeadBytes) return refuse(431, "request head too large");
    if (!cr) return refuse(400, "line ends without CR (bare LF)");
    lineStart_ = scanned_;
    if (lineLength > 0) {
      ++lines_;
    } else if (lines_ > 0) {
      headLength_ = scanned_;
      state_ = State::Complete;
      return state_;
    }
    // An empty line before the request line is ignored (RFC 9112 2.2).
  }
  // The line still open, without a CR that may end it.
  size_t open = scanned_ - lineStart_;
  if (open > 0 && bytes[scanned_ - 1] == '\r') open -= 1;
  if (lines_ == 0 && open > limits_.maxRequestLineBytes) {
    return refuse(414, "request line too long");
  }
  if (lines_ > 0 && open > limits_.maxFieldLineBytes) {
    return refuse(400, "header field line too long");
  }
  if (scanned_ > limits_.maxHeadBytes) return refuse(431, "request head too large");
  return state_;
}

HeadResult parseHead(std::string_view head) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < head.size()) {
    const size_t end = head.find("\r\n", start);
    if (end == std::string_view::npos) return refused(400, "head does not end with CRLF");
    lines.push_back(head.substr(start, end - start));
    start = end + 2;
  }
  size_t first = 0;
  while (first < lines.size() && lines[first].empty()) ++first;
  if (first == lines.size()) return refused(400, "empty request");
  if (lines.back().size() != 0 || lines.size() - first < 2) {
    return refused(400, "head does not end with an empty line");
  }
  for (const std::string_view line : lines) {
    if (line.find_first_of("\r\n") != std::string_view::npos) {
      return refused(400, "bare CR or LF inside a line");
    }
  }
  HeadResult result = parseRequestLine(lines[first]);
  if (!result.ok()) return result;
  ServerRequest& req = result.request;
  for (size_t i = first + 1; i + 1 < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.empty()) return refused(400, "empty line inside the head");
    if (line.front() == ' ' || line.front() == '\t') {
      return refused(400, "folded header field (obs-fold)");
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return refused(400, "header field without a colon");
    const std::string_view name = line.substr(0, colon);
    if (!isToken(name)) return refused(400, "malformed header field name");
    const std::string_view value = trimWhitespace(line.substr(colon + 1));
    if (!isFieldValue(value)) return refused(400, "control character in a header field");
    req.headers.emplace(std::string(name), std::string(value));
  }
  if (req.versionMinor >= 1 && req.headerCount("Host") != 1) {
    return refused(400, "an HTTP/1.1 request needs exactly one Host header");
  }
  result = decideFraming(std::move(result));
  if (!result.ok()) return result;
  decideConnection(result.request);
  result.request.expectContinue = result.request.versionMinor >= 1 &&
                                  lowerAscii(result.request.header("Expect")) == "100-continue";
  return result;
}

HeadResult parseRequestHead(std::string_view bytes, const HeadLimits& limits) {
  HeadScanner scanner(limits);
  switch (scanner.scan(bytes)) {
    case HeadScanner::State::Complete:
      return parseHead(bytes.substr(0, scanner.headLength()));
    case HeadScanner::State::Refused:
      return refused(scanner.errorStatus(), scanner.errorReason());
    case HeadScanner::State::NeedMore:
      break;
  }
  return refused(400, "incomplete request head");
}

}  // namespace berth::http
