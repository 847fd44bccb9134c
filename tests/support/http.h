#pragma once

#include <map>
#include <memory>
#include <string>

namespace httplib {
class Client;
}

namespace berth::testing {

// The answer of one request, with lower-cased header names.
struct HttpResponse {
  int status = 0;
  std::string body;
  std::multimap<std::string, std::string> headers;
  std::string header(const std::string& name) const;  // first value or ""
};

// A small plain-HTTP client for tests of the registry listener.
class HttpClient {
 public:
  HttpClient(std::string host, int port);
  ~HttpClient();
  HttpResponse request(const std::string& method, const std::string& path,
                       const std::string& body = {},
                       const std::multimap<std::string, std::string>& headers = {});
  HttpResponse get(const std::string& path,
                   const std::multimap<std::string, std::string>& headers = {}) {
    return request("GET", path, {}, headers);
  }

 private:
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace berth::testing
