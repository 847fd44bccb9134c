#pragma once

#include <string_view>

namespace berth::supplychain {

// Whether a layer of this media type is a document attached to an image (a cosign
// simple-signing payload, a vulnerability report, a VEX document, plain JSON) rather than a
// filesystem layer.
bool isDocumentLayer(std::string_view mediaType);

// Whether `manifest` is a document attached to an image rather than an image: it has layers
// and every one is a document layer. No runtime can run one, so gates on running images (a
// signature, a report) pass it: the webhook reads them through the registry.
bool isAttachedArtifact(std::string_view manifest);

}  // namespace berth::supplychain
