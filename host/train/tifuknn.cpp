// TIFU-KNN personal vectors and blended lists (host/train/tifuknn.hpp).
#include "host/train/tifuknn.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "host/core/error.hpp"

namespace tailor {

void validate_tifuknn_params(const TifuKnnParams& p) {
  const auto fail = [](const std::string& what) { throw InputError("tifuknn: " + what); };
  if (p.group_size < 1) fail(fmt::format("group_size = {} must be >= 1", p.group_size));
  if (!(p.within_decay > 0.0 && p.within_decay <= 1.0))
    fail(fmt::format("within_decay = {} must be in (0, 1]", p.within_decay));
  if (!(p.across_decay > 0.0 && p.across_decay <= 1.0))
    fail(fmt::format("across_decay = {} must be in (0, 1]", p.across_decay));
  if (p.neighbours < 0) fail(fmt::format("neighbours = {} must be >= 0", p.neighbours));
  if (!(p.alpha >= 0.0 && p.alpha <= 1.0))
    fail(fmt::format("alpha = {} must be in [0, 1]", p.alpha));
  if (p.basket_window < 0)
    fail(fmt::format("basket_window = {} seconds must be >= 0", p.basket_window));
}

namespace {

// ---- personal vectors ---------------------------------------------------------------------

// The selected rows ordered by (customer, time, item).
std::vector<std::int64_t> rows_by_customer_and_time(const InteractionLog& log,
                                                    const std::vector<bool>& rows) {
  std::vector<std::int64_t> order;
  for (std::int64_t r = 0; r < log.size(); ++r)
    if (rows[static_cast<std::size_t>(r)]) order.push_back(r);
  std::sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    if (log.customer[a] != log.customer[b]) return log.customer[a] < log.customer[b];
    if (log.time[a] != log.time[b]) return log.time[a] < log.time[b];
    return log.item[a] < log.item[b];
  });
  return order;
}

// One customer's baskets (rows order[begin, end) of that customer, in time order): the distinct
// items of each, oldest basket first.
std::vector<std::vector<std::uint32_t>> baskets_of(const InteractionLog& log,
                                                   const std::vector<std::int64_t>& order,
                                                   std::size_t begin, std::size_t end,
                                                   std::int64_t window) {
  std::vector<std::vector<std::uint32_t>> baskets;
  std::int64_t start = 0;
  for (std::size_t s = begin; s < end; ++s) {
    const std::int64_t t = log.time[order[s]];
    if (baskets.empty() || t > start + window) {
      baskets.emplace_back();
      start = t;
    }
    baskets.back().push_back(log.item[order[s]]);
  }
  for (auto& b : baskets) {
    std::sort(b.begin(), b.end());
    b.erase(std::unique(b.begin(), b.end()), b.end());
  }
  return baskets;
}

// u = 1/K sum_j r_g^(K-j) v(g_j), v(g) = 1/|g| sum_i r_b^(|g|-i) B_i, groups of group_size
// baskets counted back from the most recent. Returns (item, weight) pairs sorted by item.
std::vector<std::pair<std::uint32_t, double>> personal_vector(
    const std::vector<std::vector<std::uint32_t>>& baskets, const TifuKnnParams& p) {
  const auto n = static_cast<std::int64_t>(baskets.size());
  const std::int64_t m = p.group_size;
  const std::int64_t groups = (n + m - 1) / m;
  std::vector<std::pair<std::uint32_t, double>> terms;
  for (std::int64_t j = 0; j < groups; ++j) {  // j = 0 is the most recent group
    const std::int64_t last = n - j * m;       // baskets [first, last) of this group
    const std::int64_t first = std::max<std::int64_t>(0, last - m);
    const double group_weight = std::pow(p.across_decay, static_cast<double>(j)) /
                                static_cast<double>(groups) / static_cast<double>(last - first);
    for (std::int64_t b = first; b < last; ++b) {
      const double w = group_weight * std::pow(p.within_decay, static_cast<double>(last - 1 - b));
      for (const std::uint32_t item : baskets[static_cast<std::size_t>(b)]) terms.emplace_back(item, w);
    }
  }
  std::sort(terms.begin(), terms.end());
  std::vector<std::pair<std::uint32_t, double>> u;
  for (const auto& [item, w] : terms) {
    if (!u.empty() && u.back().first == item)
      u.back().second += w;
    else
      u.emplace_back(item, w);
  }
  return u;
}

}  // namespace

void check_tifuknn_times(const Dataset& data) {
  if (data.log.time.empty())
    throw InputError(fmt::format("{}: tifuknn needs the time of each interaction "
                                 "(/interactions/time), which this file does not have",
                                 data.path.string()));
}

Csr tifu_personal_vectors(const Dataset& data, const std::vector<bool>& rows,
                          const TifuKnnParams& p) {
  validate_tifuknn_params(p);
  check_tifuknn_times(data);
  const InteractionLog& log = data.log;
  if (rows.size() != static_cast<std::size_t>(log.size()))
    throw InputError(fmt::format("tifuknn: {} row flags for {} interactions", rows.size(),
                                 log.size()));
  const std::vector<std::int64_t> order = rows_by_customer_and_time(log, rows);
  Csr u;
  u.rows = data.customers();
  u.cols = data.items();
  u.indptr.assign(static_cast<std::size_t>(u.rows) + 1, 0);
  std::size_t s = 0;
  for (std::int64_t c = 0; c < u.rows; ++c) {
    std::size_t e = s;
    while (e < order.size() && log.customer[order[e]] == c) ++e;
    for (const auto& [item, w] : personal_vector(baskets_of(log, order, s, e, p.basket_window), p)) {
      u.indices.push_back(item);
      u.data.push_back(static_cast<float>(w));
    }
    u.indptr[static_cast<std::size_t>(c) + 1] = static_cast<std::int64_t>(u.indices.size());
    s = e;
  }
  return u;
}

namespace {

// ---- neighbours and lists -----------------------------------------------------------------

struct Blend {
  const Csr& u;                                // personal vectors
  const Csr& by_item;                          // their transpose
  const std::vector<double>& norm2;            // per customer, |u|^2
  const std::vector<std::uint32_t>& by_norm;   // customers with history, by (|u|^2, index)
};

double squared_norm(const Csr& u, std::int64_t c) {
  double s = 0.0;
  for (std::int64_t k = u.indptr[c]; k < u.indptr[c + 1]; ++k)
    s += static_cast<double>(u.data[k]) * u.data[k];
  return s;
}

using Scratch = TifuKnnScratch;

// The k nearest other customers of c by (squared distance, index). Customers sharing no item
// with c are at |u_c|^2 + |u_v|^2, so only the k smallest-norm ones of them can qualify.
std::vector<std::uint32_t> nearest(const Blend& b, std::uint32_t c, int k, Scratch& s) {
  for (std::int64_t a = b.u.indptr[c]; a < b.u.indptr[c + 1]; ++a) {
    const std::uint32_t item = b.u.indices[a];
    for (std::int64_t q = b.by_item.indptr[item]; q < b.by_item.indptr[item + 1]; ++q) {
      const std::uint32_t v = b.by_item.indices[q];
      if (s.dot[v] == 0.0) s.dot_touched.push_back(v);
      s.dot[v] += static_cast<double>(b.u.data[a]) * b.by_item.data[q];
    }
  }
  std::vector<std::pair<double, std::uint32_t>> cand;
  for (const std::uint32_t v : s.dot_touched)
    if (v != c) cand.emplace_back(b.norm2[c] + b.norm2[v] - 2.0 * s.dot[v], v);
  int taken = 0;
  for (const std::uint32_t v : b.by_norm) {
    if (taken == k) break;
    if (v == c || s.dot[v] != 0.0) continue;
    cand.emplace_back(b.norm2[c] + b.norm2[v], v);
    ++taken;
  }
  for (const std::uint32_t v : s.dot_touched) s.dot[v] = 0.0;
  s.dot_touched.clear();
  const auto keep = std::min<std::size_t>(static_cast<std::size_t>(k), cand.size());
  std::partial_sort(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(keep), cand.end());
  std::vector<std::uint32_t> out(keep);
  for (std::size_t i = 0; i < keep; ++i) out[i] = cand[i].second;
  return out;
}

void add_row(const Csr& u, std::uint32_t c, double weight, Scratch& s) {
  if (weight == 0.0) return;
  for (std::int64_t a = u.indptr[c]; a < u.indptr[c + 1]; ++a) {
    const std::uint32_t item = u.indices[a];
    if (s.score[item] == 0.0) s.score_touched.push_back(item);
    s.score[item] += weight * u.data[a];
  }
}

// The best n of the accumulated scores, excluded items left out; clears the accumulator.
std::vector<std::pair<std::uint32_t, float>> best_items(Scratch& s, const Csr* exclude,
                                                        std::uint32_t c, int n) {
  std::vector<std::pair<std::uint32_t, float>> items;
  for (const std::uint32_t i : s.score_touched) {
    const bool out = exclude != nullptr &&
                     std::binary_search(exclude->indices.begin() + exclude->indptr[c],
                                        exclude->indices.begin() + exclude->indptr[c + 1], i);
    if (!out && s.score[i] > 0.0) items.emplace_back(i, static_cast<float>(s.score[i]));
    s.score[i] = 0.0;
  }
  s.score_touched.clear();
  const auto better = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  const auto keep = std::min<std::size_t>(static_cast<std::size_t>(n), items.size());
  std::partial_sort(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(keep), items.end(),
                    better);
  items.resize(keep);
  return items;
}

// Adds p = alpha u_c + (1 - alpha) mean of u over c's nearest customers into s.score.
void blend_into(const Blend& b, std::uint32_t c, const TifuKnnParams& p, Scratch& s) {
  if (b.u.indptr[c] == b.u.indptr[c + 1]) return;
  add_row(b.u, c, p.alpha, s);
  const std::vector<std::uint32_t> near =
      p.neighbours > 0 && p.alpha < 1.0 ? nearest(b, c, p.neighbours, s)
                                        : std::vector<std::uint32_t>{};
  for (const std::uint32_t v : near)
    add_row(b.u, v, (1.0 - p.alpha) / static_cast<double>(near.size()), s);
}

std::vector<std::pair<std::uint32_t, float>> list_of(const TifuKnnBlend& blend, std::uint32_t c,
                                                     const Csr* exclude, int n, Scratch& s) {
  const Csr& u = blend.personal();
  if (u.indptr[c] == u.indptr[c + 1]) return {};
  blend.blend(c, s);
  return best_items(s, exclude, c, n);
}

void check_request(const Csr& personal, const std::vector<std::uint32_t>& customers,
                   const Csr* exclude, int n) {
  if (n < 1) throw InputError(fmt::format("tifuknn: n = {} must be >= 1", n));
  for (const std::uint32_t c : customers)
    if (c >= personal.rows)
      throw InputError(fmt::format("tifuknn: customer {} is out of range ({} customers)", c,
                                   personal.rows));
  if (exclude != nullptr && (exclude->rows != personal.rows || exclude->cols != personal.cols))
    throw InputError(fmt::format("tifuknn: exclusion matrix is {} x {}, expected {} x {}",
                                 exclude->rows, exclude->cols, personal.rows, personal.cols));
}

}  // namespace

TopNResult tifuknn_lists(const Csr& personal, const std::vector<std::uint32_t>& customers,
                         const Csr* exclude, int n, const TifuKnnParams& p, int threads) {
  validate_tifuknn_params(p);
  check_request(personal, customers, exclude, n);
  threads = threads >= 1 ? threads : omp_get_max_threads();
  const TifuKnnBlend blend(personal, p, threads);

  std::vector<std::vector<std::pair<std::uint32_t, float>>> lists(customers.size());
#pragma omp parallel num_threads(threads)
  {
    Scratch s(personal.rows, personal.cols);
#pragma omp for schedule(dynamic, 16)
    for (std::size_t q = 0; q < customers.size(); ++q)
      lists[q] = list_of(blend, customers[q], exclude, n, s);
  }
  TopNResult r;
  r.offsets.push_back(0);
  for (const auto& list : lists) {
    for (const auto& [item, score] : list) {
      r.items.push_back(item);
      r.scores.push_back(score);
    }
    r.offsets.push_back(static_cast<std::int64_t>(r.items.size()));
    if (static_cast<int>(list.size()) < n) ++r.short_lists;
  }
  return r;
}

TifuKnnScratch::TifuKnnScratch(std::int64_t customers, std::int64_t items)
    : dot(static_cast<std::size_t>(customers), 0.0), score(static_cast<std::size_t>(items), 0.0) {}

TifuKnnBlend::TifuKnnBlend(const Csr& personal, const TifuKnnParams& p, int threads)
    : u_(&personal), by_item_(transpose(personal, threads >= 1 ? threads : omp_get_max_threads())),
      p_(p) {
  validate_tifuknn_params(p);
  norm2_.resize(static_cast<std::size_t>(personal.rows));
  for (std::int64_t c = 0; c < personal.rows; ++c) {
    norm2_[static_cast<std::size_t>(c)] = squared_norm(personal, c);
    if (personal.indptr[c] != personal.indptr[c + 1])
      by_norm_.push_back(static_cast<std::uint32_t>(c));
  }
  std::stable_sort(by_norm_.begin(), by_norm_.end(),
                   [&](std::uint32_t x, std::uint32_t y) { return norm2_[x] < norm2_[y]; });
}

TifuKnnScratch TifuKnnBlend::scratch() const { return {u_->rows, u_->cols}; }

void TifuKnnBlend::blend(std::uint32_t c, TifuKnnScratch& s) const {
  blend_into(Blend{*u_, by_item_, norm2_, by_norm_}, c, p_, s);
}

void TifuKnnScratch::clear_scores() {
  for (const std::uint32_t i : score_touched) score[i] = 0.0;
  score_touched.clear();
}

}  // namespace tailor
