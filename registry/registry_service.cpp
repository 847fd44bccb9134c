#include "registry/registry_service.h"

#include <httplib.h>

namespace berth::registry {

// Placeholder until the registry lands: answers /v2/ only.
struct RegistryService::Impl {
  const common::RegistryConfig& config;
};

RegistryService::RegistryService(const common::RegistryConfig& config, policy::PolicySource&,
                                 common::Logger&, common::Metrics&)
    : impl_(std::make_unique<Impl>(Impl{config})) {}
RegistryService::~RegistryService() = default;
common::Status RegistryService::open() { return {}; }
void RegistryService::registerRoutes(httplib::Server& server) {
  server.Get("/v2/", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Docker-Distribution-API-Version", "registry/2.0");
    res.set_content("{}", "application/json");
  });
}
void RegistryService::stop() {}

}  // namespace berth::registry
