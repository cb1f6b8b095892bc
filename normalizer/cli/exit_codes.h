// Exit codes shared by every strictlog command. Scripts key on them: never renumber.
#pragma once

namespace strictlog::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitUsage = 1,         // bad command line
  kExitLoadError = 2,     // a grammar or mapping failed to load
  kExitIoError = 3,       // an input could not be read or an output could not be written
  kExitMismatch = 4,      // `test`: output differs from expectations; `normalize --fail-on-quarantine`
  kExitCoverage = 5,      // `test`: coverage or conflict failure
  kExitSpooled = 6,       // `--sink`: every record is accounted for, but some wait in the spool for the database
  kExitIncompatible = 7,  // `schema check`, `schema migrate`: a breaking schema change
};

}  // namespace strictlog::cli
