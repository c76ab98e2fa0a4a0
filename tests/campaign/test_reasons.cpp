// The reason of each slot kind, and the most similar bought item behind "because you bought".
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "host/campaign/reasons.hpp"
#include "host/io/time.hpp"

namespace tailor {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kT0 = 1700000000;  // 2023-11-14

// Items in 2 dimensions: 0 = (1, 0); 1 = (10, 1) (long, nearly along 0); 2 = (0.6, 0.8)
// (short, 53 degrees off); 3 = (0, 1); 4 unknown to the model; 5 = (0, 0); 6 = (20, 2), the
// direction of 1 (the same cosine with every item).
struct Factors {
  std::vector<float> v = {1, 0, 10, 1, 0.6f, 0.8f, 0, 1, 0, 0, 20, 2};
  ItemFactors f;
  Factors() {
    f.k = 2;
    for (int i : {0, 1, 2, 3}) f.rows.push_back(v.data() + 2 * i);
    f.rows.push_back(nullptr);
    f.rows.push_back(v.data() + 8);
    f.rows.push_back(v.data() + 10);
    for (const float* r : f.rows)
      f.norms.push_back(r ? std::sqrt(r[0] * r[0] + r[1] * r[1]) : 0.0f);
  }
};

TEST(Reasons, BecauseNamesTheMostSimilarBoughtItemByCosine) {
  const Factors x;
  const std::vector<std::uint32_t> bought = {1, 2, 3};
  // For item 0, the dot product prefers item 1 (10) and so does the cosine (0.995 > 0.6).
  EXPECT_EQ(most_similar_bought(0, bought, x.f), 1u);
  // For item 3, the dot products are 1, 0.8, 1 (itself excluded: 3 is not a reason for 3);
  // the cosines 0.0995 and 0.8: item 2, although shorter.
  EXPECT_EQ(most_similar_bought(3, bought, x.f), 2u);
  // Items without factors or with a zero norm are never the reason; none left: kNoItem.
  EXPECT_EQ(most_similar_bought(0, std::vector<std::uint32_t>{0, 4, 5}, x.f), kNoItem);
  // A tie goes to the first bought.
  EXPECT_EQ(most_similar_bought(0, std::vector<std::uint32_t>{6, 1}, x.f), 6u);
  EXPECT_EQ(most_similar_bought(0, std::vector<std::uint32_t>{1, 6}, x.f), 1u);
}

TEST(Reasons, BecauseUsesTheNameElseTheId) {
  const Factors x;
  Dataset d;
  d.item_ids = {"i0", "i1", "i2", "i3", "i4", "i5", "i6"};
  const std::vector<std::uint32_t> bought = {1, 2};
  EXPECT_EQ(because_reason(d, x.f, 0, bought), "because you bought i1");
  d.item_meta.name = {"", "", "MUG", "", "", "", ""};
  EXPECT_EQ(because_reason(d, x.f, 3, bought), "because you bought MUG");
  EXPECT_EQ(because_reason(d, x.f, 0, bought), "because you bought i1");  // empty name: the id
  EXPECT_EQ(because_reason(d, x.f, 1, std::vector<std::uint32_t>{1}), "recommended for you");
}

TEST(Reasons, DueSinceOrDueOn) {
  DueItem d;
  d.expected = kT0;
  d.interval_days = 13.4;
  EXPECT_EQ(due_reason(d, kT0), "due since 2023-11-14 (about every 13 days)");
  EXPECT_EQ(due_reason(d, kT0 - 1), "due on 2023-11-14 (about every 13 days)");
  d.expected = kT0 + 3 * kDay;
  EXPECT_EQ(due_reason(d, kT0 + 10 * kDay), "due since " + utc_date(kT0 + 3 * kDay) +
                                                " (about every 13 days)");
}

TEST(Reasons, NewCategoryAndPopular) {
  ItemMeta im;
  im.category_names = {"TEA", "MUG"};
  im.category = {1, 0};
  EXPECT_EQ(new_category_reason(im, 0), "new category: MUG");
  EXPECT_EQ(new_category_reason(im, 1), "new category: TEA");
  EXPECT_EQ(popular_reason(60), "popular: bought by 60 customers");
}

}  // namespace
}  // namespace tailor
