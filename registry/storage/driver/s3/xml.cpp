#include "registry/storage/driver/s3/xml.h"

#include <charconv>

#include "registry/storage/driver/s3/amz_time.h"

namespace berth::registry::s3 {

using common::Error;
using common::ErrorCode;

namespace {

constexpr size_t kMaxDocumentBytes = 64 << 20;
constexpr int kMaxDepth = 32;
// A full ListObjectsV2 page (1000 keys) is about 6000 elements.
constexpr size_t kMaxElements = 100000;

Error malformed(const std::string& why) {
  return Error{ErrorCode::Internal, "storage failure", "malformed XML from S3: " + why};
}

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == ':' || static_cast<unsigned char>(c) >= 0x80;
}

void appendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Parser {
 public:
  explicit Parser(std::string_view input) : in_(input) {}

  common::Result<XmlElement> document() {
    BERTH_TRY(skipMisc());
    if (!at("<")) return malformed("no root element");
    XmlElement root;
    BERTH_TRY(element(root, 0));
    BERTH_TRY(skipMisc());
    if (pos_ != in_.size()) return malformed("content after the root element");
    return root;
  }

 private:
  bool at(std::string_view s) const { return in_.substr(pos_, s.size()) == s; }

  void skipBlanks() {
    while (pos_ < in_.size() &&
           (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\r' || in_[pos_] == '\n')) {
      ++pos_;
    }
  }

  common::Status skipPast(std::string_view end, const char* what) {
    const size_t found = in_.find(end, pos_);
    if (found == std::string_view::npos) return malformed(std::string("unterminated ") + what);
    pos_ = found + end.size();
    return {};
  }

  // Blanks, the prolog, processing instructions and comments between elements.
  common::Status skipMisc() {
    while (true) {
      skipBlanks();
      if (at("<?")) {
        BERTH_TRY(skipPast("?>", "processing instruction"));
      } else if (at("<!--")) {
        BERTH_TRY(skipPast("-->", "comment"));
      } else if (at("<!")) {
        return malformed("DOCTYPE and declarations are not accepted");
      } else {
        return {};
      }
    }
  }

  common::Result<std::string> name() {
    const size_t start = pos_;
    while (pos_ < in_.size() && isNameChar(in_[pos_])) ++pos_;
    if (pos_ == start) return malformed("expected a name");
    std::string_view full = in_.substr(start, pos_ - start);
    const size_t colon = full.rfind(':');
    if (colon != std::string_view::npos) full.remove_prefix(colon + 1);
    return std::string(full);
  }

  // Attributes are skipped; quoted values may hold '>' or '/'.
  common::Status skipAttributes() {
    while (pos_ < in_.size() && in_[pos_] != '>' && in_[pos_] != '/') {
      const char c = in_[pos_];
      if (c == '"' || c == '\'') {
        const size_t close = in_.find(c, pos_ + 1);
        if (close == std::string_view::npos) return malformed("unterminated attribute value");
        pos_ = close + 1;
      } else if (c == '<') {
        return malformed("'<' inside a tag");
      } else {
        ++pos_;
      }
    }
    if (pos_ >= in_.size()) return malformed("unterminated tag");
    return {};
  }

  common::Status entity(std::string& out) {
    const size_t semicolon = in_.find(';', pos_);
    if (semicolon == std::string_view::npos || semicolon - pos_ > 12) {
      return malformed("bad entity");
    }
    const std::string_view body = in_.substr(pos_ + 1, semicolon - pos_ - 1);
    pos_ = semicolon + 1;
    if (body == "lt")
      out.push_back('<');
    else if (body == "gt")
      out.push_back('>');
    else if (body == "amp")
      out.push_back('&');
    else if (body == "quot")
      out.push_back('"');
    else if (body == "apos")
      out.push_back('\'');
    else if (body.size() > 1 && body[0] == '#') {
      const bool hex = body[1] == 'x' || body[1] == 'X';
      const std::string_view digits = body.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      auto [end, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || cp == 0 ||
          cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return malformed("bad character reference");
      }
      appendUtf8(cp, out);
    } else {
      return malformed("unknown entity");
    }
    return {};
  }

  common::Status element(XmlElement& out, int depth) {
    if (depth > kMaxDepth) return malformed("nested too deeply");
    if (++elements_ > kMaxElements) return malformed("too many elements");
    ++pos_;  // '<'
    BERTH_TRY_ASSIGN(out.name, name());
    BERTH_TRY(skipAttributes());
    if (in_[pos_] == '/') {
      if (!at("/>")) return malformed("bad empty-element tag");
      pos_ += 2;
      return {};
    }
    ++pos_;  // '>'
    while (true) {
      if (pos_ >= in_.size()) return malformed("unterminated element <" + out.name + ">");
      const char c = in_[pos_];
      if (c == '&') {
        BERTH_TRY(entity(out.text));
      } else if (c != '<') {
        out.text.push_back(c);
        ++pos_;
      } else if (at("</")) {
        pos_ += 2;
        BERTH_TRY_ASSIGN(std::string closing, name());
        skipBlanks();
        if (closing != out.name || !at(">")) {
          return malformed("<" + out.name + "> closed by </" + closing + ">");
        }
        ++pos_;
        return {};
      } else if (at("<![CDATA[")) {
        const size_t start = pos_ + 9;
        const size_t end = in_.find("]]>", start);
        if (end == std::string_view::npos) return malformed("unterminated CDATA");
        out.text.append(in_.substr(start, end - start));
        pos_ = end + 3;
      } else if (at("<!--")) {
        BERTH_TRY(skipPast("-->", "comment"));
      } else if (at("<?")) {
        BERTH_TRY(skipPast("?>", "processing instruction"));
      } else if (at("<!")) {
        return malformed("declaration inside an element");
      } else {
        out.children.emplace_back();
        BERTH_TRY(element(out.children.back(), depth + 1));
      }
    }
  }

  std::string_view in_;
  size_t pos_ = 0;
  size_t elements_ = 0;
};

bool parseUnsigned(const std::string& text, uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

common::Result<XmlElement> parseRoot(std::string_view document, std::string_view expected) {
  BERTH_TRY_ASSIGN(XmlElement root, parseXml(document));
  if (root.name != expected) {
    return malformed("expected <" + std::string(expected) + ">, got <" + root.name + ">");
  }
  return root;
}

}  // namespace

const XmlElement* XmlElement::child(std::string_view childName) const {
  for (const auto& c : children) {
    if (c.name == childName) return &c;
  }
  return nullptr;
}

std::string XmlElement::childText(std::string_view childName) const {
  const XmlElement* c = child(childName);
  return c ? c->text : std::string();
}

std::vector<const XmlElement*> XmlElement::childrenNamed(std::string_view childName) const {
  std::vector<const XmlElement*> out;
  for (const auto& c : children) {
    if (c.name == childName) out.push_back(&c);
  }
  return out;
}

common::Result<XmlElement> parseXml(std::string_view document) {
  if (document.size() > kMaxDocumentBytes) return malformed("document too large");
  return Parser(document).document();
}

std::string xmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

common::Result<ListPage> parseListObjects(std::string_view document) {
  BERTH_TRY_ASSIGN(XmlElement root, parseRoot(document, "ListBucketResult"));
  ListPage page;
  for (const XmlElement* contents : root.childrenNamed("Contents")) {
    ObjectEntry entry;
    entry.key = contents->childText("Key");
    if (entry.key.empty() || !parseUnsigned(contents->childText("Size"), entry.size)) {
      return malformed("a <Contents> without Key or Size");
    }
    // An unreadable time counts as old: at worst garbage collection sees it early.
    entry.modifiedUnixSeconds = parseIso8601(contents->childText("LastModified")).value_or(0);
    page.objects.push_back(std::move(entry));
  }
  for (const XmlElement* prefix : root.childrenNamed("CommonPrefixes")) {
    std::string text = prefix->childText("Prefix");
    if (text.empty()) return malformed("a <CommonPrefixes> without Prefix");
    page.commonPrefixes.push_back(std::move(text));
  }
  page.truncated = root.childText("IsTruncated") == "true";
  page.nextContinuationToken = root.childText("NextContinuationToken");
  if (page.truncated && page.nextContinuationToken.empty()) {
    return malformed("a truncated listing without NextContinuationToken");
  }
  return page;
}

std::optional<ErrorInfo> parseError(std::string_view document) {
  auto root = parseXml(document);
  if (!root || root->name != "Error") return std::nullopt;
  return ErrorInfo{root->childText("Code"), root->childText("Message")};
}

common::Result<std::string> parseUploadId(std::string_view document) {
  BERTH_TRY_ASSIGN(XmlElement root, parseRoot(document, "InitiateMultipartUploadResult"));
  std::string id = root.childText("UploadId");
  if (id.empty()) return malformed("no UploadId");
  return id;
}

common::Result<std::string> parseCopyETag(std::string_view document) {
  BERTH_TRY_ASSIGN(XmlElement root, parseXml(document));
  if (root.name != "CopyObjectResult" && root.name != "CopyPartResult") {
    return malformed("expected a copy result, got <" + root.name + ">");
  }
  std::string etag = root.childText("ETag");
  if (etag.empty()) return malformed("a copy result without ETag");
  return etag;
}

common::Result<std::vector<DeleteFailure>> parseDeleteResult(std::string_view document) {
  BERTH_TRY_ASSIGN(XmlElement root, parseRoot(document, "DeleteResult"));
  std::vector<DeleteFailure> out;
  for (const XmlElement* error : root.childrenNamed("Error")) {
    out.push_back(
        {error->childText("Key"), {error->childText("Code"), error->childText("Message")}});
  }
  return out;
}

std::string completeMultipartBody(const std::vector<std::string>& partETags) {
  std::string out = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < partETags.size(); ++i) {
    out += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
           xmlEscape(partETags[i]) + "</ETag></Part>";
  }
  return out + "</CompleteMultipartUpload>";
}

std::string deleteObjectsBody(const std::vector<std::string>& keys) {
  std::string out = "<Delete><Quiet>true</Quiet>";
  for (const auto& key : keys) out += "<Object><Key>" + xmlEscape(key) + "</Key></Object>";
  return out + "</Delete>";
}

}  // namespace berth::registry::s3
