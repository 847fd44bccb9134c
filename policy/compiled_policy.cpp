#include "policy/compiled_policy.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>

#include "common/regex.h"

namespace berth::policy {

bool PatternList::excluded(std::string_view text) const {
  for (const auto& re : exclude) {
    if (RE2::FullMatch(text, *re)) return true;
  }
  return false;
}

bool PatternList::matches(std::string_view text) const {
  if (excluded(text)) return false;
  if (include.empty()) return true;
  for (const auto& re : include) {
    if (RE2::FullMatch(text, *re)) return true;
  }
  return false;
}

struct RuleIndex::Matcher {
  explicit Matcher(const RE2::Options& options) : set(options, RE2::ANCHOR_BOTH) {}
  RE2::Set set;
};

RuleIndex::RuleIndex() = default;
RuleIndex::~RuleIndex() = default;
RuleIndex::RuleIndex(RuleIndex&&) noexcept = default;
RuleIndex& RuleIndex::operator=(RuleIndex&&) noexcept = default;

std::string RuleIndex::build(const std::vector<CompiledRule>& rules) {
  // Thousands of patterns in one DFA need more than RE2's default 8 MiB budget.
  set_ = std::make_unique<Matcher>(common::regexOptions(int64_t{256} << 20));
  patternToRule_.clear();
  alwaysCandidates_.clear();
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].images.include.empty()) {
      alwaysCandidates_.push_back(i);
      continue;
    }
    for (const auto& re : rules[i].images.include) {
      std::string error;
      if (set_->set.Add(re->pattern(), &error) < 0) return error;
      patternToRule_.push_back(i);
    }
  }
  if (!set_->set.Compile()) return "the rule patterns exceed RE2's memory budget";
  return {};
}

void RuleIndex::candidates(std::string_view image, std::vector<size_t>& out) const {
  out = alwaysCandidates_;
  if (patternToRule_.empty()) return;
  std::vector<int> hits;
  set_->set.Match(image, &hits);
  if (hits.empty()) return;
  for (int hit : hits) out.push_back(patternToRule_[static_cast<size_t>(hit)]);
  // Few rules match one image, so sorting them costs less than scanning every rule.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

}  // namespace berth::policy
