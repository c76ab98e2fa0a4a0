// The item-item models in an evaluation: item kNN and EASE fitted on the split's training
// matrix, then scored for each evaluated customer from its history (training and fold-in rows,
// weighted as training weights them), so held-out customers need no fold-in solve.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <string>

#include "host/data/csr.hpp"
#include "host/data/dataset.hpp"
#include "host/train/item_models.hpp"
#include "host/train/tifuknn.hpp"

namespace tailor {

class Evaluation;  // host/eval/evaluate.hpp, which holds ItemModelOptions in EvaluateOptions

// Which history-based models an evaluation fits, and with what: the item-item models and
// TIFU-KNN (host/train/tifuknn.hpp), whose lists come from each customer's own history too.
struct ItemModelOptions {
  bool itemknn = false;
  bool ease = false;
  bool tifuknn = false;
  ItemKnnParams knn;
  EaseParams ease_params;
  std::size_t ease_max_bytes = kDefaultEaseMaxBytes;
  TifuKnnParams tifu;
};

// One row per evaluated customer (ev.customers(), in order): its training and fold-in rows of
// the log with the training weights (summed quantity, or a count per row).
Csr evaluation_profiles(const Dataset& data, const Evaluation& ev);

// The lists of the selected models, seen items excluded when exclude_seen (the "new"
// protocol) and cold-start customers given the evaluation's cold-start list
// (Evaluation::with_cold_start): add("itemknn", lists), add("ease", lists), add("tifuknn",
// lists). Returns what the evaluation records of each: {"itemknn": {"parameters": {...},
// "fit_seconds": s, "score_seconds": s}, "ease": ..., "tifuknn": ...} (empty when none is
// selected).
nlohmann::json evaluate_item_models(
    const Dataset& data, const Evaluation& ev, bool exclude_seen, const ItemModelOptions& o,
    const std::function<void(const std::string&, const TopNResult&)>& add);

// The parameters as the evaluation JSON records them.
nlohmann::json describe(const ItemKnnParams& p);
nlohmann::json describe(const EaseParams& p, std::size_t max_bytes);
nlohmann::json describe(const TifuKnnParams& p);

}  // namespace tailor
