// host/score/history_lists: a trained history model's lists for every customer with history in
// a later file, matched to the model by item id, against a direct transcription of each model's
// scores; customers the model never saw are listed from their own rows.
#include "host/score/history_lists.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "history_shop.hpp"
#include "host/train/history_model.hpp"
#include "item_shop.hpp"

namespace tailor {
namespace {

using testing::expect_list;
using testing::reference_list;

// The later file's history of data customer c in the model's items: item -> weight.
std::map<std::uint32_t, double> history_in_model(const LoadedInput& in, const Model& model,
                                                 std::int64_t c) {
  std::map<std::uint32_t, double> h;
  const Csr& x = in.matrices.customer_items;
  for (std::int64_t e = x.indptr[c]; e < x.indptr[c + 1]; ++e)
    for (std::size_t j = 0; j < model.item_ids.size(); ++j)
      if (model.item_ids[j] == in.data.item_ids[x.indices[e]]) h[static_cast<std::uint32_t>(j)] = x.data[e];
  return h;
}

// score_j = sum over the history's items i of sim_K(i, j) (item kNN) or B_ij (EASE).
std::vector<double> reference_scores(const Model& m, const std::map<std::uint32_t, double>& h) {
  std::vector<double> s(m.item_ids.size(), 0.0);
  for (const auto& [i, w] : h) {
    if (m.algorithm == "itemknn") {
      for (std::int64_t k = m.neighbours.indptr[i]; k < m.neighbours.indptr[i + 1]; ++k)
        s[m.neighbours.indices[k]] += m.neighbours.similarity[k];
    } else {
      for (std::size_t j = 0; j < s.size(); ++j) s[j] += m.ease_weights.b[i * s.size() + j];
    }
  }
  return s;
}

void expect_item_model_lists(const std::string& algorithm, bool exclude_seen) {
  const Backend cpu = Backend::cpu({1});
  const Model model = fit_history_model(algorithm, testing::training_shop(), {}, cpu);
  const LoadedInput later = testing::later_shop();
  RecommendOptions o;
  o.topn.n = 3;
  o.topn.exclude_seen = exclude_seen;
  const Recommendations r = recommend(model, later.data, later.matrices, o, cpu);
  EXPECT_EQ(r.items_not_in_model, 1);  // "new"
  EXPECT_EQ(r.customers_without_history, 1);  // c3
  EXPECT_EQ(r.customers_not_in_model, 0);
  // Every customer with history, the stranger first (the file's order).
  ASSERT_EQ(r.customers, (std::vector<std::uint32_t>{0, 1, 3, 4, 5}));
  for (std::size_t q = 0; q < r.customers.size(); ++q) {
    const auto h = history_in_model(later, model, r.customers[q]);
    const std::vector<double> score = reference_scores(model, h);
    std::vector<bool> keep(score.size());
    for (std::size_t j = 0; j < score.size(); ++j)
      keep[j] = (algorithm == "ease" || score[j] > 0) && !(exclude_seen && h.count(j));
    expect_list(r.lists, static_cast<std::int64_t>(q), score, reference_list(score, keep, 3));
  }
  const Model ids = list_ids(model, later.data);
  EXPECT_EQ(ids.customer_ids, later.data.customer_ids);
  EXPECT_EQ(ids.item_ids, model.item_ids);
}

TEST(HistoryLists, ItemKnnScoresLaterHistoriesByItemId) {
  expect_item_model_lists("itemknn", true);
  expect_item_model_lists("itemknn", false);
}

TEST(HistoryLists, EaseScoresLaterHistoriesByItemId) {
  expect_item_model_lists("ease", true);
  expect_item_model_lists("ease", false);
}

TEST(HistoryLists, TifuKnnListsTheLaterFileFromItsOwnRows) {
  const Backend cpu = Backend::cpu({1});
  HistoryModelParams p;
  p.tifuknn.neighbours = 2;
  p.tifuknn.group_size = 2;
  const Model model = fit_history_model("tifuknn", testing::training_shop(), p, cpu);
  const LoadedInput later = testing::later_shop();
  RecommendOptions o;
  o.topn.n = 4;
  const Recommendations r = recommend(model, later.data, later.matrices, o, cpu);
  const std::vector<std::uint32_t> who = {0, 1, 3, 4, 5};
  ASSERT_EQ(r.customers, who);
  const Csr personal = tifu_personal_vectors(
      later.data, std::vector<bool>(static_cast<std::size_t>(later.data.log.size()), true),
      p.tifuknn);
  const TopNResult want =
      tifuknn_lists(personal, who, &later.matrices.customer_items, 4, p.tifuknn, 1);
  EXPECT_EQ(r.lists.offsets, want.offsets);
  EXPECT_EQ(r.lists.items, want.items);
  EXPECT_EQ(r.lists.scores, want.scores);
  EXPECT_EQ(list_ids(model, later.data).item_ids, later.data.item_ids);
}

TEST(HistoryLists, BatchesHandedOnGiveTheSameLists) {
  const Backend cpu = Backend::cpu({1});
  const Model model = fit_history_model("itemknn", testing::training_shop(), {}, cpu);
  const LoadedInput later = testing::later_shop();
  RecommendOptions o;
  o.topn.n = 3;
  const Recommendations whole = recommend(model, later.data, later.matrices, o, cpu);
  o.batch_customers = 2;
  std::vector<std::uint32_t> customers, items;
  int batches = 0;
  const Recommendations streamed = recommend(
      model, later.data, later.matrices, o, cpu,
      [&](std::vector<std::uint32_t> c, TopNResult lists) {
        ++batches;
        customers.insert(customers.end(), c.begin(), c.end());
        items.insert(items.end(), lists.items.begin(), lists.items.end());
      });
  EXPECT_EQ(batches, 3);
  EXPECT_EQ(customers, whole.customers);
  EXPECT_EQ(items, whole.lists.items);
  EXPECT_EQ(streamed.listed, whole.listed);
  EXPECT_EQ(streamed.short_lists, whole.short_lists);
}

TEST(HistoryLists, FactorModelsHaveNoSeparateIds) {
  Model factors;
  EXPECT_THROW((void)list_ids(factors, testing::training_shop().data), std::logic_error);
}

}  // namespace
}  // namespace tailor
