// parseRoute: the decoded path is the first input line, the raw request target the rest (or the
// same text). A routed name is a valid repository path with no traversal segment.
#include "common/oci/image_reference.h"
#include "fuzz/fuzz_check.h"
#include "registry/api/router.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace berth::registry;
  const std::string_view input = berth::fuzz::text(data, size);
  auto [decoded, raw] = berth::fuzz::splitFirstLine(input);
  if (raw.empty()) raw = decoded;
  auto route = parseRoute("PUT", decoded, raw);
  if (!route) return 0;
  routeKindName(route->kind);
  if (!route->name.empty()) {
    BERTH_FUZZ_CHECK(berth::oci::isValidRepositoryPath(route->name));
    BERTH_FUZZ_CHECK(route->name.find("..") == std::string::npos);
    BERTH_FUZZ_CHECK(route->name.front() != '/');
  }
  BERTH_FUZZ_CHECK(route->reference.find('/') == std::string::npos);
  BERTH_FUZZ_CHECK(route->reference.find('\0') == std::string::npos);
  if (route->kind == RouteKind::Upload) BERTH_FUZZ_CHECK(isValidUploadId(route->reference));
  return 0;
}
