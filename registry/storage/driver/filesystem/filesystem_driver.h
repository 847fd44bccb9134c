#pragma once

#include <memory>
#include <string>

#include "registry/storage/driver/storage_driver.h"

namespace berth::registry {

enum class Durability { Fsync, None };
Durability parseDurability(const std::string& text);  // "none" or anything else: Fsync

// A StorageDriver on a local directory. putContent and move are temp file + rename(2), and
// putIfAbsent temp file + link(2), which fails rather than replaces; under Durability::Fsync
// the file is fsynced before the rename or link and the directory after it, so content is
// either absent or whole after a crash or power loss.
class FilesystemDriver final : public StorageDriver {
 public:
  FilesystemDriver(std::string root, Durability durability);

  common::Result<std::string> getContent(const std::string& path, uint64_t maxBytes) override;
  common::Status putContent(const std::string& path, std::string_view content) override;
  common::Result<CreateOutcome> putIfAbsent(const std::string& path,
                                            std::string_view content) override;
  common::Result<std::unique_ptr<StorageReader>> reader(const std::string& path,
                                                        uint64_t offset) override;
  common::Result<std::unique_ptr<StorageWriter>> writer(const std::string& path,
                                                        bool append) override;
  common::Result<FileInfo> stat(const std::string& path) override;
  common::Result<std::vector<std::string>> list(const std::string& path) override;
  common::Status move(const std::string& from, const std::string& to) override;
  common::Status remove(const std::string& path) override;
  common::Status touch(const std::string& path) override;

  const std::string& root() const { return root_; }

 private:
  std::string full(const std::string& path) const;
  common::Status makeParents(const std::string& fullPath);
  // A complete temporary file beside `fullPath` holding `content` (synced as the durability
  // says); returns its name.
  common::Result<std::string> writeTemporary(const std::string& fullPath, std::string_view content);

  std::string root_;
  Durability durability_;
};

}  // namespace berth::registry
