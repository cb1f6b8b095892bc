#include "ingest/program_log.h"

#include <catch2/catch.hpp>

#include <string>

namespace strictlog {
namespace {

const std::string kProgram = "openvpn";

// What parse_program_log should fill besides the fields that are the same for every program log line
// (format, program, and no PRI, hostname, tag module, pid, procid, msgid, structured data or repeat).
struct Good {
  std::string line;
  TimeForm time_form;
  std::string timestamp_text;
  int year, month, day, hour, minute, second;
  uint32_t nanos;
  std::string message;
};

// `line` is the parsed string itself (g.line may be a copy of it).
void check_header(std::string_view line, const Good& g, const SyslogHeader& h) {
  CHECK(h.format == HeaderFormat::kProgramLog);
  CHECK_FALSE(h.facility.has_value());
  CHECK_FALSE(h.severity.has_value());
  CHECK(h.time_form == g.time_form);
  CHECK(h.timestamp_text == g.timestamp_text);
  CHECK(h.year == g.year);
  CHECK(h.month == g.month);
  CHECK(h.day == g.day);
  CHECK(h.hour == g.hour);
  CHECK(h.minute == g.minute);
  CHECK(h.second == g.second);
  CHECK(h.nanos == g.nanos);
  CHECK(h.utc_offset_seconds == 0);
  CHECK(h.hostname.empty());
  CHECK(h.program == kProgram);
  CHECK(h.program.data() == kProgram.data());  // the caller's view, not a copy
  CHECK(h.tag_module.empty());
  CHECK_FALSE(h.pid.has_value());
  CHECK(h.procid.empty());
  CHECK(h.msgid.empty());
  CHECK(h.structured_data.empty());
  CHECK(h.message == g.message);
  CHECK_FALSE(h.repeat_count.has_value());
  CHECK_FALSE(h.last_message_repeated);
  // Views point into the line: nothing was copied.
  CHECK(h.message.data() + h.message.size() == line.data() + line.size());
  if (!h.timestamp_text.empty()) CHECK(h.timestamp_text.data() == line.data());
}

constexpr TimeForm kLocal = TimeForm::kLocal;
constexpr TimeForm kNone = TimeForm::kNone;
constexpr TimeForm kOffset = TimeForm::kOffset;

TEST_CASE("parse_program_log reads OpenVPN 2.5+ timestamps", "[ingest][program_log]") {
  const Good good[] = {
      // FORMAT-NOTES.md §2: "%04d-%02d-%02d %02d:%02d:%02d" of localtime() (otime.c time_string()).
      {"2026-11-22 09:15:02 Initialization Sequence Completed", kLocal, "2026-11-22 09:15:02", 2026, 11, 22, 9,
       15, 2, 0, "Initialization Sequence Completed"},
      // verb >= 4: " us=%ld", not zero-padded.
      {"2026-11-22 09:15:02 us=417 TLS: Initial packet from [AF_INET]198.51.100.7:1194", kLocal,
       "2026-11-22 09:15:02 us=417", 2026, 11, 22, 9, 15, 2, 417000,
       "TLS: Initial packet from [AF_INET]198.51.100.7:1194"},
      {"2026-11-22 09:15:02 us=999999 x", kLocal, "2026-11-22 09:15:02 us=999999", 2026, 11, 22, 9, 15, 2,
       999999000, "x"},
      // OpenVPN omits us= for 0 microseconds; us=0 means nothing else, so it is read.
      {"2026-11-22 09:15:02 us=0 x", kLocal, "2026-11-22 09:15:02 us=0", 2026, 11, 22, 9, 15, 2, 0, "x"},
      // The client-instance prefix is part of the message (FORMAT-NOTES.md §3).
      {"2021-07-14 01:16:32 vpn client 01/192.168.1.10:27999 MULTI: Learn: 10.8.0.6", kLocal,
       "2021-07-14 01:16:32", 2021, 7, 14, 1, 16, 32, 0, "vpn client 01/192.168.1.10:27999 MULTI: Learn: 10.8.0.6"},
      // `us=` not followed by a digit starts the message (a common name may be `us=east`).
      {"2026-11-22 09:15:02 us=east/198.51.100.7:1194 MULTI: Learn", kLocal, "2026-11-22 09:15:02", 2026, 11, 22,
       9, 15, 2, 0, "us=east/198.51.100.7:1194 MULTI: Learn"},
      {"2026-11-22 09:15:02 us= 1", kLocal, "2026-11-22 09:15:02", 2026, 11, 22, 9, 15, 2, 0, "us= 1"},
      // One space separates; the rest is the message, as printed.
      {"2026-11-22 09:15:02  two spaces", kLocal, "2026-11-22 09:15:02", 2026, 11, 22, 9, 15, 2, 0, " two spaces"},
      {"2026-11-22 09:15:02 ", kLocal, "2026-11-22 09:15:02", 2026, 11, 22, 9, 15, 2, 0, ""},
      {"2026-11-22 09:15:02 us=5 ", kLocal, "2026-11-22 09:15:02 us=5", 2026, 11, 22, 9, 15, 2, 5000, ""},
      {"2024-02-29 23:59:59 leap day", kLocal, "2024-02-29 23:59:59", 2024, 2, 29, 23, 59, 59, 0, "leap day"},
      {"2000-02-29 00:00:00 x", kLocal, "2000-02-29 00:00:00", 2000, 2, 29, 0, 0, 0, 0, "x"},
      // A clock at the Unix epoch, west of UTC; and the last year of four digits.
      {"1969-12-31 19:00:00 x", kLocal, "1969-12-31 19:00:00", 1969, 12, 31, 19, 0, 0, 0, "x"},
      {"9999-12-31 23:59:59 x", kLocal, "9999-12-31 23:59:59", 9999, 12, 31, 23, 59, 59, 0, "x"},
  };
  for (const Good& g : good) {
    INFO("line: " << g.line);
    SyslogHeader h;
    std::string_view why;
    REQUIRE(parse_program_log(g.line, kProgram, &h, &why));
    check_header(g.line, g, h);
  }
}

TEST_CASE("parse_program_log reads OpenVPN 2.4 ctime timestamps", "[ingest][program_log]") {
  const Good good[] = {
      // FORMAT-NOTES.md §1: a 2.4.3 server log (v2.4.12 otime.c: ctime() without its newline).
      {"Tue Aug  1 23:17:36 2017 us=613106 203.0.113.179:60414 VERIFY OK: depth=0, CN=client1", kLocal,
       "Tue Aug  1 23:17:36 2017 us=613106", 2017, 8, 1, 23, 17, 36, 613106000,
       "203.0.113.179:60414 VERIFY OK: depth=0, CN=client1"},
      {"Sun Nov 22 09:15:02 2026 OpenVPN 2.4.12 x86_64-pc-linux-gnu", kLocal, "Sun Nov 22 09:15:02 2026", 2026, 11,
       22, 9, 15, 2, 0, "OpenVPN 2.4.12 x86_64-pc-linux-gnu"},
      {"Wed Feb 29 00:00:00 2012 x", kLocal, "Wed Feb 29 00:00:00 2012", 2012, 2, 29, 0, 0, 0, 0, "x"},
      {"Wed Aug  2 10:00:00 2017 ", kLocal, "Wed Aug  2 10:00:00 2017", 2017, 8, 2, 10, 0, 0, 0, ""},
      {"Wed Dec 31 19:00:00 1969 x", kLocal, "Wed Dec 31 19:00:00 1969", 1969, 12, 31, 19, 0, 0, 0, "x"},
  };
  for (const Good& g : good) {
    INFO("line: " << g.line);
    SyslogHeader h;
    std::string_view why;
    REQUIRE(parse_program_log(g.line, kProgram, &h, &why));
    check_header(g.line, g, h);
  }
}

TEST_CASE("parse_program_log reads lines without a timestamp as the message", "[ingest][program_log]") {
  // --suppress-timestamps (the systemd units OpenVPN ships) and M_NOPREFIX lines: FORMAT-NOTES.md §1 and §2.
  const std::string lines[] = {
      "Initialization Sequence Completed",
      "198.51.100.7:1194 TLS: Initial packet from [AF_INET]198.51.100.7:1194",  // IPv4 client prefix
      "2001:db8::1 MULTI: Learn: 10.8.0.6",                                       // IPv6 prefix, 2.4-2.6
      "client1/198.51.100.7:51234 MULTI_sva: pool returned IPv4=10.8.0.6",
      "2024-laptop/198.51.100.7:51234 MULTI: Learn",  // a CN of 4 digits and '-', then no digit
      "123.45 not machine-readable",                  // not 6 digits after the dot
      "1700000000.12345 five digits",
      "1700000000.1234567 seven digits",
      "Tue aug  1 23:17:36 2017 lower-case month",
      "Tues Aug  1 23:17:36 2017 not a weekday abbreviation",
      "Read error",   // R, but nothing like a timestamp follows
      "RWRWRWRW",     // verb 5 characters at the end of a file (the next line never came)
      "RWclient1/198.51.100.7:51234 x",  // ... or before a line without a timestamp: indistinguishable
      "  cipher = AES-256-GCM",
      "",
  };
  for (const std::string& line : lines) {
    INFO("line: " << line);
    SyslogHeader h;
    std::string_view why;
    REQUIRE(parse_program_log(line, kProgram, &h, &why));
    check_header(line, Good{line, kNone, "", 0, 0, 0, 0, 0, 0, 0, line}, h);
    CHECK(h.message.data() == line.data());
  }
}

TEST_CASE("parse_program_log reads --machine-readable-output", "[ingest][program_log]") {
  // error.c x_msg_va(): "%" PRIi64 ".%06ld %x %s%s%s" of gettimeofday(): UTC.
  const Good good[] = {
      {"1700000000.123456 1 Initialization Sequence Completed", kOffset, "1700000000.123456", 2023, 11, 14, 22, 13,
       20, 123456000, "Initialization Sequence Completed"},
      {"1700000000.000001 3 client1/198.51.100.7:51234 MULTI: Learn", kOffset, "1700000000.000001", 2023, 11, 14,
       22, 13, 20, 1000, "client1/198.51.100.7:51234 MULTI: Learn"},
      {"0.000000 0 x", kOffset, "0.000000", 1970, 1, 1, 0, 0, 0, 0, "x"},
      {"253402300799.999999 ff000001 x", kOffset, "253402300799.999999", 9999, 12, 31, 23, 59, 59, 999999000, "x"},
      {"951782400.500000 20 leap", kOffset, "951782400.500000", 2000, 2, 29, 0, 0, 0, 500000000, "leap"},
      {"1700000000.123456 1 ", kOffset, "1700000000.123456", 2023, 11, 14, 22, 13, 20, 123456000, ""},
  };
  for (const Good& g : good) {
    INFO("line: " << g.line);
    SyslogHeader h;
    std::string_view why;
    REQUIRE(parse_program_log(g.line, kProgram, &h, &why));
    check_header(g.line, g, h);
  }
}

struct Bad {
  std::string line;
  std::string_view why;
  size_t where;
};

TEST_CASE("parse_program_log rejects broken timestamps with a reason and an offset", "[ingest][program_log]") {
  const Bad bad[] = {
      // (a) starts like `2026-1`: must be a whole, valid timestamp.
      {"2026-13-01 00:00:00 x", "month out of range", 5},
      {"2026-00-10 00:00:00 x", "month out of range", 5},
      {"2026-11-22 09:15:0 x", "malformed timestamp", 18},
      {"2026-11-22 09:15:021 x", "malformed timestamp", 19},
      {"2026-11-22T09:15:02 x", "malformed timestamp", 10},
      {"2026-11-22 09:15:02\tx", "malformed timestamp", 19},
      {"2026-1-22 09:15:02 x", "malformed timestamp", 6},
      {"2026-11-22 9:15:02 x", "malformed timestamp", 12},
      {"2026-1D-22 09:15:02 x", "malformed timestamp", 6},  // the shape's own letters are no wildcards
      {"2026-11-22 09:15:02D x", "malformed timestamp", 19},
      {"2026-11-22", "malformed timestamp", 10},
      {"2026-1", "malformed timestamp", 6},
      {"2026-11-31 00:00:00 x", "day out of range", 8},
      {"2026-11-00 00:00:00 x", "day out of range", 8},
      {"2026-02-29 00:00:00 x", "day out of range", 8},
      {"2100-02-29 00:00:00 x", "day out of range", 8},  // a century, not a leap year
      {"2026-11-22 24:00:00 x", "hour out of range", 11},
      {"2026-11-22 23:60:00 x", "minute out of range", 14},
      {"2026-11-22 23:59:60 x", "second out of range", 17},  // only a right/ zone prints it
      {"1968-12-31 23:59:59 x", "year out of range", 0},
      {"0000-01-01 00:00:00 x", "year out of range", 0},
      {"2026-11-22 09:15:02", "missing ' ' after timestamp", 19},
      // (c) us=
      {"2026-11-22 09:15:02 us=0417 x", "zero-padded us=", 23},
      {"2026-11-22 09:15:02 us=00 x", "zero-padded us=", 23},
      {"2026-11-22 09:15:02 us=1234567 x", "us= out of range", 23},
      {"2026-11-22 09:15:02 us=417", "missing ' ' after timestamp", 26},
      {"2026-11-22 09:15:02 us=417x y", "malformed timestamp", 26},
      {"2026-11-22 09:15:02 us=417:x", "malformed timestamp", 26},
      // (b) starts with a weekday and a month.
      {"Tue Aug 01 23:17:36 2017 x", "zero-padded day", 8},
      {"Mon Aug  1 23:17:36 2017 x", "weekday does not match the date", 0},
      {"Sat Nov 22 09:15:02 2026 x", "weekday does not match the date", 0},
      {"Tue Aug 1 23:17:36 2017 x", "malformed timestamp", 9},
      {"Tue Aug _1 23:17:36 2017 x", "malformed timestamp", 8},
      {"Tue Aug  1 DD:17:36 2017 x", "malformed timestamp", 11},
      {"Tue Aug  1 23:17:36 17 x", "malformed timestamp", 22},
      {"Tue Aug  1 23:17:36 20170 x", "malformed timestamp", 24},
      {"Tue Aug  1 23:17 2017 x", "malformed timestamp", 16},
      {"Tue Aug", "malformed timestamp", 7},
      {"Tue Aug 32 23:17:36 2017 x", "day out of range", 8},
      {"Tue Aug  0 23:17:36 2017 x", "day out of range", 8},
      {"Thu Feb 29 12:00:00 2026 x", "day out of range", 8},  // the year is known: 2026 has no Feb 29
      {"Tue Aug  1 24:00:00 2017 x", "hour out of range", 11},
      {"Tue Aug  1 23:60:00 2017 x", "minute out of range", 14},
      {"Tue Aug  1 23:17:60 2017 x", "second out of range", 17},
      {"Tue Aug  1 23:17:36 1968 x", "year out of range", 20},
      {"Tue Aug  1 23:17:36 2017", "missing ' ' after timestamp", 24},
      {"Tue Aug  1 23:17:36 2017 us=05 x", "zero-padded us=", 28},
      // --verb 5 R/W characters glued in front (FORMAT-NOTES.md §1).
      {"WRRWRWRTue Aug  1 23:17:36 2017 us=613106 203.0.113.179:60414 VERIFY OK",
       "packet-trace characters before the timestamp", 0},
      {"RWWed Aug  2 10:00:00 2017 x", "packet-trace characters before the timestamp", 0},  // 'W' of "Wed"
      {"WWed Aug  2 10:00:00 2017 x", "packet-trace characters before the timestamp", 0},
      {"rw2026-11-22 09:15:02 x", "packet-trace characters before the timestamp", 0},
      {"R1700000000.123456 1 x", "packet-trace characters before the timestamp", 0},
      // (e) machine-readable: digits, '.', 6 digits, then a space or the end.
      {"01700000000.123456 1 x", "epoch has a leading zero", 0},
      {"253402300800.000000 1 x", "epoch out of range", 0},
      {"9999999999999.000000 1 x", "epoch out of range", 0},
      {"99999999999999999999999.000000 1 x", "epoch out of range", 0},
      {"1700000000.123456", "missing ' ' after timestamp", 17},
      {"1700000000.123456 ", "malformed message flags", 18},
      {"1700000000.123456 x", "malformed message flags", 18},
      {"1700000000.123456 1A x", "malformed message flags", 18},
      {"1700000000.123456 01 x", "malformed message flags", 18},
      {"1700000000.123456 123456789 x", "malformed message flags", 18},
      {"1700000000.123456  1 x", "malformed message flags", 18},
      {"1700000000.123456 1", "missing ' ' after message flags", 19},
  };
  for (const Bad& b : bad) {
    INFO("line: " << b.line);
    SyslogHeader h;
    h.hostname = "untouched";
    std::string_view why;
    size_t where = 12345;
    REQUIRE_FALSE(parse_program_log(b.line, kProgram, &h, &why, &where));
    CHECK(why == b.why);
    CHECK(where == b.where);
    CHECK(h.hostname == "untouched");
  }
}

TEST_CASE("parse_program_log works without an offset out-parameter", "[ingest][program_log]") {
  SyslogHeader h;
  std::string_view why;
  CHECK_FALSE(parse_program_log("2026-13-01 00:00:00 x", kProgram, &h, &why));
  CHECK(why == "month out of range");
}

}  // namespace
}  // namespace strictlog
