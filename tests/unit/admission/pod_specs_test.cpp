#include "admission/pod_specs.h"

#include <gtest/gtest.h>

#include "tests/unit/admission/fixtures.h"

namespace berth::admission {
namespace {

using test::fixtureRequest;

std::vector<std::string> pointersOf(const std::string& fixture) {
  const auto request = fixtureRequest(fixture);
  auto found = findContainerImages(request.kind, request.object);
  EXPECT_TRUE(found) << found.error().message;
  std::vector<std::string> out;
  if (!found) return out;
  for (const auto& c : *found) out.push_back(c.imagePointer() + "=" + c.image);
  return out;
}

TEST(PodSpecsTest, PodListsContainersThenInitContainers) {
  EXPECT_EQ(
      pointersOf("pod-create.json"),
      (std::vector<std::string>{"/spec/containers/0/image=nginx:1.25",
                                "/spec/containers/1/image=registry.example.com/team-a/agent:2.0",
                                "/spec/initContainers/0/image=docker.io/library/busybox:1.36"}));
}

TEST(PodSpecsTest, EachWorkloadKindHasItsTemplatePath) {
  const std::string templ = "/spec/template/spec";
  for (const char* fixture :
       {"deployment-create.json", "statefulset-create.json", "daemonset-create.json",
        "replicaset-create.json", "replicationcontroller-create.json", "job-create.json"}) {
    EXPECT_EQ(pointersOf(fixture),
              (std::vector<std::string>{
                  templ + "/containers/0/image=redis:7.2",
                  templ + "/initContainers/0/image=registry.example.com/team-a/setup:1.0"}))
        << fixture;
  }
  EXPECT_EQ(
      pointersOf("cronjob-create.json"),
      (std::vector<std::string>{"/spec/jobTemplate/spec/template/spec/containers/0/image=redis:7.2",
                                "/spec/jobTemplate/spec/template/spec/initContainers/0/image="
                                "registry.example.com/team-a/setup:1.0"}));
}

TEST(PodSpecsTest, EphemeralContainersInBothSubresourceShapes) {
  EXPECT_EQ(pointersOf("ephemeral-legacy.json"),
            (std::vector<std::string>{"/ephemeralContainers/0/image=busybox:1.36"}));
  EXPECT_EQ(pointersOf("ephemeral-pod.json"),
            (std::vector<std::string>{
                "/spec/containers/0/image=localhost:5005/docker.io/library/nginx:1.25",
                "/spec/ephemeralContainers/0/image=busybox:1.36"}));
}

TEST(PodSpecsTest, KindsWithoutPodsAndNullObjectsHaveNoContainers) {
  EXPECT_TRUE(pointersOf("configmap-create.json").empty());
  EXPECT_TRUE(pointersOf("pod-delete.json").empty());
  EXPECT_FALSE(podSpecPointer({"", "v1", "ConfigMap"}));
  // A custom resource that shares a built-in kind's name is not looked into.
  EXPECT_FALSE(podSpecPointer({"example.com", "v1", "Deployment"}));
  EXPECT_EQ(podSpecPointer({"apps", "v1", "Deployment"}), "/spec/template/spec");
  EXPECT_EQ(podSpecPointer({"batch", "v1", "CronJob"}), "/spec/jobTemplate/spec/template/spec");
  EXPECT_EQ(podSpecPointer({"", "v1", "Pod"}), "/spec");
}

TEST(PodSpecsTest, NamesTheContainer) {
  const auto request = fixtureRequest("pod-create.json");
  auto found = findContainerImages(request.kind, request.object);
  ASSERT_TRUE(found);
  EXPECT_EQ((*found)[0].name, "app");
  EXPECT_EQ((*found)[0].list, "containers");
  EXPECT_EQ((*found)[2].name, "init");
  EXPECT_EQ((*found)[2].list, "initContainers");
  EXPECT_EQ((*found)[2].pointer, "/spec/initContainers/0");
}

std::string errorFor(nlohmann::json object, const GroupVersionKind& kind = {"", "v1", "Pod"}) {
  auto found = findContainerImages(kind, object);
  EXPECT_FALSE(found);
  return found ? "" : found.error().message;
}

TEST(PodSpecsTest, WronglyTypedFieldsAreErrorsNamingThePointer) {
  EXPECT_EQ(errorFor({{"spec", "x"}}), "the object's /spec must be an object");
  EXPECT_EQ(errorFor({{"spec", {{"containers", {{"a", 1}}}}}}),
            "the object's /spec/containers must be an array");
  EXPECT_EQ(errorFor({{"spec", {{"initContainers", {1}}}}}),
            "the object's /spec/initContainers/0 must be an object");
  EXPECT_EQ(errorFor({{"spec", {{"containers", {{{"name", "a"}, {"image", 5}}}}}}}),
            "the object's /spec/containers/0/image must be a string");
  EXPECT_EQ(errorFor({{"spec", {{"template", 3}}}}, {"apps", "v1", "Deployment"}),
            "the object's /spec/template must be an object");
}

TEST(PodSpecsTest, ContainersWithoutImageAndMissingTemplatesAreSkipped) {
  const nlohmann::json pod = {{"spec", {{"containers", {{{"name", "a"}}}}}}};
  auto found = findContainerImages({"", "v1", "Pod"}, pod);
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->empty());
  auto deployment = findContainerImages({"apps", "v1", "Deployment"}, {{"spec", {}}});
  ASSERT_TRUE(deployment);
  EXPECT_TRUE(deployment->empty());
}

}  // namespace
}  // namespace berth::admission
