// The request head scanner and parser (common/http): any bytes, fed whole and then in pieces.
// Both feeds must agree on whether the head is refused; an accepted head never has two lengths or a
// length and chunking, and no header name or value carries a line break (request smuggling).
#include "common/http/head_parser.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace berth::http;
  const std::string_view input = berth::fuzz::text(data, size);
  HeadLimits limits;
  limits.maxHeadBytes = 4096;
  limits.maxRequestLineBytes = 1024;
  limits.maxFieldLineBytes = 1024;
  const HeadResult whole = parseRequestHead(input, limits);
  // The same bytes in pieces of 1, 2, 3... bytes: the scanner resumes where it stopped.
  HeadScanner scanner(limits);
  HeadScanner::State state = HeadScanner::State::NeedMore;
  size_t fed = 0;
  for (size_t piece = 1; fed < input.size() && state == HeadScanner::State::NeedMore; ++piece) {
    fed = std::min(input.size(), fed + piece);
    state = scanner.scan(input.substr(0, fed));
  }
  if (state == HeadScanner::State::Complete) {
    BERTH_FUZZ_CHECK(scanner.headLength() <= limits.maxHeadBytes);
    const HeadResult pieces = parseHead(input.substr(0, scanner.headLength()));
    BERTH_FUZZ_CHECK(pieces.ok() == whole.ok());
    BERTH_FUZZ_CHECK(pieces.status == whole.status);
  } else if (state == HeadScanner::State::Refused) {
    // Refused either way; which bound is named may differ when a head breaks several.
    BERTH_FUZZ_CHECK(!whole.ok());
  }
  if (!whole.ok()) return 0;
  const ServerRequest& req = whole.request;
  BERTH_FUZZ_CHECK(!req.method.empty() && !req.path.empty());
  BERTH_FUZZ_CHECK(req.headerCount("Content-Length") <= 1);
  BERTH_FUZZ_CHECK(!(req.hasHeader("Content-Length") && req.hasHeader("Transfer-Encoding")));
  BERTH_FUZZ_CHECK(req.framing != BodyFraming::Chunked || req.versionMinor == 1);
  for (const auto& [name, value] : req.headers) {
    BERTH_FUZZ_CHECK(name.find_first_of("\r\n: \t") == std::string::npos);
    BERTH_FUZZ_CHECK(value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
  }
  return 0;
}
