#include "common/http/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace berth::http {

void TlsContextFree::operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }

TlsContext makeServerTlsContext(const std::function<bool(SSL_CTX&)>& setup) {
  TlsContext ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) {
    ERR_clear_error();
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                  SSL_MODE_RELEASE_BUFFERS);
  if (!setup || !setup(*ctx)) {
    ERR_clear_error();
    return nullptr;
  }
  return ctx;
}

}  // namespace berth::http
