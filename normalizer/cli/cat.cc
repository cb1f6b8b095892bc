// `strictlog cat FILE`: prints a length-delimited strictlog.v1.Event stream as proto3 JSON lines.
#include <fcntl.h>
#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/internal/report.h"
#include "sink/record_writer.h"

namespace strictlog::cli {
namespace {

int run(const std::string& path) {
  int fd = path == "-" ? 0 : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cat", {plain_error("open-failed", fmt::format("cannot open '{}': {}", path, std::strerror(errno)))});
  EventReader reader(fd, path);
  FdStream out(1, "stdout");
  EventWriter writer(out, EventFormat::kJsonLines);
  int code = kExitOk;
  while (true) {
    auto event = reader.read();
    if (!event) {
      code = io_error("cat", event.errors());
      break;
    }
    if (!*event) break;
    if (auto st = writer.write(**event); !st) {
      code = io_error("cat", st.errors());
      break;
    }
  }
  if (auto st = out.commit(); !st && code == kExitOk) code = io_error("cat", st.errors());
  if (fd > 0) close(fd);
  return code;
}

}  // namespace

Run add_cat(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("cat", "Print an events file (--format pb) as JSON lines");
  cmd->add_option("file", *path, "Events file written by 'normalize --format pb'; '-' reads stdin")->required();
  return [path] { return run(*path); };
}

}  // namespace strictlog::cli
