// The Markdown reference of a data model, docs/reference/events.md for strictlog's own: what each stored
// event means, field by field, for the engineer who queries the tables without opening a .proto file.
//
// Layout (every heading's GitHub anchor unique, every link within the file):
//   - how to read the tables, and a contents list: one entry per table, grouped by the .proto file that
//     declares its payload, each with the payload field's comment;
//   - per message stored with `table_per_oneof` (strictlog.v1.Event): the columns every one of its tables
//     shares (the envelope), documented once, then a section per payload: its message's comment, the rules
//     that produce it (producers.h), and its own columns (columns_markdown.h);
//   - per message stored with `table` (strictlog.v1.QuarantineRecord): a section with all its columns;
//   - every enum a column has, with its values' comments.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "generate/internal/producers.h"
#include "schema/ddl.h"
#include "schema/table.h"

namespace strictlog::generate {

struct ReferenceOptions {
  // The ClickHouse version whose column types are shown.
  schema::ClickHouseVersion clickhouse;
  // The rules that produce each payload; null when no grammars were given, and the sections then say nothing
  // about rules.
  const Producers* producers = nullptr;
};

// The reference for `tables` (schema::tables_in() of the documented files). Errors: a producer of a payload
// that no table has (the grammars' mappings and the data model disagree), two headings with one anchor.
Result<std::string> reference_markdown(const std::vector<schema::Table>& tables, const ReferenceOptions& options);

}  // namespace strictlog::generate
