#pragma once

#include <sys/types.h>

#include <memory>

#include <string>
#include <vector>

namespace berth::testing {

// Runs a command to completion, capturing standard output and standard error.
struct CommandResult {
  int exitCode = -1;
  std::string out;
  std::string err;
};
CommandResult runCommand(const std::vector<std::string>& argv, const std::string& stdinText = {});

// The berth binary under test (the one CMake built).
std::string berthBinary();

// A child process with stdout/stderr sent to files; killed (SIGKILL) on destruction if it still
// runs. Use terminate() for a clean SIGTERM stop.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& logFile);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends SIGTERM and waits up to the timeout; returns the exit code, or -1 if it had to be killed.
  int terminate(int timeoutMs = 10000);
  void kill();  // SIGKILL and reap

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
};

// `berth serve` on 127.0.0.1 with port 0 listeners and a temporary ready file. Extra flags
// are appended (--storage, --policy, ...); --storage and --registry-listen replace the defaults.
// Waits until the ports are known and /readyz is ok.
class BerthServer {
 public:
  explicit BerthServer(std::vector<std::string> extraArgs, const std::string& workDir);
  ~BerthServer();

  int registryPort() const { return registryPort_; }
  int webhookPort() const { return webhookPort_; }
  std::string registryAddress() const { return "127.0.0.1:" + std::to_string(registryPort_); }
  std::string log() const;  // everything the server wrote so far
  ChildProcess& process() { return *process_; }
  int stop() { return process_->terminate(); }

 private:
  std::string logFile_;
  int registryPort_ = 0;
  int webhookPort_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace berth::testing
