// Checks every registered field type against its own contract (fields/field_type.h): the regex compiles
// under RE2 without capturing groups, composes inside a larger rule regex, and the type's own examples
// behave as it claims.
#include <re2/re2.h>

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "field_check.h"

namespace strictlog::testing {
namespace {

TEST_CASE("registry: every regex compiles under RE2 without capturing groups", "[fields][registry]") {
  for (const FieldType* t : field_types()) {
    INFO(std::string(t->name) << ": " << std::string(t->regex));
    const RE2 re("(?:" + std::string(t->regex) + ")", quiet_options());
    INFO("RE2 error: " << re.error());
    CHECK(re.ok());
    CHECK(re.NumberOfCapturingGroups() == 0);
    CHECK(t->convert != nullptr);
  }
}

TEST_CASE("registry: every accepts example matches fully and converts", "[fields][registry]") {
  for (const FieldType* t : field_types()) {
    const FieldCheck check(t->name);
    for (std::string_view example : t->accepts) {
      INFO(std::string(t->name) << " accepts '" << std::string(example) << "'");
      const Outcome o = check.run(example);
      CHECK(o.step == Step::kAccepted);
      CHECK(o.error == "");
      CHECK(o.value.kind == t->output);
      // The value's text points into the matched text (field_type.h): all of it, or for `quoted` the inside.
      CHECK(o.value.text.data() >= example.data());
      CHECK(o.value.text.data() + o.value.text.size() <= example.data() + example.size());
      if (t->name != "quoted") CHECK(o.value.text == example);
    }
  }
}

TEST_CASE("registry: every rejects example fails the regex or convert, with a reason",
          "[fields][registry]") {
  for (const FieldType* t : field_types()) {
    const FieldCheck check(t->name);
    for (std::string_view example : t->rejects) {
      INFO(std::string(t->name) << " rejects '" << std::string(example) << "'");
      const Outcome o = check.run(example);
      CHECK(o.step != Step::kAccepted);
      if (o.step == Step::kConvert) CHECK(o.error != "");
    }
  }
}

// A rule regex is the type's regex spliced between other parts. Between literals, an example must match
// and be captured whole (so the regex has no anchors). Followed by `.*`, it must still be captured whole:
// a field takes the longest text it accepts, whatever the leftmost-first order of its alternatives.
TEST_CASE("registry: every accepts example is captured whole inside a rule regex", "[fields][registry]") {
  for (const FieldType* t : field_types()) {
    const std::string field = "((?:" + std::string(t->regex) + "))";
    const RE2 between("x " + field + " y", quiet_options());
    const RE2 before_rest(field + ".*", quiet_options());
    REQUIRE(between.ok());
    REQUIRE(before_rest.ok());
    for (std::string_view example : t->accepts) {
      INFO(std::string(t->name) << ": '" << std::string(example) << "'");
      std::string captured;
      CHECK(RE2::FullMatch("x " + std::string(example) + " y", between, &captured));
      CHECK(captured == example);
      captured.clear();
      CHECK(RE2::FullMatch(example, before_rest, &captured));
      CHECK(captured == example);
    }
  }
}

TEST_CASE("registry: lookup by name", "[fields][registry]") {
  for (const FieldType* t : field_types()) {
    INFO(std::string(t->name));
    CHECK(find_field_type(t->name) == t);
  }
  CHECK(find_field_type("ipv5") == nullptr);
  CHECK(find_field_type("IPV4") == nullptr);
  CHECK(find_field_type("") == nullptr);
}

TEST_CASE("registry: value kinds print as the proto field types they map to", "[fields][registry]") {
  CHECK(to_string(ValueKind::kString) == "string");
  CHECK(to_string(ValueKind::kUint32) == "uint32");
  CHECK(to_string(ValueKind::kUint64) == "uint64");
  CHECK(to_string(ValueKind::kInt64) == "int64");
  CHECK(to_string(ValueKind::kDouble) == "double");
  CHECK(to_string(ValueKind::kTimestamp) == "google.protobuf.Timestamp");
  CHECK(to_string(ValueKind::kMap) == "map<string, string>");
}

}  // namespace
}  // namespace strictlog::testing
