#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "supplychain/public_key.h"

namespace berth::supplychain {

// cosign keeps an image's keyed signatures in the image's repository, under the tag
// "sha256-<hex>.sig" of the signed manifest's digest: an image manifest whose layers are the
// signed payloads, each with its signature (base64) in an annotation.
inline constexpr std::string_view kSimpleSigningMediaType =
    "application/vnd.dev.cosign.simplesigning.v1+json";
inline constexpr std::string_view kSignatureAnnotation = "dev.cosignproject.cosign/signature";
// The same signature manifest stored as an OCI 1.1 referrer of the image (cosign
// --registry-referrers-mode=oci-1-1) carries this artifactType and the image as its subject.
inline constexpr std::string_view kSignatureArtifactType =
    "application/vnd.dev.cosign.artifact.sig.v1+json";
// Referrer signature manifests read per image, at most: each is a fetch.
inline constexpr size_t kMaxSignatureReferrers = 16;
// More signature layers than this in one manifest are not looked at: each costs a blob fetch
// and a verification, and an attacker who can push signatures could otherwise add thousands.
inline constexpr size_t kMaxSignatureLayers = 64;

// The tag holding the signatures of `manifestDigest` ("sha256:<hex>" -> "sha256-<hex>.sig").
common::Result<std::string> cosignSignatureTag(std::string_view manifestDigest);

// Whether `tag` has the shape of a cosign signature tag ("sha256-<64 hex>.sig").
bool isSignatureTag(std::string_view tag);

// One signature layer: the payload blob and the signature over its bytes.
struct SignatureLayer {
  std::string payloadDigest;
  uint64_t payloadSize = 0;
  std::string signature;  // decoded from base64
  std::string problem;    // why the layer cannot be checked; empty when it can
};

// The simple-signing layers of a signature manifest, at most kMaxSignatureLayers; layers of
// other media types are left out. A layer with a missing or undecodable signature is kept with
// its problem, so that a report can say why it did not count.
common::Result<std::vector<SignatureLayer>> parseSignatureManifest(std::string_view manifest);

// What checking one signature found.
struct SignatureCheck {
  bool verified = false;
  std::string key;              // the key that verified it
  std::string dockerReference;  // what the signer named the image (once the signature verified)
  std::string reason;           // why it does not count; empty when verified
};

// Checks one signature layer against the payload bytes fetched for it: the bytes match the
// layer's digest, one of `keys` signed them, they name `manifestDigest`, and, when `repository`
// is given (normalised "domain/path"), their docker-reference names that repository. The payload
// is read only after its signature verified.
SignatureCheck checkSignature(const SignatureLayer& layer, std::string_view payload,
                              const std::vector<PublicKey>& keys, std::string_view manifestDigest,
                              std::optional<std::string_view> repository);

}  // namespace berth::supplychain
