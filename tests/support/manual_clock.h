#pragma once

#include <atomic>
#include <chrono>

#include "common/clock.h"

namespace berth::testing {

// A clock the test moves: time passes only when advance() says so.
class ManualClock final : public common::Clock {
 public:
  explicit ManualClock(int64_t unixSeconds = 1'700'000'000) : seconds_(unixSeconds) {}
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(seconds_.load()));
  }
  void advance(std::chrono::seconds by) { seconds_ += by.count(); }

 private:
  std::atomic<int64_t> seconds_;
};

}  // namespace berth::testing
