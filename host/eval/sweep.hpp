// Hyper-parameter search: grid or seeded random search over the iALS or BPR knobs, each trial trained
// on the training part of a validation split and scored after every epoch, with early stopping.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "host/eval/evaluate.hpp"

namespace tailor {

struct SweepSpace {
  std::vector<int> factors = {32, 64, 128};
  std::vector<float> regularization = {0.01f, 0.05f, 0.1f, 0.5f};
  std::vector<float> alpha = {1.0f, 5.0f, 20.0f};
  std::vector<int> iterations = {30};  // the most epochs a trial runs (early stopping may end it)
};

// The BPR knobs a sweep with algorithm = "bpr" searches (factors and regularization included).
struct BprSweepSpace {
  std::vector<int> factors = {32, 64, 128};
  std::vector<float> regularization = {0.001f, 0.01f, 0.1f};
  std::vector<float> learning_rate = {0.01f, 0.05f};
  std::vector<bool> item_bias = {true};
  std::vector<float> bias_regularization = {0.01f};
  std::vector<int> epochs = {100};  // the most epochs a trial runs (early stopping may end it)
};

struct SweepOptions {
  SplitSpec split;  // the validation split
  Protocol protocol = Protocol::new_items;
  std::vector<int> ks = {10, 20};
  ColdStart cold_start = ColdStart::popularity;  // what cold-start customers get from the model
  std::string metric;  // e.g. "ndcg@20"; default: ndcg at the largest k
  SweepSpace space;
  int random_trials = 0;  // 0: the whole grid; N: N distinct grid points drawn with `seed`
  int patience = 3;       // stop a trial after this many epochs without improving the metric
  IalsParams base;        // everything not searched (cg_steps, confidence, seed)
  std::uint64_t seed = 42;
  std::string algorithm = "ials";  // "ials" (space, base) or "bpr" (bpr_space, bpr_base)
  BprSweepSpace bpr_space;
  BprParams bpr_base;  // everything not searched (negatives, lr_schedule, seed)
};

// Parses "1,5,20" into numbers; InputError naming the flag otherwise.
std::vector<float> parse_float_list(const std::string& flag, const std::string& text);
std::vector<int> parse_int_list(const std::string& flag, const std::string& text);

// Runs the search; returns the document `tailor sweep --json` writes:
// {"kind": "sweep", "algorithm": "ials" | "bpr", "metric": ..., "split": {...}, "protocol": ...,
//  "k": [...],
//  "trials": [{"trial", "params", "best_epoch", "score", "metrics", "epochs", "seconds"}, ...]
//  (sorted by score, best first), "best": {...}, "baselines": {...}}
nlohmann::json sweep(const Dataset& data, const SweepOptions& options, const Backend& backend);

// The trials table for the terminal, best first.
std::string format_sweep(const nlohmann::json& result);


}  // namespace tailor
