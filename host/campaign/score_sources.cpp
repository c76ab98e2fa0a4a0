#include "host/campaign/score_sources.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "host/campaign/scoring.hpp"
#include "host/core/progress.hpp"

namespace tailor {
namespace {

// A history source's block: each customer's row accumulated in double, then stored as floats.
template <class Source>
class HistoryRows final : public PerCustomerRows {
 public:
  HistoryRows(const Source& s, std::int64_t items)
      : PerCustomerRows(s.block_rows(), items), s_(&s), acc_(static_cast<std::size_t>(items)) {}

 protected:
  bool score_customer(std::uint32_t c, std::span<float> row) override {
    return s_->score(c, row, acc_);
  }

 private:
  const Source* s_;
  std::vector<double> acc_;  // items
};

bool has_history(const Csr& h, std::uint32_t c) { return h.indptr[c + 1] > h.indptr[c]; }

// acc into row as floats, acc back to zero.
void store(std::vector<double>& acc, std::span<float> row) {
  for (std::size_t j = 0; j < row.size(); ++j) {
    row[j] = static_cast<float>(acc[j]);
    acc[j] = 0.0;
  }
}

}  // namespace

// ---- item kNN -------------------------------------------------------------------------------

ItemKnnScoreSource::ItemKnnScoreSource(ItemKnnModel model, const Csr& customer_items)
    : model_(std::move(model)), history_(&customer_items) {}

std::unique_ptr<BlockScorer> ItemKnnScoreSource::block_scorer() const {
  return std::make_unique<HistoryRows<ItemKnnScoreSource>>(*this, model_.neighbours.items);
}

bool ItemKnnScoreSource::score(std::uint32_t c, std::span<float> row,
                               std::vector<double>& acc) const {
  if (!has_history(*history_, c)) return false;
  const ItemNeighbours& nb = model_.neighbours;
  for (std::int64_t q = history_->indptr[c]; q < history_->indptr[c + 1]; ++q) {
    const std::uint32_t i = history_->indices[q];
    const double r = model_.params.weighted_scores ? history_->data[q] : 1.0;
    for (std::int64_t k = nb.indptr[i]; k < nb.indptr[i + 1]; ++k)
      acc[nb.indices[k]] += r * nb.similarity[k];
  }
  store(acc, row);
  return true;
}

std::uint32_t ItemKnnScoreSource::because(std::uint32_t customer, std::uint32_t item) const {
  const ItemNeighbours& nb = model_.neighbours;
  double best = 0.0;
  std::uint32_t arg = kNoItem;
  for (std::int64_t q = history_->indptr[customer]; q < history_->indptr[customer + 1]; ++q) {
    const std::uint32_t i = history_->indices[q];
    const auto first = nb.indices.begin() + nb.indptr[i], last = nb.indices.begin() + nb.indptr[i + 1];
    const auto it = std::lower_bound(first, last, item);
    if (it == last || *it != item) continue;
    const double r = model_.params.weighted_scores ? history_->data[q] : 1.0;
    const double c = r * nb.similarity[static_cast<std::size_t>(it - nb.indices.begin())];
    if (c > best) {  // history ascending: a tie keeps the lower item
      best = c;
      arg = i;
    }
  }
  return arg;
}

// ---- EASE -----------------------------------------------------------------------------------

EaseScoreSource::EaseScoreSource(EaseModel model, const Csr& customer_items)
    : model_(std::move(model)), history_(&customer_items) {}

std::unique_ptr<BlockScorer> EaseScoreSource::block_scorer() const {
  return std::make_unique<HistoryRows<EaseScoreSource>>(*this, model_.weights.items);
}

bool EaseScoreSource::score(std::uint32_t c, std::span<float> row,
                            std::vector<double>& acc) const {
  if (!has_history(*history_, c)) return false;
  const auto n = static_cast<std::size_t>(model_.weights.items);
  for (std::int64_t q = history_->indptr[c]; q < history_->indptr[c + 1]; ++q) {
    const double x = model_.params.weighted ? history_->data[q] : 1.0;
    const double* b = model_.weights.b.data() + history_->indices[q] * n;
    for (std::size_t j = 0; j < n; ++j) acc[j] += x * b[j];
  }
  store(acc, row);
  return true;
}

std::uint32_t EaseScoreSource::because(std::uint32_t customer, std::uint32_t item) const {
  const auto n = static_cast<std::size_t>(model_.weights.items);
  double best = 0.0;
  std::uint32_t arg = kNoItem;
  for (std::int64_t q = history_->indptr[customer]; q < history_->indptr[customer + 1]; ++q) {
    const std::uint32_t i = history_->indices[q];
    const double x = model_.params.weighted ? history_->data[q] : 1.0;
    const double c = x * model_.weights.b[i * n + item];
    if (c > best) {
      best = c;
      arg = i;
    }
  }
  return arg;
}

// ---- TIFU-KNN -------------------------------------------------------------------------------

namespace {

class TifuRows final : public PerCustomerRows {
 public:
  explicit TifuRows(const TifuKnnScoreSource& s)
      : PerCustomerRows(s.block_rows(), s.blend().personal().cols), s_(&s),
        scratch_(s.blend().scratch()) {}

 protected:
  bool score_customer(std::uint32_t c, std::span<float> row) override {
    const Csr& u = s_->blend().personal();
    if (u.indptr[c + 1] == u.indptr[c]) return false;
    s_->blend().blend(c, scratch_);
    std::fill(row.begin(), row.end(), 0.0f);
    for (const std::uint32_t i : scratch_.score_touched)
      row[i] = static_cast<float>(scratch_.score[i]);
    scratch_.clear_scores();
    return true;
  }

 private:
  const TifuKnnScoreSource* s_;
  TifuKnnScratch scratch_;
};

}  // namespace

TifuKnnScoreSource::TifuKnnScoreSource(Csr personal, const TifuKnnParams& p, int threads)
    : personal_(std::make_unique<Csr>(std::move(personal))),
      blend_(std::make_unique<TifuKnnBlend>(*personal_, p, threads)) {}

std::unique_ptr<BlockScorer> TifuKnnScoreSource::block_scorer() const {
  return std::make_unique<TifuRows>(*this);
}

// ---- the factory ----------------------------------------------------------------------------

namespace {

std::unique_ptr<ScoreSource> make_tifuknn(const ScoreSourceInputs& in, const TifuKnnParams& p) {
  std::vector<bool> rows = interaction_rows(in.data, in.config);
  if (rows.empty()) rows.assign(static_cast<std::size_t>(in.data.log.size()), true);
  return std::make_unique<TifuKnnScoreSource>(tifu_personal_vectors(in.data, rows, p), p,
                                              in.backend.threads());
}

std::unique_ptr<ScoreSource> make_history_source(const ScoreSourceInputs& in,
                                                 const SlotModelParams& p) {
  const Csr& train = in.m.customer_items;
  // The trained [model], when it is this history model fitted on these rows, is not fitted again.
  const Model* fitted = in.model && in.model->algorithm == to_string(in.config.model) ? in.model
                                                                                      : nullptr;
  switch (in.config.model) {
    case SlotModel::itemknn:
      return std::make_unique<ItemKnnScoreSource>(
          fitted ? ItemKnnModel{fitted->history.itemknn, fitted->neighbours, 0.0}
                 : fit_item_knn(train, p.itemknn, in.backend),
          train);
    case SlotModel::ease:
      return std::make_unique<EaseScoreSource>(
          fitted ? EaseModel{fitted->history.ease, fitted->ease_weights, 0.0}
                 : fit_ease(train, p.ease, p.ease_max_bytes, in.backend),
          train);
    case SlotModel::tifuknn: return make_tifuknn(in, p.tifuknn);
    case SlotModel::ials:
    case SlotModel::ranker: break;
  }
  throw std::logic_error("make_history_source: not a history model");
}

}  // namespace

std::unique_ptr<ScoreSource> make_score_source(const ScoreSourceInputs& in,
                                               const SlotModelParams& params) {
  const bool need = needs_model_scores(in.config);
  if (in.config.model == SlotModel::ials) {
    if (!in.model) throw std::logic_error("make_score_source: \"ials\" needs a model");
    return std::make_unique<IalsScoreSource>(*in.model, in.data, in.m.customer_items, in.backend,
                                             need);
  }
  if (!need) return std::make_unique<NoScores>();
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<ScoreSource> s = make_history_source(in, params);
  spdlog::info("campaign: slot model {} ready in {:.2f} s", s->name(), seconds_since(start));
  return s;
}

}  // namespace tailor
