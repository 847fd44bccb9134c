#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace berth::http {

// Why a request got no answer. Every way the transport can fail maps to one of these in one
// place (client_error.cpp), so every caller reports the same failure in the same words.
enum class Failure {
  InvalidRequest,    // refused before sending: bad target, header or method
  Unresolved,        // the host name does not resolve
  Refused,           // nothing accepted the connection (refused, unreachable)
  TimedOut,          // connecting, or a read or write, made no progress within its timeout
  TlsHandshake,      // the TLS handshake failed
  TlsUntrusted,      // the server's certificate or name is not trusted
  TlsSetup,          // the client's TLS settings cannot be used (an unreadable CA file)
  Broken,            // the connection failed mid-exchange
  Stopped,           // the caller stopped it (BodyAction::Stop, a sink or provider said false)
  TooLarge,          // a kept body passed Request::maxBodyBytes
  TooManyRedirects,  // more redirects than ClientOptions::maxRedirects
};

// The words for a failure, which every message of that failure contains.
std::string_view failureText(Failure failure);

// InvalidRequest is InvalidArgument, TooLarge is PayloadTooLarge, the rest Unavailable: the
// peer could not be asked, which callers turn into "try again later".
common::ErrorCode failureCode(Failure failure);

// "<host:port>: <failure text> (<cause>)", with "<METHOD> <target>" as the detail. The cause
// of a transport failure is the httplib error ("httplib Read").
common::Error failureError(Failure failure, std::string_view hostPort, std::string_view cause,
                           std::string detail);

}  // namespace berth::http
