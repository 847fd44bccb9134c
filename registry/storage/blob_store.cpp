#include "registry/storage/blob_store.h"

#include "registry/storage/paths.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;

namespace {

Error blobUnknown(const oci::Digest& digest) {
  return Error{ErrorCode::BlobUnknown, "blob unknown to registry", digest.str()};
}

}  // namespace

BlobStore::BlobStore(StorageDriver& driver) : driver_(driver) {}

common::Result<uint64_t> BlobStore::size(const oci::Digest& digest) {
  auto info = driver_.stat(paths::blobData(digest));
  if (!info) {
    if (info.error().code == ErrorCode::NotFound) return blobUnknown(digest);
    return std::move(info).error();
  }
  return info->size;
}

bool BlobStore::linked(const std::string& repository, const oci::Digest& digest) {
  return driver_.stat(paths::layerLink(repository, digest)).has_value();
}

common::Result<uint64_t> BlobStore::sizeIn(const std::string& repository,
                                           const oci::Digest& digest) {
  if (!linked(repository, digest)) return blobUnknown(digest);
  return size(digest);
}

common::Result<std::unique_ptr<StorageReader>> BlobStore::open(const oci::Digest& digest,
                                                               uint64_t offset) {
  auto reader = driver_.reader(paths::blobData(digest), offset);
  if (!reader && reader.error().code == ErrorCode::NotFound) return blobUnknown(digest);
  return reader;
}

common::Result<bool> BlobStore::commitFile(const std::string& sourcePath, const oci::Digest& digest,
                                           uint64_t size) {
  const std::string target = paths::blobData(digest);
  if (auto existing = driver_.stat(target); existing && existing->size == size) {
    // Same digest, same bytes: keep the stored copy, but mark it as freshly referenced.
    BERTH_TRY(driver_.remove(sourcePath));
    BERTH_TRY(driver_.touch(target));
    return false;
  }
  BERTH_TRY(driver_.move(sourcePath, target));
  return true;
}

common::Result<bool> BlobStore::putBytes(const oci::Digest& digest, std::string_view bytes) {
  const std::string target = paths::blobData(digest);
  if (auto existing = driver_.stat(target); existing && existing->size == bytes.size()) {
    BERTH_TRY(driver_.touch(target));
    return false;
  }
  BERTH_TRY(driver_.putContent(target, bytes));
  return true;
}

common::Status BlobStore::link(const std::string& repository, const oci::Digest& digest) {
  BERTH_TRY(touch(digest));
  const std::string path = paths::layerLink(repository, digest);
  if (driver_.stat(path)) return {};
  return driver_.putContent(path, digest.str());
}

common::Status BlobStore::unlink(const std::string& repository, const oci::Digest& digest) {
  if (!linked(repository, digest)) return blobUnknown(digest);
  // The link's directory goes with it, so listings never see an empty entry.
  const std::string link = paths::layerLink(repository, digest);
  return driver_.remove(link.substr(0, link.rfind('/')));
}

common::Status BlobStore::touch(const oci::Digest& digest) {
  auto touched = driver_.touch(paths::blobData(digest));
  if (!touched && touched.error().code == ErrorCode::NotFound) return blobUnknown(digest);
  return touched;
}

}  // namespace berth::registry
