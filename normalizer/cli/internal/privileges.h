// `strictlog serve --user NAME [--group NAME]` without systemd: started as root so that it can bind ports below
// 1024, serve becomes an unprivileged user once every listener is bound and the outputs are open, before it
// reads anything. (Under systemd, the unit's User= and socket activation do this instead: tools/systemd/.)
//
// Everything serve creates after that is created as the user: the outputs' later segments (rotation), the
// published files' renames, the ready file, and what a SIGHUP reload reads (--grammars, --mappings). So the
// output directories must be writable, and the rule directories readable, by that user; check_writable()
// says so before anything is opened instead of at the first rotation.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace strictlog::cli {

// Who serve becomes: the user's uid, and the group's gid with no supplementary group (--group), or the user's
// primary gid with the user's supplementary groups (initgroups(3)).
struct RunAs {
  std::string user;
  uid_t uid = 0;
  gid_t gid = 0;
  bool user_groups = true;     // initgroups(user, gid), else setgroups(0)
  std::string group;           // the group's name, for messages
};

// Looks the names up, before anything is bound: errors come first and cheaply (code `privileges`):
//   `--user needs serve to start as root` (the effective uid is not 0)
//   `unknown user 'x'`, `unknown group 'x'`
//   `--user 'root' is root: name an unprivileged user`
//   `cannot look up user 'x': <errno text>` (NSS failed, as opposed to: no such user)
Result<RunAs> resolve_run_as(const std::string& user, const std::string& group);

// setgroups (the user's supplementary groups, or none), setgid, setuid, in that order, for every thread
// (glibc applies set*id(2) process-wide); then checks that root cannot be regained: setuid(0) and setgid(0)
// must fail, and the real, effective and saved ids must all be the new ones. Errors name the failed call and
// its errno text: `setuid(65534): Operation not permitted`, `root could be regained after setuid(65534)`.
// Logs `privileges_dropped` with who serve is now.
Status drop_privileges(const RunAs& as);

// Before drop_privileges() and before any output is opened: every directory that will receive files (the
// outputs' and the ready file's, given as the file paths; "" and streams such as `-` or /dev/stdout are
// skipped) is writable by `as`, checked with its ids taken as the effective ones for the time of the check
// (root's real ids get them back). Error (code `privileges`): `user 'nobody' cannot write the directory
// '/var/lib/strictlog' of '/var/lib/strictlog/events.pb' (outputs are published and rotated there):
// Permission denied`, or the failed call.
Status check_writable(const std::vector<std::string>& files, const RunAs& as);

// serve's --user and --group: nullopt without them; else resolve_run_as(), then check_writable() of
// `written` (the files serve will write). One more error: `--group needs --user`.
Result<std::optional<RunAs>> plan_run_as(const std::string& user, const std::string& group,
                                         const std::vector<std::string>& written);

// `'nobody' (uid 65534, gid 65534, groups 65534)`: who serve runs as now, for the log.
std::string describe_identity(const RunAs& as);

}  // namespace strictlog::cli
