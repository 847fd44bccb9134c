#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace berth::common {

// Strict base64 (RFC 4648): the standard alphabet with '=' padding (HTTP Basic credentials,
// AdmissionResponse.patch, Secret data and caBundle fields), the URL-safe alphabet without
// padding (JWT segments). Decoding rejects anything else (whitespace, stray padding, non-zero
// trailing bits) because the input comes from clients.
std::string base64Encode(std::string_view data);
std::optional<std::string> base64Decode(std::string_view text);
std::string base64UrlEncode(std::string_view data);
std::optional<std::string> base64UrlDecode(std::string_view text);

// The HTTP Basic Authorization header value: "Basic " + base64(user:password).
std::string basicAuthorization(std::string_view user, std::string_view password);

}  // namespace berth::common
