// parseImageReference: any bytes; a parsed reference is valid and normalises to a fixed point.
#include "fuzz/fuzz_check.h"
#include "common/oci/image_reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace berth::policy;
  const std::string_view input = berth::fuzz::text(data, size);
  berth::oci::isValidRepositoryPath(input);
  berth::oci::isValidTag(input);
  berth::oci::isValidDigest(input);
  auto parsed = berth::oci::parseImageReference(input);
  if (!parsed) return 0;
  const berth::oci::ImageReference& ref = *parsed;
  BERTH_FUZZ_CHECK(!ref.domain.empty());
  BERTH_FUZZ_CHECK(berth::oci::isValidRepositoryPath(ref.path));
  BERTH_FUZZ_CHECK(ref.tag.empty() || berth::oci::isValidTag(ref.tag));
  BERTH_FUZZ_CHECK(ref.digest.empty() || berth::oci::isValidDigest(ref.digest));
  const std::string normal = ref.str();
  auto again = berth::oci::parseImageReference(normal);
  BERTH_FUZZ_CHECK(again.has_value());
  BERTH_FUZZ_CHECK(again->str() == normal);
  return 0;
}
