#include "host/data/csr.hpp"

#include <omp.h>

#include <algorithm>
#include <cassert>
#include <utility>

#include "host/data/ids.hpp"

namespace tailor {
namespace {

// Exclusive prefix sum of counts (n) into offsets (n + 1).
std::vector<std::int64_t> offsets_from_counts(const std::vector<std::int64_t>& counts) {
  std::vector<std::int64_t> offsets(counts.size() + 1, 0);
  for (std::size_t r = 0; r < counts.size(); ++r) offsets[r + 1] = offsets[r] + counts[r];
  return offsets;
}

}  // namespace

Csr build_csr(std::int64_t rows, std::int64_t cols, const std::uint32_t* row_index,
              const std::uint32_t* col_index, const float* weights, std::int64_t n, int threads) {
  threads = std::max(threads, 1);
  std::vector<std::int64_t> counts(static_cast<std::size_t>(rows), 0);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t k = 0; k < n; ++k) {
    assert(row_index[k] < rows && col_index[k] < cols);
#pragma omp atomic
    counts[row_index[k]]++;
  }
  std::vector<std::int64_t> start = offsets_from_counts(counts);

  // Scatter (col, weight) pairs to their rows; the order inside a row depends on thread timing,
  // so each row is sorted by (col, weight) below, which makes the duplicate sums deterministic.
  std::vector<std::pair<std::uint32_t, float>> pairs(static_cast<std::size_t>(n));
  std::vector<std::int64_t> cursor(start.begin(), start.end() - 1);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t k = 0; k < n; ++k) {
    std::int64_t pos;
#pragma omp atomic capture
    pos = cursor[row_index[k]]++;
    pairs[pos] = {col_index[k], weights ? weights[k] : 1.0f};
  }

  std::vector<std::int64_t> unique(static_cast<std::size_t>(rows), 0);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1024)
  for (std::int64_t r = 0; r < rows; ++r) {
    auto first = pairs.begin() + start[r];
    auto last = pairs.begin() + start[r + 1];
    std::sort(first, last);
    // Merge runs of equal columns in place; sums in (col, weight) order.
    auto out = first;
    for (auto it = first; it != last;) {
      std::uint32_t c = it->first;
      double sum = 0.0;
      for (; it != last && it->first == c; ++it) sum += it->second;
      *out++ = {c, static_cast<float>(sum)};
    }
    unique[r] = out - first;
  }

  Csr m;
  m.rows = rows;
  m.cols = cols;
  m.indptr = offsets_from_counts(unique);
  m.indices.resize(static_cast<std::size_t>(m.indptr.back()));
  m.data.resize(m.indices.size());
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1024)
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t j = 0; j < unique[r]; ++j) {
      const auto& [c, w] = pairs[start[r] + j];
      m.indices[m.indptr[r] + j] = c;
      m.data[m.indptr[r] + j] = w;
    }
  }
  return m;
}

Csr transpose(const Csr& m, int threads) {
  threads = std::max(threads, 1);
  std::vector<std::int64_t> counts(static_cast<std::size_t>(m.cols), 0);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t k = 0; k < m.nnz(); ++k) {
#pragma omp atomic
    counts[m.indices[k]]++;
  }
  Csr t;
  t.rows = m.cols;
  t.cols = m.rows;
  t.indptr = offsets_from_counts(counts);
  t.indices.resize(m.indices.size());
  t.data.resize(m.data.size());
  std::vector<std::int64_t> cursor(t.indptr.begin(), t.indptr.end() - 1);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1024)
  for (std::int64_t r = 0; r < m.rows; ++r) {
    for (std::int64_t k = m.indptr[r]; k < m.indptr[r + 1]; ++k) {
      std::int64_t pos;
#pragma omp atomic capture
      pos = cursor[m.indices[k]]++;
      t.indices[pos] = static_cast<std::uint32_t>(r);
      t.data[pos] = m.data[k];
    }
  }
  // Rows were filled in thread order; sort each by column (columns are unique, so the
  // (index, weight) pairs sort by index alone).
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1024)
  for (std::int64_t r = 0; r < t.rows; ++r) {
    const std::int64_t b = t.indptr[r], e = t.indptr[r + 1];
    if (std::is_sorted(t.indices.begin() + b, t.indices.begin() + e)) continue;
    std::vector<std::pair<std::uint32_t, float>> row;
    row.reserve(static_cast<std::size_t>(e - b));
    for (std::int64_t k = b; k < e; ++k) row.emplace_back(t.indices[k], t.data[k]);
    std::sort(row.begin(), row.end());
    for (std::int64_t k = b; k < e; ++k) {
      t.indices[k] = row[k - b].first;
      t.data[k] = row[k - b].second;
    }
  }
  return t;
}

Csr select_rows(const Csr& m, std::span<const std::uint32_t> rows) {
  Csr out;
  out.rows = static_cast<std::int64_t>(rows.size());
  out.cols = m.cols;
  out.indptr.reserve(rows.size() + 1);
  out.indptr.push_back(0);
  for (const std::uint32_t r : rows) {
    assert(r < m.rows);
    const auto b = static_cast<std::ptrdiff_t>(m.indptr[r]);
    const auto e = static_cast<std::ptrdiff_t>(m.indptr[r + 1]);
    out.indices.insert(out.indices.end(), m.indices.begin() + b, m.indices.begin() + e);
    out.data.insert(out.data.end(), m.data.begin() + b, m.data.begin() + e);
    out.indptr.push_back(static_cast<std::int64_t>(out.indices.size()));
  }
  return out;
}

void append_mapped_row(const Csr& m, std::int64_t r, std::span<const std::uint32_t> col_map,
                       Csr& out) {
  std::vector<std::pair<std::uint32_t, float>> row;
  for (std::int64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e)
    if (col_map[m.indices[e]] != kNoItem) row.emplace_back(col_map[m.indices[e]], m.data[e]);
  std::sort(row.begin(), row.end());
  if (out.indptr.empty()) out.indptr.push_back(0);
  for (const auto& [col, weight] : row) {
    out.indices.push_back(col);
    out.data.push_back(weight);
  }
  out.indptr.push_back(static_cast<std::int64_t>(out.indices.size()));
}

}  // namespace tailor
