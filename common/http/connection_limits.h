#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace berth::http {

// Open connections in all and per client address. A connection holds its slot from accept to
// close, whether it waits in the event loop or is served by a worker. Thread-safe.
class ConnectionLimits {
 public:
  ConnectionLimits(size_t maxTotal, size_t maxPerAddress)
      : maxTotal_(maxTotal), maxPerAddress_(maxPerAddress) {}

  enum class Admission { Admitted, TotalFull, AddressFull };
  // Takes a slot for a new connection from `address`, unless a cap is reached.
  Admission admit(const std::string& address);
  void release(const std::string& address);

  size_t total() const { return total_.load(); }
  size_t forAddress(const std::string& address) const;

 private:
  const size_t maxTotal_;
  const size_t maxPerAddress_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, size_t> perAddress_;
  std::atomic<size_t> total_{0};
};

}  // namespace berth::http
