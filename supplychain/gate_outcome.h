#pragma once

namespace berth::supplychain {

// What a gate on an image's content (its signatures, its vulnerability reports) came to.
enum class Outcome {
  Satisfied,     // the content was read and meets the requirement
  Unsatisfied,   // the content was read and does not (or there is none)
  Unverifiable,  // the content could not be read: the answer is unknown
};

const char* outcomeName(Outcome outcome);  // "satisfied", "unsatisfied", "unverifiable"

}  // namespace berth::supplychain
