// What the SQL DDL plugins share (protoc_gen_clickhouse.cc, protoc_gen_sqlite.cc): their parameters, and the
// frame of the ONE file each writes, the statements of every table of the files protoc asks for
// (schema::tables_in) under a comment that says what generated it, from which files, for which target, and
// that it must not be edited. The statements themselves are schema/ddl.h's, the same text the sinks run.
#pragma once

#include <google/protobuf/compiler/code_generator.h>
#include <google/protobuf/descriptor.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "schema/table.h"

namespace strictlog::generate {

// A plugin's parameter as protoc passes it (`--strictlog-clickhouse_opt=clickhouse_version=23.8,database=logs`),
// as a map from name to value. Errors, one per problem:
//   `unknown parameter 'x' (known: clickhouse_version, database, file)`
//   `parameter 'file' is given twice`
//   `parameter 'file' has no value (file=VALUE)`
Result<std::map<std::string, std::string>> parse_parameters(const std::string& parameter,
                                                            const std::vector<std::string>& known);

// One generated SQL file: `target` says what it holds (`ClickHouse 18.16 DDL`), `statements` are the
// statements of `tables` in order, each ending in a newline. The result is the header comment, then the
// statements separated by blank lines. `files` are the files protoc asked for; the header names those that
// declare a stored message, with the message and its tables.
std::string sql_file(std::string_view plugin, std::string_view target,
                     const std::vector<const google::protobuf::FileDescriptor*>& files,
                     const std::vector<schema::Table>& tables, const std::vector<std::string>& statements);

// Writes `content` as the output file `name` (relative to protoc's `--..._out` directory).
void write_output(google::protobuf::compiler::GeneratorContext* context, const std::string& name,
                  std::string_view content);

}  // namespace strictlog::generate
