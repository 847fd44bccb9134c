#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"

namespace berth::testing {
namespace {

std::vector<char*> toArgv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

// Everything from a pipe until EOF.
std::string drain(int fd) {
  std::string out;
  char buffer[65536];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) out.append(buffer, static_cast<size_t>(n));
  return out;
}

}  // namespace

std::string berthBinary() { return BERTH_BINARY; }

CommandResult runCommand(const std::vector<std::string>& argv, const std::string& stdinText) {
  // Output goes to temporary files so a large output cannot deadlock a pipe.
  TempDir dir;
  const std::string outPath = dir.file("out");
  const std::string errPath = dir.file("err");
  const std::string inPath = dir.write("in", stdinText);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int in = open(inPath.c_str(), O_RDONLY);
    const int out = open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    auto args = toArgv(argv);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult result;
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = readFile(outPath);
  result.err = readFile(errPath);
  (void)drain;
  return result;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& logFile) {
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    const int log = open(logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    const int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(log, 1);
    dup2(log, 2);
    setpgid(0, 0);
    auto args = toArgv(argv);
    execvp(args[0], args.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (!reaped_) kill();
}

bool ChildProcess::running() {
  if (reaped_) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return !reaped_;
}

int ChildProcess::terminate(int timeoutMs) {
  if (running()) {
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (running()) {
      kill();
      return -1;
    }
  }
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

void ChildProcess::kill() {
  if (reaped_) return;
  ::kill(pid_, SIGKILL);
  waitpid(pid_, &status_, 0);
  reaped_ = true;
}

BerthServer::BerthServer(std::vector<std::string> extraArgs, const std::string& workDir) {
  logFile_ = workDir + "/berth-server.log";
  const std::string readyFile = workDir + "/berth-ready.json";
  std::filesystem::remove(readyFile);
  std::vector<std::string> argv = {berthBinary(), "serve",        "--webhook-listen",
                                   "127.0.0.1:0", "--ready-file", readyFile};
  // Defaults unless the caller chose: a fresh storage directory, any free registry port.
  auto given = [&](const std::string& flag) {
    return std::find(extraArgs.begin(), extraArgs.end(), flag) != extraArgs.end();
  };
  if (!given("--storage")) argv.insert(argv.end(), {"--storage", workDir + "/storage"});
  if (!given("--registry-listen")) argv.insert(argv.end(), {"--registry-listen", "127.0.0.1:0"});
  argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
  process_ = std::make_unique<ChildProcess>(argv, logFile_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!std::filesystem::exists(readyFile)) {
    if (!process_->running()) {
      throw std::runtime_error("berth serve exited before it was ready:\n" + log());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("berth serve did not become ready:\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto ports = nlohmann::json::parse(readFile(readyFile));
  registryPort_ = ports.at("registryPort").get<int>();
  webhookPort_ = ports.at("webhookPort").get<int>();
}

BerthServer::~BerthServer() {
  if (process_) process_->terminate();
}

std::string BerthServer::log() const { return readFile(logFile_); }

}  // namespace berth::testing
