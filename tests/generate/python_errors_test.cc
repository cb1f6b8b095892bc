// What protoc-gen-strictlog-python refuses, run by the real protoc: data models whose Python names cannot
// work (tests/generate/testdata/python/, each file says what is wrong with it) and parameters, with the exact
// error protoc prints (`--strictlog-python_out: <error>`, one diagnostic per line). The near miss that passes,
// Python keywords as a table's and a column's name, is here too, compiled by Debian's python3.
#include <cstdlib>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "generate/protoc_run.h"

namespace strictlog {
namespace {

const std::string kPython = STRICTLOG_SOURCE_DIR "/tests/generate/testdata/python";
const std::string kTestdata = STRICTLOG_SOURCE_DIR "/tests/generate/testdata";

struct ModelError {
  const char* proto;  // under testdata/python/
  const char* error;
};

const ModelError kModelErrors[] = {
    {"enum_value_keyword.proto",
     "python.v1.Answer: value 'None' cannot name a member of a Python IntEnum, which must have the name "
     "ClickHouse's Enum has"},
    {"table_is_reader_method.proto", "table select: Reader.select() is the Reader's own method"},
    {"table_is_module_name.proto", "table reader: the Python name 'Reader' is the module's own"},
    {"enum_and_table_class.proto",
     "enum python.v1.AuditLog and table audit_log would both be the Python name 'AuditLog'"},
    // The table model refuses the name first: it is no SQL name either.
    {"table_not_identifier.proto",
     "python.v1.Audit: option (strictlog.v1.store) names table 'audit-log', which is not a plain SQL name "
     "([A-Za-z_][A-Za-z0-9_]*)"},
    {"attribute_collision.proto",
     "table mail: columns 'from' and 'from_' would both be the Python attribute 'from_'\n"
     "table mail: column 'TABLE' would be the Python attribute 'TABLE', which is a class attribute of every "
     "table's class"},
};

TEST_CASE("python plugin: Python names that cannot work", "[generate]") {
  for (const ModelError& e : kModelErrors) {
    INFO(e.proto);
    testing::TempDir out;
    testing::ProtocRun run = testing::run_plugin("python", "", kPython, e.proto, out.path());
    CHECK(run.exit_code == 1);
    CHECK(run.err == std::string("--strictlog-python_out: ") + e.error + "\n");
    CHECK(out.entries() == std::vector<std::string>{"protoc.stderr"});
  }
}

TEST_CASE("python plugin: the table model's errors are the plugin's", "[generate]") {
  testing::TempDir out;
  testing::ProtocRun run =
      testing::run_plugin("python", "", kTestdata + "/errors", "order_by_missing.proto", out.path());
  CHECK(run.exit_code == 1);
  CHECK(run.err == "--strictlog-python_out: errors.v1.Login: table logins: order_by names no column 'user_name'\n");
}

struct ParameterError {
  const char* opt;
  const char* error;  // empty: accepted
};

const ParameterError kParameterErrors[] = {
    {"clickhouse_version=18", "'18' is not a ClickHouse version MAJOR.MINOR, e.g. 18.16"},
    {"clickhouse_version=v23.8", "'v23.8' is not a ClickHouse version MAJOR.MINOR, e.g. 18.16"},
    {"clickhouse_version=18.16.1.1", ""},
    {"clickhouse_version", "parameter 'clickhouse_version' has no value (clickhouse_version=VALUE)"},
    {"database=logs", "unknown parameter 'database' (known: clickhouse_version, file)"},
    {"file=a.py,file=b.py", "parameter 'file' is given twice"},
    {"file=events.py", ""},
};

TEST_CASE("python plugin: parameters", "[generate]") {
  for (const ParameterError& p : kParameterErrors) {
    INFO(p.opt);
    testing::TempDir out;
    testing::ProtocRun run = testing::run_plugin("python", p.opt, kTestdata, "example.proto", out.path());
    if (*p.error == '\0') {
      CHECK(run.exit_code == 0);
      CHECK(run.err.empty());
    } else {
      CHECK(run.exit_code == 1);
      CHECK(run.err == std::string("--strictlog-python_out: ") + p.error + "\n");
    }
  }
}

TEST_CASE("python plugin: Python keywords as names get a trailing underscore", "[generate]") {
  testing::TempDir out;
  testing::ProtocRun run = testing::run_plugin("python", "", kPython, "keywords.proto", out.path());
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  std::string module = testing::read_all(out / "strictlog_events.py");
  CHECK(module.find("\n    from_: str\n") != std::string::npos);
  CHECK(module.find("\n        (\"from_\", (\"from\",), _string),\n") != std::string::npos);
  CHECK(module.find("\n    TABLE: ClassVar[str] = \"class\"\n") != std::string::npos);
  CHECK(module.find("\n    def class_(\n") != std::string::npos);
  CHECK(module.find("\nclass MailKind(enum.IntEnum):\n") != std::string::npos);
  CHECK(module.find("\nclass NoteKind(enum.IntEnum):\n") != std::string::npos);
  const std::string command = "/usr/bin/python3 -m py_compile " + testing::shell_quote(out / "strictlog_events.py");
  CHECK(std::system(command.c_str()) == 0);
}

TEST_CASE("python plugin: files without a stored message give a module without tables", "[generate]") {
  testing::TempDir out;
  testing::ProtocRun run =
      testing::run_plugin("python", "", STRICTLOG_SOURCE_DIR "/proto", "strictlog/v1/auth.proto", out.path());
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  std::string module = testing::read_all(out / "strictlog_events.py");
  CHECK(module.starts_with("# Generated by protoc-gen-strictlog-python: Python reader (ClickHouse 18.16) of the "
                           "stored messages of\n"
                           "#   (none: no message in these files has the option (strictlog.v1.store))\n"
                           "# DO NOT EDIT: change the .proto files and generate again (docs/SCHEMA.md).\n"));
  CHECK(module.find("\nTABLES: Dict[str, Type[Any]] = {\n}\n") != std::string::npos);
  const std::string command = "/usr/bin/python3 -m py_compile " + testing::shell_quote(out / "strictlog_events.py");
  CHECK(std::system(command.c_str()) == 0);
}

}  // namespace
}  // namespace strictlog
