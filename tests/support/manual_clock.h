#pragma once

#include <atomic>
#include <chrono>

#include "common/clock.h"

namespace berth::testing {

// A clock the test moves: time passes only when advance() says so, on both the wall clock and
// the monotonic one.
class ManualClock final : public common::Clock {
 public:
  explicit ManualClock(int64_t unixSeconds = 1'700'000'000) : millis_(unixSeconds * 1000) {}
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(millis_.load()));
  }
  std::chrono::steady_clock::time_point monotonic() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(millis_.load()));
  }
  // Negative to set the wall clock back.
  void advance(std::chrono::milliseconds by) { millis_ += by.count(); }

 private:
  std::atomic<int64_t> millis_;
};

}  // namespace berth::testing
