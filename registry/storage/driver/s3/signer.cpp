#include "registry/storage/driver/s3/signer.h"

#include <algorithm>
#include <map>

#include "common/hmac.h"
#include "common/oci/digest.h"

namespace berth::registry::s3 {

namespace {

bool isUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Leading and trailing blanks dropped, inner runs of blanks reduced to one space.
std::string trimValue(std::string_view value) {
  std::string out;
  bool blank = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      blank = !out.empty();
      continue;
    }
    if (blank) out.push_back(' ');
    blank = false;
    out.push_back(c);
  }
  return out;
}

// Lowercase name -> values joined by "," in the order sent.
std::map<std::string, std::string> canonicalHeaders(const NameValues& headers) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : headers) {
    auto [it, added] = out.emplace(lower(name), trimValue(value));
    if (!added) it->second += "," + trimValue(value);
  }
  return out;
}

}  // namespace

std::string uriEncode(std::string_view text, bool encodeSlash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (isUnreserved(c) || (c == '/' && !encodeSlash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string toHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::string sha256Hex(std::string_view data) { return oci::digestOf(data, "sha256").hex; }

std::string canonicalQueryString(const NameValues& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(uriEncode(name, true), uriEncode(value, true));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name + "=" + value;
  }
  return out;
}

std::string signedHeaderList(const NameValues& headers) {
  std::string out;
  for (const auto& [name, value] : canonicalHeaders(headers)) {
    if (!out.empty()) out.push_back(';');
    out += name;
  }
  return out;
}

std::string canonicalRequest(const SigningRequest& request) {
  std::string out = request.method + "\n" + request.canonicalUri + "\n" +
                    canonicalQueryString(request.query) + "\n";
  for (const auto& [name, value] : canonicalHeaders(request.headers)) {
    out += name + ":" + value + "\n";
  }
  out += "\n" + signedHeaderList(request.headers) + "\n" + request.payloadHash;
  return out;
}

std::string credentialScope(std::string_view date, std::string_view region,
                            std::string_view service) {
  return std::string(date) + "/" + std::string(region) + "/" + std::string(service) +
         "/aws4_request";
}

std::string stringToSign(std::string_view amzDate, std::string_view scope,
                         std::string_view canonicalRequest) {
  return "AWS4-HMAC-SHA256\n" + std::string(amzDate) + "\n" + std::string(scope) + "\n" +
         sha256Hex(canonicalRequest);
}

std::string signingKey(std::string_view secretKey, std::string_view date, std::string_view region,
                       std::string_view service) {
  const std::string dateKey = common::hmacSha256("AWS4" + std::string(secretKey), date);
  const std::string regionKey = common::hmacSha256(dateKey, region);
  const std::string serviceKey = common::hmacSha256(regionKey, service);
  return common::hmacSha256(serviceKey, "aws4_request");
}

std::string authorization(const SigningRequest& request, const Credentials& credentials,
                          std::string_view amzDate, std::string_view region,
                          std::string_view service) {
  const std::string_view date = amzDate.substr(0, 8);
  const std::string scope = credentialScope(date, region, service);
  const std::string toSign = stringToSign(amzDate, scope, canonicalRequest(request));
  const std::string signature =
      toHex(common::hmacSha256(signingKey(credentials.secretKey, date, region, service), toSign));
  return "AWS4-HMAC-SHA256 Credential=" + credentials.accessKey + "/" + scope +
         ",SignedHeaders=" + signedHeaderList(request.headers) + ",Signature=" + signature;
}

}  // namespace berth::registry::s3
