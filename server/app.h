#pragma once

#include <memory>
#include <string>

#include "common/config.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/result.h"

namespace berth::server {

// The composition root: owns the logger, metrics, policy watcher, registry, webhooks and their
// listeners, and is the only place the object graph is wired.
class App {
 public:
  App(common::Config config, common::Logger& logger);
  ~App();

  // The validation start() runs, without opening storage or binding anything: the config's
  // files (policies, htpasswd, token key, docker config) are read and checked.
  common::Status check();
  // Loads policy, opens storage, binds listeners. Nothing is served yet.
  common::Status start();
  // Serves until SIGTERM or SIGINT, then finishes in-flight requests and returns.
  int serveUntilSignalled(const std::string& readyFile);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::server
