// The two-stage ranker's first stage: candidates per customer from several sources, and the
// features of every (customer, item) candidate, all as of one time.
//
// A RankerSnapshot copies the purchase rows at or before its as-of time out of the data and
// builds everything from that copy alone (the sources' models, the pair and item statistics),
// so no feature can see a row after the as-of time.
//
// Sources (each gives at most its count of items per customer, see CandidateCounts):
//   repeat   the customer's own items, most bought first (buy-again)
//   ials     iALS trained on the snapshot, seen items included
//   itemknn  item-item kNN over the snapshot's co-purchases
//   tifuknn  TIFU-KNN over the snapshot's baskets
//   popular  the items most customers bought in the last popular_window_days
// A candidate is any item some source lists; features a source does not give it are missing
// (NaN), which the learner treats as a value of its own.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "host/campaign/replenish.hpp"
#include "host/data/dataset.hpp"
#include "host/rank/xgboost.hpp"
#include "host/train/item_models.hpp"
#include "host/train/tifuknn.hpp"
#include "kernels/backend.hpp"

namespace tailor {

struct CandidateCounts {
  int repeat = 100;
  int ials = 100;
  int itemknn = 100;
  int tifuknn = 100;
  int popular = 50;
};

struct RankerSourceParams {
  CandidateCounts counts;
  IalsParams ials;
  ItemKnnParams itemknn;
  TifuKnnParams tifuknn;
  ReplenishOptions replenish;    // the due score and ratio features; purchase_event as campaigns
  int popular_window_days = 30;  // popular source and the item trend window, >= 1
};

// InputError "{where}: {key} = {value}: {rule}" for the first parameter out of range.
void validate_ranker_sources(const RankerSourceParams& p, const std::string& where);

// The feature names, in column order (docs/ranker.md describes each).
const std::vector<std::string>& ranker_feature_names();

// Candidates of a set of customers: one group of consecutive rows per customer (customers
// without history have none), the item of each row and its features.
struct CandidateRows {
  std::vector<std::uint32_t> customers;    // one per group, in the order asked
  std::vector<std::uint32_t> group_sizes;  // rows per group
  std::vector<std::uint32_t> items;        // per row
  FeatureMatrix features;                  // rows x ranker_feature_names().size()
};

class RankerSnapshot {
 public:
  // Everything the features need from the rows of `data` at or before as_of. threads and the
  // iALS engine come from `backend`.
  RankerSnapshot(const Dataset& data, std::int64_t as_of, const RankerSourceParams& p,
                 const Backend& backend);

  [[nodiscard]] std::int64_t as_of() const { return as_of_; }
  // The purchase rows at or before as_of, with the data's ids and metadata.
  [[nodiscard]] const Dataset& past() const { return past_; }
  [[nodiscard]] const InteractionMatrices& matrices() const { return m_; }
  [[nodiscard]] bool has_history(std::uint32_t customer) const;

  [[nodiscard]] CandidateRows candidates(std::span<const std::uint32_t> customers) const;

 private:
  struct SourceLists;
  struct Candidate;
  using CategoryShares = std::vector<std::pair<std::uint32_t, float>>;  // (category, share)
  [[nodiscard]] SourceLists source_lists(std::span<const std::uint32_t> customers) const;
  [[nodiscard]] std::vector<Candidate> merge(const SourceLists& s, std::size_t k) const;
  [[nodiscard]] CategoryShares category_shares(std::uint32_t c) const;
  void fill_features(std::uint32_t c, const Candidate& cand, const CategoryShares& shares,
                     float* row) const;
  [[nodiscard]] std::int64_t pair_index(std::uint32_t c, std::uint32_t item) const;
  void pair_statistics();
  void item_statistics();
  void window_customers(std::vector<float>& recent, std::vector<float>& before) const;
  void customer_statistics();
  void train_sources(const Backend& backend);

  std::int64_t as_of_;
  RankerSourceParams p_;
  Backend backend_;
  Dataset past_;
  InteractionMatrices m_;
  // Per stored (customer, item) pair of m_.customer_items.
  std::vector<float> pair_rows_, pair_days_, pair_last_days_, due_score_, due_ratio_;
  // Per item.
  std::vector<float> item_customers_, item_recent_, item_trend_, item_repeat_share_, item_price_;
  // Per customer.
  std::vector<float> customer_value_pct_, customer_days_, customer_last_days_,
      customer_price_;
  // Sources.
  std::vector<float> x_, y_;  // iALS factors, customers x k and items x k
  ItemKnnModel knn_;
  Csr tifu_personal_;
  std::vector<std::uint32_t> popular_;
};

}  // namespace tailor
