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
  [[nodiscard]] bool any() const {
    return factors || iterations || cg_steps || regularization || alpha || log_epsilon ||
           confidence || seed;
  }
};

// BPR's flags. Unprefixed (train, run): --learning-rate, --epochs, --negatives, --lr-schedule,
// --item-bias, --bias-regularization beside the model flags' --factors, --regularization and
// --seed. With prefix "bpr-" (evaluate, beside iALS's model flags): every one of them, those
// three included, as --bpr-NAME. Unset flags keep the value from the config or the defaults.
struct BprFlags {
  std::optional<int> factors, epochs;
  std::optional<float> learning_rate, regularization, bias_regularization;
  std::optional<std::string> negatives, schedule, item_bias;
  std::optional<std::uint64_t> seed;
  std::string prefix;

  void add_to(CLI::App& app, const std::string& prefix = "");
  [[nodiscard]] bool any() const;
  // Lays the set flags over p (InputError for a bad value; not validated).
  void apply(BprParams& p) const;
};

// Lays the shared model flags over BPR's parameters: --factors, --regularization, --seed; the
// iALS-only ones are an InputError naming them (`command` heads the message).
void apply_to_bpr(const ModelFlags& m, BprParams& p, const char* command);

// The history models' flags: --knn-* (item kNN), --ease-* (EASE), --tifu-* (TIFU-KNN); unset
// ones keep the value from the config or the defaults.
struct HistoryModelFlags {
  std::optional<int> neighbours;
  std::optional<float> shrinkage, bm25_k1, bm25_b;
  std::optional<std::string> weighting, ease_max_memory;
  std::optional<double> ease_lambda;
  bool weighted_scores = false, ease_weighted = false;
  std::optional<int> tifu_group_size, tifu_neighbours;
  std::optional<double> tifu_within_decay, tifu_across_decay, tifu_alpha;
  std::optional<std::int64_t> tifu_basket_window;

  void add_to(CLI::App& app);
  [[nodiscard]] bool any_knn() const;
  [[nodiscard]] bool any_ease() const;
  [[nodiscard]] bool any_tifu() const;
  // Lays the set flags over p and validates the result (InputError naming `where`).
  void apply(HistoryModelParams& p, const std::string& where) const;
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

// A TOML config with the command line's model, BPR (when given) and device flags laid over it.
// The flags of the other algorithm than the config's [model] algorithm are refused.
RunConfig load_run_config(const std::string& path, const ModelFlags& flags,
                          const DeviceFlags& device, const char* command,
                          const BprFlags* bpr = nullptr);

// The Backend of `run` and `backtest`: from the config, after the flags were laid over it.
Backend config_backend(const RunConfig& config);

}  // namespace tailor::cli
