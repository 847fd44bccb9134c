#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::registry {

// Paths are driver-relative, "/"-separated and start with "/"; only registry/storage/paths.cpp
// builds them, from validated names and digests. An absent file is ErrorCode::NotFound.
struct FileInfo {
  uint64_t size = 0;
  bool isDirectory = false;
  int64_t modifiedUnixSeconds = 0;
};

class StorageReader {
 public:
  virtual ~StorageReader() = default;
  // Up to `size` bytes into `buffer`; 0 at end of file.
  virtual common::Result<size_t> read(char* buffer, size_t size) = 0;
  // A reader over a local file gives its descriptor, positioned at the next byte, so a server
  // can send the bytes from the page cache to the socket (sendfile) instead of copying them
  // twice through read(); -1 when there is none (S3). Still owned by the reader.
  virtual int localFile() const { return -1; }
};

// Appends to one private file (an upload session's data); not visible to readers of content
// until moved into place.
class StorageWriter {
 public:
  virtual ~StorageWriter() = default;
  virtual common::Status write(std::string_view data) = 0;
  virtual uint64_t size() const = 0;
  // Flushes (and, under the fsync durability, syncs) and closes.
  virtual common::Status commit() = 0;
};

// What a create-only write found.
enum class CreateOutcome {
  Created,  // the file did not exist and now holds the content
  Exists,   // the file already existed and was left as it was
};

// The storage seam: the filesystem now, an S3-compatible store later. Kept narrow on purpose.
class StorageDriver {
 public:
  virtual ~StorageDriver() = default;

  virtual common::Result<std::string> getContent(const std::string& path, uint64_t maxBytes) = 0;
  // Atomic: readers see the old content or the whole new content, never a part (temp + rename).
  virtual common::Status putContent(const std::string& path, std::string_view content) = 0;
  // Create-only putContent: writes the whole content only if no file is at `path`, atomically
  // with respect to every other writer of the same store, other processes and other replicas
  // included. Of concurrent calls on one absent path exactly one is Created.
  virtual common::Result<CreateOutcome> putIfAbsent(const std::string& path,
                                                    std::string_view content) = 0;
  virtual common::Result<std::unique_ptr<StorageReader>> reader(const std::string& path,
                                                                uint64_t offset) = 0;
  // Creates (or, with append, continues) a private file.
  virtual common::Result<std::unique_ptr<StorageWriter>> writer(const std::string& path,
                                                                bool append) = 0;
  virtual common::Result<FileInfo> stat(const std::string& path) = 0;
  // Names of the entries of a directory, unsorted.
  virtual common::Result<std::vector<std::string>> list(const std::string& path) = 0;
  // Atomic replace of `to` by `from` (both files).
  virtual common::Status move(const std::string& from, const std::string& to) = 0;
  // A file or a whole tree; an absent path is not an error.
  virtual common::Status remove(const std::string& path) = 0;
  // Marks a file as recently used (garbage collection keeps fresh files).
  virtual common::Status touch(const std::string& path) = 0;
};

}  // namespace berth::registry
