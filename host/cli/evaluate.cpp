// tailor evaluate: train on a split (or take a model) and score it beside the baselines.
#include <fmt/format.h>

#include <iostream>
#include <optional>
#include <sstream>

#include "host/cli/command.hpp"
#include "host/cli/flags.hpp"
#include "host/core/atomic_file.hpp"
#include "host/core/error.hpp"
#include "host/data/input.hpp"
#include "host/eval/evaluate.hpp"
#include "host/pipeline/config.hpp"
#include "host/rank/ranker.hpp"
#include "host/report/report.hpp"
#include "host/train/item_models.hpp"
#include "host/train/planner.hpp"
#include "host/train/train.hpp"

namespace tailor::cli {
namespace {

// The item-item models' flags; unset ones keep the defaults of kernels/item_item.hpp.
struct ItemModelFlags {
  std::optional<int> neighbours;
  std::optional<float> shrinkage, bm25_k1, bm25_b;
  std::optional<std::string> weighting, ease_max_memory;
  std::optional<double> ease_lambda;
  bool weighted_scores = false, ease_weighted = false;
  std::optional<int> tifu_group_size, tifu_neighbours;
  std::optional<double> tifu_within_decay, tifu_across_decay, tifu_alpha;
  std::optional<std::int64_t> tifu_basket_window;

  void add_to(CLI::App& cmd) {
    cmd.add_option("--knn-neighbours", neighbours, "Item kNN: neighbours kept per item, K [20]");
    cmd.add_option("--knn-shrinkage", shrinkage,
                   "Item kNN: s in a.b / (|a||b| + s) [0]");
    cmd.add_option("--knn-weighting", weighting, "Item kNN: none, tfidf or bm25 [none]")
        ->check(CLI::IsMember({"none", "tfidf", "bm25"}));
    cmd.add_option("--knn-bm25-k1", bm25_k1, "Item kNN: BM25 k1 [1.2]");
    cmd.add_option("--knn-bm25-b", bm25_b, "Item kNN: BM25 b [0.75]");
    cmd.add_flag("--knn-weighted-scores", weighted_scores,
                 "Item kNN: weight each history item by its interaction weight");
    cmd.add_option("--ease-lambda", ease_lambda, "EASE: regularisation lambda [500]");
    cmd.add_flag("--ease-weighted", ease_weighted, "EASE: X holds the weights, not 1 per pair");
    cmd.add_option("--ease-max-memory", ease_max_memory,
                   "EASE: largest item x item matrix, e.g. 4GiB [16GiB]");
    cmd.add_option("--tifu-group-size", tifu_group_size, "TIFU-KNN: baskets per group [7]");
    cmd.add_option("--tifu-within-decay", tifu_within_decay,
                   "TIFU-KNN: decay within a group, in (0, 1] [0.9]");
    cmd.add_option("--tifu-across-decay", tifu_across_decay,
                   "TIFU-KNN: decay across groups, in (0, 1] [0.7]");
    cmd.add_option("--tifu-neighbours", tifu_neighbours, "TIFU-KNN: nearest customers k [300]");
    cmd.add_option("--tifu-alpha", tifu_alpha,
                   "TIFU-KNN: weight of the customer's own vector, in [0, 1] [0.7]");
    cmd.add_option("--tifu-basket-window", tifu_basket_window,
                   "TIFU-KNN: seconds that join rows into one basket [0: one timestamp]");
  }

  [[nodiscard]] bool any_tifu() const {
    return tifu_group_size || tifu_neighbours || tifu_within_decay || tifu_across_decay ||
           tifu_alpha || tifu_basket_window;
  }

  void apply_tifu(ItemModelOptions& o) const {
    if (any_tifu() && !o.tifuknn)
      throw InputError("evaluate: --tifu-* flags need tifuknn in --models");
    if (tifu_group_size) o.tifu.group_size = *tifu_group_size;
    if (tifu_neighbours) o.tifu.neighbours = *tifu_neighbours;
    if (tifu_within_decay) o.tifu.within_decay = *tifu_within_decay;
    if (tifu_across_decay) o.tifu.across_decay = *tifu_across_decay;
    if (tifu_alpha) o.tifu.alpha = *tifu_alpha;
    if (tifu_basket_window) o.tifu.basket_window = *tifu_basket_window;
    validate_tifuknn_params(o.tifu);
  }

  [[nodiscard]] bool any_knn() const {
    return neighbours || shrinkage || weighting || bm25_k1 || bm25_b || weighted_scores;
  }
  [[nodiscard]] bool any_ease() const { return ease_lambda || ease_weighted || ease_max_memory; }

  void apply(ItemModelOptions& o) const {
    if (any_knn() && !o.itemknn)
      throw InputError("evaluate: --knn-* flags need itemknn in --models");
    if (any_ease() && !o.ease) throw InputError("evaluate: --ease-* flags need ease in --models");
    if (neighbours) o.knn.neighbours = *neighbours;
    if (shrinkage) o.knn.shrinkage = *shrinkage;
    if (weighting) o.knn.weighting = parse_knn_weighting(*weighting);
    if (bm25_k1) o.knn.bm25_k1 = *bm25_k1;
    if (bm25_b) o.knn.bm25_b = *bm25_b;
    o.knn.weighted_scores = weighted_scores;
    if (ease_lambda) o.ease_params.regularization = *ease_lambda;
    o.ease_params.weighted = ease_weighted;
    if (ease_max_memory) o.ease_max_bytes = parse_bytes(*ease_max_memory);
    validate_item_knn_params(o.knn, "evaluate");
    validate_ease_params(o.ease_params, "evaluate");
    apply_tifu(o);
  }
};

// "ials,bpr,itemknn,ease,tifuknn,ranker" -> which models evaluate fits (ranker: whether the
// two-stage ranker is among them); InputError naming an unknown one.
void parse_models(const std::string& text, EvaluateOptions& o, bool& ranker) {
  ranker = false;
  o.train_ials = false;
  std::stringstream ss(text);
  std::string name;
  bool any = false;
  while (std::getline(ss, name, ',')) {
    if (name == "ials") o.train_ials = true;
    else if (name == "bpr") o.train_bpr = true;
    else if (name == "itemknn") o.item_models.itemknn = true;
    else if (name == "ease") o.item_models.ease = true;
    else if (name == "tifuknn") o.item_models.tifuknn = true;
    else if (name == "ranker") ranker = true;
    else
      throw InputError(fmt::format(
          "--models '{}': unknown model '{}': use ials, bpr, itemknn, ease, tifuknn or ranker",
          text, name));
    any = true;
  }
  if (!any) throw InputError(fmt::format("--models '{}': no model given", text));
}

struct EvaluateArgs {
  std::string input, json, report, config;
  EvalFlags eval;
  bool no_epochs = false;
  std::string model_file, model_name = "ials", models = "ials";
  ModelFlags model;
  BprFlags bpr;
  ItemModelFlags item_models;
  DeviceFlags device;
};

void declare(CLI::App& cmd, EvaluateArgs& a) {
  cmd.add_option("--input", a.input, "HDF5 interactions file")->required();
  a.eval.add_to(cmd, "time:YYYY-MM-DD | last:K | random:F | customers:F",
                "Cutoffs, e.g. 10,20 [10,20]");
  cmd.add_option("--config", a.config, "Take the [model] section of a nightly config");
  cmd.add_option("--json", a.json, "Write the results as JSON");
  cmd.add_option("--report", a.report, "Write a self-contained HTML report");
  cmd.add_flag("--no-epoch-metrics", a.no_epochs, "Score only the final model");
  cmd.add_option("--model-file", a.model_file,
                 "Score this model (same ids as --input) instead of training one");
  cmd.add_option("--model-name", a.model_name, "Name of the model in the results [ials]");
  cmd.add_option("--models", a.models,
                 "Models to fit, of ials, bpr, itemknn, ease, tifuknn and ranker [ials]");
  a.model.add_to(cmd);
  a.bpr.add_to(cmd, "bpr-");
  a.item_models.add_to(cmd);
  a.device.add_to(cmd);
}

// The ranker's parameters: [ranker] of --config (its label window, else 30 days), with the
// sources' parameters as this evaluation sets them.
RankerParams evaluation_ranker_params(const EvaluateArgs& a, const EvaluateOptions& o) {
  RankerParams p;
  if (!a.config.empty()) p = ranker_params(load_config(a.config), p.horizon_seconds);
  p.sources.ials = o.ials;
  p.sources.itemknn = o.item_models.knn;
  p.sources.tifuknn = o.item_models.tifu;
  validate_ranker_params(p, a.config.empty() ? "evaluate" : a.config + ": [ranker]");
  return p;
}

// The options without the external model, which the caller loads after the input, and
// without the ranker, which needs the data.
EvaluateOptions evaluate_options(const EvaluateArgs& a, bool& ranker) {
  EvaluateOptions opts;
  if (!a.config.empty()) {
    const RunConfig config = load_config(a.config);
    opts.ials = config.ials;
    opts.bpr = config.bpr;
  }
  a.model.apply(opts.ials);
  validate_ials_params(opts.ials, "evaluate");
  a.eval.apply(opts);
  opts.per_epoch_metrics = !a.no_epochs;
  opts.model_name = a.model_name;
  parse_models(a.models, opts, ranker);
  if (a.bpr.any() && !opts.train_bpr)
    throw InputError("evaluate: --bpr-* flags need bpr in --models");
  a.bpr.apply(opts.bpr);
  validate_bpr_params(opts.bpr, "evaluate");
  a.item_models.apply(opts.item_models);
  return opts;
}

int run(const EvaluateArgs& a) {
  bool ranker = false;
  EvaluateOptions opts = evaluate_options(a, ranker);
  const LoadedInput input = load_input(a.input, a.device.threads);
  if (ranker)
    opts.external.push_back(ranker_evaluation(input.data, evaluation_ranker_params(a, opts)));
  std::optional<Model> external;
  if (!a.model_file.empty()) {
    external = load_model(a.model_file);
    opts.model = &*external;
  }
  const nlohmann::json result = evaluate(input.data, opts, a.device.backend());
  std::cout << format_evaluation(result);
  if (!a.json.empty()) write_file_atomically(a.json, result.dump(2) + "\n");
  if (!a.report.empty()) write_report(a.report, result);
  return 0;
}

}  // namespace

Command evaluate_command() {
  return make_command<EvaluateArgs>(
      "evaluate", "Train on a split and score model and baselines", declare, run);
}

}  // namespace tailor::cli
