#include <fmt/format.h>

#include <string_view>

#include "dsl/dsl.h"
#include "dsl/internal/driver.h"
#include "dsl/internal/peg.h"

namespace strictlog::dsl {
namespace {

namespace p = tao::pegtl;

// Parse state: the file being built plus the declaration under construction. A declaration is added to the
// file only when it parsed completely, so an error never leaves half a rule behind.
struct State {
  SourceRef source;
  GrammarFile file;
  Diagnostics errors;

  std::string last_string;
  Position first_decl_pos;  // the first complete non-header declaration; line 0 while there is none
  Position decl_pos;
  std::string decl_name;
  // Element lists being filled: the declaration's body at the bottom, one per open group above (for an
  // alternation, its current branch).
  std::vector<std::vector<Element>> lists;
  std::vector<Position> group_pos;
  // The finished branches of each open alternation, innermost last.
  std::vector<std::vector<std::vector<Element>>> branches;
  std::vector<Parameter> params;
  bool drop = false;
  // `override` was read and the pattern, rule or drop declaration it applies to has begun.
  bool override_pending = false;
  Position override_pos;
  bool override = false;
  Precedence precedence;
  std::vector<Example> examples;
  std::vector<ProgramGlob> globs;

  template <typename Input>
  Position at(const Input& in) const {
    auto pos = in.position();
    return Position{source, static_cast<uint32_t>(pos.line), static_cast<uint32_t>(pos.column)};
  }

  // Called when a programs, pattern or rule declaration is complete.
  void end_decl() {
    if (first_decl_pos.line == 0) first_decl_pos = decl_pos;
  }

  void begin_decl(Position pos) {
    decl_pos = std::move(pos);
    decl_name.clear();
    lists.assign(1, {});
    group_pos.clear();
    branches.clear();
    params.clear();
    drop = false;
    override = override_pending;
    override_pending = false;
    examples.clear();
    globs.clear();
  }
};

template <typename Rule>
struct action : p::nothing<Rule> {};

template <>
struct action<peg::string_lit> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.last_string = internal::unescape_string_lit(std::string_view(in.begin(), in.size()));
  }
};

// An overriding declaration begins at its `override`.
template <>
struct action<peg::kw_grammar> {
  template <typename Input>
  static void apply(const Input& in, State& st) { st.begin_decl(st.override_pending ? st.override_pos : st.at(in)); }
};
template <>
struct action<peg::decl_start> {
  template <typename Input>
  static void apply(const Input&, State& st) { st.override_pending = false; }
};
template <>
struct action<peg::kw_override> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.override_pending = true;
    st.override_pos = st.at(in);
  }
};
template <>
struct action<peg::kw_remove> : action<peg::kw_grammar> {};
template <>
struct action<peg::kw_default> : action<peg::kw_grammar> {};
template <>
struct action<peg::kw_detect> : action<peg::kw_grammar> {};
template <>
struct action<peg::kw_programs> : action<peg::kw_grammar> {};
template <>
struct action<peg::kw_pattern> : action<peg::kw_grammar> {};
template <>
struct action<peg::kw_rule> : action<peg::kw_grammar> {};
template <>
struct action<peg::kw_prefer> : action<peg::kw_grammar> {};
template <>
struct action<peg::kw_drop> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.begin_decl(st.override_pending ? st.override_pos : st.at(in));
    st.drop = true;
  }
};

template <>
struct action<peg::grammar_name> {
  template <typename Input>
  static void apply(const Input& in, State& st) { st.decl_name = in.string(); }
};
template <>
struct action<peg::pattern_name> : action<peg::grammar_name> {};
template <>
struct action<peg::rule_id> : action<peg::grammar_name> {};

template <>
struct action<peg::version> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    if (!st.file.name.empty()) {
      st.errors.push_back(Diagnostic{st.decl_pos, "duplicate-grammar-header",
                                     "the grammar's name and version are already declared",
                                     {{st.file.header_pos, "first declared here"}}});
      return;
    }
    if (st.first_decl_pos.line != 0) {
      st.errors.push_back(Diagnostic{st.decl_pos, "misplaced-grammar-header",
                                     "the grammar's name and version must be declared first",
                                     {{st.first_decl_pos, "first declaration here"}}});
    }
    st.file.header_pos = st.decl_pos;
    st.file.name = st.decl_name;
    st.file.version = in.string();
  }
};

template <>
struct action<peg::base_version> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.file.base_version = in.string();
    st.file.base_pos = st.at(in);
  }
};
template <>
struct action<peg::default_decl> {
  template <typename Input>
  static void apply(const Input&, State& st) {
    if (st.file.is_default) {
      st.errors.push_back(Diagnostic{st.decl_pos, "duplicate-default", "'default;' is already declared",
                                     {{st.file.default_pos, "first declared here"}}});
    }
    st.file.is_default = true;
    st.file.default_pos = st.decl_pos;
    st.end_decl();
  }
};
template <>
struct action<peg::detect_decl> {
  template <typename Input>
  static void apply(const Input&, State& st) {
    if (st.file.detects_ctime) {
      st.errors.push_back(Diagnostic{st.decl_pos, "duplicate-detect", "'detect timestamp ctime;' is already declared",
                                     {{st.file.detect_pos, "first declared here"}}});
    }
    st.file.detects_ctime = true;
    st.file.detect_pos = st.decl_pos;
    st.end_decl();
  }
};
template <>
struct action<peg::removed_id> {
  template <typename Input>
  static void apply(const Input& in, State& st) { st.file.removals.push_back({st.at(in), in.string()}); }
};
template <>
struct action<peg::remove_decl> {
  template <typename Input>
  static void apply(const Input&, State& st) { st.end_decl(); }
};
template <>
struct action<peg::program_glob> {
  template <typename Input>
  static void apply(const Input& in, State& st) { st.globs.push_back({st.at(in), st.last_string}); }
};

template <>
struct action<peg::programs_decl> {
  template <typename Input>
  static void apply(const Input&, State& st) {
    for (auto& g : st.globs) st.file.programs.push_back(std::move(g));
    st.end_decl();
  }
};

template <>
struct action<peg::literal> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    Element e;
    e.kind = Element::Kind::kLiteral;
    e.pos = st.at(in);
    e.text = st.last_string;
    st.lists.back().push_back(std::move(e));
  }
};

// An identifier alone is a parameter reference; the colon that may follow makes it a capture.
template <>
struct action<peg::element_ident> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    Element e;
    e.kind = Element::Kind::kParameter;
    e.pos = st.at(in);
    e.text = in.string();
    st.lists.back().push_back(std::move(e));
  }
};

template <>
struct action<peg::capture_colon> {
  template <typename Input>
  static void apply(const Input&, State& st) { st.lists.back().back().kind = Element::Kind::kCapture; }
};

template <>
struct action<peg::type_name> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.lists.back().back().type = in.string();
    st.lists.back().back().type_pos = st.at(in);
  }
};

template <>
struct action<peg::type_arg> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    Element& e = st.lists.back().back();
    e.has_args = true;
    e.args.push_back({st.at(in), st.last_string});
  }
};

template <>
struct action<peg::param_name> {
  template <typename Input>
  static void apply(const Input& in, State& st) { st.params.push_back({st.at(in), in.string()}); }
};

// Groups (optional and alternatives together) nest at most this deep: the parser and the compiler recurse
// once per level, and a hostile grammar file must meet a limit, not the end of the stack.
constexpr size_t kMaxGroupDepth = 32;

template <typename Input>
void open_group(const Input& in, State& st) {
  if (st.group_pos.size() >= kMaxGroupDepth) {
    throw p::parse_error(fmt::format("groups ('[ ]' and '( )') nest deeper than {} levels", kMaxGroupDepth), in);
  }
  st.group_pos.push_back(st.at(in));
  st.lists.emplace_back();
}

template <>
struct action<peg::optional_open> {
  template <typename Input>
  static void apply(const Input& in, State& st) { open_group(in, st); }
};

template <>
struct action<peg::optional_close> {
  template <typename Input>
  static void apply(const Input&, State& st) {
    Element e;
    e.kind = Element::Kind::kOptional;
    e.pos = st.group_pos.back();
    e.body = std::move(st.lists.back());
    st.group_pos.pop_back();
    st.lists.pop_back();
    st.lists.back().push_back(std::move(e));
  }
};

template <>
struct action<peg::alt_open> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    open_group(in, st);
    st.branches.emplace_back();
  }
};

template <>
struct action<peg::alt_bar> {
  template <typename Input>
  static void apply(const Input&, State& st) {
    st.branches.back().push_back(std::move(st.lists.back()));
    st.lists.back().clear();
  }
};

template <>
struct action<peg::alt_close> {
  template <typename Input>
  static void apply(const Input&, State& st) {
    Element e;
    e.kind = Element::Kind::kAlternation;
    e.pos = st.group_pos.back();
    e.branches = std::move(st.branches.back());
    e.branches.push_back(std::move(st.lists.back()));
    st.branches.pop_back();
    st.group_pos.pop_back();
    st.lists.pop_back();
    st.lists.back().push_back(std::move(e));
  }
};

template <>
struct action<peg::example_text> {
  template <typename Input>
  static void apply(const Input& in, State& st) { st.examples.push_back({st.at(in), st.last_string}); }
};

template <>
struct action<peg::pattern_decl> {
  template <typename Input>
  static void apply(const Input&, State& st) {
    st.file.patterns.push_back(
        {st.decl_pos, st.decl_name, st.override, std::move(st.params), std::move(st.lists.front())});
    st.end_decl();
  }
};

template <>
struct action<peg::rule_decl> {
  template <typename Input>
  static void apply(const Input&, State& st) {
    st.file.rules.push_back(
        {st.decl_pos, st.decl_name, st.drop, st.override, std::move(st.lists.front()), std::move(st.examples)});
    st.end_decl();
  }
};
template <>
struct action<peg::drop_decl> : action<peg::rule_decl> {};

template <>
struct action<peg::prefer_winner> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.precedence = {st.decl_pos, in.string(), st.at(in), {}, {}};
  }
};

template <>
struct action<peg::prefer_loser> {
  template <typename Input>
  static void apply(const Input& in, State& st) {
    st.precedence.loser = in.string();
    st.precedence.loser_pos = st.at(in);
  }
};

template <>
struct action<peg::prefer_decl> {
  template <typename Input>
  static void apply(const Input&, State& st) {
    st.file.precedences.push_back(std::move(st.precedence));
    st.end_decl();
  }
};

}  // namespace

Result<GrammarFile> parse_grammar(SourceRef source) {
  State st;
  st.source = source;
  st.file.source = source;
  internal::parse_declarations<peg::next_declaration, action, peg::control>(
      source, {"grammar", "programs", "pattern", "rule", "drop", "prefer", "override", "remove", "default", "detect"}, st,
      &st.errors);

  if (st.file.name.empty() && st.errors.empty()) {
    st.errors.push_back(Diagnostic{Position{source, 1, 1}, "missing-grammar-header",
                                   "a grammar file must declare its name and source version, e.g. "
                                   "'grammar openvpn 2.6;'",
                                   {}});
  }
  if (!st.errors.empty()) return std::move(st.errors);
  return std::move(st.file);
}

}  // namespace strictlog::dsl
