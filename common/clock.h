#pragma once

#include <chrono>
#include <cstdint>

namespace berth::common {

// Time, injected: server/ makes the one SystemClock and passes it down, and tests pass a clock
// they move by hand instead of sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time: what expiry dates and timestamps are stated in.
  virtual std::chrono::system_clock::time_point now() const = 0;
  // For measuring intervals (token buckets): does not jump when the wall clock is set.
  virtual std::chrono::steady_clock::time_point monotonic() const = 0;

  int64_t unixSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
  }
  int64_t unixMillis() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point monotonic() const override {
    return std::chrono::steady_clock::now();
  }
};

// Always the same instant: for work done "as of" a time given by the caller (a GC run).
class FixedClock final : public Clock {
 public:
  explicit FixedClock(std::chrono::system_clock::time_point at) : at_(at) {}
  static FixedClock atUnixSeconds(int64_t seconds) {
    return FixedClock(std::chrono::system_clock::time_point(std::chrono::seconds(seconds)));
  }
  std::chrono::system_clock::time_point now() const override { return at_; }
  std::chrono::steady_clock::time_point monotonic() const override {
    return std::chrono::steady_clock::time_point(at_.time_since_epoch());
  }

 private:
  std::chrono::system_clock::time_point at_;
};

}  // namespace berth::common
