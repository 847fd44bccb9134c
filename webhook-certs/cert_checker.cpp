#include "webhook-certs/cert_checker.h"

#include <arpa/inet.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "webhook-certs/cert_generator.h"
#include "webhook-certs/openssl_util.h"

namespace berth::webhook_certs {
namespace {

std::string subjectOf(X509* certificate) {
  char buffer[512];
  X509_NAME_oneline(X509_get_subject_name(certificate), buffer, sizeof(buffer));
  return buffer;
}

struct AltNames {
  std::vector<std::string> dns;
  std::vector<std::string> ips;
};

// An iPAddress SAN as text: 4 bytes are IPv4, 16 IPv6; anything else is shown as such.
std::string ipText(const ASN1_OCTET_STRING* address) {
  const int length = ASN1_STRING_length(address);
  const int family = length == 4 ? AF_INET : length == 16 ? AF_INET6 : 0;
  char text[INET6_ADDRSTRLEN] = {};
  if (family == 0 ||
      inet_ntop(family, ASN1_STRING_get0_data(address), text, sizeof(text)) == nullptr) {
    return "(an address of " + std::to_string(length) + " bytes)";
  }
  return text;
}

AltNames altNames(X509* certificate) {
  AltNames out;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      out.dns.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                           static_cast<size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      out.ips.push_back(ipText(name->d.iPAddress));
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::string listOrNone(const std::vector<std::string>& items) {
  std::string list;
  for (const auto& item : items) list += (list.empty() ? "" : ", ") + item;
  return list.empty() ? "(none)" : list;
}

void checkValidity(X509* certificate, const std::string& what, int minDays, CheckReport& report) {
  const ASN1_TIME* notBefore = X509_get0_notBefore(certificate);
  const ASN1_TIME* notAfter = X509_get0_notAfter(certificate);
  const int days = daysUntil(notAfter);
  report.facts.push_back(what + " valid from " + formatTime(notBefore) + " to " +
                         formatTime(notAfter) + " (" + std::to_string(days) + " days left)");
  if (X509_cmp_current_time(notBefore) > 0) {
    report.problems.push_back(what + " is not valid yet (from " + formatTime(notBefore) + ")");
  }
  if (X509_cmp_current_time(notAfter) < 0) {
    report.problems.push_back(what + " expired on " + formatTime(notAfter));
  } else if (days < minDays) {
    report.problems.push_back(what + " expires in " + std::to_string(days) +
                              " days, fewer than --min-days " + std::to_string(minDays));
  }
}

// Verifies leaf + intermediates up to a CA of the bundle, for TLS server use. Times are checked
// separately above, so they do not hide a broken chain here.
void checkChain(const std::vector<X509Ptr>& chain, const std::vector<X509Ptr>& cas,
                CheckReport& report) {
  X509_STORE* store = X509_STORE_new();
  for (const auto& ca : cas) X509_STORE_add_cert(store, ca.get());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted, chain[i].get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, chain[0].get(), untrusted);
  X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
  if (X509_verify_cert(ctx) == 1) {
    report.facts.push_back("chain: verified against the CA bundle");
  } else {
    const int code = X509_STORE_CTX_get_error(ctx);
    report.problems.push_back(std::string("chain: does not verify against the CA bundle: ") +
                              X509_verify_cert_error_string(code));
  }
  opensslErrors();  // leave nothing behind for the next caller
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);
  X509_STORE_free(store);
}

void checkNames(X509* leaf, const CheckRequest& request, CheckReport& report) {
  const AltNames names = altNames(leaf);
  report.facts.push_back("DNS names: " + listOrNone(names.dns));
  // A webhook or registry reached by an address (clientConfig.url with an IP) needs these.
  report.facts.push_back("IP addresses: " + listOrNone(names.ips));
  if (names.dns.empty()) {
    report.problems.push_back(
        "the certificate has no DNS subjectAltName: the API server ignores the common name");
  }
  if (request.service.empty()) return;
  const std::string dialled = serviceDnsNames(request.service, request.namespaceName)[2];
  if (X509_check_host(leaf, dialled.c_str(), dialled.size(), 0, nullptr) != 1) {
    report.problems.push_back("the certificate does not cover " + dialled +
                              ", the name the API server connects to");
  }
}

}  // namespace

common::Result<CheckReport> checkCertificate(const CheckRequest& request) {
  BERTH_TRY_ASSIGN(const std::string certText, readTextFile(request.certFile));
  BERTH_TRY_ASSIGN(const auto chain, parseCertificates(certText, request.certFile));
  std::vector<X509Ptr> cas;
  if (!request.caFile.empty()) {
    BERTH_TRY_ASSIGN(const std::string caText, readTextFile(request.caFile));
    BERTH_TRY_ASSIGN(cas, parseCertificates(caText, request.caFile));
  }
  CheckReport report;
  X509* leaf = chain[0].get();
  report.facts.push_back("certificate: " + subjectOf(leaf) + ", serial " + serialHex(leaf) +
                         ", SHA-256 " + sha256Fingerprint(leaf));
  checkValidity(leaf, "certificate", request.minDays, report);
  checkNames(leaf, request, report);
  if ((X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) &&
      !(X509_get_extended_key_usage(leaf) & XKU_SSL_SERVER)) {
    report.problems.push_back("the certificate's extended key usage does not allow serverAuth");
  }
  if (cas.empty()) {
    report.facts.push_back("chain: not checked (no --ca)");
    return report;
  }
  for (const auto& ca : cas) {
    checkValidity(ca.get(), "CA " + subjectOf(ca.get()), request.minDays, report);
  }
  checkChain(chain, cas, report);
  return report;
}

}  // namespace berth::webhook_certs
