// The evaluation baselines: popularity, buy-again and random lists (host/eval/baselines.hpp).
//
// Every list follows the top-N contract (kernels/kernels.hpp, TopNResult): best first, never
// padded, short_lists counting the lists shorter than n. Scores say why an item is where it is:
// popularity gives the number of distinct customers, buy-again the number of purchase rows,
// random the negated position (0, -1, -2, ...), so that every list is in descending score order.
// Every function is deterministic: the same inputs give the same lists on every run and thread
// count (random draws from its own generator, seeded per customer, not from the standard
// library's distributions, whose output differs between implementations).
#include "host/eval/baselines.hpp"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace tailor {
namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

// Checks n, the customer indices (< rows) and the shape of `exclude` (rows x cols).
void validate_request(const char* who, std::int64_t rows, std::int64_t cols,
                      const std::vector<std::uint32_t>& customers, const Csr* exclude, int n) {
  const std::string w = who;
  require(n >= 1, w + ": n must be >= 1, got " + std::to_string(n));
  for (const std::uint32_t c : customers)
    require(c < rows, w + ": customer " + std::to_string(c) + " is out of range (there are " +
                          std::to_string(rows) + " customers)");
  if (exclude != nullptr)
    require(exclude->rows == rows && exclude->cols == cols,
            w + ": exclusion matrix is " + std::to_string(exclude->rows) + " x " +
                std::to_string(exclude->cols) + ", expected " + std::to_string(rows) + " x " +
                std::to_string(cols));
}

// The excluded items of customer c, ascending (empty without an exclusion matrix).
std::span<const std::uint32_t> excluded_row(const Csr* exclude, std::uint32_t c) {
  if (exclude == nullptr) return {};
  const auto b = static_cast<std::size_t>(exclude->indptr[c]);
  const auto e = static_cast<std::size_t>(exclude->indptr[c + 1]);
  return {exclude->indices.data() + b, e - b};
}

bool contains(std::span<const std::uint32_t> sorted, std::uint32_t item) {
  return std::binary_search(sorted.begin(), sorted.end(), item);
}

TopNResult empty_result(std::size_t customers) {
  TopNResult r;
  r.offsets.reserve(customers + 1);
  r.offsets.push_back(0);
  return r;
}

void close_list(TopNResult& r, int n) {
  const std::int64_t len = static_cast<std::int64_t>(r.items.size()) - r.offsets.back();
  r.offsets.push_back(static_cast<std::int64_t>(r.items.size()));
  if (len < n) ++r.short_lists;
}

// splitmix64 (Steele, Lea, Flood 2014): a small generator whose output is fixed by its
// definition, so random lists are the same with every compiler and standard library.
struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound), bound >= 1, without modulo bias (Lemire 2019).
  std::uint64_t below(std::uint64_t bound) {
    __uint128_t m = static_cast<__uint128_t>(next()) * bound;
    auto low = static_cast<std::uint64_t>(m);
    if (low < bound) {
      const std::uint64_t threshold = (0 - bound) % bound;
      while (low < threshold) {
        m = static_cast<__uint128_t>(next()) * bound;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }
};

// The training rows of the requested customers, each customer's in log order: rows
// [start[c], start[c + 1]) of `rows` are customer c's (empty for customers not requested).
struct RowsByCustomer {
  std::vector<std::int64_t> start;  // customers + 1 offsets into rows
  std::vector<std::int64_t> rows;   // log row numbers
  [[nodiscard]] std::span<const std::int64_t> of(std::uint32_t c) const {
    return {rows.data() + start[c], static_cast<std::size_t>(start[c + 1] - start[c])};
  }
};

// A counting sort on the customer over the rows with train_rows[row] set; only requested
// customers are counted, so a small request over a large log stays small.
RowsByCustomer group_train_rows(const InteractionLog& log, const std::vector<bool>& train_rows,
                                const std::vector<std::uint32_t>& customers,
                                std::int64_t all_customers) {
  const auto nc = static_cast<std::size_t>(all_customers);
  const std::int64_t rows = log.size();
  RowsByCustomer g;
  g.start.assign(nc + 1, 0);
  std::vector<char> wanted(nc, 0);
  for (const std::uint32_t c : customers) wanted[c] = 1;
  for (std::int64_t row = 0; row < rows; ++row)
    if (train_rows[row] && wanted[log.customer[row]]) ++g.start[log.customer[row] + 1];
  std::partial_sum(g.start.begin(), g.start.end(), g.start.begin());
  g.rows.resize(static_cast<std::size_t>(g.start.back()));
  std::vector<std::int64_t> fill(g.start.begin(), g.start.end() - 1);
  for (std::int64_t row = 0; row < rows; ++row)
    if (train_rows[row] && wanted[log.customer[row]]) g.rows[fill[log.customer[row]]++] = row;
  return g;
}

// One item a customer bought before.
struct PastItem {
  std::uint32_t item;
  std::int64_t count;   // purchase rows
  std::int64_t latest;  // latest purchase time (0 when the log has no time column)
};

// past = one entry per distinct item of `rows` (one customer's log rows), ascending by item.
// by_item is scratch space, kept by the caller so the loop over customers reuses it.
void collect_past_items(const InteractionLog& log, std::span<const std::int64_t> rows,
                        std::vector<std::int64_t>& by_item, std::vector<PastItem>& past) {
  const bool timed = !log.time.empty();
  by_item.assign(rows.begin(), rows.end());
  std::sort(by_item.begin(), by_item.end(),
            [&](std::int64_t a, std::int64_t b) { return log.item[a] < log.item[b]; });
  past.clear();
  for (const std::int64_t row : by_item) {
    const std::uint32_t item = log.item[row];
    const std::int64_t t = timed ? log.time[row] : 0;
    if (!past.empty() && past.back().item == item) {
      ++past.back().count;
      past.back().latest = std::max(past.back().latest, t);
    } else {
      past.push_back({item, 1, t});
    }
  }
}

// The buy-again order: more purchase rows first, then the more recent, then the lower index.
void rank_past_items(std::vector<PastItem>& past) {
  std::sort(past.begin(), past.end(), [](const PastItem& a, const PastItem& b) {
    if (a.count != b.count) return a.count > b.count;
    if (a.latest != b.latest) return a.latest > b.latest;
    return a.item < b.item;
  });
}

}  // namespace

TopNResult popularity_lists(const Csr& history, const std::vector<std::uint32_t>& customers,
                            const Csr* exclude, int n) {
  validate_request("popularity", history.rows, history.cols, customers, exclude, n);
  // Distinct customers per item: rows of `history` are customers, each pair stored once.
  std::vector<std::int64_t> count(static_cast<std::size_t>(history.cols), 0);
  for (const std::uint32_t i : history.indices) ++count[i];
  // Every item, by count descending, then index ascending (items nobody bought come last, in
  // index order, like any other tie).
  std::vector<std::uint32_t> order(static_cast<std::size_t>(history.cols));
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return count[a] > count[b]; });

  TopNResult r = empty_result(customers.size());
  r.items.reserve(customers.size() * static_cast<std::size_t>(n));
  r.scores.reserve(r.items.capacity());
  for (const std::uint32_t c : customers) {
    const auto ex = excluded_row(exclude, c);
    int taken = 0;
    // At most n + |ex| steps: each skipped item is one of the customer's excluded ones.
    for (std::size_t p = 0; p < order.size() && taken < n; ++p) {
      const std::uint32_t item = order[p];
      if (contains(ex, item)) continue;
      r.items.push_back(item);
      r.scores.push_back(static_cast<float>(count[item]));
      ++taken;
    }
    close_list(r, n);
  }
  return r;
}

TopNResult buy_again_lists(const Dataset& data, const std::vector<bool>& train_rows,
                           const std::vector<std::uint32_t>& customers, const Csr* exclude,
                           int n) {
  validate_request("buy-again", data.customers(), data.items(), customers, exclude, n);
  const InteractionLog& log = data.log;
  const std::int64_t rows = log.size();
  require(static_cast<std::int64_t>(train_rows.size()) == rows,
          "buy-again: " + std::to_string(train_rows.size()) + " training flags for " +
              std::to_string(rows) + " log rows");
  const RowsByCustomer grouped = group_train_rows(log, train_rows, customers, data.customers());

  TopNResult r = empty_result(customers.size());
  std::vector<std::int64_t> by_item;
  std::vector<PastItem> past;
  for (const std::uint32_t c : customers) {
    collect_past_items(log, grouped.of(c), by_item, past);
    const auto ex = excluded_row(exclude, c);
    std::erase_if(past, [&](const PastItem& p) { return contains(ex, p.item); });
    rank_past_items(past);
    const std::size_t len = std::min(past.size(), static_cast<std::size_t>(n));
    for (std::size_t j = 0; j < len; ++j) {
      r.items.push_back(past[j].item);
      r.scores.push_back(static_cast<float>(past[j].count));
    }
    close_list(r, n);
  }
  return r;
}

TopNResult random_lists(std::int64_t items, const std::vector<std::uint32_t>& customers,
                        const Csr* exclude, int n, std::uint64_t seed) {
  require(items >= 1 && items <= std::int64_t{UINT32_MAX} + 1,
          "random: items must be in 1..2^32, got " + std::to_string(items));
  // Without an exclusion matrix any customer index is accepted (nothing is looked up).
  const std::int64_t rows = exclude != nullptr ? exclude->rows : std::int64_t{UINT32_MAX} + 1;
  validate_request("random", rows, items, customers, exclude, n);

  TopNResult r = empty_result(customers.size());
  std::vector<std::uint64_t> ranks;  // chosen ranks among the eligible items, ascending
  std::vector<std::uint32_t> list;
  for (const std::uint32_t c : customers) {
    const auto ex = excluded_row(exclude, c);
    const auto eligible = static_cast<std::uint64_t>(items) - ex.size();
    const std::uint64_t len = std::min<std::uint64_t>(eligible, static_cast<std::uint64_t>(n));
    // One generator per customer, from the seed and the customer: a customer's list does not
    // depend on which other customers are asked for, or in which order.
    SplitMix64 mix{seed};
    SplitMix64 rng{mix.next() ^ (static_cast<std::uint64_t>(c) * 0xd1b54a32d192ed03ull)};

    // Floyd's algorithm: a uniform len-subset of [0, eligible) in len draws.
    ranks.clear();
    for (std::uint64_t j = eligible - len; j < eligible; ++j) {
      const std::uint64_t t = rng.below(j + 1);
      const std::uint64_t pick = std::binary_search(ranks.begin(), ranks.end(), t) ? j : t;
      ranks.insert(std::lower_bound(ranks.begin(), ranks.end(), pick), pick);
    }
    // Rank -> item: the rank-th item that is not excluded (both ascending, one merge pass).
    list.clear();
    std::size_t e = 0;
    for (const std::uint64_t rank : ranks) {
      while (e < ex.size() && ex[e] <= rank + e) ++e;
      list.push_back(static_cast<std::uint32_t>(rank + e));
    }
    // A uniformly random order (Fisher-Yates).
    for (std::size_t j = list.size(); j > 1; --j)
      std::swap(list[j - 1], list[static_cast<std::size_t>(rng.below(j))]);
    for (std::size_t j = 0; j < list.size(); ++j) {
      r.items.push_back(list[j]);
      r.scores.push_back(static_cast<float>(-static_cast<std::int64_t>(j)));  // +0 first
    }
    close_list(r, n);
  }
  return r;
}

}  // namespace tailor
