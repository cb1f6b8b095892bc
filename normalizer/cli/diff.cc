// `strictlog diff`: the same lines through two rule sets (two checkouts of grammars/ and mappings/), and
// what changed: counts per kind of change and examples, as text or as one JSON document.
#include <fmt/format.h>
#include <openssl/evp.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/internal/json_text.h"
#include "cli/internal/report.h"
#include "cli/internal/versions.h"
#include "ingest/utf8.h"
#include "verify/diff.h"
#include "verify/flat_text.h"

namespace strictlog::cli {
namespace {

struct DiffArgs {
  std::string left = ".", right = ".";
  std::vector<std::string> left_versions, right_versions;
  std::vector<std::string> inputs;
  std::string format = "text";
  size_t examples = 5;
  int year = 0;
};


std::string base64(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string_view kind_name(LineResult::Kind k) {
  switch (k) {
    case LineResult::Kind::kEvent: return "event";
    case LineResult::Kind::kDropped: return "dropped";
    case LineResult::Kind::kQuarantined: return "quarantined";
  }
  return "?";
}

std::string json_result(const LineResult& r) {
  std::string out = fmt::format("{{\"outcome\":\"{}\"", kind_name(r.kind));
  if (r.kind == LineResult::Kind::kQuarantined) {
    out += fmt::format(",\"reason\":\"{}\",\"detail\":{}", r.reason, json_string(r.detail));
    if (!r.candidates.empty()) {
      out += ",\"candidate_rule_ids\":[";
      for (size_t i = 0; i < r.candidates.size(); ++i) out += (i ? "," : "") + json_string(r.candidates[i]);
      out += "]";
    }
  } else {
    out += ",\"rule\":" + json_string(r.rule);
    if (r.kind == LineResult::Kind::kEvent) out += ",\"type\":" + json_string(r.type);
  }
  return out + "}";
}

std::string json_change(const LineChange& c) {
  std::string out = fmt::format("{{\"kind\":\"{}\",\"where\":{},", change_name(c.kind), json_string(c.where));
  // A line that is not UTF-8 (quarantined as ENCODING on both sides) cannot be a JSON string.
  out += check_encoding(c.raw) ? "\"raw_base64\":\"" + base64(c.raw) + "\"" : "\"raw\":" + json_string(c.raw);
  out += ",\"left\":" + json_result(c.left) + ",\"right\":" + json_result(c.right);
  if (!c.fields.empty()) {
    out += ",\"fields\":[";
    for (size_t i = 0; i < c.fields.size(); ++i) {
      const auto& f = c.fields[i];
      out += fmt::format("{}{{\"path\":{}", i ? "," : "", json_string(f.path));
      // Flat text values (verify/flat_text.h); a side where the field is absent has no key.
      if (!f.left.empty()) out += ",\"left\":" + json_string(f.left);
      if (!f.right.empty()) out += ",\"right\":" + json_string(f.right);
      out += "}";
    }
    out += "]";
  }
  return out + "}";
}

std::string text_result(const LineResult& r) {
  switch (r.kind) {
    case LineResult::Kind::kEvent: return fmt::format("event {} ({})", r.rule, r.type);
    case LineResult::Kind::kDropped: return fmt::format("dropped by {}", r.rule);
    case LineResult::Kind::kQuarantined: {
      std::string s = fmt::format("quarantine {}: {}", r.reason, r.detail);
      return s;
    }
  }
  return {};
}

std::string text_change(const LineChange& c) {
  std::string out = fmt::format("  {}\n    line:  {}\n", c.where, quote(c.raw));
  std::string l = text_result(c.left), r = text_result(c.right);
  if (l == r) {
    out += fmt::format("    both:  {}\n", l);
  } else {
    out += fmt::format("    left:  {}\n    right: {}\n", l, r);
  }
  for (const auto& f : c.fields) {
    out += fmt::format("    {}: {} -> {}\n", f.path, f.left.empty() ? "(absent)" : f.left,
                       f.right.empty() ? "(absent)" : f.right);
  }
  return out;
}

int run(const DiffArgs& a) {
  auto left = load_ruleset(a.left + "/grammars", a.left + "/mappings");
  auto right = load_ruleset(a.right + "/grammars", a.right + "/mappings");
  if (!left || !right) {
    Diagnostics all;
    if (!left) all.insert(all.end(), left.errors().begin(), left.errors().end());
    if (!right) all.insert(all.end(), right.errors().begin(), right.errors().end());
    print_diagnostics("diff", all);
    return kExitLoadError;
  }
  const bool json = a.format == "json";
  std::vector<std::vector<std::string>> examples(kChangeKinds);  // text: the first few of each kind
  std::string changes;                                           // json: every change
  DiffOptions options{a.inputs, a.year, {}, {}};
  auto left_versions = choose_versions(**left, a.left_versions);
  if (!left_versions) return usage_error("diff", "--left-version " + left_versions.errors().front().message);
  auto right_versions = choose_versions(**right, a.right_versions);
  if (!right_versions) return usage_error("diff", "--right-version " + right_versions.errors().front().message);
  options.left_versions = *left_versions;
  options.right_versions = *right_versions;
  auto counts = diff_rule_sets(*left, *right, options, [&](const LineChange& c) {
    if (json) {
      changes += (changes.empty() ? "\n" : ",\n") + json_change(c);
      return;
    }
    auto& list = examples[static_cast<size_t>(c.kind)];
    if (list.size() < a.examples) list.push_back(text_change(c));
  });
  if (!counts) {
    if (counts.errors().front().where.source != nullptr) {  // a malformed corpus file: show where, with a caret
      print_diagnostics("diff", counts.errors());
      return kExitLoadError;
    }
    return io_error("diff", counts.errors());
  }

  std::string out;
  if (json) {
    out = fmt::format("{{\"left\":{},\"right\":{},\"lines\":{},\"changed\":{},\"counts\":{{", json_string(a.left),
                      json_string(a.right), counts->lines, counts->changed);
    for (size_t k = 0; k < kChangeKinds; ++k) {
      out += fmt::format("{}\"{}\":{}", k ? "," : "", change_name(static_cast<ChangeKind>(k)), counts->by_kind[k]);
    }
    out += "},\"changes\":[" + changes + (changes.empty() ? "" : "\n") + "]}\n";
  } else {
    auto side = [](const std::string& dir, const std::vector<std::string>& versions) {
      std::string s = dir;
      for (size_t i = 0; i < versions.size(); ++i) s += (i ? ", " : " with ") + versions[i];
      return s;
    };
    out = fmt::format("strictlog diff: {} line{}, {} changed (left {}; right {})\n", counts->lines,
                      counts->lines == 1 ? "" : "s", counts->changed, side(a.left, a.left_versions),
                      side(a.right, a.right_versions));
    for (size_t k = 0; k < kChangeKinds; ++k) {
      out += fmt::format("  {:<18} {:>8}\n", change_name(static_cast<ChangeKind>(k)), counts->by_kind[k]);
    }
    for (size_t k = 0; k < kChangeKinds; ++k) {
      if (counts->by_kind[k] == 0) continue;
      out += fmt::format("\n{} ({}{}):\n", change_name(static_cast<ChangeKind>(k)), counts->by_kind[k],
                         counts->by_kind[k] > examples[k].size() ? fmt::format(", first {} shown", examples[k].size())
                                                                 : "");
      for (const auto& e : examples[k]) out += e;
    }
  }
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);
  return counts->changed ? kExitMismatch : kExitOk;
}

}  // namespace

Run add_diff(CLI::App& app) {
  auto args = std::make_shared<DiffArgs>();
  CLI::App* cmd = app.add_subcommand(
      "diff", "Run the same lines through two rule sets and report every line whose result changed (exit 4 when any did)");
  cmd->add_option("--left", args->left, "Directory holding the old grammars/ and mappings/")->capture_default_str();
  cmd->add_option("--right", args->right, "Directory holding the new grammars/ and mappings/")->capture_default_str();
  add_version_option(cmd, "--left-version", &args->left_versions,
                     "Read SOURCE with this version on the left, e.g. openvpn=2.6 (repeatable); with --right-version "
                     "and one rule set, the lines whose meaning differs between two versions");
  add_version_option(cmd, "--right-version", &args->right_versions,
                     "Read SOURCE with this version on the right (repeatable)");
  cmd->add_option("inputs", args->inputs,
                  "Corpus directories or *.cases files (their lines), or log files (one line per line)")
      ->required();
  cmd->add_option("--format", args->format, "text (counts and examples) or json (counts and every change)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("--examples", args->examples, "Examples shown per kind of change (text)")->capture_default_str();
  cmd->add_option("--year", args->year, "Year of RFC 3164 timestamps in log files (default: each file's mtime)")
      ->check(CLI::Range(1970, 9999));
  return [args] { return run(*args); };
}

}  // namespace strictlog::cli
