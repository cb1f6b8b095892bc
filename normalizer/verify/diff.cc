#include "verify/diff.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>

#include "common/source_files.h"
#include "ingest/line_reader.h"
#include "ingest/syslog_time.h"
#include "pipeline/normalizer.h"
#include "verify/corpus.h"
#include "verify/flat_text.h"
#include "verify/runner.h"

namespace strictlog {
namespace {

namespace fs = std::filesystem;

std::string payload_type(const v1::Event& e) {
  const auto* oneof = e.GetDescriptor()->FindOneofByName("payload");
  const auto* field = e.GetReflection()->GetOneofFieldDescriptor(e, oneof);
  return field ? std::string(field->message_type()->full_name()) : std::string();
}

LineResult result_of(Outcome o, const LineNormalizer& n, const v1::Event& e, const v1::QuarantineRecord& r) {
  LineResult res;
  if (o == Outcome::kQuarantined) {
    res.kind = LineResult::Kind::kQuarantined;
    res.reason = v1::QuarantineReason_Name(r.reason());
    res.detail = r.detail();
    res.candidates.assign(r.candidate_rule_ids().begin(), r.candidate_rule_ids().end());
    return res;
  }
  res.rule = n.last_rule_ref();
  if (o == Outcome::kDropped) {
    res.kind = LineResult::Kind::kDropped;
    return res;
  }
  res.kind = LineResult::Kind::kEvent;
  res.type = payload_type(e);
  res.fields = flatten(e, unstated_event_fields());
  return res;
}

// Only between two events: against a drop or a quarantine record every field would read as added or removed.
std::vector<FieldChange> field_changes(const LineResult& l, const LineResult& r) {
  if (l.kind != LineResult::Kind::kEvent || r.kind != LineResult::Kind::kEvent) return {};
  std::map<std::string, std::pair<std::string, std::string>> all;
  for (const auto& [path, value] : l.fields) all[path].first = value;
  for (const auto& [path, value] : r.fields) all[path].second = value;
  std::vector<FieldChange> out;
  for (auto& [path, values] : all) {
    if (values.first != values.second) out.push_back({path, std::move(values.first), std::move(values.second)});
  }
  return out;
}

// `openvpn/2.6/tls_error` → `openvpn/tls_error`: a rule's identity across versions of its grammar.
std::string without_version(std::string_view ref) {
  const size_t first = ref.find('/'), last = ref.rfind('/');
  if (first == std::string_view::npos || first == last) return std::string(ref);
  return std::string(ref.substr(0, first)) + std::string(ref.substr(last));
}

bool same_rule(const std::string& a, const std::string& b) { return without_version(a) == without_version(b); }

// A NO_MATCH detail without the hint naming the version that read the line and another that would
// (LineNormalizer: `... program 'p' with openvpn 2.6; rule ... matches it (...)`): that part names versions, not
// a difference in meaning.
std::string_view without_version_hint(std::string_view detail) {
  const size_t hint = detail.find("' with ");
  return hint == std::string_view::npos ? detail : detail.substr(0, hint + 1);
}

bool same_candidates(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), same_rule);
}

// The kind of change from `l` to `r`, or nullopt when the line's result is the same.
std::optional<ChangeKind> classify(const LineResult& l, const LineResult& r, const std::vector<FieldChange>& fields) {
  using K = LineResult::Kind;
  bool lq = l.kind == K::kQuarantined, rq = r.kind == K::kQuarantined;
  if (!lq && rq) return ChangeKind::kIntoQuarantine;
  if (lq && !rq) return ChangeKind::kOutOfQuarantine;
  if (lq) {
    // An AMBIGUOUS detail lists the candidates with their versions: the candidates compare by meaning.
    const bool same_detail = l.reason == "AMBIGUOUS" ? true
                             : l.reason == "NO_MATCH" ? without_version_hint(l.detail) == without_version_hint(r.detail)
                                                      : l.detail == r.detail;
    if (l.reason != r.reason || !same_detail || !same_candidates(l.candidates, r.candidates)) {
      return ChangeKind::kQuarantine;
    }
    return std::nullopt;
  }
  if (l.kind == K::kDropped || r.kind == K::kDropped) {
    if (l.kind != r.kind || !same_rule(l.rule, r.rule)) return ChangeKind::kDrop;
    return std::nullopt;
  }
  if (l.type != r.type) return ChangeKind::kEventType;
  if (!same_rule(l.rule, r.rule)) return ChangeKind::kRule;
  if (!fields.empty()) return ChangeKind::kFields;
  return std::nullopt;
}

class Differ {
 public:
  Differ(std::shared_ptr<const RuleSet> left, std::shared_ptr<const RuleSet> right, const DiffOptions& diff,
         const std::function<void(const LineChange&)>& on_change)
      : left_(std::move(left), options(diff.left_versions)),
        right_(std::move(right), options(diff.right_versions)),
        on_change_(on_change) {}

  void start_input(const std::string& name, int64_t reference_time, bool year_fixed) {
    left_.start_input(name, reference_time, year_fixed);
    right_.start_input(name, reference_time, year_fixed);
  }

  void compare(const Line& line, std::string where) {
    ++counts.lines;
    Outcome lo = left_.normalize(line, &event_, &record_);
    LineResult l = result_of(lo, left_, event_, record_);
    Outcome ro = right_.normalize(line, &event_, &record_);
    LineResult r = result_of(ro, right_, event_, record_);
    std::vector<FieldChange> fields = field_changes(l, r);
    auto kind = classify(l, r, fields);
    if (!kind) return;
    ++counts.changed;
    ++counts.by_kind[static_cast<size_t>(*kind)];
    on_change_({*kind, std::move(where), std::string(line.bytes), std::move(l), std::move(r), std::move(fields)});
  }

  DiffCounts counts;

 private:
  static NormalizeOptions options(const VersionChoice& versions) {
    NormalizeOptions o;
    o.stamp_processed_time = false;
    o.versions = versions;
    return o;
  }

  LineNormalizer left_, right_;
  const std::function<void(const LineChange&)>& on_change_;
  v1::Event event_;
  v1::QuarantineRecord record_;
};

Status diff_corpus_file(const fs::path& path, Differ* d) {
  auto source = read_source_file(path);
  if (!source) return std::move(source).take_errors();
  auto file = parse_corpus(*source);
  if (!file) return std::move(file).take_errors();
  d->start_input(path.string(), end_of_year(file->year), true);
  for (const auto& c : file->cases) {
    Line line;
    line.bytes = c.raw;
    line.number = c.pos.line;
    line.length = c.raw.size();
    d->compare(line, fmt::format("{}:{}", path.string(), c.pos.line));
  }
  return kOk;
}

Status diff_log_file(const std::string& path, int year, Differ* d) {
  int fd = path == "-" ? 0 : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return plain_error("open-failed", fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  struct stat st {};
  fstat(fd, &st);
  int64_t reference = S_ISREG(st.st_mode) ? st.st_mtim.tv_sec : static_cast<int64_t>(time(nullptr));
  d->start_input(path, year ? end_of_year(year) : reference, year != 0);
  LineReader reader(fd);
  reader.set_name(path);
  Status status = kOk;
  while (true) {
    auto line = reader.next();
    if (!line) {
      status = line.errors();
      break;
    }
    if (!*line) break;
    d->compare(**line, fmt::format("{}:{}", path, (*line)->number));
  }
  if (fd > 0) close(fd);
  return status;
}

}  // namespace

std::string_view change_name(ChangeKind k) {
  switch (k) {
    case ChangeKind::kIntoQuarantine: return "into_quarantine";
    case ChangeKind::kOutOfQuarantine: return "out_of_quarantine";
    case ChangeKind::kDrop: return "drop";
    case ChangeKind::kEventType: return "event_type";
    case ChangeKind::kRule: return "rule";
    case ChangeKind::kFields: return "fields";
    case ChangeKind::kQuarantine: return "quarantine";
  }
  return "?";
}

Result<DiffCounts> diff_rule_sets(std::shared_ptr<const RuleSet> left, std::shared_ptr<const RuleSet> right,
                                  const DiffOptions& options, const std::function<void(const LineChange&)>& on_change) {
  Differ d(std::move(left), std::move(right), options, on_change);
  for (const auto& input : options.inputs) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      auto files = list_files(input, ".cases");
      if (!files) return std::move(files).take_errors();
      // An empty comparison must not pass for a clean one (a CI gate would go green on nothing).
      if (files->empty()) {
        return plain_error("no-cases", fmt::format("'{}' holds no *.cases file: a directory stands for a corpus; "
                                                   "give log files by name", input));
      }
      for (const auto& f : *files) {
        if (auto st = diff_corpus_file(f, &d); !st) return st.errors();
      }
    } else if (fs::path(input).extension() == ".cases") {
      if (auto st = diff_corpus_file(fs::path(input).lexically_normal(), &d); !st) return st.errors();
    } else if (auto st = diff_log_file(input, options.year, &d); !st) {
      return st.errors();
    }
  }
  return d.counts;
}

}  // namespace strictlog
