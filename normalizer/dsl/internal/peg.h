// The grammar DSL as PEGTL rules. One struct per rule; `errors` below maps each rule that is reached only
// under `must<>` to the message shown when it fails. tests/dsl/peg_analyze_test.cc runs PEGTL's analyze()
// over `file` to prove no rule can loop without consuming input.
#pragma once

#include <tao/pegtl.hpp>

namespace strictlog::dsl::peg {

namespace p = tao::pegtl;

struct comment : p::seq<p::one<'#'>, p::until<p::eolf>> {};
struct blank : p::sor<p::space, comment> {};
struct ws : p::star<blank> {};

// Rules that wrap another rule to give it a role (`literal`, `example_text`) contain it with seq<> rather
// than inherit from it: PEGTL applies a rule's action only when that rule type itself is matched.

struct ident : p::seq<p::ranges<'a', 'z', 'A', 'Z', '_'>, p::star<p::ranges<'a', 'z', 'A', 'Z', '0', '9', '_'>>> {};
template <typename Kw>
struct keyword : p::seq<Kw, p::not_at<p::ranges<'a', 'z', 'A', 'Z', '0', '9', '_'>>> {};
struct kw_grammar : keyword<TAO_PEGTL_STRING("grammar")> {};
struct kw_programs : keyword<TAO_PEGTL_STRING("programs")> {};
struct kw_pattern : keyword<TAO_PEGTL_STRING("pattern")> {};
struct kw_rule : keyword<TAO_PEGTL_STRING("rule")> {};
struct kw_example : keyword<TAO_PEGTL_STRING("example")> {};
struct kw_drop : keyword<TAO_PEGTL_STRING("drop")> {};
struct kw_prefer : keyword<TAO_PEGTL_STRING("prefer")> {};
struct kw_over : keyword<TAO_PEGTL_STRING("over")> {};
struct kw_extends : keyword<TAO_PEGTL_STRING("extends")> {};
struct kw_override : keyword<TAO_PEGTL_STRING("override")> {};
struct kw_remove : keyword<TAO_PEGTL_STRING("remove")> {};
struct kw_default : keyword<TAO_PEGTL_STRING("default")> {};
struct kw_detect : keyword<TAO_PEGTL_STRING("detect")> {};

// "text": escapes \" \\ \t; no line breaks. The loader has already refused files that are not UTF-8.
struct escape_char : p::one<'"', '\\', 't'> {};
struct escaped : p::seq<p::one<'\\'>, p::must<escape_char>> {};
struct plain_char : p::not_one<'"', '\\', '\n', '\r'> {};
struct string_char : p::sor<escaped, plain_char> {};
struct string_close : p::one<'"'> {};
struct string_lit : p::if_must<p::one<'"'>, p::star<string_char>, string_close> {};

struct semi : p::one<';'> {};
struct equals : p::one<'='> {};

// grammar NAME VERSION [extends VERSION];
struct grammar_name : ident {};
struct version_text : p::seq<p::digit, p::star<p::sor<p::alnum, p::one<'.', '-', '+'>>>> {};
struct version : version_text {};
struct base_version : version_text {};
struct extends_clause : p::if_must<kw_extends, ws, base_version, ws> {};
struct grammar_decl : p::if_must<kw_grammar, ws, grammar_name, ws, version, ws, p::opt<extends_clause>, semi> {};

// default;   detect timestamp ctime;   remove ID, ...;
struct default_decl : p::if_must<kw_default, ws, semi> {};
struct detect_form : p::seq<keyword<TAO_PEGTL_STRING("timestamp")>, ws, keyword<TAO_PEGTL_STRING("ctime")>> {};
struct detect_decl : p::if_must<kw_detect, ws, detect_form, ws, semi> {};
struct removed_id : ident {};
struct remove_decl : p::if_must<kw_remove, ws, removed_id, ws, p::star<p::one<','>, ws, p::must<removed_id>, ws>, semi> {};

// programs "glob" ...;
struct program_glob : p::seq<string_lit> {};
struct program_globs : p::list<program_glob, ws> {};
struct programs_decl : p::if_must<kw_programs, ws, program_globs, ws, semi> {};

// Pattern elements.
struct element;
struct literal : p::seq<string_lit> {};

// `name` alone is a parameter reference (inside a parameterized pattern); `name:type` and
// `name:type("arg", ...)` are captures. The identifier is matched once and its action records an element
// that the colon then turns into a capture, so nothing is undone on backtracking.
struct element_ident : ident {};
struct type_name : ident {};
struct capture_colon : p::one<':'> {};
struct type_arg : p::seq<string_lit> {};
struct comma : p::one<','> {};
struct args_close : p::one<')'> {};
struct type_args : p::if_must<p::one<'('>, ws, type_arg, ws, p::star<comma, ws, p::must<type_arg>, ws>, args_close> {};
// Arguments follow the type name directly, so that `a:word ("x" | "y")` stays a capture and an alternation.
struct capture_type : p::seq<type_name, p::opt<type_args>> {};
struct capture_tail : p::if_must<capture_colon, ws, capture_type> {};
struct ident_element : p::seq<element_ident, p::opt<ws, capture_tail>> {};

struct optional_open : p::one<'['> {};
struct optional_close : p::one<']'> {};
struct optional_body : p::list<element, ws> {};
struct optional_group : p::if_must<optional_open, ws, optional_body, ws, optional_close> {};

// ( a b | c ): alternatives, each a sequence of elements.
struct alt_open : p::one<'('> {};
struct alt_bar : p::one<'|'> {};
struct alt_close : p::one<')'> {};
struct alt_branch : p::list<element, ws> {};
struct alternation : p::if_must<alt_open, ws, alt_branch, ws, p::star<alt_bar, ws, p::must<alt_branch>, ws>, alt_close> {};

// `example` ends a rule's elements; any other identifier may name a capture or a parameter (`over` too: it
// is a keyword only inside `prefer`).
struct element : p::sor<literal, optional_group, alternation, p::seq<p::not_at<kw_example>, ident_element>> {};
struct elements : p::list<element, ws> {};

// pattern NAME[(param, ...)] = elements;
struct pattern_name : ident {};
struct param_name : ident {};
struct pattern_params : p::if_must<p::one<'('>, ws, param_name, ws, p::star<comma, ws, p::must<param_name>, ws>, args_close> {};
struct pattern_decl : p::if_must<kw_pattern, ws, pattern_name, ws, p::opt<pattern_params, ws>, equals, ws, elements, ws, semi> {};

// rule ID = elements [example "..."]...;   drop ID = elements [example "..."]...;
struct rule_id : ident {};
struct example_text : p::seq<string_lit> {};
struct example : p::if_must<kw_example, ws, example_text> {};
struct examples : p::star<example, ws> {};
struct rule_decl : p::if_must<kw_rule, ws, rule_id, ws, equals, ws, elements, ws, examples, semi> {};
struct drop_decl : p::if_must<kw_drop, ws, rule_id, ws, equals, ws, elements, ws, examples, semi> {};

// prefer WINNER over LOSER;
struct prefer_winner : ident {};
struct prefer_over : p::seq<kw_over> {};
struct prefer_loser : ident {};
struct prefer_decl : p::if_must<kw_prefer, ws, prefer_winner, ws, prefer_over, ws, prefer_loser, ws, semi> {};

// override pattern ...;   override rule ...;   override drop ...;
struct overridable : p::sor<pattern_decl, rule_decl, drop_decl> {};
struct override_decl : p::if_must<kw_override, ws, overridable> {};

struct declaration : p::sor<grammar_decl, programs_decl, pattern_decl, rule_decl, drop_decl, prefer_decl, override_decl,
                            remove_decl, default_decl, detect_decl> {};
struct expected_declaration : p::seq<p::not_at<p::eof>, declaration> {};
// One declaration (or the end of the file) after optional blanks; the parser loops over this so that it can
// resynchronise after an error (see parse.cc).
// `decl_start` clears what a broken declaration may have left (an `override` without its rule).
struct decl_start : p::success {};
struct next_declaration : p::seq<ws, decl_start, p::sor<p::eof, p::must<declaration>>> {};
// The whole file, for analyze(): the same declarations in a loop.
struct file : p::seq<ws, p::star<declaration, ws>, p::eof> {};

// Messages for rules that fail under must<>; any rule listed here raises on failure wherever it is used.
struct errors {
  template <typename Rule>
  static constexpr const char* message = nullptr;
};
template <> inline constexpr const char* errors::message<declaration> =
    "expected a declaration: 'grammar', 'programs', 'pattern', 'rule', 'drop', 'prefer', 'override', 'remove', "
    "'default' or 'detect'";
template <> inline constexpr const char* errors::message<base_version> =
    "expected the version this one extends after 'extends', e.g. 2.6";
template <> inline constexpr const char* errors::message<detect_form> =
    "expected 'timestamp ctime' after 'detect' (the one detection strictlog knows: a program log line with a ctime() "
    "timestamp)";
template <> inline constexpr const char* errors::message<removed_id> = "expected the id of an inherited rule to remove";
template <> inline constexpr const char* errors::message<overridable> =
    "expected 'pattern', 'rule' or 'drop' after 'override'";
template <> inline constexpr const char* errors::message<grammar_name> =
    "expected the grammar's name (letters, digits and '_') after 'grammar'";
template <> inline constexpr const char* errors::message<version> =
    "expected the source version the grammar describes, e.g. 2.6";
template <> inline constexpr const char* errors::message<semi> = "expected ';' to end the declaration";
template <> inline constexpr const char* errors::message<program_globs> =
    "expected one or more quoted program globs, e.g. \"openvpn\" \"ovpn-*\"";
template <> inline constexpr const char* errors::message<pattern_name> = "expected the pattern's name after 'pattern'";
template <> inline constexpr const char* errors::message<rule_id> = "expected the rule's id after 'rule'";
template <> inline constexpr const char* errors::message<equals> = "expected '=' before the pattern's elements";
template <> inline constexpr const char* errors::message<elements> =
    "expected a pattern element: \"literal\", name:type, [ optional ] or ( alternatives )";
template <> inline constexpr const char* errors::message<optional_body> =
    "expected a pattern element inside '[ ]'";
template <> inline constexpr const char* errors::message<optional_close> = "expected ']' to close the optional group";
template <> inline constexpr const char* errors::message<alt_branch> =
    "expected a pattern element after '(' or '|'";
// The second sentence is for `a:enum ("x", "y")`: with a space, the parentheses open alternatives.
template <> inline constexpr const char* errors::message<alt_close> =
    "expected '|' or ')' to continue or close the alternatives (a type's arguments follow its name without a "
    "space: enum(\"a\", \"b\"))";
template <> inline constexpr const char* errors::message<type_arg> = "expected a quoted argument, e.g. \"soft\"";
template <> inline constexpr const char* errors::message<args_close> = "expected ',' or ')' after an argument";
template <> inline constexpr const char* errors::message<param_name> = "expected a parameter name";
template <> inline constexpr const char* errors::message<prefer_winner> =
    "expected the preferred rule's id after 'prefer'";
template <> inline constexpr const char* errors::message<prefer_over> = "expected 'over' and the rule it wins against";
template <> inline constexpr const char* errors::message<prefer_loser> = "expected a rule id after 'over'";
template <> inline constexpr const char* errors::message<type_name> =
    "expected a field type or pattern name after ':'";
template <> inline constexpr const char* errors::message<example_text> = "expected a quoted example after 'example'";
template <> inline constexpr const char* errors::message<escape_char> =
    "unknown escape: only \\\" \\\\ and \\t are allowed in strings";
template <> inline constexpr const char* errors::message<string_close> =
    "unterminated string: expected '\"' before the end of the line";

// Only rules reached solely under must<> carry a message: a message makes a rule raise wherever it fails,
// which would be wrong inside a sor<>.
template <typename Rule>
using control = typename p::must_if<errors, p::normal, false>::template control<Rule>;

}  // namespace strictlog::dsl::peg
