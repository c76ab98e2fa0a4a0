#include "host/rank/ranker.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>
#include <unordered_set>

#include "host/core/error.hpp"
#include "host/io/time.hpp"

namespace tailor {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::uint64_t pair_key(std::uint32_t c, std::uint32_t i) {
  return (std::uint64_t{c} << 32) | i;
}

// The (customer, item) pairs bought in (from, to], with the snapshot's purchase rules.
std::unordered_set<std::uint64_t> bought_between(const Dataset& d, std::int64_t from,
                                                 std::int64_t to, const std::string& event_name) {
  const InteractionLog& log = d.log;
  const int event = log.event.empty() ? -1 : d.event_index(event_name);
  std::unordered_set<std::uint64_t> pairs;
  for (std::int64_t r = 0; r < log.size(); ++r) {
    if (log.time[r] <= from || log.time[r] > to) continue;
    if (event >= 0 && log.event[r] != event) continue;
    if (!log.quantity.empty() && !(log.quantity[r] > 0)) continue;
    pairs.insert(pair_key(log.customer[r], log.item[r]));
  }
  return pairs;
}

// The customers with history at the snapshot who bought something in the label window, at most
// `limit` of them (a seeded sample, in index order) when limit > 0.
std::vector<std::uint32_t> training_customers(const RankerSnapshot& s,
                                              const std::unordered_set<std::uint64_t>& bought,
                                              std::int64_t limit, std::uint64_t seed) {
  std::vector<char> active(static_cast<std::size_t>(s.past().customers()), 0);
  for (const auto key : bought) active[key >> 32] = 1;
  std::vector<std::uint32_t> out;
  for (std::uint32_t c = 0; c < active.size(); ++c)
    if (active[c] && s.has_history(c)) out.push_back(c);
  if (limit > 0 && static_cast<std::int64_t>(out.size()) > limit) {
    std::mt19937_64 rng(seed);
    std::shuffle(out.begin(), out.end(), rng);
    out.resize(static_cast<std::size_t>(limit));
    std::sort(out.begin(), out.end());
  }
  return out;
}

// Keeps the groups with at least one positive label (in place); returns the positives.
std::int64_t keep_positive_groups(CandidateRows& rows, std::vector<float>& labels) {
  const auto cols = static_cast<std::size_t>(rows.features.cols);
  std::size_t read = 0, write = 0, groups = 0;
  std::int64_t positives = 0;
  for (std::size_t g = 0; g < rows.group_sizes.size(); ++g) {
    const std::size_t size = rows.group_sizes[g];
    const float hits = std::accumulate(labels.begin() + static_cast<std::ptrdiff_t>(read),
                                       labels.begin() + static_cast<std::ptrdiff_t>(read + size),
                                       0.0f);
    if (hits > 0) {
      std::copy_n(labels.begin() + static_cast<std::ptrdiff_t>(read), size,
                  labels.begin() + static_cast<std::ptrdiff_t>(write));
      std::copy_n(rows.items.begin() + static_cast<std::ptrdiff_t>(read), size,
                  rows.items.begin() + static_cast<std::ptrdiff_t>(write));
      std::copy_n(rows.features.values.begin() + static_cast<std::ptrdiff_t>(read * cols),
                  size * cols,
                  rows.features.values.begin() + static_cast<std::ptrdiff_t>(write * cols));
      rows.customers[groups] = rows.customers[g];
      rows.group_sizes[groups++] = static_cast<std::uint32_t>(size);
      write += size;
      positives += static_cast<std::int64_t>(hits);
    }
    read += size;
  }
  rows.customers.resize(groups);
  rows.group_sizes.resize(groups);
  rows.items.resize(write);
  labels.resize(write);
  rows.features.rows = static_cast<std::int64_t>(write);
  rows.features.values.resize(write * cols);
  return positives;
}

}  // namespace

void validate_ranker_params(const RankerParams& p, const std::string& where) {
  validate_ranker_sources(p.sources, where);
  if (p.horizon_seconds <= 0)
    throw InputError(fmt::format("{}: horizon = {} s: must be positive", where, p.horizon_seconds));
  if (p.max_train_customers < 0)
    throw InputError(fmt::format("{}: max_train_customers = {}: must be >= 0", where,
                                 p.max_train_customers));
  if (p.train_windows < 1 || p.train_windows > 52)
    throw InputError(fmt::format("{}: train_windows = {}: must be in 1..52", where,
                                 p.train_windows));
  validate_booster_params(p.booster, where);
}

namespace {

// One label window's training rows: features as of `cut`, labels in (cut, end].
struct WindowRows {
  CandidateRows rows;
  std::vector<float> labels;
  std::int64_t positives = 0;
};

WindowRows window_rows(const Dataset& data, std::int64_t cut, std::int64_t end,
                       const RankerParams& p, const Backend& backend) {
  const RankerSnapshot snapshot(data, cut, p.sources, backend);
  const auto bought = bought_between(data, cut, end, p.sources.replenish.purchase_event);
  const auto customers =
      training_customers(snapshot, bought, p.max_train_customers, p.booster.seed);
  WindowRows w{snapshot.candidates(customers), {}, 0};
  CandidateRows& rows = w.rows;
  w.labels.assign(rows.items.size(), 0.0f);
  std::size_t r = 0;
  for (std::size_t g = 0; g < rows.group_sizes.size(); ++g)
    for (std::uint32_t j = 0; j < rows.group_sizes[g]; ++j, ++r)
      w.labels[r] = bought.count(pair_key(rows.customers[g], rows.items[r])) ? 1.0f : 0.0f;
  w.positives = keep_positive_groups(rows, w.labels);
  return w;
}

void append(WindowRows& to, WindowRows&& from) {
  auto& a = to.rows;
  auto& b = from.rows;
  a.customers.insert(a.customers.end(), b.customers.begin(), b.customers.end());
  a.group_sizes.insert(a.group_sizes.end(), b.group_sizes.begin(), b.group_sizes.end());
  a.items.insert(a.items.end(), b.items.begin(), b.items.end());
  a.features.cols = b.features.cols;
  a.features.rows += b.features.rows;
  a.features.values.insert(a.features.values.end(), b.features.values.begin(),
                           b.features.values.end());
  to.labels.insert(to.labels.end(), from.labels.begin(), from.labels.end());
  to.positives += from.positives;
}

}  // namespace

RankerModel fit_ranker(const Dataset& data, std::int64_t as_of, const RankerParams& p,
                       const Backend& backend) {
  validate_ranker_params(p, "ranker");
  const auto t0 = std::chrono::steady_clock::now();
  WindowRows all;
  for (int k = 1; k <= p.train_windows; ++k)
    append(all, window_rows(data, as_of - k * p.horizon_seconds,
                            as_of - (k - 1) * p.horizon_seconds, p, backend));
  RankerModel m;
  m.params = p;
  m.as_of = as_of;
  m.feature_names = ranker_feature_names();
  m.train_positives = all.positives;
  m.train_customers = static_cast<std::int64_t>(all.rows.group_sizes.size());
  m.train_rows = all.rows.features.rows;
  m.feature_seconds = seconds_since(t0);
  const std::int64_t first_cut = as_of - p.train_windows * p.horizon_seconds;
  if (m.train_positives == 0)
    throw InputError(fmt::format(
        "{}: no customer bought any of their ranker candidates between {} and {}: nothing to "
        "train the ranker on (try a longer horizon or more training windows)",
        data.path.string(), utc_date(first_cut), utc_date(as_of)));
  const auto t1 = std::chrono::steady_clock::now();
  m.booster = Booster::train(all.rows.features, all.labels, all.rows.group_sizes,
                             m.feature_names, p.booster, backend.threads());
  m.train_seconds = seconds_since(t1);
  m.importances = m.booster.importances(m.feature_names);
  spdlog::info("ranker: trained on {} label window(s) from {}: {} customers, {} candidates ({} "
               "bought) in {:.1f} s (features {:.1f} s)",
               p.train_windows, utc_date(first_cut), m.train_customers, m.train_rows,
               m.train_positives, m.train_seconds, m.feature_seconds);
  return m;
}

CandidateScores score_candidates(const RankerModel& model, const RankerSnapshot& snapshot,
                                 std::span<const std::uint32_t> customers,
                                 std::size_t batch_customers) {
  CandidateScores out;
  out.offsets.push_back(0);
  const std::size_t batch = std::max<std::size_t>(batch_customers, 1);
  for (std::size_t from = 0; from < customers.size(); from += batch) {
    const auto part = customers.subspan(from, std::min(batch, customers.size() - from));
    const CandidateRows rows = snapshot.candidates(part);
    const std::vector<float> scores = model.booster.predict(rows.features);
    for (std::size_t g = 0; g < rows.group_sizes.size(); ++g) {
      out.customers.push_back(rows.customers[g]);
      out.offsets.push_back(out.offsets.back() + rows.group_sizes[g]);
    }
    out.items.insert(out.items.end(), rows.items.begin(), rows.items.end());
    out.scores.insert(out.scores.end(), scores.begin(), scores.end());
  }
  return out;
}

TopNResult ranker_lists(const RankerModel& model, const RankerSnapshot& snapshot,
                        std::span<const std::uint32_t> customers, const Csr* exclude, int n) {
  const CandidateScores c = score_candidates(model, snapshot, customers);
  std::vector<std::int64_t> group_of(static_cast<std::size_t>(snapshot.past().customers()), -1);
  for (std::size_t g = 0; g < c.customers.size(); ++g)
    group_of[c.customers[g]] = static_cast<std::int64_t>(g);
  TopNResult out;
  out.offsets.push_back(0);
  std::vector<std::int64_t> order;
  for (std::size_t k = 0; k < customers.size(); ++k) {
    const std::int64_t g = group_of[customers[k]];
    order.clear();
    for (std::int64_t r = g < 0 ? 0 : c.offsets[g]; g >= 0 && r < c.offsets[g + 1]; ++r) {
      if (exclude) {
        const auto* b = exclude->indices.data() + exclude->indptr[k];
        const auto* e = exclude->indices.data() + exclude->indptr[k + 1];
        if (std::binary_search(b, e, c.items[r])) continue;
      }
      order.push_back(r);
    }
    std::sort(order.begin(), order.end(), [&](auto a, auto b) {
      return c.scores[a] != c.scores[b] ? c.scores[a] > c.scores[b] : c.items[a] < c.items[b];
    });
    if (static_cast<int>(order.size()) > n) order.resize(static_cast<std::size_t>(n));
    if (static_cast<int>(order.size()) < n) ++out.short_lists;
    for (const auto r : order) {
      out.items.push_back(c.items[r]);
      out.scores.push_back(c.scores[r]);
    }
    out.offsets.push_back(static_cast<std::int64_t>(out.items.size()));
  }
  return out;
}

}  // namespace tailor
