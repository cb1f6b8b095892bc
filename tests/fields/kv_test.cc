#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "field_check.h"

namespace strictlog::testing {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

// Every entry of a kMap value, walked the way the mapping fills a map field.
Entries entries_of(const Value& v) {
  Entries out;
  std::string_view key, value;
  for (std::string_view rest = v.text; next_map_entry(&rest, &key, &value);) out.emplace_back(key, value);
  return out;
}

struct Case {
  std::string_view text;
  Step step;
  Entries entries;         // when accepted, in the order written
  std::string_view error;  // exact convert error, when rejected by convert
  std::string_view why;
};

const Case kCases[] = {
    {"logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.7  user=root", Step::kAccepted,
     {{"logname", ""}, {"uid", "0"}, {"euid", "0"}, {"tty", "ssh"}, {"ruser", ""}, {"rhost", "192.0.2.7"},
      {"user", "root"}},
     "", "pam_unix(sshd:auth): authentication failure; two spaces before user="},
    {"uid=0", Step::kAccepted, {{"uid", "0"}}, "", "one pair"},
    {"k=", Step::kAccepted, {{"k", ""}}, "", "one empty value"},
    {"path=/a=b", Step::kAccepted, {{"path", "/a=b"}}, "", "'=' inside a value"},
    {"a.b-c_D9=x", Step::kAccepted, {{"a.b-c_D9", "x"}}, "", "every key character class"},
    {"comm=\"sshd\" exe=/usr/sbin/sshd", Step::kAccepted, {{"comm", "\"sshd\""}, {"exe", "/usr/sbin/sshd"}}, "",
     "kernel audit: quotes stay in the value"},
    {"v=caf\xc3\xa9", Step::kAccepted, {{"v", "caf\xc3\xa9"}}, "", "UTF-8 value"},
    {"uid=0 uid=1", Step::kConvert, {}, "key 'uid' appears twice", "duplicate key"},
    {"a=1 b=2 a=", Step::kConvert, {}, "key 'a' appears twice", "duplicate key, second one empty"},
    {"ab=1 a=2 b=3", Step::kAccepted, {{"ab", "1"}, {"a", "2"}, {"b", "3"}}, "", "a key that is a prefix of another"},
    {"=x", Step::kRegex, {}, "", "empty key"},
    {"uid", Step::kRegex, {}, "", "no '='"},
    {"uid=0 ", Step::kRegex, {}, "", "trailing space"},
    {" uid=0", Step::kRegex, {}, "", "leading space"},
    {"a b=1", Step::kRegex, {}, "", "a word without '=' before a pair"},
    {"uid=0\tgid=0", Step::kRegex, {}, "", "tab separator"},
    {"k:v=1", Step::kRegex, {}, "", "':' in a key"},
    {"", Step::kRegex, {}, "", "empty"},
};

TEST_CASE("kv: table of accepted and rejected texts", "[fields][kv]") {
  const FieldCheck check("kv");
  for (const Case& c : kCases) {
    INFO("'" << std::string(c.text) << "': " << std::string(c.why));
    const Outcome o = check.run(c.text);
    CHECK(o.step == c.step);
    if (o.step == Step::kAccepted && c.step == Step::kAccepted) {
      CHECK(o.value.kind == ValueKind::kMap);
      CHECK(o.value.text == c.text);
      CHECK(entries_of(o.value) == c.entries);
    }
    if (c.step == Step::kConvert) CHECK(o.error == c.error);
  }
}

TEST_CASE("kv: next_map_entry on an empty or all-space rest ends the walk", "[fields][kv]") {
  std::string_view key = "k", value = "v";
  std::string_view rest;
  CHECK_FALSE(next_map_entry(&rest, &key, &value));
  rest = "   ";
  CHECK_FALSE(next_map_entry(&rest, &key, &value));
  CHECK(key == "k");  // untouched
}

// The duplicate check compares each key with all before it: with many pairs, only the last can clash.
TEST_CASE("kv: a duplicate among many pairs is found and named", "[fields][kv]") {
  const FieldCheck check("kv");
  std::string text;
  for (int i = 0; i < 200; ++i) text += (i ? " k" : "k") + std::to_string(i) + "=" + std::to_string(i);
  CHECK(check.run(text).step == Step::kAccepted);
  text += " k137=x";
  const Outcome o = check.run(text);
  CHECK(o.step == Step::kConvert);
  CHECK(o.error == "key 'k137' appears twice");
}

}  // namespace
}  // namespace strictlog::testing
