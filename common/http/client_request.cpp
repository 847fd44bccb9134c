#include "common/http/client_request.h"

#include <algorithm>

namespace berth::http {

BodyProvider providerOf(std::string_view body) {
  return [body](uint64_t offset, size_t maxLength, const BodyWriter& write) {
    if (offset > body.size()) return false;
    const size_t size = std::min<uint64_t>(maxLength, body.size() - offset);
    return write(body.data() + offset, size);
  };
}

}  // namespace berth::http
