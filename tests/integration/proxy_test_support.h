#pragma once

#include <memory>
#include <string>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::testing {

// A free TCP port on 127.0.0.1 (bound, read, closed; reused at once by the caller).
int freePort();

// Debian's docker-registry (CNCF distribution 2.8.2) on 127.0.0.1 as a real upstream, with
// filesystem storage under `dir` and, optionally, htpasswd Basic auth.
class UpstreamRegistry {
 public:
  UpstreamRegistry(const TempDir& dir, const std::string& name, const std::string& user = {},
                   const std::string& password = {});
  ~UpstreamRegistry();

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string host() const { return "127.0.0.1_" + std::to_string(port_); }  // encoded form
  std::string storage() const { return storage_; }
  // The blob data file in the registry's storage.
  std::string blobFile(const std::string& digest) const;
  std::string log() const;
  void start();
  void stop();

 private:
  std::string dir_;
  std::string config_;
  std::string storage_;
  std::string logFile_;
  int port_ = 0;
  bool auth_ = false;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace berth::testing
