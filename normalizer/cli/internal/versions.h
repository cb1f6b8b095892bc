// The options that choose grammar versions (`--grammar-version SOURCE=VERSION`, diff's `--left-version` and
// `--right-version`), declared one way for every command. The values go to choose_versions() (ruleset.h).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace strictlog::cli {

inline constexpr const char* kGrammarVersionHelp =
    "Read SOURCE's lines with this version of its grammar, e.g. openvpn=2.5 (repeatable, one per source); "
    "default: the version a line's format shows (a ctime() timestamp: the version declaring "
    "'detect timestamp ctime;'), else the version declared 'default;'";

// Repeatable, one value per occurrence: CLI11 would otherwise let the option take the inputs after it too
// (`--grammar-version openvpn=2.5 vpn.log` read `vpn.log` as a version).
inline CLI::Option* add_version_option(CLI::App* cmd, const std::string& name, std::vector<std::string>* specs,
                                       const std::string& help) {
  return cmd->add_option(name, *specs, help)->type_name("SOURCE=VERSION")->allow_extra_args(false);
}

}  // namespace strictlog::cli
