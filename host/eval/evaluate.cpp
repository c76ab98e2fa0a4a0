#include "host/eval/evaluate.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "host/core/error.hpp"
#include "host/core/progress.hpp"
#include "host/eval/baselines.hpp"
#include "host/io/time.hpp"
#include "host/train/fold_in.hpp"
#include "host/train/model.hpp"
#include "host/train/train.hpp"
#include "host/train/train_bpr.hpp"

namespace tailor {
namespace {

const std::vector<std::string> kBuckets = {"cold start", "1-4", "5-9", "10-19", "20-49", "50+"};

std::size_t bucket_index(std::int64_t rows) {
  if (rows <= 0) return 0;
  if (rows < 5) return 1;
  if (rows < 10) return 2;
  if (rows < 20) return 3;
  if (rows < 50) return 4;
  return 5;
}

// customers x items: for each pair, the number of log rows with a role in `roles`.
Csr pattern(const Dataset& data, const Split& split, std::initializer_list<Role> roles, int threads) {
  std::vector<std::uint32_t> r, c;
  for (std::int64_t k = 0; k < data.log.size(); ++k) {
    if (std::find(roles.begin(), roles.end(), split.role[k]) == roles.end()) continue;
    r.push_back(data.log.customer[k]);
    c.push_back(data.log.item[k]);
  }
  return build_csr(data.customers(), data.items(), r.data(), c.data(), nullptr,
                   static_cast<std::int64_t>(r.size()), threads);
}

}  // namespace

Protocol parse_protocol(const std::string& name) { return kProtocolNames.parse(name); }

const char* to_string(Protocol p) { return kProtocolNames.name(p); }

ColdStart parse_cold_start(const std::string& name) { return kColdStartNames.parse(name); }

const char* to_string(ColdStart c) { return kColdStartNames.name(c); }

std::vector<int> parse_ks(const std::string& text) {
  std::set<int> ks;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    int k = 0;
    try {
      std::size_t used = 0;
      k = std::stoi(part, &used);
      if (used != part.size()) throw std::invalid_argument(part);
    } catch (const std::exception&) {
      throw InputError(fmt::format("--k '{}': '{}' is not a whole number", text, part));
    }
    if (k < 1 || k > kMaxTopN)
      throw InputError(fmt::format("--k '{}': cutoffs must be in 1..{}", text, kMaxTopN));
    ks.insert(k);
  }
  if (ks.empty()) throw InputError(fmt::format("--k '{}': no cutoff given", text));
  return {ks.begin(), ks.end()};
}

std::string activity_bucket(std::int64_t history_rows) { return kBuckets[bucket_index(history_rows)]; }

Evaluation::Evaluation(const Dataset& data, const Split& split, Protocol protocol,
                       std::vector<int> ks, const Backend& backend, ColdStart cold_start,
                       std::uint64_t seed)
    : data_(data), split_(split), protocol_(protocol), ks_(std::move(ks)), backend_(backend),
      threads_(backend.threads()), cold_start_(cold_start) {
  if (ks_.empty()) throw InputError("evaluation needs at least one cutoff k");
  std::sort(ks_.begin(), ks_.end());
  const std::vector<bool> train_rows = split.mask(Role::train);
  train_ = build_matrices(data, threads_, &train_rows);
  history_ = pattern(data, split, {Role::train, Role::fold_in}, threads_);
  const Csr test = pattern(data, split, {Role::test}, threads_);

  // Relevant items per customer with test rows; under "new", minus the customer's history.
  relevant_.cols = data.items();
  relevant_.indptr.push_back(0);
  for (std::int64_t c = 0; c < data.customers(); ++c) {
    const std::int64_t b = test.indptr[c], e = test.indptr[c + 1];
    if (b == e) continue;
    std::size_t before = relevant_.indices.size();
    for (std::int64_t j = b; j < e; ++j) {
      const std::uint32_t item = test.indices[j];
      if (protocol_ == Protocol::new_items &&
          std::binary_search(history_.indices.begin() + history_.indptr[c],
                             history_.indices.begin() + history_.indptr[c + 1], item))
        continue;
      relevant_.indices.push_back(item);
    }
    if (relevant_.indices.size() == before) {
      ++without_relevant_;
      continue;
    }
    customers_.push_back(static_cast<std::uint32_t>(c));
    relevant_.indptr.push_back(static_cast<std::int64_t>(relevant_.indices.size()));
    std::int64_t rows = 0;
    for (std::int64_t j = history_.indptr[c]; j < history_.indptr[c + 1]; ++j)
      rows += static_cast<std::int64_t>(history_.data[j]);
    history_rows_.push_back(rows);
  }
  relevant_.rows = static_cast<std::int64_t>(customers_.size());
  // The evaluated customers' history, one row each: what the "new" protocol excludes.
  seen_.cols = data.items();
  seen_.indptr.push_back(0);
  for (auto c : customers_) {
    seen_.indices.insert(seen_.indices.end(), history_.indices.begin() + history_.indptr[c],
                         history_.indices.begin() + history_.indptr[c + 1]);
    seen_.indptr.push_back(static_cast<std::int64_t>(seen_.indices.size()));
  }
  seen_.rows = relevant_.rows;
  seen_.data.assign(seen_.indices.size(), 1.0f);
  relevant_.data.assign(relevant_.indices.size(), 1.0f);
  if (customers_.empty())
    throw InputError(fmt::format("split {}: no customer has a relevant test item under the '{}' "
                                 "protocol",
                                 split.spec.text, to_string(protocol_)));

  item_popularity_.assign(static_cast<std::size_t>(data.items()), 0.0);
  const Csr& ic = train_.item_customers;
  for (std::int64_t i = 0; i < ic.rows; ++i)
    item_popularity_[i] = static_cast<double>(ic.indptr[i + 1] - ic.indptr[i]);
  find_cold_start(seed);
}

// The evaluated customers without history and their cold-start lists, made once.
void Evaluation::find_cold_start(std::uint64_t seed) {
  std::vector<std::uint32_t> cold;
  for (std::size_t r = 0; r < customers_.size(); ++r)
    if (history_rows_[r] == 0) {
      cold_rows_.push_back(r);
      cold.push_back(customers_[r]);
    }
  if (!cold.empty()) cold_lists_ = baseline_lists_for(to_string(cold_start_), cold, seed);
}

std::vector<float> Evaluation::customer_factors(std::span<const float> X, std::span<const float> Y,
                                                const IalsParams& params) const {
  const auto k = static_cast<std::size_t>(params.factors);
  std::vector<float> out(customers_.size() * k);
  // Held-out customers (customer split) have no trained row: fold them in from their history.
  std::vector<std::size_t> held_out;
  for (std::size_t r = 0; r < customers_.size(); ++r) {
    const auto c = customers_[r];
    if (!split_.held_out_customer.empty() && split_.held_out_customer[c]) held_out.push_back(r);
    else std::copy_n(X.begin() + static_cast<std::ptrdiff_t>(c * k), k, out.begin() + static_cast<std::ptrdiff_t>(r * k));
  }
  if (!held_out.empty()) {
    // Build the held-out customers' fold-in matrix from the log in one pass.
    std::vector<std::int64_t> slot(static_cast<std::size_t>(data_.customers()), -1);
    for (std::size_t s = 0; s < held_out.size(); ++s) slot[customers_[held_out[s]]] = static_cast<std::int64_t>(s);
    std::vector<std::uint32_t> rr, cc;
    std::vector<float> ww;
    const bool has_quantity = !data_.log.quantity.empty();
    for (std::int64_t j = 0; j < data_.log.size(); ++j) {
      if (split_.role[j] != Role::fold_in) continue;
      const auto s = slot[data_.log.customer[j]];
      if (s < 0) continue;
      rr.push_back(static_cast<std::uint32_t>(s));
      cc.push_back(data_.log.item[j]);
      ww.push_back(has_quantity ? data_.log.quantity[j] : 1.0f);
    }
    Csr h = build_csr(static_cast<std::int64_t>(held_out.size()), data_.items(), rr.data(), cc.data(),
                  ww.data(), static_cast<std::int64_t>(rr.size()), threads_);
    std::vector<float> Yv(Y.begin(), Y.end());
    std::vector<float> folded = fold_in_customers(h, Yv, params, backend_);
    for (std::size_t s = 0; s < held_out.size(); ++s)
      std::copy_n(folded.begin() + static_cast<std::ptrdiff_t>(s * k), k,
                  out.begin() + static_cast<std::ptrdiff_t>(held_out[s] * k));
  }
  return out;
}

TopNResult Evaluation::model_lists(std::span<const float> X, std::span<const float> Y,
                                   const IalsParams& params) const {
  std::vector<float> x = customer_factors(X, Y, params);
  const FactorsView customers{x.data(), static_cast<std::int64_t>(customers_.size()), params.factors};
  const FactorsView items{Y.data(), data_.items(), params.factors};
  TopNParams p;
  p.n = max_k();
  p.exclude_seen = protocol_ == Protocol::new_items;
  const CsrView seen_view = seen_.view();
  return with_cold_start(backend_.topn(customers, items, &seen_view, p));
}

TopNResult Evaluation::with_cold_start(TopNResult lists) const {
  if (lists.customers() != static_cast<std::int64_t>(customers_.size()))
    throw std::invalid_argument(fmt::format("with_cold_start: {} lists for {} customers",
                                            lists.customers(), customers_.size()));
  if (cold_rows_.empty()) return lists;
  TopNResult out;
  out.offsets.reserve(lists.offsets.size());
  out.offsets.push_back(0);
  const bool scores = !lists.scores.empty();
  std::size_t next = 0;  // the next entry of cold_rows_
  for (std::size_t r = 0; r < customers_.size(); ++r) {
    const bool cold = next < cold_rows_.size() && cold_rows_[next] == r;
    const TopNResult& from = cold ? cold_lists_ : lists;
    const std::size_t at = cold ? next++ : r;
    const std::int64_t b = from.offsets[at], e = from.offsets[at + 1];
    out.items.insert(out.items.end(), from.items.begin() + b, from.items.begin() + e);
    if (scores)  // the baselines' lists always carry scores
      out.scores.insert(out.scores.end(), from.scores.begin() + b, from.scores.begin() + e);
    out.offsets.push_back(static_cast<std::int64_t>(out.items.size()));
    if (e - b < max_k()) ++out.short_lists;
  }
  return out;
}

TopNResult Evaluation::baseline_lists(const std::string& name, std::uint64_t seed) const {
  return baseline_lists_for(name, customers_, seed);
}

TopNResult Evaluation::baseline_lists_for(const std::string& name,
                                          const std::vector<std::uint32_t>& customers,
                                          std::uint64_t seed) const {
  const Csr* exclude = protocol_ == Protocol::new_items ? &history_ : nullptr;
  if (name == "popularity") return popularity_lists(train_.customer_items, customers, exclude, max_k());
  if (name == "buy_again") {
    std::vector<bool> rows(static_cast<std::size_t>(data_.log.size()));
    for (std::size_t r = 0; r < rows.size(); ++r) rows[r] = split_.role[r] != Role::test;
    return buy_again_lists(data_, rows, customers, exclude, max_k());
  }
  if (name == "random") return random_lists(data_.items(), customers, exclude, max_k(), seed);
  throw InputError(fmt::format("unknown baseline '{}'", name));
}

std::vector<float> Evaluation::per_customer(const TopNResult& lists) const {
  const CsrView rel = relevant_.view();
  return backend_.ranking_metrics(lists, rel, ks_);
}

nlohmann::json Evaluation::aggregate(const TopNResult& lists, const std::vector<float>& values,
                                     const std::vector<std::size_t>& rows) const {
  nlohmann::json out = nlohmann::json::object();
  const std::size_t nk = ks_.size();
  for (std::size_t j = 0; j < nk; ++j) {
    const int k = ks_[j];
    for (int m = 0; m < kRankingMetricCount; ++m) {
      if (m == kHits) continue;
      double sum = 0.0;
      for (auto r : rows) sum += values[(r * nk + j) * kRankingMetricCount + m];
      out[fmt::format("{}@{}", kRankingMetricNames[m], k)] =
          rows.empty() ? 0.0 : sum / static_cast<double>(rows.size());
    }
    // Catalogue coverage and mean popularity of what was recommended in the first k positions.
    std::vector<char> used(static_cast<std::size_t>(data_.items()), 0);
    double pop = 0.0;
    std::int64_t recommended = 0;
    for (auto r : rows) {
      const std::int64_t b = lists.offsets[r], e = std::min(lists.offsets[r + 1], lists.offsets[r] + k);
      for (std::int64_t q = b; q < e; ++q) {
        used[lists.items[q]] = 1;
        pop += item_popularity_[lists.items[q]];
        ++recommended;
      }
    }
    out[fmt::format("coverage@{}", k)] =
        static_cast<double>(std::count(used.begin(), used.end(), 1)) / static_cast<double>(data_.items());
    out[fmt::format("popularity@{}", k)] = recommended ? pop / static_cast<double>(recommended) : 0.0;
  }
  return out;
}

nlohmann::json Evaluation::metrics(const TopNResult& lists) const {
  std::vector<std::size_t> all(customers_.size());
  for (std::size_t r = 0; r < all.size(); ++r) all[r] = r;
  return aggregate(lists, per_customer(lists), all);
}

nlohmann::json Evaluation::metrics_with_buckets(const TopNResult& lists) const {
  const std::vector<float> values = per_customer(lists);
  std::vector<std::vector<std::size_t>> by_bucket(kBuckets.size());
  std::vector<std::size_t> all(customers_.size());
  for (std::size_t r = 0; r < customers_.size(); ++r) {
    all[r] = r;
    by_bucket[bucket_index(history_rows_[r])].push_back(r);
  }
  nlohmann::json buckets = nlohmann::json::array();
  for (std::size_t b = 0; b < kBuckets.size(); ++b) {
    if (by_bucket[b].empty()) continue;
    nlohmann::json row = aggregate(lists, values, by_bucket[b]);
    row["bucket"] = kBuckets[b];
    row["customers"] = by_bucket[b].size();
    buckets.push_back(row);
  }
  return {{"overall", aggregate(lists, values, all)}, {"buckets", buckets}};
}

namespace {

// Training options that record every epoch into `epochs`: seconds and objective, and with
// o.per_epoch_metrics also ndcg and recall at the largest cutoff (which costs a scoring pass
// per epoch). ev, o and epochs must outlive the training.
TrainOptions recording_epochs(const Evaluation& ev, const EvaluateOptions& o,
                              nlohmann::json& epochs) {
  TrainOptions topts;
  topts.ials = o.ials;
  if (o.per_epoch_metrics) {
    const std::string key = fmt::format("ndcg@{}", ev.max_k());
    const std::string key2 = fmt::format("recall@{}", ev.max_k());
    topts.after_epoch = [&ev, &o, &epochs, key, key2](const EpochReport& r,
                                                      std::span<const float> X,
                                                      std::span<const float> Y) {
      nlohmann::json m = ev.metrics(ev.model_lists(X, Y, o.ials));
      epochs.push_back({{"epoch", r.epoch},
                        {"seconds", r.seconds},
                        {"objective", r.objective.total},
                        {key, m[key]},
                        {key2, m[key2]}});
      return true;
    };
  } else {
    topts.on_epoch = [&epochs](const EpochReport& r) {
      epochs.push_back(
          {{"epoch", r.epoch}, {"seconds", r.seconds}, {"objective", r.objective.total}});
    };
  }
  return topts;
}

// The factors scored and the parameters they were trained with.
struct ScoredFactors {
  IalsParams params;
  std::vector<float> X, Y;
};

// A BPR model trained on the split's training rows and its epochs.
struct BprRun {
  ScoredFactors f;
  nlohmann::json epochs = nlohmann::json::array();
  double seconds = 0.0;
};

// Trains BPR on ev.train(), recording each epoch as recording_epochs does (objective = the
// sampled BPR loss; with o.per_epoch_metrics, ndcg and recall at the largest cutoff).
BprRun train_bpr_on_split(const Evaluation& ev, const EvaluateOptions& o) {
  BprRun run;
  run.f.params = bpr_scoring_params(o.bpr);
  BprTrainOptions topts;
  topts.bpr = o.bpr;
  const std::string key = fmt::format("ndcg@{}", ev.max_k());
  const std::string key2 = fmt::format("recall@{}", ev.max_k());
  topts.after_epoch = [&](const EpochReport& r, std::span<const float> X,
                          std::span<const float> Y) {
    nlohmann::json e = {
        {"epoch", r.epoch}, {"seconds", r.seconds}, {"objective", r.objective.total}};
    if (o.per_epoch_metrics) {
      nlohmann::json m = ev.metrics(ev.model_lists(X, Y, run.f.params));
      e[key] = m[key];
      e[key2] = m[key2];
    }
    run.epochs.push_back(std::move(e));
    return true;
  };
  TrainResult trained = train_bpr(ev.train(), topts, ev.backend());
  run.seconds = trained.seconds;
  run.f.X = std::move(trained.customer_factors);
  run.f.Y = std::move(trained.item_factors);
  return run;
}

// A given model's factors: InputError when its ids differ from the data's, a warning when it
// was trained on other rows than this split's training rows.
ScoredFactors given_model(const Dataset& data, const Model& model, const Evaluation& ev) {
  if (model.customer_ids != data.customer_ids || model.item_ids != data.item_ids)
    throw InputError(fmt::format("model from {} has other customer or item ids than {}; score a "
                                 "model trained on this file's ids",
                                 model.training_input, data.path.string()));
  if (!model.data_fingerprint.empty() && model.data_fingerprint != ev.train().fingerprint)
    spdlog::warn("evaluate: the model was not trained on this split's training rows (data "
                 "fingerprint {} vs {}); if it saw the test rows, these figures are optimistic",
                 model.data_fingerprint, ev.train().fingerprint);
  return {model.params, model.customer_factors, model.item_factors};
}

// The overall and per-bucket metrics of the factor model (when f is given), of the item
// models and of the baselines when o.baselines:
// {"models": {name: {...}}, "buckets": {name: [...]}, "item_models": {...}}.
nlohmann::json score_lists(const Dataset& data, const Evaluation& ev, const EvaluateOptions& o,
                           const ScoredFactors* f, const ScoredFactors* bpr) {
  nlohmann::json models = nlohmann::json::object(), buckets = nlohmann::json::object();
  auto add = [&](const std::string& name, const TopNResult& lists) {
    nlohmann::json m = ev.metrics_with_buckets(lists);
    models[name] = m["overall"];
    buckets[name] = m["buckets"];
  };
  if (f != nullptr) add(o.model_name, ev.model_lists(f->X, f->Y, f->params));
  if (bpr != nullptr) add("bpr", ev.model_lists(bpr->X, bpr->Y, bpr->params));
  nlohmann::json items = evaluate_item_models(data, ev, o.protocol == Protocol::new_items,
                                              o.item_models, add);
  for (const ExternalModel& m : o.external) {
    nlohmann::json record = nlohmann::json::object();
    add(m.name, ev.with_cold_start(m.lists(ev, o.protocol == Protocol::new_items, record)));
    items[m.name] = std::move(record);
  }
  if (o.baselines)
    for (const char* name : {"popularity", "buy_again", "random"})
      add(name, ev.baseline_lists(name, o.seed));
  return {{"models", models}, {"buckets", buckets}, {"item_models", items}};
}

// The evaluation document without "parameters" when there is no factor model, and with the
// item models' record and time when there are any.
nlohmann::json with_item_models(nlohmann::json result, nlohmann::json items, bool factors) {
  if (!factors) result.erase("parameters");
  if (items.empty()) return result;
  double seconds = 0.0;
  for (const auto& [name, m] : items.items())
    seconds += m["fit_seconds"].get<double>() + m["score_seconds"].get<double>();
  result["timings"]["item_models"] = seconds;
  result["item_models"] = std::move(items);
  return result;
}

nlohmann::json parameters(const IalsParams& used, const Model* model) {
  nlohmann::json params = {{"factors", used.factors},
                           {"regularization", decimal(used.regularization)},
                           {"alpha", decimal(used.alpha)},
                           {"iterations", used.iterations},
                           {"cg_steps", used.cg_steps},
                           {"confidence", to_string(used.scaling)},
                           {"seed", used.seed}};
  if (model) params["model_file_trained_on"] = model->training_input;
  return params;
}

}  // namespace

// The evaluation document; the item models' record is moved to `items`.
static nlohmann::json evaluation_document(const Dataset& data, const EvaluateOptions& o,
                                          const Backend& backend, nlohmann::json& items) {
  const auto start = std::chrono::steady_clock::now();
  Split split = make_split(data, o.split);
  Evaluation ev(data, split, o.protocol, o.ks, backend, o.cold_start, o.seed);
  spdlog::info("evaluate: split {}: {} customers with relevant items ({} without, left out; {} "
               "cold start, given the {} list), protocol '{}', k = {}",
               o.split.text, ev.customers().size(), ev.without_relevant(),
               ev.cold_start_rows().size(), to_string(o.cold_start), to_string(o.protocol),
               fmt::join(ev.ks(), ","));

  nlohmann::json epochs = nlohmann::json::array();
  const TrainOptions topts = recording_epochs(ev, o, epochs);
  const auto t_train = std::chrono::steady_clock::now();
  ScoredFactors f;
  const bool factors = o.model != nullptr || o.train_ials;
  if (o.model) {
    f = given_model(data, *o.model, ev);
  } else if (o.train_ials) {
    TrainResult trained = train_ials(ev.train(), topts, backend);
    f = {o.ials, std::move(trained.customer_factors), std::move(trained.item_factors)};
  }
  const double train_seconds = seconds_since(t_train);
  std::optional<BprRun> bpr;
  if (o.train_bpr) bpr = train_bpr_on_split(ev, o);

  const auto t_score = std::chrono::steady_clock::now();
  nlohmann::json scored =
      score_lists(data, ev, o, factors ? &f : nullptr, bpr ? &bpr->f : nullptr);
  items = std::move(scored["item_models"]);
  nlohmann::json doc = {{"kind", "evaluation"},
          {"input", data.path.string()},
          {"created_at", utc_now_iso8601()},
          {"split", split.describe()},
          {"protocol", to_string(o.protocol)},
          {"k", ev.ks()},
          {"device", to_string(ev.device())},
          {"customers",
           {{"evaluated", ev.customers().size()},
            {"without_relevant", ev.without_relevant()},
            {"cold_start", ev.cold_start_rows().size()}}},
          {"cold_start", to_string(o.cold_start)},
          {"parameters", parameters(f.params, o.model)},
          {"models", std::move(scored["models"])},
          {"buckets", std::move(scored["buckets"])},
          {"epochs", epochs},
          {"timings",
           {{"train", train_seconds},
            {"score", seconds_since(t_score)},
            {"total", seconds_since(start)}}}};
  if (bpr)
    doc["bpr"] = {{"parameters", bpr_parameters(o.bpr)},
                  {"epochs", std::move(bpr->epochs)},
                  {"train_seconds", bpr->seconds}};
  return doc;
}

nlohmann::json bpr_parameters(const BprParams& p) {
  return {{"algorithm", "bpr"},
          {"factors", p.factors},
          {"learning_rate", decimal(p.learning_rate)},
          {"regularization", decimal(p.regularization)},
          {"epochs", p.epochs},
          {"negatives", to_string(p.negatives)},
          {"lr_schedule", to_string(p.schedule)},
          {"item_bias", p.item_bias},
          {"bias_regularization", decimal(p.bias_regularization)},
          {"seed", p.seed}};
}

IalsParams bpr_scoring_params(const BprParams& p) {
  IalsParams s;
  s.factors = bpr_width(p);
  s.regularization = p.regularization;
  s.seed = p.seed;
  return s;
}

nlohmann::json evaluate(const Dataset& data, const EvaluateOptions& o, const Backend& backend) {
  nlohmann::json items;
  nlohmann::json result = evaluation_document(data, o, backend, items);
  return with_item_models(std::move(result), std::move(items),
                          o.model != nullptr || o.train_ials);
}

std::string format_evaluation(const nlohmann::json& r) {
  std::string out = fmt::format(
      "split {}  protocol {}  customers {} (without relevant items: {}; cold start: {}, given "
      "the {} list)\n",
      r["split"].value("spec", std::string("?")), r["protocol"].get<std::string>(),
      r["customers"]["evaluated"].get<std::int64_t>(),
      r["customers"]["without_relevant"].get<std::int64_t>(),
      r["customers"].value("cold_start", std::int64_t{0}), r.value("cold_start", std::string("?")));
  static const char* cols[] = {"precision", "recall", "ndcg", "map", "hit_rate", "mrr", "coverage", "popularity"};
  for (const auto& kv : r["k"]) {
    const int k = kv.get<int>();
    out += fmt::format("\n{:<12}", fmt::format("@{}", k));
    for (const char* c : cols) out += fmt::format(" {:>10}", c);
    out += "\n";
    // Models first, then the baselines, in a fixed order.
    std::vector<std::string> names;
    for (const auto& [name, m] : r["models"].items())
      if (name != "popularity" && name != "buy_again" && name != "random") names.push_back(name);
    for (const char* b : {"popularity", "buy_again", "random"})
      if (r["models"].contains(b)) names.emplace_back(b);
    for (const auto& name : names) {
      const auto& m = r["models"][name];
      out += fmt::format("{:<12}", name);
      for (const char* c : cols) {
        const std::string key = fmt::format("{}@{}", c, k);
        out += m.contains(key) ? fmt::format(" {:>10.4f}", m[key].get<double>()) : fmt::format(" {:>10}", "-");
      }
      out += "\n";
    }
  }
  return out;
}

}  // namespace tailor
