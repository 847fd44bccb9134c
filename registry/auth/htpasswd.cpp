#include "registry/auth/htpasswd.h"

#include <crypt.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <openssl/crypto.h>

namespace berth::registry {
namespace {

using common::Error;
using common::ErrorCode;

constexpr size_t kMaxFileBytes = 16 * 1024 * 1024;
constexpr size_t kBcryptLength = 60;

// Names the scheme of a hash that is not bcrypt, for an error message that says what to do.
std::string describeHash(std::string_view hash) {
  if (hash.rfind("$apr1$", 0) == 0) return "Apache MD5 ($apr1$, the htpasswd default)";
  if (hash.rfind("{SHA}", 0) == 0) return "SHA-1 ({SHA}, htpasswd -s)";
  if (hash.rfind("$5$", 0) == 0) return "SHA-256 crypt ($5$)";
  if (hash.rfind("$6$", 0) == 0) return "SHA-512 crypt ($6$)";
  if (hash.rfind("$1$", 0) == 0) return "MD5 crypt ($1$)";
  return "not a recognised hash (crypt or plain text)";
}

bool isBcrypt(std::string_view hash) {
  if (hash.size() != kBcryptLength) return false;
  if (hash.rfind("$2y$", 0) != 0 && hash.rfind("$2b$", 0) != 0 && hash.rfind("$2a$", 0) != 0) {
    return false;
  }
  const char c1 = hash[4];
  const char c2 = hash[5];
  if (c1 < '0' || c1 > '3' || c2 < '0' || c2 > '9' || hash[6] != '$') return false;
  for (size_t i = 7; i < hash.size(); ++i) {
    const char c = hash[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '/';
    if (!ok) return false;
  }
  return true;
}

common::Result<std::string> readWhole(const std::string& path, struct stat& info) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error{ErrorCode::InvalidArgument,
                 "cannot read htpasswd file " + path + ": " + std::strerror(errno)};
  }
  std::string text;
  if (::fstat(fd, &info) != 0 || static_cast<size_t>(info.st_size) > kMaxFileBytes) {
    ::close(fd);
    return Error{ErrorCode::InvalidArgument,
                 "htpasswd file " + path + " is too large or unreadable"};
  }
  char buffer[8192];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      return Error{ErrorCode::InvalidArgument,
                   "cannot read htpasswd file " + path + ": " + std::strerror(saved)};
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > kMaxFileBytes) {
      ::close(fd);
      return Error{ErrorCode::InvalidArgument, "htpasswd file " + path + " is too large"};
    }
  }
  ::close(fd);
  return text;
}

}  // namespace

common::Result<HtpasswdTable> parseHtpasswd(std::string_view text, const std::string& sourceName) {
  HtpasswdTable table;
  size_t lineNumber = 0;
  while (!text.empty()) {
    ++lineNumber;
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    size_t indent = 0;
    while (indent < line.size() && (line[indent] == ' ' || line[indent] == '\t')) ++indent;
    if (indent == line.size() || line[indent] == '#') continue;
    const std::string where = sourceName + ":" + std::to_string(lineNumber) + ": ";
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Error{ErrorCode::InvalidArgument, where + "expected USER:HASH"};
    }
    const std::string user(line.substr(0, colon));
    const std::string_view hash = line.substr(colon + 1);
    if (!isBcrypt(hash)) {
      return Error{ErrorCode::InvalidArgument,
                   where + "user '" + user +
                       "' has an unsupported password hash: " + describeHash(hash) +
                       "; only bcrypt is supported, create it with 'htpasswd -B'"};
    }
    if (!table.hashes.emplace(user, std::string(hash)).second) {
      return Error{ErrorCode::InvalidArgument, where + "user '" + user + "' appears twice"};
    }
  }
  return table;
}

bool verifyBcrypt(const std::string& password, const std::string& hash) {
  if (!isBcrypt(hash)) return false;
  // crypt_data is about 32 KiB: too large for the stack of a pool thread.
  auto data = std::make_unique<struct crypt_data>();
  const char* result = crypt_r(password.c_str(), hash.c_str(), data.get());
  if (result == nullptr || result[0] == '*') return false;
  const size_t length = std::strlen(result);
  return length == hash.size() && CRYPTO_memcmp(result, hash.data(), length) == 0;
}

bool HtpasswdFile::Stamp::operator==(const Stamp& other) const {
  return mtime.tv_sec == other.mtime.tv_sec && mtime.tv_nsec == other.mtime.tv_nsec &&
         size == other.size && inode == other.inode;
}

common::Result<std::pair<HtpasswdFile::Stamp, std::shared_ptr<const HtpasswdTable>>>
HtpasswdFile::read() const {
  struct stat info {};
  std::string text;
  BERTH_TRY_ASSIGN(text, readWhole(path_, info));
  HtpasswdTable table;
  BERTH_TRY_ASSIGN(table, parseHtpasswd(text, path_));
  Stamp stamp{info.st_mtim, info.st_size, info.st_ino};
  return std::make_pair(stamp, std::make_shared<const HtpasswdTable>(std::move(table)));
}

common::Result<std::unique_ptr<HtpasswdFile>> HtpasswdFile::open(const std::string& path,
                                                                 common::Logger& logger) {
  std::unique_ptr<HtpasswdFile> file(new HtpasswdFile(path, logger));
  auto loaded = file->read();
  if (!loaded) return std::move(loaded).error();
  file->stamp_ = loaded->first;
  file->table_ = std::move(loaded->second);
  return file;
}

std::shared_ptr<const HtpasswdTable> HtpasswdFile::current() {
  struct stat info {};
  std::lock_guard lock(mutex_);
  if (::stat(path_.c_str(), &info) != 0) {
    // Editors replace files by rename: a brief absence keeps the users we have.
    return table_;
  }
  const Stamp now{info.st_mtim, info.st_size, info.st_ino};
  if (now == stamp_ || now == failedStamp_) return table_;
  auto loaded = read();
  if (!loaded) {
    failedStamp_ = now;
    logger_.error("htpasswd file changed but cannot be used; keeping the previous users",
                  {{"file", path_}, {"error", loaded.error().message}});
    return table_;
  }
  stamp_ = loaded->first;
  table_ = std::move(loaded->second);
  logger_.info("htpasswd file reloaded", {{"file", path_}, {"users", table_->hashes.size()}});
  return table_;
}

}  // namespace berth::registry
