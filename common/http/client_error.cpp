#include "common/http/client_error.h"

namespace berth::http {

std::string_view failureText(Failure failure) {
  switch (failure) {
    case Failure::InvalidRequest:
      return "request refused before sending";
    case Failure::Unresolved:
      return "host name does not resolve";
    case Failure::Refused:
      return "connection refused";
    case Failure::TimedOut:
      return "timed out";
    case Failure::TlsHandshake:
      return "TLS handshake failed";
    case Failure::TlsUntrusted:
      return "TLS certificate not trusted";
    case Failure::TlsSetup:
      return "TLS settings unusable";
    case Failure::Broken:
      return "connection broken";
    case Failure::Stopped:
      return "stopped by the caller";
    case Failure::TooLarge:
      return "answer larger than the limit";
    case Failure::TooManyRedirects:
      return "too many redirects";
  }
  return "connection broken";
}

common::ErrorCode failureCode(Failure failure) {
  switch (failure) {
    case Failure::InvalidRequest:
      return common::ErrorCode::InvalidArgument;
    case Failure::TooLarge:
      return common::ErrorCode::PayloadTooLarge;
    default:
      return common::ErrorCode::Unavailable;
  }
}

common::Error failureError(Failure failure, std::string_view hostPort, std::string_view cause,
                           std::string detail) {
  std::string message = std::string(hostPort) + ": " + std::string(failureText(failure));
  if (!cause.empty()) message += " (" + std::string(cause) + ")";
  return common::Error{failureCode(failure), std::move(message), std::move(detail)};
}

}  // namespace berth::http
