#include "common/http/client_httplib_error.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netdb.h>

namespace berth::http {
namespace {

bool isAddressLiteral(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// httplib says "Connection" both when the name does not resolve and when nothing listens;
// asking the resolver again (only after a failure) tells the two apart.
bool resolves(const std::string& host) {
  if (isAddressLiteral(host)) return true;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &result);
  if (result != nullptr) freeaddrinfo(result);
  return rc == 0;
}

}  // namespace

Failure failureOf(httplib::Error error, const Origin& origin, bool stalled) {
  switch (error) {
    case httplib::Error::Connection:
      return resolves(origin.host) ? Failure::Refused : Failure::Unresolved;
    case httplib::Error::ConnectionTimeout:
      return Failure::TimedOut;
    case httplib::Error::Read:
    case httplib::Error::Write:
      return stalled ? Failure::TimedOut : Failure::Broken;
    case httplib::Error::Canceled:
      return Failure::Stopped;
    case httplib::Error::SSLConnection:
      return stalled ? Failure::TimedOut : Failure::TlsHandshake;
    case httplib::Error::SSLServerVerification:
      return Failure::TlsUntrusted;
    case httplib::Error::SSLLoadingCerts:
      return Failure::TlsSetup;
    case httplib::Error::ExceedRedirectCount:
      return Failure::TooManyRedirects;
    default:
      return Failure::Broken;
  }
}

std::string causeOf(httplib::Error error) { return "httplib " + httplib::to_string(error); }

}  // namespace berth::http
