// Blocks of customers scored through the Backend's Scorer for campaign lists (the iALS score
// source).
#include <gtest/gtest.h>

#include <vector>

#include "host/campaign/items.hpp"
#include "host/campaign/scoring.hpp"

namespace tailor {
namespace {

// 4 customers, 3 items, k = 2. u2 has no history; the model does not know u3 nor item c.
struct Shop {
  Dataset data;
  InteractionMatrices m;
  Model model;
  Shop() {
    data.customer_ids = {"u0", "u1", "u2", "u3"};
    data.item_ids = {"a", "b", "c"};
    data.log.customer = {0, 1, 1, 3};
    data.log.item = {0, 1, 2, 0};
    m = build_matrices(data, 1);
    model.params.factors = 2;
    model.customer_ids = {"u1", "u0", "u2"};
    model.customer_factors = {1, 2, 3, 4, 5, 6};  // u1 = (1, 2), u0 = (3, 4), u2 = (5, 6)
    model.item_ids = {"b", "a"};
    model.item_factors = {1, 0, 0.5f, 0.25f};  // b = (1, 0), a = (0.5, 0.25)
  }
  [[nodiscard]] IalsScoreSource scorer(bool need_scores) const {
    return IalsScoreSource(model, data, m.customer_items, Backend::cpu({1}), need_scores);
  }
};

TEST(CampaignScoring, RowsAreDotProductsInDataItemOrder) {
  const Shop s;
  const IalsScoreSource scorer = s.scorer(true);
  ASSERT_TRUE(scorer.active());
  ASSERT_GE(scorer.block_rows(), 4);
  IalsBlockScores block(scorer);
  const std::vector<std::uint32_t> customers = {1, 2, 0, 3};
  block.score(customers);
  const float* u1 = block.row(0);
  const float* u0 = block.row(2);
  ASSERT_NE(u1, nullptr);
  ASSERT_NE(u0, nullptr);
  EXPECT_FLOAT_EQ(u1[0], 1.0f);   // (1, 2) . (0.5, 0.25)
  EXPECT_FLOAT_EQ(u1[1], 1.0f);   // (1, 2) . (1, 0)
  EXPECT_EQ(u1[2], kNoScore);     // c is unknown to the model: never a candidate
  EXPECT_FALSE(u1[2] > scorer.floor());
  EXPECT_FLOAT_EQ(u0[0], 2.5f);
  EXPECT_FLOAT_EQ(u0[1], 3.0f);
  EXPECT_EQ(block.row(1), nullptr);  // u2: no history, so no scores
  EXPECT_EQ(block.row(3), nullptr);  // u3: not in the model
  // The next block forgets the last one's rows.
  block.score(std::vector<std::uint32_t>{3, 0});
  EXPECT_EQ(block.row(0), nullptr);
  ASSERT_NE(block.row(1), nullptr);
  EXPECT_FLOAT_EQ(block.row(1)[1], 3.0f);
}

TEST(CampaignScoring, NothingIsScoredWithoutDiscoveryOrModelSlots) {
  const Shop s;
  const IalsScoreSource scorer = s.scorer(false);
  EXPECT_FALSE(scorer.active());
  EXPECT_EQ(scorer.block_rows(), 4);
  EXPECT_EQ(scorer.scored_factors(0), nullptr);
  IalsBlockScores block(scorer);
  block.score(std::vector<std::uint32_t>{0, 1});
  EXPECT_EQ(block.row(0), nullptr);
  EXPECT_EQ(block.row(1), nullptr);
}

}  // namespace
}  // namespace tailor
