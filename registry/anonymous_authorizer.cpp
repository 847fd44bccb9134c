// TEMPORARY: compiled only while registry/auth.cpp (owned by the auth work stream) does not
// exist, so the registry links and serves anonymously. See registry/CMakeLists.txt.
#include "registry/auth.h"

namespace berth::registry {

namespace {

class AnonymousAuthorizer final : public Authorizer {
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
    return TokenResponse{200, R"({"token":"anonymous","access_token":"anonymous"})", ""};
  }
};

}  // namespace

common::Result<std::unique_ptr<Authorizer>> Authorizer::create(
    const common::RegistryAuthConfig& config, common::Logger& logger) {
  if (!config.htpasswdFile.empty()) {
    logger.error("registry auth is not available in this build",
                 {{"htpasswd", config.htpasswdFile}});
    return common::Error{common::ErrorCode::Unavailable,
                         "registry auth (htpasswd) is not available in this build"};
  }
  return std::unique_ptr<Authorizer>(std::make_unique<AnonymousAuthorizer>());
}

}  // namespace berth::registry
