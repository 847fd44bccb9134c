#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace berth::http {

// How an https origin is authenticated; ignored for http.
struct TlsOptions {
  // PEM bundle of the CAs to trust; empty: the system's trust store.
  std::string caFile;
  // No certificate or host name check at all: only for a peer an operator marked insecure, or
  // this process's own listener reached over loopback under a name its certificate lacks.
  bool insecureSkipVerify = false;
};

// Settings of one http::Client, fixed for its life.
struct ClientOptions {
  std::chrono::milliseconds connectTimeout{std::chrono::seconds(10)};
  // The longest wait for one read or write to make progress, not a bound on the whole
  // exchange: a slow blob keeps streaming as long as bytes keep coming.
  std::chrono::milliseconds readTimeout{std::chrono::seconds(60)};
  std::chrono::milliseconds writeTimeout{std::chrono::seconds(60)};
  TlsOptions tls;
  // Redirects followed for GET and HEAD (never for a request with a body); 0 hands every 3xx
  // to the caller. Authorization is dropped once a redirect leaves the client's origin.
  int maxRedirects = 0;
  // Kept-alive connections parked for reuse; more may be open while requests run at once.
  size_t maxIdleConnections = 4;
  // cpp-httplib offers gzip, deflate and br and decodes an encoded answer; off, the body
  // arrives byte for byte as sent (a Range or a signed payload must not be re-encoded).
  bool decompress = true;
};

}  // namespace berth::http
