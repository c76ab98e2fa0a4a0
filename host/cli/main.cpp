// tailor: the command line. Each subcommand (host/cli/<name>.cpp) is a thin wrapper over a
// library stage in host/; this file declares them, parses, and maps failures to exit codes:
// 0 success, 1 the work failed (I/O, device, diverged training), 2 bad input or usage.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <vector>

#include "host/cli/command.hpp"
#include "host/cli/version.hpp"
#include "host/core/error.hpp"

namespace {

using tailor::cli::Command;

// The exit code of a parsed command: what it returns, or what its failure means.
int exit_code(const Command& command) {
  try {
    return command.run();
  } catch (const tailor::InputError& e) {
    spdlog::error("{}", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tailor::cli;
  auto logger = spdlog::stderr_color_mt("tailor");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("[%H:%M:%S] %^%l%$ %v");

  CLI::App app{fmt::format("tailor {}: batch recommendations for one-to-one marketing",
                           TAILOR_VERSION)};
  app.require_subcommand(1);
  // -q and --log-level also after the subcommand: `tailor run nightly.toml -q`.
  app.fallthrough();
  app.set_version_flag("--version", [] { return version_text(tailor::probe_cuda()); });
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off [info]")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  bool quiet = false;
  app.add_flag("-q,--quiet", quiet, "Only warnings and errors on the log");

  // In the order `tailor --help` lists them.
  const std::vector<Command> commands = {
      import_command(),
      inspect_command(),
      train_command(),
      recommend_command(),
      run_command(),
      backtest_command(),
      split_command(),
      evaluate_command(),
      sweep_command(),
      generate_command(),
      plan_command(),
  };
  std::vector<CLI::App*> subcommands;
  for (const Command& c : commands) {
    subcommands.push_back(app.add_subcommand(c.name, c.help));
    c.declare(*subcommands.back());
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  spdlog::set_level(quiet ? spdlog::level::warn : spdlog::level::from_str(log_level));

  for (std::size_t i = 0; i < commands.size(); ++i)
    if (*subcommands[i]) return exit_code(commands[i]);
  return 2;
}
