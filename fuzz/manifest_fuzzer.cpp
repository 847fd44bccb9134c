// parseManifest on any bytes under each supported media type (the first input line picks one)
// and storedManifestMediaType, which reads what the store already holds.
#include <array>

#include "common/oci/manifest.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace berth::oci;
  const std::string_view input = berth::fuzz::text(data, size);
  static constexpr std::array<const char*, 7> kTypes = {media::kOciManifest,
                                                        media::kOciIndex,
                                                        media::kDockerManifest,
                                                        media::kDockerManifestList,
                                                        media::kDockerSchema1,
                                                        media::kDockerSchema1Signed,
                                                        ""};
  const std::string stored = storedManifestMediaType(input);
  (void)stored;
  const size_t pick = size == 0 ? 0 : data[0] % kTypes.size();
  for (const std::string_view type : {std::string_view(kTypes[pick]), std::string_view()}) {
    auto parsed = parseManifest(input, type);
    if (!parsed) continue;
    BERTH_FUZZ_CHECK(parsed->isIndex || parsed->manifests.empty());
  }
  const auto [contentType, body] = berth::fuzz::splitFirstLine(input);
  baseMediaType(contentType);
  isSupportedManifestType(contentType);
  auto parsed = parseManifest(body, contentType);
  (void)parsed;
  return 0;
}
