// SPDX-License-Identifier: Apache-2.0
// The error catalogue is executable: every `$ serrano ARGS` line in a console block of
// docs/errors.md is run from the repository root, and must exit with status 2 and print exactly
// the `serrano: error: ...` line that follows it, and nothing on stdout.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "tests/common/serrano_cli.h"

namespace {

struct Case {
  int line = 0;
  std::string args, message;
};

std::vector<Case> catalogue() {
  std::istringstream in(serrano::testing::slurp(std::string(SERRANO_SOURCE_DIR) +
                                                "/docs/errors.md"));
  std::vector<Case> cases;
  bool console = false;
  int n = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++n;
    if (line == "```console") {
      console = true;
    } else if (line == "```") {
      console = false;
    } else if (console && line.rfind("$ serrano", 0) == 0) {
      Case c;
      c.line = n;
      c.args = line.size() > 10 ? line.substr(10) : "";
      std::string next;
      std::getline(in, next);
      ++n;
      const std::string prefix = "serrano: error: ";
      if (next.rfind(prefix, 0) != 0) {
        ADD_FAILURE() << "docs/errors.md:" << n << ": expected a 'serrano: error:' line";
        continue;
      }
      c.message = next.substr(prefix.size());
      cases.push_back(c);
    }
  }
  return cases;
}

TEST(Catalogue, EveryExampleGivesItsMessage) {
  const std::vector<Case> cases = catalogue();
  EXPECT_GE(cases.size(), 25u) << "the catalogue should hold at least 25 bad-input cases";
  for (const Case& c : cases) {
    SCOPED_TRACE("docs/errors.md:" + std::to_string(c.line) + ": serrano " + c.args);
    serrano::testing::expect_cli_error(serrano::testing::run_serrano(c.args, SERRANO_SOURCE_DIR),
                                       c.args, c.message);
  }
}

}  // namespace
