// The flag groups that several commands share: the model flags of every command that trains,
// the device flags of every command that computes, the split flags of the evaluation commands,
// and a config file with the model and device flags laid over it.
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "host/core/device.hpp"
#include "host/eval/evaluate.hpp"
#include "host/eval/split.hpp"
#include "host/pipeline/config.hpp"
#include "kernels/backend.hpp"

namespace tailor::cli {

// The model flags, shared by every command that trains (train, run, backtest and the evaluation
// commands). Unset flags keep the value from the config file or the defaults.
struct ModelFlags {
  std::optional<int> factors, iterations, cg_steps;
  std::optional<float> regularization, alpha, log_epsilon;
  std::optional<std::string> confidence;
  std::optional<std::uint64_t> seed;

  void add_to(CLI::App& app);
  void apply(IalsParams& p) const;
};

struct DeviceFlags {
  std::string device = "auto";
  int threads = 0;
  // from_config: the flags only override a config file, so an unset --device stays empty.
  void add_to(CLI::App& app, bool from_config = false);
  // The command's one Backend, made from these flags.
  [[nodiscard]] Backend backend(std::size_t memory_budget = BackendOptions{}.memory_budget) const;
};

// The split and scoring flags of the evaluation commands (evaluate, sweep).
struct EvalFlags {
  std::string split, k = "10,20", protocol = "new", cold_start = "popularity";
  std::uint64_t split_seed = 42;

  void add_to(CLI::App& app, const char* split_help, const char* k_help);
  // Sets split, ks, protocol and cold-start list of EvaluateOptions or SweepOptions; InputError
  // for bad values.
  template <class Options>
  void apply(Options& o) const {
    o.split = parse_split(split, split_seed);
    o.ks = parse_ks(k);
    o.protocol = parse_protocol(protocol);
    o.cold_start = parse_cold_start(cold_start);
  }
};

// --slot-model NAME of `run` and `backtest`: replaces the config's [campaign] model.
struct SlotModelFlag {
  std::optional<std::string> name;
  void add_to(CLI::App& app);
  // InputError for an unknown name (listing the slot models) or a config without [campaign].
  void apply(RunConfig& config, const char* command) const;
};

// A TOML config with the command line's model and device flags laid over it.
RunConfig load_run_config(const std::string& path, const ModelFlags& flags,
                          const DeviceFlags& device, const char* command);

// The Backend of `run` and `backtest`: from the config, after the flags were laid over it.
Backend config_backend(const RunConfig& config);

}  // namespace tailor::cli
