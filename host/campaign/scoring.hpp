// Model scores for campaign lists: blocks of listed customers scored against every item through
// the Backend's Scorer (CPU or CUDA), over the item factors in the data's item order.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "host/campaign/ids.hpp"
#include "host/campaign/items.hpp"
#include "host/data/dataset.hpp"
#include "host/train/model.hpp"
#include "kernels/backend.hpp"

namespace tailor {

// Shared by the threads: the scorer and the model's customer factors.
class CampaignScorer {
 public:
  // With `need_scores` false (no recipe reaches a discovery or model slot) nothing is scored and
  // every row() is null. Items the model does not know get zero rows; they are never candidates.
  CampaignScorer(const Model& model, const Dataset& data, const Csr& customer_items,
                 const ItemFactors& items, const Backend& backend, bool need_scores);

  [[nodiscard]] bool active() const { return scorer_ != nullptr; }
  // Customers per block: the scorer's block_rows(), 4 without a scorer.
  [[nodiscard]] int block_rows() const { return scorer_ ? scorer_->block_rows() : 4; }
  [[nodiscard]] int factors() const { return k_; }
  [[nodiscard]] const Scorer& scorer() const { return *scorer_; }
  // Customer c of the data has history, and factors in the model: the k floats, else null.
  [[nodiscard]] const float* scored_factors(std::uint32_t c) const;

 private:
  const Model* model_;
  const Dataset* data_;
  const Csr* history_;
  int k_;
  IdIndex model_customers_;
  std::vector<float> item_rows_;  // items x k, row-major; zeros for items without factors
  std::unique_ptr<Scorer> scorer_;
};

// Per thread: the score rows of one block of customers at a time, in buffers made once.
class BlockScores {
 public:
  explicit BlockScores(const CampaignScorer& s);
  // Scores the customers of `block` (at most block_rows()) that scored_factors() gives.
  void score(std::span<const std::uint32_t> block);
  // The score row of the block's k-th customer (one float per item, data order), or null when
  // it was not scored.
  [[nodiscard]] const float* row(std::size_t k) const {
    return row_of_[k] < 0 ? nullptr
                          : scores_ + static_cast<std::size_t>(row_of_[k]) *
                                          static_cast<std::size_t>(stride_);
  }

 private:
  const CampaignScorer* s_;
  std::vector<float> x_;    // block_rows x k customer factors, row-major
  HostRows rows_;
  float* scores_ = nullptr;
  std::int64_t stride_ = 0;
  std::vector<int> row_of_;  // per customer of the block: its row in rows_, or -1
};

}  // namespace tailor
