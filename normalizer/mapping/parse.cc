#include "dsl/internal/driver.h"
#include "mapping/internal/peg.h"
#include "mapping/mapping.h"

namespace strictlog::mapping {
namespace {

namespace p = tao::pegtl;

// Parse state; a rule mapping joins the file only once it parsed completely.
struct State {
  SourceRef source;
  MappingFile file;
  Diagnostics errors;
  std::string last_string;
  RuleMappingDecl rule;
  FieldAssignment field;

  template <typename Input>
  Position at(const Input& in) const {
    auto pos = in.position();
    return Position{source, static_cast<uint32_t>(pos.line), static_cast<uint32_t>(pos.column)};
  }
};

template <typename Rule>
struct action : p::nothing<Rule> {};

template <>
struct action<dsl::peg::string_lit> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.last_string = dsl::internal::unescape_string_lit(std::string_view(in.begin(), in.size()));
  }
};

template <>
struct action<peg::kw_mapping> {
  template <typename Input>
  static void apply(const Input& in, State& st) { st.file.header_pos = st.at(in); }
};
template <>
struct action<peg::grammar_ref> {
  template <typename Input>
  static void apply(const Input& in, State& st) { st.file.grammar = in.string(); }
};
template <>
struct action<peg::grammar_version> {
  template <typename Input>
  static void apply(const Input& in, State& st) { st.file.version = in.string(); }
};

template <>
struct action<peg::kw_rule> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.rule = RuleMappingDecl{};
    st.rule.pos = st.at(in);
  }
};
template <>
struct action<peg::rule_name> {
  template <typename Input>
  static void apply(const Input& in, State& st) { st.rule.rule_id = in.string(); }
};
template <>
struct action<peg::message_name> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.rule.message = in.string();
    st.rule.message_pos = st.at(in);
  }
};

template <>
struct action<peg::field_path> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.field = FieldAssignment{};
    st.field.pos = st.at(in);
    st.field.field = in.string();
  }
};
template <>
struct action<peg::string_value> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.field.value = ValueExpr{ValueExpr::Kind::kString, st.at(in), st.last_string, {}, {}, {}};
  }
};
template <>
struct action<peg::number_value> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.field.value = ValueExpr{ValueExpr::Kind::kNumber, st.at(in), in.string(), {}, {}, {}};
  }
};
template <>
struct action<peg::capture_value> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.field.value = ValueExpr{ValueExpr::Kind::kCapture, st.at(in), in.string(), {}, {}, {}};
  }
};
template <>
struct action<peg::conversion_name> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.field.value = ValueExpr{ValueExpr::Kind::kConversion, st.at(in), in.string(), {}, {}, {}};
  }
};
template <>
struct action<peg::conversion_arg> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.field.value.argument = in.string();
    st.field.value.argument_pos = st.at(in);
  }
};
template <>
struct action<peg::override_text> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.field.value.overrides.push_back({st.at(in), dsl::internal::unescape_string_lit(in.string()), {}, {}});
  }
};
template <>
struct action<peg::override_value> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.field.value.overrides.back().value = in.string();
    st.field.value.overrides.back().value_pos = st.at(in);
  }
};
template <>
struct action<peg::assignment> {
  template <typename Input>
  static void apply(const Input&, State& st) { st.rule.fields.push_back(std::move(st.field)); }
};
template <>
struct action<peg::discarded> {
  template <typename Input>
  static void apply(const Input& in, State& st) { st.rule.discards.push_back({st.at(in), in.string()}); }
};
template <>
struct action<peg::rule_decl> {
  template <typename Input>
  static void apply(const Input&, State& st) { st.file.rules.push_back(std::move(st.rule)); }
};

}  // namespace

Result<MappingFile> parse_mapping(SourceRef source) {
  State st;
  st.source = source;
  st.file.source = source;
  dsl::internal::parse_declarations<peg::next_declaration, action, peg::control>(source, {"mapping", "rule"}, st,
                                                                                &st.errors);
  if (st.file.grammar.empty() && st.errors.empty()) {
    st.errors.push_back(Diagnostic{Position{source, 1, 1}, "missing-mapping-header",
                                   "a mapping file must name the grammar it maps, e.g. 'mapping openvpn 2.6;'", {}});
  }
  if (!st.errors.empty()) return std::move(st.errors);
  return std::move(st.file);
}

}  // namespace strictlog::mapping
