// `strictlog schema check|migrate|ddl`: the data model's evolution, for strictlog's own schemas or a user's,
// given as binary FileDescriptorSets (`protoc --include_imports --descriptor_set_out=F`):
//   check OLD NEW        every breaking change (schema/compat.h), one per line; exit 7 when there is one
//   migrate --from --to  the SQL that takes a store of OLD's tables to NEW's (schema/ddl.h migrate()), after
//                        the same check
//   ddl                  CREATE TABLE for the built-in model or a set's
// Reports go to stdout for check, SQL to stdout (or --out) for migrate and ddl, with their one-line summaries
// and every error on stderr. An unreadable set is an I/O error (3, as for `cat`); a file that is not a
// descriptor set, or whose storage options do not make tables, is a usage error (1).
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/internal/report.h"
#include "schema/compat.h"
#include "schema/ddl.h"
#include "schema/descriptor_set.h"
#include "schema/table.h"
#include "sink/atomic_file.h"

namespace strictlog::cli {
namespace {

using schema::DescriptorSet;
using schema::Table;

struct TargetArgs {
  std::string target;
  std::string clickhouse_version = "18.16";
  std::string database;
  std::string out = "-";
  bool version_given = false;  // --clickhouse-version given (not defaulted): set from CLI11 before the run
};

struct CheckArgs {
  std::string old_path;
  std::string new_path;
  std::vector<std::string> packages;
};

struct MigrateArgs {
  std::string from;
  std::string to;
  std::vector<std::string> packages;
  TargetArgs target;
};

struct DdlArgs {
  std::string descriptor_set;  // empty: the built-in model
  TargetArgs target;
};

std::string plural(size_t n, const char* one, const char* many) { return fmt::format("{} {}", n, n == 1 ? one : many); }

// `strictlog COMMAND: message` on stderr: errors and summaries.
void print_line(const std::string& command, std::string_view message) {
  std::fputs(fmt::format("strictlog {}: {}\n", command, message).c_str(), stderr);
}

// Prints every error; an unreadable file is an I/O error, anything else wrong with a set is a usage error.
int set_errors(const std::string& command, const Diagnostics& errors) {
  for (const Diagnostic& e : errors) print_line(command, e.message);
  return errors.front().code == "read-failed" ? kExitIoError : kExitUsage;
}

// `6 statements (1 CREATE TABLE, 5 ALTER TABLE)`, counting the lines that start a statement.
std::string statement_counts(std::string_view sql) {
  size_t creates = 0, alters = 0, indexes = 0;
  while (!sql.empty()) {
    creates += sql.starts_with("CREATE TABLE ");
    alters += sql.starts_with("ALTER TABLE ");
    indexes += sql.starts_with("CREATE INDEX ");
    size_t end = sql.find('\n');
    sql = end == std::string_view::npos ? std::string_view() : sql.substr(end + 1);
  }
  std::string s = fmt::format("{} ({} CREATE TABLE, {} ALTER TABLE",
                              plural(creates + alters + indexes, "statement", "statements"), creates, alters);
  return s + (indexes ? fmt::format(", {} CREATE INDEX)", indexes) : std::string(")"));
}

// `3 messages and 1 enum checked in acme.audit.v1, strictlog.v1`, then what the new set adds.
std::string checked_summary(const schema::CompatReport& r) {
  std::string packages = r.packages.empty() ? std::string("no package") : fmt::format("{}", fmt::join(r.packages, ", "));
  std::string s = fmt::format("{} and {} checked in {}", plural(r.messages, "message", "messages"),
                              plural(r.enums, "enum", "enums"), packages);
  std::vector<std::string> added;
  if (r.added_messages) added.push_back(plural(r.added_messages, "message", "messages"));
  if (r.added_fields) added.push_back(plural(r.added_fields, "field", "fields"));
  if (r.added_enums) added.push_back(plural(r.added_enums, "enum", "enums"));
  if (r.added_values) added.push_back(plural(r.added_values, "enum value", "enum values"));
  if (!added.empty()) s += fmt::format("; added {}", fmt::join(added, ", "));
  return s;
}

// The tables of a set. None is an error when `required`: a set without `(strictlog.v1.store)` options has
// nothing to store (and one whose options did not come through would otherwise give no SQL, silently). An
// old set may have none: a model from before it had tables, whose store migrate creates.
Result<std::vector<Table>> tables_of_set(const DescriptorSet& set, const std::string& path, bool required = true) {
  auto tables = schema::tables_in(set.files());
  if (!tables) {
    Diagnostics errors;
    for (const Diagnostic& e : tables.errors()) {
      errors.push_back(plain_error(e.code, fmt::format("'{}': {}", path, e.message)));
    }
    return errors;
  }
  if (tables->empty() && required) {
    return plain_error("no-tables", fmt::format("'{}' declares no message with a (strictlog.v1.store) option, so it "
                                                "has no tables", path));
  }
  return tables;
}

// Validates the target options: the ClickHouse version, and that ClickHouse-only options are not given with
// sqlite. `database` is written into SQL unquoted, so it must be a plain identifier.
Result<schema::ClickHouseVersion> parse_target(const TargetArgs& a) {
  if (a.target == "sqlite") {
    if (!a.database.empty()) return plain_error("usage", "--database applies to --target clickhouse only");
    if (a.version_given) return plain_error("usage", "--clickhouse-version applies to --target clickhouse only");
  }
  if (!a.database.empty() && !schema::is_sql_name(a.database)) {
    return plain_error("usage",
                       fmt::format("--database '{}' is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*)", a.database));
  }
  return schema::ClickHouseVersion::parse(a.clickhouse_version);
}

std::string target_name(const TargetArgs& a, const schema::ClickHouseVersion& v) {
  return a.target == "sqlite" ? std::string("sqlite") : fmt::format("clickhouse {}.{}", v.major, v.minor);
}

// Writes `sql` to --out (atomically for a file: complete or not there).
int write_sql(const std::string& command, const std::string& path, const std::string& sql) {
  auto out = open_output(path, 0644);
  if (!out) return io_error(command, out.errors());
  if (auto st = (*out)->write(sql); !st) return io_error(command, st.errors());
  if (auto st = (*out)->commit(); !st) return io_error(command, st.errors());
  return kExitOk;
}

int run_check(const CheckArgs& a) {
  const std::string command = "schema check";
  auto old_set = DescriptorSet::load(a.old_path);
  if (!old_set) return set_errors(command, old_set.errors());
  auto new_set = DescriptorSet::load(a.new_path);
  if (!new_set) return set_errors(command, new_set.errors());
  schema::CompatReport report = schema::check_compat((*old_set)->protos(), (*new_set)->protos(), a.packages);
  std::string out;
  for (const std::string& change : report.breaking) out += fmt::format("strictlog {}: {}\n", command, change);
  if (report.breaking.empty()) {
    out += fmt::format("strictlog {}: {} -> {}: compatible; {}\n", command, a.old_path, a.new_path,
                       checked_summary(report));
  } else {
    out += fmt::format("strictlog {}: {} -> {}: {}; {}\n", command, a.old_path, a.new_path,
                       plural(report.breaking.size(), "breaking change", "breaking changes"), checked_summary(report));
  }
  std::fputs(out.c_str(), stdout);
  return report.breaking.empty() ? kExitOk : kExitIncompatible;
}

int run_migrate(const MigrateArgs& a) {
  const std::string command = "schema migrate";
  auto version = parse_target(a.target);
  if (!version) return usage_error(command, version.errors().front().message);
  auto old_set = DescriptorSet::load(a.from);
  if (!old_set) return set_errors(command, old_set.errors());
  auto new_set = DescriptorSet::load(a.to);
  if (!new_set) return set_errors(command, new_set.errors());

  schema::CompatReport report = schema::check_compat((*old_set)->protos(), (*new_set)->protos(), a.packages);
  if (!report.breaking.empty()) {
    for (const std::string& change : report.breaking) print_line(command, change);
    print_line(command, fmt::format("refused: {} from {} to {}; nothing was written",
                                     plural(report.breaking.size(), "breaking change", "breaking changes"), a.from, a.to));
    return kExitIncompatible;
  }
  auto old_tables = tables_of_set(**old_set, a.from, /*required=*/false);
  if (!old_tables) return set_errors(command, old_tables.errors());
  auto new_tables = tables_of_set(**new_set, a.to);
  if (!new_tables) return set_errors(command, new_tables.errors());
  schema::Target target = a.target.target == "sqlite" ? schema::Target::kSqlite : schema::Target::kClickHouse;
  auto sql = schema::migrate(*old_tables, *new_tables, target, *version, a.target.database);
  if (!sql) {
    for (const Diagnostic& e : sql.errors()) print_line(command, e.message);
    print_line(command, fmt::format("refused: {} that no ALTER TABLE can make; nothing was written",
                                     plural(sql.errors().size(), "column change", "column changes")));
    return kExitIncompatible;
  }
  if (int code = write_sql(command, a.target.out, *sql); code != kExitOk) return code;
  print_line(command, fmt::format("{} -> {} for {}: {}", a.from, a.to, target_name(a.target, *version),
                                   statement_counts(*sql)));
  return kExitOk;
}

int run_ddl(const DdlArgs& a) {
  const std::string command = "schema ddl";
  auto version = parse_target(a.target);
  if (!version) return usage_error(command, version.errors().front().message);
  std::unique_ptr<DescriptorSet> set;  // owns the descriptors `tables` points into
  std::vector<Table> loaded;
  const std::vector<Table>* tables = &schema::builtin_tables();
  if (!a.descriptor_set.empty()) {
    auto s = DescriptorSet::load(a.descriptor_set);
    if (!s) return set_errors(command, s.errors());
    set = std::move(*s);
    auto t = tables_of_set(*set, a.descriptor_set);
    if (!t) return set_errors(command, t.errors());
    loaded = std::move(*t);
    tables = &loaded;
  }
  std::string sql;
  if (a.target.target == "clickhouse" && !a.target.database.empty()) {
    sql += fmt::format("CREATE DATABASE IF NOT EXISTS {};\n", a.target.database);
  }
  for (const Table& t : *tables) {
    if (!sql.empty()) sql += "\n";
    sql += a.target.target == "sqlite" ? schema::sqlite_create(t)
                                       : schema::clickhouse_create(t, *version, a.target.database);
  }
  if (int code = write_sql(command, a.target.out, sql); code != kExitOk) return code;
  print_line(command, fmt::format("{} of {} for {}", plural(tables->size(), "table", "tables"),
                                  a.descriptor_set.empty() ? std::string("the built-in model") : "'" + a.descriptor_set + "'",
                                  target_name(a.target, *version)));
  return kExitOk;
}

CLI::Option* add_target_options(CLI::App* cmd, TargetArgs* a) {
  cmd->add_option("--target", a->target, "The store: clickhouse or sqlite")
      ->required()
      ->check(CLI::IsMember({"clickhouse", "sqlite"}));
  CLI::Option* version =
      cmd->add_option("--clickhouse-version", a->clickhouse_version,
                      "The server's version MAJOR.MINOR: what DDL may use (18.16 has no DateTime64, skipping indexes, "
                      "codecs, TTL or IP types)")
          ->capture_default_str();
  cmd->add_option("--database", a->database, "ClickHouse database to qualify table names with (default: none)");
  cmd->add_option("--out", a->out, "Write the SQL to FILE, atomically ('-': stdout)")->capture_default_str();
  return version;
}

}  // namespace

Run add_schema(CLI::App& app) {
  CLI::App* schema = app.add_subcommand(
      "schema", "Check and migrate a data model between versions, print its DDL (descriptor sets from protoc "
                "--include_imports --descriptor_set_out)");
  schema->require_subcommand(1);

  auto check_args = std::make_shared<CheckArgs>();
  CLI::App* check = schema->add_subcommand(
      "check", "Report every breaking change from OLD to NEW, naming the field or value (exit 7 when there is one)");
  check->add_option("old", check_args->old_path, "The old descriptor set")->required();
  check->add_option("new", check_args->new_path, "The new descriptor set")->required();
  check->add_option("--package", check_args->packages,
                    "Check only this package and its subpackages (repeatable; default: every package but "
                    "google.protobuf)");

  auto migrate_args = std::make_shared<MigrateArgs>();
  CLI::App* migrate = schema->add_subcommand(
      "migrate", "Print the SQL that takes tables of --from's model to --to's (CREATE TABLE, ALTER TABLE ADD COLUMN), "
                 "after the same check as 'schema check'");
  migrate->add_option("--from", migrate_args->from, "The old descriptor set")->required();
  migrate->add_option("--to", migrate_args->to, "The new descriptor set")->required();
  migrate->add_option("--package", migrate_args->packages, "Check only this package and its subpackages (repeatable)");
  CLI::Option* migrate_version = add_target_options(migrate, &migrate_args->target);

  auto ddl_args = std::make_shared<DdlArgs>();
  CLI::App* ddl = schema->add_subcommand("ddl", "Print CREATE TABLE for the built-in model or a descriptor set's");
  ddl->add_option("--descriptor-set", ddl_args->descriptor_set, "A descriptor set (default: strictlog's own model)");
  CLI::Option* ddl_version = add_target_options(ddl, &ddl_args->target);

  return [=] {
    if (check->parsed()) return run_check(*check_args);
    if (migrate->parsed()) {
      migrate_args->target.version_given = migrate_version->count() > 0;
      return run_migrate(*migrate_args);
    }
    if (ddl->parsed()) {
      ddl_args->target.version_given = ddl_version->count() > 0;
      return run_ddl(*ddl_args);
    }
    return static_cast<int>(kExitUsage);
  };
}

}  // namespace strictlog::cli
