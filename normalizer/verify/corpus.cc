#include "verify/corpus.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "common/source_files.h"
#include "ingest/utf8.h"
#include "verify/flat_text.h"

namespace strictlog {
namespace {

// A verbatim `line:` would hide these: control bytes, invalid UTF-8, leading or trailing spaces, or a
// leading quote that would read as the quoted form.
bool needs_quoting(std::string_view raw) {
  if (raw.empty() || raw.front() == ' ' || raw.back() == ' ' || raw.front() == '"') return true;
  for (unsigned char c : raw) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return check_encoding(raw).has_value();
}

Diagnostic error_at(const SourceRef& src, uint32_t line, uint32_t column, std::string code, std::string message) {
  return Diagnostic{Position{src, line, column}, std::move(code), std::move(message), {}};
}

}  // namespace

Result<CorpusFile> parse_corpus(SourceRef source) {
  CorpusFile file;
  file.source = source;
  Diagnostics errors;
  // Bytes that are not UTF-8 belong in a `line-quoted:` as \xHH, where a reviewer can see them.
  if (auto problem = check_encoding(source->text)) {
    Position at = position_at(source, problem->offset);
    return Diagnostic{at, "invalid-encoding",
                      fmt::format("{}: write such bytes as \\xHH in a 'line-quoted:'", problem->what), {}};
  }
  std::vector<std::string> pending;  // comment and blank lines not yet attached to a case
  std::string_view text = source->text;
  uint32_t number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++number;
    std::string_view trimmed = line;
    while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) trimmed.remove_prefix(1);
    if (trimmed.empty() || trimmed.front() == '#') {
      pending.emplace_back(line);
      continue;
    }
    if (line.starts_with("year: ")) {
      if (!file.cases.empty()) {
        errors.push_back(error_at(source, number, 1, "misplaced-year", "'year:' belongs before the first case"));
        continue;
      }
      std::string_view digits = line.substr(6);
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), file.year);
      if (ec != std::errc() || p != digits.data() + digits.size() || file.year < 1970 || file.year > 9999) {
        errors.push_back(error_at(source, number, 7, "bad-year", "expected a year from 1970 to 9999"));
      }
      for (auto& l : pending) file.header.push_back(std::move(l));
      pending.clear();
      file.header.emplace_back(line);
      continue;
    }
    if (line.starts_with("program: ")) {
      if (!file.cases.empty()) {
        errors.push_back(error_at(source, number, 1, "misplaced-program", "'program:' belongs before the first case"));
        continue;
      }
      file.program = std::string(line.substr(9));
      if (file.program.empty() || file.program.find_first_of(" \t") != std::string::npos) {
        errors.push_back(error_at(source, number, 10, "bad-program", "expected a program name without blanks"));
      }
      for (auto& l : pending) file.header.push_back(std::move(l));
      pending.clear();
      file.header.emplace_back(line);
      continue;
    }
    if (line.starts_with("line: ") || line.starts_with("line-quoted: ")) {
      CorpusCase c;
      c.leading = std::move(pending);
      pending.clear();
      c.pos = Position{source, number, 1};
      if (line.starts_with("line: ")) {
        c.raw = std::string(line.substr(6));
        if (needs_quoting(c.raw)) {
          errors.push_back(error_at(source, number, 7, "needs-quoting",
                                    "this line has edge spaces, control bytes or a leading quote that an editor could "
                                    "change unseen: write it as line-quoted: " + quote(c.raw)));
        }
      } else if (!unquote(line.substr(13), &c.raw)) {
        errors.push_back(error_at(source, number, 14, "bad-quoted-line",
                                  "expected a double-quoted line with escapes \\xHH \\r \\n \\t \\\\ \\\""));
      }
      file.cases.push_back(std::move(c));
      continue;
    }
    if (file.cases.empty()) {
      errors.push_back(error_at(source, number, 1, "expected-line",
                                "expected 'line:' or 'line-quoted:' to start a case (or 'year:', 'program:', '#')"));
      continue;
    }
    CorpusCase& c = file.cases.back();
    if (!pending.empty()) {
      errors.push_back(error_at(source, number, 1, "detached-expectation",
                                "a blank or comment line separates this from its case's 'line:'"));
      pending.clear();
    }
    if (line.starts_with("event: ") || line.starts_with("quarantine: ") || line.starts_with("drop: ")) {
      if (c.expect != CorpusCase::Expect::kNone) {
        errors.push_back(error_at(source, number, 1, "duplicate-expectation", "this case already has an expectation"));
        continue;
      }
      size_t colon = line.find(": ");
      std::string_view kind = line.substr(0, colon);
      c.expect = kind == "event" ? CorpusCase::Expect::kEvent
                 : kind == "drop" ? CorpusCase::Expect::kDrop
                                  : CorpusCase::Expect::kQuarantine;
      c.expect_pos = Position{source, number, 1};
      c.what = std::string(line.substr(colon + 2));
      continue;
    }
    if (line.starts_with("  ") && c.expect == CorpusCase::Expect::kDrop) {
      errors.push_back(error_at(source, number, 3, "drop-has-fields",
                                "a dropped line becomes nothing, so it has no fields to state"));
      continue;
    }
    if (line.starts_with("  ") && c.expect != CorpusCase::Expect::kNone) {
      std::string_view field = line.substr(2);
      size_t colon = field.find(": ");
      if (colon == std::string_view::npos || colon == 0) {
        errors.push_back(error_at(source, number, 3, "bad-field", "expected '  path: value'"));
        continue;
      }
      c.fields.push_back(CaseField{Position{source, number, 3}, std::string(field.substr(0, colon)),
                                   std::string(field.substr(colon + 2))});
      continue;
    }
    errors.push_back(error_at(source, number, 1, "unexpected-line",
                              c.expect == CorpusCase::Expect::kNone
                                  ? "expected 'event: grammar/version/rule', 'drop: grammar/version/rule' or "
                                    "'quarantine: REASON' after 'line:'"
                                  : "expected an indented '  path: value', or a new case"));
  }
  file.trailing = std::move(pending);
  if (!errors.empty()) return errors;
  return file;
}

std::string print_case(const CorpusCase& c) {
  std::string out = needs_quoting(c.raw) ? "line-quoted: " + quote(c.raw) + "\n" : "line: " + c.raw + "\n";
  if (c.expect == CorpusCase::Expect::kNone) return out;
  out += (c.expect == CorpusCase::Expect::kEvent  ? "event: "
          : c.expect == CorpusCase::Expect::kDrop ? "drop: "
                                                  : "quarantine: ") +
         c.what + "\n";
  for (const auto& f : c.fields) out += "  " + f.path + ": " + f.value + "\n";
  return out;
}

std::string print_corpus(const CorpusFile& file) {
  std::string out;
  for (const auto& l : file.header) out += l + "\n";
  for (const auto& c : file.cases) {
    for (const auto& l : c.leading) out += l + "\n";
    out += print_case(c);
  }
  for (const auto& l : file.trailing) out += l + "\n";
  return out;
}

}  // namespace strictlog
