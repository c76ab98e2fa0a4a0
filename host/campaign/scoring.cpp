#include "host/campaign/scoring.hpp"

#include <algorithm>

namespace tailor {

CampaignScorer::CampaignScorer(const Model& model, const Dataset& data, const Csr& customer_items,
                               const ItemFactors& items, const Backend& backend, bool need_scores)
    : model_(&model), data_(&data), history_(&customer_items), k_(items.k) {
  if (!need_scores) return;
  model_customers_ = index_of(model.customer_ids);
  const auto n_items = static_cast<std::int64_t>(items.rows.size());
  item_rows_.assign(static_cast<std::size_t>(n_items) * static_cast<std::size_t>(k_), 0.0f);
  for (std::int64_t i = 0; i < n_items; ++i)
    if (items.rows[i])
      std::copy(items.rows[i], items.rows[i] + k_,
                item_rows_.begin() + static_cast<std::ptrdiff_t>(i) * k_);
  scorer_ = backend.scorer(FactorsView{item_rows_.data(), n_items, k_});
}

const float* CampaignScorer::scored_factors(std::uint32_t c) const {
  if (!scorer_ || history_->indptr[c + 1] == history_->indptr[c]) return nullptr;
  auto it = model_customers_.find(data_->customer_ids[c]);
  if (it == model_customers_.end()) return nullptr;
  return model_->customer_factors.data() + static_cast<std::size_t>(it->second) * k_;
}

BlockScores::BlockScores(const CampaignScorer& s)
    : s_(&s), row_of_(static_cast<std::size_t>(s.block_rows()), -1) {
  if (!s.active()) return;
  x_.resize(static_cast<std::size_t>(s.block_rows()) * static_cast<std::size_t>(s.factors()));
  rows_ = s.scorer().rows();
  scores_ = rows_.data();
  stride_ = s.scorer().stride();
}

void BlockScores::score(std::span<const std::uint32_t> block) {
  const int k = s_->factors();
  int rows = 0;
  for (std::size_t j = 0; j < block.size(); ++j) {
    row_of_[j] = -1;
    const float* u = s_->scored_factors(block[j]);
    if (!u) continue;
    std::copy(u, u + k, x_.begin() + static_cast<std::ptrdiff_t>(rows) * k);
    row_of_[j] = rows++;
  }
  if (rows > 0) s_->scorer().score(x_.data(), rows, scores_);
}

}  // namespace tailor
