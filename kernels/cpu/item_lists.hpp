// What the item-item scorers (item_knn_cpu.cpp, ease_cpu.cpp) share: a customer's candidates,
// the list order, the exclusion of seen items and the assembly of TopNResult.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/kernels.hpp"

namespace tailor::cpu {

inline int resolve_threads(int threads) { return threads >= 1 ? threads : omp_get_max_threads(); }

// One list entry; `because` is the contributing history item (item kNN only).
struct ListEntry {
  float score = 0.0f;
  std::uint32_t item = 0;
  std::uint32_t because = 0;
};

// The list order of cpu_topn: higher score first, equal scores by lower item index.
inline bool list_before(const ListEntry& a, const ListEntry& b) {
  return a.score > b.score || (a.score == b.score && a.item < b.item);
}

// Keeps the best n of `c`, in list order.
inline void keep_best(std::vector<ListEntry>& c, int n) {
  const auto len = static_cast<std::size_t>(n);
  if (c.size() > len) {
    std::nth_element(c.begin(), c.begin() + (n - 1), c.end(), list_before);
    c.resize(len);
  }
  std::sort(c.begin(), c.end(), list_before);
}

// Row r of `m` as [begin, end) offsets.
inline std::int64_t row_begin(const CsrView& m, std::int64_t r) { return m.indptr[r]; }
inline std::int64_t row_end(const CsrView& m, std::int64_t r) { return m.indptr[r + 1]; }

// Sets (value 1) or clears (value 0) mark[i] for the items of row r of `seen`; nothing when
// `seen` is null.
inline void mark_row(const CsrView* seen, std::int64_t r, std::vector<char>& mark, char value) {
  if (seen == nullptr) return;
  for (std::int64_t k = row_begin(*seen, r); k < row_end(*seen, r); ++k)
    mark[seen->indices[k]] = value;
}

// One TopNResult from per-customer lists (each already in list order and at most n long);
// `because`, when given, receives the entries' contributing items.
inline TopNResult gather_lists(const std::vector<std::vector<ListEntry>>& per, int n,
                               std::vector<std::uint32_t>* because) {
  TopNResult r;
  r.offsets.reserve(per.size() + 1);
  r.offsets.push_back(0);
  for (const auto& list : per) {
    for (const ListEntry& e : list) {
      r.items.push_back(e.item);
      r.scores.push_back(e.score);
      if (because != nullptr) because->push_back(e.because);
    }
    r.offsets.push_back(static_cast<std::int64_t>(r.items.size()));
    if (list.size() < static_cast<std::size_t>(n)) ++r.short_lists;
  }
  return r;
}

}  // namespace tailor::cpu
