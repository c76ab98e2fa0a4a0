#include "host/campaign/scoring.hpp"

#include <algorithm>

#include "host/campaign/reasons.hpp"

namespace tailor {

IalsScoreSource::IalsScoreSource(const Model& model, const Dataset& data,
                                 const Csr& customer_items, const Backend& backend,
                                 bool need_scores)
    : model_(&model), data_(&data), history_(&customer_items),
      items_(tailor::item_factors(model, data)), k_(items_.k) {
  if (!need_scores) return;
  model_customers_ = index_of(model.customer_ids);
  const auto n_items = static_cast<std::int64_t>(items_.rows.size());
  item_rows_.assign(static_cast<std::size_t>(n_items) * static_cast<std::size_t>(k_), 0.0f);
  for (std::int64_t i = 0; i < n_items; ++i) {
    if (items_.rows[i]) {
      std::copy(items_.rows[i], items_.rows[i] + k_,
                item_rows_.begin() + static_cast<std::ptrdiff_t>(i) * k_);
    } else {
      unknown_.push_back(static_cast<std::uint32_t>(i));
    }
  }
  scorer_ = backend.scorer(FactorsView{item_rows_.data(), n_items, k_});
}

std::unique_ptr<BlockScorer> IalsScoreSource::block_scorer() const {
  return std::make_unique<IalsBlockScores>(*this);
}

std::uint32_t IalsScoreSource::because(std::uint32_t customer, std::uint32_t item) const {
  if (!items_.rows[item]) return kNoItem;
  const std::span<const std::uint32_t> bought(
      history_->indices.data() + history_->indptr[customer],
      static_cast<std::size_t>(history_->indptr[customer + 1] - history_->indptr[customer]));
  return most_similar_bought(item, bought, items_);
}

const float* IalsScoreSource::scored_factors(std::uint32_t c) const {
  if (!scorer_ || history_->indptr[c + 1] == history_->indptr[c]) return nullptr;
  auto it = model_customers_.find(data_->customer_ids[c]);
  if (it == model_customers_.end()) return nullptr;
  return model_->customer_factors.data() + static_cast<std::size_t>(it->second) * k_;
}

IalsBlockScores::IalsBlockScores(const IalsScoreSource& s)
    : s_(&s), row_of_(static_cast<std::size_t>(s.block_rows()), -1) {
  if (!s.active()) return;
  x_.resize(static_cast<std::size_t>(s.block_rows()) * static_cast<std::size_t>(s.factors()));
  rows_ = s.scorer().rows();
  scores_ = rows_.data();
  stride_ = s.scorer().stride();
}

void IalsBlockScores::score(std::span<const std::uint32_t> block) {
  const int k = s_->factors();
  int rows = 0;
  for (std::size_t j = 0; j < block.size(); ++j) {
    row_of_[j] = -1;
    const float* u = s_->scored_factors(block[j]);
    if (!u) continue;
    std::copy(u, u + k, x_.begin() + static_cast<std::ptrdiff_t>(rows) * k);
    row_of_[j] = rows++;
  }
  if (rows == 0) return;
  s_->scorer().score(x_.data(), rows, scores_);
  // Items without factors score 0 in the product; they are no candidates.
  for (int r = 0; r < rows; ++r) {
    float* row = scores_ + static_cast<std::size_t>(r) * static_cast<std::size_t>(stride_);
    for (const std::uint32_t i : s_->unknown_items()) row[i] = kNoScore;
  }
}

}  // namespace tailor
