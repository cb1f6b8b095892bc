// The mapping language as PEGTL rules; see mapping.h for the syntax. Shares its lexical rules with the
// grammar DSL so that strings, identifiers and comments read the same in both.
#pragma once

#include "dsl/internal/peg.h"

namespace strictlog::mapping::peg {

namespace p = tao::pegtl;
using dsl::peg::ident;
using dsl::peg::keyword;
using dsl::peg::semi;
using dsl::peg::string_lit;
using dsl::peg::version;
using dsl::peg::ws;

struct kw_mapping : keyword<TAO_PEGTL_STRING("mapping")> {};
struct kw_rule : keyword<TAO_PEGTL_STRING("rule")> {};
struct kw_discard : keyword<TAO_PEGTL_STRING("discard")> {};

struct dotted : p::list<ident, p::one<'.'>> {};

// mapping GRAMMAR VERSION;
struct grammar_ref : ident {};
struct grammar_version : version {};
struct mapping_decl : p::if_must<kw_mapping, ws, grammar_ref, ws, grammar_version, ws, semi> {};

// field = capture | "string" | number | conversion(capture);
struct field_path : dotted {};
struct string_value : p::seq<string_lit> {};
struct number_value : p::plus<p::digit> {};
struct conversion_name : ident {};
struct conversion_arg : dotted {};
struct conversion_close : p::one<')'> {};
// enum(capture, "log text" = VALUE_NAME, ...): texts whose value is not named after them.
struct override_text : p::seq<string_lit> {};
struct override_assign : p::one<'='> {};
struct override_value : ident {};
struct enum_override : p::seq<override_text, ws, p::must<override_assign>, ws, p::must<override_value>> {};
struct override_list : p::star<p::one<','>, ws, p::must<enum_override>, ws> {};
struct conversion : p::seq<conversion_name, ws, p::one<'('>, ws, p::must<conversion_arg>, ws, override_list,
                           p::must<conversion_close>> {};
struct capture_value : dotted {};
struct value : p::sor<string_value, number_value, conversion, capture_value> {};
struct assign : p::one<'='> {};
struct assignment : p::if_must<field_path, ws, assign, ws, value, ws, semi> {};

// discard capture, capture;
struct discarded : dotted {};
struct discard_list : p::list<discarded, p::seq<ws, p::one<','>, ws>> {};
struct discard : p::if_must<kw_discard, ws, discard_list, ws, semi> {};

struct body_close : p::one<'}'> {};
struct statement : p::sor<discard, assignment> {};
struct body : p::seq<p::one<'{'>, ws, p::star<statement, ws>, body_close> {};

// rule ID -> package.Message { statements }
struct rule_name : ident {};
struct arrow : TAO_PEGTL_STRING("->") {};
struct message_name : dotted {};
struct body_open : p::at<p::one<'{'>> {};
struct rule_decl : p::if_must<kw_rule, ws, rule_name, ws, arrow, ws, message_name, ws, body_open, body> {};

struct declaration : p::sor<mapping_decl, rule_decl> {};
struct next_declaration : p::seq<ws, p::sor<p::eof, p::must<declaration>>> {};
struct file : p::seq<ws, p::star<declaration, ws>, p::eof> {};

struct errors {
  template <typename Rule>
  static constexpr const char* message = nullptr;
};
template <> inline constexpr const char* errors::message<declaration> = "expected a declaration: 'mapping' or 'rule'";
template <> inline constexpr const char* errors::message<grammar_ref> =
    "expected the name of the grammar this file maps after 'mapping'";
template <> inline constexpr const char* errors::message<grammar_version> =
    "expected the grammar's source version, e.g. 2.6";
template <> inline constexpr const char* errors::message<semi> = "expected ';' to end the statement";
template <> inline constexpr const char* errors::message<rule_name> = "expected the rule's id after 'rule'";
template <> inline constexpr const char* errors::message<arrow> = "expected '->' and the payload message after the rule id";
template <> inline constexpr const char* errors::message<message_name> =
    "expected a fully qualified payload message, e.g. strictlog.openvpn.v1.TlsHandshakeFailed";
template <> inline constexpr const char* errors::message<body_open> = "expected '{' to start the rule's field mappings";
template <> inline constexpr const char* errors::message<body> = "expected '{' to start the rule's field mappings";
template <> inline constexpr const char* errors::message<body_close> =
    "expected 'field = value;', 'discard capture;' or '}'";
template <> inline constexpr const char* errors::message<assign> = "expected '=' after the field name";
template <> inline constexpr const char* errors::message<value> =
    "expected a value: a capture, a \"string\", a number or conversion(capture)";
template <> inline constexpr const char* errors::message<conversion_arg> = "expected a capture name as the conversion's argument";
template <> inline constexpr const char* errors::message<conversion_close> = "expected ')' after the conversion's argument";
template <> inline constexpr const char* errors::message<enum_override> =
    "expected a quoted log text and the enum value it stands for, e.g. \"connection failed(soft)\" = VALUE_NAME";
template <> inline constexpr const char* errors::message<override_assign> = "expected '=' after the quoted log text";
template <> inline constexpr const char* errors::message<override_value> = "expected an enum value's name after '='";
template <> inline constexpr const char* errors::message<discard_list> = "expected the capture names to discard";
template <> inline constexpr const char* errors::message<dsl::peg::escape_char> =
    "unknown escape: only \\\" \\\\ and \\t are allowed in strings";
template <> inline constexpr const char* errors::message<dsl::peg::string_close> =
    "unterminated string: expected '\"' before the end of the line";

template <typename Rule>
using control = typename p::must_if<errors, p::normal, false>::template control<Rule>;

}  // namespace strictlog::mapping::peg
