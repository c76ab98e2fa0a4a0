// The score sources of campaign slots: each history model's row against a direct transcription
// of its definition on a hand-made shop, the "because" items, the factory, and campaigns whose
// model slots the history models fill.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <vector>

#include "host/campaign/score_sources.hpp"
#include "host/core/error.hpp"
#include "item_shop.hpp"

namespace tailor {
namespace {

using testing::dense;
using testing::item_shop;

// Every customer's row of `source`, or an empty vector where it gives none.
std::vector<std::vector<float>> rows_of(const ScoreSource& source, std::int64_t customers,
                                        std::int64_t items) {
  std::vector<std::vector<float>> out(static_cast<std::size_t>(customers));
  const std::unique_ptr<BlockScorer> block = source.block_scorer();
  const auto n = static_cast<std::uint32_t>(customers);
  for (std::uint32_t first = 0; first < n; first += static_cast<std::uint32_t>(source.block_rows())) {
    std::vector<std::uint32_t> ids;
    for (std::uint32_t c = first; c < n && ids.size() < static_cast<std::size_t>(source.block_rows()); ++c)
      ids.push_back(c);
    block->score(ids);
    for (std::size_t k = 0; k < ids.size(); ++k)
      if (const float* r = block->row(k)) out[ids[k]].assign(r, r + items);
  }
  return out;
}

void expect_rows(const std::vector<std::vector<float>>& got,
                 const std::vector<std::vector<double>>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t c = 0; c < got.size(); ++c) {
    ASSERT_EQ(got[c].empty(), want[c].empty()) << "customer " << c;
    for (std::size_t j = 0; j < got[c].size(); ++j)
      EXPECT_NEAR(got[c][j], want[c][j], 1e-5 * std::max(1.0, std::abs(want[c][j])))
          << "customer " << c << " item " << j;
  }
}

// sim_K(i, j) as a dense items x items table, read from the fitted neighbour lists.
std::vector<std::vector<double>> sim_k(const ItemNeighbours& nb) {
  std::vector<std::vector<double>> s(static_cast<std::size_t>(nb.items),
                                     std::vector<double>(static_cast<std::size_t>(nb.items), 0.0));
  for (std::int64_t i = 0; i < nb.items; ++i)
    for (std::int64_t k = nb.indptr[i]; k < nb.indptr[i + 1]; ++k)
      s[i][nb.indices[k]] = nb.similarity[k];
  return s;
}

TEST(ItemKnnScoreSource, RowIsTheSumOverHistoryOfWeightTimesSimilarity) {
  const Csr shop = item_shop();
  for (const bool weighted : {false, true}) {
    ItemKnnParams p;
    p.neighbours = 2;  // fewer than the items that co-occur: sim_K drops some pairs
    p.weighted_scores = weighted;
    const ItemKnnScoreSource source(fit_item_knn(shop, p, Backend::cpu({1})), shop);
    const auto s = sim_k(source.model().neighbours);
    const auto w = dense(shop);
    std::vector<std::vector<double>> want(5);
    for (std::size_t u = 0; u < 5; ++u) {
      if (u == 3) continue;  // c3 has no history: no row
      want[u].assign(6, 0.0);
      for (std::size_t i = 0; i < 6; ++i)
        for (std::size_t j = 0; j < 6; ++j)
          if (w[u][i] > 0) want[u][j] += (weighted ? w[u][i] : 1.0) * s[i][j];
    }
    expect_rows(rows_of(source, 5, 6), want);
    EXPECT_EQ(source.floor(), 0.0f);
    // because: the history item with the largest contribution r_ui sim_K(i, j).
    for (std::uint32_t u : {0u, 2u, 4u})
      for (std::uint32_t j = 0; j < 6; ++j) {
        std::uint32_t arg = kNoItem;
        double best = 0.0;
        for (std::uint32_t i = 0; i < 6; ++i) {
          const double c = w[u][i] > 0 ? (weighted ? w[u][i] : 1.0) * s[i][j] : 0.0;
          if (c > best) best = c, arg = i;
        }
        EXPECT_EQ(source.because(u, j), arg) << "customer " << u << " item " << j;
      }
  }
}

TEST(ItemKnnScoreSource, RowsAgreeWithTheTopNKernel) {
  const Csr shop = item_shop();
  const ItemKnnParams p;
  const ItemKnnScoreSource source(fit_item_knn(shop, p, Backend::cpu({1})), shop);
  TopNParams topn;
  topn.n = 6;
  topn.exclude_seen = false;
  const ItemKnnLists lists =
      cpu_item_knn_topn(source.model().neighbours, shop.view(), nullptr, p, topn, 1);
  const auto rows = rows_of(source, 5, 6);
  for (std::size_t u = 0; u < 5; ++u)
    for (auto k = lists.lists.offsets[u]; k < lists.lists.offsets[u + 1]; ++k) {
      EXPECT_FLOAT_EQ(rows[u][lists.lists.items[k]], lists.lists.scores[k]);
      EXPECT_EQ(source.because(static_cast<std::uint32_t>(u), lists.lists.items[k]),
                lists.because[k]);
    }
}

TEST(EaseScoreSource, RowIsHistoryTimesB) {
  const Csr shop = item_shop();
  for (const bool weighted : {false, true}) {
    EaseParams p;
    p.regularization = 2.0;
    p.weighted = weighted;
    const EaseScoreSource source(fit_ease(shop, p, kDefaultEaseMaxBytes, Backend::cpu({1})), shop);
    const std::vector<double>& b = source.model().weights.b;
    const auto w = dense(shop);
    std::vector<std::vector<double>> want(5);
    for (std::size_t u = 0; u < 5; ++u) {
      if (u == 3) continue;
      want[u].assign(6, 0.0);
      for (std::size_t i = 0; i < 6; ++i)
        for (std::size_t j = 0; j < 6; ++j)
          if (w[u][i] > 0) want[u][j] += (weighted ? w[u][i] : 1.0) * b[i * 6 + j];
    }
    expect_rows(rows_of(source, 5, 6), want);
    // because: the largest positive x_ui B_ij; none for i5, which nobody bought.
    EXPECT_EQ(source.because(0, 5), kNoItem);
    std::uint32_t arg = kNoItem;
    double best = 0.0;
    for (std::uint32_t i = 0; i < 6; ++i) {
      const double c = w[2][i] > 0 ? (weighted ? w[2][i] : 1.0) * b[i * 6 + 0] : 0.0;
      if (c > best) best = c, arg = i;
    }
    EXPECT_EQ(source.because(2, 0), arg);
  }
}

// Four customers, one row per basket (time in days): c0 buys {0, 1} then {1}; c1 buys {0} then
// {2}; c2 buys {1, 2}; c3 nothing.
Dataset basket_shop() {
  Dataset d;
  d.customer_ids = {"c0", "c1", "c2", "c3"};
  d.item_ids = {"i0", "i1", "i2"};
  const std::uint32_t cust[] = {0, 0, 0, 1, 1, 2, 2};
  const std::uint32_t item[] = {0, 1, 1, 0, 2, 1, 2};
  const std::int64_t day[] = {1, 1, 5, 2, 3, 4, 4};
  for (int r = 0; r < 7; ++r) {
    d.log.customer.push_back(cust[r]);
    d.log.item.push_back(item[r]);
    d.log.time.push_back(day[r] * 86400);
  }
  return d;
}

TEST(TifuKnnScoreSource, RowIsTheBlendedVector) {
  const Dataset d = basket_shop();
  TifuKnnParams p;
  p.group_size = 1;  // every basket its own group
  p.within_decay = 0.9;
  p.across_decay = 0.5;
  p.alpha = 0.6;
  p.neighbours = 1;
  const Csr u = tifu_personal_vectors(d, std::vector<bool>(7, true), p);
  const auto ud = dense(u);
  // u = 1/K sum_j r_g^(K - j) v(g_j), one basket per group: v = the basket.
  const std::vector<std::vector<double>> want_u = {
      {0.5 * 0.5, (0.5 + 1.0) * 0.5, 0}, {0.5 * 0.5, 0, 0.5}, {0, 1, 1}, {0, 0, 0}};
  for (std::size_t c = 0; c < 4; ++c)
    for (std::size_t j = 0; j < 3; ++j) EXPECT_NEAR(ud[c][j], want_u[c][j], 1e-6);
  // p = alpha u_c + (1 - alpha) u_nearest, nearest by Euclidean distance among the others with
  // history (a tie: the lower index).
  auto dist = [&](std::size_t a, std::size_t b) {
    double s = 0;
    for (std::size_t j = 0; j < 3; ++j) s += (ud[a][j] - ud[b][j]) * (ud[a][j] - ud[b][j]);
    return s;
  };
  std::vector<std::vector<double>> want(4);
  for (std::size_t c = 0; c < 3; ++c) {
    std::size_t near = c == 0 ? 1 : 0;
    for (std::size_t v = 0; v < 3; ++v)
      if (v != c && dist(c, v) < dist(c, near)) near = v;
    want[c].assign(3, 0.0);
    for (std::size_t j = 0; j < 3; ++j) want[c][j] = p.alpha * ud[c][j] + (1 - p.alpha) * ud[near][j];
  }
  const TifuKnnScoreSource source(u, p, 1);
  expect_rows(rows_of(source, 4, 3), want);
  EXPECT_EQ(source.because(0, 1), kNoItem);
  // The same p ranks tifuknn_lists.
  const TopNResult lists = tifuknn_lists(u, {0, 1, 2}, nullptr, 3, p, 1);
  const auto rows = rows_of(source, 4, 3);
  for (std::size_t c = 0; c < 3; ++c)
    for (auto k = lists.offsets[c]; k < lists.offsets[c + 1]; ++k)
      EXPECT_FLOAT_EQ(rows[c][lists.items[k]], lists.scores[k]);
}

TEST(PerCustomerRows, AShorterBlockForgetsTheRowsOfTheLongerOne) {
  const Csr shop = item_shop();
  const ItemKnnScoreSource source(fit_item_knn(shop, ItemKnnParams{}, Backend::cpu({1})), shop);
  const auto block = source.block_scorer();
  block->score(std::vector<std::uint32_t>{0, 1, 2, 4});
  for (std::size_t k = 0; k < 4; ++k) EXPECT_NE(block->row(k), nullptr);
  block->score(std::vector<std::uint32_t>{3});
  for (std::size_t k = 0; k < 4; ++k) EXPECT_EQ(block->row(k), nullptr) << k;
}

// A shop of 5 items in 5 categories (names n-ITEM): u0 buys c0 and t0, u1 c0, t0 and m0, u2
// c0 alone, u3 k0 alone; one minute apart, so every row is a basket of its own.
struct CampaignShop {
  Dataset data;
  InteractionMatrices m;
  CampaignShop() {
    data.path = "shop.h5";
    data.customer_ids = {"u0", "u1", "u2", "u3"};
    data.item_ids = {"c0", "t0", "m0", "k0", "x0"};
    data.item_meta.category_names = {"COFFEE", "TEA", "MUG", "CAKE", "X"};
    for (std::uint32_t i = 0; i < 5; ++i) {
      data.item_meta.category.push_back(i);
      data.item_meta.name.push_back("n-" + data.item_ids[i]);
    }
    const std::uint32_t cust[] = {0, 0, 1, 1, 1, 2, 3};
    const std::uint32_t item[] = {0, 1, 0, 1, 2, 0, 3};
    for (int r = 0; r < 7; ++r) {
      data.log.customer.push_back(cust[r]);
      data.log.item.push_back(item[r]);
      data.log.time.push_back(1700000000 + r * 60);
    }
    m = build_matrices(data, 1);
  }
};

CampaignConfig three_model_slots(SlotModel model) {
  CampaignConfig c;
  c.model = model;
  c.recipe.count[static_cast<int>(Slot::model)] = 3;
  c.tiers.tiers = 1;
  c.tiers.names = {"all"};
  return c;
}

struct Placed {
  std::string item;
  Slot slot;
  std::string reason;
  bool operator==(const Placed&) const = default;
};

std::vector<Placed> placed(const CampaignShop& s, const Campaign& camp, std::uint32_t customer) {
  std::vector<Placed> out;
  for (const CustomerList& l : camp.lists)
    if (l.customer == customer)
      for (const CampaignEntry& e : l.items) out.push_back({s.data.item_ids[e.item], e.slot, e.reason});
  return out;
}

Campaign campaign_with(const CampaignShop& s, const CampaignConfig& cfg,
                       const SlotModelParams& params = {}) {
  const Backend backend = Backend::cpu({1});
  const auto source = make_score_source({nullptr, s.data, s.m, cfg, backend}, params);
  EXPECT_STREQ(source->name(), to_string(cfg.model));
  return build_campaign(*source, s.data, s.m, cfg, backend);
}

// u2 bought c0 only. Every history model ranks t0 (co-bought with c0 twice) before m0 (once);
// k0 and x0 score 0 (never co-bought) and are no candidates, so the third slot falls to popular
// (k0, bought by u3).
TEST(CampaignScoreSources, HistoryModelsFillTheModelSlots) {
  const CampaignShop s;
  SlotModelParams params;
  params.tifuknn.neighbours = 2;  // u2's nearest: u0 and u1
  for (const SlotModel model : {SlotModel::itemknn, SlotModel::ease, SlotModel::tifuknn}) {
    SCOPED_TRACE(to_string(model));
    const Campaign camp = campaign_with(s, three_model_slots(model), params);
    const std::vector<Placed> got = placed(s, camp, 2);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].item, "t0");
    EXPECT_EQ(got[1].item, "m0");
    EXPECT_EQ(got[0].slot, Slot::model);
    EXPECT_EQ(got[1].slot, Slot::model);
    EXPECT_EQ((Placed{got[2].item, got[2].slot, ""}), (Placed{"k0", Slot::popular, ""}));
    const std::string why = model == SlotModel::tifuknn ? "recommended for you"
                                                        : "because you bought n-c0";
    EXPECT_EQ(got[0].reason, why);
    EXPECT_EQ(got[1].reason, why);
    // u1 bought every item that co-occurs with another: item kNN and EASE have no candidate
    // left for them (scores of bought items do not count), so popular fills in.
    if (model != SlotModel::tifuknn)
      for (const Placed& x : placed(s, camp, 1)) EXPECT_EQ(x.slot, Slot::popular) << x.item;
  }
}

TEST(CampaignScoreSources, FactoryChecksWhatItMakes) {
  const CampaignShop s;
  const Backend backend = Backend::cpu({1});
  CampaignConfig cfg = three_model_slots(SlotModel::ials);
  EXPECT_THROW(make_score_source({nullptr, s.data, s.m, cfg, backend}, {}), std::logic_error);
  // No recipe reaches a discovery or model slot: nothing is fitted, nobody is scored.
  cfg = three_model_slots(SlotModel::ease);
  cfg.recipe.count[static_cast<int>(Slot::model)] = 0;
  cfg.recipe.count[static_cast<int>(Slot::popular)] = 2;
  SlotModelParams tiny;
  tiny.ease_max_bytes = 8;  // would refuse the catalogue
  EXPECT_STREQ(make_score_source({nullptr, s.data, s.m, cfg, backend}, tiny)->name(), "none");
  cfg = three_model_slots(SlotModel::ease);
  try {
    (void)make_score_source({nullptr, s.data, s.m, cfg, backend}, tiny);
    FAIL() << "EASE accepted a catalogue over its memory limit";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("EASE on 5 items needs 200 B"), std::string::npos)
        << e.what();
  }
}

TEST(CampaignScoreSources, SlotModelNames) {
  EXPECT_EQ(parse_slot_model("tifuknn"), SlotModel::tifuknn);
  EXPECT_STREQ(to_string(SlotModel::itemknn), "itemknn");
  try {
    parse_slot_model("bpr");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("slot models are ials, itemknn, ease, tifuknn"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tailor
