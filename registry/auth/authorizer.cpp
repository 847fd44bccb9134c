#include "registry/auth/authorizer.h"

#include <ctime>

#include <nlohmann/json.hpp>

#include "registry/auth/access.h"
#include "registry/auth/challenge.h"
#include "registry/auth/header.h"
#include "registry/auth/password.h"
#include "registry/auth/scope.h"
#include "registry/auth/token_key.h"
#include "registry/auth/token_signer.h"

namespace berth::registry {
namespace {

using common::Error;
using common::ErrorCode;
using TimePoint = std::chrono::system_clock::time_point;

// Beyond this a token request is abuse, not a client: docker asks for one to three scopes.
constexpr size_t kMaxScopesPerToken = 32;

int64_t epochSeconds(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

std::string rfc3339(int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

// The Host header goes into a response header: anything but a plain host[:port] is replaced.
std::string safeHost(const std::string& host) {
  if (host.empty() || host.size() > 255) return "localhost";
  for (char c : host) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_';
    if (!ok) return "localhost";
  }
  return host;
}

// Docker clients ask for pull and push together when pushing, so the challenge does too.
std::string challengeActions(AccessAction action) {
  switch (action) {
    case AccessAction::Pull:
      return "pull";
    case AccessAction::Push:
      return "pull,push";
    case AccessAction::Delete:
      return "delete";
  }
  return "pull";
}

// "push to repository 'team/app'", for messages that say exactly what was refused.
std::string describe(AccessAction action, const std::string& repository) {
  const char* preposition = action == AccessAction::Push ? " to" : " from";
  return std::string(actionName(action)) + preposition + " repository '" + repository + "'";
}

std::string errorBody(const char* code, const std::string& message) {
  const nlohmann::json body = {
      {"errors", nlohmann::json::array({{{"code", code}, {"message", message}}})}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// No htpasswd file: every request is an anonymous request that may do anything.
class OpenAuthorizer final : public Authorizer {
 public:
  bool enabled() const override { return false; }
  AuthDecision authorize(const std::string&, const std::string&, const std::string&,
                         AccessAction) override {
    AuthDecision decision;
    decision.allowed = true;
    return decision;
  }
  TokenResponse issueToken(const std::string&,
                           const std::multimap<std::string, std::string>&) override {
    return {404, errorBody("UNSUPPORTED", "token authentication is not enabled"), {}};
  }
};

// Who made a request, once credentials have been checked.
struct Identity {
  Credentials::Scheme scheme = Credentials::Scheme::None;
  Principal principal;
  TokenClaims claims;  // Bearer only
};

class HtpasswdAuthorizer final : public Authorizer {
 public:
  HtpasswdAuthorizer(const common::RegistryAuthConfig& config, common::Logger& logger,
                     const common::Clock& clock, AuthorizerOptions options, AccessPolicy policy,
                     std::unique_ptr<PasswordChecker> passwords, std::string key)
      : config_(config),
        logger_(logger),
        clock_(clock),
        options_(options),
        policy_(std::move(policy)),
        passwords_(std::move(passwords)),
        signer_(std::move(key)) {}

  bool enabled() const override { return true; }
  AuthDecision authorize(const std::string& authorization, const std::string& host,
                         const std::string& repository, AccessAction action) override;
  TokenResponse issueToken(const std::string& authorization,
                           const std::multimap<std::string, std::string>& query) override;

 private:
  TimePoint now() const { return clock_.now(); }
  std::string challenge(const std::string& host, const std::string& repository, AccessAction action,
                        const std::string& error) const;
  AuthDecision deny(int status, std::string message, std::string challengeValue) const;
  // What an identified client may do; authorize() adds who it is.
  AuthDecision decide(const Identity& identity, const std::string& host,
                      const std::string& repository, AccessAction action) const;
  common::Result<Identity> identify(const Credentials& credentials);
  ActionSet tokenGrants(const TokenClaims& claims, const std::string& repository) const;

  const common::RegistryAuthConfig config_;
  common::Logger& logger_;
  const common::Clock& clock_;
  const AuthorizerOptions options_;
  const AccessPolicy policy_;
  std::unique_ptr<PasswordChecker> passwords_;
  const TokenSigner signer_;
};

std::string HtpasswdAuthorizer::challenge(const std::string& host, const std::string& repository,
                                          AccessAction action, const std::string& error) const {
  AuthChallenge value;
  value.scheme = "Bearer";
  const std::string scheme = options_.tls ? "https://" : "http://";
  value.params.emplace_back("realm", scheme + safeHost(host) + "/v2/token");
  value.params.emplace_back("service", config_.realm);
  if (!repository.empty()) {
    value.params.emplace_back("scope", "repository:" + repository + ":" + challengeActions(action));
  }
  if (!error.empty()) value.params.emplace_back("error", error);
  return formatChallenge(value);
}

AuthDecision HtpasswdAuthorizer::deny(int status, std::string message,
                                      std::string challengeValue) const {
  AuthDecision decision;
  decision.status = status;
  decision.message = std::move(message);
  decision.challenge = std::move(challengeValue);
  return decision;
}

common::Result<Identity> HtpasswdAuthorizer::identify(const Credentials& credentials) {
  Identity identity;
  identity.scheme = credentials.scheme;
  switch (credentials.scheme) {
    case Credentials::Scheme::None:
      return identity;
    case Credentials::Scheme::Basic:
      if (!passwords_->check(credentials.user, credentials.password, now())) {
        logger_.info("registry authentication failed", {{"user", credentials.user}});
        return Error{ErrorCode::Unauthenticated, "invalid user name or password"};
      }
      identity.principal.account = credentials.user;
      return identity;
    case Credentials::Scheme::Bearer: {
      TokenExpectations expected{config_.tokenIssuer, config_.realm, epochSeconds(now())};
      BERTH_TRY_ASSIGN(identity.claims, signer_.verify(credentials.token, expected));
      if (!identity.claims.subject.empty() && !passwords_->knows(identity.claims.subject)) {
        return Error{ErrorCode::Unauthenticated, "the token's user no longer exists"};
      }
      identity.principal.account = identity.claims.subject;
      return identity;
    }
  }
  return identity;
}

ActionSet HtpasswdAuthorizer::tokenGrants(const TokenClaims& claims,
                                          const std::string& repository) const {
  ActionSet granted = 0;
  for (const TokenAccess& access : claims.access) {
    if (access.type != "repository" || access.name != repository) continue;
    for (const std::string& name : access.actions) granted |= parseActionName(name).value_or(0);
  }
  // Rules may have tightened since the token was issued (another replica, a restart).
  return granted & policy_.permitted(claims.subject, repository);
}

AuthDecision HtpasswdAuthorizer::authorize(const std::string& authorization,
                                           const std::string& host, const std::string& repository,
                                           AccessAction action) {
  auto credentials = parseAuthorization(authorization);
  if (!credentials) {
    return deny(401, credentials.error().message,
                challenge(host, repository, action, "invalid_request"));
  }
  auto identified = identify(*credentials);
  if (!identified) {
    const bool bearer = credentials->scheme == Credentials::Scheme::Bearer;
    return deny(401, identified.error().message,
                challenge(host, repository, action, bearer ? "invalid_token" : ""));
  }
  // Refusals name the client too: the audit log records who was refused.
  AuthDecision decision = decide(*identified, host, repository, action);
  decision.principal = identified->principal;
  return decision;
}

AuthDecision HtpasswdAuthorizer::decide(const Identity& identity, const std::string& host,
                                        const std::string& repository, AccessAction action) const {
  const Principal& who = identity.principal;
  if (repository.empty()) {
    // Registry-wide requests (the /v2/ ping, the catalog) need a signed-in user or a token, even
    // with anonymousPull: clients learn from this 401 where to get tokens.
    if (identity.scheme == Credentials::Scheme::None) {
      return deny(401, "authentication required", challenge(host, repository, action, ""));
    }
    AuthDecision decision;
    decision.allowed = true;
    return decision;
  }
  const ActionSet needed = actionBit(action);
  const ActionSet permitted = policy_.permitted(who.account, repository);
  const ActionSet have = identity.scheme == Credentials::Scheme::Bearer
                             ? tokenGrants(identity.claims, repository)
                             : permitted;
  if ((have & needed) != 0) {
    AuthDecision decision;
    decision.allowed = true;
    return decision;
  }
  const std::string what = describe(action, repository);
  if (identity.scheme == Credentials::Scheme::Bearer) {
    // The user may do it but asked for a narrower token: 401 makes clients fetch a new one.
    if (who.anonymous() || (permitted & needed) != 0) {
      return deny(401,
                  who.anonymous() ? "authentication required" : "the token does not cover " + what,
                  challenge(host, repository, action, "insufficient_scope"));
    }
    return deny(403, "user '" + who.account + "' may not " + what,
                challenge(host, repository, action, "insufficient_scope"));
  }
  if (who.anonymous()) {
    return deny(401, "authentication required", challenge(host, repository, action, ""));
  }
  return deny(403, "user '" + who.account + "' may not " + what, "");
}

TokenResponse HtpasswdAuthorizer::issueToken(const std::string& authorization,
                                             const std::multimap<std::string, std::string>& query) {
  const std::string basicChallenge = formatChallenge({"Basic", {{"realm", config_.realm}}, {}});
  if (auto it = query.find("service"); it != query.end() && it->second != config_.realm) {
    return {400,
            errorBody("UNSUPPORTED", "unknown service; this registry is '" + config_.realm + "'"),
            {}};
  }
  auto credentials = parseAuthorization(authorization);
  if (!credentials) {
    return {401, errorBody("UNAUTHORIZED", credentials.error().message), basicChallenge};
  }
  if (credentials->scheme == Credentials::Scheme::Bearer) {
    return {401, errorBody("UNAUTHORIZED", "the token endpoint takes Basic credentials"),
            basicChallenge};
  }
  const TimePoint issued = now();
  std::string account;
  if (credentials->scheme == Credentials::Scheme::Basic) {
    if (!passwords_->check(credentials->user, credentials->password, issued)) {
      logger_.info("registry authentication failed", {{"user", credentials->user}});
      return {401, errorBody("UNAUTHORIZED", "invalid user name or password"), basicChallenge};
    }
    account = credentials->user;
  }
  std::vector<std::string> scopeTexts;
  for (auto [it, end] = query.equal_range("scope"); it != end; ++it) {
    scopeTexts.push_back(it->second);
  }
  auto scopes = parseScopes(scopeTexts);
  if (!scopes) return {400, errorBody("UNSUPPORTED", scopes.error().message), {}};
  if (scopes->size() > kMaxScopesPerToken) {
    return {400,
            errorBody("UNSUPPORTED",
                      "too many scopes (at most " + std::to_string(kMaxScopesPerToken) + ")"),
            {}};
  }
  // Merge repeated repositories; grant the intersection of requested and permitted actions.
  std::map<std::string, ActionSet> grants;
  for (const Scope& scope : *scopes) {
    if (scope.type != "repository") continue;
    ActionSet requested = 0;
    for (const std::string& name : scope.actions) requested |= parseActionName(name).value_or(0);
    const ActionSet granted = requested & policy_.permitted(account, scope.name);
    if (granted != 0) grants[scope.name] |= granted;
  }
  TokenClaims claims;
  claims.issuer = config_.tokenIssuer;
  claims.subject = account;
  claims.audience = config_.realm;
  claims.id = randomHex(16);
  claims.issuedAt = epochSeconds(issued);
  claims.notBefore = claims.issuedAt;
  claims.expiresAt = claims.issuedAt + config_.tokenTtlSeconds;
  for (const auto& [name, actions] : grants) {
    claims.access.push_back({"repository", name, actionNames(actions)});
  }
  const std::string token = signer_.sign(claims);
  const nlohmann::json body = {{"token", token},
                               {"access_token", token},
                               {"expires_in", config_.tokenTtlSeconds},
                               {"issued_at", rfc3339(claims.issuedAt)}};
  logger_.debug("registry token issued",
                {{"user", account}, {"jti", claims.id}, {"grants", claims.access.size()}});
  return {200, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}};
}

}  // namespace

common::Result<std::unique_ptr<Authorizer>> Authorizer::create(
    const common::RegistryAuthConfig& config, common::Logger& logger, const common::Clock& clock,
    AuthorizerOptions options) {
  if (config.htpasswdFile.empty()) return std::unique_ptr<Authorizer>(new OpenAuthorizer());
  if (config.tokenTtlSeconds <= 0) {
    return Error{ErrorCode::InvalidArgument, "registry.auth.tokenTtl must be positive"};
  }
  AccessPolicy policy;
  BERTH_TRY_ASSIGN(policy, AccessPolicy::compile(config));
  std::unique_ptr<HtpasswdFile> file;
  BERTH_TRY_ASSIGN(file, HtpasswdFile::open(config.htpasswdFile, logger));
  std::string key;
  if (config.tokenKeyFile.empty()) {
    key = randomTokenKey();
  } else {
    BERTH_TRY_ASSIGN(key, loadTokenKey(config.tokenKeyFile));
  }
  return std::unique_ptr<Authorizer>(
      new HtpasswdAuthorizer(config, logger, clock, options, std::move(policy),
                             std::make_unique<PasswordChecker>(std::move(file)), std::move(key)));
}

}  // namespace berth::registry
