// Corpus case files (`corpus/<source>/<version>/*.cases`): raw log lines beside what each must become, in a
// form a reviewer reads and diffs line by line.
//
//   # OpenVPN prints the peer without a common name before authentication.
//   line: Nov 22 09:15:02 vpn-gw1 openvpn[1187]: 203.0.113.45:52113 TLS Error: TLS handshake failed
//   event: openvpn/2.6/tls_handshake_failed
//     envelope.time: 2026-11-22T09:15:02Z
//     openvpn_tls_handshake_failed.src_endpoint.ip: "203.0.113.45"
//
//   line: Nov 22 09:15:03 vpn-gw1 openvpn[1187]: 3 variation(s) on previous 10 message(s) suppressed by --mute
//   drop: openvpn/2.6/mute_variations
//
//   line: garbage
//   quarantine: HEADER
//     detail: "not an RFC 3164 syslog line: no RFC 3164 timestamp at byte 0"
//
// `line:` takes the rest of the line verbatim; `line-quoted: "..."` takes escapes (\xHH, \r, \t, \\, \")
// for lines a verbatim form would hide (control bytes, invalid UTF-8, edge spaces). Field lines are
// indented and written in flat text (verify/flat_text.h). `year: 2026` before the first case sets the year
// RFC 3164 timestamps are read in (default 2026), so expectations never depend on today's date. `program: NAME`
// there says the lines are that program's own log file without syslog headers (`normalize --program NAME`,
// e.g. OpenVPN's --log output), read in UTC. Comment and
// blank lines stay attached to the case after them when `strictlog test --update` rewrites a file.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace strictlog {

struct CaseField {
  Position pos;
  std::string path;
  std::string value;  // as written
};

struct CorpusCase {
  std::vector<std::string> leading;  // comment and blank lines before the case
  Position pos;                      // the `line:` line
  std::string raw;                   // the log line's bytes
  enum class Expect { kNone, kEvent, kDrop, kQuarantine };
  Expect expect = Expect::kNone;     // kNone: not written yet (`--update` fills it in)
  Position expect_pos;
  std::string what;                  // kEvent, kDrop: `grammar/version/rule`; kQuarantine: the reason's name
  std::vector<CaseField> fields;
};

struct CorpusFile {
  SourceRef source;
  int year = 2026;
  std::string program;              // `program:`; empty: syslog lines
  std::vector<std::string> header;  // lines before the first case, `year:` and `program:` included
  std::vector<CorpusCase> cases;
  std::vector<std::string> trailing;  // comment and blank lines after the last case
};

// Collects every malformed line, each positioned. A file must be UTF-8 (invalid bytes belong in a
// `line-quoted:` as \xHH): an encoding error is the file's only error, at its first bad byte. A verbatim
// `line:` that an editor could change unseen (edge spaces, control bytes, a leading quote) is an error too.
Result<CorpusFile> parse_corpus(SourceRef source);

// The file's text, as parse_corpus() reads it back: header, then each case with its leading lines.
std::string print_corpus(const CorpusFile& file);

// The text of one case (its leading lines excluded), as print_corpus() writes it.
std::string print_case(const CorpusCase& c);

}  // namespace strictlog
