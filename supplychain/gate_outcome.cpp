#include "supplychain/gate_outcome.h"

namespace berth::supplychain {

const char* outcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::Satisfied:
      return "satisfied";
    case Outcome::Unsatisfied:
      return "unsatisfied";
    case Outcome::Unverifiable:
      return "unverifiable";
  }
  return "unknown";
}

}  // namespace berth::supplychain
