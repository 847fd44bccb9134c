#include "policy/signature_rule.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/yaml_reader.h"
#include "supplychain/public_key.h"

namespace berth::policy {
namespace {

// A key file larger than this is not a public key (an RSA-8192 PEM is under 2 KiB).
constexpr std::uintmax_t kMaxKeyFileBytes = 64 * 1024;

std::string resolveKeyPath(const std::string& policyFile, const std::string& path) {
  const std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  return (std::filesystem::path(policyFile).parent_path() / p).lexically_normal().string();
}

// The PEM text of one `keys` entry and the name it is reported under, or nullopt after
// reporting why there is none.
std::optional<std::pair<std::string, std::string>> keyText(common::YamlMapReader& k,
                                                           const YAML::Node& at,
                                                           const std::string& policyFile,
                                                           size_t index) {
  const auto name = k.string("name");
  const auto pem = k.string("pem");
  const auto file = k.string("file");
  if (pem.has_value() == file.has_value()) {
    k.error(at, "a key needs exactly one of 'pem' (the PEM text) or 'file' (a path to it)");
    return std::nullopt;
  }
  if (pem) return std::make_pair(*pem, name.value_or("key " + std::to_string(index + 1)));
  const std::string path = resolveKeyPath(policyFile, *file);
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    k.error(k.node("file"), "cannot read key file " + path + ": " + ec.message());
    return std::nullopt;
  }
  if (size > kMaxKeyFileBytes) {
    k.error(k.node("file"), "key file " + path + " is " + std::to_string(size) +
                                " bytes, too large to be a public key");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    k.error(k.node("file"), "cannot read key file " + path);
    return std::nullopt;
  }
  return std::make_pair(text.str(), name.value_or(path));
}

void readKeys(common::YamlMapReader& r, const YAML::Node& keys,
              supplychain::SignatureRequirement& requirement) {
  if (!keys.IsSequence() || keys.size() == 0) {
    r.error(keys, "'keys' must be a non-empty list of {pem: ...} or {file: ...}");
    return;
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    common::YamlMapReader k(keys[i], r.file(), r.context() + " key " + std::to_string(i + 1),
                            r.errors());
    if (!k.valid()) continue;
    if (auto text = keyText(k, keys[i], r.file(), i)) {
      auto key = supplychain::PublicKey::fromPem(text->first, text->second);
      if (key) {
        requirement.keys.push_back(std::move(key).value());
      } else {
        k.error(keys[i], key.error().message);
      }
    }
    k.finish();
  }
}

}  // namespace

void readSignatureRequirement(common::YamlMapReader& r, bool isVerifySignature,
                              CompiledRule& rule) {
  const char* const kFields[] = {"keys", "minimum", "matchRepository"};
  if (!isVerifySignature) {
    for (const char* field : kFields) {
      if (r.has(field)) {
        r.error(r.node(field),
                "'" + std::string(field) + "' applies only to action verify-signature");
      }
    }
    return;
  }
  auto requirement = std::make_shared<supplychain::SignatureRequirement>();
  const YAML::Node keys = r.node("keys", true);
  if (keys.IsDefined()) readKeys(r, keys, *requirement);
  if (auto minimum = r.integer("minimum", 1, 64)) {
    requirement->minimum = static_cast<size_t>(*minimum);
    if (!requirement->keys.empty() && requirement->minimum > requirement->keys.size()) {
      r.error(r.node("minimum"), "'minimum' is " + std::to_string(*minimum) + " but only " +
                                     std::to_string(requirement->keys.size()) +
                                     " keys are listed: no image could pass");
    }
  }
  requirement->matchRepository = r.boolean("matchRepository").value_or(false);
  rule.signatures = std::move(requirement);
}

}  // namespace berth::policy
