#pragma once

#include <functional>
#include <memory>

typedef struct ssl_ctx_st SSL_CTX;

namespace berth::http {

struct TlsContextFree {
  void operator()(SSL_CTX* ctx) const;
};
using TlsContext = std::unique_ptr<SSL_CTX, TlsContextFree>;

// A server context: TLS 1.2 and newer, no compression or renegotiation, record buffers freed
// while a connection is idle (thousands of idle keep-alive connections), partial writes; then
// `setup` installs the certificate. Null when OpenSSL or `setup` fails.
TlsContext makeServerTlsContext(const std::function<bool(SSL_CTX&)>& setup);

}  // namespace berth::http
