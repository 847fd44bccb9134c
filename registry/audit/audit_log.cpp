#include "registry/audit/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "common/log.h"
#include "registry/audit/line.h"

namespace berth::registry {
namespace {

using common::Error;
using common::ErrorCode;

class DisabledAuditLog final : public AuditLog {
 public:
  bool enabled() const override { return false; }
  void record(const AuditEvent&) override {}
};

// One write() per line on an O_APPEND descriptor: the kernel places each line at the end as a
// whole, so lines from our threads and from other processes sharing the file never interleave.
// The mutex covers what O_APPEND does not: pipes (stdout) and partial writes.
class FileAuditLog final : public AuditLog {
 public:
  FileAuditLog(int fd, bool owned, std::string path)
      : fd_(fd), owned_(owned), path_(std::move(path)) {}
  ~FileAuditLog() override {
    if (owned_) ::close(fd_);
  }
  FileAuditLog(const FileAuditLog&) = delete;
  FileAuditLog& operator=(const FileAuditLog&) = delete;

  bool enabled() const override { return true; }

  void record(const AuditEvent& event) override {
    std::string line = formatAuditLine(event, common::nowRfc3339());
    line += '\n';
    std::lock_guard lock(mutex_);
    size_t written = 0;
    while (written < line.size()) {
      const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        reportFailure(errno);
        return;
      }
      written += static_cast<size_t>(n);
    }
  }

 private:
  // record() has no error path (a full disk must not fail pulls), so say it once on stderr.
  void reportFailure(int error) {
    if (failureReported_.exchange(true)) return;
    std::fprintf(stderr, "berth: cannot write audit log %s: %s (further errors not shown)\n",
                 path_.c_str(), std::strerror(error));
  }

  const int fd_;
  const bool owned_;
  const std::string path_;
  std::mutex mutex_;
  std::atomic<bool> failureReported_{false};
};

}  // namespace

common::Result<std::unique_ptr<AuditLog>> AuditLog::open(const common::AuditConfig& config) {
  if (config.path.empty()) return std::unique_ptr<AuditLog>(new DisabledAuditLog());
  if (config.path == "-") {
    return std::unique_ptr<AuditLog>(new FileAuditLog(STDOUT_FILENO, false, "standard output"));
  }
  const int fd = ::open(config.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    return Error{ErrorCode::InvalidArgument,
                 "cannot open audit log " + config.path + ": " + std::strerror(errno)};
  }
  return std::unique_ptr<AuditLog>(new FileAuditLog(fd, true, config.path));
}

}  // namespace berth::registry
