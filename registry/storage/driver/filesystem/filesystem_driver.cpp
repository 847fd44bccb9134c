#include "registry/storage/driver/filesystem/filesystem_driver.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

// The client sees a generic message; the cause goes into detail, which the error writer logs
// and never sends for Internal errors.
Error ioError(const char* operation, const std::string& path, int err) {
  if (err == ENOENT || err == ENOTDIR) {
    return Error{ErrorCode::NotFound, "not found", path};
  }
  return Error{ErrorCode::Internal, "storage failure",
               std::string(operation) + " " + path + ": " + std::strerror(err)};
}

std::string parentOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? std::string("/") : path.substr(0, slash);
}

std::string randomSuffix() {
  unsigned char bytes[8];
  RAND_bytes(bytes, sizeof(bytes));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

common::Status syncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ioError("open directory", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return ioError("fsync directory", dir, err);
  return {};
}

common::Status writeAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ioError("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

class FileReader final : public StorageReader {
 public:
  FileReader(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~FileReader() override { ::close(fd_); }
  common::Result<size_t> read(char* buffer, size_t size) override {
    while (true) {
      const ssize_t n = ::read(fd_, buffer, size);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return ioError("read", path_, errno);
    }
  }
  int localFile() const override { return fd_; }

 private:
  int fd_;
  std::string path_;
};

// Under the fsync durability, writeback of what was written is started every this many bytes, so
// the disk works while the rest of the body arrives and the final fsync waits for one window
// instead of the whole blob.
constexpr uint64_t kWritebackWindow = 8 << 20;

class FileWriter final : public StorageWriter {
 public:
  FileWriter(int fd, std::string path, uint64_t size, bool sync)
      : fd_(fd), path_(std::move(path)), size_(size), writtenBack_(size), sync_(sync) {}
  ~FileWriter() override {
    if (fd_ >= 0) ::close(fd_);
  }
  common::Status write(std::string_view data) override {
    BERTH_TRY(writeAll(fd_, data, path_));
    size_ += data.size();
    if (sync_ && size_ - writtenBack_ >= kWritebackWindow) {
      // Only starts the writeback; errors surface in commit()'s fsync, which stays the promise.
      (void)::sync_file_range(fd_, static_cast<off_t>(writtenBack_),
                              static_cast<off_t>(size_ - writtenBack_), SYNC_FILE_RANGE_WRITE);
      writtenBack_ = size_;
    }
    return {};
  }
  uint64_t size() const override { return size_; }
  common::Status commit() override {
    if (sync_ && ::fsync(fd_) != 0) return ioError("fsync", path_, errno);
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return ioError("close", path_, errno);
    return {};
  }

 private:
  int fd_;
  std::string path_;
  uint64_t size_;
  uint64_t writtenBack_;  // bytes whose writeback has been started
  bool sync_;
};

}  // namespace

Durability parseDurability(const std::string& text) {
  return text == "none" ? Durability::None : Durability::Fsync;
}

FilesystemDriver::FilesystemDriver(std::string root, Durability durability)
    : root_(std::move(root)), durability_(durability) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::string FilesystemDriver::full(const std::string& path) const { return root_ + path; }

common::Status FilesystemDriver::makeParents(const std::string& fullPath) {
  const std::string dir = parentOf(fullPath);
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) return {};
  BERTH_TRY(makeParents(dir));
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return ioError("mkdir", dir, errno);
  // A new directory entry is durable only once its parent directory is synced.
  if (durability_ == Durability::Fsync) BERTH_TRY(syncDirectory(parentOf(dir)));
  return {};
}

common::Result<std::string> FilesystemDriver::getContent(const std::string& path,
                                                         uint64_t maxBytes) {
  const std::string p = full(path);
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ioError("open", p, errno);
  FileReader reader(fd, p);
  std::string out;
  char buffer[65536];
  while (true) {
    BERTH_TRY_ASSIGN(size_t n, reader.read(buffer, sizeof(buffer)));
    if (n == 0) break;
    out.append(buffer, n);
    if (out.size() > maxBytes) {
      return Error{ErrorCode::Internal, "storage failure", p + " is larger than expected"};
    }
  }
  return out;
}

common::Result<std::string> FilesystemDriver::writeTemporary(const std::string& fullPath,
                                                             std::string_view content) {
  BERTH_TRY(makeParents(fullPath));
  const std::string tmp = parentOf(fullPath) + "/.tmp-" + randomSuffix();
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ioError("create", tmp, errno);
  FileWriter writer(fd, tmp, 0, durability_ == Durability::Fsync);
  auto written = writer.write(content);
  if (written) written = writer.commit();
  if (!written) {
    ::unlink(tmp.c_str());
    return std::move(written).error();
  }
  return tmp;
}

common::Status FilesystemDriver::putContent(const std::string& path, std::string_view content) {
  const std::string p = full(path);
  BERTH_TRY_ASSIGN(const std::string tmp, writeTemporary(p, content));
  if (::rename(tmp.c_str(), p.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return ioError("rename", p, err);
  }
  if (durability_ == Durability::Fsync) BERTH_TRY(syncDirectory(parentOf(p)));
  return {};
}

common::Result<CreateOutcome> FilesystemDriver::putIfAbsent(const std::string& path,
                                                            std::string_view content) {
  const std::string p = full(path);
  BERTH_TRY_ASSIGN(const std::string tmp, writeTemporary(p, content));
  // link(2) gives the complete temporary file a second name, and fails with EEXIST instead of
  // replacing: the check and the write are one step, for every process on this filesystem
  // (NFS included, where O_EXCL on the final name is not reliable). A crash leaves at most the
  // temporary file, which no listing shows.
  int rc = ::link(tmp.c_str(), p.c_str());
  int err = errno;
  if (rc != 0 && (err == EPERM || err == EOPNOTSUPP)) {
    // A filesystem without hard links (some network shares): a rename that refuses to replace.
    rc = ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, p.c_str(), RENAME_NOREPLACE);
    err = errno;
  }
  ::unlink(tmp.c_str());
  if (rc != 0) {
    if (err == EEXIST) return CreateOutcome::Exists;
    return ioError("link", p, err);
  }
  if (durability_ == Durability::Fsync) BERTH_TRY(syncDirectory(parentOf(p)));
  return CreateOutcome::Created;
}

common::Result<std::unique_ptr<StorageReader>> FilesystemDriver::reader(const std::string& path,
                                                                        uint64_t offset) {
  const std::string p = full(path);
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ioError("open", p, errno);
  if (offset > 0 && ::lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0) {
    const int err = errno;
    ::close(fd);
    return ioError("seek", p, err);
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<StorageReader>(std::make_unique<FileReader>(fd, p));
}

common::Result<std::unique_ptr<StorageWriter>> FilesystemDriver::writer(const std::string& path,
                                                                        bool append) {
  const std::string p = full(path);
  BERTH_TRY(makeParents(p));
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  const int fd = ::open(p.c_str(), flags, 0644);
  if (fd < 0) return ioError("open", p, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ioError("stat", p, err);
  }
  return std::unique_ptr<StorageWriter>(std::make_unique<FileWriter>(
      fd, p, static_cast<uint64_t>(st.st_size), durability_ == Durability::Fsync));
}

common::Result<FileInfo> FilesystemDriver::stat(const std::string& path) {
  const std::string p = full(path);
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return ioError("stat", p, errno);
  return FileInfo{static_cast<uint64_t>(st.st_size), S_ISDIR(st.st_mode),
                  static_cast<int64_t>(st.st_mtim.tv_sec)};
}

common::Result<std::vector<std::string>> FilesystemDriver::list(const std::string& path) {
  const std::string p = full(path);
  DIR* dir = ::opendir(p.c_str());
  if (dir == nullptr) return ioError("opendir", p, errno);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) {
    // Dot names are never valid registry names: they are ".", ".." and temporary files.
    if (entry->d_name[0] == '.') continue;
    names.emplace_back(entry->d_name);
  }
  ::closedir(dir);
  return names;
}

common::Status FilesystemDriver::move(const std::string& from, const std::string& to) {
  const std::string src = full(from);
  const std::string dst = full(to);
  BERTH_TRY(makeParents(dst));
  if (::rename(src.c_str(), dst.c_str()) != 0) return ioError("rename", src, errno);
  if (durability_ == Durability::Fsync) BERTH_TRY(syncDirectory(parentOf(dst)));
  return {};
}

common::Status FilesystemDriver::remove(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(full(path), ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Error{ErrorCode::Internal, "storage failure", "remove " + path + ": " + ec.message()};
  }
  return {};
}

common::Status FilesystemDriver::touch(const std::string& path) {
  const std::string p = full(path);
  if (::utimensat(AT_FDCWD, p.c_str(), nullptr, 0) != 0) return ioError("touch", p, errno);
  return {};
}

}  // namespace berth::registry
