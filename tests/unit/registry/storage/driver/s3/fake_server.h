#pragma once

// An in-memory S3 for hermetic tests of the S3 client and driver: path-style requests for one
// bucket, the calls the driver makes (objects, ranges, ListObjectsV2, CopyObject, multipart,
// DeleteObjects), S3's rules that matter (5 MiB minimum part, copy onto itself only with new
// metadata, payload hash checked, "If-None-Match: *" on PUT), and failure injection.
// Signatures are not verified: the signer is checked against AWS's published examples instead.

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "registry/storage/driver/s3/signer.h"
#include "registry/storage/driver/s3/xml.h"

namespace berth::registry::s3::testing {

class FakeS3 {
 public:
  explicit FakeS3(std::string bucket = "test-bucket") : bucket_(std::move(bucket)) {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      const_cast<httplib::Request&>(req).ranges.clear();  // ranges are answered here
      std::lock_guard lock(mutex_);
      ++requests_;
      if (failNext_ > 0 && (!failCopiesOnly_ || req.has_header("x-amz-copy-source"))) {
        --failNext_;
        error(res, failStatus_, failCode_);
        return;
      }
      dispatch(req, res);
      if (loseNextAnswers_ > 0 && res.status < 300) {
        --loseNextAnswers_;
        error(res, 503, "SlowDown");  // done, but the client hears of a failure
      }
    };
    server_.set_tcp_nodelay(true);
    server_.Get(".*", handler);
    server_.Put(".*", handler);
    server_.Post(".*", handler);
    server_.Delete(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeS3() {
    server_.stop();
    thread_.join();
  }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& bucket() const { return bucket_; }

  // The next `count` requests fail with this status and S3 error code.
  void failNext(int count, int status = 503, std::string code = "SlowDown") {
    std::lock_guard lock(mutex_);
    failNext_ = count;
    failStatus_ = status;
    failCode_ = std::move(code);
    failCopiesOnly_ = false;
  }
  // The next `count` copies (CopyObject, UploadPartCopy) answer "200 OK" with an <Error> body,
  // as S3 does when a copy fails after the headers went out.
  void failNextCopiesAfter200(int count, std::string code = "InternalError") {
    failNext(count, 200, std::move(code));
    std::lock_guard lock(mutex_);
    failCopiesOnly_ = true;
  }
  // The next `count` successful requests take effect but answer 503, as when the answer to a
  // request S3 carried out is lost on the way back.
  void loseNextAnswers(int count) {
    std::lock_guard lock(mutex_);
    loseNextAnswers_ = count;
  }
  // Treats "If-None-Match: *" as an older server does: as if it were not there.
  void ignoreConditionalWrites() {
    std::lock_guard lock(mutex_);
    ignoreConditionalWrites_ = true;
  }
  void setPageSize(size_t size) {
    std::lock_guard lock(mutex_);
    pageSize_ = size;
  }
  // Makes an object look `seconds` older (for touch and expiry).
  void age(const std::string& key, int64_t seconds) {
    std::lock_guard lock(mutex_);
    objects_.at(key).modified -= seconds;
  }
  int requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::set<std::string> keys() {
    std::lock_guard lock(mutex_);
    std::set<std::string> out;
    for (const auto& [key, object] : objects_) out.insert(key);
    return out;
  }
  size_t openMultipartUploads() {
    std::lock_guard lock(mutex_);
    return uploads_.size();
  }
  std::string object(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = objects_.find(key);
    return it == objects_.end() ? std::string() : it->second.bytes;
  }

 private:
  struct Object {
    std::string bytes;
    int64_t modified = 0;
    std::string etag;
  };
  struct Upload {
    std::string key;
    std::map<int, Object> parts;
  };

  static int64_t now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static std::string httpDate(int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char out[64];
    std::strftime(out, sizeof(out), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return out;
  }
  static std::string isoDate(int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char out[64];
    std::strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    return out;
  }
  Object make(std::string bytes) {
    Object o;
    o.etag = "\"" + sha256Hex(bytes).substr(0, 32) + "\"";
    o.bytes = std::move(bytes);
    o.modified = now();
    return o;
  }
  static void error(httplib::Response& res, int status, const std::string& code) {
    res.status = status;
    res.set_content("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code +
                        "</Code><Message>fake " + code + "</Message></Error>",
                    "application/xml");
  }
  static bool parseRange(const std::string& header, uint64_t size, uint64_t& first,
                         uint64_t& last) {
    if (header.rfind("bytes=", 0) != 0) return false;
    const size_t dash = header.find('-');
    first = std::stoull(header.substr(6, dash - 6));
    last = dash + 1 < header.size() ? std::stoull(header.substr(dash + 1)) : size - 1;
    if (last >= size) last = size - 1;
    return true;
  }

  void dispatch(const httplib::Request& req, httplib::Response& res) {
    const std::string root = "/" + bucket_;
    if (req.path != root && req.path.rfind(root + "/", 0) != 0)
      return error(res, 404, "NoSuchBucket");
    if (!req.has_header("Authorization") || !req.has_header("x-amz-date")) {
      return error(res, 403, "AccessDenied");
    }
    if (req.get_header_value("x-amz-content-sha256") != sha256Hex(req.body)) {
      return error(res, 400, "XAmzContentSHA256Mismatch");
    }
    const std::string key =
        req.path.size() > root.size() + 1 ? req.path.substr(root.size() + 1) : "";
    if (key.empty()) {
      if (req.method == "GET" && req.get_param_value("list-type") == "2") return list(req, res);
      if (req.method == "POST" && req.has_param("delete")) return removeMany(req, res);
      if (req.method == "HEAD" || req.method == "GET") return res.set_content("", "text/plain");
      return error(res, 400, "InvalidRequest");
    }
    if (req.method == "POST" && req.has_param("uploads")) {
      const std::string id = "upload-" + std::to_string(++nextUpload_);
      uploads_[id] = Upload{key, {}};
      return res.set_content("<InitiateMultipartUploadResult><Bucket>" + bucket_ +
                                 "</Bucket><Key>" + xmlEscape(key) + "</Key><UploadId>" + id +
                                 "</UploadId></InitiateMultipartUploadResult>",
                             "application/xml");
    }
    if (req.method == "POST" && req.has_param("uploadId")) return complete(key, req, res);
    if (req.method == "DELETE" && req.has_param("uploadId")) {
      uploads_.erase(req.get_param_value("uploadId"));
      res.status = 204;
      return;
    }
    if (req.method == "PUT" && req.has_param("uploadId")) return copyPart(key, req, res);
    if (req.method == "PUT" && req.has_header("x-amz-copy-source")) return copy(key, req, res);
    if (req.method == "PUT") {
      if (req.get_header_value("If-None-Match") == "*" && !ignoreConditionalWrites_ &&
          objects_.count(key) != 0) {
        return error(res, 412, "PreconditionFailed");
      }
      objects_[key] = make(req.body);
      res.set_header("ETag", objects_[key].etag);
      return;
    }
    if (req.method == "DELETE") {
      objects_.erase(key);
      res.status = 204;
      return;
    }
    auto it = objects_.find(key);
    if (it == objects_.end()) return error(res, 404, "NoSuchKey");
    const Object& o = it->second;
    res.set_header("Last-Modified", httpDate(o.modified));
    res.set_header("ETag", o.etag);
    if (req.has_header("Range")) {
      uint64_t first = 0, last = 0;
      if (!parseRange(req.get_header_value("Range"), o.bytes.size(), first, last) ||
          first >= o.bytes.size()) {
        error(res, 416, "InvalidRange");
        res.set_header("Content-Range", "bytes */" + std::to_string(o.bytes.size()));
        return;
      }
      res.status = 206;
      res.set_header("Content-Range", "bytes " + std::to_string(first) + "-" +
                                          std::to_string(last) + "/" +
                                          std::to_string(o.bytes.size()));
      return res.set_content(o.bytes.substr(first, last - first + 1), "application/octet-stream");
    }
    res.set_content(o.bytes, "application/octet-stream");
  }

  std::string sourceKey(const httplib::Request& req) {
    std::string source =
        httplib::detail::decode_url(req.get_header_value("x-amz-copy-source"), false);
    const std::string root = "/" + bucket_ + "/";
    return source.rfind(root, 0) == 0 ? source.substr(root.size()) : std::string();
  }

  void copy(const std::string& key, const httplib::Request& req, httplib::Response& res) {
    const std::string from = sourceKey(req);
    auto it = objects_.find(from);
    if (it == objects_.end()) return error(res, 404, "NoSuchKey");
    if (from == key && req.get_header_value("x-amz-metadata-directive") != "REPLACE") {
      return error(res, 400, "InvalidRequest");
    }
    objects_[key] = make(it->second.bytes);
    res.set_content(
        "<CopyObjectResult><ETag>" + xmlEscape(objects_[key].etag) + "</ETag></CopyObjectResult>",
        "application/xml");
  }

  void copyPart(const std::string&, const httplib::Request& req, httplib::Response& res) {
    auto upload = uploads_.find(req.get_param_value("uploadId"));
    if (upload == uploads_.end()) return error(res, 404, "NoSuchUpload");
    auto it = objects_.find(sourceKey(req));
    if (it == objects_.end()) return error(res, 404, "NoSuchKey");
    std::string bytes = it->second.bytes;
    if (req.has_header("x-amz-copy-source-range")) {
      uint64_t first = 0, last = 0;
      if (!parseRange(req.get_header_value("x-amz-copy-source-range"), bytes.size(), first, last)) {
        return error(res, 400, "InvalidArgument");
      }
      bytes = bytes.substr(first, last - first + 1);
    }
    Object part = make(std::move(bytes));
    const std::string etag = part.etag;
    upload->second.parts[std::stoi(req.get_param_value("partNumber"))] = std::move(part);
    res.set_content("<CopyPartResult><ETag>" + xmlEscape(etag) + "</ETag></CopyPartResult>",
                    "application/xml");
  }

  void complete(const std::string& key, const httplib::Request& req, httplib::Response& res) {
    auto upload = uploads_.find(req.get_param_value("uploadId"));
    if (upload == uploads_.end() || upload->second.key != key)
      return error(res, 404, "NoSuchUpload");
    auto body = parseXml(req.body);
    if (!body) return error(res, 400, "MalformedXML");
    std::string bytes;
    const auto parts = body->childrenNamed("Part");
    for (size_t i = 0; i < parts.size(); ++i) {
      auto part = upload->second.parts.find(std::stoi(parts[i]->childText("PartNumber")));
      if (part == upload->second.parts.end() || part->second.etag != parts[i]->childText("ETag")) {
        return error(res, 400, "InvalidPart");
      }
      if (i + 1 < parts.size() && part->second.bytes.size() < (5u << 20)) {
        return error(res, 400, "EntityTooSmall");
      }
      bytes += part->second.bytes;
    }
    objects_[key] = make(std::move(bytes));
    uploads_.erase(upload);
    res.set_content("<CompleteMultipartUploadResult><Key>" + xmlEscape(key) +
                        "</Key></CompleteMultipartUploadResult>",
                    "application/xml");
  }

  void removeMany(const httplib::Request& req, httplib::Response& res) {
    if (!req.has_header("Content-MD5")) return error(res, 400, "InvalidRequest");
    auto body = parseXml(req.body);
    if (!body) return error(res, 400, "MalformedXML");
    for (const auto* object : body->childrenNamed("Object"))
      objects_.erase(object->childText("Key"));
    res.set_content("<DeleteResult></DeleteResult>", "application/xml");
  }

  void list(const httplib::Request& req, httplib::Response& res) {
    const std::string prefix = req.get_param_value("prefix");
    const std::string delimiter = req.get_param_value("delimiter");
    const std::string after = req.get_param_value("continuation-token");
    std::string contents, prefixes, last;
    size_t count = 0;
    bool truncated = false;
    std::set<std::string> seen;
    for (auto it = objects_.lower_bound(prefix); it != objects_.end(); ++it) {
      const std::string& key = it->first;
      if (key.compare(0, prefix.size(), prefix) != 0) break;
      std::string entry = key;
      bool isPrefix = false;
      if (!delimiter.empty()) {
        const size_t at = key.find(delimiter, prefix.size());
        if (at != std::string::npos) {
          entry = key.substr(0, at + delimiter.size());
          isPrefix = true;
        }
      }
      if (!after.empty() && entry <= after) continue;
      if (!seen.insert(entry).second) continue;
      if (count == pageSize_) {
        truncated = true;
        break;
      }
      ++count;
      last = entry;
      if (isPrefix) {
        prefixes += "<CommonPrefixes><Prefix>" + xmlEscape(entry) + "</Prefix></CommonPrefixes>";
      } else {
        contents += "<Contents><Key>" + xmlEscape(key) + "</Key><LastModified>" +
                    isoDate(it->second.modified) + "</LastModified><Size>" +
                    std::to_string(it->second.bytes.size()) + "</Size></Contents>";
      }
    }
    std::string out =
        "<?xml version=\"1.0\"?>\n<ListBucketResult "
        "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>" +
        bucket_ + "</Name><Prefix>" + xmlEscape(prefix) + "</Prefix><KeyCount>" +
        std::to_string(count) + "</KeyCount><IsTruncated>" + (truncated ? "true" : "false") +
        "</IsTruncated>";
    if (truncated) out += "<NextContinuationToken>" + xmlEscape(last) + "</NextContinuationToken>";
    res.set_content(out + contents + prefixes + "</ListBucketResult>", "application/xml");
  }

  std::string bucket_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::map<std::string, Object> objects_;
  std::map<std::string, Upload> uploads_;
  int nextUpload_ = 0;
  int failNext_ = 0;
  int loseNextAnswers_ = 0;
  bool ignoreConditionalWrites_ = false;
  int failStatus_ = 503;
  bool failCopiesOnly_ = false;
  std::string failCode_;
  size_t pageSize_ = 1000;
  int requests_ = 0;
};

}  // namespace berth::registry::s3::testing
