#include "generate/internal/columns_markdown.h"

#include <fmt/format.h>

#include <set>

#include "generate/internal/markdown_text.h"

namespace strictlog::generate {

namespace {

using google::protobuf::FieldDescriptor;
using markdown::Context;

std::string cell_code(std::string_view text) { return markdown::code(text, Context::kTableCell); }

std::string field_path(const std::vector<const FieldDescriptor*>& path, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) {
    if (!out.empty()) out += '.';
    out += path[i]->name();
    if (path[i]->is_repeated()) out += "[]";
  }
  return out;
}

std::string proto_type(const schema::Column& c) {
  const FieldDescriptor* leaf = c.leaf();
  switch (c.type) {
    case schema::ColumnType::kEnum:
      return fmt::format("[{}](#{})", cell_code(c.enum_type->name()),
                         markdown::github_anchor(enum_heading(c.enum_type)));
    case schema::ColumnType::kTimestamp: return cell_code(leaf->message_type()->full_name());
    case schema::ColumnType::kIp: return cell_code(leaf->type_name()) + ", an IP address";
    default: return cell_code(leaf->type_name());
  }
}

std::string description(const schema::Column& c, size_t skip, std::set<std::string>& introduced) {
  std::vector<std::string> parts;
  for (size_t i = skip; i + 1 < c.path.size(); ++i) {
    std::string prefix = field_path(c.path, skip, i + 1);
    if (!introduced.insert(prefix).second) continue;
    std::string comment = markdown::comment_of(c.path[i]);
    if (comment.empty()) comment = markdown::comment_of(c.path[i]->message_type());
    if (comment.empty()) continue;
    parts.push_back(fmt::format("**{}**: {}", cell_code(prefix), markdown::comment_cell(comment)));
  }
  // A oneof member's comment may be the oneof's (QuarantineRecord's `raw`): introduced like a message field.
  if (const google::protobuf::OneofDescriptor* oneof = c.leaf()->real_containing_oneof(); oneof != nullptr) {
    std::string prefix = field_path(c.path, skip, c.path.size() - 1);
    std::string name = prefix.empty() ? oneof->name() : prefix + "." + oneof->name();
    std::string comment = markdown::comment_of(oneof);
    if (introduced.insert("oneof " + name).second && !comment.empty()) {
      parts.push_back(fmt::format("**one of {}**: {}", cell_code(name), markdown::comment_cell(comment)));
    }
  }
  std::string own = markdown::comment_cell(markdown::comment_of(c.leaf()));
  if (!own.empty()) parts.push_back(own);
  return fmt::format("{}", fmt::join(parts, "<br>"));
}

}  // namespace

std::string enum_heading(const google::protobuf::EnumDescriptor* e) { return markdown::code(e->full_name()); }

std::string shorten_enum(const std::string& type) {
  for (std::string_view head : {"Enum8(", "Enum16("}) {
    size_t at = type.find(head);
    if (at == std::string::npos) continue;
    size_t open = at + head.size();
    // Value names are quoted; a ')' inside quotes does not close the list.
    bool quoted = false;
    for (size_t i = open; i < type.size(); ++i) {
      if (type[i] == '\\' && quoted) {
        ++i;
      } else if (type[i] == '\'') {
        quoted = !quoted;
      } else if (type[i] == ')' && !quoted) {
        return type.substr(0, open) + "..." + type.substr(i);
      }
    }
  }
  return type;
}

std::string columns_markdown(const std::vector<const schema::Column*>& columns, size_t skip,
                             const schema::ClickHouseVersion& clickhouse) {
  std::string out =
      "| Column | Field | Proto type | ClickHouse | SQLite | Nullable | Description |\n"
      "|---|---|---|---|---|---|---|\n";
  std::set<std::string> introduced;
  for (const schema::Column* c : columns) {
    std::vector<std::string> names, ch_types, sqlite_types;
    for (const schema::SqlColumn& s : schema::sql_columns(*c, schema::Target::kClickHouse, clickhouse)) {
      names.push_back(cell_code(s.name));
      ch_types.push_back(cell_code(shorten_enum(s.type)));
    }
    std::vector<std::string> sqlite_names;
    for (const schema::SqlColumn& s : schema::sql_columns(*c, schema::Target::kSqlite)) {
      sqlite_types.push_back(cell_code(s.type));
      sqlite_names.push_back(cell_code(s.name));
    }
    // The two targets may split a column differently (a timestamp is one column in ClickHouse with
    // DateTime64); the SQLite names are shown when they differ.
    std::string sqlite = fmt::format("{}", fmt::join(sqlite_types, "<br>"));
    if (sqlite_names != names) {
      std::vector<std::string> named;
      for (size_t i = 0; i < sqlite_names.size(); ++i) named.push_back(sqlite_names[i] + " " + sqlite_types[i]);
      sqlite = fmt::format("{}", fmt::join(named, "<br>"));
    }
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", fmt::join(names, "<br>"),
                       cell_code(field_path(c->path, skip, c->path.size())), proto_type(*c),
                       fmt::join(ch_types, "<br>"), sqlite, c->nullable ? "yes" : "no",
                       description(*c, skip, introduced));
  }
  return out;
}

std::vector<std::string> storage_markdown(const schema::Table& t) {
  std::vector<std::string> out;
  auto codes = [](const std::vector<std::string>& names) {
    std::vector<std::string> coded;
    for (const std::string& n : names) coded.push_back(markdown::code(n));
    return fmt::format("{}", fmt::join(coded, ", "));
  };
  if (t.order_by.empty()) {
    out.push_back("Sorting key: none (ClickHouse `ORDER BY tuple()`)");
  } else {
    out.push_back("Sorting key (ClickHouse `ORDER BY`, an index in SQLite): " + codes(t.order_by));
  }
  if (!t.partition_by.empty()) out.push_back("Partitioned by " + markdown::code(t.partition_by));
  for (const schema::Index& ix : t.indexes) {
    out.push_back(fmt::format("Index on {}: {}, granularity {}", codes(ix.columns), markdown::code(ix.type),
                              ix.granularity));
  }
  if (!t.ttl.empty()) out.push_back("TTL " + markdown::code(t.ttl));
  return out;
}

}  // namespace strictlog::generate
