#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/result.h"

namespace berth::registry {

// What a request wants to do to a repository. Catalog listing is Pull on the empty repository.
enum class AccessAction { Pull, Push, Delete };

struct Principal {
  std::string account;  // "" for anonymous
  bool anonymous() const { return account.empty(); }
};

// The outcome of checking one request. On failure, `status` is 401 (no or bad credentials:
// send `challenge` as WWW-Authenticate) or 403 (authenticated, not permitted); `message` is safe
// to show the client.
struct AuthDecision {
  bool allowed = false;
  Principal principal;
  int status = 200;
  std::string challenge;  // the WWW-Authenticate value for a 401
  std::string message;
};

// A response of the token endpoint (GET /v2/token), ready to send.
struct TokenResponse {
  int status = 200;
  std::string body;       // JSON
  std::string challenge;  // WWW-Authenticate for a 401
};

// How the server runs, beyond the config: what the token realm URL needs.
struct AuthorizerOptions {
  bool tls = false;  // the realm is "https://HOST/v2/token" when the registry listens with TLS
};

// Registry authentication and authorisation: anonymous when no htpasswd file is configured;
// otherwise HTTP Basic against bcrypt htpasswd entries and Docker bearer tokens issued by
// /v2/token, with per-repository permissions from config.
class Authorizer {
 public:
  // Reads the htpasswd file and token key and compiles the access rules; errors are startup
  // misconfiguration. The token realm is "http(s)://HOST/v2/token", HOST from each request.
  // `logger` and `clock` (token lifetimes, password cache expiry) must outlive the Authorizer.
  static common::Result<std::unique_ptr<Authorizer>> create(
      const common::RegistryAuthConfig& config, common::Logger& logger, const common::Clock& clock,
      AuthorizerOptions options = {});
  virtual ~Authorizer() = default;

  virtual bool enabled() const = 0;
  // `authorization` is the Authorization header ("" when absent); `host` the request's Host
  // header (for the token realm); `repository` "" for registry-wide requests (GET /v2/,
  // catalog).
  virtual AuthDecision authorize(const std::string& authorization, const std::string& host,
                                 const std::string& repository, AccessAction action) = 0;
  // GET /v2/token?service=...&scope=repository:NAME:pull,push with Basic credentials (or none,
  // for anonymous pull when allowed).
  virtual TokenResponse issueToken(const std::string& authorization,
                                   const std::multimap<std::string, std::string>& query) = 0;
};

}  // namespace berth::registry
