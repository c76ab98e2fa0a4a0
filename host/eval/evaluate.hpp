// Offline evaluation: a split, a relevance protocol, lists from the model and the baselines,
// ranking metrics at several cutoffs, overall and per customer-activity bucket.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>

#include <optional>
#include <string>
#include <vector>

#include "host/core/device.hpp"
#include "host/core/names.hpp"
#include "host/data/dataset.hpp"
#include "host/eval/item_lists.hpp"
#include "host/eval/split.hpp"
#include "host/train/model.hpp"
#include "kernels/kernels.hpp"

namespace tailor {

// "new": relevant = test items the customer had not interacted with before (in training or
//        fold-in rows); those seen items are excluded from every list.
// "all": relevant = every test item, repeats included; nothing is excluded from the lists.
enum class Protocol { new_items, all_items };
inline constexpr NameTable<Protocol, 2> kProtocolNames{
    "protocol", {{{Protocol::new_items, "new"}, {Protocol::all_items, "all"}}}};
Protocol parse_protocol(const std::string& name);  // "new" | "all"; InputError otherwise
const char* to_string(Protocol p);

// The list a cold-start customer gets in place of the model's. A cold-start customer has no
// history (no training or fold-in rows), so its factors are exactly 0 and every model score is
// 0: the model's list would be the catalogue in item order. "popularity" (the default, what the
// campaigns fall back to) or "random" (the random baseline's list for that customer).
enum class ColdStart { popularity, random };
inline constexpr NameTable<ColdStart, 2> kColdStartNames{
    "cold-start list", {{{ColdStart::popularity, "popularity"}, {ColdStart::random, "random"}}}};
ColdStart parse_cold_start(const std::string& name);  // InputError for another name
const char* to_string(ColdStart c);

// Parses "10,20" into ascending distinct cutoffs in 1..kMaxTopN; InputError otherwise.
std::vector<int> parse_ks(const std::string& text);

// Activity buckets by the number of history rows a customer has: "cold start" (none), "1-4",
// "5-9", "10-19", "20-49", "50+".
std::string activity_bucket(std::int64_t history_rows);

// Everything fixed by (data, split, protocol, ks): the training matrices, each evaluated
// customer's relevant items and history, and the metric computation. Models and baselines are
// scored against it.
class Evaluation {
 public:
  // Lists and metrics are computed on `backend` (kept by the evaluation). Cold-start customers
  // get the `cold_start` list in model_lists (random lists drawn with `seed`).
  Evaluation(const Dataset& data, const Split& split, Protocol protocol, std::vector<int> ks,
             const Backend& backend, ColdStart cold_start = ColdStart::popularity,
             std::uint64_t seed = 42);

  [[nodiscard]] const InteractionMatrices& train() const { return train_; }
  [[nodiscard]] const std::vector<int>& ks() const { return ks_; }
  [[nodiscard]] int max_k() const { return ks_.back(); }
  // Customers scored: at least one relevant item under the protocol (indices into the data).
  [[nodiscard]] const std::vector<std::uint32_t>& customers() const { return customers_; }
  // Customers with test rows but no relevant item: left out of the averages, counted.
  [[nodiscard]] std::int64_t without_relevant() const { return without_relevant_; }
  [[nodiscard]] const Csr& history() const { return history_; }  // train + fold-in rows
  [[nodiscard]] const Split& split() const { return split_; }
  [[nodiscard]] Device device() const { return device_of(backend_); }
  [[nodiscard]] const Backend& backend() const { return backend_; }
  [[nodiscard]] ColdStart cold_start() const { return cold_start_; }
  // The evaluated customers without history: rows of customers(), ascending.
  [[nodiscard]] const std::vector<std::size_t>& cold_start_rows() const { return cold_rows_; }

  // Factors for the evaluated customers: rows of X (trained on train()), except held-out
  // customers (customer split), whose factors are folded in from their fold-in rows.
  [[nodiscard]] std::vector<float> customer_factors(std::span<const float> X,
                                                    std::span<const float> Y,
                                                    const IalsParams& params) const;
  // Top-max_k lists of a factor model for customers() (the protocol decides exclusion), with
  // the cold-start customers' lists replaced (with_cold_start).
  [[nodiscard]] TopNResult model_lists(std::span<const float> X, std::span<const float> Y,
                                       const IalsParams& params) const;
  // A model's lists for customers() with each cold-start customer's list replaced by the
  // cold-start list; every model's lists go through it, the baselines' do not.
  [[nodiscard]] TopNResult with_cold_start(TopNResult lists) const;
  [[nodiscard]] TopNResult baseline_lists(const std::string& name, std::uint64_t seed) const;

  // {"precision@10": ..., "recall@10": ..., ..., "coverage@10": ..., "popularity@10": ...}
  [[nodiscard]] nlohmann::json metrics(const TopNResult& lists) const;
  // Overall metrics and the same per activity bucket: {"overall": {...}, "buckets": [...]}.
  [[nodiscard]] nlohmann::json metrics_with_buckets(const TopNResult& lists) const;

 private:
  [[nodiscard]] TopNResult baseline_lists_for(const std::string& name,
                                              const std::vector<std::uint32_t>& customers,
                                              std::uint64_t seed) const;
  void find_cold_start(std::uint64_t seed);
  [[nodiscard]] std::vector<float> per_customer(const TopNResult& lists) const;
  [[nodiscard]] nlohmann::json aggregate(const TopNResult& lists, const std::vector<float>& values,
                                         const std::vector<std::size_t>& rows) const;

  const Dataset& data_;
  Split split_;
  Protocol protocol_;
  std::vector<int> ks_;
  Backend backend_;
  int threads_;
  InteractionMatrices train_;
  Csr history_;
  Csr relevant_;  // one row per evaluated customer
  Csr seen_;      // one row per evaluated customer: its history
  std::vector<std::uint32_t> customers_;
  std::vector<std::int64_t> history_rows_;  // per evaluated customer
  std::vector<double> item_popularity_;     // distinct training customers per item
  std::int64_t without_relevant_ = 0;
  ColdStart cold_start_;
  std::vector<std::size_t> cold_rows_;  // rows of customers_ without history
  TopNResult cold_lists_;               // the cold-start list of each, in cold_rows_ order
};

// A model this layer does not build (the two-stage ranker, host/rank/), plugged in by the caller:
// `lists` returns its lists for ev.customers() (seen items excluded when exclude_seen) and
// fills `record` with what the evaluation keeps of it ("fit_seconds", "score_seconds", ...).
struct ExternalModel {
  std::string name;
  std::function<TopNResult(const Evaluation& ev, bool exclude_seen, nlohmann::json& record)>
      lists;
};

struct EvaluateOptions {
  SplitSpec split;
  Protocol protocol = Protocol::new_items;
  std::vector<int> ks = {10, 20};
  IalsParams ials;
  bool baselines = true;
  bool per_epoch_metrics = true;  // score the model after every epoch (for the report)
  std::uint64_t seed = 42;        // random baseline (and a random cold-start list)
  ColdStart cold_start = ColdStart::popularity;  // what cold-start customers get from the model
  // Score these factors instead of training (e.g. a model trained elsewhere on the split's
  // training file); its ids must equal the input's. Not owned.
  const Model* model = nullptr;
  std::string model_name = "ials";  // the key of the model in "models"
  // Train iALS (or score `model`); false leaves the factor model out (item models only).
  bool train_ials = true;
  // Train BPR on the same training rows and score it as "bpr" beside the others.
  bool train_bpr = false;
  BprParams bpr;
  ItemModelOptions item_models;  // item kNN and EASE, each scored beside the others when chosen
  std::vector<ExternalModel> external;  // scored beside them, recorded under "item_models"
};

// The whole evaluation as the JSON document `tailor evaluate --json` writes:
// {"kind": "evaluation", "split": {...}, "protocol": "new", "k": [10, 20],
//  "models": {"ials": {...}, "popularity": {...}, "buy_again": {...}, "random": {...}},
//  "buckets": {...}, "epochs": [...], "customers": {"evaluated", "without_relevant",
//  "cold_start"}, "cold_start": "popularity", "parameters": {...}, "timings": {...}}
// With item models, "models" and "buckets" hold "itemknn" and "ease" as well, "item_models"
// their parameters and times, and "timings" an "item_models" entry. Without the factor model
// (train_ials = false and no model) there are no "parameters" and no epochs. With train_bpr,
// "models" and "buckets" hold "bpr", and "bpr" holds {"parameters", "epochs" (as "epochs"),
// "train_seconds"}.
nlohmann::json evaluate(const Dataset& data, const EvaluateOptions& options,
                        const Backend& backend);

// BPR's parameters as evaluate's and sweep's JSON record them.
nlohmann::json bpr_parameters(const BprParams& p);

// The IalsParams that score (and fold in) a BPR model's factors: factors = bpr_width(p), the
// iALS fold-in with BPR's regularization, confidence 1 + w (alpha 1, linear).
IalsParams bpr_scoring_params(const BprParams& p);

// The evaluation table for the terminal: one block per cutoff, models as rows.
std::string format_evaluation(const nlohmann::json& result);

}  // namespace tailor
