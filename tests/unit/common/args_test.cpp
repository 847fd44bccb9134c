#include "common/args.h"

#include <gtest/gtest.h>

namespace berth::common {
namespace {

Args makeArgs() {
  return Args("tool [FLAGS]", "A tool.",
              {{"name", "NAME", "a name"}, {"verbose", "", "chatty"}, {"tag", "T", "tags", true}});
}

TEST(ArgsTest, ParsesEveryForm) {
  Args args = makeArgs();
  ASSERT_TRUE(args.parse(
      {"--name", "a", "--verbose", "--tag=x", "--tag", "y", "pos", "--", "--not-a-flag"}));
  EXPECT_EQ(args.get("name"), "a");
  EXPECT_TRUE(args.has("verbose"));
  EXPECT_EQ(args.all("tag"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(args.positional(), (std::vector<std::string>{"pos", "--not-a-flag"}));
  EXPECT_FALSE(args.get("missing"));
}

TEST(ArgsTest, Errors) {
  {
    Args args = makeArgs();
    auto s = args.parse({"--nope"});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message, "unknown flag --nope (see --help)");
  }
  {
    Args args = makeArgs();
    auto s = args.parse({"--name"});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message, "--name needs a value (NAME)");
  }
  {
    Args args = makeArgs();
    auto s = args.parse({"--name", "a", "--name", "b"});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message, "--name given more than once");
  }
  {
    Args args = makeArgs();
    auto s = args.parse({"--verbose=loud"});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message, "--verbose takes no value");
  }
}

TEST(ArgsTest, HelpListsFlags) {
  Args args = makeArgs();
  ASSERT_TRUE(args.parse({"-h"}));
  EXPECT_TRUE(args.helpRequested());
  const std::string help = args.helpText();
  EXPECT_NE(help.find("Usage: tool [FLAGS]"), std::string::npos);
  EXPECT_NE(help.find("--name NAME"), std::string::npos);
  EXPECT_NE(help.find("tags (repeatable)"), std::string::npos);
}

}  // namespace
}  // namespace berth::common
