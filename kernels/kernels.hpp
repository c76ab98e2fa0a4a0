// The compute operations of tailor, one interface for both backends.
//
// kernels/cpu/ implements them with OpenMP and is the reference every CUDA kernel is tested
// against; kernels/cuda/ implements the same operations on the GPU. This header is plain C++:
// it shows no CUDA type, so host/ code includes it whether or not the CUDA backend is built.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace tailor {

// A compressed sparse row matrix that somebody else owns (see host/data/csr.hpp for the owner).
// Row r holds columns indices[indptr[r] .. indptr[r+1]), sorted ascending and unique, with the
// matching non-negative weights in data. indptr values are absolute offsets into indices/data,
// so a view of rows [b, e) is {e - b, cols, indptr + b, indices, data}.
struct CsrView {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  const std::int64_t* indptr = nullptr;    // (rows + 1)
  const std::uint32_t* indices = nullptr;  // (nnz)
  const float* data = nullptr;             // (nnz), may be null where only the pattern is used
  [[nodiscard]] std::int64_t nnz() const { return rows > 0 ? indptr[rows] - indptr[0] : 0; }
  [[nodiscard]] CsrView slice(std::int64_t begin, std::int64_t end) const {
    return {end - begin, cols, indptr + begin, indices, data};
  }
};

// A dense row-major float32 matrix that somebody else owns: rows x cols, row stride = cols.
struct FactorsView {
  const float* data = nullptr;
  std::int64_t rows = 0;
  int cols = 0;
};

// How an interaction weight w >= 0 becomes a confidence c >= 1 (Hu, Koren, Volinsky 2008).
enum class ConfidenceScaling { linear, log };

struct IalsParams {
  int factors = 64;
  float regularization = 0.05f;  // lambda, applied to every factor row as lambda * |x|^2
  float alpha = 1.0f;
  int iterations = 15;
  int cg_steps = 3;  // conjugate-gradient steps per row and half-step (Takacs et al. 2011)
  ConfidenceScaling scaling = ConfidenceScaling::linear;
  float log_epsilon = 1.0f;  // log scaling: c = 1 + alpha * log(1 + w / epsilon)
  std::uint64_t seed = 42;
};

// c(w) = 1 + alpha * w, or 1 + alpha * log1p(w / epsilon). Preference p = 1 for every stored
// interaction (w may be 0: a stored pair is a positive with confidence 1).
inline float confidence(float w, const IalsParams& p) {
  return p.scaling == ConfidenceScaling::linear ? 1.0f + p.alpha * w
                                                : 1.0f + p.alpha * std::log1p(w / p.log_epsilon);
}

// The largest factor count the kernels train; anything larger is refused (never trained wrongly).
inline constexpr int kMaxFactors = 1024;

// The full weighted iALS objective over all customers x items, computed without the dense matrix:
//   L = sum_{u,i} c_ui (p_ui - x_u.y_i)^2 + lambda (|X|^2 + |Y|^2)
//     = sum_u x_u^T (Y^T Y) x_u                       (every pair as if unobserved, c = 1, p = 0)
//       + sum_{(u,i) in R} [c_ui (1 - s_ui)^2 - s_ui^2] (correction for the observed pairs)
//       + lambda (|X|^2 + |Y|^2)
struct Objective {
  double data = 0.0;            // the two data terms above
  double regularization = 0.0;  // lambda (|X|^2 + |Y|^2)
  double total = 0.0;           // data + regularization
  // total / (sum of confidences over R + customers * items - nnz): implicit's normalisation.
  double normalized = 0.0;
};

// One iALS problem resident on a backend. The engine keeps the factors where it computes
// (device memory for CUDA); host copies move only through set_factors/get_factors.
// The CsrViews given to the factory must outlive the engine.
class IalsEngine {
 public:
  virtual ~IalsEngine() = default;
  [[nodiscard]] virtual std::string backend_name() const = 0;
  // X: customers x bpr_width, Y: items x bpr_width, row-major (with the item bias, the last
  // column of X is the fixed 1 and the last of Y the bias).
  virtual void set_factors(std::span<const float> X, std::span<const float> Y) = 0;
  virtual void get_factors(std::span<float> X, std::span<float> Y) = 0;
  // X <- CG solve of every customer's normal equations given Y, starting from the current X:
  //   (Y^T Y + Y^T (C_u - I) Y + lambda I) x_u = Y^T C_u p_u
  virtual void solve_customers() = 0;
  // Y <- the same for every item given X.
  virtual void solve_items() = 0;
  [[nodiscard]] virtual Objective objective() = 0;
};

// customer_items: customers x items; item_customers: its transpose (items x customers).
// Until set_factors is called, the factors are uniform in [0, 0.01) drawn from params.seed.
// threads < 1 means all the threads OpenMP offers.
// Throws std::invalid_argument on a shape mismatch or unsupported factor count.
std::unique_ptr<IalsEngine> make_cpu_ials(const CsrView& customer_items,
                                          const CsrView& item_customers, const IalsParams& params,
                                          int threads);

// ---- sharded iALS (host/core/comm.hpp runs it over MPI) ----------------------------------
// One process (rank) of several solving one iALS problem: the rank solves its own customer rows
// and item rows, every rank holds all factors, and the exchange completes what the ranks computed
// apart. The sums it makes add each entry from at most one rank (zeros elsewhere), so they are
// exact in any order and a sharded run gives the one-process factors bit for bit.
class IalsExchange {
 public:
  virtual ~IalsExchange() = default;
  [[nodiscard]] virtual int rank() const = 0;
  [[nodiscard]] virtual int ranks() const = 0;
  // F holds (starts.back() x width) floats; rank r has solved rows [starts[r], starts[r + 1]).
  // Afterwards every rank holds every rank's rows.
  virtual void share_rows(float* F, std::span<const std::int64_t> starts, int width) = 0;
  // v <- the elementwise sum of v over the ranks.
  virtual void sum(std::span<double> v) = 0;
};

// The whole problem and this rank's part of it: customer_starts (ranks + 1 entries, from 0 to the
// customer count) and item_starts likewise. Customer blocks start at multiples of
// kIalsCustomerBlock (the objective's chunks) so that each chunk is one rank's.
struct IalsShard {
  std::vector<std::int64_t> customer_starts, item_starts;
  IalsExchange* exchange = nullptr;
};
inline constexpr std::int64_t kIalsCustomerBlock = 256;

// customer_items: this rank's customers x every item; item_customers: this rank's items x every
// customer (rows in order, as the one-process matrices' rows). Factors: all customers and items.
// Throws std::invalid_argument on shapes that do not fit the shard.
std::unique_ptr<IalsEngine> make_cpu_ials_shard(const CsrView& customer_items,
                                                const CsrView& item_customers,
                                                const IalsParams& params, int threads,
                                                const IalsShard& shard);

struct TopNParams {
  int n = 20;                // list length, 1 .. kMaxTopN
  bool exclude_seen = true;  // drop items in the customer's row of `seen`
  // Temporary memory the scorer may use for score tiles (bytes); batches are sized to it.
  std::size_t memory_budget = std::size_t{1} << 30;
};

inline constexpr int kMaxTopN = 1000;

// Each customer's list, best first: higher score first, equal scores by lower item index.
// A customer with fewer than n eligible items gets all of them (never padded).
struct TopNResult {
  std::vector<std::int64_t> offsets;  // (customers + 1) into items/scores
  std::vector<std::uint32_t> items;
  std::vector<float> scores;
  std::int64_t short_lists = 0;  // customers whose list is shorter than n
  [[nodiscard]] std::int64_t customers() const {
    return offsets.empty() ? 0 : static_cast<std::int64_t>(offsets.size()) - 1;
  }
};

// Score customers (rows of `customers`) against every item (rows of `items`); `seen` has one
// row per customer (same count as customers.rows) and items.rows columns; it may be null when
// params.exclude_seen is false. threads < 1 means all the threads OpenMP offers. Throws
// std::invalid_argument on bad shapes or n.
TopNResult cpu_topn(const FactorsView& customers, const FactorsView& items, const CsrView* seen,
                    const TopNParams& params, int threads);

// Host memory for score rows: page-locked when a CUDA scorer fills it (copies then run at full
// link speed), ordinary memory on the CPU. Movable, not copyable.
struct HostRowsFree {
  void (*release)(float*) noexcept = nullptr;
  void operator()(float* p) const noexcept {
    if (p != nullptr && release != nullptr) release(p);
  }
};

class HostRows {
 public:
  using Release = void (*)(float*) noexcept;
  HostRows() = default;
  HostRows(float* data, std::size_t size, Release release) noexcept
      : data_(data, HostRowsFree{release}), size_(size) {}
  [[nodiscard]] float* data() { return data_.get(); }
  [[nodiscard]] std::size_t size() const { return size_; }

 private:
  std::unique_ptr<float, HostRowsFree> data_;
  std::size_t size_ = 0;
};

// Full score rows, for callers that select items under their own rules (campaigns): a block of
// customers against every item. The item factors are prepared once (packed panels on the CPU,
// resident on the device with CUDA). score() is thread-safe: callers parallelise over blocks of
// customers, each thread with its own rows().
class Scorer {
 public:
  virtual ~Scorer() = default;
  [[nodiscard]] virtual std::string backend_name() const = 0;
  [[nodiscard]] virtual std::int64_t items() const = 0;
  // Floats from one output row to the next (>= items()).
  [[nodiscard]] virtual std::int64_t stride() const = 0;
  // The most customers one score() call takes, sized so that a block's rows stay small.
  [[nodiscard]] virtual int block_rows() const = 0;
  // Output memory for block_rows() customers (and any padding the kernel needs as scratch).
  [[nodiscard]] virtual HostRows rows() const = 0;
  // out[r * stride() + i] = x_r . y_i for r < rows <= block_rows(), i < items(); x holds rows x
  // factors floats (row-major); out comes from rows().
  virtual void score(const float* x, int rows, float* out) const = 0;
};

// The Scorer of the CPU backend, with cpu_topn's register-tiled kernel. score() runs on the
// calling thread.
class CpuScorer final : public Scorer {
 public:
  CpuScorer(const FactorsView& items, int threads);
  [[nodiscard]] std::string backend_name() const override { return "cpu"; }
  [[nodiscard]] int tile_rows() const { return tile_rows_; }
  // The item count rounded up to the kernel's panel width.
  [[nodiscard]] std::int64_t stride() const override { return stride_; }
  [[nodiscard]] std::int64_t items() const override { return items_; }
  // Four register tiles of customers, fewer when their rows would pass 64 MiB.
  [[nodiscard]] int block_rows() const override;
  [[nodiscard]] HostRows rows() const override;
  // out must hold padded_rows(rows) * stride() floats; the padding is scratch.
  void score(const float* x, int rows, float* out) const override;
  [[nodiscard]] int padded_rows(int rows) const {
    return (rows + tile_rows_ - 1) / tile_rows_ * tile_rows_;
  }

 private:
  std::vector<float> panels_;
  std::int64_t items_ = 0, stride_ = 0;
  int k_ = 0, tile_rows_ = 1;
  void (*block_)(const float*, int, const float*, int, int, float*, std::size_t) = nullptr;
};

// ---- ranking metrics --------------------------------------------------------------------------
// Per-customer quality of ranked lists against sets of relevant items (docs/evaluation.md has
// the definitions and how they differ from implicit's ranking_metrics_at_k). For cutoff k:
//   hits@k       |top-k of the list  intersect  relevant|   (a list shorter than k just has fewer)
//   precision@k  hits@k / k
//   recall@k     hits@k / min(k, |relevant|)
//   ndcg@k       DCG@k / IDCG@k, binary gain, DCG = sum over relevant list positions r <= k of
//                1 / log2(r + 1), IDCG the same for min(k, |relevant|) relevant items in front
//   ap@k         sum over relevant positions r <= k of precision@r, / min(k, |relevant|)  (MAP)
//   hit@k        1 if hits@k > 0 else 0  (hit rate)
//   rr@k         1 / (position of the first relevant item) if it is <= k, else 0  (MRR)
enum RankingMetric : int { kHits = 0, kPrecision, kRecall, kNdcg, kAp, kHit, kRr, kRankingMetricCount };
inline constexpr const char* kRankingMetricNames[kRankingMetricCount] = {
    "hits", "precision", "recall", "ndcg", "map", "hit_rate", "mrr"};

// lists: one list per customer (row c of `relevant` belongs to list c); relevant.indices sorted
// ascending per row, every row non-empty (customers without relevant items are left out by the
// caller). ks: cutoffs, each >= 1. Returns customers x ks.size() x kRankingMetricCount values,
// row-major: value(c, j, m) = out[(c * ks.size() + j) * kRankingMetricCount + m].
// Throws std::invalid_argument on mismatched shapes, empty relevant rows or ks < 1.
std::vector<float> cpu_ranking_metrics(const TopNResult& lists, const CsrView& relevant,
                                       std::span<const int> ks, int threads);

// ---- the CUDA backend ------------------------------------------------------------------------
// Always declared; without the CUDA build, cuda_built() is false, probe_cuda() finds nothing and
// the factories throw std::runtime_error. Host code reaches these through Backend
// (kernels/backend.hpp), which owns the one cuda::Context of a run.

namespace cuda {
class Context;  // one device's stream, cuBLAS handle and properties (kernels/cuda/common.cuh)
}  // namespace cuda

bool cuda_built();

// What the CUDA runtime and driver report, read without touching any device beyond its
// properties and one probe kernel. Never throws.
struct CudaDeviceInfo {
  int index = 0;              // among the visible devices (CUDA_VISIBLE_DEVICES)
  std::string name;           // "NVIDIA H100 80GB HBM3"
  int major = 0, minor = 0;   // compute capability
  std::size_t memory = 0;     // bytes
  int multiprocessors = 0;    // SMs
  // Why this binary cannot run here (no code for the compute capability, ...); empty: usable.
  std::string problem;
  [[nodiscard]] bool usable() const { return problem.empty(); }
  // "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)"
  [[nodiscard]] std::string describe() const;
};
struct CudaProbe {
  bool built = false;
  int driver_version = 0;   // 12040 = CUDA 12.4; 0 without a driver
  int runtime_version = 0;  // the toolkit this binary was built with
  std::string error;        // why no device could be listed (no driver, driver too old, ...)
  std::vector<CudaDeviceInfo> devices;
  // "driver 12.4, runtime 13.0" or "no CUDA driver"
  [[nodiscard]] std::string versions() const;
};
CudaProbe probe_cuda() noexcept;

// Number of usable CUDA devices (present and with code in this binary); 0 when there is no
// driver, no device, or no CUDA build. Never throws.
int cuda_device_count() noexcept;
// "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)" for device 0, or why there is none.
std::string cuda_device_description();
// Total memory of device 0 in bytes; 0 when there is no usable device. Never throws.
std::size_t cuda_device_memory() noexcept;

// The context of device `device`: made once per run (Backend does), shared by every engine and
// call. Throws std::runtime_error naming the reason when the device is not usable.
std::shared_ptr<cuda::Context> make_cuda_context(int device);

std::unique_ptr<IalsEngine> make_cuda_ials(std::shared_ptr<cuda::Context> context,
                                           const CsrView& customer_items,
                                           const CsrView& item_customers,
                                           const IalsParams& params);

TopNResult cuda_topn(cuda::Context& context, const FactorsView& customers,
                     const FactorsView& items, const CsrView* seen, const TopNParams& params);

// The same as cpu_ranking_metrics, computed on the GPU.
std::vector<float> cuda_ranking_metrics(cuda::Context& context, const TopNResult& lists,
                                        const CsrView& relevant, std::span<const int> ks);

// The Scorer of the CUDA backend: item factors resident on the device, one SGEMM per block of
// customers, rows copied back into page-locked memory. memory_budget bounds the device memory
// of the score tiles in flight.
std::unique_ptr<Scorer> make_cuda_scorer(std::shared_ptr<cuda::Context> context,
                                         const FactorsView& items, std::size_t memory_budget);

}  // namespace tailor

// ---- BPR (Rendle et al. 2009) ---------------------------------------------------------------
// BPR-MF: the score of item i for customer u is x_u . y_i, and SGD on sampled triples (u, i
// positive, j negative) maximises sum ln sigma(x_u . (y_i - y_j)) minus lambda (|x_u|^2 + |y_i|^2
// + |y_j|^2) per sample. The sampler (kernels/bpr_sampler.hpp) is one piece of code compiled for
// the host and the device, so both backends draw the same triples.
//
// The item bias (item_bias, on by default; the design of implicit's BPR): every factor row has
// one column more than `factors`, bpr_width(p) in all. The customer's extra column is 1 from the
// initial factors and is never updated; the item's is its bias b_i, so x_u . y_i = the k-factor
// product + b_i, and the BPR difference gains b_i - b_j. The bias column is updated with the
// same gradient as any item column (the customer's value there being 1) and its own L2 weight
// bias_regularization. Top-N scoring, campaigns and the model file see ordinary factor rows of
// width bpr_width(p) and need nothing else.
namespace tailor {

// Where negatives come from. uniform: every item the customer has not bought, equally likely.
// popularity: item j with probability proportional to (1 + customers who bought j)^exponent
// (word2vec's 0.75 by default; the 1 lets items nobody bought be drawn), restricted to the
// customer's non-positives by rejection.
enum class BprNegatives { uniform, popularity };
// constant: learning_rate every epoch. linear: learning_rate * max(lr_floor, 1 - e / epochs) in
// epoch e = 0, 1, ... (so it starts at learning_rate and never falls below lr_floor of it).
enum class LrSchedule { constant, linear };

struct BprParams {
  int factors = 64;
  float learning_rate = 0.01f;
  float regularization = 0.01f;  // lambda
  int epochs = 100;              // the length the linear schedule decays over
  BprNegatives negatives = BprNegatives::uniform;
  float popularity_exponent = 0.75f;
  LrSchedule schedule = LrSchedule::constant;
  float lr_floor = 0.1f;                 // linear schedule: the smallest fraction of learning_rate
  std::int64_t samples_per_epoch = 0;    // SGD steps per epoch; 0 = the number of interactions
  std::int64_t objective_samples = 0;    // size of objective()'s fixed sample; 0 = min(nnz, 65536)
  std::uint64_t seed = 42;
  bool item_bias = true;             // one more column: the item bias (see above)
  float bias_regularization = 0.01f;  // L2 weight of the item bias column
};

// Columns of a BPR engine's factor rows: factors, plus one for the item bias.
inline int bpr_width(const BprParams& p) { return p.factors + (p.item_bias ? 1 : 0); }

// The learning rate of epoch e (0-based) under p's schedule.
inline float bpr_learning_rate(const BprParams& p, int epoch) {
  if (p.schedule == LrSchedule::constant || p.epochs <= 0) return p.learning_rate;
  const double f = 1.0 - static_cast<double>(epoch) / static_cast<double>(p.epochs);
  return static_cast<float>(p.learning_rate * (f > p.lr_floor ? f : p.lr_floor));
}

// One sampled triple; customer < 0 marks a skipped sample (the customer bought every item, so
// no negative exists).
struct BprTriple {
  std::int64_t customer = -1;
  std::uint32_t positive = 0;
  std::uint32_t negative = 0;
  [[nodiscard]] constexpr bool skipped() const { return customer < 0; }
};

// Statistics over a set of sampled triples, skipped ones excluded from loss and accuracy.
struct BprStats {
  double loss = 0.0;            // mean -ln sigma(x_u . (y_i - y_j)) (no regularisation term)
  double accuracy = 0.0;        // fraction with x_u . y_i > x_u . y_j
  std::int64_t samples = 0;     // triples drawn (skipped ones included)
  std::int64_t skipped = 0;     // triples whose customer bought every item
  double learning_rate = 0.0;   // epoch(): the rate this epoch used; objective(): 0
};

// One BPR problem resident on a backend; the factors live where it computes. The CsrView given
// to the factory must outlive the engine.
class BprEngine {
 public:
  virtual ~BprEngine() = default;
  [[nodiscard]] virtual std::string backend_name() const = 0;
  // X: customers x bpr_width, Y: items x bpr_width, row-major (with the item bias, the last
  // column of X is the fixed 1 and the last of Y the bias).
  virtual void set_factors(std::span<const float> X, std::span<const float> Y) = 0;
  virtual void get_factors(std::span<float> X, std::span<float> Y) = 0;
  // One epoch of SGD over samples_per_epoch triples; sample s of epoch e is drawn from a
  // counter-based generator keyed by (seed, e, s). The loss and accuracy of each triple are
  // taken just before its update. Hogwild: concurrent updates of the same rows race, so only
  // the CPU engine with one thread is deterministic.
  virtual BprStats epoch() = 0;
  // Loss and accuracy of the current factors on a fixed sample of objective_samples triples
  // (the same triples every call, drawn from the seed): a sampled estimate of the BPR loss, not
  // the exact sum over all (u, i, j). Changes nothing.
  [[nodiscard]] virtual BprStats objective() = 0;
  // The triples that samples [first, first + count) of epoch `epoch` (0-based) draw, without
  // training; for tests and diagnostics.
  [[nodiscard]] virtual std::vector<BprTriple> sample(int epoch, std::int64_t first,
                                                      std::int64_t count) = 0;
  [[nodiscard]] virtual int epochs_done() const = 0;
};

// customer_items: customers x items (weights unused: every stored pair is a positive). Until
// set_factors is called, the factors are bpr_initial_factors (kernels/bpr_sampler.hpp) from
// params.seed. threads < 1 means all the threads OpenMP offers; threads = 1 is deterministic.
// Throws std::invalid_argument on bad parameters (factors outside 1..kMaxFactors, ...).
std::unique_ptr<BprEngine> make_cpu_bpr(const CsrView& customer_items, const BprParams& params,
                                        int threads);
// How the CUDA BPR kernel is launched. parallel: every resident warp takes samples (Hogwild).
// serial: one warp takes every sample in index order, exactly as the CPU engine with threads = 1
// does, so the two agree up to fp32 rounding; for checking the kernel, not for speed.
enum class BprLaunch { parallel, serial };
// The same on the GPU (std::runtime_error without a CUDA build).
std::unique_ptr<BprEngine> make_cuda_bpr(std::shared_ptr<cuda::Context> context,
                                         const CsrView& customer_items, const BprParams& params,
                                         BprLaunch launch = BprLaunch::parallel);

}  // namespace tailor
