#include "admission/judge.h"

#include <map>
#include <utility>

#include "policy/engine.h"

namespace berth::admission {

common::Result<std::vector<ImageJudgement>> judgeImages(const AdmissionRequest& request,
                                                        const policy::CompiledPolicy& policy) {
  std::vector<ImageJudgement> out;
  if (request.operation != "CREATE" && request.operation != "UPDATE") return out;
  BERTH_TRY_ASSIGN(auto containers, findContainerImages(request.kind, request.object));
  std::map<std::pair<std::string_view, std::string>, std::string> before;
  if (request.operation == "UPDATE" && !containers.empty()) {
    // A malformed old object only means nothing counts as unchanged.
    if (auto old = findContainerImages(request.kind, request.oldObject)) {
      for (auto& c : *old) before.emplace(std::make_pair(c.list, c.name), std::move(c.image));
    }
  }
  out.reserve(containers.size());
  for (auto& container : containers) {
    ImageJudgement judgement;
    judgement.container = std::move(container);
    const auto& c = judgement.container;
    if (const auto it = before.find({c.list, c.name});
        it != before.end() && it->second == c.image) {
      judgement.unchanged = true;
    } else if (auto decision = policy::evaluate(policy, c.image, request.namespaceName,
                                                policy::Operation::Admit)) {
      judgement.decision = std::move(decision).value();
    } else {
      judgement.invalidReference = decision.error().message;
    }
    out.push_back(std::move(judgement));
  }
  return out;
}

std::string describeContainer(const ImageJudgement& judgement) {
  const auto& c = judgement.container;
  return "container \"" + c.name + "\" (" + c.pointer + ") image \"" + c.image + "\"";
}

}  // namespace berth::admission
