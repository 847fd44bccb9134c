#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace berth::registry::testing {

// Writes an htpasswd file with the real `htpasswd` tool (apache2-utils), adding users one by
// one. A missing tool fails the test: these tests exist to prove compatibility with it.
// `flag` picks the hash: "-B" bcrypt, "-m" Apache MD5, "-s" SHA-1.
inline void addHtpasswdUser(const std::string& file, const std::string& user,
                            const std::string& password, const std::string& flag = "-B") {
  const bool exists = ::access(file.c_str(), F_OK) == 0;
  std::vector<std::string> argv = {"htpasswd", flag, "-b"};
  if (!exists) argv.push_back("-c");
  argv.insert(argv.end(), {file, user, password});
  const berth::testing::CommandResult result = berth::testing::runCommand(argv);
  ASSERT_EQ(result.exitCode, 0) << "htpasswd failed (is apache2-utils installed?): " << result.err;
}

}  // namespace berth::registry::testing
