#include "common/http/connection_limits.h"

namespace berth::http {

ConnectionLimits::Admission ConnectionLimits::admit(const std::string& address) {
  std::lock_guard lock(mutex_);
  if (total_.load() >= maxTotal_) return Admission::TotalFull;
  size_t& count = perAddress_[address];
  if (count >= maxPerAddress_) {
    if (count == 0) perAddress_.erase(address);
    return Admission::AddressFull;
  }
  ++count;
  ++total_;
  return Admission::Admitted;
}

void ConnectionLimits::release(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto it = perAddress_.find(address);
  if (it == perAddress_.end()) return;
  if (--it->second == 0) perAddress_.erase(it);
  --total_;
}

size_t ConnectionLimits::forAddress(const std::string& address) const {
  std::lock_guard lock(mutex_);
  auto it = perAddress_.find(address);
  return it == perAddress_.end() ? 0 : it->second;
}

}  // namespace berth::http
