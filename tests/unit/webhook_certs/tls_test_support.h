#pragma once

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <string>

#include "webhook-certs/openssl_util.h"

namespace berth::webhook_certs::test {

// Runs a TLS handshake in memory against a server context and returns the serial number of
// the certificate the server presented ("" when the handshake failed).
inline std::string servedSerial(SSL_CTX* serverCtx) {
  SSL_CTX* clientCtx = SSL_CTX_new(TLS_client_method());
  SSL* server = SSL_new(serverCtx);
  SSL* client = SSL_new(clientCtx);
  BIO* serverBio = nullptr;
  BIO* clientBio = nullptr;
  BIO_new_bio_pair(&serverBio, 0, &clientBio, 0);
  SSL_set_bio(server, serverBio, serverBio);
  SSL_set_bio(client, clientBio, clientBio);
  SSL_set_accept_state(server);
  SSL_set_connect_state(client);
  bool done = false;
  for (int i = 0; i < 20 && !done; ++i) {
    const int c = SSL_do_handshake(client);
    const int s = SSL_do_handshake(server);
    done = c == 1 && s == 1;
  }
  std::string serial;
  if (done) {
    X509* peer = SSL_get1_peer_certificate(client);
    if (peer) serial = serialHex(peer);
    X509_free(peer);
  }
  SSL_free(client);
  SSL_free(server);
  SSL_CTX_free(clientCtx);
  opensslErrors();
  return serial;
}

}  // namespace berth::webhook_certs::test
