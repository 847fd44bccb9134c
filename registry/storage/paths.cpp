#include "registry/storage/paths.h"

namespace berth::registry::paths {

// The storage tree (relative to config.storage):
//
// /
// ├── blobs/                                  content, shared by all repositories
// │   └── <alg>/<first 2 hex>/<hex>/data      layer, config or manifest bytes, verified
// └── repositories/
//     └── <name...>/                          the name's components as nested directories
//         ├── _layers/<alg>/<hex>/link        the blob is visible in this repository
//         ├── _manifests/
//         │   ├── revisions/<alg>/<hex>/link  the manifest exists here (bytes in blobs/)
//         │   └── tags/<tag>/link             the digest the tag points at
//         ├── _referrers/<alg>/<subject hex>/<alg>/<hex>/link
//         │                                   a manifest here whose subject is that digest
//         └── _uploads/<uuid>/data            bytes received so far; its mtime is the
//                                             session's last activity (for expiry)
//
// Every file that marks something visible (data, link) is written to a temporary name and
// renamed into place, so after a crash it is either absent or whole. Order of a manifest push:
// blob data, revision link, referrer link, tag link: a visible tag never points at a missing
// manifest. Temporary files start with "." and are never listed.

namespace {
std::string hexPrefix(const oci::Digest& d) { return d.hex.substr(0, 2); }
}  // namespace

std::string blobAlgorithmDir(const std::string& algorithm) { return "/blobs/" + algorithm; }
std::string blobData(const oci::Digest& d) {
  return "/blobs/" + d.algorithm + "/" + hexPrefix(d) + "/" + d.hex + "/data";
}
std::string repositoriesRoot() { return "/repositories"; }
std::string repository(const std::string& name) { return "/repositories/" + name; }
std::string layerLink(const std::string& name, const oci::Digest& d) {
  return repository(name) + "/_layers/" + d.algorithm + "/" + d.hex + "/link";
}
std::string layersDir(const std::string& name, const std::string& algorithm) {
  return repository(name) + "/_layers/" + algorithm;
}
std::string manifestRevisionLink(const std::string& name, const oci::Digest& d) {
  return repository(name) + "/_manifests/revisions/" + d.algorithm + "/" + d.hex + "/link";
}
std::string manifestRevisionsDir(const std::string& name, const std::string& algorithm) {
  return repository(name) + "/_manifests/revisions/" + algorithm;
}
std::string tagsDir(const std::string& name) { return repository(name) + "/_manifests/tags"; }
std::string tagDir(const std::string& name, const std::string& tag) {
  return tagsDir(name) + "/" + tag;
}
std::string tagLink(const std::string& name, const std::string& tag) {
  return tagDir(name, tag) + "/link";
}
std::string referrersDir(const std::string& name, const oci::Digest& subject) {
  return repository(name) + "/_referrers/" + subject.algorithm + "/" + subject.hex;
}
std::string referrerLink(const std::string& name, const oci::Digest& subject,
                         const oci::Digest& referrer) {
  return referrersDir(name, subject) + "/" + referrer.algorithm + "/" + referrer.hex + "/link";
}
std::string uploadsDir(const std::string& name) { return repository(name) + "/_uploads"; }
std::string uploadDir(const std::string& name, const std::string& uuid) {
  return uploadsDir(name) + "/" + uuid;
}
std::string uploadData(const std::string& name, const std::string& uuid) {
  return uploadDir(name, uuid) + "/data";
}

bool isRepositoryMetadataDir(const std::string& entry) { return !entry.empty() && entry[0] == '_'; }

}  // namespace berth::registry::paths
