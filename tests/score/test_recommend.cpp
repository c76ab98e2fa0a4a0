// host/score/recommend: lists for every customer with history, matched to the model by id, and
// the streamed form that hands them on batch by batch (what `tailor recommend` and `tailor run`
// export from).
#include "host/score/recommend.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host/core/error.hpp"
#include "host/data/csr.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

// A model over customers c0..c{n-1} and items i0..i{m-1}, and a file of the same shop whose
// customers are in reverse order, with one customer the model does not know and one without
// history.
struct Shop {
  Model model;
  Dataset data;
  InteractionMatrices m;
};

Shop shop(int customers, int items, int k) {
  Shop s;
  for (int c = 0; c < customers; ++c) s.model.customer_ids.push_back("c" + std::to_string(c));
  for (int i = 0; i < items; ++i) s.model.item_ids.push_back("i" + std::to_string(i));
  s.model.params.factors = k;
  s.model.customer_factors = testing::random_factors(customers, k, 3);
  s.model.item_factors = testing::random_factors(items, k, 4);
  for (int c = customers - 1; c >= 0; --c) s.data.customer_ids.push_back("c" + std::to_string(c));
  s.data.customer_ids.push_back("stranger");
  s.data.customer_ids.push_back("c_no_history");
  s.data.item_ids = s.model.item_ids;
  Csr history = testing::random_csr(customers + 2, items, 6, 5);
  // The last customer has no history.
  const std::int64_t cut = history.indptr[customers + 1];
  history.indices.resize(static_cast<std::size_t>(cut));
  history.data.resize(static_cast<std::size_t>(cut));
  history.indptr[customers + 2] = cut;
  s.m.customer_items = std::move(history);
  return s;
}

TEST(Recommend, MatchesCustomersByIdAndCountsTheRest) {
  const Shop s = shop(20, 30, 4);
  RecommendOptions o;
  o.topn.n = 5;
  const Recommendations r = recommend(s.model, s.data, s.m, o, Backend::cpu({1}));
  EXPECT_EQ(r.customers_not_in_model, 1);
  EXPECT_EQ(r.customers_without_history, 1);
  ASSERT_EQ(r.customers.size(), 20u);
  for (std::size_t c = 0; c < 20; ++c) EXPECT_EQ(r.customers[c], 19 - c);  // the file's order
  EXPECT_EQ(r.listed, 20);
  EXPECT_EQ(r.lists.customers(), 20);
  EXPECT_EQ(r.short_lists, r.lists.short_lists);
}

// Batches of three customers, handed on in order, together hold exactly the lists of one call.
TEST(Recommend, StreamedBatchesAreTheWholeListsInOrder) {
  const Shop s = shop(20, 30, 4);
  RecommendOptions o;
  o.topn.n = 28;  // some customers have fewer than 28 unseen items: short lists
  const Backend cpu = Backend::cpu({2});
  const Recommendations whole = recommend(s.model, s.data, s.m, o, cpu);
  o.batch_customers = 3;
  std::vector<std::uint32_t> customers;
  TopNResult joined;
  joined.offsets.assign(1, 0);
  int batches = 0;
  const Recommendations streamed = recommend(
      s.model, s.data, s.m, o, cpu, [&](std::vector<std::uint32_t> c, TopNResult lists) {
        ++batches;
        EXPECT_LE(c.size(), 3u);
        ASSERT_EQ(lists.customers(), static_cast<std::int64_t>(c.size()));
        customers.insert(customers.end(), c.begin(), c.end());
        for (std::int64_t l = 0; l < lists.customers(); ++l) {
          for (std::int64_t j = lists.offsets[l]; j < lists.offsets[l + 1]; ++j) {
            joined.items.push_back(lists.items[j]);
            joined.scores.push_back(lists.scores[j]);
          }
          joined.offsets.push_back(static_cast<std::int64_t>(joined.items.size()));
        }
      });
  EXPECT_EQ(batches, 7);
  EXPECT_EQ(customers, whole.customers);
  EXPECT_EQ(joined.offsets, whole.lists.offsets);
  EXPECT_EQ(joined.items, whole.lists.items);
  EXPECT_EQ(joined.scores, whole.lists.scores);
  EXPECT_TRUE(streamed.lists.items.empty());
  EXPECT_EQ(streamed.listed, whole.listed);
  EXPECT_GT(whole.short_lists, 0);
  EXPECT_EQ(streamed.short_lists, whole.short_lists);
}

TEST(Recommend, RefusesBadListLengthsAndBatches) {
  const Shop s = shop(4, 6, 2);
  RecommendOptions o;
  o.topn.n = 0;
  EXPECT_THROW((void)recommend(s.model, s.data, s.m, o, Backend::cpu({1})), InputError);
  o.topn.n = 3;
  o.batch_customers = 0;
  EXPECT_THROW((void)recommend(s.model, s.data, s.m, o, Backend::cpu({1}), [](auto, auto) {}),
               InputError);
}

}  // namespace
}  // namespace tailor
