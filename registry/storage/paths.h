#pragma once

#include <string>

#include "common/oci/digest.h"

namespace berth::registry {

// The only code that knows the storage layout (drawn in paths.cpp). Every argument has been
// validated at the edge (repository grammar, tag grammar, Digest::parse, upload ids), so no
// path built here can leave its directory.
namespace paths {

std::string blobAlgorithmDir(const std::string& algorithm);  // /blobs/sha256
std::string blobData(const oci::Digest& digest);
std::string repositoriesRoot();  // /repositories
std::string repository(const std::string& name);
std::string layerLink(const std::string& name, const oci::Digest& digest);
std::string layersDir(const std::string& name, const std::string& algorithm);
std::string manifestRevisionLink(const std::string& name, const oci::Digest& digest);
std::string manifestRevisionsDir(const std::string& name, const std::string& algorithm);
std::string tagsDir(const std::string& name);
std::string tagLink(const std::string& name, const std::string& tag);
std::string tagDir(const std::string& name, const std::string& tag);
std::string referrersDir(const std::string& name, const oci::Digest& subject);
std::string referrerLink(const std::string& name, const oci::Digest& subject,
                         const oci::Digest& referrer);
std::string uploadsDir(const std::string& name);
std::string uploadData(const std::string& name, const std::string& uuid);
std::string uploadDir(const std::string& name, const std::string& uuid);

// The entries of a repository directory that are not nested repositories.
bool isRepositoryMetadataDir(const std::string& entry);
// Layout names that mark a directory as a repository.
constexpr const char* kManifestsDirName = "_manifests";
constexpr const char* kLayersDirName = "_layers";
constexpr const char* kUploadsDirName = "_uploads";

}  // namespace paths
}  // namespace berth::registry
