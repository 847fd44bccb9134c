#include "admission/mutate.h"

#include <map>

#include "admission/json_patch.h"
#include "admission/registry_source.h"
#include "common/oci/image_reference.h"

namespace berth::admission {
namespace {

struct PinOutcome {
  std::string image;  // the pinned reference, or empty on failure
  std::string error;
};

PinOutcome pin(const std::string& image, const MutateContext& context) {
  auto reference = oci::parseImageReference(image);
  if (!reference) return {"", reference.error().message};
  if (reference->hasDigest()) return {image, ""};
  auto repository = registrySourceOf(*reference, context.policy.options);
  if (!repository) return {"", repository.error().message};
  auto digest = context.resolver.resolve(*repository, reference->tag, context.deadline);
  if (!digest) return {"", digest.error().message};
  reference->digest = *digest;
  return {reference->str(), ""};
}

const nlohmann::json* annotationsOf(const nlohmann::json& object) {
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return nullptr;
  const auto annotations = metadata->find("annotations");
  if (annotations == metadata->end() || !annotations->is_object()) return nullptr;
  return &*annotations;
}

// The annotation value after recording `originals`, or nullopt when it would not change (so
// that reviewing the webhook's own output adds nothing).
std::optional<std::string> mergedAnnotation(const nlohmann::json& object,
                                            const std::map<std::string, std::string>& originals) {
  nlohmann::json recorded = nlohmann::json::object();
  const std::string* existing = nullptr;
  if (const auto* annotations = annotationsOf(object)) {
    if (const auto it = annotations->find(kOriginalImagesAnnotation);
        it != annotations->end() && it->is_string()) {
      existing = &it->get_ref<const std::string&>();
      // allow_exceptions=false: a hand-edited, broken annotation is replaced, not fatal.
      auto parsed = nlohmann::json::parse(*existing, nullptr, false);
      if (parsed.is_object()) recorded = std::move(parsed);
    }
  }
  for (const auto& [pointer, image] : originals) recorded[pointer] = image;
  std::string text = recorded.dump();
  if (existing && *existing == text) return std::nullopt;
  return text;
}

void addAnnotation(const nlohmann::json& object, const std::string& value, JsonPatch& patch) {
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) {
    patch.add("/metadata", {{"annotations", {{kOriginalImagesAnnotation, value}}}});
  } else if (!annotationsOf(object)) {
    patch.add("/metadata/annotations", {{kOriginalImagesAnnotation, value}});
  } else {
    // "add" on an existing member replaces it (RFC 6902 4.1), so one op covers both cases.
    patch.add("/metadata/annotations/" + escapePointerToken(kOriginalImagesAnnotation), value);
  }
}

}  // namespace

Review mutate(const AdmissionRequest& request, const MutateContext& context) {
  Review review;
  review.response.uid = request.uid;
  auto judged = judgeImages(request, context.policy);
  if (!judged) {
    review.result = "invalid";
    review.response.allowed = false;
    review.response.code = 400;
    review.response.message = "berth: " + judged.error().message;
    return review;
  }
  review.images = std::move(judged).value();
  JsonPatch patch;
  std::map<std::string, std::string> originals;
  std::vector<std::string> pinDenials;
  for (auto& judgement : review.images) {
    if (!judgement.decision) continue;
    const policy::Decision& decision = *judgement.decision;
    if (decision.verdict == policy::Verdict::Deny) continue;
    std::string image = decision.verdict == policy::Verdict::Rewrite && decision.rewritten
                            ? *decision.rewritten
                            : judgement.container.image;
    if (decision.pin) {
      PinOutcome pinned = pin(image, context);
      if (!pinned.error.empty()) {
        const std::string problem = describeContainer(judgement) + ": not pinned to a digest" +
                                    (decision.rule ? " (rule \"" + *decision.rule + "\")" : "") +
                                    ": " + pinned.error;
        if (decision.onPinFailure == policy::PinFailure::Deny) {
          pinDenials.push_back(problem);
          if (!review.rule) review.rule = decision.rule;
        } else {
          review.response.warnings.push_back("berth: " + problem);
        }
      } else {
        image = std::move(pinned.image);
      }
    }
    if (image != judgement.container.image) {
      patch.replace(judgement.container.imagePointer(), image);
      originals.emplace(judgement.container.pointer, judgement.container.image);
      judgement.patchedImage = std::move(image);
      if (!review.rule) review.rule = decision.rule;
    }
  }
  if (!pinDenials.empty()) {
    review.result = "denied";
    review.response.allowed = false;
    review.response.code = 403;
    review.response.message = "berth: ";
    for (size_t i = 0; i < pinDenials.size(); ++i) {
      review.response.message += (i ? "; " : "") + pinDenials[i];
    }
    return review;
  }
  // A subresource update keeps the Pod's metadata, so the annotation would be dropped anyway.
  if (!originals.empty() && request.subResource.empty()) {
    if (auto value = mergedAnnotation(request.object, originals)) {
      addAnnotation(request.object, *value, patch);
    }
  }
  if (!patch.empty()) {
    review.response.patch = patch.toJson();
    review.result = "patched";
  } else if (!review.response.warnings.empty()) {
    review.result = "warned";
  }
  return review;
}

}  // namespace berth::admission
