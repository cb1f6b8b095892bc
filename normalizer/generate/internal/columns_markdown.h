// One stored table's columns as a Markdown table, and its storage (sorting key, partitions, indexes, TTL)
// as Markdown list items: the pieces of the reference (reference_doc.h) that render the table model
// (schema/table.h) and its DDL types (schema/ddl.h) without deciding any name or type themselves.
#pragma once

#include <string>
#include <vector>

#include "schema/ddl.h"
#include "schema/table.h"

namespace strictlog::generate {

// `| Column | Field | Proto type | ClickHouse | SQLite | Nullable | Description |` and one row per column:
//   - Column: its SQL columns as sql_columns() names them (a timestamp's `_nanos` too), one per line;
//   - Field: the proto path from `path[skip]` on, `[]` after a repeated field (`structured_data[].id`);
//   - Proto type: the leaf's, an enum linked to its section (`#` + github_anchor of its full name in code);
//   - ClickHouse and SQLite: sql_columns()' types for `clickhouse` and SQLite, an enum's value list shortened
//     to `Enum8(...)` (its section lists the values);
//   - Nullable: `yes` or `no`;
//   - Description: the leaf field's comment, after the comment of each message field on the path (from
//     `skip`) that no earlier row has introduced: `**`src_endpoint`**: The client.` (the field's comment, or
//     its message's when the field has none), and that of the oneof it is a member of, on the oneof's first
//     row (`**one of `raw`**: ...`).
// Ends in a newline.
std::string columns_markdown(const std::vector<const schema::Column*>& columns, size_t skip,
                             const schema::ClickHouseVersion& clickhouse);

// The heading text of an enum's section, `` `strictlog.v1.AuthStatus` ``, whose anchor the Proto type
// column links to.
std::string enum_heading(const google::protobuf::EnumDescriptor* e);

// `Enum8('A' = 0, 'B' = 1)` -> `Enum8(...)`, inside Nullable() and Array() too; other types unchanged.
std::string shorten_enum(const std::string& clickhouse_type);

// The table's storage as Markdown list items without their markers, one per line: the sorting key, the
// partition expression, each index (columns, type, granularity), the TTL. Index names are left out, so two
// tables with the same storage give the same text.
std::vector<std::string> storage_markdown(const schema::Table& t);

}  // namespace strictlog::generate
