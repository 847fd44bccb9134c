#pragma once

#include <string>

#include "admission/admission_review.h"
#include "tests/support/temp_dir.h"

namespace berth::admission::test {

inline std::string fixtureText(const std::string& name) {
  return berth::testing::readFile(berth::testing::sourcePath("tests/fixtures/admission/" + name));
}

// Decodes a fixture review; fails the calling test (by throwing) if it does not decode.
inline AdmissionRequest fixtureRequest(const std::string& name) {
  auto decoded = decodeAdmissionReview(fixtureText(name), DecodeLimits{});
  if (!decoded) throw std::runtime_error(name + ": " + decoded.error().message);
  return std::move(decoded).value();
}

}  // namespace berth::admission::test
