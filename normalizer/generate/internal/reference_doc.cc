#include "generate/internal/reference_doc.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "generate/internal/columns_markdown.h"
#include "generate/internal/markdown_text.h"

namespace strictlog::generate {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FileDescriptor;
using markdown::code;
using markdown::comment_of;
using schema::Table;

Diagnostic error(std::string message) { return plain_error("markdown", std::move(message)); }

// Headings and the links to them: every anchor must name one heading.
class Headings {
 public:
  std::string heading(int level, const std::string& text) {
    std::string anchor = markdown::github_anchor(text);
    auto [it, fresh] = texts_.emplace(anchor, text);
    if (!fresh) {
      errors_.push_back(error(fmt::format("the headings '{}' and '{}' both have the GitHub anchor '#{}'", it->second,
                                          text, anchor)));
    }
    return std::string(static_cast<size_t>(level), '#') + " " + text + "\n\n";
  }
  static std::string link(const std::string& label, const std::string& heading_text) {
    return fmt::format("[{}](#{})", label, markdown::github_anchor(heading_text));
  }
  const Diagnostics& errors() const { return errors_; }

 private:
  std::map<std::string, std::string> texts_;
  Diagnostics errors_;
};

// Tables stored per field of one message's oneof, grouped by the file declaring each payload's message.
struct Group {
  const FileDescriptor* file = nullptr;
  std::string heading;
  std::vector<const Table*> tables;
};

struct Wrapper {
  const Descriptor* message = nullptr;
  std::vector<const Table*> tables;
  std::vector<Group> groups;
  std::vector<std::string> storage;  // the storage most of its tables have
  std::string shared_heading;        // `Columns of every `Event` table`
};

std::string stem(const FileDescriptor* file) {
  std::string name = file->name();
  size_t slash = name.rfind('/');
  if (slash != std::string::npos) name.erase(0, slash + 1);
  if (name.ends_with(".proto")) name.resize(name.size() - 6);
  return name;
}

std::vector<Wrapper> wrappers_of(const std::vector<Table>& tables) {
  std::vector<Wrapper> out;
  for (const Table& t : tables) {
    if (t.payload == nullptr) continue;
    auto w = std::find_if(out.begin(), out.end(), [&](const Wrapper& x) { return x.message == t.message; });
    if (w == out.end()) {
      out.push_back({t.message, {}, {}, {}, fmt::format("Columns of every {} table", code(t.message->name()))});
      w = out.end() - 1;
    }
    w->tables.push_back(&t);
  }
  for (Wrapper& w : out) {
    // Payloads declared beside the wrapper (strictlog's own LastMessageRepeated) come last.
    std::vector<Group> own;
    for (const Table* t : w.tables) {
      const FileDescriptor* file = t->payload->message_type()->file();
      std::vector<Group>& groups = file == w.message->file() ? own : w.groups;
      auto g = std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.file == file; });
      if (g == groups.end()) {
        std::string heading = file == w.message->file() ? fmt::format("Other {} payloads", code(w.message->name()))
                                                        : fmt::format("{} events", stem(file));
        groups.push_back({file, heading, {}});
        g = groups.end() - 1;
      }
      g->tables.push_back(t);
    }
    w.groups.insert(w.groups.end(), own.begin(), own.end());
    std::map<std::vector<std::string>, int> counts;
    int best = 0;
    for (const Table* t : w.tables) {
      std::vector<std::string> storage = storage_markdown(*t);
      int n = ++counts[storage];
      if (n > best) {
        best = n;
        w.storage = storage;
      }
    }
  }
  return out;
}

std::string list(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += "- " + item + "\n";
  return out + "\n";
}

// The payload's one-line summary for the contents: its field's comment, else its message's.
std::string summary(const Table& t) {
  std::string comment = comment_of(t.payload);
  if (comment.empty()) comment = comment_of(t.payload->message_type());
  return markdown::inline_text(markdown::first_sentence(comment));
}

std::string comment_or_note(const Descriptor* message) {
  std::string block = markdown::comment_block(comment_of(message));
  if (block.empty()) return fmt::format("*{} has no comment in {}.*\n", code(message->full_name()), code(message->file()->name()));
  return block;
}

std::vector<const schema::Column*> columns_where(const Table& t, bool payload) {
  std::vector<const schema::Column*> out;
  for (const schema::Column& c : t.columns) {
    if ((t.payload != nullptr && c.path.front() == t.payload) == payload) out.push_back(&c);
  }
  return out;
}

const char* const kHowToRead = R"(Each section below is one table, as the database sinks write it and the schema generators create it: the
table model of `normalizer/schema/table.h`, read from the `(strictlog.v1.store)` and `(strictlog.v1.column)`
options (`proto/strictlog/v1/options.proto`).

- A column is one field. A nested message's fields are columns named after their path: the field
  `src_endpoint.ip` is the column `src_endpoint_ip`. A repeated field (`[]` in the Field column) makes every
  column under it an array: ClickHouse `Array`, SQLite a JSON array in `TEXT`.
- A **nullable** column is NULL when the field is absent (a proto3 `optional` field, a oneof member, an IP
  address left empty). Other columns hold the proto3 default when the line did not set the field: 0, the
  empty string, the enum's 0 value.
- A timestamp may take two columns, seconds since the Unix epoch (UTC) and `<column>_nanos`, as the Column
  column shows for each target.
- An enum is stored as its value's name (ClickHouse `Enum8`/`Enum16`, SQLite `TEXT`); [Enums](#enums) lists
  the values and what they mean.
)";

}  // namespace

Result<std::string> reference_markdown(const std::vector<Table>& tables, const ReferenceOptions& options) {
  Diagnostics errors;
  Headings headings;
  std::vector<Wrapper> wrappers = wrappers_of(tables);
  std::vector<const Table*> standalone;
  for (const Table& t : tables) {
    if (t.payload == nullptr) standalone.push_back(&t);
  }
  if (options.producers != nullptr) {
    for (const auto& [payload, producers] : *options.producers) {
      bool found = std::any_of(tables.begin(), tables.end(), [&](const Table& t) {
        return t.payload != nullptr && t.payload->name() == payload;
      });
      if (!found) {
        errors.push_back(error(fmt::format("rule {}/{}/{} maps to the payload '{}', which no table of the given .proto "
                                           "files has: the mappings and the data model disagree",
                                           producers.front().grammar, producers.front().versions.front(),
                                           producers.front().rule_id, payload)));
      }
    }
  }

  std::string out = headings.heading(1, "Event reference");
  out += "<!-- Generated by protoc-gen-strictlog-markdown (normalizer/generate/); do not edit. -->\n\n";
  out += "What each stored event means, column by column";
  out += options.producers != nullptr ? ", and which grammar rules produce it. " : ". ";
  out += "Generated from the comments in the `.proto` files";
  out += options.producers != nullptr ? " and from the grammars' mappings" : "";
  out += "; do not edit it by hand.\n\n";

  out += headings.heading(2, "How to read this reference");
  out += kHowToRead;
  out += fmt::format("- ClickHouse types are those of ClickHouse {}.{}; a later `--clickhouse-version` may use "
                     "newer types.\n",
                     options.clickhouse.major, options.clickhouse.minor);
  if (options.producers != nullptr) {
    out += "- **Produced by** lists the grammar rules whose lines become the event: the grammar, the versions that "
           "have the rule, the rule id (the envelope's `grammar`, `source_version` and `rule_id`), and an example "
           "of a message the rule reads (the line after its syslog header).\n";
  }
  out += "\n";

  // Contents.
  out += headings.heading(2, "Contents");
  for (const Wrapper& w : wrappers) {
    out += fmt::format("- {}\n", Headings::link(w.shared_heading, w.shared_heading));
    for (const Group& g : w.groups) {
      out += fmt::format("- {}, from {}\n", Headings::link(g.heading, g.heading), code(g.file->name()));
      for (const Table* t : g.tables) {
        std::string s = summary(*t);
        out += fmt::format("  - {}{}\n", Headings::link(code(t->name), code(t->name)), s.empty() ? "" : ": " + s);
      }
    }
  }
  for (const Table* t : standalone) {
    std::string s = markdown::inline_text(markdown::first_sentence(comment_of(t->message)));
    out += fmt::format("- {}{}\n", Headings::link(code(t->name), code(t->name)), s.empty() ? "" : ": " + s);
  }
  out += "- [Enums](#enums)\n\n";

  for (const Wrapper& w : wrappers) {
    out += headings.heading(2, w.shared_heading);
    out += fmt::format("Message {}: each of its payloads below is a table of its own, named after the payload "
                       "field. Every such table starts with these columns.\n\n",
                       code(w.message->full_name()));
    out += comment_or_note(w.message) + "\n";
    out += "Storage, unless an event's section says otherwise:\n\n" + list(w.storage);
    out += columns_markdown(columns_where(*w.tables.front(), false), 0, options.clickhouse) + "\n";

    for (const Group& g : w.groups) {
      out += headings.heading(2, g.heading);
      out += fmt::format("Payloads declared in {} (package {}).\n\n", code(g.file->name()), code(g.file->package()));
      for (const Table* t : g.tables) {
        const Descriptor* payload = t->payload->message_type();
        out += headings.heading(3, code(t->name));
        out += fmt::format("Message {}, field {} = {} of {}. Table {}: the {}, then the columns below.\n\n",
                           code(payload->full_name()), code(t->payload->name()), t->payload->number(),
                           code(w.message->full_name()), code(t->name),
                           Headings::link("envelope columns", w.shared_heading));
        // The message's comment says what the event is; its field's, when the message has none.
        std::string block = markdown::comment_block(comment_of(payload));
        if (block.empty()) block = markdown::comment_block(comment_of(t->payload));
        out += (block.empty() ? comment_or_note(payload) : block) + "\n";
        if (options.producers != nullptr) {
          auto found = options.producers->find(t->payload->name());
          if (found == options.producers->end()) {
            out += "**Produced by:** no rule of the grammars.\n\n";
          } else {
            std::vector<std::string> items;
            for (const Producer& p : found->second) items.push_back(producer_markdown(p));
            out += "**Produced by:**\n\n" + list(items);
          }
        }
        if (std::vector<std::string> storage = storage_markdown(*t); storage != w.storage) {
          out += "**Storage:**\n\n" + list(storage);
        }
        std::vector<const schema::Column*> own = columns_where(*t, true);
        out += own.empty() ? std::string("It has no columns besides the envelope's.\n\n")
                           : columns_markdown(own, 1, options.clickhouse) + "\n";
      }
    }
  }

  for (const Table* t : standalone) {
    out += headings.heading(2, code(t->name));
    out += fmt::format("Message {}, stored as the table {}.\n\n", code(t->message->full_name()), code(t->name));
    out += comment_or_note(t->message) + "\n";
    out += "**Storage:**\n\n" + list(storage_markdown(*t));
    out += columns_markdown(columns_where(*t, false), 0, options.clickhouse) + "\n";
  }

  // Every enum a column has, by full name.
  std::map<std::string, const EnumDescriptor*> enums;
  for (const Table& t : tables) {
    for (const schema::Column& c : t.columns) {
      if (c.enum_type != nullptr) enums.emplace(c.enum_type->full_name(), c.enum_type);
    }
  }
  out += headings.heading(2, "Enums");
  out += "Each value is stored as its name.\n\n";
  for (const auto& [name, e] : enums) {
    out += headings.heading(3, enum_heading(e));
    std::string block = markdown::comment_block(comment_of(e));
    if (!block.empty()) out += block + "\n";
    out += "| Value | Number | Description |\n|---|---|---|\n";
    for (int i = 0; i < e->value_count(); ++i) {
      const auto* v = e->value(i);
      out += fmt::format("| {} | {} | {} |\n", markdown::code(v->name(), markdown::Context::kTableCell), v->number(),
                         markdown::comment_cell(comment_of(v)));
    }
    out += "\n";
  }
  while (out.ends_with("\n\n")) out.pop_back();

  errors.insert(errors.end(), headings.errors().begin(), headings.errors().end());
  if (!errors.empty()) return errors;
  return out;
}

}  // namespace strictlog::generate
