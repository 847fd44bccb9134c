#include "admission/webhook_service.h"

#include <httplib.h>

namespace berth::admission {

// Placeholder until the webhooks land.
struct WebhookService::Impl {};

WebhookService::WebhookService(const common::WebhookConfig&, const common::PolicyConfig&,
                               const common::RegistryConfig&, policy::PolicySource&,
                               common::Logger&, common::Metrics&)
    : impl_(std::make_unique<Impl>()) {}
WebhookService::~WebhookService() = default;
void WebhookService::registerRoutes(httplib::Server&) {}

}  // namespace berth::admission
