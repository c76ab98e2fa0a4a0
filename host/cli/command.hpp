// One subcommand of `tailor`: its name and help line, the declaration of its options and the
// work it runs. main.cpp holds the table of them; each command lives in a file of its own.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

namespace tailor::cli {

struct Command {
  std::string name;
  std::string help;  // one line, shown by `tailor --help`
  // Declares the command's options on its subcommand, bound to the options it owns.
  std::function<void(CLI::App&)> declare;
  // Runs the parsed command: 0 done; throws InputError (exit 2) or another std::exception (1).
  std::function<int()> run;
};

// A Command whose options struct is made here and shared by its declare and run functions, so
// that the values CLI11 writes while parsing are the ones run reads.
template <class Options>
Command make_command(std::string name, std::string help, void (*declare)(CLI::App&, Options&),
                     int (*run)(const Options&)) {
  auto options = std::make_shared<Options>();
  return Command{std::move(name), std::move(help),
                 [options, declare](CLI::App& app) { declare(app, *options); },
                 [options, run] { return run(*options); }};
}

Command import_command();
Command inspect_command();
Command train_command();
Command recommend_command();
Command run_command();
Command backtest_command();
Command split_command();
Command evaluate_command();
Command sweep_command();
Command generate_command();
Command plan_command();

}  // namespace tailor::cli
