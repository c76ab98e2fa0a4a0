// tailor backtest: a campaign built as of a past date, scored against what customers bought
// in the window after it (host/pipeline/backtest.hpp).
#include <fmt/format.h>

#include <iostream>

#include "host/cli/command.hpp"
#include "host/cli/flags.hpp"
#include "host/core/atomic_file.hpp"
#include "host/core/error.hpp"
#include "host/io/time.hpp"
#include "host/pipeline/backtest.hpp"

namespace tailor::cli {
namespace {

struct BacktestArgs {
  std::string config, as_of, horizon = "30d", report, markdown;
  ModelFlags model;
  DeviceFlags device;
  SlotModelFlag slot_model;
};

void declare(CLI::App& cmd, BacktestArgs& a) {
  cmd.add_option("config", a.config, "Campaign TOML config (a [campaign] section)")->required();
  cmd.add_option("--as-of", a.as_of, "Campaign date, YYYY-MM-DD (UTC)")->required();
  cmd.add_option("--horizon", a.horizon, "Window after the date: 30d, 4w, 36h [30d]");
  cmd.add_option("--report", a.report, "Write the results as JSON here");
  cmd.add_option("--markdown", a.markdown, "Write the tables as Markdown here");
  a.model.add_to(cmd);
  a.device.add_to(cmd, true);
  a.slot_model.add_to(cmd);
}

int run(const BacktestArgs& a) {
  RunConfig config = load_run_config(a.config, a.model, a.device, "backtest");
  a.slot_model.apply(config, "backtest");
  std::int64_t as_of = 0;
  if (!parse_time(a.as_of, std::nullopt, as_of))
    throw InputError(fmt::format("--as-of {}: expected a date YYYY-MM-DD", a.as_of));
  const Backend backend = config_backend(config);
  const BacktestResult r = run_backtest(config, as_of, parse_horizon_seconds(a.horizon), backend);
  const std::string tables = r.to_markdown();
  std::cout << tables;
  if (!a.report.empty()) write_file_atomically(a.report, r.to_json().dump(2) + "\n");
  if (!a.markdown.empty()) write_file_atomically(a.markdown, tables);
  return 0;
}

}  // namespace

Command backtest_command() {
  return make_command<BacktestArgs>(
      "backtest",
      "Build a campaign as of a past date and score it against what customers bought next",
      declare, run);
}

}  // namespace tailor::cli
