#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::oci {

// An image reference by the Docker/OCI grammar:
//   [domain[:port]/]path-component[/path-component...][:tag][@algorithm:hex]
// normalised the way containerd resolves it, so that one image has one name before any rule sees
// it: a missing domain is docker.io, the domain is canonical (canonicalRegistryHost), a single
// path component on docker.io gains "library/", and a reference without tag or digest gains
// ":latest".
struct ImageReference {
  std::string domain;  // "docker.io", "localhost:5005", "ghcr.io"
  std::string path;    // "library/nginx"
  std::string tag;     // empty when the reference had only a digest
  std::string digest;  // "sha256:<64 hex>" or empty

  // domain/path
  std::string repository() const;
  // domain/path[:tag][@digest], the normalised form that policies match against
  std::string str() const;
  bool hasDigest() const { return !digest.empty(); }
};

// Parses and normalises. Errors say what is wrong: uppercase repository, bad digest, empty path
// component, a name longer than 255 characters, and so on.
common::Result<ImageReference> parseImageReference(std::string_view text);

// The one name of a registry host: lower-cased (DNS names are case-insensitive), the HTTPS
// default port dropped ("ghcr.io:443" is "ghcr.io"), and Docker Hub's other names
// ("index.docker.io", "registry-1.docker.io") as "docker.io". Rules are written against this
// form; without it "GHCR.IO/evil/x" would slip past a rule for "ghcr\.io/evil/.*".
std::string canonicalRegistryHost(std::string_view host);

// The spec's repository-name grammar (no domain): lowercase path components separated by "/".
bool isValidRepositoryPath(std::string_view path);
// A tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}
bool isValidTag(std::string_view tag);
// A digest: algorithm ":" encoded, with sha256 (64 hex) and sha512 (128 hex) checked strictly.
bool isValidDigest(std::string_view digest);

}  // namespace berth::oci
