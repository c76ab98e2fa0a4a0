// Where a campaign's discovery and model slots get their scores: a ScoreSource gives, for a
// block of customers at a time, one dense score row per customer (a float per item of the data,
// in data order). The slots rank their candidates by these rows under the campaign's rules
// (host/campaign/slots.hpp); the source decides nothing about eligibility.
//
// The sources: "ials" (host/campaign/scoring.hpp: customer x item factors through the Backend's
// Scorer), "itemknn", "ease" and "tifuknn" (host/campaign/score_sources.hpp: from each customer's
// own history). To add one: derive from ScoreSource (and BlockScorer, or PerCustomerRows when
// rows are made one customer at a time), add its name to SlotModel and kSlotModelNames
// (host/campaign/campaign.hpp), and construct it in make_score_source
// (host/campaign/score_sources.cpp). docs/campaigns.md, "Score sources", says the same.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "host/data/ids.hpp"

namespace tailor {

// Per thread: the score rows of one block of customers at a time, in buffers made once.
class BlockScorer {
 public:
  virtual ~BlockScorer() = default;
  // Scores the customers of `block` (customer indices of the data, at most block_rows() of the
  // source), replacing the rows of the previous block.
  virtual void score(std::span<const std::uint32_t> block) = 0;
  // The row of the block's k-th customer, one float per item of the data; null when the source
  // has no scores for that customer (no history, unknown to the model): its discovery and model
  // slots then pass to their fallbacks. Valid until the next score().
  [[nodiscard]] virtual const float* row(std::size_t k) const = 0;
};

// Shared by the threads; every method is const and thread-safe.
class ScoreSource {
 public:
  virtual ~ScoreSource() = default;
  // The name in [campaign] model ("ials", "itemknn", ...), for logs and the manifest.
  [[nodiscard]] virtual const char* name() const = 0;
  // The most customers one BlockScorer::score() call takes.
  [[nodiscard]] virtual int block_rows() const = 0;
  // A thread's block scorer (its buffers are allocated here, once per thread).
  [[nodiscard]] virtual std::unique_ptr<BlockScorer> block_scorer() const = 0;
  // Item i is a candidate of a customer's discovery and model slots only when row[i] > floor():
  // -infinity for a source whose every finite score ranks (iALS; a source that scores only some
  // items writes -infinity for the others), 0 for the history models, whose score 0 means "no
  // evidence at all" and whose unfilled slots are better passed to the fallbacks (popular).
  [[nodiscard]] virtual float floor() const = 0;
  // The item of customer `customer`'s history that explains `item` ("because you bought X"), or
  // kNoItem ("recommended for you"). Called once per placed model item.
  [[nodiscard]] virtual std::uint32_t because(std::uint32_t customer, std::uint32_t item) const {
    (void)customer;
    (void)item;
    return kNoItem;
  }
};

inline constexpr float kNoScore = -std::numeric_limits<float>::infinity();

// A BlockScorer for sources that make each customer's row on its own: score_customer() fills
// one row of the block's buffer (block_rows x items floats).
class PerCustomerRows : public BlockScorer {
 public:
  PerCustomerRows(int block_rows, std::int64_t items)
      : items_(static_cast<std::size_t>(items)),
        rows_(static_cast<std::size_t>(block_rows) * items_),
        has_row_(static_cast<std::size_t>(block_rows), 0) {}

  void score(std::span<const std::uint32_t> block) final {
    for (std::size_t k = 0; k < block.size(); ++k)
      has_row_[k] = score_customer(block[k], std::span(rows_).subspan(k * items_, items_)) ? 1 : 0;
    std::fill(has_row_.begin() + static_cast<std::ptrdiff_t>(block.size()), has_row_.end(), 0);
  }
  [[nodiscard]] const float* row(std::size_t k) const final {
    return has_row_[k] ? rows_.data() + k * items_ : nullptr;
  }

 protected:
  // Writes every entry of customer c's row into `row` (one float per item) and returns true, or
  // returns false when the customer has no scores.
  virtual bool score_customer(std::uint32_t c, std::span<float> row) = 0;

 private:
  std::size_t items_;
  std::vector<float> rows_;
  std::vector<std::uint8_t> has_row_;
};

// A source that scores nobody: every row null (a campaign whose recipes reach no discovery or
// model slot needs no scores).
class NoScores final : public ScoreSource {
 public:
  [[nodiscard]] const char* name() const override { return "none"; }
  [[nodiscard]] int block_rows() const override { return 4; }
  [[nodiscard]] std::unique_ptr<BlockScorer> block_scorer() const override {
    return std::make_unique<Rows>();
  }
  [[nodiscard]] float floor() const override { return kNoScore; }

 private:
  struct Rows final : BlockScorer {
    void score(std::span<const std::uint32_t>) override {}
    [[nodiscard]] const float* row(std::size_t) const override { return nullptr; }
  };
};

}  // namespace tailor
