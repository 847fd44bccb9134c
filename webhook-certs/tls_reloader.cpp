#include "webhook-certs/tls_reloader.h"

#include <openssl/ssl.h>

namespace berth::webhook_certs {

// Placeholder until webhook-certs lands: loads the files once.
struct TlsReloader::Impl {
  std::string certFile;
  std::string keyFile;
};

TlsReloader::TlsReloader(std::string certFile, std::string keyFile, common::Logger&)
    : impl_(std::make_unique<Impl>(Impl{std::move(certFile), std::move(keyFile)})) {}
TlsReloader::~TlsReloader() = default;
common::Status TlsReloader::loadInitial() { return {}; }
bool TlsReloader::configure(SSL_CTX& ctx) {
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  return SSL_CTX_use_certificate_chain_file(&ctx, impl_->certFile.c_str()) == 1 &&
         SSL_CTX_use_PrivateKey_file(&ctx, impl_->keyFile.c_str(), SSL_FILETYPE_PEM) == 1;
}
bool TlsReloader::checkNow() { return false; }

}  // namespace berth::webhook_certs
