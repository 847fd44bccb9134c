#include "admission/pod_specs.h"

#include <array>

namespace berth::admission {
namespace {

struct KindLayout {
  std::string_view group;
  std::string_view kind;
  std::string_view specPointer;
  bool ephemeralOnly;  // the EphemeralContainers object holds nothing else
};

// The table of every kind the webhooks look into. Kinds are matched with their API group so
// that a CRD that happens to be called "Deployment" is left alone.
constexpr std::array<KindLayout, 9> kLayouts = {{
    {"", "Pod", "/spec", false},
    {"", "EphemeralContainers", "", true},
    {"", "ReplicationController", "/spec/template/spec", false},
    {"apps", "Deployment", "/spec/template/spec", false},
    {"apps", "StatefulSet", "/spec/template/spec", false},
    {"apps", "DaemonSet", "/spec/template/spec", false},
    {"apps", "ReplicaSet", "/spec/template/spec", false},
    {"batch", "Job", "/spec/template/spec", false},
    {"batch", "CronJob", "/spec/jobTemplate/spec/template/spec", false},
}};

constexpr std::array<std::string_view, 3> kLists = {"containers", "initContainers",
                                                    "ephemeralContainers"};

const KindLayout* layoutOf(const GroupVersionKind& kind) {
  for (const auto& layout : kLayouts) {
    if (layout.kind == kind.kind && layout.group == kind.group) return &layout;
  }
  return nullptr;
}

common::Error wrongType(const std::string& pointer, const char* expected) {
  return common::Error{common::ErrorCode::InvalidArgument,
                       "the object's " + pointer + " must be " + expected};
}

// Follows a pointer of plain member names (no escapes: the table has none). Null when a member
// is missing; an error when something on the way is not an object.
common::Result<const nlohmann::json*> follow(const nlohmann::json& object,
                                             std::string_view pointer) {
  const nlohmann::json* node = &object;
  size_t pos = 0;
  while (pos < pointer.size()) {
    const size_t next = pointer.find('/', pos + 1);
    const std::string key(pointer.substr(pos + 1, next - pos - 1));
    const auto it = node->find(key);
    if (it == node->end() || it->is_null()) return static_cast<const nlohmann::json*>(nullptr);
    if (!it->is_object()) return wrongType(std::string(pointer.substr(0, next)), "an object");
    node = &*it;
    pos = next == std::string_view::npos ? pointer.size() : next;
  }
  return node;
}

}  // namespace

std::optional<std::string_view> podSpecPointer(const GroupVersionKind& kind) {
  const KindLayout* layout = layoutOf(kind);
  if (!layout) return std::nullopt;
  return layout->specPointer;
}

common::Result<std::vector<ContainerImage>> findContainerImages(const GroupVersionKind& kind,
                                                                const nlohmann::json& object) {
  std::vector<ContainerImage> out;
  const KindLayout* layout = layoutOf(kind);
  if (!layout || !object.is_object()) return out;
  BERTH_TRY_ASSIGN(const nlohmann::json* spec, follow(object, layout->specPointer));
  if (!spec) return out;
  for (const std::string_view list : kLists) {
    if (layout->ephemeralOnly && list != "ephemeralContainers") continue;
    const auto it = spec->find(std::string(list));
    if (it == spec->end() || it->is_null()) continue;
    const std::string listPointer = std::string(layout->specPointer) + "/" + std::string(list);
    if (!it->is_array()) return wrongType(listPointer, "an array");
    for (size_t i = 0; i < it->size(); ++i) {
      const nlohmann::json& container = (*it)[i];
      std::string pointer = listPointer + "/" + std::to_string(i);
      if (!container.is_object()) return wrongType(pointer, "an object");
      const auto image = container.find("image");
      // A container without an image is rejected by the API server's own validation.
      if (image == container.end() || image->is_null()) continue;
      if (!image->is_string()) return wrongType(pointer + "/image", "a string");
      ContainerImage entry;
      entry.pointer = std::move(pointer);
      entry.list = list;
      if (const auto name = container.find("name"); name != container.end() && name->is_string()) {
        entry.name = name->get<std::string>();
      }
      entry.image = image->get<std::string>();
      out.push_back(std::move(entry));
    }
  }
  return out;
}

}  // namespace berth::admission
