#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace berth::webhook_certs {

enum class KeyType { Ecdsa, Rsa };  // ECDSA P-256, RSA 2048

struct CertificateRequest {
  std::string service;
  std::string namespaceName;
  std::vector<std::string> extraDnsNames;
  int days = 365;
  KeyType keyType = KeyType::Ecdsa;
  // IP addresses, for a webhook the API server reaches by URL (clientConfig.url) or a registry
  // on 127.0.0.1; validated by the caller.
  std::vector<std::string> ipAddresses;
};

// PEM texts of a new CA and of a serving certificate it signed.
struct GeneratedCertificates {
  std::string caCertPem;
  std::string caKeyPem;
  std::string certPem;
  std::string keyPem;
};

// The names the API server may use for a Service: NAME, NAME.NS, NAME.NS.svc and
// NAME.NS.svc.cluster.local.
std::vector<std::string> serviceDnsNames(const std::string& service,
                                         const std::string& namespaceName);

// An RFC 1123 label (Service and Namespace names): [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63.
bool isDnsLabel(std::string_view text);
// A DNS name of such labels, at most 253 characters; "*." may start it (a wildcard).
bool isDnsName(std::string_view text);

// Both certificates are valid from five minutes ago (clock skew between nodes) for `days` days.
// The serving certificate carries the Service's names plus the extra ones as DNS SANs, the
// serverAuth extended key usage, and is signed by the CA with SHA-256.
common::Result<GeneratedCertificates> generateCertificates(const CertificateRequest& request);

}  // namespace berth::webhook_certs
