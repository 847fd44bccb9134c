#include <signal.h>

#include <iostream>

#include "common/args.h"
#include "common/config.h"
#include "common/log.h"
#include "policy/loader.h"
#include "server/app.h"
#include "server/commands.h"

namespace berth::server {
namespace {

common::Args serveArgs() {
  return common::Args(
      "berth serve [--config FILE] [FLAGS]",
      "Runs the registry and, when a webhook certificate is set, the admission webhooks.\n"
      "Flags override the config file; every flag is also a config key (see README).",
      {
          {"config", "FILE", "YAML config file (unknown keys are errors)"},
          {"check-config", "", "load and validate the config and policy, then exit"},
          {"registry-listen", "HOST:PORT", "registry address (default 127.0.0.1:5000)"},
          {"storage", "DIR", "registry storage directory (default ./berth-data)"},
          {"policy", "DIR_OR_FILE", "policy file or directory (default: allow everything)"},
          {"rewrite-target", "HOST[:PORT][/PATH]", "default rewrite target (localhost:5005)"},
          {"webhook-listen", "HOST:PORT", "webhook address (default 127.0.0.1:8443)"},
          {"webhook-tls-cert", "FILE", "webhook serving certificate (PEM)"},
          {"webhook-tls-key", "FILE", "webhook private key (PEM)"},
          {"tls-cert", "FILE", "registry TLS certificate (PEM)"},
          {"tls-key", "FILE", "registry TLS private key (PEM)"},
          {"htpasswd", "FILE", "htpasswd file (bcrypt) enabling registry auth"},
          {"audit-log", "FILE", "audit log path, '-' for standard output"},
          {"log-level", "LEVEL", "debug, info, warn or error (default info)"},
          {"ready-file", "FILE", "write the bound ports as JSON here once serving"},
          {"proxy-upstream", "HOST=URL",
           "pull-through cache of an upstream registry (plain http:// implies insecure)", true},
          {"node-proxy-listen", "HOST:PORT",
           "run ONLY the node-local pull-only endpoint here (no registry, no webhook)"},
          {"upstream-registry", "URL", "the registry the node-local endpoint forwards to"},
      });
}

void applyFlags(const common::Args& args, common::Config& config) {
  auto set = [&](const char* flag, std::string& field) {
    if (auto v = args.get(flag)) field = *v;
  };
  set("registry-listen", config.registry.listen);
  set("storage", config.registry.storage);
  set("policy", config.policy.path);
  set("rewrite-target", config.policy.rewriteTarget);
  set("webhook-listen", config.webhook.listen);
  set("webhook-tls-cert", config.webhook.tls.certFile);
  set("webhook-tls-key", config.webhook.tls.keyFile);
  set("tls-cert", config.registry.tls.certFile);
  set("tls-key", config.registry.tls.keyFile);
  set("htpasswd", config.registry.auth.htpasswdFile);
  set("audit-log", config.registry.audit.path);
  set("log-level", config.logLevel);
  set("node-proxy-listen", config.nodeProxy.listen);
  set("upstream-registry", config.nodeProxy.upstreamRegistry);
  for (const auto& spec : args.all("proxy-upstream")) {
    common::ProxyUpstream upstream;
    const auto eq = spec.find('=');
    upstream.host = spec.substr(0, eq);
    if (eq != std::string::npos) upstream.url = spec.substr(eq + 1);
    upstream.insecure = upstream.url.rfind("http://", 0) == 0;
    config.registry.proxy.upstreams.push_back(std::move(upstream));
  }
}

}  // namespace

int serveCommand(const std::vector<std::string>& argv) {
  common::Args args = serveArgs();
  if (auto exit = args.parseOrExit(argv, "berth serve: ", std::cout, std::cerr)) return *exit;
  common::Config config;
  if (auto file = args.get("config")) {
    auto loaded = common::loadConfigFile(*file);
    if (!loaded) {
      std::cerr << "berth serve: " << loaded.error().message << "\n";
      return 2;
    }
    config = std::move(loaded).value();
  }
  applyFlags(args, config);
  if (const auto problems = common::validateConfig(config); !problems.empty()) {
    for (const auto& p : problems) std::cerr << "berth serve: " << p << "\n";
    return 2;
  }
  common::Logger logger(common::parseLogLevel(config.logLevel).value());
  if (args.has("check-config")) {
    if (auto checked = App(config, logger).check(); !checked) {
      std::cerr << "berth serve: invalid configuration:\n" << checked.error().message << "\n";
      return 1;
    }
    std::cout << "config and policy are valid\n";
    return 0;
  }

  // Signals are taken synchronously by the main thread (sigtimedwait), so they are blocked
  // before any other thread exists and every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  App app(config, logger);
  if (auto started = app.start(); !started) {
    logger.error("cannot start", {{"error", started.error().message}});
    std::cerr << "berth serve: " << started.error().message << "\n";
    return 1;
  }
  return app.serveUntilSignalled(args.get("ready-file").value_or(""));
}

}  // namespace berth::server
