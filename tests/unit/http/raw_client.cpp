#include "tests/unit/http/raw_client.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace berth::http::test {

namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Decodes a chunked body; what is left when it is incomplete.
std::string dechunk(const std::string& body, bool* complete) {
  std::string out;
  size_t at = 0;
  *complete = false;
  while (true) {
    const size_t eol = body.find("\r\n", at);
    if (eol == std::string::npos) return out;
    const size_t size = std::stoul(body.substr(at, eol - at), nullptr, 16);
    if (size == 0) {
      *complete =
          body.find("\r\n\r\n", eol) != std::string::npos || body.compare(eol, 4, "\r\n\r\n") == 0;
      return out;
    }
    if (body.size() < eol + 2 + size + 2) return out;
    out += body.substr(eol + 2, size);
    at = eol + 2 + size + 2;
  }
}

}  // namespace

RawClient::RawClient(int port, const std::string& source) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof(from));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) close();
}

RawClient::~RawClient() { close(); }

void RawClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawClient::send(const std::string& bytes) {
  size_t sent = 0;
  while (fd_ >= 0 && sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return fd_ >= 0;
}

bool RawClient::fill(std::chrono::steady_clock::time_point until) {
  if (fd_ < 0 || eof_) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char buffer[65536];
  const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  pending_.append(buffer, static_cast<size_t>(n));
  return true;
}

std::string RawClient::readResponse(int waitMs, bool headOnly) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(waitMs);
  while (true) {
    const size_t headEnd = pending_.find("\r\n\r\n");
    if (headEnd != std::string::npos) {
      const std::string head = pending_.substr(0, headEnd + 4);
      size_t total = std::string::npos;
      if (headOnly || statusOf(head) == 204 || statusOf(head) == 304) {
        total = head.size();
      } else if (!headerOf(head, "Content-Length").empty()) {
        total = head.size() + std::stoull(headerOf(head, "Content-Length"));
      } else if (lower(headerOf(head, "Transfer-Encoding")) == "chunked") {
        bool complete = false;
        dechunk(pending_.substr(head.size()), &complete);
        if (complete) {
          const size_t end = pending_.find("0\r\n\r\n", head.size());
          total = end + 5;
        }
      }
      if (total != std::string::npos && pending_.size() >= total) {
        std::string response = pending_.substr(0, total);
        pending_.erase(0, total);
        return response;
      }
    }
    if (!fill(until)) {
      std::string partial;
      partial.swap(pending_);
      return partial;
    }
  }
}

bool RawClient::closedByPeer(int waitMs) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(waitMs);
  while (!eof_ && std::chrono::steady_clock::now() < until) {
    fill(until);
  }
  return eof_;
}

int statusOf(const std::string& response) {
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return 0;
  return std::atoi(response.substr(9, 3).c_str());
}

std::string bodyOf(const std::string& response) {
  const size_t headEnd = response.find("\r\n\r\n");
  if (headEnd == std::string::npos) return {};
  const std::string body = response.substr(headEnd + 4);
  if (lower(headerOf(response, "Transfer-Encoding")) != "chunked") return body;
  bool complete = false;
  return dechunk(body, &complete);
}

std::string headerOf(const std::string& response, const std::string& name) {
  const size_t headEnd = response.find("\r\n\r\n");
  const std::string head = lower(response.substr(0, headEnd));
  const std::string needle = "\r\n" + lower(name) + ":";
  const size_t at = head.find(needle);
  if (at == std::string::npos) return {};
  const size_t start = at + needle.size();
  const size_t end = response.find("\r\n", start);
  std::string value = response.substr(start, end - start);
  while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  return value;
}

int openDescriptors() {
  int count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;  // the directory's own descriptor
}

int liveThreads() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
  }
  return -1;
}

}  // namespace berth::http::test
