#include "cli/internal/privileges.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <grp.h>
#include <pwd.h>
#include <fcntl.h>  // AT_FDCWD, AT_EACCESS
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cli/internal/log.h"
#include "sink/atomic_file.h"

namespace strictlog::cli {
namespace {

Diagnostic error(std::string message) { return plain_error("privileges", std::move(message)); }

Diagnostic call_failed(const std::string& call, int err) {
  return error(fmt::format("{}: {}", call, std::strerror(err)));
}

// getpwnam_r(3) or getgrnam_r(3) into `entry`, its strings in `buffer` (grown while they do not fit). False:
// no such name.
template <typename Entry, typename Lookup>
Result<bool> look_up(Lookup lookup, const std::string& name, Entry* entry, std::vector<char>* buffer,
                     std::string_view what) {
  buffer->resize(4096);
  for (;;) {
    Entry* found = nullptr;
    int r = lookup(name.c_str(), entry, buffer->data(), buffer->size(), &found);
    if (r == ERANGE && buffer->size() < (size_t{1} << 20)) {
      buffer->resize(buffer->size() * 2);
      continue;
    }
    // A name that is not there is r == 0 and no entry, though some NSS modules answer ENOENT or ESRCH.
    if (r == 0 || r == ENOENT || r == ESRCH) return found != nullptr;
    return error(fmt::format("cannot look up {} '{}': {}", what, name, std::strerror(r)));
  }
}

std::vector<gid_t> current_groups() {
  int n = ::getgroups(0, nullptr);
  std::vector<gid_t> groups(n > 0 ? static_cast<size_t>(n) : 0);
  if (n > 0 && ::getgroups(n, groups.data()) < 0) groups.clear();
  return groups;
}

// The supplementary groups `as` runs with: the user's (initgroups(3)), or none with --group.
Status set_groups(const RunAs& as) {
  if (as.user_groups) {
    if (::initgroups(as.user.c_str(), as.gid) != 0) {
      return call_failed(fmt::format("initgroups('{}', {})", as.user, as.gid), errno);
    }
  } else if (::setgroups(0, nullptr) != 0) {
    return call_failed("setgroups(0)", errno);
  }
  return kOk;
}

}  // namespace

Result<RunAs> resolve_run_as(const std::string& user, const std::string& group) {
  if (::geteuid() != 0) return error("--user needs serve to start as root");
  RunAs as;
  as.user = user;
  passwd pw{};
  std::vector<char> pw_buffer;
  auto user_found = look_up(getpwnam_r, user, &pw, &pw_buffer, "user");
  if (!user_found) return user_found.errors();
  if (!*user_found) return error(fmt::format("unknown user '{}'", user));
  as.uid = pw.pw_uid;
  as.gid = pw.pw_gid;
  if (as.uid == 0) return error(fmt::format("--user '{}' is root: name an unprivileged user", user));
  if (!group.empty()) {
    ::group gr{};
    std::vector<char> gr_buffer;
    auto group_found = look_up(getgrnam_r, group, &gr, &gr_buffer, "group");
    if (!group_found) return group_found.errors();
    if (!*group_found) return error(fmt::format("unknown group '{}'", group));
    as.gid = gr.gr_gid;
    as.group = group;
    as.user_groups = false;
  }
  return as;
}

Status drop_privileges(const RunAs& as) {
  // Groups first: once the uid is not 0, they can no longer be changed.
  if (auto st = set_groups(as); !st) return st;
  if (::setgid(as.gid) != 0) return call_failed(fmt::format("setgid({})", as.gid), errno);
  if (::setuid(as.uid) != 0) return call_failed(fmt::format("setuid({})", as.uid), errno);
  // setuid() from root sets the real, effective and saved uids: none is left to go back to. Proven, not
  // assumed (a kernel or a seccomp filter could make set*id lie).
  if (::setuid(0) == 0 || ::seteuid(0) == 0) {
    return error(fmt::format("root could be regained after setuid({})", as.uid));
  }
  if (as.gid != 0 && (::setgid(0) == 0 || ::setegid(0) == 0)) {
    return error(fmt::format("group root could be regained after setgid({})", as.gid));
  }
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  if (::getresuid(&ruid, &euid, &suid) != 0) return call_failed("getresuid", errno);
  if (::getresgid(&rgid, &egid, &sgid) != 0) return call_failed("getresgid", errno);
  if (ruid != as.uid || euid != as.uid || suid != as.uid || rgid != as.gid || egid != as.gid || sgid != as.gid) {
    return error(fmt::format("after dropping privileges the ids are uid {}/{}/{} gid {}/{}/{}, not {} and {}", ruid,
                             euid, suid, rgid, egid, sgid, as.uid, as.gid));
  }
  std::string who = describe_identity(as);
  log_event("serve", LogLevel::kInfo, LogCode::kPrivilegesDropped, fmt::format("running as user {}", who),
            {{"user", as.user}, {"uid", std::to_string(as.uid)}, {"gid", std::to_string(as.gid)}});
  return kOk;
}

Status check_writable(const std::vector<std::string>& files, const RunAs& as) {
  std::vector<std::pair<std::string, std::string>> dirs;  // (directory, file)
  for (const std::string& file : files) {
    if (file.empty() || is_stream_path(file)) continue;
    std::string dir = std::filesystem::path(file).parent_path().string();
    dirs.emplace_back(dir.empty() ? "." : dir, file);
  }
  if (dirs.empty()) return kOk;
  // The user's ids as the effective ones, the real ones staying root's: faccessat(AT_EACCESS) then answers
  // for the user, groups included, and seteuid(0) undoes it.
  const gid_t egid = ::getegid();
  const std::vector<gid_t> groups = current_groups();
  if (auto st = set_groups(as); !st) return st;
  if (::setegid(as.gid) != 0) return call_failed(fmt::format("setegid({})", as.gid), errno);
  if (::seteuid(as.uid) != 0) return call_failed(fmt::format("seteuid({})", as.uid), errno);
  Status found = kOk;
  for (size_t i = 0; i < dirs.size() && found; ++i) {
    const auto& [dir, file] = dirs[i];
    if (::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) != 0) {
      found = error(fmt::format("user '{}' cannot write the directory '{}' of '{}' (outputs are published and "
                                "rotated there): {}",
                                as.user, dir, file, std::strerror(errno)));
    }
  }
  if (::seteuid(0) != 0) return call_failed("seteuid(0)", errno);
  if (::setegid(egid) != 0) return call_failed(fmt::format("setegid({})", egid), errno);
  if (::setgroups(groups.size(), groups.data()) != 0) return call_failed("setgroups", errno);
  return found;
}

Result<std::optional<RunAs>> plan_run_as(const std::string& user, const std::string& group,
                                         const std::vector<std::string>& written) {
  if (user.empty()) {
    if (!group.empty()) return error("--group needs --user");
    return std::optional<RunAs>{};
  }
  auto as = resolve_run_as(user, group);
  if (!as) return as.errors();
  if (auto st = check_writable(written, *as); !st) return st.errors();
  return std::optional<RunAs>(*as);
}

std::string describe_identity(const RunAs& as) {
  std::vector<gid_t> groups = current_groups();
  return fmt::format("'{}' (uid {}, gid {}, groups {})", as.user, ::getuid(), ::getgid(),
                     groups.empty() ? std::string("none") : fmt::format("{}", fmt::join(groups, ",")));
}

}  // namespace strictlog::cli
