#pragma once

#include <sys/types.h>

#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/log.h"
#include "common/result.h"

namespace berth::registry {

// The users of an htpasswd file: name -> bcrypt hash.
struct HtpasswdTable {
  std::unordered_map<std::string, std::string> hashes;
};

// Parses `user:$2y$...` lines (as `htpasswd -B` writes them); blank lines and '#' comments are
// skipped. Malformed lines, duplicate users and hashes other than bcrypt ($2y$, $2b$, $2a$) are
// InvalidArgument errors naming `sourceName:line` and the user: we would rather refuse a file
// than silently lock a user out.
common::Result<HtpasswdTable> parseHtpasswd(std::string_view text, const std::string& sourceName);

// Checks a password against a bcrypt hash with libcrypt; constant-time comparison.
bool verifyBcrypt(const std::string& password, const std::string& hash);

// An htpasswd file that is re-read when it changes (mtime, size or inode), so users can be
// added without a restart. A changed file that fails to parse keeps the previous table and logs
// why. Thread-safe.
class HtpasswdFile {
 public:
  // Reads the file; a missing or invalid file is an error (startup misconfiguration).
  static common::Result<std::unique_ptr<HtpasswdFile>> open(const std::string& path,
                                                            common::Logger& logger);

  // The current table, reloaded first if the file changed since the last call.
  std::shared_ptr<const HtpasswdTable> current();

 private:
  struct Stamp {
    struct timespec mtime {};
    off_t size = 0;
    ino_t inode = 0;
    bool operator==(const Stamp& other) const;
  };

  HtpasswdFile(std::string path, common::Logger& logger)
      : path_(std::move(path)), logger_(logger) {}
  common::Result<std::pair<Stamp, std::shared_ptr<const HtpasswdTable>>> read() const;

  std::string path_;
  common::Logger& logger_;
  std::mutex mutex_;
  Stamp stamp_;
  Stamp failedStamp_;  // the last stamp that failed to load, so it is logged once
  std::shared_ptr<const HtpasswdTable> table_;
};

}  // namespace berth::registry
