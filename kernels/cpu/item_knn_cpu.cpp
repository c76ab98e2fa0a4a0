// Item-item kNN on the CPU (kernels/item_item.hpp): cosine similarities of the weighted item
// columns, each item's K best, and top-N lists scored from the customer's items.
//
// Similarities: threads take items; item i's dot products with every other item come from one
// pass over its customers and, for each, over that customer's items, into a per-thread dense
// accumulator of doubles (cost: sum over customers of |I_u|^2, the co-purchase pairs). Only the
// items touched are visited afterwards, so a row costs its co-purchases, not the catalogue.
// Scoring runs the same way per customer over the neighbour lists of its items.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/cpu/item_lists.hpp"
#include "kernels/cpu/item_weighting.hpp"
#include "kernels/item_item.hpp"
#include "kernels/validate.hpp"

namespace tailor {
namespace {

using cpu::ListEntry;
using cpu::WeightedMatrix;
using cpu::weight_matrix;

// A thread's dense accumulator over items, with the list of items touched since clear().
struct Accumulator {
  std::vector<double> value;
  std::vector<char> hit;
  std::vector<std::uint32_t> touched;
  explicit Accumulator(std::int64_t items)
      : value(static_cast<std::size_t>(items), 0.0), hit(static_cast<std::size_t>(items), 0) {}
  // Adds v to item j; true when j was not touched before.
  bool add(std::uint32_t j, double v) {
    const bool first = hit[j] == 0;
    if (first) {
      hit[j] = 1;
      value[j] = 0.0;
      touched.push_back(j);
    }
    value[j] += v;
    return first;
  }
  void clear() {
    for (const std::uint32_t j : touched) hit[j] = 0;
    touched.clear();
  }
};

// Item i's K best neighbours, ascending by item.
std::vector<ListEntry> neighbour_row(const WeightedMatrix& m, std::uint32_t i,
                                     const ItemKnnParams& p, Accumulator& acc) {
  std::vector<ListEntry> row;
  if (m.norm[i] <= 0.0) return row;
  for (std::int64_t k = cpu::row_begin(m.ic, i); k < cpu::row_end(m.ic, i); ++k) {
    const std::uint32_t u = m.ic.indices[k];
    for (std::int64_t q = cpu::row_begin(m.ci, u); q < cpu::row_end(m.ci, u); ++q)
      if (m.ci.indices[q] != i) acc.add(m.ci.indices[q], m.a_ic[k] * m.a_ci[q]);
  }
  for (const std::uint32_t j : acc.touched) {
    const double denominator = m.norm[i] * m.norm[j] + p.shrinkage;
    const auto sim = denominator > 0.0 ? static_cast<float>(acc.value[j] / denominator) : 0.0f;
    if (sim > 0.0f) row.push_back({sim, j, 0});
  }
  acc.clear();
  cpu::keep_best(row, p.neighbours);
  std::sort(row.begin(), row.end(),
            [](const ListEntry& a, const ListEntry& b) { return a.item < b.item; });
  return row;
}

ItemNeighbours flatten_neighbours(const std::vector<std::vector<ListEntry>>& rows) {
  ItemNeighbours nb;
  nb.items = static_cast<std::int64_t>(rows.size());
  nb.indptr.reserve(rows.size() + 1);
  nb.indptr.push_back(0);
  for (const auto& row : rows) {
    for (const ListEntry& e : row) {
      nb.indices.push_back(e.item);
      nb.similarity.push_back(e.score);
    }
    nb.indptr.push_back(static_cast<std::int64_t>(nb.indices.size()));
  }
  return nb;
}

// A thread's scratch for scoring: scores, each item's best contribution and its source, and
// the marks of the customer's excluded items.
struct KnnScratch {
  Accumulator& acc;
  std::vector<double>& best;
  std::vector<std::uint32_t>& because;
  const std::vector<char>& excluded;
};

// Customer r's list: every item reached with a score > 0 and not excluded, best n.
std::vector<ListEntry> knn_customer_list(const ItemNeighbours& nb, const CsrView& customers,
                                         std::int64_t r, const ItemKnnParams& p, int n,
                                         KnnScratch s) {
  auto& [acc, best, because, excluded] = s;
  for (std::int64_t q = cpu::row_begin(customers, r); q < cpu::row_end(customers, r); ++q) {
    const std::uint32_t i = customers.indices[q];
    const double weight = p.weighted_scores ? customers.data[q] : 1.0;
    for (std::int64_t k = nb.indptr[i]; k < nb.indptr[i + 1]; ++k) {
      const std::uint32_t j = nb.indices[k];
      const double c = weight * nb.similarity[k];
      // History items come in ascending order, so a strict > keeps the lower one on a tie.
      if (acc.add(j, c) || c > best[j]) {
        best[j] = c;
        because[j] = i;
      }
    }
  }
  std::vector<ListEntry> list;
  for (const std::uint32_t j : acc.touched) {
    const auto score = static_cast<float>(acc.value[j]);
    if (score > 0.0f && excluded[j] == 0) list.push_back({score, j, because[j]});
  }
  acc.clear();
  cpu::keep_best(list, n);
  return list;
}

}  // namespace

ItemNeighbours cpu_item_neighbours(const CsrView& customer_items, const CsrView& item_customers,
                                   const ItemKnnParams& params, int threads) {
  if (std::string problem = detail::item_knn_params_problem(params); !problem.empty())
    throw std::invalid_argument("item kNN: " + problem);
  detail::validate_item_matrices("item kNN", customer_items, item_customers);
  const WeightedMatrix m = weight_matrix(customer_items, item_customers, params);
  const std::int64_t items = item_customers.rows;
  std::vector<std::vector<ListEntry>> rows(static_cast<std::size_t>(items));
#pragma omp parallel num_threads(cpu::resolve_threads(threads))
  {
    Accumulator acc(items);
#pragma omp for schedule(dynamic, 16)
    for (std::int64_t i = 0; i < items; ++i)
      rows[i] = neighbour_row(m, static_cast<std::uint32_t>(i), params, acc);
  }
  return flatten_neighbours(rows);
}

ItemKnnLists cpu_item_knn_topn(const ItemNeighbours& neighbours, const CsrView& customers,
                               const CsrView* seen, const ItemKnnParams& params,
                               const TopNParams& topn, int threads) {
  detail::validate_item_scoring("item kNN", neighbours.items, customers, seen, topn);
  detail::require(neighbours.indptr.size() == static_cast<std::size_t>(neighbours.items) + 1,
                  "item kNN: the neighbour lists do not have one row per item");
  detail::require(!params.weighted_scores || customers.nnz() == 0 || customers.data != nullptr,
                  "item kNN: weighted scores need the customers' weights");
  const std::int64_t items = neighbours.items;
  const CsrView* exclude = topn.exclude_seen ? seen : nullptr;
  std::vector<std::vector<ListEntry>> per(static_cast<std::size_t>(customers.rows));
#pragma omp parallel num_threads(cpu::resolve_threads(threads))
  {
    Accumulator acc(items);
    std::vector<double> best(static_cast<std::size_t>(items), 0.0);
    std::vector<std::uint32_t> because(static_cast<std::size_t>(items), 0);
    std::vector<char> mark(static_cast<std::size_t>(items), 0);
#pragma omp for schedule(dynamic, 64)
    for (std::int64_t r = 0; r < customers.rows; ++r) {
      // Seen items are dropped before the selection, so a list still gets n others.
      cpu::mark_row(exclude, r, mark, 1);
      per[r] = knn_customer_list(neighbours, customers, r, params, topn.n,
                                 {acc, best, because, mark});
      cpu::mark_row(exclude, r, mark, 0);
    }
  }
  ItemKnnLists out;
  out.lists = cpu::gather_lists(per, topn.n, &out.because);
  return out;
}

}  // namespace tailor
