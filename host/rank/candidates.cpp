// RankerSnapshot::candidates: the sources' lists per customer, merged into candidates, and
// their feature rows.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "host/eval/baselines.hpp"
#include "host/rank/feature_columns.hpp"
#include "host/rank/features.hpp"

namespace tailor {

using namespace rank;

struct RankerSnapshot::SourceLists {
  std::vector<std::uint32_t> customers;  // the asked customers with history
  TopNResult lists[kPopular];            // repeat, ials, itemknn, tifuknn (empty when off)
};

struct RankerSnapshot::Candidate {
  std::uint32_t item = 0;
  float rank[kSources];   // 1-based position in each source's list, NaN when not listed
  float score[kSources];  // the source's score, NaN when not listed
};

RankerSnapshot::SourceLists RankerSnapshot::source_lists(
    std::span<const std::uint32_t> customers) const {
  SourceLists s;
  for (const auto c : customers)
    if (has_history(c)) s.customers.push_back(c);
  const int threads = backend_.threads();
  const CandidateCounts& n = p_.counts;
  if (m_.customer_items.nnz() == 0) return s;
  if (n.repeat > 0) {
    const std::vector<bool> all(static_cast<std::size_t>(past_.log.size()), true);
    s.lists[kRepeat] = buy_again_lists(past_, all, s.customers, nullptr, n.repeat);
  }
  if (n.ials > 0) {
    const int k = p_.ials.factors;
    std::vector<float> x(s.customers.size() * static_cast<std::size_t>(k));
    for (std::size_t j = 0; j < s.customers.size(); ++j)
      std::copy_n(x_.data() + static_cast<std::size_t>(s.customers[j]) * k, k,
                  x.data() + j * static_cast<std::size_t>(k));
    TopNParams topn{n.ials, false, 0};
    s.lists[kIals] = backend_.topn({x.data(), static_cast<std::int64_t>(s.customers.size()), k},
                                   {y_.data(), past_.items(), k}, nullptr, topn);
  }
  if (n.itemknn > 0) {
    const Csr rows = select_rows(m_.customer_items, s.customers);
    TopNParams topn{n.itemknn, false, 0};
    s.lists[kKnn] =
        cpu_item_knn_topn(knn_.neighbours, rows.view(), nullptr, p_.itemknn, topn, threads).lists;
  }
  if (n.tifuknn > 0)
    s.lists[kTifu] = tifuknn_lists(tifu_personal_, s.customers, nullptr, n.tifuknn, p_.tifuknn,
                                   threads);
  return s;
}

// The union of the sources' lists of the k-th customer, in order of first appearance.
std::vector<RankerSnapshot::Candidate> RankerSnapshot::merge(const SourceLists& s,
                                                             std::size_t k) const {
  std::vector<Candidate> out;
  std::unordered_map<std::uint32_t, std::size_t> at;
  const auto add = [&](int source, std::uint32_t item, std::size_t rank, float score) {
    auto [it, fresh] = at.try_emplace(item, out.size());
    if (fresh) {
      Candidate c;
      c.item = item;
      std::fill(std::begin(c.rank), std::end(c.rank), kMissing);
      std::fill(std::begin(c.score), std::end(c.score), kMissing);
      out.push_back(c);
    }
    out[it->second].rank[source] = static_cast<float>(rank);
    out[it->second].score[source] = score;
  };
  for (int source = 0; source < kPopular; ++source) {
    const TopNResult& l = s.lists[source];
    if (l.offsets.empty()) continue;
    for (auto j = l.offsets[k]; j < l.offsets[k + 1]; ++j)
      add(source, l.items[j], static_cast<std::size_t>(j - l.offsets[k] + 1), l.scores[j]);
  }
  for (std::size_t j = 0; j < popular_.size(); ++j)
    add(kPopular, popular_[j], j + 1, item_recent_[popular_[j]]);
  return out;
}

// The customer's purchase rows per category, as shares of all their purchase rows.
RankerSnapshot::CategoryShares RankerSnapshot::category_shares(std::uint32_t c) const {
  CategoryShares shares;
  const auto& meta = past_.item_meta;
  if (!meta.has_category()) return shares;
  const Csr& a = m_.customer_items;
  float total = 0.0f;
  for (auto k = a.indptr[c]; k < a.indptr[c + 1]; ++k) {
    const std::uint32_t cat = meta.category[a.indices[k]];
    total += pair_rows_[k];
    if (cat == kNoCategory) continue;
    auto it = std::find_if(shares.begin(), shares.end(), [&](auto& e) { return e.first == cat; });
    if (it == shares.end())
      shares.emplace_back(cat, pair_rows_[k]);
    else
      it->second += pair_rows_[k];
  }
  for (auto& e : shares) e.second /= total;
  return shares;
}

void RankerSnapshot::fill_features(std::uint32_t c, const Candidate& cand,
                                   const CategoryShares& shares, float* row) const {
  const std::uint32_t i = cand.item;
  const std::int64_t k = pair_index(c, i);
  const bool bought = k >= 0;
  row[fRows] = bought ? pair_rows_[k] : 0.0f;
  row[fQuantity] = bought ? m_.customer_items.data[k] : 0.0f;
  row[fDaysSinceLast] = bought ? pair_last_days_[k] : kMissing;
  row[fPairDays] = bought ? pair_days_[k] : 0.0f;
  row[fDueScore] = bought ? due_score_[k] : 0.0f;
  row[fDueRatio] = bought ? due_ratio_[k] : kMissing;
  row[fRepeatRank] = cand.rank[kRepeat];
  row[fIalsScore] = kMissing;
  if (!x_.empty()) {
    const int f = p_.ials.factors;
    const float* xc = x_.data() + static_cast<std::size_t>(c) * f;
    const float* yi = y_.data() + static_cast<std::size_t>(i) * f;
    float dot = 0.0f;
    for (int j = 0; j < f; ++j) dot += xc[j] * yi[j];
    row[fIalsScore] = dot;
  }
  row[fIalsRank] = cand.rank[kIals];
  row[fKnnScore] = cand.score[kKnn];
  row[fKnnRank] = cand.rank[kKnn];
  row[fTifuScore] = cand.score[kTifu];
  row[fTifuRank] = cand.rank[kTifu];
  row[fPopularRank] = cand.rank[kPopular];
  row[fItemCustomers] = item_customers_[i];
  row[fItemRecent] = item_recent_[i];
  row[fItemTrend] = item_trend_[i];
  row[fItemRepeatShare] = item_repeat_share_[i];
  const float usual = customer_price_[c];
  row[fPriceRatio] = std::isfinite(item_price_[i]) && usual > 0 ? item_price_[i] / usual : kMissing;
  row[fCategoryShare] = kMissing;
  if (past_.item_meta.has_category()) {
    const std::uint32_t cat = past_.item_meta.category[i];
    auto it = std::find_if(shares.begin(), shares.end(), [&](auto& e) { return e.first == cat; });
    row[fCategoryShare] = it == shares.end() ? 0.0f : it->second;
  }
  row[fValuePct] = customer_value_pct_[c];
  row[fCustomerDays] = customer_days_[c];
  row[fCustomerItems] = static_cast<float>(m_.customer_items.indptr[c + 1] -
                                           m_.customer_items.indptr[c]);
  row[fCustomerDaysSinceLast] = customer_last_days_[c];
}

CandidateRows RankerSnapshot::candidates(std::span<const std::uint32_t> customers) const {
  const SourceLists s = source_lists(customers);
  const std::size_t n = s.customers.size();
  std::vector<std::vector<Candidate>> per(n);
#pragma omp parallel for schedule(dynamic, 16) num_threads(backend_.threads())
  for (std::size_t k = 0; k < n; ++k) per[k] = merge(s, k);
  CandidateRows out;
  std::vector<std::int64_t> first(n + 1, 0);
  for (std::size_t k = 0; k < n; ++k) {
    first[k + 1] = first[k] + static_cast<std::int64_t>(per[k].size());
    if (per[k].empty()) continue;
    out.customers.push_back(s.customers[k]);
    out.group_sizes.push_back(static_cast<std::uint32_t>(per[k].size()));
  }
  out.items.resize(static_cast<std::size_t>(first[n]));
  out.features.rows = first[n];
  out.features.cols = kFeatures;
  out.features.values.resize(static_cast<std::size_t>(first[n]) * kFeatures);
#pragma omp parallel for schedule(dynamic, 16) num_threads(backend_.threads())
  for (std::size_t k = 0; k < n; ++k) {
    const CategoryShares shares = category_shares(s.customers[k]);
    for (std::size_t j = 0; j < per[k].size(); ++j) {
      const auto r = static_cast<std::size_t>(first[k]) + j;
      out.items[r] = per[k][j].item;
      fill_features(s.customers[k], per[k][j], shares,
                    out.features.values.data() + r * kFeatures);
    }
  }
  return out;
}

}  // namespace tailor
