#include "admission/json_patch.h"

#include <gtest/gtest.h>

namespace berth::admission {
namespace {

TEST(JsonPatchTest, EscapesPointerTokens) {
  EXPECT_EQ(escapePointerToken("berth.dev/original-images"), "berth.dev~1original-images");
  EXPECT_EQ(escapePointerToken("a~b/c"), "a~0b~1c");
  EXPECT_EQ(escapePointerToken("~1"), "~01");
  EXPECT_EQ(escapePointerToken(""), "");
}

TEST(JsonPatchTest, BuildsOperationsInOrder) {
  JsonPatch patch;
  EXPECT_TRUE(patch.empty());
  patch.replace("/spec/containers/0/image", "localhost:5005/docker.io/library/nginx:1.25");
  patch.add("/metadata/annotations/" + escapePointerToken("berth.dev/original-images"), "{}");
  EXPECT_EQ(patch.size(), 2u);
  EXPECT_EQ(patch.toJson(),
            R"([{"op":"replace","path":"/spec/containers/0/image",)"
            R"("value":"localhost:5005/docker.io/library/nginx:1.25"},)"
            R"({"op":"add","path":"/metadata/annotations/berth.dev~1original-images",)"
            R"("value":"{}"}])");
}

TEST(JsonPatchTest, EscapedPathsApplyToKeysWithSlashes) {
  const nlohmann::json doc = {{"metadata", {{"annotations", {{"a/b", "old"}}}}}};
  JsonPatch patch;
  patch.add("/metadata/annotations/" + escapePointerToken("a/b"), "new");
  patch.add("/metadata/annotations/" + escapePointerToken("c~d"), "x");
  const auto patched = doc.patch(patch.operations());
  EXPECT_EQ(patched["metadata"]["annotations"]["a/b"], "new");
  EXPECT_EQ(patched["metadata"]["annotations"]["c~d"], "x");
}

}  // namespace
}  // namespace berth::admission
