#include "common/args.h"

#include <ostream>

namespace berth::common {

Args::Args(std::string usage, std::string description, std::vector<Flag> flags)
    : usage_(std::move(usage)), description_(std::move(description)), flags_(std::move(flags)) {}

const Args::Flag* Args::find(const std::string& name) const {
  for (const auto& flag : flags_) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

Status Args::parse(const std::vector<std::string>& argv) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (word == "--help" || word == "-h") {
      help_ = true;
      continue;
    }
    if (word == "--") {
      positional_.insert(positional_.end(), argv.begin() + static_cast<long>(i) + 1, argv.end());
      break;
    }
    if (word.size() < 3 || word.rfind("--", 0) != 0) {
      positional_.push_back(word);
      continue;
    }
    std::string name = word.substr(2);
    std::optional<std::string> inlineValue;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      inlineValue = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const Flag* flag = find(name);
    if (flag == nullptr) {
      return Error{ErrorCode::InvalidArgument, "unknown flag --" + name + " (see --help)"};
    }
    std::string value;
    if (flag->valueName.empty()) {
      if (inlineValue && *inlineValue != "true" && *inlineValue != "false") {
        return Error{ErrorCode::InvalidArgument, "--" + name + " takes no value"};
      }
      value = inlineValue.value_or("true");
    } else if (inlineValue) {
      value = *inlineValue;
    } else if (i + 1 < argv.size()) {
      value = argv[++i];
    } else {
      return Error{ErrorCode::InvalidArgument,
                   "--" + name + " needs a value (" + flag->valueName + ")"};
    }
    auto& slot = values_[name];
    if (!flag->repeated && !slot.empty()) {
      return Error{ErrorCode::InvalidArgument, "--" + name + " given more than once"};
    }
    slot.push_back(value);
  }
  return {};
}

std::optional<int> Args::parseOrExit(const std::vector<std::string>& argv,
                                     const std::string& prefix, std::ostream& out,
                                     std::ostream& err, bool positionalAllowed) {
  if (auto parsed = parse(argv); !parsed) {
    err << prefix << parsed.error().message << "\n";
    return 2;
  }
  if (help_) {
    out << helpText();
    return 0;
  }
  if (!positionalAllowed && !positional_.empty()) {
    err << prefix << "unexpected argument '" << positional_[0] << "'\n";
    return 2;
  }
  return std::nullopt;
}

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::string Args::helpText() const {
  std::string out = "Usage: " + usage_ + "\n\n" + description_ + "\n";
  if (!flags_.empty()) out += "\nFlags:\n";
  for (const auto& flag : flags_) {
    std::string left = "  --" + flag.name;
    if (!flag.valueName.empty()) left += " " + flag.valueName;
    if (left.size() < 34)
      left.resize(34, ' ');
    else
      left += "  ";
    out += left + flag.help + (flag.repeated ? " (repeatable)" : "") + "\n";
  }
  out += "  --help                          show this help\n";
  return out;
}

}  // namespace berth::common
