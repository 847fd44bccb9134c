#include "registry/auth/token_key.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <openssl/rand.h>

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

std::string randomBytes(size_t count) {
  std::string bytes(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1) {
    // Without randomness keys and token ids would be guessable: not a state to serve in.
    std::fputs("berth: OpenSSL RAND_bytes failed\n", stderr);
    std::abort();
  }
  return bytes;
}

}  // namespace

common::Result<std::string> loadTokenKey(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{ErrorCode::InvalidArgument,
                 "cannot read token key file " + path + ": " + std::strerror(errno)};
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string key = text.str();
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (key.size() < kMinTokenKeyBytes) {
    return Error{ErrorCode::InvalidArgument, "token key file " + path + " holds " +
                                                 std::to_string(key.size()) + " bytes; at least " +
                                                 std::to_string(kMinTokenKeyBytes) +
                                                 " are needed (e.g. openssl rand -hex 32)"};
  }
  return key;
}

std::string randomTokenKey() { return randomBytes(32); }

std::string randomHex(size_t bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const std::string raw = randomBytes(bytes);
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char c : raw) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace berth::registry
