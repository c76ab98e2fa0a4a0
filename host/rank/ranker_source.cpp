#include "host/rank/ranker_source.hpp"

#include <algorithm>

namespace tailor {
namespace {

class RankerRows final : public PerCustomerRows {
 public:
  explicit RankerRows(const RankerScoreSource& s)
      : PerCustomerRows(s.block_rows(), s.item_count()), s_(&s) {}

 private:
  bool score_customer(std::uint32_t c, std::span<float> row) override {
    const auto items = s_->items(c);
    if (items.empty()) return false;
    const auto scores = s_->scores(c);
    std::fill(row.begin(), row.end(), kNoScore);
    for (std::size_t j = 0; j < items.size(); ++j) row[items[j]] = scores[j];
    return true;
  }
  const RankerScoreSource* s_;
};

}  // namespace

RankerScoreSource::RankerScoreSource(const RankerModel& model, const RankerSnapshot& snapshot,
                                     std::span<const std::uint32_t> customers)
    : c_(score_candidates(model, snapshot, customers)),
      group_of_(static_cast<std::size_t>(snapshot.past().customers()), -1),
      items_(snapshot.past().items()) {
  for (std::size_t g = 0; g < c_.customers.size(); ++g)
    group_of_[c_.customers[g]] = static_cast<std::int64_t>(g);
}

std::unique_ptr<BlockScorer> RankerScoreSource::block_scorer() const {
  return std::make_unique<RankerRows>(*this);
}

std::span<const std::uint32_t> RankerScoreSource::items(std::uint32_t customer) const {
  const std::int64_t g = group_of_[customer];
  if (g < 0) return {};
  return std::span(c_.items).subspan(static_cast<std::size_t>(c_.offsets[g]),
                                     static_cast<std::size_t>(c_.offsets[g + 1] - c_.offsets[g]));
}

std::unique_ptr<RankerScoreSource> make_ranker_source(const Dataset& data, std::int64_t as_of,
                                                      const RankerParams& p,
                                                      const Backend& backend,
                                                      RankerModel* fitted) {
  RankerModel m = fit_ranker(data, as_of, p, backend);
  const RankerSnapshot now(data, as_of, p.sources, backend);
  std::vector<std::uint32_t> customers;
  for (std::uint32_t c = 0; c < static_cast<std::uint32_t>(data.customers()); ++c)
    if (now.has_history(c)) customers.push_back(c);
  auto source = std::make_unique<RankerScoreSource>(m, now, customers);
  if (fitted) *fitted = std::move(m);
  return source;
}

std::span<const float> RankerScoreSource::scores(std::uint32_t customer) const {
  const std::int64_t g = group_of_[customer];
  if (g < 0) return {};
  return std::span(c_.scores).subspan(static_cast<std::size_t>(c_.offsets[g]),
                                      static_cast<std::size_t>(c_.offsets[g + 1] - c_.offsets[g]));
}

}  // namespace tailor
