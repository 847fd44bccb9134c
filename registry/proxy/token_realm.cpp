#include "registry/proxy/token_realm.h"

#include <cctype>

namespace berth::registry {

namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string schemeOf(const std::string& url) {
  const size_t end = url.find("://");
  return end == std::string::npos ? std::string() : lower(url.substr(0, end));
}

}  // namespace

std::string urlHost(const std::string& url) {
  const std::string scheme = schemeOf(url);
  if (scheme != "http" && scheme != "https") return {};
  const size_t start = url.find("://") + 3;
  std::string authority = url.substr(start, url.find_first_of("/?#", start) - start);
  // "http://user@host" names host; what is before the last '@' is user info, never a host.
  if (const size_t at = authority.rfind('@'); at != std::string::npos) {
    authority = authority.substr(at + 1);
  }
  std::string host;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return {};
    host = authority.substr(1, close - 1);
  } else {
    host = authority.substr(0, authority.find(':'));
  }
  while (!host.empty() && host.back() == '.') host.pop_back();  // "host." is "host"
  return lower(host);
}

CredentialRoute credentialRoute(const std::string& upstreamBaseUrl, bool upstreamInsecure,
                                const std::string& url) {
  const std::string scheme = schemeOf(url);
  const std::string host = urlHost(url);
  if (host.empty()) return {false, "'" + url + "' is not an http(s) URL with a host"};
  if (scheme == "https") return {true, {}};
  const std::string upstreamHost = urlHost(upstreamBaseUrl);
  if (host != upstreamHost) {
    return {false, "plain HTTP to " + host + ", another host than the upstream's (" + upstreamHost +
                       "): credentials go to other hosts only over HTTPS"};
  }
  if (!upstreamInsecure) {
    return {false, "plain HTTP to " + host +
                       " and the upstream is not configured insecure: credentials go over plain "
                       "HTTP only to an insecure upstream"};
  }
  return {true, {}};
}

}  // namespace berth::registry
