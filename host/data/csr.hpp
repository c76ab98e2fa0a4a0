// Owning compressed sparse row matrices and their construction from interaction columns.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kernels/kernels.hpp"

namespace tailor {

// Owns what CsrView points at. Columns within a row are sorted ascending and unique.
struct Csr {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::vector<std::int64_t> indptr;    // (rows + 1), indptr[0] == 0
  std::vector<std::uint32_t> indices;  // (nnz)
  std::vector<float> data;             // (nnz)

  [[nodiscard]] std::int64_t nnz() const { return static_cast<std::int64_t>(indices.size()); }
  [[nodiscard]] CsrView view() const {
    return {rows, cols, indptr.data(), indices.data(), data.data()};
  }
};

// Builds a rows x cols matrix from n coordinate triples, summing duplicate (row, col) pairs into
// one weight. weights may be null: each pair then counts 1 per occurrence. Indices must already
// be checked to be in range (the loader does that with row numbers in its messages); this
// function asserts. Uses up to `threads` threads.
Csr build_csr(std::int64_t rows, std::int64_t cols, const std::uint32_t* row_index,
              const std::uint32_t* col_index, const float* weights, std::int64_t n, int threads);

// The transpose (cols x rows), columns sorted within each row.
Csr transpose(const Csr& m, int threads);

// The given rows of m, in that order (repeats allowed), as a rows.size() x m.cols matrix.
Csr select_rows(const Csr& m, std::span<const std::uint32_t> rows);

// Appends row r of m to out as one more row (out.rows is the caller's): each column j becomes
// col_map[j], entries whose column maps to kNoItem (host/data/ids.hpp) are left out, and the
// row is sorted by its new columns, weights kept. How a file's rows meet a model's item list.
void append_mapped_row(const Csr& m, std::int64_t r, std::span<const std::uint32_t> col_map,
                       Csr& out);

}  // namespace tailor
