#include "generate/internal/python_reader.h"

#include <fmt/format.h>

#include <map>
#include <set>

namespace strictlog::generate {

namespace {

namespace pb = google::protobuf;
using schema::Column;
using schema::ColumnType;
using schema::Table;

Diagnostic error(std::string message) { return plain_error("python-reader", std::move(message)); }

bool is_keyword(const std::string& name) {
  // keyword.kwlist of Python 3.11; soft keywords (match, case, type) are valid names.
  static const std::set<std::string> keywords{
      "False", "None",   "True",    "and",      "as",   "assert", "async",  "await", "break",
      "class", "continue", "def",   "del",      "elif", "else",   "except", "finally", "for",
      "from",  "global", "if",      "import",   "in",   "is",     "lambda", "nonlocal", "not",
      "or",    "pass",   "raise",   "return",   "try",  "while",  "with",   "yield"};
  return keywords.count(name) > 0;
}

// What kPythonRuntime defines or imports at module level, besides names starting with `_`.
const std::set<std::string> kModuleNames{
    "datetime", "enum",     "ipaddress", "re",       "dataclass", "Any",       "Callable", "ClassVar",
    "Dict",     "Iterator", "List",      "Mapping",  "Optional",  "Sequence",  "Tuple",    "Type",
    "TypeVar",  "Union",    "IPAddress", "ReaderError", "Reader", "TABLES",    "CLICKHOUSE_VERSION"};
// The Reader's own attributes, which a table's method must not replace.
const std::set<std::string> kReaderNames{"sql", "select", "iterate"};
// A table class's own class attributes.
const std::set<std::string> kClassNames{"TABLE", "SELECT", "_FIELDS"};

bool is_identifier(const std::string& s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char ch : s) {
    if (!(ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) return false;
  }
  return true;
}

// A column, table or message name as a Python name: a keyword gets a trailing `_` (PEP 8).
std::string python_name(const std::string& name) { return is_keyword(name) ? name + "_" : name; }

// `openvpn_tls_handshake_failed` -> `OpenvpnTlsHandshakeFailed`.
std::string camel(const std::string& snake) {
  std::string out;
  bool upper = true;
  for (char ch : snake) {
    if (ch == '_' || ch == '.') {
      upper = true;
      continue;
    }
    out += upper && ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 'a' + 'A') : ch;
    upper = false;
  }
  return out;
}

// The .proto comment of `d` (leading, else trailing), without the space after `//` and without blank lines
// around it; empty when the descriptor has no source info (an imported file).
template <class D>
std::string comment_of(const D* d) {
  pb::SourceLocation location;
  if (d == nullptr || !d->GetSourceLocation(&location)) return {};
  const std::string& raw = location.leading_comments.empty() ? location.trailing_comments : location.leading_comments;
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < raw.size()) {
    size_t end = raw.find('\n', start);
    if (end == std::string::npos) end = raw.size();
    std::string line = raw.substr(start, end - start);
    if (!line.empty() && line[0] == ' ') line.erase(0, 1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  size_t first = 0;
  while (first < lines.size() && lines[first].empty()) ++first;
  std::string out;
  for (size_t i = first; i < lines.size(); ++i) {
    if (i > first) out += '\n';
    out += lines[i];
  }
  return out;
}

// `text` as a triple-quoted docstring at `indent`, ending in a newline; nothing for empty text. A backslash
// is doubled, and a `"` that would end the string (before another `"`, or last) is escaped.
std::string docstring(const std::string& text, int indent) {
  if (text.empty()) return {};
  std::string pad(static_cast<size_t>(indent), ' ');
  std::string out = pad + "\"\"\"";
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (ch == '\\') {
      out += "\\\\";
    } else if (ch == '"' && (i + 1 == text.size() || text[i + 1] == '"')) {
      out += "\\\"";
    } else if (ch == '\n') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] != '\n') out += pad;
    } else {
      out += ch;
    }
  }
  return out + "\"\"\"\n";
}

std::string join(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + "\n\n" + b;
}

// A sentence of the generator's own, wrapped at spaces to fit a docstring's lines (proto comments keep
// their own line breaks).
std::string wrapped(const std::string& text) {
  constexpr size_t kWidth = 108;
  std::string out;
  size_t line = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    std::string word = text.substr(start, end - start);
    if (line > 0 && line + 1 + word.size() > kWidth) {
      out += '\n';
      line = 0;
    } else if (line > 0) {
      out += ' ';
      ++line;
    }
    out += word;
    line += word.size();
    start = end + 1;
  }
  return out;
}

// A Python string literal of an identifier-like text (column names, SQL expressions over them).
std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// The Python names of the enums the columns use, in order of first use.
struct Enums {
  std::vector<const pb::EnumDescriptor*> order;
  std::map<const pb::EnumDescriptor*, std::string> names;
};

std::string short_name(const pb::EnumDescriptor* e) {
  std::string name = e->name();
  for (const pb::Descriptor* d = e->containing_type(); d != nullptr; d = d->containing_type()) name = d->name() + name;
  return name;
}

Enums name_enums(const std::vector<Table>& tables) {
  Enums enums;
  std::map<std::string, int> uses;
  for (const Table& t : tables) {
    for (const Column& c : t.columns) {
      if (c.type != ColumnType::kEnum || enums.names.count(c.enum_type)) continue;
      enums.order.push_back(c.enum_type);
      enums.names[c.enum_type] = short_name(c.enum_type);
      ++uses[short_name(c.enum_type)];
    }
  }
  for (auto& [e, name] : enums.names) {
    if (uses[name] > 1 || kModuleNames.count(name) || is_keyword(name)) name = camel(e->full_name());
  }
  return enums;
}

// One attribute of a class: its Python name and type, the SELECT items it is read from and the conversion.
struct Attribute {
  std::string column;  // the table model's column it is read from
  std::string name;
  std::string annotation;
  std::vector<std::string> inputs;
  std::string convert;
  std::string doc;
};

struct Wrapped {
  std::string annotation;
  std::string convert;
};

// Nullable inside, then one Array per level, as ddl.h wraps the ClickHouse type.
Wrapped wrap(std::string annotation, std::string convert, const Column& c, bool nullable) {
  if (nullable) {
    annotation = "Optional[" + annotation + "]";
    convert = "_nullable(" + convert + ")";
  }
  for (int i = 0; i < c.array_depth; ++i) {
    annotation = "List[" + annotation + "]";
    convert = "_array(" + convert + ")";
  }
  return {annotation, convert};
}

// toUnixTimestamp64Nano() of a DateTime64 column, through arrayMap for each array level.
std::string nanoseconds_expression(const std::string& column, int depth) {
  std::string expr = depth == 0 ? column : fmt::format("x{}", depth);
  expr = fmt::format("toUnixTimestamp64Nano({})", expr);
  for (int level = depth; level >= 1; --level) {
    std::string over = level == 1 ? column : fmt::format("x{}", level - 1);
    expr = fmt::format("arrayMap(x{} -> {}, {})", level, expr, over);
  }
  return expr;
}

Wrapped scalar(const Column& c, const Enums& enums) {
  switch (c.type) {
    case ColumnType::kBool: return {"bool", "_bool"};
    case ColumnType::kInt32:
    case ColumnType::kInt64:
    case ColumnType::kUInt32:
    case ColumnType::kUInt64: return {"int", "_int"};
    case ColumnType::kFloat:
    case ColumnType::kDouble: return {"float", "_float"};
    case ColumnType::kString: return {"str", "_string"};
    case ColumnType::kBytes: return {"bytes", "_bytes"};
    case ColumnType::kEnum: {
      const std::string& name = enums.names.at(c.enum_type);
      return {name, "_enum(" + name + ")"};
    }
    case ColumnType::kIp: return {"IPAddress", "_ip"};
    case ColumnType::kTimestamp: break;  // two attributes: attributes_of()
  }
  return {"Any", "_int"};
}

std::vector<Attribute> attributes_of(const Column& c, const schema::ClickHouseVersion& v, const Enums& enums) {
  std::vector<schema::SqlColumn> sql = schema::sql_columns(c, schema::Target::kClickHouse, v);
  std::string comment = comment_of(c.leaf());
  if (c.type != ColumnType::kTimestamp) {
    Wrapped w = scalar(c, enums);
    w = wrap(w.annotation, w.convert, c, c.nullable);
    return {{c.name, python_name(c.name), w.annotation, {sql[0].name}, w.convert, comment}};
  }
  // A timestamp is two attributes, `<name>` to the microsecond and `<name>_nanos`, whatever the columns.
  Attribute time{c.name, python_name(c.name), "", {}, "", ""};
  Attribute nanos{c.name, python_name(c.name + "_nanos"), "", {}, "", ""};
  Wrapped time_type;
  Wrapped nanos_type;
  if (sql.size() == 2) {  // DateTime('UTC') and `<name>_nanos` UInt32
    time.inputs = {sql[0].name, sql[1].name};
    nanos.inputs = {sql[1].name};
    time_type = wrap("datetime.datetime", "_timestamp", c, false);
    nanos_type = wrap("int", "_nanos", c, false);
  } else {  // DateTime64(9, 'UTC'), read as nanoseconds: clickhouse_driver's own reading keeps microseconds
    time.inputs = nanos.inputs = {nanoseconds_expression(sql[0].name, c.array_depth)};
    time_type = wrap("datetime.datetime", "_timestamp64", c, false);
    nanos_type = wrap("int", "_timestamp64_nanos", c, false);
  }
  time.annotation = time_type.annotation;
  time.convert = time_type.convert;
  time.doc = join(comment, wrapped(fmt::format("A UTC datetime to the microsecond (truncated); `{}` has the "
                                               "nanoseconds.",
                                               nanos.name)));
  nanos.annotation = nanos_type.annotation;
  nanos.convert = nanos_type.convert;
  nanos.doc = wrapped(
      fmt::format("The nanoseconds of `{}` within its second, 0 to 999999999, exactly as stored.", time.name));
  return {time, nanos};
}

// `Event.openvpn_tls_handshake_failed` -> the shared columns are those whose path does not start with it.
bool shared_column(const Table& t, const Column& c) { return t.payload != nullptr && c.path.front() != t.payload; }

struct ClassText {
  std::string name;
  std::string base;  // empty: none
  std::string doc;
  std::vector<Attribute> attributes;
  const Table* table = nullptr;  // nullptr: the base class of a table_per_oneof message's tables
  std::string what;              // for errors: `table quarantine`
};

void render_class(const ClassText& k, std::string& out) {
  out += "\n\n@dataclass(frozen=True)\n";
  out += k.base.empty() ? fmt::format("class {}:\n", k.name) : fmt::format("class {}({}):\n", k.name, k.base);
  out += docstring(k.doc, 4);
  // A blank line around an attribute with a docstring; those without one stay together.
  bool spaced = true;
  for (const Attribute& a : k.attributes) {
    if (spaced || !a.doc.empty()) out += '\n';
    out += fmt::format("    {}: {}\n", a.name, a.annotation);
    out += docstring(a.doc, 4);
    spaced = !a.doc.empty();
  }
  out += '\n';
  if (k.table != nullptr) out += fmt::format("    TABLE: ClassVar[str] = {}\n", quoted(k.table->name));
  std::string fields_start = k.base.empty() ? "(" : k.base + "._FIELDS + (";
  if (k.attributes.empty()) {
    out += fmt::format("    _FIELDS: ClassVar[_Fields] = {}\n", k.base.empty() ? "()" : k.base + "._FIELDS");
  } else {
    out += fmt::format("    _FIELDS: ClassVar[_Fields] = {}\n", fields_start);
    for (const Attribute& a : k.attributes) {
      std::vector<std::string> inputs;
      for (const std::string& i : a.inputs) inputs.push_back(quoted(i));
      out += fmt::format("        ({}, ({}{}), {}),\n", quoted(a.name), fmt::join(inputs, ", "),
                         inputs.size() == 1 ? "," : "", a.convert);
    }
    out += "    )\n";
  }
  if (k.table != nullptr) out += "    SELECT: ClassVar[Tuple[str, ...]] = _select(_FIELDS)\n";
}

void render_enum(const pb::EnumDescriptor* e, const std::string& name, std::string& out) {
  out += fmt::format("\n\nclass {}(enum.IntEnum):\n", name);
  out += docstring(join(comment_of(e), fmt::format("The proto enum {}.", e->full_name())), 4);
  bool spaced = true;  // as render_class()'s attributes
  for (int i = 0; i < e->value_count(); ++i) {
    const pb::EnumValueDescriptor* value = e->value(i);
    std::string doc = comment_of(value);
    if (spaced || !doc.empty()) out += '\n';
    out += fmt::format("    {} = {}\n", value->name(), value->number());
    out += docstring(doc, 4);
    spaced = !doc.empty();
  }
}

void render_method(const ClassText& k, const std::string& method, std::string& out) {
  out += fmt::format(
      "\n    def {}(\n"
      "            self, where: str = \"\", params: Optional[Mapping[str, Any]] = None, *, order_by: str = \"\",\n"
      "            limit: Optional[int] = None) -> List[{}]:\n",
      method, k.name);
  out += fmt::format("        \"\"\"The rows of table `{}`: select({}, ...).\"\"\"\n", k.table->name, k.name);
  out += fmt::format("        return self.select({}, where, params, order_by=order_by, limit=limit)\n", k.name);
}

std::string module_header(const std::vector<Table>& tables, const PythonReaderOptions& options,
                          const std::string& version) {
  std::string out = options.header;
  std::string example = tables.empty() ? std::string("select(TABLES[\"a table\"], ") : tables.front().name + "(";
  out += fmt::format(R"("""Typed reader of the events stored in ClickHouse, one class per table.

Each table is a frozen dataclass whose attributes are its columns (docs/SCHEMA.md, "Python reader"):

    String -> str; String of a proto `bytes` -> bytes; (U)Int8-64 -> int (UInt8 of a proto bool -> bool);
    Float32/64 -> float; Enum8/16 -> the proto enum's IntEnum; Nullable(T) -> Optional[T]; Array(T) -> List[T];
    an IP column -> ipaddress.IPv4Address or IPv6Address (an IPv4-mapped address reads as IPv4Address);
    a timestamp `t` -> `t`, a UTC datetime.datetime to the microsecond, and `t_nanos`, the int nanoseconds
    within its second, exactly as stored.

Reader(client, database) queries them with clickhouse_driver (Debian: python3-clickhouse-driver):

    from clickhouse_driver import Client
    import strictlog_events

    reader = strictlog_events.Reader(Client("localhost"), "strictlog")
    for row in reader.{}limit=100):
        print(row)
"""

)",
                     example);
  out += fmt::format("{}\n\nCLICKHOUSE_VERSION = \"{}\"\n", kPythonRuntime, version);
  return out;
}

}  // namespace

Result<std::string> python_reader(const std::vector<Table>& tables, const PythonReaderOptions& options) {
  Diagnostics errors;
  const schema::ClickHouseVersion& v = options.clickhouse_version;
  Enums enums = name_enums(tables);
  for (const pb::EnumDescriptor* e : enums.order) {
    for (int i = 0; i < e->value_count(); ++i) {
      const std::string& value = e->value(i)->name();
      if (is_keyword(value) || value.starts_with("_")) {
        errors.push_back(error(fmt::format("{}: value '{}' cannot name a member of a Python IntEnum, which must "
                                           "have the name ClickHouse's Enum has", e->full_name(), value)));
      }
    }
  }

  // The classes: per table_per_oneof message a base class of its shared columns, then one per table.
  std::vector<ClassText> classes;
  std::map<const pb::Descriptor*, size_t> bases;
  for (const Table& t : tables) {
    if (t.payload != nullptr && !bases.count(t.message)) {
      ClassText base;
      base.name = python_name(t.message->name());
      base.doc = join(comment_of(t.message),
                      wrapped(fmt::format("The columns every table of {} has, all but those of its oneof `{}`: the "
                                          "base of the classes of those tables.",
                                          t.message->full_name(), t.payload->containing_oneof()->name())));
      for (const Column& c : t.columns) {
        if (!shared_column(t, c)) continue;
        for (Attribute& a : attributes_of(c, v, enums)) base.attributes.push_back(std::move(a));
      }
      base.what = fmt::format("the shared columns of {}", t.message->full_name());
      bases[t.message] = classes.size();
      classes.push_back(std::move(base));
    }
    ClassText k;
    k.name = python_name(camel(t.name));
    k.table = &t;
    k.what = "table " + t.name;
    if (t.payload != nullptr) {
      k.base = classes[bases[t.message]].name;
      k.doc = join(join(comment_of(t.payload), comment_of(t.payload->message_type())),
                   wrapped(fmt::format("Table `{}`: the {} rows whose `{}` is `{}` ({}).", t.name,
                                       t.message->full_name(), t.payload->containing_oneof()->name(),
                                       t.payload->name(), t.payload->message_type()->full_name())));
    } else {
      k.doc = join(comment_of(t.message), fmt::format("Table `{}`: {}.", t.name, t.message->full_name()));
    }
    for (const Column& c : t.columns) {
      if (shared_column(t, c)) continue;
      for (Attribute& a : attributes_of(c, v, enums)) k.attributes.push_back(std::move(a));
    }
    classes.push_back(std::move(k));
  }

  // Names: every class and enum distinct and not the module's own; per class, attributes distinct (base
  // included) and not its class attributes; methods not the Reader's own.
  std::map<std::string, std::string> module_names;  // name -> what it names
  auto claim = [&](const std::string& name, const std::string& what) {
    if (!is_identifier(name)) {
      errors.push_back(error(fmt::format("{}: '{}' is not a Python identifier", what, name)));
    } else if (kModuleNames.count(name)) {
      errors.push_back(error(fmt::format("{}: the Python name '{}' is the module's own", what, name)));
    } else if (auto [it, fresh] = module_names.emplace(name, what); !fresh) {
      errors.push_back(error(fmt::format("{} and {} would both be the Python name '{}'", it->second, what, name)));
    }
  };
  for (const pb::EnumDescriptor* e : enums.order) claim(enums.names.at(e), "enum " + e->full_name());
  for (const ClassText& k : classes) {
    if (k.table != nullptr && !is_identifier(k.table->name)) {
      errors.push_back(error(fmt::format("table {}: its name is not a Python identifier, which its Reader method "
                                         "needs", k.table->name)));
      continue;
    }
    claim(k.name, k.what);
    // The base's attributes are checked with each table's (they are the tables' too), not on their own.
    std::map<std::string, std::string> seen;  // attribute -> column
    for (const ClassText& other : classes) {
      if (k.table == nullptr || (&other != &k && other.name != k.base)) continue;
      for (const Attribute& a : other.attributes) {
        if (kClassNames.count(a.name)) {
          errors.push_back(error(fmt::format("{}: column '{}' would be the Python attribute '{}', which is a class "
                                             "attribute of every table's class",
                                             k.what, a.column, a.name)));
        } else if (auto [it, fresh] = seen.emplace(a.name, a.column); !fresh) {
          errors.push_back(error(fmt::format("{}: columns '{}' and '{}' would both be the Python attribute '{}'",
                                             k.what, it->second, a.column, a.name)));
        }
      }
    }
    if (k.table != nullptr && kReaderNames.count(python_name(k.table->name))) {
      errors.push_back(error(fmt::format("table {}: Reader.{}() is the Reader's own method", k.table->name,
                                         python_name(k.table->name))));
    }
  }
  if (!errors.empty()) return errors;

  std::string version = fmt::format("{}.{}", v.major, v.minor);
  std::string out = module_header(tables, options, version);
  for (const pb::EnumDescriptor* e : enums.order) render_enum(e, enums.names.at(e), out);
  for (const ClassText& k : classes) render_class(k, out);
  out += "\n\n# Table name -> its class.\nTABLES: Dict[str, Type[Any]] = {\n";
  for (const ClassText& k : classes) {
    if (k.table != nullptr) out += fmt::format("    {}: {},\n", quoted(k.table->name), k.name);
  }
  out += "}\n\n\n";
  out += kPythonReaderHead;
  for (const ClassText& k : classes) {
    if (k.table != nullptr) render_method(k, python_name(k.table->name), out);
  }
  return out;
}

}  // namespace strictlog::generate
