#include "policy/loader.h"

#include <re2/re2.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include "common/oci/image_reference.h"
#include "common/regex.h"
#include "common/yaml_reader.h"
#include "policy/compiled_policy.h"
#include "policy/signature_rule.h"
#include "policy/vulnerability_rule.h"

namespace berth::policy {
namespace {

using common::Error;
using common::ErrorCode;
using common::YamlMapReader;

constexpr const char* kApiVersion = "berth.dev/v1";
constexpr const char* kKind = "ImagePolicy";

// Collects what one load finds; nothing is installed unless it stays empty.
struct LoadContext {
  const LoadOptions& options;
  std::vector<std::string> errors;
  std::set<std::string> policyNames;
};

std::shared_ptr<const re2::RE2> compilePattern(YamlMapReader& reader, const YAML::Node& at,
                                               const std::string& pattern) {
  auto re = common::compileRegex(pattern);
  if (!re) {
    reader.error(at, "invalid pattern '" + pattern + "': " + re.error().message);
    return nullptr;
  }
  return *re;
}

void readPatternNodes(YamlMapReader& reader, const YAML::Node& list, const std::string& what,
                      std::vector<std::shared_ptr<const re2::RE2>>& out) {
  if (list.IsScalar()) {
    if (auto re = compilePattern(reader, list, list.Scalar())) out.push_back(std::move(re));
    return;
  }
  if (!list.IsSequence()) {
    reader.error(list, "'" + what + "' must be a list of patterns");
    return;
  }
  for (const auto& item : list) {
    if (!item.IsScalar()) {
      reader.error(item, "'" + what + "' must contain only strings");
      continue;
    }
    if (auto re = compilePattern(reader, item, item.Scalar())) out.push_back(std::move(re));
  }
}

// A dimension is either a list of include patterns or {include: [...], exclude: [...]}.
PatternList readPatterns(YamlMapReader& parent, const std::string& key,
                         std::vector<std::string>& errors) {
  PatternList patterns;
  YAML::Node node = parent.node(key);
  if (!node.IsDefined()) return patterns;
  if (node.IsMap()) {
    YamlMapReader r(node, parent.file(), parent.context() + "." + key, errors);
    if (YAML::Node inc = r.node("include"); inc.IsDefined()) {
      readPatternNodes(r, inc, "include", patterns.include);
    }
    if (YAML::Node exc = r.node("exclude"); exc.IsDefined()) {
      readPatternNodes(r, exc, "exclude", patterns.exclude);
    }
    r.finish();
  } else {
    readPatternNodes(parent, node, key, patterns.include);
  }
  return patterns;
}

bool parseAction(const std::string& text, Action& out) {
  static const std::pair<const char*, Action> kActions[] = {
      {"allow", Action::Allow},
      {"deny", Action::Deny},
      {"rewrite", Action::Rewrite},
      {"require-digest", Action::RequireDigest},
      {"immutable-tags", Action::ImmutableTags},
      {"verify-signature", Action::VerifySignature},
      {"check-vulnerabilities", Action::CheckVulnerabilities}};
  for (const auto& [name, action] : kActions) {
    if (text == name) {
      out = action;
      return true;
    }
  }
  return false;
}

// A rewrite target is a registry host with an optional port and path prefix: it must be what a
// valid image reference starts with.
bool isValidRewriteTarget(const std::string& target) {
  if (target.empty() || target.back() == '/') return false;
  auto parsed = oci::parseImageReference(target + "/x:y");
  if (!parsed) return false;
  const std::string host = target.substr(0, target.find('/'));
  return parsed->domain == host;
}

void readRule(const YAML::Node& node, const std::string& file, const std::string& policyName,
              size_t index, LoadContext& ctx, std::set<std::string>& ruleNames,
              CompiledPolicyDocument& doc) {
  std::string context = "policy '" + policyName + "' rule " + std::to_string(index + 1);
  if (node.IsMap() && node["name"].IsDefined() && node["name"].IsScalar()) {
    context = "policy '" + policyName + "' rule '" + node["name"].Scalar() + "'";
  }
  YamlMapReader r(node, file, context, ctx.errors);
  if (!r.valid()) return;
  CompiledRule rule;
  rule.source = common::yamlPosition(file, node);
  rule.name = r.string("name", true).value_or("");
  if (!rule.name.empty() && !ruleNames.insert(rule.name).second) {
    r.error(r.node("name"), "duplicate rule name '" + rule.name + "' in this policy");
  }
  if (YAML::Node match = r.node("match"); match.IsDefined()) {
    YamlMapReader m(match, file, context + " match", ctx.errors);
    if (m.valid()) {
      rule.images = readPatterns(m, "images", ctx.errors);
      rule.namespaces = readPatterns(m, "namespaces", ctx.errors);
    }
    m.finish();
  }
  const auto actionText = r.string("action", true);
  bool actionOk = false;
  if (actionText) {
    actionOk = parseAction(*actionText, rule.action);
    if (!actionOk) {
      r.error(r.node("action"), "unknown action '" + *actionText +
                                    "' (use allow, deny, rewrite, require-digest, "
                                    "immutable-tags, verify-signature or check-vulnerabilities)");
    }
  }
  rule.message = r.string("message").value_or("");
  const bool isRewrite = actionOk && rule.action == Action::Rewrite;
  const bool isDigest = actionOk && rule.action == Action::RequireDigest;
  if (actionOk && rule.action == Action::Deny && rule.message.empty()) {
    r.error(node, "action deny needs a 'message' telling users what to do instead");
  }
  if (auto target = r.string("target")) {
    if (!isRewrite && actionOk)
      r.error(r.node("target"), "'target' applies only to action rewrite");
    if (!isValidRewriteTarget(*target)) {
      r.error(r.node("target"), "invalid rewrite target '" + *target +
                                    "' (want a registry host such as localhost:5005 or "
                                    "registry.example.com/mirror)");
    }
    rule.rewriteTarget = *target;
  } else {
    rule.rewriteTarget = ctx.options.defaultRewriteTarget;
  }
  if (auto pin = r.boolean("pin")) {
    if (!isDigest && actionOk)
      r.error(r.node("pin"), "'pin' applies only to action require-digest");
    rule.pin = *pin;
  }
  if (auto failure = r.string("onPinFailure")) {
    if (!isDigest && actionOk) {
      r.error(r.node("onPinFailure"), "'onPinFailure' applies only to action require-digest");
    }
    if (*failure == "allow") {
      rule.onPinFailure = PinFailure::Allow;
    } else if (*failure == "deny") {
      rule.onPinFailure = PinFailure::Deny;
    } else {
      r.error(r.node("onPinFailure"), "'onPinFailure' must be allow or deny");
    }
  }
  const bool isSignatureGate = actionOk && rule.action == Action::VerifySignature;
  const bool isVulnerabilityGate = actionOk && rule.action == Action::CheckVulnerabilities;
  if (actionOk) {
    readSignatureRequirement(r, isSignatureGate, rule);
    readVulnerabilityRequirement(r, isVulnerabilityGate, rule);
    readOnUnverifiable(r, isSignatureGate || isVulnerabilityGate, rule);
  }
  if (auto ops = r.stringList("operations")) {
    for (const auto& op : *ops) {
      if (op == "admit")
        rule.operations.push_back(Operation::Admit);
      else if (op == "push")
        rule.operations.push_back(Operation::Push);
      else if (op == "pull")
        rule.operations.push_back(Operation::Pull);
      else
        r.error(r.node("operations"), "unknown operation '" + op + "' (use admit, push or pull)");
    }
    if (ops->empty()) r.error(r.node("operations"), "'operations' must not be empty");
    if ((isSignatureGate || isVulnerabilityGate) &&
        std::find(rule.operations.begin(), rule.operations.end(), Operation::Push) !=
            rule.operations.end()) {
      r.error(r.node("operations"),
              std::string(isSignatureGate ? "verify-signature" : "check-vulnerabilities") +
                  " applies to admit and pull, not push: an image's " +
                  (isSignatureGate ? "signatures are" : "reports are") + " pushed after it");
    }
  } else {
    rule.operations = {Operation::Admit};
  }
  r.finish();
  doc.rules.push_back(std::move(rule));
}

void readDocument(const YAML::Node& root, const std::string& file, LoadContext& ctx,
                  CompiledPolicy& policy) {
  if (root.IsNull()) return;  // an empty document, such as after a trailing "---"
  YamlMapReader top(root, file, "policy document", ctx.errors);
  if (!top.valid()) return;
  const auto apiVersion = top.string("apiVersion", true);
  if (apiVersion && *apiVersion != kApiVersion) {
    top.error(top.node("apiVersion"),
              "unsupported apiVersion '" + *apiVersion + "' (want " + kApiVersion + ")");
  }
  const auto kind = top.string("kind", true);
  if (kind && *kind != kKind)
    top.error(top.node("kind"), "unsupported kind '" + *kind + "' (want " + kKind + ")");

  CompiledPolicyDocument doc;
  doc.source = common::yamlPosition(file, root);
  if (YAML::Node meta = top.node("metadata", true); meta.IsDefined()) {
    YamlMapReader m(meta, file, "policy metadata", ctx.errors);
    doc.name = m.string("name", true).value_or("");
    m.node("labels");
    m.node("annotations");
    m.finish();
  }
  if (!doc.name.empty() && !ctx.policyNames.insert(doc.name).second) {
    top.error(root, "duplicate policy name '" + doc.name + "'");
  }
  const std::string context = "policy '" + doc.name + "'";
  YAML::Node spec = top.node("spec", true);
  top.finish();
  if (!spec.IsDefined()) return;
  YamlMapReader s(spec, file, context, ctx.errors);
  if (!s.valid()) return;
  if (auto mode = s.string("mode")) {
    if (*mode == "enforce")
      doc.mode = Mode::Enforce;
    else if (*mode == "warn")
      doc.mode = Mode::Warn;
    else if (*mode == "audit")
      doc.mode = Mode::Audit;
    else
      s.error(s.node("mode"), "unknown mode '" + *mode + "' (use enforce, warn or audit)");
  }
  doc.namespaces = readPatterns(s, "namespaces", ctx.errors);
  if (YAML::Node def = s.node("default"); def.IsDefined()) {
    YamlMapReader d(def, file, context + " default", ctx.errors);
    if (auto action = d.string("action", true)) {
      if (*action == "allow")
        doc.defaultVerdict = Verdict::Allow;
      else if (*action == "deny")
        doc.defaultVerdict = Verdict::Deny;
      else
        d.error(d.node("action"), "default action must be allow or deny, not '" + *action + "'");
    }
    doc.defaultMessage = d.string("message").value_or("");
    d.finish();
  }
  YAML::Node rules = s.node("rules");
  if (rules.IsDefined()) {
    if (!rules.IsSequence()) {
      s.error(rules, "'rules' must be a list");
    } else {
      std::set<std::string> ruleNames;
      for (size_t i = 0; i < rules.size(); ++i) {
        readRule(rules[i], file, doc.name, i, ctx, ruleNames, doc);
      }
    }
  }
  s.finish();
  if (const std::string error = doc.index.build(doc.rules); !error.empty()) {
    ctx.errors.push_back(doc.source + ": " + context + ": " + error);
  }
  for (const auto& rule : doc.rules) {
    if (rule.action == Action::Rewrite &&
        std::find(policy.rewriteTargets.begin(), policy.rewriteTargets.end(), rule.rewriteTarget) ==
            policy.rewriteTargets.end()) {
      policy.rewriteTargets.push_back(rule.rewriteTarget);
    }
  }
  policy.documents.push_back(std::move(doc));
}

// yaml-cpp 0.7 (Debian 12) loops forever in LoadAll, allocating, when a document has a stray
// ',' after its top-level node (",", "{a: b},"): the parser hands out the same empty document
// again and again. This pass over the events finds a document that starts where the previous one
// did, so LoadAll runs only on text it finishes.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  YAML::Mark start;
};

std::optional<YAML::Mark> stuckDocument(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  int previous = -1;
  while (parser.HandleNextDocument(starts)) {
    if (starts.start.pos <= previous) return starts.start;
    previous = starts.start.pos;
  }
  return std::nullopt;
}

void readText(const std::string& text, const std::string& file, LoadContext& ctx,
              CompiledPolicy& policy) {
  std::vector<YAML::Node> documents;
  try {
    if (auto stuck = stuckDocument(text)) {
      ctx.errors.push_back(common::yamlPosition(file, *stuck) +
                           ": invalid YAML: unexpected ',' after the document's top-level node");
      return;
    }
    documents = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    ctx.errors.push_back(common::yamlPosition(file, e.mark) + ": invalid YAML: " + e.msg);
    return;
  }
  for (const auto& doc : documents) {
    // yaml-cpp throws on some malformed shapes we did not foresee; report them, never crash.
    try {
      readDocument(doc, file, ctx, policy);
    } catch (const YAML::Exception& e) {
      ctx.errors.push_back(common::yamlPosition(file, e.mark) + ": unexpected YAML: " + e.msg);
    }
  }
}

// Where an error points: "file:line:column: ..." or "file: ..." (line and column 0).
struct ErrorPosition {
  std::string file;
  long line = 0;
  long column = 0;
  bool operator<(const ErrorPosition& o) const {
    return std::tie(file, line, column) < std::tie(o.file, o.line, o.column);
  }
};

// Reads "<digits>" ending at `end` (exclusive) backwards; npos when there are none.
size_t digitsBefore(const std::string& text, size_t end, long* value) {
  size_t start = end;
  while (start > 0 && text[start - 1] >= '0' && text[start - 1] <= '9') --start;
  if (start == end || end - start > 9) return std::string::npos;
  *value = std::stol(text.substr(start, end - start));
  return start;
}

ErrorPosition positionOf(const std::string& error) {
  const std::string head = error.substr(0, error.find(": "));
  ErrorPosition at;
  long line = 0, column = 0;
  const size_t columnAt = digitsBefore(head, head.size(), &column);
  if (columnAt != std::string::npos && columnAt > 0 && head[columnAt - 1] == ':') {
    const size_t lineAt = digitsBefore(head, columnAt - 1, &line);
    if (lineAt != std::string::npos && lineAt > 0 && head[lineAt - 1] == ':') {
      at.file = head.substr(0, lineAt - 1);
      at.line = line;
      at.column = column;
      return at;
    }
  }
  at.file = head;
  return at;
}

// The errors as one message, in file, line and column order: a reader fixes them top down, and
// the checks that find them do not run in that order (unknown keys are found after the fields).
std::string joinLines(std::vector<std::string> lines) {
  std::stable_sort(lines.begin(), lines.end(), [](const std::string& a, const std::string& b) {
    return positionOf(a) < positionOf(b);
  });
  std::string out;
  for (const auto& line : lines) out += (out.empty() ? "" : "\n") + line;
  return out;
}

std::shared_ptr<CompiledPolicy> newPolicy(const LoadOptions& options) {
  auto policy = std::make_shared<CompiledPolicy>();
  policy->options = options;
  policy->rewriteTargets = {options.defaultRewriteTarget};
  return policy;
}

bool isPolicyFileName(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;  // ..data, ..2024_..., editor files
  auto endsWith = [&](const char* suffix) {
    const std::string s(suffix);
    return name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  return endsWith(".yaml") || endsWith(".yml");
}

}  // namespace

std::vector<std::string> listPolicyFiles(const std::string& path, std::string* error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> files;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    if (error) *error = path + ": no such file or directory";
    return files;
  }
  if (!fs::is_directory(status)) {
    files.push_back(path);
    return files;
  }
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    // A ConfigMap key is a symlink through ..data; is_regular_file follows it.
    if (isPolicyFileName(name) && fs::is_regular_file(entry.path(), ec)) {
      files.push_back(entry.path().string());
    }
  }
  if (ec && error) *error = path + ": " + ec.message();
  std::sort(files.begin(), files.end());
  return files;
}

PolicySnapshot emptyPolicy(const LoadOptions& options) { return newPolicy(options); }

LoadOptions loadOptionsFor(const common::Config& config) {
  LoadOptions options;
  options.defaultRewriteTarget = config.policy.rewriteTarget;
  for (const auto& up : config.registry.proxy.upstreams) {
    options.upstreams.push_back(MirroredUpstream{up.host, up.alias});
  }
  return options;
}

common::Result<PolicySnapshot> loadPolicyText(const std::string& text,
                                              const std::string& sourceName,
                                              const LoadOptions& options) {
  LoadContext ctx{options, {}, {}};
  auto policy = newPolicy(options);
  readText(text, sourceName, ctx, *policy);
  if (!ctx.errors.empty()) return Error{ErrorCode::InvalidArgument, joinLines(ctx.errors)};
  policy->files = {sourceName};
  return PolicySnapshot(policy);
}

common::Result<PolicySnapshot> loadPolicyPath(const std::string& path, const LoadOptions& options) {
  if (path.empty()) return emptyPolicy(options);
  std::string listError;
  const auto files = listPolicyFiles(path, &listError);
  if (!listError.empty()) return Error{ErrorCode::NotFound, listError};
  LoadContext ctx{options, {}, {}};
  auto policy = newPolicy(options);
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      ctx.errors.push_back(file + ": cannot read file");
      continue;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    readText(buffer.str(), file, ctx, *policy);
  }
  if (!ctx.errors.empty()) return Error{ErrorCode::InvalidArgument, joinLines(ctx.errors)};
  policy->files = files;
  return PolicySnapshot(policy);
}

}  // namespace berth::policy
