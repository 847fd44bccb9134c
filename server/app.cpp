#include "server/app.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "admission/digest_resolver.h"
#include "admission/webhook_service.h"
#include "common/clock.h"
#include "common/http/router.h"
#include "node/node_proxy.h"
#include "policy/loader.h"
#include "policy/watcher.h"
#include "registry/api/registry_service.h"
#include "server/listener.h"
#include "server/node_proxy_assembly.h"
#include "server/registry_assembly.h"

namespace berth::server {
namespace {

size_t defaultThreads(int64_t configured, size_t fallback) {
  if (configured > 0) return static_cast<size_t>(configured);
  return fallback;
}

// /healthz answers while the process runs; /readyz once everything has started; /metrics always.
void addOperationalRoutes(http::Router& router, const std::atomic<bool>& ready,
                          common::Metrics& metrics) {
  router.add("GET", "/healthz",
             [](const http::ServerRequest&, http::ServerResponse& res, http::BodyReader&) {
               res.setContent("ok\n", "text/plain");
             });
  router.add("GET", "/readyz",
             [&ready](const http::ServerRequest&, http::ServerResponse& res, http::BodyReader&) {
               if (ready.load()) {
                 res.setContent("ok\n", "text/plain");
               } else {
                 res.status = 503;
                 res.setContent("starting\n", "text/plain");
               }
             });
  router.add("GET", "/metrics",
             [&metrics](const http::ServerRequest&, http::ServerResponse& res, http::BodyReader&) {
               res.setContent(metrics.render(), "text/plain; version=0.0.4");
             });
}

}  // namespace

struct App::Impl {
  Impl(common::Config c, common::Logger& l) : config(std::move(c)), logger(l) {}
  common::Config config;
  common::Logger& logger;
  common::Metrics metrics;
  common::SystemClock clock;  // the process's one clock, passed down
  std::atomic<bool> ready{false};
  std::unique_ptr<policy::PolicyWatcher> policy;
  std::unique_ptr<RegistryAssembly> registry;
  std::unique_ptr<admission::WebhookService> webhook;
  std::unique_ptr<Listener> registryListener;
  std::unique_ptr<Listener> webhookListener;
  std::unique_ptr<NodeProxyAssembly> nodeProxy;
  std::unique_ptr<Listener> nodeProxyListener;
  common::RegistryConfig selfRegistry;  // the registry as the webhook reaches it
  int registryPort = 0;
  int webhookPort = 0;
  int nodeProxyPort = 0;

  common::Status startNodeProxy();
};

// Node-proxy mode runs only the pull-only endpoint: no registry listener (its port must stay
// free on the host network), no webhook, no policy.
common::Status App::Impl::startNodeProxy() {
  BERTH_TRY_ASSIGN(nodeProxy, NodeProxyAssembly::open(config.nodeProxy, logger, metrics, clock));
  nodeProxyListener = std::make_unique<Listener>(
      Listener::Options{
          "node-proxy", config.nodeProxy.listen, {}, defaultThreads(config.nodeProxy.threads, 64)},
      logger);
  BERTH_TRY(nodeProxyListener->prepare());
  addOperationalRoutes(nodeProxyListener->router(), ready, metrics);
  nodeProxy->service().registerRoutes(nodeProxyListener->router());
  BERTH_TRY_ASSIGN(nodeProxyPort, nodeProxyListener->bind());
  BERTH_TRY(nodeProxyListener->startServing());
  logger.info("listening", {{"listener", "node-proxy"},
                            {"address", config.nodeProxy.listen},
                            {"port", nodeProxyPort},
                            {"registry", config.nodeProxy.upstreamRegistry}});
  ready = true;
  return {};
}

App::App(common::Config config, common::Logger& logger)
    : impl_(std::make_unique<Impl>(std::move(config), logger)) {}

App::~App() { stop(); }

common::Status App::check() {
  auto& s = *impl_;
  if (s.config.nodeProxy.enabled()) return {};
  BERTH_TRY(policy::loadPolicyPath(s.config.policy.path, policy::loadOptionsFor(s.config)));
  return RegistryAssembly::validate(s.config.registry, s.logger);
}

common::Status App::start() {
  auto& s = *impl_;
  if (s.config.nodeProxy.enabled()) return s.startNodeProxy();
  s.policy = std::make_unique<policy::PolicyWatcher>(
      s.config.policy.path, policy::loadOptionsFor(s.config), s.logger, s.metrics);
  BERTH_TRY(s.policy->loadInitial());
  if (!s.config.policy.path.empty()) {
    s.policy->start(
        std::chrono::seconds(std::max<int64_t>(1, s.config.policy.reloadIntervalSeconds)));
  }

  BERTH_TRY_ASSIGN(s.registry, RegistryAssembly::open(s.config.registry, *s.policy, s.logger,
                                                      s.metrics, s.clock));
  Listener::Options registryOptions{"registry", s.config.registry.listen, s.config.registry.tls,
                                    defaultThreads(s.config.registry.threads, 64)};
  registryOptions.readTimeoutSeconds = s.config.registry.readTimeoutSeconds;
  s.registryListener = std::make_unique<Listener>(std::move(registryOptions), s.logger);
  BERTH_TRY(s.registryListener->prepare());
  addOperationalRoutes(s.registryListener->router(), s.ready, s.metrics);
  s.registry->service().registerRoutes(s.registryListener->router());
  BERTH_TRY_ASSIGN(s.registryPort, s.registryListener->bind());

  if (s.config.webhook.tls.enabled()) {
    // Pinning asks this process's own registry unless webhook.registryUrl says otherwise: use
    // the port actually bound (the configured one may be 0) and loopback for a wildcard host.
    s.selfRegistry = s.config.registry;
    if (auto hp = common::parseHostPort(s.config.registry.listen)) {
      const bool wildcard = hp->host == "0.0.0.0" || hp->host == "::" || hp->host.empty();
      const std::string host = wildcard                                  ? "127.0.0.1"
                               : hp->host.find(':') != std::string::npos ? "[" + hp->host + "]"
                                                                         : hp->host;
      s.selfRegistry.listen = host + ":" + std::to_string(s.registryPort);
    }
    BERTH_TRY_ASSIGN(std::string resolverAuthorization,
                     admission::resolverAuthorization(s.config.webhook));
    s.webhook = std::make_unique<admission::WebhookService>(
        s.config.webhook, std::move(resolverAuthorization), s.selfRegistry, *s.policy, s.logger,
        s.metrics, s.clock);
    Listener::Options webhookOptions{"webhook", s.config.webhook.listen, s.config.webhook.tls,
                                     defaultThreads(s.config.webhook.threads, 32)};
    webhookOptions.readTimeoutSeconds = s.config.webhook.readTimeoutSeconds;
    s.webhookListener = std::make_unique<Listener>(std::move(webhookOptions), s.logger);
    BERTH_TRY(s.webhookListener->prepare());
    addOperationalRoutes(s.webhookListener->router(), s.ready, s.metrics);
    s.webhook->registerRoutes(s.webhookListener->router());
    BERTH_TRY_ASSIGN(s.webhookPort, s.webhookListener->bind());
  }

  BERTH_TRY(s.registryListener->startServing());
  s.logger.info("listening", {{"listener", "registry"},
                              {"address", s.config.registry.listen},
                              {"port", s.registryPort},
                              {"tls", s.config.registry.tls.enabled()}});
  if (s.webhookListener) {
    BERTH_TRY(s.webhookListener->startServing());
    s.logger.info("listening", {{"listener", "webhook"},
                                {"address", s.config.webhook.listen},
                                {"port", s.webhookPort},
                                {"tls", true}});
  } else {
    s.logger.info("webhook disabled: no webhook TLS certificate and key configured");
  }
  s.ready = true;
  return {};
}

int App::serveUntilSignalled(const std::string& readyFile) {
  auto& s = *impl_;
  if (!readyFile.empty()) {
    // Written to a temporary name and renamed, so a test never reads half of it.
    const std::string tmp = readyFile + ".tmp";
    // In node-proxy mode "registryPort" is the node proxy's: it is what clients pull from.
    std::ofstream(tmp) << "{\"registryPort\":"
                       << (s.nodeProxyListener ? s.nodeProxyPort : s.registryPort)
                       << ",\"webhookPort\":" << s.webhookPort
                       << ",\"nodeProxyPort\":" << s.nodeProxyPort << "}\n";
    std::rename(tmp.c_str(), readyFile.c_str());
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  while (true) {
    const timespec tick{1, 0};
    const int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      s.logger.info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      break;
    }
    if (sig == SIGHUP && s.policy) s.policy->checkNow();
    // Mounted Secrets change in place: look for new certificates once a second.
    if (s.registryListener) s.registryListener->checkTls();
    if (s.webhookListener) s.webhookListener->checkTls();
  }
  stop();
  s.logger.info("stopped");
  return 0;
}

void App::stop() {
  auto& s = *impl_;
  s.ready = false;
  if (s.nodeProxyListener) s.nodeProxyListener->stop();
  if (s.nodeProxy) s.nodeProxy->stop();
  if (s.webhookListener) s.webhookListener->stop();
  if (s.registryListener) s.registryListener->stop();
  if (s.registry) s.registry->stop();
  if (s.policy) s.policy->stop();
}

}  // namespace berth::server
