#pragma once

#include <string>
#include <utility>

namespace berth::common {

// Domain error codes. The registry maps them to OCI codes and HTTP statuses in one table
// (common/oci/errors.cpp); other callers turn them into CLI exit codes or admission denials.
enum class ErrorCode {
  Internal,
  InvalidArgument,
  NotFound,
  AlreadyExists,
  PermissionDenied,
  Unauthenticated,
  Unavailable,
  // OCI distribution specific
  NameInvalid,
  NameUnknown,
  ManifestInvalid,
  ManifestUnknown,
  ManifestBlobUnknown,
  BlobUnknown,
  BlobUploadUnknown,
  BlobUploadInvalid,
  DigestInvalid,
  SizeInvalid,
  TagInvalid,
  Unsupported,
  Denied,
  Unauthorized,
  TooManyRequests,
  RangeInvalid,
  PayloadTooLarge,  // a configured size limit (registry.limits.maxBlobBytes): 413 SIZE_INVALID
};

const char* errorCodeName(ErrorCode code);

// A message is always safe to show to a client; internal causes are logged where they are
// converted, never carried here.
struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string message;
  std::string detail;

  Error() = default;
  Error(ErrorCode c, std::string msg, std::string det = {})
      : code(c), message(std::move(msg)), detail(std::move(det)) {}
};

}  // namespace berth::common
