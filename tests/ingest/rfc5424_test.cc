#include "ingest/rfc5424.h"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace strictlog {
namespace {

const std::string kBom = "\xEF\xBB\xBF";

// What a parser should have filled.
// Every member has a default so that tables name only what differs (designated initializers).
struct Want {
  std::optional<uint32_t> facility = {}, severity = {};
  TimeForm time_form = TimeForm::kOffset;
  std::string timestamp_text = {};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  uint32_t nanos = 0;
  int32_t utc_offset_seconds = 0;
  std::string hostname = {}, program = {};
  std::optional<uint32_t> pid = {};
  std::string procid = {}, msgid = {}, structured_data = {}, message = {};
};

void check_header(const std::string& line, const SyslogHeader& h, const Want& w) {
  CHECK(h.facility == w.facility);
  CHECK(h.severity == w.severity);
  CHECK(h.time_form == w.time_form);
  CHECK(h.timestamp_text == w.timestamp_text);
  CHECK(h.year == w.year);
  CHECK(h.month == w.month);
  CHECK(h.day == w.day);
  CHECK(h.hour == w.hour);
  CHECK(h.minute == w.minute);
  CHECK(h.second == w.second);
  CHECK(h.nanos == w.nanos);
  CHECK(h.utc_offset_seconds == w.utc_offset_seconds);
  CHECK(h.hostname == w.hostname);
  CHECK(h.program == w.program);
  CHECK(h.pid == w.pid);
  CHECK(h.procid == w.procid);
  CHECK(h.msgid == w.msgid);
  CHECK(h.structured_data == w.structured_data);
  CHECK(h.message == w.message);
  // Views point into the line: nothing was copied.
  CHECK(h.message.data() + h.message.size() == line.data() + line.size());
  for (std::string_view part : {h.timestamp_text, h.hostname, h.program, h.procid, h.msgid, h.structured_data}) {
    if (!part.empty()) {
      CHECK(part.data() >= line.data());
      CHECK(part.data() + part.size() <= line.data() + line.size());
    }
  }
}

// The elements of `sd`, one string per element (`id`) and per parameter (`  name=value`, value unescaped).
std::vector<std::string> decode(std::string_view sd) {
  std::vector<std::string> out;
  std::string value;
  for_each_sd_element(
      sd, [&](std::string_view id) { out.push_back(std::string(id)); },
      [&](std::string_view name, std::string_view escaped) {
        unescape_param_value(escaped, &value);
        out.push_back("  " + std::string(name) + "=" + value);
      });
  return out;
}

struct Good {
  const char* source;  // where the line comes from, or what it shows
  std::string line;
  Want want;
  std::vector<std::string> elements;  // decode(structured_data)
};

const std::string kExampleSd = R"([exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"])";
const std::vector<std::string> kExampleElements = {"exampleSDID@32473", "  iut=3", "  eventSource=Application",
                                                   "  eventID=1011"};

TEST_CASE("parse_rfc5424 accepts the examples of RFC 5424 section 6.5", "[ingest][rfc5424]") {
  std::vector<std::string> example4 = kExampleElements;
  example4.insert(example4.end(), {"examplePriority@32473", "  class=high"});
  const Good good[] = {
      {"RFC 5424 §6.5 example 1: no STRUCTURED-DATA, MSG with a BOM",
       "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - " + kBom +
           "'su root' failed for lonvick on /dev/pts/8",
       {.facility = 4, .severity = 2, .timestamp_text = "2003-10-11T22:14:15.003Z", .year = 2003, .month = 10,
        .day = 11, .hour = 22, .minute = 14, .second = 15, .nanos = 3000000, .hostname = "mymachine.example.com",
        .program = "su", .msgid = "ID47", .message = "'su root' failed for lonvick on /dev/pts/8"},
       {}},
      {"RFC 5424 §6.5 example 2: numeric offset and PROCID, MSG without a BOM",
       "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
       {.facility = 20, .severity = 5, .timestamp_text = "2003-08-24T05:14:15.000003-07:00", .year = 2003,
        .month = 8, .day = 24, .hour = 5, .minute = 14, .second = 15, .nanos = 3000, .utc_offset_seconds = -25200,
        .hostname = "192.0.2.1", .program = "myproc", .pid = 8710, .message = "%% It's time to make the do-nuts."},
       {}},
      {"RFC 5424 §6.5 example 3: STRUCTURED-DATA and MSG",
       "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 " + kExampleSd + " " + kBom +
           "An application event log entry...",
       {.facility = 20, .severity = 5, .timestamp_text = "2003-10-11T22:14:15.003Z", .year = 2003, .month = 10,
        .day = 11, .hour = 22, .minute = 14, .second = 15, .nanos = 3000000, .hostname = "mymachine.example.com",
        .program = "evntslog", .msgid = "ID47", .structured_data = kExampleSd,
        .message = "An application event log entry..."},
       kExampleElements},
      {"RFC 5424 §6.5 example 4: STRUCTURED-DATA only",
       "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 " + kExampleSd +
           R"([examplePriority@32473 class="high"])",
       {.facility = 20, .severity = 5, .timestamp_text = "2003-10-11T22:14:15.003Z", .year = 2003, .month = 10,
        .day = 11, .hour = 22, .minute = 14, .second = 15, .nanos = 3000000, .hostname = "mymachine.example.com",
        .program = "evntslog", .msgid = "ID47",
        .structured_data = kExampleSd + R"([examplePriority@32473 class="high"])", .message = ""},
       example4},
      {"RFC 5424 §6.3.5: a SP between SD-ELEMENTs ends STRUCTURED-DATA, the rest is MSG",
       "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 " + kExampleSd +
           R"( [examplePriority@32473 class="high"])",
       {.facility = 20, .severity = 5, .timestamp_text = "2003-10-11T22:14:15.003Z", .year = 2003, .month = 10,
        .day = 11, .hour = 22, .minute = 14, .second = 15, .nanos = 3000000, .hostname = "mymachine.example.com",
        .program = "evntslog", .msgid = "ID47", .structured_data = kExampleSd,
        .message = R"([examplePriority@32473 class="high"])"},
       kExampleElements},
      {"every field NILVALUE, no MSG", "<0>1 - - - - - -",
       {.facility = 0, .severity = 0, .time_form = TimeForm::kNone}, {}},
      {"every field NILVALUE, empty MSG after the SP", "<191>1 - - - - - - ",
       {.facility = 23, .severity = 7, .time_form = TimeForm::kNone}, {}},
      {"rsyslog RSYSLOG_SyslogProtocol23Format",
       "<30>1 2026-11-22T09:15:02.123456+01:00 vpn1 openvpn 1234 - - MANAGEMENT: Client connected",
       {.facility = 3, .severity = 6, .timestamp_text = "2026-11-22T09:15:02.123456+01:00", .year = 2026,
        .month = 11, .day = 22, .hour = 9, .minute = 15, .second = 2, .nanos = 123456000, .utc_offset_seconds = 3600,
        .hostname = "vpn1", .program = "openvpn", .pid = 1234, .message = "MANAGEMENT: Client connected"},
       {}},
  };
  for (const Good& g : good) {
    INFO(g.source << "\nline: " << g.line);
    SyslogHeader h;
    std::string_view why;
    size_t where = 0;
    REQUIRE(parse_rfc5424(g.line, &h, &why, &where));
    CHECK(h.format == HeaderFormat::kRfc5424);
    check_header(g.line, h, g.want);
    CHECK(decode(h.structured_data) == g.elements);
  }
}

struct Time {
  std::string timestamp;
  int year, month, day, hour, minute, second;
  uint32_t nanos;
  int32_t offset;
};

TEST_CASE("parse_rfc5424 reads RFC 3339 timestamps", "[ingest][rfc5424]") {
  const Time times[] = {
      // RFC 5424 §6.2.3.1 examples 1-4.
      {"1985-04-12T23:20:50.52Z", 1985, 4, 12, 23, 20, 50, 520000000, 0},
      {"1985-04-12T19:20:50.52-04:00", 1985, 4, 12, 19, 20, 50, 520000000, -4 * 3600},
      {"2003-10-11T22:14:15.003Z", 2003, 10, 11, 22, 14, 15, 3000000, 0},
      {"2003-08-24T05:14:15.000003-07:00", 2003, 8, 24, 5, 14, 15, 3000, -7 * 3600},
      // TIME-SECFRAC of 0-6 digits.
      {"2026-11-22T09:15:02Z", 2026, 11, 22, 9, 15, 2, 0, 0},
      {"2026-11-22T09:15:02.1Z", 2026, 11, 22, 9, 15, 2, 100000000, 0},
      {"2026-11-22T09:15:02.12Z", 2026, 11, 22, 9, 15, 2, 120000000, 0},
      {"2026-11-22T09:15:02.123Z", 2026, 11, 22, 9, 15, 2, 123000000, 0},
      {"2026-11-22T09:15:02.1234Z", 2026, 11, 22, 9, 15, 2, 123400000, 0},
      {"2026-11-22T09:15:02.12345Z", 2026, 11, 22, 9, 15, 2, 123450000, 0},
      {"2026-11-22T09:15:02.123456Z", 2026, 11, 22, 9, 15, 2, 123456000, 0},
      {"2026-11-22T09:15:02.000000Z", 2026, 11, 22, 9, 15, 2, 0, 0},
      {"2026-11-22T09:15:02.999999Z", 2026, 11, 22, 9, 15, 2, 999999000, 0},
      // Offsets: extremes, half hours, and RFC 3339 §4.3's -00:00.
      {"2026-11-22T09:15:02+05:30", 2026, 11, 22, 9, 15, 2, 0, 5 * 3600 + 30 * 60},
      {"2026-11-22T09:15:02-09:30", 2026, 11, 22, 9, 15, 2, 0, -(9 * 3600 + 30 * 60)},
      {"2026-11-22T09:15:02+23:59", 2026, 11, 22, 9, 15, 2, 0, 23 * 3600 + 59 * 60},
      {"2026-11-22T09:15:02-23:59", 2026, 11, 22, 9, 15, 2, 0, -(23 * 3600 + 59 * 60)},
      {"2026-11-22T09:15:02+00:00", 2026, 11, 22, 9, 15, 2, 0, 0},
      {"2026-11-22T09:15:02-00:00", 2026, 11, 22, 9, 15, 2, 0, 0},
      // Dates: leap years by the Gregorian rule, month ends, the edges of a four-digit year.
      {"2024-02-29T00:00:00Z", 2024, 2, 29, 0, 0, 0, 0, 0},
      {"2000-02-29T23:59:59Z", 2000, 2, 29, 23, 59, 59, 0, 0},
      {"2023-02-28T12:00:00Z", 2023, 2, 28, 12, 0, 0, 0, 0},
      {"2026-04-30T12:00:00Z", 2026, 4, 30, 12, 0, 0, 0, 0},
      {"2026-12-31T23:59:59.999999+14:00", 2026, 12, 31, 23, 59, 59, 999999000, 14 * 3600},
      {"0000-01-01T00:00:00Z", 0, 1, 1, 0, 0, 0, 0, 0},
      {"9999-12-31T23:59:59Z", 9999, 12, 31, 23, 59, 59, 0, 0},
  };
  for (const Time& t : times) {
    const std::string line = "<13>1 " + t.timestamp + " host app - - - msg";
    INFO("line: " << line);
    SyslogHeader h;
    std::string_view why;
    REQUIRE(parse_rfc5424(line, &h, &why));
    CHECK(h.time_form == TimeForm::kOffset);
    CHECK(h.timestamp_text == t.timestamp);
    CHECK(h.year == t.year);
    CHECK(h.month == t.month);
    CHECK(h.day == t.day);
    CHECK(h.hour == t.hour);
    CHECK(h.minute == t.minute);
    CHECK(h.second == t.second);
    CHECK(h.nanos == t.nanos);
    CHECK(h.utc_offset_seconds == t.offset);
    CHECK(h.message == "msg");
  }
}

TEST_CASE("parse_rfc5424 takes every header field up to its maximum length", "[ingest][rfc5424]") {
  const std::string host(255, 'h'), app(48, 'a'), procid(128, 'p'), msgid(32, 'm');
  const std::string line = "<13>1 - " + host + " " + app + " " + procid + " " + msgid + " - x";
  SyslogHeader h;
  std::string_view why;
  REQUIRE(parse_rfc5424(line, &h, &why));
  CHECK(h.hostname == host);
  CHECK(h.program == app);
  CHECK(h.procid == procid);
  CHECK(h.pid == std::nullopt);
  CHECK(h.msgid == msgid);
  CHECK(h.message == "x");
  CHECK(h.time_form == TimeForm::kNone);
  CHECK(h.timestamp_text.empty());

  // Any PRINTUSASCII: only `-` alone is NILVALUE.
  REQUIRE(parse_rfc5424("<13>1 - !~[]\"= -- -1 -- -", &h, &why));
  CHECK(h.hostname == "!~[]\"=");
  CHECK(h.program == "--");
  CHECK(h.procid == "-1");
  CHECK(h.msgid == "--");
}

TEST_CASE("parse_rfc5424 keeps a PROCID that is a pid as a number", "[ingest][rfc5424]") {
  struct Procid {
    std::string text;
    std::optional<uint32_t> pid;
    std::string procid;
  };
  const Procid cases[] = {
      {"8710", 8710u, ""},
      {"0", 0u, ""},
      {"4294967295", 4294967295u, ""},
      {"4294967296", {}, "4294967296"},  // past 32 bits
      {"99999999999999999999", {}, "99999999999999999999"},
      {"0123", {}, "0123"},  // would not read back as written
      {"00", {}, "00"},
      {"12a", {}, "12a"},
      {"worker-1", {}, "worker-1"},
      {"-", {}, ""},
  };
  for (const Procid& c : cases) {
    const std::string line = "<13>1 - host app " + c.text + " - -";
    INFO("line: " << line);
    SyslogHeader h;
    std::string_view why;
    REQUIRE(parse_rfc5424(line, &h, &why));
    CHECK(h.pid == c.pid);
    CHECK(h.procid == c.procid);
  }
}

// SD starts at offset 44 after this prefix.
const std::string kHead = "<13>1 2026-11-22T09:15:02Z host app 123 ID1 ";
constexpr size_t kSd = 44;

TEST_CASE("parse_rfc5424 validates STRUCTURED-DATA and for_each_sd_element decodes it", "[ingest][rfc5424]") {
  REQUIRE(kHead.size() == kSd);
  struct Sd {
    std::string sd;
    std::vector<std::string> elements;
  };
  const std::string id32(32, 'i'), name32(32, 'n');
  const Sd cases[] = {
      {"[a]", {"a"}},
      {"[a][b][c]", {"a", "b", "c"}},
      {R"([a b=""])", {"a", "  b="}},
      // §6.3.3: an SD-PARAM may be repeated.
      {R"([id@32473 k="v"][id2 x="1" x="2"])", {"id@32473", "  k=v", "id2", "  x=1", "  x=2"}},
      // §6.3.3: '"', '\' and ']' escaped; a '\' before anything else stays.
      {R"([e q="\"quoted\"" b="back\\slash" r="\]bracket" n="\n kept" t="x\\"])",
       {"e", "  q=\"quoted\"", "  b=back\\slash", "  r=]bracket", "  n=\\n kept", "  t=x\\"}},
      {R"([e v="a=b [c\] d" w="  spaces  "])", {"e", "  v=a=b [c] d", "  w=  spaces  "}},
      {"[e u=\"caf\xC3\xA9 \xE2\x82\xAC\"]", {"e", "  u=caf\xC3\xA9 \xE2\x82\xAC"}},
      {"[" + id32 + " " + name32 + "=\"v\"]", {id32, "  " + name32 + "=v"}},
      {R"([a.b-c_d@1 x:y/z%="1"])", {"a.b-c_d@1", "  x:y/z%=1"}},
      {R"([origin ip="192.0.2.1" ip="2001:db8::1"][meta sequenceId="7"])",
       {"origin", "  ip=192.0.2.1", "  ip=2001:db8::1", "meta", "  sequenceId=7"}},
  };
  for (const Sd& c : cases) {
    const std::string line = kHead + c.sd + " msg";
    INFO("line: " << line);
    SyslogHeader h;
    std::string_view why;
    REQUIRE(parse_rfc5424(line, &h, &why));
    CHECK(h.structured_data == c.sd);
    CHECK(h.message == "msg");
    CHECK(decode(h.structured_data) == c.elements);
  }
}

TEST_CASE("parse_rfc5424 reads MSG with and without a BOM", "[ingest][rfc5424]") {
  struct Msg {
    std::string after_sd;
    std::string message;
  };
  const Msg cases[] = {
      {"", ""},
      {" ", ""},
      {" " + kBom, ""},
      {" " + kBom + "h\xC3\xA9llo", "h\xC3\xA9llo"},
      {" " + kBom + kBom + "x", kBom + "x"},  // only the first BOM marks the encoding
      {" a" + kBom, "a" + kBom},
      {"  two spaces", " two spaces"},
      {" \xEF\xBB", "\xEF\xBB"},  // not a BOM; MSG-ANY may be any octets (ingest checks the encoding)
  };
  for (const Msg& c : cases) {
    const std::string line = kHead + "-" + c.after_sd;
    INFO("line: " << line);
    SyslogHeader h;
    std::string_view why;
    REQUIRE(parse_rfc5424(line, &h, &why));
    CHECK(h.structured_data.empty());
    CHECK(h.message == c.message);
    CHECK(h.message.data() + h.message.size() == line.data() + line.size());
  }
}

struct Bad {
  std::string line;
  std::string_view why;
  size_t where;
};

TEST_CASE("parse_rfc5424 rejects near misses with a reason and an offset", "[ingest][rfc5424]") {
  // TIMESTAMP starts at offset 6 after "<13>1 ".
  const std::string t = "<13>1 ";
  const std::string rest = " host app - - - msg";
  const Bad bad[] = {
      // PRI (§6.2.1).
      {"", "malformed PRI", 0},
      {"13>1 - - - - - -", "malformed PRI", 0},
      {"<>1 - - - - - -", "malformed PRI", 1},
      {"<x>1 - - - - - -", "malformed PRI", 1},
      {"<13 1 - - - - - -", "malformed PRI", 3},
      {"<1234>1 - - - - - -", "malformed PRI", 4},
      {"<13", "malformed PRI", 3},
      {"<00>1 - - - - - -", "PRI has a leading zero", 1},
      {"<013>1 - - - - - -", "PRI has a leading zero", 1},
      {"<192>1 - - - - - -", "PRI out of range", 1},
      {"<999>1 - - - - - -", "PRI out of range", 1},
      // VERSION (§6.2.2).
      {"<13>", "malformed VERSION", 4},
      {"<13>0 - - - - - -", "malformed VERSION", 4},
      {"<13>01 - - - - - -", "malformed VERSION", 4},
      {"<13> 1 - - - - - -", "malformed VERSION", 4},
      {"<13>1x - - - - - -", "malformed VERSION", 4},
      {"<13>1000 - - - - - -", "malformed VERSION", 4},
      {"<13>2 - - - - - -", "unsupported VERSION", 4},
      {"<13>10 - - - - - -", "unsupported VERSION", 4},
      {"<13>999 - - - - - -", "unsupported VERSION", 4},
      // An RFC 3164 line, and rsyslog's RSYSLOG_ForwardFormat (parse_rfc3339_file_line reads that one).
      {"<34>Oct 11 22:14:15 mymachine su: 'su root' failed", "malformed VERSION", 4},
      {"<13>2015-04-16T18:02:50.321974+00:00 host tag: m", "malformed VERSION", 4},
      // TIMESTAMP (§6.2.3).
      {"<13>1", "missing TIMESTAMP", 5},
      {"<13>1 ", "missing TIMESTAMP", 6},
      {"<13>1  2026-11-22T09:15:02Z" + rest, "malformed TIMESTAMP", 6},
      {"<13>1 -", "missing HOSTNAME", 7},
      {"<13>1 -x" + rest, "malformed TIMESTAMP", 7},
      {t + "2003-08-24T05:14:15.000000003-07:00" + rest, "TIME-SECFRAC longer than 6 digits", 32},  // §6.2.3.1 ex. 5
      {t + "2026-11-22T09:15:02.1234567Z" + rest, "TIME-SECFRAC longer than 6 digits", 32},
      {t + "2026-11-22T09:15:02.Z" + rest, "malformed TIMESTAMP", 26},
      {t + "2026-11-22T09:15:02,5Z" + rest, "malformed TIMESTAMP", 25},
      {t + "2026-11-22t09:15:02Z" + rest, "'T' and 'Z' in TIMESTAMP must be upper case", 16},
      {t + "2026-11-22T09:15:02z" + rest, "'T' and 'Z' in TIMESTAMP must be upper case", 25},
      {t + "2026-11-22 09:15:02Z" + rest, "malformed TIMESTAMP", 16},
      {t + "2026-11-22T09:15:02" + rest, "missing TIME-OFFSET", 25},
      {t + "2026-11-22T09:15:02.5" + rest, "missing TIME-OFFSET", 27},
      {t + "2026-11-22T09:15:02", "missing TIME-OFFSET", 25},
      {t + "2026-11-22T09:15:02+0100" + rest, "malformed TIMESTAMP", 28},
      {t + "2026-11-22T09:15:02+1:00" + rest, "malformed TIMESTAMP", 27},
      {t + "2026-11-22T09:15:02+01" + rest, "malformed TIMESTAMP", 28},
      {t + "2026-11-22T09:15:02 +01:00" + rest, "missing TIME-OFFSET", 25},
      {t + "2026-11-22T09:15:02UTC" + rest, "malformed TIMESTAMP", 25},
      {t + "2026-11-22T09:15:02+24:00" + rest, "TIME-OFFSET out of range", 26},
      {t + "2026-11-22T09:15:02-01:60" + rest, "TIME-OFFSET out of range", 29},
      {t + "2026-13-01T00:00:00Z" + rest, "month out of range", 11},
      {t + "2026-00-01T00:00:00Z" + rest, "month out of range", 11},
      {t + "2026-1-22T09:15:02Z" + rest, "malformed TIMESTAMP", 12},
      {t + "26-11-22T09:15:02Z" + rest, "malformed TIMESTAMP", 8},
      {t + "2026-11-00T00:00:00Z" + rest, "day out of range", 14},
      {t + "2026-04-31T00:00:00Z" + rest, "day out of range", 14},
      {t + "2026-01-32T00:00:00Z" + rest, "day out of range", 14},
      {t + "2023-02-29T00:00:00Z" + rest, "day out of range", 14},  // not a leap year
      {t + "1900-02-29T00:00:00Z" + rest, "day out of range", 14},  // divisible by 100, not by 400
      {t + "2026-11-22T24:00:00Z" + rest, "hour out of range", 17},
      {t + "2026-11-22T23:60:00Z" + rest, "minute out of range", 20},
      {t + "2016-12-31T23:59:60Z" + rest, "second out of range", 23},  // §6.2.3: no leap seconds
      {t + "2026-11-22T09:15:02Zx" + rest, "malformed TIMESTAMP", 26},
      {t + "2026-11-22T09:15:02+01:00:00" + rest, "malformed TIMESTAMP", 31},
      {t + "2026-11-22T09:15:02Z", "missing HOSTNAME", 26},
      {t + "Nov 22 09:15:02 host app - - - msg", "malformed TIMESTAMP", 6},
      // HOSTNAME, APP-NAME, PROCID, MSGID (§6.2.4-§6.2.7); they start at 8, 10, 12 and 14 when all before are `-`.
      {"<13>1 - ", "missing HOSTNAME", 8},
      {"<13>1 -  app - - - msg", "missing HOSTNAME", 8},
      {"<13>1 - ho\tst app - - - msg", "HOSTNAME has a non-printing byte", 10},
      {"<13>1 - h\xC3\xA9 app - - - msg", "HOSTNAME has a non-printing byte", 9},
      {"<13>1 - " + std::string(256, 'h') + " app - - - msg", "HOSTNAME longer than 255 characters", 8},
      {"<13>1 - -", "missing APP-NAME", 9},
      {"<13>1 - - ", "missing APP-NAME", 10},
      {"<13>1 - -  - - - msg", "missing APP-NAME", 10},
      {"<13>1 - - a\x7F" "b - - - msg", "APP-NAME has a non-printing byte", 11},
      {"<13>1 - - " + std::string(49, 'a') + " - - - msg", "APP-NAME longer than 48 characters", 10},
      {"<13>1 - - -", "missing PROCID", 11},
      {"<13>1 - - - ", "missing PROCID", 12},
      {"<13>1 - - - p\tq - - msg", "PROCID has a non-printing byte", 13},
      {"<13>1 - - - " + std::string(129, 'p') + " - - msg", "PROCID longer than 128 characters", 12},
      {"<13>1 - - - -", "missing MSGID", 13},
      {"<13>1 - - - - ", "missing MSGID", 14},
      {"<13>1 - - - - m\x01 - msg", "MSGID has a non-printing byte", 15},
      {"<13>1 - - - - " + std::string(33, 'm') + " - msg", "MSGID longer than 32 characters", 14},
      // STRUCTURED-DATA (§6.3).
      {"<13>1 - - - - -", "missing STRUCTURED-DATA", 15},
      {"<13>1 - - - - - ", "missing STRUCTURED-DATA", 16},
      {"<13>1 - - - - -  msg", "missing STRUCTURED-DATA", 16},
      {kHead + "x", "malformed STRUCTURED-DATA", kSd},
      {kHead + "{a}", "malformed STRUCTURED-DATA", kSd},
      {kHead + "[", "unterminated SD-ELEMENT", kSd + 1},
      {kHead + "[a", "unterminated SD-ELEMENT", kSd + 2},
      {kHead + "[a b", "unterminated SD-ELEMENT", kSd + 4},
      {kHead + "[a b=", "unterminated SD-ELEMENT", kSd + 5},
      {kHead + R"([a b="v")", "unterminated SD-ELEMENT", kSd + 8},
      {kHead + R"([a b="v" msg)", "unterminated SD-ELEMENT", kSd + 12},
      {kHead + R"([a b="v" more msg)", "missing '=' after PARAM-NAME", kSd + 13},
      {kHead + R"([a][)", "unterminated SD-ELEMENT", kSd + 4},
      {kHead + R"([a b="v)", "unterminated PARAM-VALUE", kSd + 7},
      {kHead + R"([a b="v] msg)", "unescaped ']' in PARAM-VALUE", kSd + 7},
      {kHead + R"([a b="v\"] msg)", "unescaped ']' in PARAM-VALUE", kSd + 9},  // the '"' is escaped
      {kHead + R"([a b="v\")", "unterminated PARAM-VALUE", kSd + 9},
      {kHead + R"([a b="v\)", "unterminated PARAM-VALUE", kSd + 8},
      {kHead + R"([a b="x]y"] msg)", "unescaped ']' in PARAM-VALUE", kSd + 7},
      {kHead + "[]", "missing SD-ID", kSd + 1},
      {kHead + R"([ exampleSDID@32473 iut="3"])", "missing SD-ID", kSd + 1},  // §6.3.5, an invalid example
      {kHead + "[a=b]", "bad character in SD-ID", kSd + 2},
      {kHead + R"([a"b"])", "bad character in SD-ID", kSd + 2},
      {kHead + "[a\tb]", "bad character in SD-ID", kSd + 2},
      {kHead + "[a\xC3\xA9]", "bad character in SD-ID", kSd + 2},
      {kHead + "[" + std::string(33, 'i') + "]", "SD-ID longer than 32 characters", kSd + 1},
      {kHead + "[a " + std::string(33, 'n') + R"(="v"])", "PARAM-NAME longer than 32 characters", kSd + 3},
      {kHead + "[a ]", "missing PARAM-NAME", kSd + 3},
      {kHead + R"([a  b="v"])", "missing PARAM-NAME", kSd + 3},
      {kHead + R"([a ="v"])", "missing PARAM-NAME", kSd + 3},
      {kHead + "[a b]", "missing '=' after PARAM-NAME", kSd + 4},
      {kHead + R"([a b c="v"])", "missing '=' after PARAM-NAME", kSd + 4},
      {kHead + R"([a b"v"])", "missing '=' after PARAM-NAME", kSd + 4},
      {kHead + "[a b\t=\"v\"]", "bad character in PARAM-NAME", kSd + 4},
      {kHead + "[a b=v]", "missing '\"' before PARAM-VALUE", kSd + 5},
      {kHead + "[a b='v']", "missing '\"' before PARAM-VALUE", kSd + 5},
      {kHead + R"([a b="v"c="w"])", "missing ' ' or ']' after PARAM-VALUE", kSd + 8},
      {kHead + R"([a b="v""])", "missing ' ' or ']' after PARAM-VALUE", kSd + 8},
      // MSG (§6).
      {kHead + "[a]x", "missing ' ' before MSG", kSd + 3},
      {kHead + "[a]]", "missing ' ' before MSG", kSd + 3},
      {kHead + "-x", "missing ' ' before MSG", kSd + 1},
      {kHead + "-[a]", "missing ' ' before MSG", kSd + 1},
      {kHead + "-" + kBom + "msg", "missing ' ' before MSG", kSd + 1},
  };
  for (const Bad& b : bad) {
    INFO("line: " << b.line);
    SyslogHeader h;
    h.hostname = "untouched";
    std::string_view why;
    size_t where = 12345;
    REQUIRE_FALSE(parse_rfc5424(b.line, &h, &why, &where));
    CHECK(why == b.why);
    CHECK(where == b.where);
    CHECK(h.hostname == "untouched");
  }
}

TEST_CASE("parse_rfc3339_file_line reads rsyslog's RSYSLOG_FileFormat", "[ingest][rfc5424]") {
  const Good good[] = {
      {"the form header.h documents (RSYSLOG_FileFormat)",
       "2015-04-16T18:02:50.321974+00:00 HOST TAG[42]: msg",
       {.timestamp_text = "2015-04-16T18:02:50.321974+00:00", .year = 2015, .month = 4, .day = 16, .hour = 18,
        .minute = 2, .second = 50, .nanos = 321974000, .hostname = "HOST", .program = "TAG", .pid = 42,
        .message = "msg"},
       {}},
      {"Debian's rsyslog default, as quoted in garabik/grc#202",
       "2021-12-19T20:35:40.572463+01:00 pluto rtkit-daemon[582]: Supervising 9 threads of 5 processes of 1 users.",
       {.timestamp_text = "2021-12-19T20:35:40.572463+01:00", .year = 2021, .month = 12, .day = 19, .hour = 20,
        .minute = 35, .second = 40, .nanos = 572463000, .utc_offset_seconds = 3600, .hostname = "pluto",
        .program = "rtkit-daemon", .pid = 582, .message = "Supervising 9 threads of 5 processes of 1 users."},
       {}},
      {"a relayed time rsyslog keeps as `Z` with milliseconds, a tag without pid",
       "2026-11-22T09:15:02.123Z vpn1 kernel: [ 1.234] eth0: link up",
       {.timestamp_text = "2026-11-22T09:15:02.123Z", .year = 2026, .month = 11, .day = 22, .hour = 9, .minute = 15,
        .second = 2, .nanos = 123000000, .hostname = "vpn1", .program = "kernel",
        .message = "[ 1.234] eth0: link up"},
       {}},
      {"RSYSLOG_ForwardFormat: the same line behind a PRI", "<30>2024-02-29T00:00:00-05:00 vpn1 systemd[1]:",
       {.facility = 3, .severity = 6, .timestamp_text = "2024-02-29T00:00:00-05:00", .year = 2024, .month = 2,
        .day = 29, .utc_offset_seconds = -5 * 3600, .hostname = "vpn1", .program = "systemd", .pid = 1,
        .message = ""},
       {}},
  };
  for (const Good& g : good) {
    INFO(g.source << "\nline: " << g.line);
    SyslogHeader h;
    std::string_view why;
    size_t where = 0;
    REQUIRE(parse_rfc3339_file_line(g.line, &h, &why, &where));
    CHECK(h.format == HeaderFormat::kRfc3339File);
    check_header(g.line, h, g.want);
  }

  // The TAG is parse_rfc3164's, Linux-PAM's `program(module)` included.
  SyslogHeader h;
  std::string_view why;
  REQUIRE(parse_rfc3339_file_line("2026-11-22T09:15:02Z vpn1 sshd(pam_unix)[4242]: session opened", &h, &why));
  CHECK(h.program == "sshd");
  CHECK(h.tag_module == "pam_unix");
  CHECK(h.pid == 4242u);
  CHECK(h.message == "session opened");
}

TEST_CASE("parse_rfc3339_file_line rejects near misses with a reason and an offset", "[ingest][rfc5424]") {
  // HOSTNAME starts at 21 and TAG at 26 after this prefix.
  const std::string p = "2026-11-22T09:15:02Z vpn1 ";
  const Bad bad[] = {
      {"", "malformed TIMESTAMP", 0},
      {"Nov 22 12:21:12 vpn1 a: m", "malformed TIMESTAMP", 0},
      {"- vpn1 a: m", "malformed TIMESTAMP", 0},  // no NILVALUE: rsyslog always writes a time
      {"2026-11-22 09:15:02 vpn1 a: m", "malformed TIMESTAMP", 10},
      {"2026-11-22T09:15:02.123 vpn1 a: m", "missing TIME-OFFSET", 23},
      {"2026-11-22T09:15:02.1234567+00:00 vpn1 a: m", "TIME-SECFRAC longer than 6 digits", 26},
      {"2023-02-29T09:15:02Z vpn1 a: m", "day out of range", 8},
      {"<30>2026-02-29T00:00:00-05:00 vpn1 systemd[1]:", "day out of range", 12},
      {"2026-11-22T09:15:02z vpn1 a: m", "'T' and 'Z' in TIMESTAMP must be upper case", 19},
      {"2026-11-22T09:15:02Zvpn1 a: m", "malformed TIMESTAMP", 20},
      {"<13>1 2026-11-22T09:15:02Z host app - - - msg", "malformed TIMESTAMP", 5},  // an RFC 5424 line
      {"<013>2026-11-22T09:15:02Z vpn1 a: m", "PRI has a leading zero", 1},
      {"<192>2026-11-22T09:15:02Z vpn1 a: m", "PRI out of range", 1},
      {"<13> 2026-11-22T09:15:02Z vpn1 a: m", "malformed TIMESTAMP", 4},
      // From HOSTNAME on, parse_rfc3164's reasons.
      {"2026-11-22T09:15:02Z", "missing hostname", 20},
      {"2026-11-22T09:15:02Z ", "missing hostname", 21},
      {"2026-11-22T09:15:02Z  vpn1 a: m", "missing hostname", 21},
      {"2026-11-22T09:15:02Z " + std::string(256, 'h') + " a: m", "hostname longer than 255 bytes", 21},
      {"2026-11-22T09:15:02Z vp\tn1 a: m", "hostname has a non-printing byte", 23},
      {"2026-11-22T09:15:02Z vpn1", "missing tag", 25},
      {p + ": m", "missing tag", 26},
      {p + std::string(49, 't') + ": m", "tag longer than 48 characters", 26},
      {p + "openvpn msg", "missing ':' after tag", 33},
      {p + "openvpn[12a]: m", "pid is not a number", 34},
      {p + "openvpn[12: m", "missing ']' after pid", 36},
      {p + "openvpn[4294967296]: m", "pid out of range", 34},
      {p + "openvpn:m", "missing ' ' after ':'", 34},
  };
  for (const Bad& b : bad) {
    INFO("line: " << b.line);
    SyslogHeader h;
    h.hostname = "untouched";
    std::string_view why;
    size_t where = 12345;
    REQUIRE_FALSE(parse_rfc3339_file_line(b.line, &h, &why, &where));
    CHECK(why == b.why);
    CHECK(where == b.where);
    CHECK(h.hostname == "untouched");
  }
}

TEST_CASE("unescape_param_value removes exactly the three escapes of RFC 5424 section 6.3.3", "[ingest][rfc5424]") {
  const std::pair<std::string, std::string> cases[] = {
      {"", ""},
      {"plain", "plain"},
      {R"(a\"b)", R"(a"b)"},
      {R"(\\)", R"(\)"},
      {R"(\])", "]"},
      {R"(\\\")", R"(\")"},
      {R"(\n\t\x)", R"(\n\t\x)"},  // invalid escapes stay as written
      {R"(\[)", R"(\[)"},
      {R"(end\)", R"(end\)"},  // not from validated text, kept
  };
  std::string out = "previous contents";
  for (const auto& [escaped, value] : cases) {
    INFO("escaped: " << escaped);
    unescape_param_value(escaped, &out);
    CHECK(out == value);
  }
}

TEST_CASE("for_each_sd_element stays inside text parse_rfc5424 did not accept", "[ingest][rfc5424]") {
  const std::string sd = R"([exampleSDID@32473 iut="3" e="a\"b\\c\]"][examplePriority@32473 class="high"][x])";
  REQUIRE(decode(sd) == std::vector<std::string>{"exampleSDID@32473", "  iut=3", "  e=a\"b\\c]",
                                                 "examplePriority@32473", "  class=high", "x"});
  // Every prefix: a view of exactly that many bytes, so that reading past it is caught under ASan.
  for (size_t n = 0; n <= sd.size(); ++n) {
    INFO("prefix: " << sd.substr(0, n));
    std::unique_ptr<char[]> copy(new char[n + 1]);
    sd.copy(copy.get(), n);
    CHECK(decode(std::string_view(copy.get(), n)).size() <= 6);
  }
  for (std::string_view junk : {"-", "x[a]", "[", "[a b=", "[a b=\"", "[a b=\"\\", " ", "]", "]]", "[a b"}) {
    INFO("junk: " << junk);
    CHECK(decode(junk).size() <= 1);
  }
}

TEST_CASE("parse_rfc5424 works without an offset out-parameter", "[ingest][rfc5424]") {
  SyslogHeader h;
  std::string_view why;
  CHECK_FALSE(parse_rfc5424("<13>2 - - - - - -", &h, &why));
  CHECK(why == "unsupported VERSION");
  CHECK_FALSE(parse_rfc3339_file_line("2026-11-22T09:15:02Z", &h, &why));
  CHECK(why == "missing hostname");
}

}  // namespace
}  // namespace strictlog
