#include <cstdio>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "sink/record_writer.h"

int main(int argc, char** argv) {
  using namespace strictlog::cli;
  strictlog::silence_protobuf_logging();

  CLI::App app{"strictlog: a strict log normalizer. Every input line becomes exactly one typed event or one "
               "quarantine record with a reason.",
               "strictlog"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "strictlog 0.1.0");
  Run normalize = add_normalize(app);
  Run cat = add_cat(app);
  Run test = add_test(app);
  Run fields = add_fields(app);
  Run compile = add_compile(app);
  Run explain = add_explain(app);
  Run diff = add_diff(app);
  Run replay = add_replay(app);
  Run serve = add_serve(app);
  Run schema = add_schema(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "strictlog: %s\nRun 'strictlog --help' for usage.\n", e.what());
    return kExitUsage;
  }
  if (app.got_subcommand("normalize")) return normalize();
  if (app.got_subcommand("cat")) return cat();
  if (app.got_subcommand("test")) return test();
  if (app.got_subcommand("fields")) return fields();
  if (app.got_subcommand("compile")) return compile();
  if (app.got_subcommand("explain")) return explain();
  if (app.got_subcommand("diff")) return diff();
  if (app.got_subcommand("replay")) return replay();
  if (app.got_subcommand("serve")) return serve();
  if (app.got_subcommand("schema")) return schema();
  return kExitUsage;
}
