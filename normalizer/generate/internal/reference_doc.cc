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
  if (!block.empty()) return block;
  return fmt::format("*{} has no comment in {}.*\n", code(message->full_name()), code(message->file()->name()));
}

std::vector<const schema::Column*> columns_where(const Table& t, bool payload) {
  std::vector<const schema::Column*> out;
  for (const schema::Column& c : t.columns) {
    if ((t.payload != nullptr && c.path.front() == t.payload) == payload) out.push_back(&c);
  }
  return out;
}

// The rules of the table model (schema/table.h) that a reader of the column tables needs.
const char* const kHowToRead =
    "Each table below is as the database sinks write it and the schema generators create it: the table model of\n"
    "`normalizer/schema/table.h`, read from the `(strictlog.v1.store)` and `(strictlog.v1.column)` options\n"
    "(`proto/strictlog/v1/options.proto`).\n"
    "\n"
    "- A column is one field. A nested message's fields are columns named after their path: the field\n"
    "  `src_endpoint.ip` is the column `src_endpoint_ip`. A repeated field (`[]` in the Field column) makes every\n"
    "  column under it an array: ClickHouse `Array`, SQLite a JSON array in `TEXT`.\n"
    "- A **nullable** column is NULL when the field is absent (a proto3 `optional` field, a oneof member, an IP\n"
    "  address left empty). Other columns hold the proto3 default when the line did not set the field: 0, the\n"
    "  empty string, the enum's 0 value.\n"
    "- A timestamp may take two columns, seconds since the Unix epoch (UTC) and `<column>_nanos`, as the Column\n"
    "  column shows for each target.\n"
    "- An enum is stored as its value's name (ClickHouse `Enum8`/`Enum16`, SQLite `TEXT`); [Enums](#enums) lists\n"
    "  the values and what they mean.\n";

// Writes the reference section by section into `out`.
class Writer {
 public:
  Writer(const std::vector<Table>& tables, const ReferenceOptions& options) : tables_(tables), options_(options) {
    wrappers_ = wrappers_of(tables);
    for (const Table& t : tables) {
      if (t.payload == nullptr) standalone_.push_back(&t);
    }
  }

  Result<std::string> write() {
    check_producers();
    preamble();
    contents();
    for (const Wrapper& w : wrappers_) {
      shared_columns(w);
      for (const Group& g : w.groups) {
        out_ += headings_.heading(2, g.heading);
        out_ += fmt::format("Payloads declared in {} (package {}).\n\n", code(g.file->name()), code(g.file->package()));
        for (const Table* t : g.tables) event(w, *t);
      }
    }
    for (const Table* t : standalone_) table(*t);
    enums();
    while (out_.ends_with("\n\n")) out_.pop_back();
    errors_.insert(errors_.end(), headings_.errors().begin(), headings_.errors().end());
    if (!errors_.empty()) return errors_;
    return std::move(out_);
  }

 private:
  void check_producers() {
    if (options_.producers == nullptr) return;
    for (const auto& [payload, producers] : *options_.producers) {
      bool found = std::any_of(tables_.begin(), tables_.end(), [&](const Table& t) {
        return t.payload != nullptr && t.payload->name() == payload;
      });
      if (found) continue;
      const Producer& p = producers.front();
      errors_.push_back(error(fmt::format("rule {}/{}/{} maps to the payload '{}', which no table of the given .proto "
                                          "files has: the mappings and the data model disagree",
                                          p.grammar, p.versions.front(), p.rule_id, payload)));
    }
  }

  void preamble() {
    bool rules = options_.producers != nullptr;
    out_ += headings_.heading(1, "Event reference");
    out_ += "<!-- Generated by protoc-gen-strictlog-markdown (normalizer/generate/); do not edit. -->\n\n";
    out_ += fmt::format("What each stored event means, column by column{}. Generated from the comments in the "
                        "`.proto` files{}; do not edit it by hand.\n\n",
                        rules ? ", and which grammar rules produce it" : "",
                        rules ? " and from the grammars' mappings" : "");
    out_ += headings_.heading(2, "How to read this reference");
    out_ += kHowToRead;
    out_ += fmt::format("- ClickHouse types are those of ClickHouse {}.{}; a later `--clickhouse-version` may use "
                        "newer types.\n",
                        options_.clickhouse.major, options_.clickhouse.minor);
    if (rules) {
      out_ += "- **Produced by** lists the grammar rules whose lines become the event: the grammar, the versions "
              "that have the rule, the rule id (the envelope's `grammar`, `source_version` and `rule_id`), and an "
              "example of a message the rule reads (the line after its header).\n";
    }
    out_ += "\n";
  }

  void contents() {
    out_ += headings_.heading(2, "Contents");
    auto entry = [](const std::string& indent, const Table& t, const std::string& summary) {
      std::string link = Headings::link(code(t.name), code(t.name));
      return fmt::format("{}- {}{}\n", indent, link, summary.empty() ? "" : ": " + summary);
    };
    for (const Wrapper& w : wrappers_) {
      out_ += fmt::format("- {}\n", Headings::link(w.shared_heading, w.shared_heading));
      for (const Group& g : w.groups) {
        out_ += fmt::format("- {}, from {}\n", Headings::link(g.heading, g.heading), code(g.file->name()));
        for (const Table* t : g.tables) out_ += entry("  ", *t, summary(*t));
      }
    }
    for (const Table* t : standalone_) {
      out_ += entry("", *t, markdown::inline_text(markdown::first_sentence(comment_of(t->message))));
    }
    out_ += "- [Enums](#enums)\n\n";
  }

  void shared_columns(const Wrapper& w) {
    out_ += headings_.heading(2, w.shared_heading);
    out_ += fmt::format("Message {}: each of its payloads below is a table of its own, named after the payload "
                        "field. Every such table starts with these columns.\n\n",
                        code(w.message->full_name()));
    out_ += comment_or_note(w.message) + "\n";
    out_ += "Storage, unless an event's section says otherwise:\n\n" + list(w.storage);
    out_ += columns_markdown(columns_where(*w.tables.front(), false), 0, options_.clickhouse) + "\n";
  }

  void event(const Wrapper& w, const Table& t) {
    const Descriptor* payload = t.payload->message_type();
    out_ += headings_.heading(3, code(t.name));
    out_ += fmt::format("Message {}, field {} = {} of {}. Table {}: the {}, then the columns below.\n\n",
                        code(payload->full_name()), code(t.payload->name()), t.payload->number(),
                        code(w.message->full_name()), code(t.name),
                        Headings::link("envelope columns", w.shared_heading));
    // The message's comment says what the event is; its field's, when the message has none.
    std::string block = markdown::comment_block(comment_of(payload));
    if (block.empty()) block = markdown::comment_block(comment_of(t.payload));
    out_ += (block.empty() ? comment_or_note(payload) : block) + "\n";
    if (options_.producers != nullptr) {
      auto found = options_.producers->find(t.payload->name());
      if (found == options_.producers->end()) {
        out_ += "**Produced by:** no rule of the grammars.\n\n";
      } else {
        std::vector<std::string> items;
        for (const Producer& p : found->second) items.push_back(producer_markdown(p));
        out_ += "**Produced by:**\n\n" + list(items);
      }
    }
    if (std::vector<std::string> storage = storage_markdown(t); storage != w.storage) {
      out_ += "**Storage:**\n\n" + list(storage);
    }
    std::vector<const schema::Column*> own = columns_where(t, true);
    out_ += own.empty() ? std::string("It has no columns besides the envelope's.\n\n")
                        : columns_markdown(own, 1, options_.clickhouse) + "\n";
  }

  void table(const Table& t) {
    out_ += headings_.heading(2, code(t.name));
    out_ += fmt::format("Message {}, stored as the table {}.\n\n", code(t.message->full_name()), code(t.name));
    out_ += comment_or_note(t.message) + "\n";
    out_ += "**Storage:**\n\n" + list(storage_markdown(t));
    out_ += columns_markdown(columns_where(t, false), 0, options_.clickhouse) + "\n";
  }

  // Every enum a column has, by full name.
  void enums() {
    std::map<std::string, const EnumDescriptor*> enums;
    for (const Table& t : tables_) {
      for (const schema::Column& c : t.columns) {
        if (c.enum_type != nullptr) enums.emplace(c.enum_type->full_name(), c.enum_type);
      }
    }
    out_ += headings_.heading(2, "Enums");
    out_ += "Each value is stored as its name.\n\n";
    for (const auto& [name, e] : enums) {
      out_ += headings_.heading(3, enum_heading(e));
      std::string block = markdown::comment_block(comment_of(e));
      if (!block.empty()) out_ += block + "\n";
      out_ += "| Value | Number | Description |\n|---|---|---|\n";
      for (int i = 0; i < e->value_count(); ++i) {
        const auto* v = e->value(i);
        out_ += fmt::format("| {} | {} | {} |\n", markdown::code(v->name(), markdown::Context::kTableCell),
                            v->number(), markdown::comment_cell(comment_of(v)));
      }
      out_ += "\n";
    }
  }

  const std::vector<Table>& tables_;
  const ReferenceOptions& options_;
  std::vector<Wrapper> wrappers_;
  std::vector<const Table*> standalone_;
  Headings headings_;
  Diagnostics errors_;
  std::string out_;
};

}  // namespace

Result<std::string> reference_markdown(const std::vector<Table>& tables, const ReferenceOptions& options) {
  return Writer(tables, options).write();
}

}  // namespace strictlog::generate
