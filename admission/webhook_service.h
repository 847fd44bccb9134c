#pragma once

#include <memory>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/metrics.h"
#include "policy/policy.h"

namespace berth::http {
class Router;
}

namespace berth::admission {

// The admission webhooks: POST /mutate and POST /validate (AdmissionReview v1), mounted by the
// server on the HTTPS webhook listener.
class WebhookService {
 public:
  // registryAuthorization: resolverAuthorization(webhook), read once by the caller.
  WebhookService(const common::WebhookConfig& webhook, std::string registryAuthorization,
                 const common::RegistryConfig& registry, policy::PolicySource& policy,
                 common::Logger& logger, common::Metrics& metrics, const common::Clock& clock);
  ~WebhookService();
  WebhookService(const WebhookService&) = delete;
  WebhookService& operator=(const WebhookService&) = delete;

  void registerRoutes(http::Router& router);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::admission
