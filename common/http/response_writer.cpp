#include "common/http/response_writer.h"

#include <algorithm>
#include <cstdio>

namespace berth::http {

namespace {

// Bodies up to this size go out in one write with the header.
constexpr size_t kCoalesceBytes = 64 * 1024;

bool bodyForbidden(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

// The header section is held until the first body bytes, so a short answer is one write.
class ConnectionSink final : public DataSink {
 public:
  ConnectionSink(Connection& conn, std::string head, bool chunked,
                 std::chrono::milliseconds timeout)
      : conn_(conn), pending_(std::move(head)), chunked_(chunked), timeout_(timeout) {}

  bool write(const char* data, size_t size) override {
    if (failed_) return false;
    if (size == 0) return true;
    written_ += size;
    if (chunked_) {
      char line[24];
      const int n = std::snprintf(line, sizeof(line), "%zx\r\n", size);
      pending_.append(line, static_cast<size_t>(n));
    }
    if (pending_.size() + size <= kCoalesceBytes) {
      pending_.append(data, size);
      if (chunked_) pending_.append("\r\n");
      return flush();
    }
    if (!flush() || !send(std::string_view(data, size))) return false;
    if (chunked_) pending_.append("\r\n");
    return true;
  }

  bool canSendFile() const override { return !chunked_ && !conn_.tls(); }

  bool sendFile(int file, size_t size) override {
    if (failed_ || !canSendFile()) return false;
    if (size == 0) return true;
    if (!flush()) return false;
    if (!conn_.sendFile(file, size, timeout_)) failed_ = true;
    if (!failed_) written_ += size;
    return !failed_;
  }

  // Sends whatever is held (the header, a chunk's CRLF).
  bool flush() {
    if (pending_.empty() || failed_) return !failed_;
    const bool sent = send(pending_);
    pending_.clear();
    return sent;
  }

  bool finishChunked() {
    pending_.append("0\r\n\r\n");
    return flush();
  }

  uint64_t written() const { return written_; }

 private:
  bool send(std::string_view bytes) {
    if (!conn_.writeAll(bytes, timeout_)) failed_ = true;
    return !failed_;
  }

  Connection& conn_;
  std::string pending_;
  bool chunked_;
  std::chrono::milliseconds timeout_;
  uint64_t written_ = 0;
  bool failed_ = false;
};

void appendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

// Header values from handlers are written as given; a CR or LF in one would end the field.
bool safeValue(std::string_view text) {
  return text.find_first_of("\r\n") == std::string_view::npos;
}

}  // namespace

const char* statusReason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "";
  }
}

std::string closingResponse(int status, std::string_view message) {
  std::string body(message);
  body.push_back('\n');
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + statusReason(status) + "\r\n";
  appendField(out, "Content-Type", "text/plain; charset=utf-8");
  appendField(out, "Content-Length", std::to_string(body.size()));
  appendField(out, "Connection", "close");
  out.append("\r\n").append(body);
  return out;
}

bool writeResponse(Connection& conn, const ServerRequest& req, ServerResponse& res, bool keepAlive,
                   std::chrono::milliseconds writeTimeout) {
  const bool head = req.method == "HEAD";
  const bool noBody = bodyForbidden(res.status);
  const bool chunked = !noBody && !res.provider && res.chunkedProvider && req.versionMinor >= 1;
  // An HTTP/1.0 client cannot read chunks: the body ends with the connection.
  if (!noBody && !res.provider && res.chunkedProvider && !chunked) keepAlive = false;

  // A HEAD answer with an empty body keeps a Content-Length the handler set: it says how long
  // the GET body would be.
  const std::string handlerLength = res.header("Content-Length");
  res.eraseHeader("Content-Length");
  res.eraseHeader("Transfer-Encoding");
  res.eraseHeader("Connection");

  std::string out =
      "HTTP/1.1 " + std::to_string(res.status) + " " + statusReason(res.status) + "\r\n";
  for (const auto& [name, value] : res.headers) {
    if (safeValue(name) && safeValue(value)) appendField(out, name, value);
  }
  if (!noBody) {
    if (res.provider) {
      appendField(out, "Content-Length", std::to_string(res.providerLength));
    } else if (chunked) {
      appendField(out, "Transfer-Encoding", "chunked");
    } else if (res.chunkedProvider) {
      // HTTP/1.0: no framing; the close ends the body.
    } else if (head && res.body.empty() && !handlerLength.empty() && safeValue(handlerLength)) {
      appendField(out, "Content-Length", handlerLength);
    } else {
      appendField(out, "Content-Length", std::to_string(res.body.size()));
    }
  }
  if (!keepAlive) {
    appendField(out, "Connection", "close");
  } else if (req.versionMinor == 0) {
    appendField(out, "Connection", "keep-alive");
  }
  out.append("\r\n");

  if (head || noBody) return conn.writeAll(out, writeTimeout);
  if (!res.provider && !res.chunkedProvider) {
    if (out.size() + res.body.size() <= kCoalesceBytes) {
      out.append(res.body);
      return conn.writeAll(out, writeTimeout);
    }
    return conn.writeAll(out, writeTimeout) && conn.writeAll(res.body, writeTimeout);
  }

  ConnectionSink sink(conn, std::move(out), chunked, writeTimeout);
  if (res.provider) {
    uint64_t offset = 0;
    while (offset < res.providerLength) {
      if (!res.provider(offset, res.providerLength - offset, sink)) return false;
      // A provider that neither writes nor fails would spin here forever.
      if (sink.written() == offset) return false;
      offset = sink.written();
      if (offset > res.providerLength) return false;
    }
    return sink.flush();
  }
  uint64_t offset = 0;
  while (!sink.isDone()) {
    if (!res.chunkedProvider(offset, sink)) return false;
    if (sink.written() == offset && !sink.isDone()) return false;
    offset = sink.written();
  }
  return chunked ? sink.finishChunked() : sink.flush();
}

}  // namespace berth::http
