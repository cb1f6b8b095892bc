// `strictlog fields` and `strictlog compile --dump` through the built binary.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/harness.h"
#include "fields/field_type.h"

namespace strictlog {
namespace {

using namespace cli_test;

TEST_CASE("fields: every registered type with its summary output type regex and examples", "[cli]") {
  Sandbox box;
  Run r = run_strictlog(box, {"fields"});
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  // One block per type, in table order, each starting with the type's name alone on a line.
  std::vector<std::string> names;
  for (const auto& line : split_lines(r.out)) {
    if (!line.empty() && line[0] != ' ') names.push_back(line);
  }
  std::vector<std::string> registered;
  for (const FieldType* t : field_types()) registered.emplace_back(t->name);
  CHECK(names == registered);
  CHECK(r.out.find("port\n"
                   "  TCP/UDP port, decimal 0-65535 without sign or leading zeros\n"
                   "  becomes:  uint32\n"
                   "  regex:    [0-9]{1,5}\n"
                   "  accepts:  \"1194\", \"0\", \"65535\", \"443\"\n"
                   "  rejects:  \"65536\", \"080\", \"-1\", \"+1194\", \"\", \"123456\"\n\n") != std::string::npos);
  // Examples are quoted like corpus strings, so control bytes and quotes read unambiguously.
  CHECK(r.out.find("  rejects:  \"\", \"tab\\there\", \"bell\\x07\", \"del\\x7f\"\n") != std::string::npos);
  CHECK(r.out.find("  accepts:  \"'AES-256-GCM'\", \"\\\"x\\\"\"") != std::string::npos);
}

TEST_CASE("compile --dump: drop rules and prefer declarations are shown", "[cli]") {
  Sandbox box;
  std::filesystem::create_directories(box / "grammars");
  std::filesystem::create_directories(box / "mappings");
  write_file(box / "grammars/app.grammar", "grammar app 1.0;\nprograms \"app\";\n"
                                           "rule any = w:word example \"x\";\n"
                                           "rule exact = \"y\" example \"y\";\n"
                                           "drop noise = \"n\" n:uint example \"n1\";\n"
                                           "prefer exact over any;\n");
  write_file(box / "mappings/app.mapping", "mapping app 1.0;\n"
                                           "rule any -> strictlog.openvpn.v1.FatalTlsError { function_name = w; }\n"
                                           "rule exact -> strictlog.openvpn.v1.FatalTlsError { }\n");
  Run r = run_strictlog(box, {"compile", "--dump", "--grammars", box / "grammars", "--mappings", box / "mappings"});
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.out.find("rule any\n  regex ([^\\s]+)\n  capture 1 w word\n"
                   "rule exact\n  regex y\n"
                   "drop noise\n  regex n([0-9]{1,20})\n  capture 1 n uint\n"
                   "prefer exact over any\n") != std::string::npos);
}

}  // namespace
}  // namespace strictlog
