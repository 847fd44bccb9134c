#include "common/error.h"

namespace berth::common {

const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::Internal:
      return "INTERNAL";
    case ErrorCode::InvalidArgument:
      return "INVALID_ARGUMENT";
    case ErrorCode::NotFound:
      return "NOT_FOUND";
    case ErrorCode::AlreadyExists:
      return "ALREADY_EXISTS";
    case ErrorCode::PermissionDenied:
      return "PERMISSION_DENIED";
    case ErrorCode::Unauthenticated:
      return "UNAUTHENTICATED";
    case ErrorCode::Unavailable:
      return "UNAVAILABLE";
    case ErrorCode::NameInvalid:
      return "NAME_INVALID";
    case ErrorCode::NameUnknown:
      return "NAME_UNKNOWN";
    case ErrorCode::ManifestInvalid:
      return "MANIFEST_INVALID";
    case ErrorCode::ManifestUnknown:
      return "MANIFEST_UNKNOWN";
    case ErrorCode::ManifestBlobUnknown:
      return "MANIFEST_BLOB_UNKNOWN";
    case ErrorCode::BlobUnknown:
      return "BLOB_UNKNOWN";
    case ErrorCode::BlobUploadUnknown:
      return "BLOB_UPLOAD_UNKNOWN";
    case ErrorCode::BlobUploadInvalid:
      return "BLOB_UPLOAD_INVALID";
    case ErrorCode::DigestInvalid:
      return "DIGEST_INVALID";
    case ErrorCode::SizeInvalid:
      return "SIZE_INVALID";
    case ErrorCode::TagInvalid:
      return "TAG_INVALID";
    case ErrorCode::Unsupported:
      return "UNSUPPORTED";
    case ErrorCode::Denied:
      return "DENIED";
    case ErrorCode::Unauthorized:
      return "UNAUTHORIZED";
    case ErrorCode::TooManyRequests:
      return "TOOMANYREQUESTS";
    case ErrorCode::RangeInvalid:
      return "RANGE_INVALID";
    case ErrorCode::PayloadTooLarge:
      return "PAYLOAD_TOO_LARGE";
  }
  return "INTERNAL";
}

}  // namespace berth::common
