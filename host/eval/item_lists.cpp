#include "host/eval/item_lists.hpp"

#include <chrono>
#include <vector>

#include "host/core/progress.hpp"
#include "host/eval/evaluate.hpp"
#include "host/train/model.hpp"

namespace tailor {
namespace {

struct Scoring {
  const Csr& profiles;
  TopNParams topn;
  const Backend& backend;  // fits on it; lists are scored on the CPU with its threads
  int threads;
};

nlohmann::json knn_lists(const Csr& train, const Scoring& s, const ItemKnnParams& p,
                         const std::function<void(const std::string&, const TopNResult&)>& add) {
  const ItemKnnModel model = fit_item_knn(train, p, s.backend);
  const auto start = std::chrono::steady_clock::now();
  const CsrView customers = s.profiles.view();
  const ItemKnnLists lists =
      cpu_item_knn_topn(model.neighbours, customers, &customers, p, s.topn, s.threads);
  const double score_seconds = seconds_since(start);
  add("itemknn", lists.lists);
  return {{"parameters", describe(p)},
          {"fit_seconds", model.seconds},
          {"score_seconds", score_seconds}};
}

nlohmann::json ease_lists(const Csr& train, const Scoring& s, const ItemModelOptions& o,
                          const std::function<void(const std::string&, const TopNResult&)>& add) {
  const EaseModel model = fit_ease(train, o.ease_params, o.ease_max_bytes, s.backend);
  const auto start = std::chrono::steady_clock::now();
  const CsrView customers = s.profiles.view();
  const TopNResult lists =
      cpu_ease_topn(model.weights, customers, &customers, o.ease_params, s.topn, s.threads);
  const double score_seconds = seconds_since(start);
  add("ease", lists);
  return {{"parameters", describe(o.ease_params, o.ease_max_bytes)},
          {"fit_seconds", model.seconds},
          {"score_seconds", score_seconds}};
}

// Personal vectors from the history rows (training and fold-in) of every customer; lists for
// the evaluated ones, their history (`seen`, every customer's row) excluded when exclude_seen.
nlohmann::json tifu_lists(const Dataset& data, const Evaluation& ev, const std::vector<bool>& history,
                          const Csr& seen, bool exclude_seen, const TifuKnnParams& p,
                          const std::function<void(const std::string&, const TopNResult&)>& add) {
  const auto start = std::chrono::steady_clock::now();
  const Csr personal = tifu_personal_vectors(data, history, p);
  const double fit_seconds = seconds_since(start);
  const auto scored = std::chrono::steady_clock::now();
  add("tifuknn", tifuknn_lists(personal, ev.customers(), exclude_seen ? &seen : nullptr,
                               ev.max_k(), p, ev.backend().threads()));
  return {{"parameters", describe(p)},
          {"fit_seconds", fit_seconds},
          {"score_seconds", seconds_since(scored)}};
}

// Rows of the log that are not test rows: the history every model is scored from.
std::vector<bool> history_rows(const Evaluation& ev) {
  const std::vector<Role>& role = ev.split().role;
  std::vector<bool> history(role.size());
  for (std::size_t r = 0; r < role.size(); ++r) history[r] = role[r] != Role::test;
  return history;
}

}  // namespace

Csr evaluation_profiles(const Dataset& data, const Evaluation& ev) {
  const std::vector<bool> history = history_rows(ev);
  return select_rows(build_matrices(data, ev.backend().threads(), &history).customer_items,
                     ev.customers());
}

nlohmann::json evaluate_item_models(
    const Dataset& data, const Evaluation& ev, bool exclude_seen, const ItemModelOptions& o,
    const std::function<void(const std::string&, const TopNResult&)>& add) {
  nlohmann::json out = nlohmann::json::object();
  const auto add_cold_start = [&](const std::string& name, const TopNResult& lists) {
    add(name, ev.with_cold_start(lists));
  };
  if (!o.tifuknn && !o.itemknn && !o.ease) return out;
  // Every customer's history matrix, built once: TIFU-KNN's exclusions, the others' profiles.
  const std::vector<bool> history = history_rows(ev);
  const Csr all = build_matrices(data, ev.backend().threads(), &history).customer_items;
  if (o.tifuknn)
    out["tifuknn"] = tifu_lists(data, ev, history, all, exclude_seen, o.tifu, add_cold_start);
  if (!o.itemknn && !o.ease) return out;
  const Csr profiles = select_rows(all, ev.customers());
  TopNParams topn;
  topn.n = ev.max_k();
  topn.exclude_seen = exclude_seen;
  const Scoring s{profiles, topn, ev.backend(), ev.backend().threads()};
  const Csr& train = ev.train().customer_items;
  if (o.itemknn) out["itemknn"] = knn_lists(train, s, o.knn, add_cold_start);
  if (o.ease) out["ease"] = ease_lists(train, s, o, add_cold_start);
  return out;
}

nlohmann::json describe(const ItemKnnParams& p) {
  nlohmann::json j = {{"neighbours", p.neighbours},
                      {"shrinkage", decimal(p.shrinkage)},
                      {"weighting", to_string(p.weighting)},
                      {"weighted_scores", p.weighted_scores}};
  if (p.weighting == KnnWeighting::bm25) {
    j["bm25_k1"] = decimal(p.bm25_k1);
    j["bm25_b"] = decimal(p.bm25_b);
  }
  return j;
}

nlohmann::json describe(const EaseParams& p, std::size_t max_bytes) {
  return {{"lambda", p.regularization}, {"weighted", p.weighted}, {"max_memory_bytes", max_bytes}};
}

nlohmann::json describe(const TifuKnnParams& p) {
  return {{"group_size", p.group_size},     {"within_decay", p.within_decay},
          {"across_decay", p.across_decay}, {"neighbours", p.neighbours},
          {"alpha", p.alpha},               {"basket_window_seconds", p.basket_window}};
}

}  // namespace tailor
