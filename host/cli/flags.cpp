#include "host/cli/flags.hpp"

#include <fmt/format.h>

#include "host/core/error.hpp"
#include "host/train/item_models.hpp"
#include "host/train/model.hpp"
#include "host/train/planner.hpp"
#include "host/train/train.hpp"

namespace tailor::cli {

void ModelFlags::add_to(CLI::App& app) {
  app.add_option("--factors", factors, "Embedding size k (1..1024) [64]");
  app.add_option("--regularization", regularization, "L2 regularisation lambda [iALS 0.05; BPR 0.01]");
  app.add_option("--alpha", alpha, "Confidence weight: c = 1 + alpha * w [1]");
  app.add_option("--iterations", iterations, "Training epochs [15]");
  app.add_option("--cg-steps", cg_steps, "Conjugate-gradient steps per row and half-step [3]");
  app.add_option("--confidence", confidence, "Confidence scaling: linear or log [linear]")
      ->check(CLI::IsMember({"linear", "log"}));
  app.add_option("--log-epsilon", log_epsilon, "Log scaling: c = 1 + alpha*log(1 + w/eps) [1]");
  app.add_option("--seed", seed, "Seed of the initial factors [42]");
}

void ModelFlags::apply(IalsParams& p) const {
  if (factors) p.factors = *factors;
  if (iterations) p.iterations = *iterations;
  if (cg_steps) p.cg_steps = *cg_steps;
  if (regularization) p.regularization = *regularization;
  if (alpha) p.alpha = *alpha;
  if (log_epsilon) p.log_epsilon = *log_epsilon;
  if (confidence) p.scaling = parse_scaling(*confidence);
  if (seed) p.seed = *seed;
}

void BprFlags::add_to(CLI::App& app, const std::string& prefix_) {
  prefix = prefix_;
  const std::string f = "--" + prefix;
  if (!prefix.empty()) {
    app.add_option(f + "factors", factors, "BPR: embedding size (1..1023 with the bias) [64]");
    app.add_option(f + "regularization", regularization, "BPR: L2 weight lambda [0.01]");
    app.add_option(f + "seed", seed, "BPR: seed of the factors and the samples [42]");
  }
  app.add_option(f + "learning-rate", learning_rate, "BPR: SGD step size [0.01]");
  app.add_option(f + "epochs", epochs, "BPR: epochs of sampled triples [100]");
  app.add_option(f + "negatives", negatives, "BPR: uniform or popularity [uniform]")
      ->check(CLI::IsMember({"uniform", "popularity"}));
  app.add_option(f + "lr-schedule", schedule, "BPR: constant or linear decay [constant]")
      ->check(CLI::IsMember({"constant", "linear"}));
  app.add_option(f + "item-bias", item_bias, "BPR: learn an item bias, on or off [on]")
      ->check(CLI::IsMember({"on", "off"}));
  app.add_option(f + "bias-regularization", bias_regularization,
                 "BPR: L2 weight of the item bias [0.01]");
}

bool BprFlags::any() const {
  return factors || epochs || learning_rate || regularization || bias_regularization ||
         negatives || schedule || item_bias || seed;
}

void BprFlags::apply(BprParams& p) const {
  if (factors) p.factors = *factors;
  if (regularization) p.regularization = *regularization;
  if (seed) p.seed = *seed;
  if (learning_rate) p.learning_rate = *learning_rate;
  if (epochs) p.epochs = *epochs;
  if (negatives) p.negatives = parse_negatives(*negatives);
  if (schedule) p.schedule = parse_schedule(*schedule);
  if (item_bias) p.item_bias = *item_bias == "on";
  if (bias_regularization) p.bias_regularization = *bias_regularization;
}

void apply_to_bpr(const ModelFlags& m, BprParams& p, const char* command) {
  if (m.alpha || m.cg_steps || m.iterations || m.confidence || m.log_epsilon)
    throw InputError(fmt::format(
        "{}: --alpha, --cg-steps, --iterations, --confidence and --log-epsilon are iALS flags; "
        "BPR takes --epochs, --learning-rate, --negatives, --lr-schedule, --item-bias, "
        "--bias-regularization",
        command));
  if (m.factors) p.factors = *m.factors;
  if (m.regularization) p.regularization = *m.regularization;
  if (m.seed) p.seed = *m.seed;
}

void DeviceFlags::add_to(CLI::App& app, bool from_config) {
  app.add_option("--device", device, "Where to compute: auto, cpu, cuda or cuda:N [auto]");
  app.add_option("--threads", threads, "CPU threads, 0 = all cores (at most 1024) [0]")
      ->check(CLI::Range(0, kMaxThreads));
  if (from_config) device.clear();
}

Backend DeviceFlags::backend(std::size_t memory_budget) const {
  return make_backend(parse_device(device), threads, memory_budget);
}

void SlotModelFlag::add_to(CLI::App& app) {
  app.add_option("--slot-model", name,
                 "Campaigns: score source of the discovery and model slots, ials, itemknn, ease "
                 "or tifuknn (replaces [campaign] model) [ials]");
}

void SlotModelFlag::apply(RunConfig& config, const char* command) const {
  if (!name) return;
  if (!config.campaign)
    throw InputError(fmt::format("{}: --slot-model {} needs a campaign config ({} has no "
                                 "[campaign] section)",
                                 command, *name, config.source.string()));
  try {
    config.campaign->model = parse_slot_model(*name);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: --slot-model: {}", command, e.what()));
  }
  check_slot_model(config, std::string(command) + ": --slot-model");
}

void HistoryModelFlags::add_to(CLI::App& cmd) {
  cmd.add_option("--knn-neighbours", neighbours, "Item kNN: neighbours kept per item, K [20]");
  cmd.add_option("--knn-shrinkage", shrinkage, "Item kNN: s in a.b / (|a||b| + s) [0]");
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

bool HistoryModelFlags::any_knn() const {
  return neighbours || shrinkage || weighting || bm25_k1 || bm25_b || weighted_scores;
}
bool HistoryModelFlags::any_ease() const { return ease_lambda || ease_weighted || ease_max_memory; }
bool HistoryModelFlags::any_tifu() const {
  return tifu_group_size || tifu_neighbours || tifu_within_decay || tifu_across_decay ||
         tifu_alpha || tifu_basket_window;
}

namespace {

void apply_tifu(const HistoryModelFlags& f, TifuKnnParams& p) {
  if (f.tifu_group_size) p.group_size = *f.tifu_group_size;
  if (f.tifu_neighbours) p.neighbours = *f.tifu_neighbours;
  if (f.tifu_within_decay) p.within_decay = *f.tifu_within_decay;
  if (f.tifu_across_decay) p.across_decay = *f.tifu_across_decay;
  if (f.tifu_alpha) p.alpha = *f.tifu_alpha;
  if (f.tifu_basket_window) p.basket_window = *f.tifu_basket_window;
}

}  // namespace

void HistoryModelFlags::apply(HistoryModelParams& p, const std::string& where) const {
  ItemKnnParams& k = p.itemknn;
  if (neighbours) k.neighbours = *neighbours;
  if (shrinkage) k.shrinkage = *shrinkage;
  if (weighting) k.weighting = parse_knn_weighting(*weighting);
  if (bm25_k1) k.bm25_k1 = *bm25_k1;
  if (bm25_b) k.bm25_b = *bm25_b;
  if (weighted_scores) k.weighted_scores = true;
  if (ease_lambda) p.ease.regularization = *ease_lambda;
  if (ease_weighted) p.ease.weighted = true;
  if (ease_max_memory) p.ease_max_bytes = parse_bytes(*ease_max_memory);
  apply_tifu(*this, p.tifuknn);
  validate_item_knn_params(k, where);
  validate_ease_params(p.ease, where);
  validate_tifuknn_params(p.tifuknn);
}

void EvalFlags::add_to(CLI::App& app, const char* split_help, const char* k_help) {
  app.add_option("--split", split, split_help)->required();
  app.add_option("--split-seed", split_seed, "Seed of random and customer splits [42]");
  app.add_option("--k", k, k_help);
  app.add_option("--protocol", protocol, "new or all [new]")->check(CLI::IsMember({"new", "all"}));
  app.add_option("--cold-start", cold_start,
                 "List for customers without history: popularity or random [popularity]")
      ->check(CLI::IsMember({"popularity", "random"}));
}

RunConfig load_run_config(const std::string& path, const ModelFlags& flags,
                          const DeviceFlags& device, const char* command,
                          const BprFlags* bpr) {
  RunConfig config = load_config(path);
  if (is_history_algorithm(config.algorithm)) {
    if (flags.any() || (bpr && bpr->any()))
      throw InputError(fmt::format("{}: [model] algorithm = \"{}\" of {} takes its parameters "
                                   "from its own section; the model flags are iALS's and BPR's",
                                   command, config.algorithm, path));
  } else if (config.algorithm == "bpr") {
    apply_to_bpr(flags, config.bpr, command);
    if (bpr) bpr->apply(config.bpr);
    validate_bpr_params(config.bpr, command);
  } else {
    if (bpr && bpr->any())
      throw InputError(fmt::format("{}: BPR flags (--learning-rate, --epochs, ...) need "
                                   "algorithm = \"bpr\" in [model] of {}",
                                   command, path));
    flags.apply(config.ials);
    validate_ials_params(config.ials, command);
  }
  if (!device.device.empty()) config.device = parse_device(device.device);
  if (device.threads > 0) config.threads = device.threads;
  return config;
}

Backend config_backend(const RunConfig& config) {
  return make_backend(config.device, config.threads, config.topn.memory_budget);
}

}  // namespace tailor::cli
