#include "common/oci/errors.h"

#include <array>
#include <nlohmann/json.hpp>

namespace berth::oci {

using common::ErrorCode;

namespace {

// Codes and statuses from the OCI distribution spec (and distribution's errcode registry for
// UNKNOWN/UNAVAILABLE). Ordered like common::ErrorCode; the loop in ociError checks that.
constexpr std::array kTable = {
    OciErrorInfo{ErrorCode::Internal, "UNKNOWN", 500},
    OciErrorInfo{ErrorCode::InvalidArgument, "UNSUPPORTED", 400},
    OciErrorInfo{ErrorCode::NotFound, "NAME_UNKNOWN", 404},
    OciErrorInfo{ErrorCode::AlreadyExists, "UNSUPPORTED", 409},
    OciErrorInfo{ErrorCode::PermissionDenied, "DENIED", 403},
    OciErrorInfo{ErrorCode::Unauthenticated, "UNAUTHORIZED", 401},
    OciErrorInfo{ErrorCode::Unavailable, "UNAVAILABLE", 503},
    OciErrorInfo{ErrorCode::NameInvalid, "NAME_INVALID", 400},
    OciErrorInfo{ErrorCode::NameUnknown, "NAME_UNKNOWN", 404},
    OciErrorInfo{ErrorCode::ManifestInvalid, "MANIFEST_INVALID", 400},
    OciErrorInfo{ErrorCode::ManifestUnknown, "MANIFEST_UNKNOWN", 404},
    OciErrorInfo{ErrorCode::ManifestBlobUnknown, "MANIFEST_BLOB_UNKNOWN", 400},
    OciErrorInfo{ErrorCode::BlobUnknown, "BLOB_UNKNOWN", 404},
    OciErrorInfo{ErrorCode::BlobUploadUnknown, "BLOB_UPLOAD_UNKNOWN", 404},
    OciErrorInfo{ErrorCode::BlobUploadInvalid, "BLOB_UPLOAD_INVALID", 400},
    OciErrorInfo{ErrorCode::DigestInvalid, "DIGEST_INVALID", 400},
    OciErrorInfo{ErrorCode::SizeInvalid, "SIZE_INVALID", 400},
    OciErrorInfo{ErrorCode::TagInvalid, "TAG_INVALID", 400},
    OciErrorInfo{ErrorCode::Unsupported, "UNSUPPORTED", 405},
    OciErrorInfo{ErrorCode::Denied, "DENIED", 403},
    OciErrorInfo{ErrorCode::Unauthorized, "UNAUTHORIZED", 401},
    OciErrorInfo{ErrorCode::TooManyRequests, "TOOMANYREQUESTS", 429},
    OciErrorInfo{ErrorCode::RangeInvalid, "BLOB_UPLOAD_INVALID", 416},
    // Over a configured size limit. The spec has no code for it; SIZE_INVALID is its code for
    // content of the wrong size, and 413 is the status it gives an over-limit manifest: it
    // tells a client that retrying the same content is pointless. (DENIED would send the user
    // looking for a permission problem.)
    OciErrorInfo{ErrorCode::PayloadTooLarge, "SIZE_INVALID", 413},
};

}  // namespace

const OciErrorInfo& ociError(ErrorCode code) {
  const auto index = static_cast<size_t>(code);
  if (index < kTable.size() && kTable[index].code == code) return kTable[index];
  return kTable[0];
}

bool isInternal(const common::Error& error) { return ociError(error.code).httpStatus >= 500; }

std::string errorEnvelope(const common::Error& error) {
  nlohmann::json entry;
  const OciErrorInfo& info = ociError(error.code);
  entry["code"] = info.ociCode;
  if (info.httpStatus == 500) {
    // Berth's own failure: what went wrong is for the log.
    entry["message"] = "internal server error";
    entry["detail"] = nullptr;
  } else if (info.httpStatus > 500) {
    // Something Berth depends on is unavailable (an upstream, the storage): messages are written
    // to be shown (common/error.h), so the client can tell its user what happened; the detail
    // (URLs, paths) stays in the log.
    entry["message"] = error.message;
    entry["detail"] = nullptr;
  } else {
    entry["message"] = error.message;
    entry["detail"] = error.detail.empty() ? nlohmann::json(nullptr) : nlohmann::json(error.detail);
  }
  nlohmann::json body;
  body["errors"] = nlohmann::json::array({entry});
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace berth::oci
