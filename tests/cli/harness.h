// Runs the built `strictlog` binary in a sandbox: a fresh temp dir whose `work/` is the child's cwd, with
// stdin, stdout and stderr redirected to files and an alarm(2) that kills a hung child, so every run is
// bounded. Shared by the cli tests.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "fixtures/openvpn_mini.h"
#include "ruleset/ruleset.h"

namespace strictlog::cli_test {

constexpr unsigned kChildTimeoutSeconds = 60;
// with_rules() runs the openvpn-mini fixture (tests/fixtures/openvpn_mini.h), not the bundled tree, whose rules
// change as the grammar grows.
inline const std::string kGrammars = fixtures::kMiniGrammars;
inline const std::string kMappings = fixtures::kMiniMappings;

inline std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

inline mode_t mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return static_cast<mode_t>(-1);
  return st.st_mode & 07777;
}

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// RFC 4648 §4 base64, as proto3 JSON prints `bytes`; computed here rather than trusted from the output.
inline std::string base64(const std::string& raw) {
  static const char* const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string encoded;
  for (size_t i = 0; i < raw.size(); i += 3) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(raw[i])) << 16;
    if (i + 1 < raw.size()) n |= static_cast<uint32_t>(static_cast<unsigned char>(raw[i + 1])) << 8;
    if (i + 2 < raw.size()) n |= static_cast<unsigned char>(raw[i + 2]);
    encoded += alphabet[(n >> 18) & 63];
    encoded += alphabet[(n >> 12) & 63];
    encoded += i + 1 < raw.size() ? alphabet[(n >> 6) & 63] : '=';
    encoded += i + 2 < raw.size() ? alphabet[n & 63] : '=';
  }
  return encoded;
}

// A fresh temp dir: `work/` is the child's cwd and holds inputs and outputs; the child's stdout and
// stderr go to `io/`, so listing `work/` shows exactly what strictlog left there.
class Sandbox {
 public:
  Sandbox() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "strictlog-cli-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = tmpl;
    std::filesystem::create_directory(work());
    std::filesystem::create_directory(root_ + "/io");
  }
  ~Sandbox() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  std::string work() const { return root_ + "/work"; }
  std::string operator/(const std::string& name) const { return work() + "/" + name; }
  std::string io(const std::string& name) const { return root_ + "/io/" + name; }

  // Names in work/, sorted, hidden temporaries included.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(work())) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::string root_;
};

struct Run {
  int status = -1;  // exit code, or 128 + signal when killed
  std::string out;
  std::string err;
};

struct RunOptions {
  std::string stdin_path = "/dev/null";
  mode_t umask = 022;
  // `NAME=value` entries that the child's environment has instead of, or besides, this process's own.
  std::vector<std::string> env;
};

// This process's environment with `overrides` (`NAME=value`) replacing or adding variables of those names.
inline std::vector<std::string> child_environment(const std::vector<std::string>& overrides) {
  auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    bool replaced = std::any_of(overrides.begin(), overrides.end(),
                                [&](const std::string& o) { return name_of(o) == name_of(entry); });
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

// Starts strictlog in `box` and returns at once; collect it with wait_strictlog().
inline pid_t spawn_strictlog(const Sandbox& box, const std::vector<std::string>& args,
                             const RunOptions& options = {}) {
  const std::string out_path = box.io("stdout");
  const std::string err_path = box.io("stderr");
  const std::string cwd = box.work();
  std::vector<std::string> storage{STRICTLOG_BINARY};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage = child_environment(options.env);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Async-signal-safe calls only until exec.
    ::umask(options.umask);
    int in = ::open(options.stdin_path.c_str(), O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0 ||
        ::chdir(cwd.c_str()) != 0) {
      ::_exit(126);
    }
    ::alarm(kChildTimeoutSeconds);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

inline Run wait_strictlog(const Sandbox& box, pid_t pid) {
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  }
  Run r;
  r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  r.out = read_all(box.io("stdout"));
  r.err = read_all(box.io("stderr"));
  return r;
}

inline Run run_strictlog(const Sandbox& box, const std::vector<std::string>& args, const RunOptions& options = {}) {
  return wait_strictlog(box, spawn_strictlog(box, args, options));
}

inline std::vector<std::string> with_rules(std::vector<std::string> args) {
  args.insert(args.begin() + 1, {"--grammars", kGrammars, "--mappings", kMappings});
  return args;
}

// `text` with its one occurrence of `from` replaced (a fixture edit that no longer applies fails the test).
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// The grammar-set hash of the openvpn-mini fixture, as records carry it.
inline const std::string& mini_hash() {
  static const std::string hash = [] {
    auto rules = load_ruleset(kGrammars, kMappings);
    if (!rules) throw std::runtime_error("the openvpn-mini fixture does not load");
    return (*rules)->hash;
  }();
  return hash;
}

// A `normalize` or `replay` summary: its first line carries a duration; everything after it is exact.
inline void check_run_summary(const std::string& err, const std::string& first_line_prefix, const std::string& tail) {
  auto newline = err.find('\n');
  REQUIRE(newline != std::string::npos);
  std::string first = err.substr(0, newline);
  CHECK(starts_with(first, first_line_prefix));
  CHECK(ends_with(first, " lines/s)"));
  CHECK(err.substr(newline + 1) == tail);
}

// Sets RLIMIT_FSIZE for the children started while it lives (they inherit it), and restores it.
class ChildFileSizeLimit {
 public:
  explicit ChildFileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    struct rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);  // this process writes files too (the harness's)
  }
  ~ChildFileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
  }
  ChildFileSizeLimit(const ChildFileSizeLimit&) = delete;
  ChildFileSizeLimit& operator=(const ChildFileSizeLimit&) = delete;

 private:
  struct rlimit saved_ {};
  void (*old_handler_)(int) = SIG_DFL;
};

}  // namespace strictlog::cli_test
