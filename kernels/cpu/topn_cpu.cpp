// cpu_topn: every customer against every item, each customer's best n, on the CPU.
//
// Scores are never materialised for all items at once. Threads take blocks of customers; for each
// block the items are visited in blocks, each customer x item block of scores is computed by a
// register-tiled kernel (kernels/cpu/topn_tile.hpp) into a per-thread tile, and each customer's
// scores are pushed through a running selection before the next item block overwrites the tile.
// The item factors are first packed into panels of kPanel items (k x kPanel each, item-minor),
// the layout the kernel reads, once per call.
//
// Selection (per customer): a candidate buffer of 2n entries and a threshold, the n-th best score
// so far. A score enters the buffer only if it beats the threshold; when the buffer is full it is
// cut back to the best n with nth_element and the threshold rises. Items are visited in ascending
// index order, so a later item with a score equal to the threshold loses the tie and is skipped.
//
// Order: higher score first, equal scores by lower item index. A NaN score (possible only with
// non-finite factors) ranks below every number, -inf included; NaNs tie with each other and
// follow the index rule. That keeps the comparison a strict weak ordering, so the lists stay
// well-defined, and a NaN never displaces a real score. Scores are reported as computed, except
// that -0 comes back as +0 (they tie) and every NaN as the default quiet NaN.
//
// Memory: params.memory_budget bounds what the threads hold together: per thread the block's
// customer factors, the score tile and the candidate buffers. Blocks shrink (items first, then
// customers) until they fit, but never below one register tile (kMR customers x kPanel items),
// which is a few KB. The packed item panels (a copy of the item factors) and the result arrays
// are outside the budget. The block sizes change only the work order, never the scores or the
// lists: each score is the same sequence of operations whatever the blocking.
#include <omp.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "kernels/cpu/isa.hpp"
#include "kernels/kernels.hpp"
#include "kernels/validate.hpp"

namespace tailor::cpu {
namespace {

constexpr int kPanel = 16;  // items per packed panel: the register tile's width

// A candidate as one integer whose order is the list order: the score mapped to an unsigned
// integer that sorts like the float (NaN lowest, -0 equal to +0) in the high half, the item index
// inverted in the low half (so that on equal scores the lower index is the larger key). Sorting
// and selection then compare plain integers.
using Candidate = std::uint64_t;

inline Candidate make_candidate(float score, std::uint32_t item) {
  const float s = score + 0.0f;  // -0 becomes +0 (and the compiler may not drop this addition)
  std::uint32_t u;
  std::memcpy(&u, &s, sizeof u);
  const std::uint32_t ordered = std::isnan(s) ? 0u : (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  return (std::uint64_t{ordered} << 32) | ~item;
}
inline std::uint32_t candidate_item(Candidate c) { return ~static_cast<std::uint32_t>(c); }
inline float candidate_score(Candidate c) {
  const auto ordered = static_cast<std::uint32_t>(c >> 32);
  if (ordered == 0) return std::numeric_limits<float>::quiet_NaN();
  const std::uint32_t u = (ordered & 0x80000000u) ? (ordered & 0x7fffffffu) : ~ordered;
  float s;
  std::memcpy(&s, &u, sizeof s);
  return s;
}

// The running best n of one customer, over a caller-owned buffer of `cap` > n candidates.
class Selector {
 public:
  void reset(Candidate* buf, int cap, int n) {
    buf_ = buf;
    cap_ = cap;
    n_ = n;
    count_ = 0;
    // NaN admits everything: `!(s <= NaN)` holds for every s. Until the first cut every item
    // is a candidate.
    threshold_ = std::numeric_limits<float>::quiet_NaN();
  }

  // The score an item must beat to enter (NaN: any item enters; see offer in topn_tile.hpp).
  [[nodiscard]] float threshold() const { return threshold_; }

  void push(float score, std::uint32_t item) {
    buf_[count_++] = make_candidate(score, item);
    if (count_ == cap_) cut();
  }

  // Sorts the best min(n, count) to the front and returns how many.
  int finish() {
    const int len = std::min(n_, count_);
    // nth_element + sort: for n in the hundreds, much faster than partial_sort's heap.
    if (len < count_) std::nth_element(buf_, buf_ + (len - 1), buf_ + count_, std::greater<>());
    std::sort(buf_, buf_ + len, std::greater<>());
    return len;
  }

 private:
  void cut() {
    std::nth_element(buf_, buf_ + (n_ - 1), buf_ + count_, std::greater<>());
    count_ = n_;
    threshold_ = candidate_score(buf_[n_ - 1]);
  }

  Candidate* buf_ = nullptr;
  int cap_ = 0;
  int n_ = 0;
  int count_ = 0;
  float threshold_ = 0.0f;
};

namespace baseline {
#define TAILOR_CPU_KW 4  // SSE2: 4 floats per vector
constexpr int kMR = 2;  // 2 x 16 tile: 8 of the 16 xmm registers hold sums
#include "kernels/cpu/vec.hpp"
#include "kernels/cpu/topn_tile.hpp"
#undef TAILOR_CPU_KW
}  // namespace baseline

#if TAILOR_CPU_AVX2_PATH
TAILOR_CPU_BEGIN_AVX2
namespace avx2 {
#define TAILOR_CPU_KW 8  // AVX2: 8 floats per vector
constexpr int kMR = 6;  // 6 x 16 tile: 12 of the 16 ymm registers hold sums
#include "kernels/cpu/vec.hpp"
#include "kernels/cpu/topn_tile.hpp"
#undef TAILOR_CPU_KW
}  // namespace avx2
TAILOR_CPU_END_AVX2
#endif

struct TopnKernels {
  int mr;  // customers per register tile
  void (*score_block)(const float*, int, const float*, int, int, float*, std::size_t);
  void (*offer)(Selector&, const float*, std::uint32_t, std::uint32_t);
};

TopnKernels kernels_for(Isa isa) {
#if TAILOR_CPU_AVX2_PATH
  if (isa == Isa::avx2_fma) return {avx2::kMR, &avx2::score_block, &avx2::offer};
#endif
  (void)isa;
  return {baseline::kMR, &baseline::score_block, &baseline::offer};
}

struct Blocking {
  int mb = 0;  // customers per block, a multiple of the register tile's rows
  int nb = 0;  // items per block, a multiple of kPanel
};

std::size_t block_bytes(const Blocking& b, int k, int cap) {
  const auto mb = static_cast<std::size_t>(b.mb);
  return mb * static_cast<std::size_t>(k) * sizeof(float)           // customer factors
         + mb * static_cast<std::size_t>(b.nb) * sizeof(float)      // score tile
         + mb * static_cast<std::size_t>(cap) * sizeof(Candidate);  // candidate buffers
}

// The largest blocks up to 96 customers x 512 items (a tile of 192 KiB: L2, with the item panels
// it reads) whose per-thread memory fits budget / threads, halving items first, then customers.
Blocking choose_blocking(std::int64_t customers, std::int64_t items, int k, int cap, int mr,
                         int threads, std::size_t budget) {
  constexpr int kMaxCustomers = 96;  // a multiple of 2 and 6, the tiles' rows
  constexpr int kMaxItems = 512;
  const auto round_up = [](std::int64_t v, std::int64_t m) { return (v + m - 1) / m * m; };
  Blocking b;
  // No more customers per block than keep every thread busy.
  const std::int64_t per_thread = (customers + threads - 1) / threads;
  b.mb = static_cast<int>(std::min<std::int64_t>(kMaxCustomers, round_up(per_thread, mr)));
  b.mb = std::max(b.mb, mr);
  b.nb = static_cast<int>(std::min<std::int64_t>(kMaxItems, round_up(items, kPanel)));
  const std::size_t allowed = budget / static_cast<std::size_t>(threads);
  while (block_bytes(b, k, cap) > allowed) {
    if (b.nb > kPanel)
      b.nb = std::max(kPanel, b.nb / 2 / kPanel * kPanel);
    else if (b.mb > mr)
      b.mb = std::max(mr, b.mb / 2 / mr * mr);
    else
      break;  // one register tile: the floor
  }
  return b;
}

// panels[(p * k + l) * kPanel + j] = Y[p * kPanel + j][l], zero past the last item.
std::vector<float> pack_panels(const FactorsView& items, int threads) {
  const int k = items.cols;
  const auto krow = static_cast<std::size_t>(k);
  const std::int64_t npanels = (items.rows + kPanel - 1) / kPanel;
  std::vector<float> panels(static_cast<std::size_t>(npanels) * krow * kPanel);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t p = 0; p < npanels; ++p) {
    float* out = panels.data() + static_cast<std::size_t>(p) * krow * kPanel;
    for (int j = 0; j < kPanel; ++j) {
      const std::int64_t item = p * kPanel + j;
      if (item >= items.rows) {
        for (int l = 0; l < k; ++l) out[static_cast<std::size_t>(l) * kPanel + j] = 0.0f;
        continue;
      }
      const float* y = items.data + static_cast<std::size_t>(item) * krow;
      for (int l = 0; l < k; ++l) out[static_cast<std::size_t>(l) * kPanel + j] = y[l];
    }
  }
  return panels;
}

// ---- cpu_topn's pieces -----------------------------------------------------------------------

// What every thread of one cpu_topn call reads.
struct TopnJob {
  const FactorsView& customers;  // nc x k
  const CsrView* seen;           // one row per customer; read only with exclude
  bool exclude;
  std::int64_t items;  // ni
  int n;               // list length cap: min(params.n, ni)
  int cap;             // candidates buffered per customer: 2n
  TopnKernels kern;
  Blocking blk;
  const float* panels;  // pack_panels(items)
};

// One thread's buffers for a block of at most blk.mb customers, allocated once per call.
struct BlockBuffers {
  explicit BlockBuffers(const TopnJob& job)
      : xb(static_cast<std::size_t>(job.blk.mb) * static_cast<std::size_t>(job.customers.cols)),
        tile(static_cast<std::size_t>(job.blk.mb) * static_cast<std::size_t>(job.blk.nb)),
        cand(static_cast<std::size_t>(job.blk.mb) * static_cast<std::size_t>(job.cap)),
        sel(static_cast<std::size_t>(job.blk.mb)),
        ex(static_cast<std::size_t>(job.blk.mb)),
        ex_end(static_cast<std::size_t>(job.blk.mb)) {}

  std::vector<float> xb;         // mb x k customer factors, zero rows past the block's end
  std::vector<float> tile;       // mb x nb scores of one item block (row stride nb)
  std::vector<Candidate> cand;   // mb x cap candidate buffers
  std::vector<Selector> sel;     // per customer of the block
  std::vector<const std::uint32_t*> ex, ex_end;  // per customer: seen items not yet passed
};

// Loads customers [u0, u0 + m) into xb, zero rows up to mpad (whole register tiles), and resets
// their selections and, with exclusion, their cursors into the seen items.
inline void start_block(const TopnJob& job, BlockBuffers& b, std::int64_t u0, int m, int mpad) {
  const auto krow = static_cast<std::size_t>(job.customers.cols);
  std::memcpy(b.xb.data(), job.customers.data + static_cast<std::size_t>(u0) * krow,
              sizeof(float) * static_cast<std::size_t>(m) * krow);
  std::fill(b.xb.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(m) * krow),
            b.xb.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(mpad) * krow),
            0.0f);
  for (int c = 0; c < m; ++c) {
    b.sel[c].reset(b.cand.data() + static_cast<std::size_t>(c) * job.cap, job.cap, job.n);
    if (job.exclude) {
      b.ex[c] = job.seen->indices + job.seen->indptr[u0 + c];
      b.ex_end[c] = job.seen->indices + job.seen->indptr[u0 + c + 1];
    }
  }
}

// Offers the scores s of items [first, end) but the seen ones: the runs between the seen items
// in [e, e_end) (sorted ascending, unique). Returns the cursor moved past the seen items below
// end, where the next item block starts looking.
inline const std::uint32_t* offer_unseen(const TopnKernels& kern, Selector& sel, const float* s,
                                         std::uint32_t first, std::uint32_t end,
                                         const std::uint32_t* e, const std::uint32_t* e_end) {
  std::uint32_t i = first;
  while (i < end) {
    while (e != e_end && *e < i) ++e;
    const std::uint32_t stop = (e != e_end && *e < end) ? *e : end;
    kern.offer(sel, s + (i - first), i, stop - i);
    i = stop + 1;  // past the seen item (or past the end)
  }
  return e;
}

// Scores the block's m customers (mpad rows of xb) against every item, one item block at a
// time, and offers each customer's scores before the next block overwrites the tile.
inline void scan_items(const TopnJob& job, BlockBuffers& b, int m, int mpad) {
  const TopnKernels kern = job.kern;
  const std::int64_t ni = job.items;
  const int k = job.customers.cols;
  const int nb = job.blk.nb;
  const bool exclude = job.exclude;
  const auto krow = static_cast<std::size_t>(k);
  const auto lds = static_cast<std::size_t>(nb);
  for (std::int64_t i0 = 0; i0 < ni; i0 += nb) {
    const auto first = static_cast<std::uint32_t>(i0);
    const auto len = static_cast<std::uint32_t>(std::min<std::int64_t>(nb, ni - i0));
    const int npanels = static_cast<int>((len + kPanel - 1) / kPanel);
    kern.score_block(b.xb.data(), mpad, job.panels + static_cast<std::size_t>(i0) * krow, npanels,
                     k, b.tile.data(), lds);
    for (int c = 0; c < m; ++c) {
      const float* s = b.tile.data() + static_cast<std::size_t>(c) * lds;
      if (exclude)
        b.ex[c] = offer_unseen(kern, b.sel[c], s, first, first + len, b.ex[c], b.ex_end[c]);
      else
        kern.offer(b.sel[c], s, first, len);
    }
  }
}

// Each customer's best, sorted, into its own n slots of result (from customer u0 on), and the
// list lengths into lens.
inline void finish_block(const TopnJob& job, BlockBuffers& b, std::int64_t u0, int m,
                         TopNResult& result, std::vector<int>& lens) {
  for (int c = 0; c < m; ++c) {
    const int got = b.sel[c].finish();
    const Candidate* best = b.cand.data() + static_cast<std::size_t>(c) * job.cap;
    const std::size_t at = static_cast<std::size_t>(u0 + c) * static_cast<std::size_t>(job.n);
    for (int j = 0; j < got; ++j) {
      result.items[at + j] = candidate_item(best[j]);
      result.scores[at + j] = candidate_score(best[j]);
    }
    lens[static_cast<std::size_t>(u0 + c)] = got;
  }
}

// From n slots per customer to the contract's layout: the offsets, and the short lists closed up
// in place (each list only moves towards the front). `requested` is params.n: lists shorter
// than it count as short.
void compact_lists(TopNResult& result, const std::vector<int>& lens, int n,
                   std::int64_t requested) {
  std::size_t total = 0;
  for (std::size_t u = 0; u < lens.size(); ++u) {
    const auto len = static_cast<std::size_t>(lens[u]);
    if (len < static_cast<std::size_t>(requested)) ++result.short_lists;
    const std::size_t from = u * static_cast<std::size_t>(n);
    if (from != total) {
      std::memmove(result.items.data() + total, result.items.data() + from,
                   len * sizeof(std::uint32_t));
      std::memmove(result.scores.data() + total, result.scores.data() + from, len * sizeof(float));
    }
    total += len;
    result.offsets[u + 1] = static_cast<std::int64_t>(total);
  }
  result.items.resize(total);
  result.scores.resize(total);
}

}  // namespace
}  // namespace tailor::cpu

namespace tailor {

CpuScorer::CpuScorer(const FactorsView& items, int threads) {
  threads = threads >= 1 ? threads : omp_get_max_threads();
  const cpu::TopnKernels kern = cpu::kernels_for(cpu::active_isa());
  items_ = items.rows;
  k_ = items.cols;
  tile_rows_ = kern.mr;
  block_ = kern.score_block;
  stride_ = (items.rows + cpu::kPanel - 1) / cpu::kPanel * cpu::kPanel;
  panels_ = cpu::pack_panels(items, threads);
}

int CpuScorer::block_rows() const {
  constexpr std::int64_t kBlockBytes = std::int64_t{64} << 20;
  int rows = tile_rows_ * 4;
  while (rows > tile_rows_ && static_cast<std::int64_t>(rows) * stride_ * 4 > kBlockBytes)
    rows -= tile_rows_;
  return rows;
}

HostRows CpuScorer::rows() const {
  const std::size_t n =
      static_cast<std::size_t>(padded_rows(block_rows())) * static_cast<std::size_t>(stride_);
  return HostRows(new float[n], n, [](float* p) noexcept { delete[] p; });
}

void CpuScorer::score(const float* x, int rows, float* out) const {
  if (rows <= 0 || items_ == 0) return;
  const int padded = padded_rows(rows);
  const auto krow = static_cast<std::size_t>(k_);
  const float* xb = x;
  std::vector<float> copy;
  if (padded != rows) {  // the kernel reads whole register tiles of customers
    copy.assign(static_cast<std::size_t>(padded) * krow, 0.0f);
    std::copy(x, x + static_cast<std::size_t>(rows) * krow, copy.begin());
    xb = copy.data();
  }
  block_(xb, padded, panels_.data(), static_cast<int>(stride_ / cpu::kPanel), k_, out,
         static_cast<std::size_t>(stride_));
}

TopNResult cpu_topn(const FactorsView& customers, const FactorsView& items, const CsrView* seen,
                    const TopNParams& params, int threads) {
  using cpu::kPanel;
  detail::validate_topn(customers, items, seen, params);
  threads = threads >= 1 ? threads : omp_get_max_threads();

  TopNResult result;
  const std::int64_t nc = customers.rows;
  const std::int64_t ni = items.rows;
  result.offsets.assign(static_cast<std::size_t>(nc) + 1, 0);
  if (nc == 0) return result;

  const int n = static_cast<int>(std::min<std::int64_t>(params.n, ni));  // list length cap
  const int cap = 2 * n;
  const cpu::TopnKernels kern = cpu::kernels_for(cpu::active_isa());
  const cpu::Blocking blk =
      cpu::choose_blocking(nc, ni, customers.cols, cap, kern.mr, threads, params.memory_budget);
  assert(blk.nb % kPanel == 0 && blk.mb % kern.mr == 0);
  const std::vector<float> panels = cpu::pack_panels(items, threads);
  const cpu::TopnJob job{customers, seen, params.exclude_seen, ni, n, cap, kern, blk,
                         panels.data()};

  // Each customer's list goes to its own n slots first; compacted below if any is short.
  result.items.resize(static_cast<std::size_t>(nc) * static_cast<std::size_t>(n));
  result.scores.resize(result.items.size());
  std::vector<int> lens(static_cast<std::size_t>(nc));
  const std::int64_t nblocks = (nc + blk.mb - 1) / blk.mb;

#pragma omp parallel num_threads(threads)
  {
    cpu::BlockBuffers buffers(job);
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t cb = 0; cb < nblocks; ++cb) {
      const std::int64_t u0 = cb * blk.mb;
      const int m = static_cast<int>(std::min<std::int64_t>(blk.mb, nc - u0));
      const int mpad = (m + kern.mr - 1) / kern.mr * kern.mr;
      cpu::start_block(job, buffers, u0, m, mpad);
      cpu::scan_items(job, buffers, m, mpad);
      cpu::finish_block(job, buffers, u0, m, result, lens);
    }
  }
  cpu::compact_lists(result, lens, n, params.n);
  return result;
}

}  // namespace tailor
