#pragma once

#include <memory>
#include <string>

#include "common/log.h"
#include "common/result.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace berth::webhook_certs {

// Serves a certificate and key from files and picks up new files without a restart: Kubernetes
// updates mounted Secrets in place. Installed on an SSL_CTX; each new TLS handshake sees the
// newest good pair. A bad new pair keeps the old one and is logged.
class TlsReloader {
 public:
  TlsReloader(std::string certFile, std::string keyFile, common::Logger& logger);
  ~TlsReloader();
  TlsReloader(const TlsReloader&) = delete;
  TlsReloader& operator=(const TlsReloader&) = delete;

  // Loads the pair once; an error here stops the server from starting.
  common::Status loadInitial();
  // Configures the context: TLS 1.2 and 1.3 only, and a certificate callback that installs the
  // current pair. Returns false on failure (the contract of http::ServerOptions::tlsSetup).
  bool configure(SSL_CTX& ctx);
  // Checks the files now; true when a new pair was installed.
  bool checkNow();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::webhook_certs
