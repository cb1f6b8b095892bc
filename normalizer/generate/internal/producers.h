// Which grammar rules produce which event: the join of the loaded grammars and mappings (ruleset.h) that the
// Markdown reference prints under each event, e.g. `openvpn 2.4, 2.5, 2.6, 2.7: tls_handshake_failed`.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ruleset/ruleset.h"

namespace strictlog::generate {

// One rule of one grammar family that maps to one payload, with every version that has it so mapped.
struct Producer {
  std::string grammar;                // `openvpn`
  std::vector<std::string> versions;  // `2.4`, `2.5`, ...: ascending, dotted numbers compared as numbers
  std::string rule_id;
  // The rule's first example in the family's default version when that version is listed, else in the newest
  // listed one; empty when the rule has none.
  std::string example;
};

// Event payload field name (the oneof member a rule's mapping sets, which is also the event's table name, e.g.
// `openvpn_tls_handshake_failed`) -> the rules that produce it. A rule that versions inherit or override is
// one Producer listing them all, as long as it maps to the same payload; drop rules produce nothing and are not
// listed. Ordered by family (load order), then by where each rule first appears when the family's versions
// are read oldest first, each in rule order.
using Producers = std::map<std::string, std::vector<Producer>>;
Producers producers_of(const RuleSet& rules);

// True when dotted version `a` comes before `b`: `2.4` < `2.10`; a part that is not a number compares as text.
bool version_less(const std::string& a, const std::string& b);

// One Markdown line (no list marker) naming the rule and its versions, then its example:
// openvpn 2.4, 2.5, 2.6, 2.7: `tls_handshake_failed`, e.g. `198.51.100.7:51234 TLS Error: TLS handshake failed`
std::string producer_markdown(const Producer& p);

}  // namespace strictlog::generate
