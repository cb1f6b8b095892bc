// The CLI's commands. Each registers its subcommand and options on the app and returns the function that
// runs it; only this layer prints and picks exit codes.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace strictlog::cli {

using Run = std::function<int()>;

Run add_normalize(CLI::App& app);
Run add_cat(CLI::App& app);
Run add_test(CLI::App& app);
Run add_fields(CLI::App& app);
Run add_compile(CLI::App& app);
Run add_explain(CLI::App& app);
Run add_diff(CLI::App& app);
Run add_replay(CLI::App& app);
Run add_serve(CLI::App& app);
Run add_schema(CLI::App& app);

}  // namespace strictlog::cli
