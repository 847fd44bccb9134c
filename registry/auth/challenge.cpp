#include "registry/auth/challenge.h"

#include <strings.h>

#include <cctype>

namespace berth::registry {
namespace {

using common::Error;
using common::ErrorCode;

bool isTokenChar(char c) {
  // RFC 7230 tchar.
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return c != '\0' && std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isToken68Char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
         c == '~' || c == '+' || c == '/';
}

// A cursor over the header; every method leaves `pos_` after what it consumed.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  size_t pos() const { return pos_; }
  void seek(size_t pos) { pos_ = pos; }
  void skipSpace() {
    while (!done() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  bool consume(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  std::string token() {
    const size_t start = pos_;
    while (!done() && isTokenChar(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  std::string token68() {
    const size_t start = pos_;
    while (!done() && isToken68Char(text_[pos_])) ++pos_;
    if (pos_ == start) return {};
    while (!done() && text_[pos_] == '=') ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  common::Result<std::string> quoted() {
    std::string out;
    ++pos_;  // the opening quote
    while (!done()) {
      char c = text_[pos_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (done()) break;
        c = text_[pos_++];  // quoted-pair escapes HTAB, SP, VCHAR and obs-text, not controls
      }
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
        return Error{ErrorCode::InvalidArgument,
                     "malformed WWW-Authenticate header: control character in a quoted string"};
      }
      out += c;
    }
    return Error{ErrorCode::InvalidArgument,
                 "malformed WWW-Authenticate header: unterminated quoted string"};
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

Error malformed(const std::string& why) {
  return Error{ErrorCode::InvalidArgument, "malformed WWW-Authenticate header: " + why};
}

std::string toLower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// After a comma, a new challenge starts with `token SP` or `token` at the end; a parameter is
// `token =`. Looks ahead without consuming.
bool startsNewChallenge(Scanner& s) {
  const size_t saved = s.pos();
  s.skipSpace();
  const std::string name = s.token();
  s.skipSpace();
  const bool isParam = !name.empty() && s.peek() == '=';
  s.seek(saved);
  return !isParam;
}

common::Result<void> parseParams(Scanner& s, AuthChallenge& challenge) {
  while (true) {
    s.skipSpace();
    const std::string name = s.token();
    if (name.empty()) return malformed("expected a parameter name");
    s.skipSpace();
    if (!s.consume('=')) return malformed("expected '=' after '" + name + "'");
    s.skipSpace();
    std::string value;
    if (s.peek() == '"') {
      BERTH_TRY_ASSIGN(value, s.quoted());
    } else {
      value = s.token();
      if (value.empty()) return malformed("empty value for '" + name + "'");
    }
    challenge.params.emplace_back(toLower(name), std::move(value));
    s.skipSpace();
    if (s.done()) return {};
    if (!s.consume(',')) return malformed("expected ',' after the value of '" + name + "'");
    // Empty list elements (",,") are allowed by the list syntax.
    while (true) {
      s.skipSpace();
      if (!s.consume(',')) break;
    }
    if (s.done() || startsNewChallenge(s)) return {};
  }
}

}  // namespace

std::string AuthChallenge::param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key.size() == name.size() && strncasecmp(key.data(), name.data(), key.size()) == 0) {
      return value;
    }
  }
  return {};
}

bool AuthChallenge::isScheme(std::string_view name) const {
  return scheme.size() == name.size() && strncasecmp(scheme.data(), name.data(), name.size()) == 0;
}

common::Result<std::vector<AuthChallenge>> parseWwwAuthenticate(std::string_view header) {
  if (header.size() > kMaxChallengeHeaderBytes) return malformed("too long");
  std::vector<AuthChallenge> challenges;
  Scanner s(header);
  while (true) {
    s.skipSpace();
    while (s.consume(',')) s.skipSpace();
    if (s.done()) break;
    AuthChallenge challenge;
    challenge.scheme = s.token();
    if (challenge.scheme.empty()) return malformed("expected an authentication scheme");
    const size_t afterScheme = s.pos();
    s.skipSpace();
    if (s.done() || s.peek() == ',') {
      challenges.push_back(std::move(challenge));
      continue;
    }
    if (s.pos() == afterScheme) return malformed("expected a space after the scheme");
    // `Scheme token68` unless the next word is followed by '='.
    const size_t start = s.pos();
    const std::string name = s.token();
    s.skipSpace();
    const bool isParam = !name.empty() && s.peek() == '=' && [&] {
      // "abc==" is a token68 with padding, "abc=x" or "abc = x" a parameter.
      Scanner probe = s;
      probe.consume('=');
      return probe.peek() != '=';
    }();
    s.seek(start);
    if (isParam) {
      BERTH_TRY(parseParams(s, challenge));
    } else {
      challenge.token68 = s.token68();
      if (challenge.token68.empty()) return malformed("expected parameters or a token");
      s.skipSpace();
      if (!s.done() && !s.consume(',')) return malformed("unexpected text after the token");
    }
    challenges.push_back(std::move(challenge));
  }
  if (challenges.empty()) return malformed("no challenge");
  return challenges;
}

std::string formatChallenge(const AuthChallenge& challenge) {
  std::string out = challenge.scheme;
  if (!challenge.token68.empty()) return out + " " + challenge.token68;
  bool first = true;
  for (const auto& [name, value] : challenge.params) {
    out += first ? " " : ",";
    first = false;
    out += name + "=\"";
    for (char c : value) {
      // A control character would let a value break out of the header line.
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) continue;
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out;
}

}  // namespace berth::registry
