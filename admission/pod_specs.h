#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admission/admission_review.h"
#include "common/result.h"

namespace berth::admission {

// One container of the object under review, located by JSON pointer so that a patch can replace
// exactly its image.
struct ContainerImage {
  std::string pointer;    // the container: "/spec/template/spec/containers/0"
  std::string_view list;  // "containers", "initContainers" or "ephemeralContainers"
  std::string name;
  std::string image;
  std::string imagePointer() const { return pointer + "/image"; }
};

// Where the pod spec sits in objects of this kind: "/spec" for Pods, "/spec/template/spec" for
// Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers and Jobs,
// "/spec/jobTemplate/spec/template/spec" for CronJobs, "" for the pre-1.22 EphemeralContainers
// object of the pods/ephemeralcontainers subresource (its list sits at the top). nullopt for
// kinds that carry no pod spec.
std::optional<std::string_view> podSpecPointer(const GroupVersionKind& kind);

// Every container with an image in the object, in the order containers, initContainers,
// ephemeralContainers. Kinds without a pod spec and null objects give an empty list; a field of
// the wrong type is an InvalidArgument error naming it.
common::Result<std::vector<ContainerImage>> findContainerImages(const GroupVersionKind& kind,
                                                                const nlohmann::json& object);

}  // namespace berth::admission
