#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace berth::webhook_certs {

struct CheckRequest {
  std::string certFile;  // PEM: the serving certificate, then any intermediates
  std::string caFile;    // optional: the CA bundle the API server trusts (caBundle)
  std::string service;   // optional, with namespaceName: the Service the API server calls
  std::string namespaceName;
  int minDays = 0;  // fewer days left than this is a problem
};

struct CheckReport {
  std::vector<std::string> facts;     // what was found, for the operator
  std::vector<std::string> problems;  // each a reason to fail
  bool ok() const { return problems.empty(); }
};

// Reports expiry (of the certificate and the CA), the chain to the CA, the Service names
// (NAME.NS.svc is what the API server dials) and the serverAuth usage. An error means a file
// could not be read or holds no certificate.
common::Result<CheckReport> checkCertificate(const CheckRequest& request);

}  // namespace berth::webhook_certs
