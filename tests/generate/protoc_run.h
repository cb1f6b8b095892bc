// Test helpers for the protoc plugins: run the real protoc with a built plugin, as a user would, and read
// what it wrote.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "sink/temp_dir.h"

namespace strictlog::testing {

struct ProtocRun {
  int exit_code = -1;
  std::string err;  // protoc's stderr: `--strictlog-clickhouse_out: <the plugin's error>` on failure
};

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// `protoc --plugin=protoc-gen-strictlog-<plugin>=BUILD/... --strictlog-<plugin>_out=<out> [--..._opt=<opt>]
// -I<import_dir> -I<repository>/proto <proto>`.
inline ProtocRun run_plugin(const std::string& plugin, const std::string& opt, const std::string& import_dir,
                            const std::string& proto, const std::string& out) {
  const std::string binary = std::string(STRICTLOG_BINARY_DIR) + "/protoc-gen-strictlog-" + plugin;
  std::string command = shell_quote(STRICTLOG_PROTOC) + " " +
                        shell_quote("--plugin=protoc-gen-strictlog-" + plugin + "=" + binary) + " " +
                        shell_quote("--strictlog-" + plugin + "_out=" + out) + " ";
  if (!opt.empty()) command += shell_quote("--strictlog-" + plugin + "_opt=" + opt) + " ";
  command += shell_quote("-I" + import_dir) + " " + shell_quote("-I" STRICTLOG_SOURCE_DIR "/proto") + " " +
             shell_quote(proto) + " 2>" + shell_quote(out + "/protoc.stderr");
  ProtocRun run;
  int status = std::system(command.c_str());
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = read_all(out + "/protoc.stderr");
  return run;
}

// `diff -u expected actual`, for a failure message.
inline std::string diff(const std::string& expected_path, const std::string& actual_path) {
  std::string command = "diff -u " + shell_quote(expected_path) + " " + shell_quote(actual_path);
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

}  // namespace strictlog::testing
