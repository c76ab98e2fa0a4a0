// tailor: the command line. Each subcommand (host/cli/<name>.cpp) is a thin wrapper over a
// library stage in host/; this file declares them, parses, and maps failures to exit codes:
// 0 success, 1 the work failed (I/O, device, diverged training), 2 bad input or usage.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "host/cli/command.hpp"
#include "host/cli/version.hpp"
#include "host/core/comm.hpp"
#include "host/core/error.hpp"

namespace {

using tailor::cli::Command;

// The exit code of a parsed command: what it returns, or what its failure means. On several
// ranks a failure ends the whole job (the other ranks may wait in an exchange).
int exit_code(const Command& command, tailor::Comm& comm) {
  int code = 0;
  try {
    return command.run();
  } catch (const tailor::InputError& e) {
    spdlog::error("{}", e.what());
    code = 2;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    code = 1;
  }
  if (comm.ranks() > 1) comm.abort(code);
  return code;
}

// The job's ranks, with the log lines of each saying whose they are; rank 0 logs at the level
// asked, the others only warnings and errors (unless debug or trace is asked).
tailor::Comm* join_job(spdlog::level::level_enum level) {
  try {
    tailor::Comm& comm = tailor::world();
    if (comm.ranks() > 1) {
      spdlog::set_pattern(fmt::format("[%H:%M:%S] [rank {}/{}] %^%l%$ %v", comm.rank(),
                                      comm.ranks()));
      if (comm.rank() > 0 && level > spdlog::level::debug)
        spdlog::set_level(std::max(level, spdlog::level::warn));
    }
    return &comm;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return nullptr;
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
  const auto level = quiet ? spdlog::level::warn : spdlog::level::from_str(log_level);
  spdlog::set_level(level);
  tailor::Comm* comm = join_job(level);
  if (comm == nullptr) return 2;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (!*subcommands[i]) continue;
    if (comm->ranks() > 1 && commands[i].name != "run") {
      spdlog::error("tailor {} runs as one process; launched on {} ranks (only `tailor run` is "
                    "sharded)", commands[i].name, comm->ranks());
      return 2;
    }
    return exit_code(commands[i], *comm);
  }
  return 2;
}
