// JUnit XML for CI systems: one testsuite per kind of check (examples and cases, coverage, conflicts), one
// testcase per rule, corpus case failure, uncovered item and conflict.
#pragma once

#include <string>

#include "verify/runner.h"

namespace strictlog {

std::string junit_xml(const TestReport& report);

}  // namespace strictlog
