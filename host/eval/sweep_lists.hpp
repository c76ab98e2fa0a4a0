// Hyper-parameter search for the models without epochs: item kNN, EASE, TIFU-KNN and models
// plugged in from above (the two-stage ranker). Each trial is one evaluation of the model alone
// on the validation split; the trials are the whole grid of the model's knobs, or a seeded
// random subset of it.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "host/eval/evaluate.hpp"

namespace tailor {

// One knob and the values it takes, e.g. {"neighbours", {10, 20, 50}}.
using SweepAxis = std::pair<std::string, std::vector<double>>;

struct ListSweepOptions {
  SplitSpec split;
  Protocol protocol = Protocol::new_items;
  std::vector<int> ks = {10, 20};
  ColdStart cold_start = ColdStart::popularity;
  std::string metric;  // default: ndcg at the largest k
  std::string model;   // "itemknn", "ease", "tifuknn" or the name of `external`
  // The grid; empty: default_sweep_axes(model).
  std::vector<SweepAxis> axes;
  int random_trials = 0;  // 0: the whole grid
  std::uint64_t seed = 42;
  ItemModelOptions base;  // the parameters not searched
  // For a model of a higher layer: the model a trial's point ({knob: value}) gives.
  std::function<ExternalModel(const nlohmann::json& point)> external;
};

// The default grid of a model: itemknn neighbours x shrinkage x weighting (0 none, 1 tfidf,
// 2 bm25); ease lambda; tifuknn group_size x within_decay x across_decay x alpha; ranker
// max_depth x min_child_weight x train_windows. InputError for another name.
std::vector<SweepAxis> default_sweep_axes(const std::string& model);

// "neighbours=10,20,50" -> an axis; InputError naming the flag otherwise.
SweepAxis parse_sweep_axis(const std::string& text);

// Item model options with a point of the grid applied (knob names as default_sweep_axes);
// InputError for a knob the model does not have, or a value its checks refuse.
ItemModelOptions apply_point(const std::string& model, const ItemModelOptions& base,
                             const nlohmann::json& point);

// {"kind": "sweep", "model": ..., "metric": ..., "split": {...}, "protocol": ..., "k": [...],
//  "trials": [{"trial", "params", "score", "metrics", "seconds"}, ...] (best first),
//  "best": {...}, "baselines": {...}, "best_against_popularity": {...}}, as `tailor sweep`.
nlohmann::json sweep_lists(const Dataset& data, const ListSweepOptions& o, const Backend& backend);

// The trials table for the terminal, best first, with the baselines.
std::string format_list_sweep(const nlohmann::json& result);

}  // namespace tailor
