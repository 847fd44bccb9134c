#include "registry/storage/driver/s3/s3_driver.h"

#include <chrono>
#include <random>

#include "registry/storage/driver/s3/part_writer.h"
#include "registry/storage/driver/s3/parts.h"
#include "registry/storage/driver/s3/reader.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

Error notFound(const std::string& path) { return Error{ErrorCode::NotFound, "not found", path}; }

bool isNotFound(const common::Error& error) { return error.code == ErrorCode::NotFound; }

std::string randomHex() {
  std::random_device device;
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 4; ++i) {
    for (uint32_t word = device(), n = 0; n < 8; ++n, word >>= 4) out.push_back(kHex[word & 0xf]);
  }
  return out;
}

}  // namespace

S3Driver::S3Driver(std::unique_ptr<s3::Client> client, std::string keyPrefix, uint64_t partSize)
    : client_(std::move(client)),
      objects_(*client_),
      prefix_(std::move(keyPrefix)),
      partSize_(std::max<uint64_t>(partSize, s3::Objects::kMinPartBytes)) {
  if (!prefix_.empty() && prefix_.back() != '/') prefix_.push_back('/');
}

S3Driver::~S3Driver() = default;

std::string S3Driver::key(const std::string& path) const {
  return prefix_ + (path.empty() || path[0] != '/' ? path : path.substr(1));
}

std::string S3Driver::dirPrefix(const std::string& path) const {
  const std::string k = key(path);
  return k.empty() || k.back() == '/' ? k : k + "/";
}

common::Status S3Driver::check() {
  // A listing proves the bucket exists and that these credentials may read it.
  auto page = objects_.list(prefix_, true, "");
  if (!page) {
    return Error{ErrorCode::Unavailable, "cannot list bucket " + client_->endpoint().bucket +
                                             " at " + client_->endpoint().baseUrl() + ": " +
                                             page.error().detail};
  }
  return checkConditionalWrites();
}

common::Status S3Driver::checkConditionalWrites() {
  // A server that ignores If-None-Match would let two replicas both create an immutable tag:
  // refuse to start on it rather than fail open. The probe key is a dot name, which no
  // listing shows, and unique, so concurrent startups do not see each other's.
  const std::string probe = "/.berth-conditional-write-probe-" + randomHex();
  auto first = putIfAbsent(probe, "1");
  auto second = first ? putIfAbsent(probe, "2") : first;
  (void)objects_.remove(key(probe));
  if (!second) {
    return Error{ErrorCode::Unavailable, "cannot write to bucket " + client_->endpoint().bucket +
                                             " at " + client_->endpoint().baseUrl() + ": " +
                                             second.error().detail};
  }
  if (*first != CreateOutcome::Created || *second != CreateOutcome::Exists) {
    return Error{ErrorCode::Unavailable,
                 "the S3 server at " + client_->endpoint().baseUrl() +
                     " ignores \"If-None-Match: *\" on PUT; Berth needs conditional writes to "
                     "keep immutable tags across replicas (AWS S3, Ceph RGW and MinIO have them)"};
  }
  return {};
}

common::Result<std::string> S3Driver::getContent(const std::string& path, uint64_t maxBytes) {
  auto content = objects_.get(key(path), maxBytes);
  if (!content && isNotFound(content.error())) return notFound(path);
  return content;
}

common::Status S3Driver::putContent(const std::string& path, std::string_view content) {
  return objects_.put(key(path), content);
}

common::Result<CreateOutcome> S3Driver::putIfAbsent(const std::string& path,
                                                    std::string_view content) {
  BERTH_TRY_ASSIGN(auto outcome, objects_.putIfAbsent(key(path), content));
  return outcome == s3::Objects::PutIfAbsent::Created ? CreateOutcome::Created
                                                      : CreateOutcome::Exists;
}

common::Result<std::unique_ptr<StorageReader>> S3Driver::reader(const std::string& path,
                                                                uint64_t offset) {
  const std::string k = key(path);
  auto object = s3::S3Reader::openObject(objects_, k, offset);
  if (object || !isNotFound(object.error())) return object;
  BERTH_TRY_ASSIGN(auto parts, s3::listParts(objects_, k));
  if (parts.empty()) return notFound(path);
  std::vector<s3::Piece> pieces;
  for (const auto& part : parts) pieces.push_back({part.key, part.size});
  return std::unique_ptr<StorageReader>(
      std::make_unique<s3::S3Reader>(objects_, std::move(pieces), offset));
}

common::Result<std::unique_ptr<StorageWriter>> S3Driver::writer(const std::string& path,
                                                                bool append) {
  const std::string k = key(path);
  std::vector<s3::Part> parts;
  if (append) {
    BERTH_TRY_ASSIGN(parts, s3::listParts(objects_, k));
  } else {
    BERTH_TRY(remove(path));
  }
  return s3::PartWriter::open(objects_, k, std::move(parts), partSize_);
}

common::Result<FileInfo> S3Driver::stat(const std::string& path) {
  const std::string k = key(path);
  if (!k.empty()) {
    auto info = objects_.head(k);
    if (info) return FileInfo{info->size, false, info->modifiedUnixSeconds};
    if (!isNotFound(info.error())) return std::move(info).error();
  }
  // Not an object: the parts of a writer()'s file, a directory, or nothing.
  const std::string prefix = dirPrefix(path);
  BERTH_TRY_ASSIGN(s3::ListPage page, objects_.list(prefix, true, ""));
  std::vector<s3::Part> parts;
  if (page.truncated) {
    BERTH_TRY_ASSIGN(parts, s3::listParts(objects_, k));
  } else {
    BERTH_TRY_ASSIGN(parts, s3::partsOf(k, page.objects));
  }
  if (!parts.empty()) return FileInfo{s3::totalSize(parts), false, s3::lastModified(parts)};
  if (!page.objects.empty() || !page.commonPrefixes.empty()) return FileInfo{0, true, 0};
  return notFound(path);
}

common::Result<std::vector<std::string>> S3Driver::list(const std::string& path) {
  const std::string prefix = dirPrefix(path);
  std::vector<std::string> names;
  bool any = false;
  std::string token;
  do {
    BERTH_TRY_ASSIGN(s3::ListPage page, objects_.list(prefix, true, token));
    auto add = [&](std::string_view entry) {
      any = true;
      entry.remove_prefix(prefix.size());
      if (!entry.empty() && entry.back() == '/') entry.remove_suffix(1);
      // Dot names are parts of writer() files, never registry names (as on the filesystem).
      if (!entry.empty() && entry.front() != '.') names.emplace_back(entry);
    };
    for (const auto& object : page.objects) add(object.key);
    for (const auto& common : page.commonPrefixes) add(common);
    token = page.truncated ? page.nextContinuationToken : std::string();
  } while (!token.empty());
  if (!any) return notFound(path);
  return names;
}

common::Status S3Driver::move(const std::string& from, const std::string& to) {
  const std::string source = key(from);
  const std::string target = key(to);
  auto info = objects_.head(source);
  if (info) {
    BERTH_TRY(objects_.copy(source, target, info->size));
    return objects_.remove(source);
  }
  if (!isNotFound(info.error())) return std::move(info).error();
  BERTH_TRY_ASSIGN(auto parts, s3::listParts(objects_, source));
  if (parts.empty()) return notFound(from);
  if (parts.size() == 1) {
    BERTH_TRY(objects_.copy(parts.front().key, target, parts.front().size));
  } else {
    if (parts.size() > s3::Objects::kMaxParts) {
      return Error{ErrorCode::SizeInvalid, "upload too large", from + " has too many parts"};
    }
    // Every part but the last is at least the S3 minimum (PartWriter keeps it so), so the
    // parts themselves are the parts of the target, copied inside S3.
    BERTH_TRY_ASSIGN(std::string uploadId, objects_.createMultipart(target));
    std::vector<std::string> etags;
    for (const auto& part : parts) {
      auto etag = objects_.copyPart(target, uploadId, etags.size() + 1, part.key, 1, 0);
      if (!etag) {
        objects_.abortMultipart(target, uploadId);
        return std::move(etag).error();
      }
      etags.push_back(std::move(*etag));
    }
    BERTH_TRY(objects_.completeMultipart(target, uploadId, etags, s3::totalSize(parts)));
  }
  std::vector<std::string> keys;
  for (const auto& part : parts) keys.push_back(part.key);
  return objects_.removeMany(keys);
}

common::Status S3Driver::remove(const std::string& path) {
  const std::string k = key(path);
  if (!k.empty() && k.back() != '/') BERTH_TRY(objects_.remove(k));
  BERTH_TRY_ASSIGN(auto entries, objects_.listAll(dirPrefix(path)));
  std::vector<std::string> keys;
  keys.reserve(entries.size());
  for (auto& entry : entries) keys.push_back(std::move(entry.key));
  return objects_.removeMany(keys);
}

common::Status S3Driver::touch(const std::string& path) {
  std::string k = key(path);
  auto info = objects_.head(k);
  if (!info) {
    if (!isNotFound(info.error())) return std::move(info).error();
    // A writer()'s file: its last part carries its modification time.
    BERTH_TRY_ASSIGN(auto parts, s3::listParts(objects_, k));
    if (parts.empty()) return notFound(path);
    k = parts.back().key;
    info = s3::ObjectInfo{parts.back().size, parts.back().modifiedUnixSeconds};
  }
  if (client_->clock().unixSeconds() - info->modifiedUnixSeconds < kTouchResolutionSeconds)
    return {};
  return objects_.copy(k, k, info->size, true);
}

}  // namespace berth::registry
