// Device memory planning for iALS: before anything is allocated, say whether a problem fits one
// GPU resident, fits only by streaming the sparse matrices in batches of rows from pinned host
// memory, or does not fit at all (and what would make it fit). docs/memory.md has the model and
// worked figures. Plain C++: no CUDA type, no device query; the caller passes the memory size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "host/core/names.hpp"

namespace tailor {

// How the factor matrices X and Y are stored on the device. Arithmetic (Gram products, CG,
// reductions) always accumulates in fp32; bf16/fp16 only halve the storage of X and Y.
// The CUDA engine stores fp32 today: bf16/fp16 plans describe a layout it does not build yet.
enum class FactorPrecision { fp32, bf16, fp16 };
inline constexpr NameTable<FactorPrecision, 3> kPrecisionNames{
    "factor precision",
    {{{FactorPrecision::fp32, "fp32"},
      {FactorPrecision::bf16, "bf16"},
      {FactorPrecision::fp16, "fp16"}}}};

// "fp32", "bf16" or "fp16"; InputError otherwise.
FactorPrecision parse_precision(const std::string& name);
std::string to_string(FactorPrecision p);
// Bytes of one stored factor value: 4 or 2.
std::size_t factor_value_bytes(FactorPrecision p);

struct ProblemShape {
  std::int64_t customers = 0;  // rows of the customer x item matrix, 1 .. INT_MAX
  std::int64_t items = 0;      // its columns, 1 .. INT_MAX
  std::int64_t nnz = 0;        // stored interactions, 0 .. customers * items
  int factors = 64;            // k, 1 .. kMaxFactors
  FactorPrecision precision = FactorPrecision::fp32;
};

// Bytes of a CSR matrix (or a slice of one) as the CUDA engine holds it on the device:
// (rows + 1) int64 offsets, nnz uint32 column indices, nnz fp32 weights.
std::size_t csr_bytes(std::int64_t rows, std::int64_t nnz);

// Rows [begin, end) of a CSR matrix and the bytes their slice occupies (csr_bytes).
struct RowBatch {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::size_t bytes = 0;
};

// Cuts rows 0 .. indptr.size() - 2 into consecutive batches, in order, each covering as many
// rows as fit in `batch_bytes` (csr_bytes of the slice). indptr: rows + 1 absolute,
// non-decreasing offsets (a CsrView's indptr; indptr[0] need not be 0). A row whose own slice
// is larger than batch_bytes throws InputError naming the row, its interactions and the bytes;
// rows with no interactions still occupy their offset. No rows -> no batches.
std::vector<RowBatch> plan_batches(std::span<const std::int64_t> indptr, std::size_t batch_bytes);

struct PlanOptions {
  // Fraction of the device memory left unplanned for the CUDA context, cuBLAS workspace, CUB
  // temporaries and allocator slack. 0 <= headroom < 1.
  double headroom = 0.10;
  // Staging buffers for streamed CSR slices: 2 = one batch copying while one is computed.
  int staging_buffers = 2;
  // Upper bound on the whole staging area in bytes; 0 = all the usable memory left after the
  // resident parts (larger batches, fewer launches).
  std::size_t staging_bytes = 0;
  // Without the real offsets, batches are sized for rows this many times the average row.
  double average_row_safety = 2.0;
  // Plan streaming even when everything would fit resident (tests, benchmarking the path).
  bool force_streaming = false;
  // Optional real row offsets (rows + 1 each) of the customer x item matrix and its transpose:
  // when given, batches are cut from them with plan_batches and the heaviest row is checked.
  std::span<const std::int64_t> customer_indptr;
  std::span<const std::int64_t> item_indptr;
  // Assumed pinned host-to-device bandwidth (GB/s, 1e9 bytes) for the streaming time estimate.
  double host_to_device_gbs = 25.0;
};

// One line of the plan's memory table.
struct MemoryComponent {
  std::string name;
  std::size_t bytes = 0;
  bool on_device = true;  // false: kept in pinned host memory and streamed
  std::string note;
};

struct MemoryPlan {
  ProblemShape shape;
  std::vector<MemoryComponent> components;  // every component, resident or streamed
  std::size_t total_resident = 0;  // bytes of the layout with everything on the device
  std::size_t device_bytes = 0;    // the device's memory as given
  double headroom = 0.0;
  std::size_t reserved_bytes = 0;  // round(device_bytes * headroom)
  std::size_t usable_bytes = 0;    // device_bytes - reserved_bytes
  std::size_t planned_device_bytes = 0;  // what this plan puts on the device (<= usable if feasible)

  bool feasible = false;       // false: see `verdict` for what is missing and what would fit
  bool fits_resident = false;  // total_resident <= usable_bytes
  bool streaming = false;      // CSR halves streamed from pinned host memory

  // Streaming only (zero otherwise).
  std::size_t staging_bytes = 0;   // staging_buffers x batch_bytes
  std::size_t batch_bytes = 0;     // the budget of one staged CSR slice
  std::int64_t customer_batch_rows = 0;  // most rows in one customer batch
  std::int64_t item_batch_rows = 0;      // most rows in one item batch
  std::int64_t customer_batches = 0;     // batches per customer half-step
  std::int64_t item_batches = 0;         // batches per item half-step
  std::vector<RowBatch> customer_row_batches;  // the cut, when customer_indptr was given
  std::vector<RowBatch> item_row_batches;      // the cut, when item_indptr was given
  std::size_t pinned_host_bytes = 0;         // both CSR matrices, page-locked
  std::size_t transfer_bytes_per_epoch = 0;  // host-to-device bytes per epoch (objective excluded)
  double transfer_seconds_per_epoch = 0.0;   // at options.host_to_device_gbs

  std::string verdict;      // one or more lines: resident / streamed / infeasible and why
  std::string explanation;  // the multi-line table of components followed by the verdict
};

// The plan for training `shape` on one device with `device_bytes` of memory. Resident when
// everything fits in the usable memory (equal counts as fitting); otherwise X, Y and the k x k
// matrices stay resident and both CSR halves stream through the staging buffers; otherwise not
// feasible. Throws InputError on an invalid shape or options (never for "does not fit": that is
// a plan with feasible = false).
MemoryPlan plan_ials(const ProblemShape& shape, std::size_t device_bytes,
                     const PlanOptions& options = {});

// "80GiB", "80 GB", "81920MiB", "1e9", "79.1GiB", "512" (bytes). Units, case-insensitive:
// B, KB/MB/GB/TB (powers of 1000), KiB/MiB/GiB/TiB (powers of 1024). Fractions round down to
// whole bytes. InputError on anything else (junk, negative, not finite, above 2^64 - 1).
std::size_t parse_bytes(const std::string& text);

// "7.60 GiB", "512 B": binary units, two decimals.
std::string format_bytes(std::size_t bytes);

}  // namespace tailor
