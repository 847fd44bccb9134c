#include "registry/storage/driver/s3/credentials.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace berth::registry::s3 {

using common::Error;
using common::ErrorCode;

namespace {

std::string trim(std::string_view text) {
  const size_t start = text.find_first_not_of(" \t\r");
  if (start == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(start, end - start + 1));
}

}  // namespace

EnvironmentLookup processEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

common::Result<Credentials> parseCredentialsFile(std::string_view text, const std::string& source) {
  Credentials out;
  bool inDefault = true;
  size_t lineNumber = 0;
  std::istringstream lines{std::string(text)};
  std::string raw;
  while (std::getline(lines, raw)) {
    ++lineNumber;
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') {
        return Error{ErrorCode::InvalidArgument,
                     source + ":" + std::to_string(lineNumber) + ": unterminated section"};
      }
      const std::string section = trim(std::string_view(line).substr(1, line.size() - 2));
      inDefault = section == "default" || section == "profile default";
      continue;
    }
    const size_t equals = line.find('=');
    if (equals == std::string::npos) {
      return Error{ErrorCode::InvalidArgument,
                   source + ":" + std::to_string(lineNumber) + ": expected key = value"};
    }
    if (!inDefault) continue;
    const std::string key = trim(std::string_view(line).substr(0, equals));
    const std::string value = trim(std::string_view(line).substr(equals + 1));
    if (key == "aws_access_key_id")
      out.accessKey = value;
    else if (key == "aws_secret_access_key")
      out.secretKey = value;
    else if (key == "aws_session_token")
      out.sessionToken = value;
  }
  if (out.accessKey.empty() || out.secretKey.empty()) {
    return Error{ErrorCode::InvalidArgument,
                 source + ": no aws_access_key_id and aws_secret_access_key in [default]"};
  }
  return out;
}

common::Result<Credentials> resolveCredentials(const common::S3StorageConfig& config,
                                               const EnvironmentLookup& environment) {
  if (!config.accessKey.empty() && !config.secretKey.empty()) {
    return Credentials{config.accessKey, config.secretKey, ""};
  }
  if (!config.credentialsFile.empty()) {
    std::ifstream in(config.credentialsFile);
    if (!in) {
      return Error{ErrorCode::InvalidArgument,
                   "cannot read registry.s3.credentialsFile " + config.credentialsFile};
    }
    std::stringstream text;
    text << in.rdbuf();
    return parseCredentialsFile(text.str(), config.credentialsFile);
  }
  auto accessKey = environment("AWS_ACCESS_KEY_ID");
  auto secretKey = environment("AWS_SECRET_ACCESS_KEY");
  if (accessKey && secretKey) {
    return Credentials{*accessKey, *secretKey, environment("AWS_SESSION_TOKEN").value_or("")};
  }
  return Error{ErrorCode::InvalidArgument,
               "no S3 credentials: set registry.s3.accessKey and secretKey, "
               "registry.s3.credentialsFile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"};
}

}  // namespace berth::registry::s3
