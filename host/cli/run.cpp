// tailor run: the nightly job of a config file (host/pipeline/run.hpp: run_pipeline).
#include <fmt/format.h>

#include <iostream>

#include "host/cli/command.hpp"
#include "host/cli/flags.hpp"
#include "host/core/comm.hpp"
#include "host/pipeline/run.hpp"
#include "host/pipeline/run_sharded.hpp"

namespace tailor::cli {
namespace {

struct RunArgs {
  std::string config;
  ModelFlags model;
  BprFlags bpr;
  DeviceFlags device;
  SlotModelFlag slot_model;
};

void declare(CLI::App& cmd, RunArgs& a) {
  cmd.add_option("config", a.config, "TOML config (see data/nightly.example.toml)")->required();
  a.model.add_to(cmd);
  a.bpr.add_to(cmd);
  a.device.add_to(cmd, true);
  a.slot_model.add_to(cmd);
}

// Where the job wrote its files.
void print_outputs(const RunConfig& config) {
  std::cout << fmt::format("{}: {}\n", config.campaign ? "campaign" : "recommendations",
                           config.output.string());
  if (config.output_jsonl)
    std::cout << fmt::format("json lines: {}\n", config.output_jsonl->string());
  if (config.output_h5) std::cout << fmt::format("hdf5: {}\n", config.output_h5->string());
  std::cout << fmt::format("manifest: {}\n", config.manifest.string());
}

// Where a sharded job wrote its files.
void print_sharded_outputs(const RunConfig& config, int ranks) {
  std::cout << fmt::format("recommendations: {} parts, {} ... {}\n", ranks,
                           part_path(config.output, 0, ranks).string(),
                           part_path(config.output, ranks - 1, ranks).string());
  std::cout << fmt::format("manifest: {}\n", config.manifest.string());
}

int run(const RunArgs& a) {
  RunConfig config = load_run_config(a.config, a.model, a.device, "run", &a.bpr);
  a.slot_model.apply(config, "run");
  Comm& comm = world();
  if (comm.ranks() > 1) {
    run_sharded(config, comm);
    if (comm.rank() == 0) print_sharded_outputs(config, comm.ranks());
    return 0;
  }
  run_pipeline(config, config_backend(config));
  print_outputs(config);
  return 0;
}

}  // namespace

Command run_command() {
  return make_command<RunArgs>("run", "The nightly job: load, train, recommend, export", declare,
                               run);
}

}  // namespace tailor::cli
