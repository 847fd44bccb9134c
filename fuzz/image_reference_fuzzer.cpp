// parseImageReference: any bytes; a parsed reference is valid and normalises to a fixed point.
#include "common/oci/image_reference.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace berth::oci;
  const std::string_view input = berth::fuzz::text(data, size);
  isValidRepositoryPath(input);
  isValidTag(input);
  isValidDigest(input);
  auto parsed = parseImageReference(input);
  if (!parsed) return 0;
  const ImageReference& ref = *parsed;
  BERTH_FUZZ_CHECK(!ref.domain.empty());
  BERTH_FUZZ_CHECK(isValidRepositoryPath(ref.path));
  BERTH_FUZZ_CHECK(ref.tag.empty() || isValidTag(ref.tag));
  BERTH_FUZZ_CHECK(ref.digest.empty() || isValidDigest(ref.digest));
  const std::string normal = ref.str();
  auto again = parseImageReference(normal);
  BERTH_FUZZ_CHECK(again.has_value());
  BERTH_FUZZ_CHECK(again->str() == normal);
  return 0;
}
