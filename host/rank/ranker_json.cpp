// The ranker's parameters and fit as JSON: for reports and for the model file.
#include <fmt/format.h>

#include "host/core/error.hpp"
#include "host/eval/item_lists.hpp"
#include "host/rank/ranker.hpp"
#include "host/train/model.hpp"

namespace tailor {

namespace {

nlohmann::json ials_json(const IalsParams& p) {
  return {{"factors", p.factors},       {"regularization", decimal(p.regularization)},
          {"alpha", decimal(p.alpha)},  {"iterations", p.iterations},
          {"cg_steps", p.cg_steps},     {"confidence", to_string(p.scaling)},
          {"log_epsilon", decimal(p.log_epsilon)}, {"seed", p.seed}};
}

nlohmann::json booster_json(const BoosterParams& b) {
  return {{"objective", b.objective},
          {"rounds", b.rounds},
          {"max_depth", b.max_depth},
          {"learning_rate", b.learning_rate},
          {"min_child_weight", b.min_child_weight},
          {"subsample", b.subsample},
          {"colsample", b.colsample},
          {"lambda", b.lambda},
          {"seed", b.seed}};
}

nlohmann::json params_json(const RankerParams& p) {
  const RankerSourceParams& s = p.sources;
  const ReplenishOptions& r = s.replenish;
  return {{"candidates",
           {{"repeat", s.counts.repeat},
            {"ials", s.counts.ials},
            {"itemknn", s.counts.itemknn},
            {"tifuknn", s.counts.tifuknn},
            {"popular", s.counts.popular}}},
          {"popular_window_days", s.popular_window_days},
          {"horizon_seconds", p.horizon_seconds},
          {"train_windows", p.train_windows},
          {"max_train_customers", p.max_train_customers},
          {"ials", ials_json(s.ials)},
          {"itemknn", describe(s.itemknn)},
          {"tifuknn", describe(s.tifuknn)},
          {"replenish",
           {{"min_item_intervals", r.min_item_intervals},
            {"kappa", r.kappa},
            {"bump_width", r.bump_width},
            {"purchase_event", r.purchase_event}}},
          {"booster", booster_json(p.booster)}};
}

void read_ials(const nlohmann::json& j, IalsParams& p) {
  p.factors = j.at("factors");
  p.regularization = j.at("regularization");
  p.alpha = j.at("alpha");
  p.iterations = j.at("iterations");
  p.cg_steps = j.at("cg_steps");
  p.scaling = parse_scaling(j.at("confidence"));
  p.log_epsilon = j.at("log_epsilon");
  p.seed = j.at("seed");
}

void read_sources(const nlohmann::json& j, RankerSourceParams& s) {
  const auto& c = j.at("candidates");
  s.counts = {c.at("repeat"), c.at("ials"), c.at("itemknn"), c.at("tifuknn"), c.at("popular")};
  s.popular_window_days = j.at("popular_window_days");
  read_ials(j.at("ials"), s.ials);
  const auto& k = j.at("itemknn");
  s.itemknn.neighbours = k.at("neighbours");
  s.itemknn.shrinkage = k.at("shrinkage");
  s.itemknn.weighting = parse_knn_weighting(k.at("weighting"));
  s.itemknn.weighted_scores = k.at("weighted_scores");
  s.itemknn.bm25_k1 = k.value("bm25_k1", s.itemknn.bm25_k1);
  s.itemknn.bm25_b = k.value("bm25_b", s.itemknn.bm25_b);
  const auto& t = j.at("tifuknn");
  s.tifuknn = {t.at("group_size"), t.at("within_decay"), t.at("across_decay"),
               t.at("neighbours"), t.at("alpha"),        t.at("basket_window_seconds")};
  const auto& r = j.at("replenish");
  s.replenish.min_item_intervals = r.at("min_item_intervals");
  s.replenish.kappa = r.at("kappa");
  s.replenish.bump_width = r.at("bump_width");
  s.replenish.purchase_event = r.at("purchase_event");
}

void read_booster(const nlohmann::json& j, BoosterParams& b) {
  b.objective = j.at("objective");
  b.rounds = j.at("rounds");
  b.max_depth = j.at("max_depth");
  b.learning_rate = j.at("learning_rate");
  b.min_child_weight = j.at("min_child_weight");
  b.subsample = j.at("subsample");
  b.colsample = j.at("colsample");
  b.lambda = j.at("lambda");
  b.seed = j.at("seed");
}

}  // namespace

std::string ranker_params_json(const RankerParams& p) { return params_json(p).dump(); }

RankerParams ranker_params_from_json(const std::string& text, const std::string& where) {
  RankerParams p;
  try {
    const auto j = nlohmann::json::parse(text);
    read_sources(j, p.sources);
    p.horizon_seconds = j.at("horizon_seconds");
    p.train_windows = j.at("train_windows");
    p.max_train_customers = j.at("max_train_customers");
    read_booster(j.at("booster"), p.booster);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: ranker parameters: {}", where, e.what()));
  }
  validate_ranker_params(p, where);
  return p;
}

RankerPart to_model_part(const RankerModel& m) {
  return {m.booster.to_json(), ranker_params_json(m.params), m.feature_names, m.as_of};
}

RankerModel from_model_part(const RankerPart& part, const std::string& where, int threads) {
  if (part.features != ranker_feature_names())
    throw InputError(fmt::format("{}: the ranker's {} stored features are not the {} features "
                                 "this tailor builds; train the ranker again",
                                 where, part.features.size(), ranker_feature_names().size()));
  RankerModel m;
  m.params = ranker_params_from_json(part.parameters, where);
  m.feature_names = part.features;
  m.as_of = part.as_of;
  try {
    m.booster = Booster::from_json(part.booster, threads);
  } catch (const RunError& e) {
    throw InputError(fmt::format("{}: /ranker/booster: {}", where, e.what()));
  }
  m.importances = m.booster.importances(m.feature_names);
  return m;
}

nlohmann::json describe(const RankerModel& m) {
  nlohmann::json importances = nlohmann::json::array();
  for (const auto& [name, share] : m.importances)
    importances.push_back({{"feature", name}, {"gain_share", share}});
  return {{"parameters", params_json(m.params)},
          {"train_customers", m.train_customers},
          {"train_rows", m.train_rows},
          {"train_positives", m.train_positives},
          {"feature_seconds", m.feature_seconds},
          {"train_seconds", m.train_seconds},
          {"importances", importances}};
}

}  // namespace tailor
