// `strictlog explain`: why a line became what it became, and for every rule that did not take it, how far
// the rule got and what it needed there. It speaks in grammar terms; `--regex` adds the generated regexes.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/internal/report.h"
#include "cli/internal/versions.h"
#include "explain/nearest_miss.h"
#include "ingest/header.h"
#include "ingest/line_reader.h"
#include "ingest/rfc3164.h"
#include "ingest/syslog_time.h"
#include "pipeline/normalizer.h"
#include "ruleset/ruleset.h"
#include "verify/flat_text.h"

namespace strictlog::cli {
namespace {

struct ExplainArgs {
  std::vector<std::string> lines;
  std::string grammars = "grammars";
  std::string mappings = "mappings";
  std::string program;
  std::string grammar;
  size_t top = 0;
  bool regex = false;
  int year = 0;
  size_t max_line = kDefaultMaxLine;
  std::string timezone;
  std::optional<TimeZone> zone;
  std::vector<std::string> grammar_versions;
  VersionChoice versions;  // from grammar_versions, once the rules are loaded
};

// The header that `--program P` puts before a bare message, so that it takes the same path as a syslog line.
std::string synthetic_header(const std::string& program) { return fmt::format("Jan  1 00:00:00 explain {}: ", program); }

// True for the UTF-8 sequence at `text[i]` when a terminal would act on it instead of showing it: C1 controls
// (U+0080-U+009F, two bytes C2 80-9F) and the bidirectional overrides and isolates (U+202A-U+202E,
// U+2066-U+2069), which reorder what follows them. Sets `*length` to the sequence's length.
bool terminal_control(std::string_view text, size_t i, size_t* length) {
  auto at = [&](size_t k) { return k < text.size() ? static_cast<unsigned char>(text[k]) : 0; };
  if (at(i) == 0xC2 && at(i + 1) >= 0x80 && at(i + 1) <= 0x9F) return *length = 2, true;
  if (at(i) == 0xE2 && at(i + 1) == 0x80 && at(i + 2) >= 0xAA && at(i + 2) <= 0xAE) return *length = 3, true;
  if (at(i) == 0xE2 && at(i + 1) == 0x81 && at(i + 2) >= 0xA6 && at(i + 2) <= 0xA9) return *length = 3, true;
  return false;
}

// `text` as a terminal can show it without acting on it, one column per character, so that a caret line lines
// up under it: a tab is a space, other C0 controls, DEL, C1 controls and bidirectional controls are `?`.
std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t n = 0;
    if (c == '\t') {
      out += ' ';
    } else if (c < 0x20 || c == 0x7f) {
      out += '?';
    } else if (terminal_control(text, i, &n)) {
      out += '?';
      i += n - 1;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Spaces up to byte `offset` of `text`, counting code points (continuation bytes take no column), then ^.
std::string caret(std::string_view text, size_t offset) {
  std::string out;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) out += ' ';
  }
  return out + "^";
}

std::string found_at(std::string_view message, size_t reach) {
  if (reach >= message.size()) return "the end of the message";
  constexpr size_t kShown = 24;
  std::string_view rest = message.substr(reach);
  // Cut on a code point boundary: a quoted half character would show as \x bytes that are not in the line.
  size_t n = std::min(rest.size(), kShown);
  while (n < rest.size() && (static_cast<unsigned char>(rest[n]) & 0xC0) == 0x80) ++n;
  return quote(rest.substr(0, n)) + (n < rest.size() ? "..." : "");
}

std::string outcome_text(Outcome o, const LineNormalizer& n, const v1::QuarantineRecord& record) {
  switch (o) {
    case Outcome::kEvent: return "event from " + n.last_rule_ref();
    case Outcome::kDropped: return "dropped by " + n.last_rule_ref();
    case Outcome::kQuarantined:
      return fmt::format("quarantine {}: {}", v1::QuarantineReason_Name(record.reason()), record.detail());
  }
  return {};
}

// The piece of the rule's regex generated from the element at `pos`.
std::string element_regex(const CompiledRule& rule, const Position& pos) {
  for (const auto& f : rule.fragments) {
    if (f.pos == pos) return rule.regex.substr(f.begin, f.end - f.begin);
  }
  return {};
}

class Explainer {
 public:
  Explainer(std::shared_ptr<const RuleSet> rules, const ExplainArgs& args, std::optional<size_t> grammar)
      : rules_(rules), args_(args), grammar_(grammar), finder_(rules), normalizer_(rules, options(args, grammar)) {}

  // Prints the explanation of one line; true when it becomes an event or a drop.
  // `input` is the line as given, or its first --max-line bytes when read from stdin; `length` is its full length.
  bool explain(uint64_t number, std::string_view input, uint64_t length) {
    std::string out = fmt::format("line {}: {}\n", number, printable(input));
    // With --program the input is the message alone: it gets a header to go through the pipeline, and
    // offsets count from the message.
    std::string synthetic = args_.program.empty() ? std::string() : synthetic_header(args_.program) + std::string(input);
    std::string_view line = args_.program.empty() ? input : std::string_view(synthetic);
    size_t shown_from = args_.program.empty() ? 0 : synthetic.size() - input.size();

    // As normalize reads it: a line over --max-line keeps only its first bytes and is OVERSIZE.
    Line l;
    l.bytes = line.substr(0, args_.max_line);
    l.number = number;
    l.length = length + shown_from;
    l.oversize = l.length > args_.max_line;
    Outcome outcome = normalizer_.normalize(l, &event_, &record_);
    std::string result = outcome_text(outcome, normalizer_, record_);

    SyslogHeader header;
    HeaderError header_error;
    bool tried = outcome != Outcome::kQuarantined ||
                 (record_.reason() != v1::ENCODING && record_.reason() != v1::OVERSIZE &&
                  record_.reason() != v1::HEADER);
    bool parsed = parse_header(line, {}, &header, &header_error);
    if (!tried || !parsed || header.last_message_repeated) {
      out += fmt::format("  result: {}\n", result);
      if (outcome == Outcome::kQuarantined && record_.reason() == v1::HEADER && args_.program.empty() && !parsed &&
          !header_error.in_repeat_notice) {
        out += "  no rule was tried: the line has no syslog header. To explain a message alone, give its program: "
               "--program NAME\n";
      } else if (outcome == Outcome::kEvent) {
        out += "  no rule was tried: strictlog reads 'last message repeated N times' itself\n";
      } else {
        out += "  no rule was tried: the line is refused before matching\n";
      }
      std::fputs(out.c_str(), stdout);
      return false;
    }
    size_t message_at = static_cast<size_t>(header.message.data() - line.data());
    if (args_.program.empty()) {
      out += fmt::format("  header: program '{}', message from byte {}\n", header.program, message_at);
    } else {
      out += fmt::format("  message of program '{}' (--program)\n", header.program);
    }
    std::vector<size_t> grammars;
    for (size_t g = 0; g < rules_->grammars.size(); ++g) {
      const CompiledGrammar& grammar = rules_->grammars[g];
      std::string globs;
      for (const auto& p : grammar.programs) globs += (globs.empty() ? "" : " ") + quote(p.glob);
      const bool program_matches = grammar.applies_to(header.program);
      const size_t family = rules_->family_of[g];
      const size_t selected = selected_version(*rules_, family, args_.versions, header.ctime_timestamp);
      bool applies = grammar_ ? g == *grammar_ : program_matches && selected == g;
      if (applies) grammars.push_back(g);
      std::string why_not;
      if (grammar_) {
        why_not = applies ? "chosen with --grammar" : "not chosen (--grammar)";
      } else if (!program_matches) {
        why_not = fmt::format("program '{}' matches none of {}", header.program, globs);
      } else {
        why_not = fmt::format("program '{}' matches {}", header.program, globs);
        if (rules_->families[family].versions.size() > 1) {
          const bool chosen = family < args_.versions.size() && args_.versions[family];
          // explain reads a message with a syslog header (or --program's made-up one), never a program log
          // line, so the ctime() detection of normalize --program does not happen here.
          std::string how = chosen ? "chosen with --grammar-version" : "the default";
          why_not += applies ? fmt::format("; version {}: {}", grammar.version, how)
                             : fmt::format(", but version {} reads this line ({}); choose {} with --grammar-version "
                                           "{}={}",
                                           rules_->grammars[selected].version, how, grammar.version, grammar.name,
                                           grammar.version);
        }
      }
      out += fmt::format("  grammar {}/{} ({}): {}: {}\n", grammar.name, grammar.version, grammar.source->path,
                         applies ? "applies" : "does not apply", why_not);
    }
    out += fmt::format("  result: {}\n", result);
    if (grammars.empty()) {
      std::fputs(out.c_str(), stdout);
      return outcome != Outcome::kQuarantined;
    }

    std::vector<RuleAttempt> attempts = finder_.attempt_all(grammars, header.message);
    size_t shown = args_.top ? std::min(args_.top, attempts.size()) : attempts.size();
    out += fmt::format("  candidate rules, nearest miss first ({} of {}):\n", shown, attempts.size());
    std::string_view display = input;
    for (size_t i = 0; i < shown; ++i) {
      const RuleAttempt& a = attempts[i];
      const CompiledGrammar& g = rules_->grammars[a.grammar];
      const CompiledRule& rule = g.rules[a.rule];
      std::string ref = rule_ref(g, rule);
      if (a.matched) {
        out += fmt::format("  {:>3}. {} ({}) matches the whole message\n", i + 1, ref, to_string(rule.pos));
      } else {
        size_t at = message_at + a.reach - shown_from;  // in the displayed text
        out += fmt::format("  {:>3}. {} ({}) matched up to byte {}, {} byte{} of its literal text found\n", i + 1,
                           ref, to_string(rule.pos), at, a.evidence, a.evidence == 1 ? "" : "s");
        out += fmt::format("         {}\n         {}\n", printable(display), caret(display, at));
        for (const auto& e : a.expected) {
          out += fmt::format("       {}: expected {}{}\n", to_string(e.pos), e.element,
                             e.meaning.empty() ? "" : fmt::format(" ({})", e.meaning));
          if (args_.regex && e.pos.source) {
            if (std::string re = element_regex(rule, e.pos); !re.empty()) out += fmt::format("         regex: {}\n", re);
          }
        }
        out += fmt::format("       found {}\n", found_at(header.message, a.reach));
      }
      if (args_.regex) out += fmt::format("       rule regex: {}\n", rule.regex);
    }
    std::fputs(out.c_str(), stdout);
    return outcome != Outcome::kQuarantined;
  }

 private:
  static NormalizeOptions options(const ExplainArgs& args, std::optional<size_t> grammar) {
    NormalizeOptions o;
    o.input_name = "explain";
    o.reference_time = args.year ? end_of_year(args.year) : static_cast<int64_t>(std::time(nullptr));
    o.year_fixed = args.year != 0;
    o.stamp_processed_time = false;
    o.grammar = grammar;
    o.time_zone = args.zone;
    o.versions = args.versions;
    return o;
  }

  std::shared_ptr<const RuleSet> rules_;
  const ExplainArgs& args_;
  std::optional<size_t> grammar_;
  MissFinder finder_;
  LineNormalizer normalizer_;
  v1::Event event_;
  v1::QuarantineRecord record_;
};

int run(ExplainArgs& a) {
  if (!a.timezone.empty()) {
    auto located = TimeZone::locate(a.timezone);
    if (!located) return usage_error("explain", located.errors().front().message);
    a.zone = *located;
  }
  if (!a.program.empty()) {
    SyslogHeader h;
    std::string_view why;
    std::string probe = synthetic_header(a.program) + "x";
    if (!parse_rfc3164(probe, &h, &why) || h.program != a.program) {
      return usage_error("explain", fmt::format("--program {} is not a syslog program name (TAG)", quote(a.program)));
    }
  }
  auto rules = load_ruleset(a.grammars, a.mappings);
  if (!rules) {
    print_diagnostics("explain", rules.errors());
    return kExitLoadError;
  }
  auto versions = choose_versions(**rules, a.grammar_versions);
  if (!versions) return usage_error("explain", versions.errors().front().message);
  a.versions = *versions;
  std::optional<size_t> grammar;
  if (!a.grammar.empty()) {
    std::string known;  // every loaded grammar, for the messages
    for (const auto& cg : (*rules)->grammars) known += (known.empty() ? "" : ", ") + cg.name + "/" + cg.version;
    for (size_t g = 0; g < (*rules)->grammars.size(); ++g) {
      const auto& cg = (*rules)->grammars[g];
      if (a.grammar != cg.name && a.grammar != cg.name + "/" + cg.version) continue;
      if (grammar) {
        return usage_error("explain", fmt::format("--grammar '{}' names several versions: give NAME/VERSION ({})",
                                                  a.grammar, known));
      }
      grammar = g;
    }
    if (!grammar) {
      return usage_error("explain", fmt::format("--grammar '{}' is not a loaded grammar (loaded: {})", a.grammar, known));
    }
  }
  Explainer explainer(*rules, a, grammar);
  bool all_taken = true;
  if (!a.lines.empty()) {
    for (size_t i = 0; i < a.lines.size(); ++i) {
      if (i > 0) std::fputs("\n", stdout);
      all_taken &= explainer.explain(i + 1, a.lines[i], a.lines[i].size());
    }
  } else {
    LineReader reader(0, a.max_line);
    reader.set_name("-");
    for (uint64_t n = 0;; ++n) {
      auto line = reader.next();
      if (!line) return io_error("explain", line.errors());
      if (!*line) break;
      if (n > 0) std::fputs("\n", stdout);
      all_taken &= explainer.explain((*line)->number, (*line)->bytes, (*line)->length);
    }
  }
  std::fflush(stdout);
  return all_taken ? kExitOk : kExitMismatch;
}

}  // namespace

Run add_explain(CLI::App& app) {
  auto args = std::make_shared<ExplainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "explain", "Show what becomes of a line, and for every rule that does not take it how far it matched and what "
                 "it expected there (exit 4 when a line would be quarantined)");
  cmd->add_option("lines", args->lines, "Syslog lines to explain (each one argument); none reads lines from stdin");
  cmd->add_option("--grammars", args->grammars, "Directory of *.grammar files")->capture_default_str();
  cmd->add_option("--mappings", args->mappings, "Directory of *.mapping files")->capture_default_str();
  cmd->add_option("--program", args->program,
                  "The lines are bare messages (no syslog header) written by this program, e.g. openvpn");
  cmd->add_option("--grammar", args->grammar,
                  "Try only this grammar (NAME or NAME/VERSION), whatever the line's program");
  add_version_option(cmd, "--grammar-version", &args->grammar_versions,
                     "Read SOURCE's lines with this version of its grammar, e.g. openvpn=2.5 (repeatable, one per "
                     "source); default: the version declared 'default;'. explain does not detect a version from a "
                     "--log file's ctime() timestamps as normalize --program does: for an OpenVPN 2.4 log, give "
                     "--grammar-version openvpn=2.4");
  cmd->add_option("--top", args->top, "List only the N nearest rules (default: every candidate)");
  cmd->add_flag("--regex", args->regex, "Also show the generated regex of each rule and failing element");
  cmd->add_option("--year", args->year, "Year of RFC 3164 timestamps, as normalize --year (default: this year)")
      ->check(CLI::Range(1970, 9999));
  cmd->add_option("--timezone", args->timezone, "IANA zone of the timestamps, as normalize --timezone");
  cmd->add_option("--max-line", args->max_line, "Longest line in bytes, as normalize --max-line")
      ->check(CLI::Range(kSmallestMaxLine, kLargestMaxLine))
      ->capture_default_str();
  return [args] { return run(*args); };
}

}  // namespace strictlog::cli
