// The CPU (OpenMP) iALS engine: conjugate-gradient half-steps, the Gram matrix, the objective.
//
// One half-step for customers given item factors Y (items x k):
//   1. G = Y^T Y in double (tiled, threaded), then A0 = G + lambda I rounded once to float;
//   2. every customer row solves (A0 + sum_i (c_ui - 1) y_i y_i^T) x_u = sum_i c_ui y_i by cg_steps
//      of CG from its current x_u (kernels/cpu/ials_row.hpp), rows spread over threads with a
//      dynamic schedule because their interaction counts differ by orders of magnitude.
// Items are the same with the roles swapped. All per-thread scratch is allocated once, with the
// engine; the row loop allocates nothing.
//
// Why the Gram is accumulated in double: it is a sum over every item (or customer), millions of
// terms on real catalogues; in float its rounding error grows with that count, and every row's
// solve inherits it. In double it costs (rows x k^2 / 2) multiply-adds once per half-step, a small
// share of the solve's (cg_steps + 1) x (k^2 + 2 nnz k) per row, and it is exact enough to be the
// reference the CUDA Gram is compared against.
//
// Every result is independent of the thread count: rows are solved independently and the Gram
// and objective are summed over fixed chunks in a fixed order.
#include <omp.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/isa.hpp"
#include "kernels/kernels.hpp"
#include "kernels/validate.hpp"

namespace tailor::cpu {
namespace {

// CG stops once the squared residual norm falls below this (implicit uses the same bound).
constexpr float kCgTolerance = 1e-20f;

// What every row of one half-step shares.
struct CgProblem {
  int k = 0;
  int cg_steps = 0;
  const float* gram = nullptr;   // (k x k) Y^T Y + lambda I, float, full symmetric
  const float* other = nullptr;  // the fixed side's factors, (rows of the other side x k)
  bool zero_empty_rows = false;  // customer half-step: rows without interactions become 0
};

// One row's interactions: columns and the terms f of their confidences, c - 1 = scale * f[j]
// and c = 1 + (c - 1) (c - 1 formed first, so a small alpha * w keeps its precision). f is the
// matrix's own weights for linear confidence, log(1 + w / epsilon) for log confidence.
struct CgRow {
  const std::uint32_t* idx = nullptr;
  const float* f = nullptr;
  float scale = 1.0f;
  std::int64_t nnz = 0;
};

// A thread's working vectors: r, p, Ap (k each) and t (the row's largest nnz).
struct CgScratch {
  float* r = nullptr;
  float* p = nullptr;
  float* ap = nullptr;
  float* t = nullptr;
};

namespace baseline {
#define TAILOR_CPU_KW 4  // SSE2: 4 floats per vector
#include "kernels/cpu/vec.hpp"
#include "kernels/cpu/ials_row.hpp"
#undef TAILOR_CPU_KW
}  // namespace baseline

#if TAILOR_CPU_AVX2_PATH
TAILOR_CPU_BEGIN_AVX2
namespace avx2 {
#define TAILOR_CPU_KW 8  // AVX2: 8 floats per vector
#include "kernels/cpu/vec.hpp"
#include "kernels/cpu/ials_row.hpp"
#undef TAILOR_CPU_KW
}  // namespace avx2
TAILOR_CPU_END_AVX2
#endif

// The hot loops of one instruction set, picked once per engine.
struct IalsKernels {
  void (*solve_row)(const CgProblem&, const CgRow&, float*, const CgScratch&);
  void (*gram_tile)(const float*, int, std::int64_t, std::int64_t, int, int, int, int, double*,
                    int);
  void (*observed_terms)(const CsrView&, const float*, float, std::int64_t, const float*,
                         const float*,
                         int, std::int64_t, std::int64_t, double*, double*);
};

IalsKernels kernels_for(Isa isa) {
#if TAILOR_CPU_AVX2_PATH
  if (isa == Isa::avx2_fma)
    return {&avx2::cg_solve_row, &avx2::gram_tile, &avx2::observed_terms};
#endif
  (void)isa;
  return {&baseline::cg_solve_row, &baseline::gram_tile, &baseline::observed_terms};
}

// Gram matrix G = F^T F (k x k, double, both triangles) of F: (n x k) float.
//
// Work items are (32 x 32 tile of the upper triangle) x (chunk of rows); each writes its own
// partial tile and the partials are added in chunk order, so the result does not depend on the
// thread count. The chunk count depends only on n and k: enough items to keep threads busy when k
// is small, and a single chunk (no partials to add) when the tiles alone are plenty.
class Gram {
 public:
  // With `share`, the ranks split the work items (rank r takes w = r mod ranks) and add their
  // partials (each written by one rank, 0 elsewhere): every rank gets the one-process G.
  void compute(const IalsKernels& kern, const float* F, std::int64_t n, int k, int threads,
               std::vector<double>& G, IalsExchange* share = nullptr) {
    const int nt = (k + kTile - 1) / kTile;
    const int ntiles = nt * (nt + 1) / 2;
    tiles_.clear();
    for (int ta = 0; ta < nt; ++ta)
      for (int tb = ta; tb < nt; ++tb) tiles_.push_back({ta, tb});
    const std::int64_t by_rows = std::max<std::int64_t>(1, (n + kChunkRows - 1) / kChunkRows);
    const std::int64_t nchunks = std::min<std::int64_t>(by_rows, std::max(1, kMaxItems / ntiles));
    const std::int64_t items = nchunks * ntiles;
    const int rank = share ? share->rank() : 0, ranks = share ? share->ranks() : 1;
    if (share)
      partial_.assign(static_cast<std::size_t>(items) * kTile * kTile, 0.0);
    else
      partial_.resize(static_cast<std::size_t>(items) * kTile * kTile);

#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (std::int64_t w = rank; w < items; w += ranks) {
      const auto [ta, tb] = tiles_[static_cast<std::size_t>(w % ntiles)];
      const std::int64_t chunk = w / ntiles;
      const std::int64_t r0 = n * chunk / nchunks;
      const std::int64_t r1 = n * (chunk + 1) / nchunks;
      kern.gram_tile(F, k, r0, r1, ta * kTile, std::min(k, (ta + 1) * kTile), tb * kTile,
                     std::min(k, (tb + 1) * kTile), partial_.data() + w * kTile * kTile, kTile);
    }
    if (share) share->sum(partial_);

    G.assign(static_cast<std::size_t>(k) * static_cast<std::size_t>(k), 0.0);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int t = 0; t < ntiles; ++t) {
      const auto [ta, tb] = tiles_[static_cast<std::size_t>(t)];
      const int a1 = std::min(k, (ta + 1) * kTile);
      const int b1 = std::min(k, (tb + 1) * kTile);
      for (int a = ta * kTile; a < a1; ++a) {
        for (int b = std::max(tb * kTile, a); b < b1; ++b) {
          const std::size_t at = static_cast<std::size_t>(a - ta * kTile) * kTile + (b - tb * kTile);
          double s = 0.0;
          for (std::int64_t c = 0; c < nchunks; ++c)
            s += partial_[static_cast<std::size_t>(c * ntiles + t) * kTile * kTile + at];
          G[static_cast<std::size_t>(a) * k + b] = s;
          G[static_cast<std::size_t>(b) * k + a] = s;
        }
      }
    }
  }

 private:
  static constexpr int kTile = 32;
  static constexpr std::int64_t kChunkRows = 1024;
  static constexpr int kMaxItems = 64;  // work items sought when k is small
  struct TilePos {
    int a, b;
  };
  std::vector<TilePos> tiles_;
  std::vector<double> partial_;
};

class CpuIalsEngine final : public IalsEngine {
 public:
  // shard null: the whole problem in this process; else this rank's rows of it (IalsShard).
  CpuIalsEngine(const CsrView& customer_items, const CsrView& item_customers,
                const IalsParams& params, int threads, const IalsShard* shard = nullptr)
      : ci_(customer_items),
        ic_(item_customers),
        p_(params),
        threads_(threads >= 1 ? threads : omp_get_max_threads()),
        k_(params.factors),
        kern_(kernels_for(active_isa())),
        customers_(shard ? shard->customer_starts.back() : ci_.rows),
        items_(shard ? shard->item_starts.back() : ic_.rows) {
    if (shard) {
      shard_ = *shard;
      ex_ = shard->exchange;
      c0_ = shard_.customer_starts[static_cast<std::size_t>(ex_->rank())];
      i0_ = shard_.item_starts[static_cast<std::size_t>(ex_->rank())];
    }
#ifndef NDEBUG
    for (const CsrView* m : {&ci_, &ic_})
      for (std::int64_t pos = m->indptr[0]; pos < m->indptr[m->rows]; ++pos)
        assert(m->indices[pos] < m->cols && "interaction column out of range");
#endif
    confidence_terms(ci_, log_ci_);
    confidence_terms(ic_, log_ic_);

    // Until set_factors: uniform [0, 0.01) from the seed, customers first (implicit's start).
    X_.resize(static_cast<std::size_t>(customers_) * static_cast<std::size_t>(k_));
    Y_.resize(static_cast<std::size_t>(items_) * static_cast<std::size_t>(k_));
    std::mt19937_64 rng(p_.seed);
    std::uniform_real_distribution<float> u(0.0f, 0.01f);
    for (auto& v : X_) v = u(rng);
    for (auto& v : Y_) v = u(rng);

    std::int64_t max_nnz = 0;
    for (const CsrView* m : {&ci_, &ic_})
      for (std::int64_t r = 0; r < m->rows; ++r)
        max_nnz = std::max(max_nnz, m->indptr[r + 1] - m->indptr[r]);
    // Per thread: r, p, Ap (k each) and t (max_nnz), each thread's block rounded up to a whole
    // number of cache lines so that threads never share one.
    const std::size_t floats = 3 * static_cast<std::size_t>(k_) + static_cast<std::size_t>(max_nnz);
    scratch_stride_ = (floats + kLineFloats - 1) / kLineFloats * kLineFloats;
    scratch_.assign(scratch_stride_ * static_cast<std::size_t>(threads_) + kLineFloats, 0.0f);
  }

  [[nodiscard]] std::string backend_name() const override { return "cpu"; }

  void set_factors(std::span<const float> X, std::span<const float> Y) override {
    check_size("set_factors", "X", X.size(), customers_);
    check_size("set_factors", "Y", Y.size(), items_);
    std::copy(X.begin(), X.end(), X_.begin());
    std::copy(Y.begin(), Y.end(), Y_.begin());
  }

  void get_factors(std::span<float> X, std::span<float> Y) override {
    check_size("get_factors", "X", X.size(), customers_);
    check_size("get_factors", "Y", Y.size(), items_);
    std::copy(X_.begin(), X_.end(), X.begin());
    std::copy(Y_.begin(), Y_.end(), Y.begin());
  }

  void solve_customers() override {
    half_step(ci_, terms(ci_, log_ci_), X_.data() + row_offset(c0_), Y_.data(), items_, true);
    if (ex_) ex_->share_rows(X_.data(), shard_.customer_starts, k_);
  }
  void solve_items() override {
    half_step(ic_, terms(ic_, log_ic_), Y_.data() + row_offset(i0_), X_.data(), customers_, false);
    if (ex_) ex_->share_rows(Y_.data(), shard_.item_starts, k_);
  }

  [[nodiscard]] Objective objective() override {
    // sum_u x_u^T (Y^T Y) x_u = <Y^T Y, X^T X> (Frobenius), two Grams instead of a pass per row.
    std::vector<double> gx, gy;
    gram_.compute(kern_, X_.data(), customers_, k_, threads_, gx, ex_);
    gram_.compute(kern_, Y_.data(), items_, k_, threads_, gy, ex_);
    double unobserved = 0.0, norms = 0.0;
    for (std::size_t i = 0; i < gx.size(); ++i) unobserved += gx[i] * gy[i];
    for (int a = 0; a < k_; ++a) {
      const auto d = static_cast<std::size_t>(a) * static_cast<std::size_t>(k_ + 1);
      norms += gx[d] + gy[d];
    }

    // The observed pairs, over fixed chunks of customers summed in order (each chunk one
    // rank's: customer blocks start at chunk boundaries).
    std::vector<double> loss, conf;
    observed_chunks(loss, conf);
    double observed = 0.0, conf_sum = 0.0;
    for (std::size_t c = 0; c < loss.size(); ++c) {
      observed += loss[c];
      conf_sum += conf[c];
    }
    std::vector<double> nnz{static_cast<double>(ci_.nnz())};
    if (ex_) ex_->sum(nnz);

    Objective o;
    o.data = unobserved + observed;
    o.regularization = static_cast<double>(p_.regularization) * norms;
    o.total = o.data + o.regularization;
    const double pairs = static_cast<double>(customers_) * static_cast<double>(items_);
    o.normalized = o.total / (conf_sum + pairs - nnz[0]);
    return o;
  }

 private:
  static constexpr std::size_t kLineFloats = 64 / sizeof(float);
  static constexpr std::int64_t kObjectiveChunk = kIalsCustomerBlock;
  static constexpr int kRowChunk = 8;  // rows per dynamic-schedule grab

  void check_size(const char* fn, const char* name, std::size_t got, std::int64_t rows) const {
    const auto want = static_cast<std::size_t>(rows) * static_cast<std::size_t>(k_);
    if (got != want)
      throw std::invalid_argument("iALS " + std::string(fn) + ": " + name + " has " +
                                  std::to_string(got) + " values, expected " +
                                  std::to_string(rows) + " rows x " + std::to_string(k_) +
                                  " factors = " + std::to_string(want));
  }

  [[nodiscard]] std::size_t row_offset(std::int64_t row) const {
    return static_cast<std::size_t>(row) * static_cast<std::size_t>(k_);
  }

  // Per chunk of kObjectiveChunk customers (of all ranks): the observed-pair loss and the
  // confidence sum of this rank's chunks, the other ranks' added.
  void observed_chunks(std::vector<double>& loss, std::vector<double>& conf) {
    const std::int64_t chunks = (customers_ + kObjectiveChunk - 1) / kObjectiveChunk;
    loss.assign(static_cast<std::size_t>(chunks), 0.0);
    conf.assign(loss.size(), 0.0);
    // A rank without customers has no chunk (its c0_ may sit inside the last one).
    const std::int64_t first = c0_ / kObjectiveChunk;
    const std::int64_t last =
        ci_.rows == 0 ? first : (c0_ + ci_.rows + kObjectiveChunk - 1) / kObjectiveChunk;
    const std::int64_t base = ci_.rows > 0 ? ci_.indptr[0] : 0;
    const float* X = X_.data() + row_offset(c0_);
#pragma omp parallel for num_threads(threads_) schedule(dynamic, 1)
    for (std::int64_t c = first; c < last; ++c) {
      const std::int64_t u0 = c * kObjectiveChunk - c0_;
      const std::int64_t u1 = std::min(ci_.rows, u0 + kObjectiveChunk);
      kern_.observed_terms(ci_, terms(ci_, log_ci_), p_.alpha, base, X, Y_.data(), k_, u0, u1,
                           &loss[static_cast<std::size_t>(c)], &conf[static_cast<std::size_t>(c)]);
    }
    if (ex_) {
      ex_->sum(loss);
      ex_->sum(conf);
    }
  }

  // Log confidence: log(1 + w / epsilon) for every stored pair of m, indexed like m.indices
  // minus m.indptr[0]; linear confidence reads the weights themselves (nothing is stored).
  void confidence_terms(const CsrView& m, std::vector<float>& log_terms) {
    if (p_.scaling == ConfidenceScaling::linear) return;
    const std::int64_t base = m.rows > 0 ? m.indptr[0] : 0;
    const std::int64_t n = m.nnz();
    log_terms.resize(static_cast<std::size_t>(n));
    const float epsilon = p_.log_epsilon;
#pragma omp parallel for num_threads(threads_) schedule(static)
    for (std::int64_t i = 0; i < n; ++i)
      log_terms[static_cast<std::size_t>(i)] = std::log1p(m.data[base + i] / epsilon);
  }

  // The confidence terms f of m (CgRow): its weights, or the stored log terms.
  const float* terms(const CsrView& m, const std::vector<float>& log_terms) const {
    const std::int64_t base = m.rows > 0 ? m.indptr[0] : 0;
    return p_.scaling == ConfidenceScaling::linear ? m.data + base : log_terms.data();
  }

  // Solves every row of m (target: rows x k) given the other side's factors (other_rows x k);
  // with zero_empty_rows, rows without interactions are set to 0 (cg_solve_row).
  void half_step(const CsrView& m, const float* f, float* target, const float* other,
                 std::int64_t other_rows, bool zero_empty_rows) {
    gram_.compute(kern_, other, other_rows, k_, threads_, gram_d_, ex_);
    gram_f_.resize(gram_d_.size());
    const double lambda = p_.regularization;
    for (int a = 0; a < k_; ++a)
      for (int b = 0; b < k_; ++b) {
        const std::size_t at = static_cast<std::size_t>(a) * static_cast<std::size_t>(k_) + b;
        gram_f_[at] = static_cast<float>(gram_d_[at] + (a == b ? lambda : 0.0));
      }

    const CgProblem problem{k_, p_.cg_steps, gram_f_.data(), other, zero_empty_rows};
    const std::int64_t base = m.indptr[0];
    const auto krow = static_cast<std::size_t>(k_);
    // Align each thread's block to a cache line: scratch_ holds one spare line for this.
    float* aligned = scratch_.data();
    while (reinterpret_cast<std::uintptr_t>(aligned) % 64 != 0) ++aligned;
    const IalsKernels kern = kern_;

#pragma omp parallel num_threads(threads_)
    {
      float* mine = aligned + scratch_stride_ * static_cast<std::size_t>(omp_get_thread_num());
      const CgScratch s{mine, mine + krow, mine + 2 * krow, mine + 3 * krow};
#pragma omp for schedule(dynamic, kRowChunk)
      for (std::int64_t r = 0; r < m.rows; ++r) {
        const std::int64_t begin = m.indptr[r];
        const CgRow row{m.indices + begin, f + (begin - base), p_.alpha,
                        m.indptr[r + 1] - begin};
        kern.solve_row(problem, row, target + static_cast<std::size_t>(r) * krow, s);
      }
    }
  }

  CsrView ci_, ic_;
  IalsParams p_;
  int threads_;
  int k_;
  IalsKernels kern_;
  std::vector<float> log_ci_, log_ic_;  // log confidence terms (confidence_terms)
  // The whole problem's sizes and this rank's first rows (0 without a shard).
  std::int64_t customers_, items_;
  std::int64_t c0_ = 0, i0_ = 0;
  IalsShard shard_;
  IalsExchange* ex_ = nullptr;
  std::vector<float> X_, Y_;
  std::vector<double> gram_d_;
  std::vector<float> gram_f_;
  Gram gram_;
  std::vector<float> scratch_;
  std::size_t scratch_stride_ = 0;
};

}  // namespace
}  // namespace tailor::cpu

namespace tailor {

std::unique_ptr<IalsEngine> make_cpu_ials(const CsrView& customer_items,
                                          const CsrView& item_customers, const IalsParams& params,
                                          int threads) {
  detail::validate_ials_problem(customer_items, item_customers, params);
  return std::make_unique<cpu::CpuIalsEngine>(customer_items, item_customers, params, threads);
}

namespace {

// starts: ranks + 1 entries from 0 to `total`, never falling.
void check_starts(const std::vector<std::int64_t>& starts, std::size_t ranks, std::int64_t total,
                  const char* what) {
  if (starts.size() != ranks + 1 || starts.front() != 0 || starts.back() != total ||
      !std::is_sorted(starts.begin(), starts.end()))
    throw std::invalid_argument(std::string("iALS shard: ") + what +
                                " starts must run from 0 to " + std::to_string(total) +
                                " over one block per rank");
}

}  // namespace

std::unique_ptr<IalsEngine> make_cpu_ials_shard(const CsrView& customer_items,
                                                const CsrView& item_customers,
                                                const IalsParams& params, int threads,
                                                const IalsShard& shard) {
  if (shard.exchange == nullptr) throw std::invalid_argument("iALS shard: no exchange");
  const auto ranks = static_cast<std::size_t>(shard.exchange->ranks());
  const auto r = static_cast<std::size_t>(shard.exchange->rank());
  check_starts(shard.customer_starts, ranks, item_customers.cols, "customer");
  check_starts(shard.item_starts, ranks, customer_items.cols, "item");
  for (std::size_t q = 0; q + 1 < ranks; ++q)
    if (shard.customer_starts[q + 1] % kIalsCustomerBlock != 0 &&
        shard.customer_starts[q + 1] != shard.customer_starts.back())
      throw std::invalid_argument("iALS shard: customer blocks must start at multiples of " +
                                  std::to_string(kIalsCustomerBlock));
  if (customer_items.rows != shard.customer_starts[r + 1] - shard.customer_starts[r] ||
      item_customers.rows != shard.item_starts[r + 1] - shard.item_starts[r])
    throw std::invalid_argument("iALS shard: the matrices' rows are not this rank's blocks");
  if (std::string problem = detail::ials_params_problem(params); !problem.empty())
    throw std::invalid_argument("iALS: " + problem);
  return std::make_unique<cpu::CpuIalsEngine>(customer_items, item_customers, params, threads,
                                              &shard);
}

}  // namespace tailor
