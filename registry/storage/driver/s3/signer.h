#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace berth::registry::s3 {

struct Credentials {
  std::string accessKey;
  std::string secretKey;
  std::string sessionToken;  // temporary credentials only; sent as x-amz-security-token
};

using NameValues = std::vector<std::pair<std::string, std::string>>;

// The payload hash of a request whose body is not signed (the TLS channel protects it).
constexpr const char* kUnsignedPayload = "UNSIGNED-PAYLOAD";

// Percent-encoding of Signature Version 4: A-Z a-z 0-9 - _ . ~ stay, every other byte becomes
// %XX (upper case); "/" stays only in paths (encodeSlash false). S3 object keys are encoded
// once, never twice, unlike the other AWS services.
std::string uriEncode(std::string_view text, bool encodeSlash);

std::string sha256Hex(std::string_view data);
std::string toHex(std::string_view bytes);

// One request as it will be sent: the path already encoded with uriEncode(key, false), the
// query and the headers raw. The sender must send exactly these headers and this query (the
// query in canonicalQueryString order, so what is signed is what is sent).
struct SigningRequest {
  std::string method;
  std::string canonicalUri;
  NameValues query;
  NameValues headers;       // host and x-amz-date included; any case
  std::string payloadHash;  // sha256Hex(body) or kUnsignedPayload
};

// The steps of the algorithm, public so each can be checked against AWS's published examples.
std::string canonicalQueryString(const NameValues& query);
std::string signedHeaderList(const NameValues& headers);
std::string canonicalRequest(const SigningRequest& request);
std::string credentialScope(std::string_view date, std::string_view region,
                            std::string_view service);
std::string stringToSign(std::string_view amzDate, std::string_view scope,
                         std::string_view canonicalRequest);
std::string signingKey(std::string_view secretKey, std::string_view date, std::string_view region,
                       std::string_view service);  // raw bytes

// The Authorization header value. `amzDate` is the request's x-amz-date ("20130524T000000Z").
std::string authorization(const SigningRequest& request, const Credentials& credentials,
                          std::string_view amzDate, std::string_view region,
                          std::string_view service = "s3");

}  // namespace berth::registry::s3
