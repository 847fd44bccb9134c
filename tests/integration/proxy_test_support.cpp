#include "tests/integration/proxy_test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "tests/support/http.h"

namespace berth::testing {

int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

UpstreamRegistry::UpstreamRegistry(const TempDir& dir, const std::string& name,
                                   const std::string& user, const std::string& password)
    : dir_(dir.file(name)), port_(freePort()), auth_(!user.empty()) {
  storage_ = dir_ + "/storage";
  logFile_ = dir_ + "/registry.log";
  std::string yaml =
      "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n"
      "storage:\n  filesystem:\n    rootdirectory: " +
      storage_ + "\n  delete:\n    enabled: true\nhttp:\n  addr: " + address() + "\n";
  if (auth_) {
    const std::string htpasswd = dir_ + "/htpasswd";
    dir.write(name + "/.keep", "");
    auto made = runCommand({"htpasswd", "-Bbc", htpasswd, user, password});
    if (made.exitCode != 0) throw std::runtime_error("htpasswd failed: " + made.err);
    yaml += "auth:\n  htpasswd:\n    realm: upstream\n    path: " + htpasswd + "\n";
  }
  config_ = dir.write(name + "/config.yml", yaml);
  start();
}

UpstreamRegistry::~UpstreamRegistry() { stop(); }

void UpstreamRegistry::start() {
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"docker-registry", "serve", config_}, logFile_ + ".run");
  HttpClient client("127.0.0.1", port_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      const int status = client.get("/v2/").status;
      if (status == 200 || status == 401) return;
    } catch (const std::exception&) {
      // not listening yet
    }
    if (!process_->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("docker-registry did not start:\n" + log());
}

void UpstreamRegistry::stop() {
  if (process_) process_->terminate();
  process_.reset();
}

std::string UpstreamRegistry::blobFile(const std::string& digest) const {
  const std::string hex = digest.substr(digest.find(':') + 1);
  return storage_ + "/docker/registry/v2/blobs/sha256/" + hex.substr(0, 2) + "/" + hex + "/data";
}

std::string UpstreamRegistry::log() const { return readFile(logFile_ + ".run"); }

}  // namespace berth::testing
