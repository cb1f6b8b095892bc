#include "schema/table.h"

#include <fmt/format.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include <algorithm>
#include <set>

#include "strictlog/v1/event.pb.h"
#include "strictlog/v1/options.pb.h"
#include "strictlog/v1/quarantine.pb.h"

namespace strictlog::schema {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

Diagnostic error(std::string message) { return plain_error("schema", std::move(message)); }



ColumnType scalar_type(const FieldDescriptor* f) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_BOOL: return ColumnType::kBool;
    case FieldDescriptor::CPPTYPE_INT32: return ColumnType::kInt32;
    case FieldDescriptor::CPPTYPE_INT64: return ColumnType::kInt64;
    case FieldDescriptor::CPPTYPE_UINT32: return ColumnType::kUInt32;
    case FieldDescriptor::CPPTYPE_UINT64: return ColumnType::kUInt64;
    case FieldDescriptor::CPPTYPE_FLOAT: return ColumnType::kFloat;
    case FieldDescriptor::CPPTYPE_DOUBLE: return ColumnType::kDouble;
    case FieldDescriptor::CPPTYPE_ENUM: return ColumnType::kEnum;
    case FieldDescriptor::CPPTYPE_STRING:
      if (f->options().GetExtension(v1::column).ip()) return ColumnType::kIp;
      return f->type() == FieldDescriptor::TYPE_BYTES ? ColumnType::kBytes : ColumnType::kString;
    case FieldDescriptor::CPPTYPE_MESSAGE: break;
  }
  return ColumnType::kString;  // not reached: messages are flattened by the caller
}

bool is_timestamp(const Descriptor* d) {
  return d->full_name() == google::protobuf::Timestamp::descriptor()->full_name();
}

// Appends the columns of `message`'s fields under `prefix`/`path`, skipping `skip_oneof`'s fields.
void flatten(const Descriptor* message, const std::string& prefix, std::vector<const FieldDescriptor*>& path,
             int array_depth, std::vector<const Descriptor*>& open, const google::protobuf::OneofDescriptor* skip_oneof,
             std::vector<Column>& out, Diagnostics& errors) {
  for (int i = 0; i < message->field_count(); ++i) {
    const FieldDescriptor* f = message->field(i);
    if (skip_oneof != nullptr && f->containing_oneof() == skip_oneof) continue;
    // Not bytes either: an IP column is parsed from the address as text (row.h).
    if (f->options().GetExtension(v1::column).ip() && f->type() != FieldDescriptor::TYPE_STRING) {
      errors.push_back(error(fmt::format("{}: option (strictlog.v1.column).ip is set on a field of type {}, not string",
                                         f->full_name(), f->type_name())));
    }
    path.push_back(f);
    std::string name = prefix.empty() ? f->name() : prefix + "_" + f->name();
    int depth = array_depth + (f->is_repeated() ? 1 : 0);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !is_timestamp(f->message_type())) {
      const Descriptor* sub = f->message_type();
      if (std::find(open.begin(), open.end(), sub) != open.end()) {
        errors.push_back(error(fmt::format("{}: message {} contains itself, which has no flat columns",
                                           f->full_name(), sub->full_name())));
      } else {
        open.push_back(sub);
        flatten(sub, name, path, depth, open, nullptr, out, errors);
        open.pop_back();
      }
    } else {
      Column c;
      c.name = std::move(name);
      c.path = path;
      c.array_depth = depth;
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        c.type = ColumnType::kTimestamp;
      } else {
        c.type = scalar_type(f);
      }
      // A timestamp is not nullable, so that it can be a sorting key: unset, it is the epoch (0), as proto3
      // reads an unset message's fields. An IP column is NULL for an empty string.
      c.nullable = !f->is_repeated() && c.type != ColumnType::kTimestamp && (f->has_presence() || c.type == ColumnType::kIp);
      if (c.type == ColumnType::kEnum) {
        c.enum_type = f->enum_type();
        c.enum_bits = 8;
        std::set<int> numbers;
        for (int v = 0; v < c.enum_type->value_count(); ++v) {
          int n = c.enum_type->value(v)->number();
          if (n < -128 || n > 127) c.enum_bits = 16;
          if (n < -32768 || n > 32767) {
            errors.push_back(error(fmt::format("{}: value {} = {} is outside Enum16 (-32768 to 32767)",
                                               c.enum_type->full_name(), c.enum_type->value(v)->name(), n)));
          }
          if (!numbers.insert(n).second) {
            errors.push_back(error(fmt::format("{}: value {} repeats number {} (allow_alias), which a ClickHouse "
                                               "Enum cannot hold", c.enum_type->full_name(),
                                               c.enum_type->value(v)->name(), n)));
          }
        }
      }
      c.codec = f->options().GetExtension(v1::column).codec();
      out.push_back(std::move(c));
    }
    path.pop_back();
  }
}

void check_key_columns(const Table& t, const std::string& where, const std::vector<std::string>& names,
                       Diagnostics& errors) {
  for (const std::string& n : names) {
    const Column* c = t.column(n);
    if (c == nullptr) {
      errors.push_back(error(fmt::format("{}: table {}: {} names no column '{}'", t.message->full_name(), t.name, where, n)));
    } else if (c->array_depth > 0 || c->nullable) {
      errors.push_back(error(fmt::format("{}: table {}: {} column '{}' is {}, which a key cannot be",
                                         t.message->full_name(), t.name, where, n,
                                         c->array_depth > 0 ? "an array" : "nullable")));
    }
  }
}

void add_options(const v1::Store& store, Table& t) {
  if (!store.order_by().empty()) t.order_by.assign(store.order_by().begin(), store.order_by().end());
  if (!store.partition_by().empty()) t.partition_by = store.partition_by();
  if (!store.ttl().empty()) t.ttl = store.ttl();
  for (const v1::Index& ix : store.index()) {
    Index index;
    index.columns.assign(ix.columns().begin(), ix.columns().end());
    index.name = t.name + "_" + fmt::format("{}", fmt::join(index.columns, "_"));
    if (!ix.type().empty()) index.type = ix.type();
    if (ix.granularity() != 0) index.granularity = ix.granularity();
    t.indexes.push_back(std::move(index));
  }
}

void finish(Table& t, Diagnostics& errors) {
  std::set<std::string> seen;
  for (const Column& c : t.columns) {
    std::vector<std::string> names{c.name};
    // ddl.h renders a timestamp as `<name>` and `<name>_nanos` for targets without DateTime64.
    if (c.type == ColumnType::kTimestamp) names.push_back(c.name + "_nanos");
    for (const std::string& n : names) {
      if (!seen.insert(n).second) {
        errors.push_back(error(fmt::format("{}: table {}: two columns are named '{}'", t.message->full_name(), t.name, n)));
      }
    }
  }
  check_key_columns(t, "order_by", t.order_by, errors);
  for (const Index& ix : t.indexes) check_key_columns(t, "index", ix.columns, errors);
}

}  // namespace

bool is_sql_name(std::string_view name) {
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (name.empty() || !letter(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return letter(c) || (c >= '0' && c <= '9'); });
}

const Column* Table::column(std::string_view wanted) const {
  for (const Column& c : columns) {
    if (c.name == wanted) return &c;
  }
  return nullptr;
}

Result<std::vector<Table>> tables_of(const Descriptor* stored) {
  Diagnostics errors;
  std::vector<Table> tables;
  if (!stored->options().HasExtension(v1::store)) {
    return error(fmt::format("{}: has no (strictlog.v1.store) option, so it is not stored", stored->full_name()));
  }
  const v1::Store& store = stored->options().GetExtension(v1::store);
  if (store.table().empty() == store.table_per_oneof().empty()) {
    return error(fmt::format("{}: option (strictlog.v1.store) sets {} of table and table_per_oneof; exactly one is needed",
                             stored->full_name(), store.table().empty() ? "neither" : "both"));
  }
  if (!store.table().empty() && !is_sql_name(store.table())) {
    return error(fmt::format("{}: option (strictlog.v1.store) names table '{}', which is not a plain SQL name "
                             "([A-Za-z_][A-Za-z0-9_]*)", stored->full_name(), store.table()));
  }
  std::vector<const FieldDescriptor*> path;
  std::vector<const Descriptor*> open{stored};
  if (!store.table().empty()) {
    Table t;
    t.name = store.table();
    t.message = stored;
    add_options(store, t);
    flatten(stored, "", path, 0, open, nullptr, t.columns, errors);
    finish(t, errors);
    tables.push_back(std::move(t));
  } else {
    const google::protobuf::OneofDescriptor* oneof = stored->FindOneofByName(store.table_per_oneof());
    if (oneof == nullptr) {
      return error(fmt::format("{}: option (strictlog.v1.store) names table_per_oneof '{}', which is not a oneof of it",
                               stored->full_name(), store.table_per_oneof()));
    }
    std::vector<Column> shared;
    flatten(stored, "", path, 0, open, oneof, shared, errors);
    for (int i = 0; i < oneof->field_count(); ++i) {
      const FieldDescriptor* f = oneof->field(i);
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || is_timestamp(f->message_type())) {
        errors.push_back(error(fmt::format("{}: a field of table_per_oneof '{}' must be a message, not {}",
                                           f->full_name(), oneof->name(),
                                           f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE
                                               ? f->message_type()->full_name()
                                               : std::string(f->type_name()))));
        continue;
      }
      Table t;
      t.name = f->name();
      t.message = stored;
      t.payload = f;
      add_options(store, t);
      const Descriptor* payload = f->message_type();
      if (payload->options().HasExtension(v1::store)) {
        const v1::Store& own = payload->options().GetExtension(v1::store);
        if (!own.table().empty() || !own.table_per_oneof().empty()) {
          errors.push_back(error(fmt::format("{}: a payload of {} takes its table name from its field; its own "
                                             "(strictlog.v1.store) may set only order_by, partition_by, index and ttl",
                                             payload->full_name(), stored->full_name())));
        }
        add_options(own, t);
      }
      t.columns = shared;
      path.push_back(f);
      open.push_back(payload);
      flatten(payload, "", path, 0, open, nullptr, t.columns, errors);
      open.pop_back();
      path.pop_back();
      finish(t, errors);
      tables.push_back(std::move(t));
    }
  }
  if (!errors.empty()) {
    // An enum or field shared by every table of a oneof would report its error once per table.
    Diagnostics unique;
    std::set<std::string> seen;
    for (Diagnostic& e : errors) {
      if (seen.insert(e.message).second) unique.push_back(std::move(e));
    }
    return unique;
  }
  return tables;
}

Result<std::vector<Table>> tables_in(const std::vector<const google::protobuf::FileDescriptor*>& files) {
  Diagnostics errors;
  std::vector<Table> all;
  std::set<std::string> names;
  auto visit = [&](const Descriptor* d, auto& self) -> void {
    if (d->options().HasExtension(v1::store)) {
      const v1::Store& s = d->options().GetExtension(v1::store);
      if (!s.table().empty() || !s.table_per_oneof().empty()) {
        Result<std::vector<Table>> tables = tables_of(d);
        if (!tables.ok()) {
          for (const Diagnostic& e : tables.errors()) errors.push_back(e);
        } else {
          for (Table& t : tables.value()) {
            if (!names.insert(t.name).second) {
              errors.push_back(error(fmt::format("{}: table '{}' is declared twice", d->full_name(), t.name)));
            }
            all.push_back(std::move(t));
          }
        }
      }
    }
    for (int i = 0; i < d->nested_type_count(); ++i) self(d->nested_type(i), self);
  };
  for (const google::protobuf::FileDescriptor* file : files) {
    for (int i = 0; i < file->message_type_count(); ++i) visit(file->message_type(i), visit);
  }
  if (!errors.empty()) return errors;
  return all;
}

const std::vector<Table>& builtin_tables() {
  static const std::vector<Table> tables = [] {
    Result<std::vector<Table>> r =
        tables_in({v1::Event::descriptor()->file(), v1::QuarantineRecord::descriptor()->file()});
    // The compiled-in model is checked by tests/schema; a broken one is a build defect, not input.
    if (!r.ok()) {
      for (const Diagnostic& e : r.errors()) fmt::print(stderr, "strictlog: built-in schema: {}\n", e.message);
      std::abort();
    }
    return std::move(r).value();
  }();
  return tables;
}

const Table* table_for(const std::vector<Table>& tables, const google::protobuf::Message& message) {
  const Descriptor* d = message.GetDescriptor();
  const google::protobuf::Reflection* r = message.GetReflection();
  const FieldDescriptor* set = nullptr;
  for (const Table& t : tables) {
    if (t.message != d) continue;
    if (t.payload == nullptr) return &t;
    if (set == nullptr) set = r->GetOneofFieldDescriptor(message, t.payload->containing_oneof());
    if (set == nullptr) return nullptr;
    if (t.payload == set) return &t;
  }
  return nullptr;
}

}  // namespace strictlog::schema
