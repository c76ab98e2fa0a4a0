// The iALS score source of campaign lists: blocks of listed customers scored against every item
// through the Backend's Scorer (CPU or CUDA), over the model's item factors in the data's item
// order (host/campaign/score_source.hpp describes the interface).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "host/data/ids.hpp"
#include "host/campaign/items.hpp"
#include "host/campaign/score_source.hpp"
#include "host/data/dataset.hpp"
#include "host/train/model.hpp"
#include "kernels/backend.hpp"

namespace tailor {

// Shared by the threads: the scorer, the model's customer factors and its item factors.
class IalsScoreSource final : public ScoreSource {
 public:
  // With `need_scores` false (no recipe reaches a discovery or model slot) nothing is scored and
  // every row is null. Items the model does not know score kNoScore: never candidates. `model`,
  // `data` and `customer_items` must outlive the source.
  IalsScoreSource(const Model& model, const Dataset& data, const Csr& customer_items,
                  const Backend& backend, bool need_scores);

  [[nodiscard]] const char* name() const override { return "ials"; }
  [[nodiscard]] bool active() const { return scorer_ != nullptr; }
  // Customers per block: the scorer's block_rows(), 4 without a scorer.
  [[nodiscard]] int block_rows() const override { return scorer_ ? scorer_->block_rows() : 4; }
  [[nodiscard]] std::unique_ptr<BlockScorer> block_scorer() const override;
  [[nodiscard]] float floor() const override { return kNoScore; }
  // The bought item with factors most similar to `item`'s by cosine (most_similar_bought).
  [[nodiscard]] std::uint32_t because(std::uint32_t customer, std::uint32_t item) const override;

  [[nodiscard]] int factors() const { return k_; }
  [[nodiscard]] const Scorer& scorer() const { return *scorer_; }
  [[nodiscard]] const ItemFactors& item_factors() const { return items_; }
  // Items of the data without factors in the model, ascending.
  [[nodiscard]] const std::vector<std::uint32_t>& unknown_items() const { return unknown_; }
  // Customer c of the data has history, and factors in the model: the k floats, else null.
  [[nodiscard]] const float* scored_factors(std::uint32_t c) const;

 private:
  const Model* model_;
  const Dataset* data_;
  const Csr* history_;
  ItemFactors items_;
  int k_;
  IdIndex model_customers_;
  std::vector<std::uint32_t> unknown_;
  std::vector<float> item_rows_;  // items x k, row-major; zeros for items without factors
  std::unique_ptr<Scorer> scorer_;
};

// Per thread: the iALS score rows of one block of customers at a time.
class IalsBlockScores final : public BlockScorer {
 public:
  explicit IalsBlockScores(const IalsScoreSource& s);
  // Scores the customers of `block` (at most block_rows()) that scored_factors() gives.
  void score(std::span<const std::uint32_t> block) override;
  [[nodiscard]] const float* row(std::size_t k) const override {
    return row_of_[k] < 0 ? nullptr
                          : scores_ + static_cast<std::size_t>(row_of_[k]) *
                                          static_cast<std::size_t>(stride_);
  }

 private:
  const IalsScoreSource* s_;
  std::vector<float> x_;    // block_rows x k customer factors, row-major
  HostRows rows_;
  float* scores_ = nullptr;
  std::int64_t stride_ = 0;
  std::vector<int> row_of_;  // per customer of the block: its row in rows_, or -1
};

}  // namespace tailor
