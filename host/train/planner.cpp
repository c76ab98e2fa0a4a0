#include "host/train/planner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>
#include <limits>
#include <string_view>

#include "host/core/error.hpp"
#include "kernels/ials_layout.hpp"
#include "kernels/kernels.hpp"

namespace tailor {
namespace {

constexpr std::size_t kOffsetBytes = sizeof(std::int64_t);                   // indptr entry
constexpr std::size_t kEntryBytes = sizeof(std::uint32_t) + sizeof(float);  // index + weight
constexpr std::size_t kGramBytes = sizeof(float);                           // k x k in fp32
// The CUDA engine's objective reduction: 5 slices of 256 block partials, one double each.
constexpr std::size_t kObjectivePartials = 5 * 256;
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

std::size_t mul(std::size_t a, std::size_t b, const char* what) {
  std::size_t r = 0;
  if (__builtin_mul_overflow(a, b, &r))
    throw InputError(fmt::format("memory plan: {} overflows 64-bit byte counts", what));
  return r;
}

std::size_t add(std::size_t a, std::size_t b, const char* what) {
  std::size_t r = 0;
  if (__builtin_add_overflow(a, b, &r))
    throw InputError(fmt::format("memory plan: {} overflows 64-bit byte counts", what));
  return r;
}

std::size_t u(std::int64_t v) { return static_cast<std::size_t>(v); }

double gib(std::size_t bytes) { return static_cast<double>(bytes) / kGiB; }

std::string grouped(std::size_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

void validate_shape(const ProblemShape& s) {
  if (s.customers < 1 || s.customers > INT_MAX)
    throw InputError(fmt::format("memory plan: customers = {} must be in 1 .. {} (cuBLAS int)",
                                 s.customers, INT_MAX));
  if (s.items < 1 || s.items > INT_MAX)
    throw InputError(fmt::format("memory plan: items = {} must be in 1 .. {} (cuBLAS int)",
                                 s.items, INT_MAX));
  // customers * items <= (2^31 - 1)^2 < 2^62: no overflow in int64.
  if (s.nnz < 0 || s.nnz > s.customers * s.items)
    throw InputError(fmt::format("memory plan: interactions = {} must be in 0 .. customers x "
                                 "items = {}",
                                 s.nnz, s.customers * s.items));
  if (s.factors < 1 || s.factors > kMaxFactors)
    throw InputError(fmt::format("memory plan: factors = {} must be in 1 .. {}", s.factors,
                                 kMaxFactors));
}

// The numeric options; NaN fails every range check.
void validate_options(const PlanOptions& o) {
  if (!(o.headroom >= 0.0 && o.headroom < 1.0))
    throw InputError(fmt::format("memory plan: headroom = {} must be in [0, 1)", o.headroom));
  if (o.staging_buffers < 1)
    throw InputError(fmt::format("memory plan: staging_buffers = {} must be >= 1",
                                 o.staging_buffers));
  if (!(o.average_row_safety >= 1.0) || !std::isfinite(o.average_row_safety))
    throw InputError(fmt::format("memory plan: average_row_safety = {} must be >= 1",
                                 o.average_row_safety));
  if (!(o.host_to_device_gbs > 0.0) || !std::isfinite(o.host_to_device_gbs))
    throw InputError(fmt::format("memory plan: host_to_device_gbs = {} must be > 0",
                                 o.host_to_device_gbs));
}

// Optional row offsets p (empty: none given) of a matrix with `rows` rows and `nnz` entries:
// rows + 1 of them, spanning nnz entries. `which` names the matrix in the message.
void check_indptr(std::span<const std::int64_t> p, std::int64_t rows, std::int64_t nnz,
                  const char* which) {
  if (p.empty()) return;
  if (static_cast<std::int64_t>(p.size()) != rows + 1)
    throw InputError(fmt::format("memory plan: {} indptr has {} offsets, expected rows + 1 = {}",
                                 which, p.size(), rows + 1));
  if (p.back() - p.front() != nnz)
    throw InputError(fmt::format("memory plan: {} indptr spans {} interactions, expected {}",
                                 which, p.back() - p.front(), nnz));
}

void validate(const ProblemShape& s, const PlanOptions& o) {
  validate_shape(s);
  validate_options(o);
  check_indptr(o.customer_indptr, s.customers, s.nnz, "customer");
  check_indptr(o.item_indptr, s.items, s.nnz, "item");
}

// The parts that stay on the device in every feasible plan: X, Y, the two k x k matrices (G for
// the half-step, H for the objective), the Gram products' double-precision scratch, both CSRs'
// row claim orders and the objective's partial sums.
struct FixedParts {
  std::size_t x = 0, y = 0, gram = 0, objective_gram = 0, gram_scratch = 0, row_order = 0,
              partials = 0;
  [[nodiscard]] std::size_t total() const {
    return x + y + gram + objective_gram + gram_scratch + row_order + partials;
  }
};

FixedParts fixed_parts(std::int64_t customers, std::int64_t items, int k, FactorPrecision p) {
  FixedParts f;
  const std::size_t vb = factor_value_bytes(p);
  f.x = mul(mul(u(customers), u(k), "X"), vb, "X");
  f.y = mul(mul(u(items), u(k), "Y"), vb, "Y");
  f.gram = u(k) * u(k) * kGramBytes;
  f.objective_gram = f.gram;
  f.gram_scratch = ials_layout::gram_scratch_bytes(k);
  f.row_order = ials_layout::row_order_bytes(customers, items);
  f.partials = kObjectivePartials * sizeof(double);
  return f;
}

// Bytes of the largest one-row slice (the least a staging buffer must hold).
std::size_t heaviest_row_bytes(std::span<const std::int64_t> indptr) {
  std::int64_t most = 0;
  for (std::size_t r = 0; r + 1 < indptr.size(); ++r)
    most = std::max(most, indptr[r + 1] - indptr[r]);
  return csr_bytes(1, most);
}

// Without real offsets: a slice of `safety` average rows, rounded up, at least one offset pair.
std::size_t average_row_bytes(std::int64_t rows, std::int64_t nnz, double safety) {
  const double avg = static_cast<double>(kOffsetBytes) +
                     static_cast<double>(kEntryBytes) * static_cast<double>(nnz) /
                         static_cast<double>(rows);
  return static_cast<std::size_t>(std::ceil(avg * safety));
}

// The least staging one side's batches need: its heaviest row (real or estimated) plus the
// closing offset of the slice.
std::size_t min_batch_bytes(std::span<const std::int64_t> indptr, std::int64_t rows,
                            std::int64_t nnz, double safety) {
  if (!indptr.empty()) return heaviest_row_bytes(indptr);
  return average_row_bytes(rows, nnz, safety) + kOffsetBytes;
}

struct SideBatches {
  std::int64_t rows_per_batch = 0;  // most rows in one batch
  std::int64_t batches = 0;
  std::vector<RowBatch> cut;  // when offsets were given
};

SideBatches batch_side(std::span<const std::int64_t> indptr, std::int64_t rows, std::int64_t nnz,
                       double safety, std::size_t batch_bytes) {
  SideBatches s;
  if (!indptr.empty()) {
    s.cut = plan_batches(indptr, batch_bytes);
    s.batches = static_cast<std::int64_t>(s.cut.size());
    for (const auto& b : s.cut) s.rows_per_batch = std::max(s.rows_per_batch, b.end - b.begin);
    return s;
  }
  const std::size_t per_row = average_row_bytes(rows, nnz, safety);
  const std::size_t fit = (batch_bytes - kOffsetBytes) / per_row;  // caller ensured >= 1
  s.rows_per_batch = std::min<std::int64_t>(rows, static_cast<std::int64_t>(
                                                      std::min<std::size_t>(fit, u(rows))));
  s.batches = (rows + s.rows_per_batch - 1) / s.rows_per_batch;
  return s;
}

std::string shape_line(const ProblemShape& s) {
  return fmt::format("iALS memory plan: {} customers x {} items, {} interactions, k = {}, {} "
                     "factors (fp32 accumulation)",
                     grouped(u(s.customers)), grouped(u(s.items)), grouped(u(s.nnz)), s.factors,
                     to_string(s.precision));
}

// What would make an infeasible problem fit: fewer factors, 16-bit storage, a bigger device or
// the factors sharded over several devices.
std::string suggestions(const ProblemShape& s, std::size_t usable, double headroom,
                        std::size_t min_staging, std::size_t need) {
  std::vector<std::string> ways;
  for (int k = s.factors - 1; k >= 1; --k) {
    if (add(fixed_parts(s.customers, s.items, k, s.precision).total(), min_staging, "plan") <=
        usable) {
      ways.push_back(fmt::format("factors <= {} with {} storage", k, to_string(s.precision)));
      break;
    }
    if (k == 1) ways.push_back("no factor count fits (the staging buffers alone do not)");
  }
  if (s.precision == FactorPrecision::fp32) {
    const std::size_t half =
        add(fixed_parts(s.customers, s.items, s.factors, FactorPrecision::bf16).total(),
            min_staging, "plan");
    ways.push_back(half <= usable
                       ? fmt::format("bf16 storage at k = {} (needs {})", s.factors,
                                     format_bytes(half))
                       : fmt::format("bf16 storage alone is not enough (needs {})",
                                     format_bytes(half)));
  }
  const auto device_needed =
      static_cast<std::size_t>(std::ceil(static_cast<double>(need) / (1.0 - headroom)));
  ways.push_back(fmt::format("a device with at least {} of memory", format_bytes(device_needed)));
  const std::size_t devices = usable > 0 ? (need + usable - 1) / usable : 0;
  if (devices > 1)
    ways.push_back(fmt::format("{} devices of this size with X sharded by customer rows (tailor "
                               "trains on one device today)",
                               devices));
  std::string out = "what would fit:";
  for (const auto& w : ways) out += "\n  - " + w;
  return out;
}

std::string table(const MemoryPlan& p) {
  std::string t = shape_line(p.shape) + "\n";
  t += fmt::format("device {} ({} bytes), headroom {:.0f}% ({}) -> usable {}\n",
                   format_bytes(p.device_bytes), grouped(p.device_bytes), p.headroom * 100.0,
                   format_bytes(p.reserved_bytes), format_bytes(p.usable_bytes));
  t += fmt::format("{:<30} {:>18} {:>11}  {:<7} {}\n", "component", "bytes", "GiB", "where",
                   "note");
  for (const auto& c : p.components)
    t += fmt::format("{:<30} {:>18} {:>11.3f}  {:<7} {}\n", c.name, grouped(c.bytes), gib(c.bytes),
                     c.on_device ? "device" : "pinned", c.note);
  t += fmt::format("{:<30} {:>18} {:>11.3f}\n", "all resident", grouped(p.total_resident),
                   gib(p.total_resident));
  t += fmt::format("{:<30} {:>18} {:>11.3f}\n", "this plan on the device",
                   grouped(p.planned_device_bytes), gib(p.planned_device_bytes));
  return t + p.verdict + "\n";
}

// What a plan is made of: both CSR halves and the parts that stay on the device (bytes).
struct Sizes {
  std::size_t customer_csr = 0;
  std::size_t item_csr = 0;
  FixedParts fixed;
  int k = 1;
};

// reserved = round(device_bytes x headroom), at most all of it; usable = the rest.
void reserve_headroom(MemoryPlan& p, std::size_t device_bytes, double headroom) {
  p.device_bytes = device_bytes;
  p.headroom = headroom;
  p.reserved_bytes = std::min(
      device_bytes,
      static_cast<std::size_t>(std::llround(static_cast<double>(device_bytes) * headroom)));
  p.usable_bytes = device_bytes - p.reserved_bytes;
}

// The memory table's rows, everything on the device (streaming moves the CSR halves off).
std::vector<MemoryComponent> resident_components(const Sizes& z, FactorPrecision precision) {
  const std::string prec = to_string(precision);
  return {
      {"customer CSR", z.customer_csr, true, "int64 indptr, uint32 indices, fp32 weights"},
      {"item CSR", z.item_csr, true, "the transpose, same layout"},
      {"X customer factors", z.fixed.x, true, fmt::format("customers x k {}", prec)},
      {"Y item factors", z.fixed.y, true, fmt::format("items x k {}", prec)},
      {"Gram G", z.fixed.gram, true, "k x k fp32, Y^T Y or X^T X"},
      {"Gram H (objective)", z.fixed.objective_gram, true, "k x k fp32, X^T X"},
      {"Gram scratch", z.fixed.gram_scratch, true,
       fmt::format("{} fp32 chunk products + the fp64 k x k sum",
                   ials_layout::gram_batch(z.k))},
      {"row claim order", z.fixed.row_order, true, "uint32 per customer and item, a counter"},
      {"CG scratch", 0, true, "in shared memory per block, none in global memory"},
      {"objective partials", z.fixed.partials, true, "5 x 256 fp64 block sums"},
  };
}

// Batches are estimated from the average row unless both sides' real offsets were given.
bool estimated_rows(const PlanOptions& o) {
  return o.customer_indptr.empty() || o.item_indptr.empty();
}

// The least streaming needs: `buffers` staging buffers of min_batch bytes each (either side's
// heaviest row, real or estimated), beside the fixed parts.
struct StagingNeed {
  std::size_t buffers = 0;
  std::size_t min_batch = 0;    // bytes
  std::size_t min_staging = 0;  // buffers x min_batch
  std::size_t need = 0;         // fixed parts + min_staging
};

StagingNeed staging_need(const ProblemShape& s, const PlanOptions& o, const FixedParts& fixed) {
  StagingNeed n;
  const double safety = o.average_row_safety;
  n.buffers = u(o.staging_buffers);
  n.min_batch = std::max(min_batch_bytes(o.customer_indptr, s.customers, s.nnz, safety),
                         min_batch_bytes(o.item_indptr, s.items, s.nnz, safety));
  n.min_staging = mul(n.min_batch, n.buffers, "staging");
  n.need = add(fixed.total(), n.min_staging, "plan");
  return n;
}

// Bytes of one staging buffer: what the usable memory leaves beside the fixed parts (at most
// options.staging_bytes when that is set), split evenly over the buffers.
std::size_t batch_budget(std::size_t usable, std::size_t fixed, const PlanOptions& o,
                         std::size_t buffers) {
  std::size_t staging = usable > fixed ? usable - fixed : 0;
  if (o.staging_bytes > 0) staging = std::min(staging, o.staging_bytes);
  return staging / buffers;
}

std::string why_not_resident(const MemoryPlan& p) {
  return p.fits_resident ? std::string("streaming forced")
                         : fmt::format("all resident needs {}, {} more than the {} usable",
                                       format_bytes(p.total_resident),
                                       format_bytes(p.total_resident - p.usable_bytes),
                                       format_bytes(p.usable_bytes));
}

void plan_resident(MemoryPlan& p) {
  p.feasible = true;
  p.planned_device_bytes = p.total_resident;
  p.verdict = fmt::format("verdict: trains RESIDENT, {} of {} usable ({} free)",
                          format_bytes(p.total_resident), format_bytes(p.usable_bytes),
                          format_bytes(p.usable_bytes - p.total_resident));
}

// Nothing on the device; the verdict says what is missing and what would fit.
void plan_infeasible(MemoryPlan& p, const PlanOptions& o, const FixedParts& fixed,
                     const StagingNeed& n) {
  p.feasible = false;
  p.planned_device_bytes = 0;
  const bool capped = n.need <= p.usable_bytes;  // only the staging_bytes cap is in the way
  p.verdict = fmt::format(
      "verdict: NOT FEASIBLE on this device ({}).\n"
      "factors, k x k matrices and scratch need {}; {} staging buffers of at least {} (the heaviest "
      "{}row) need {}; together {} against {} usable: {} missing.\n",
      why_not_resident(p), format_bytes(fixed.total()), n.buffers, format_bytes(n.min_batch),
      estimated_rows(o) ? "estimated " : "", format_bytes(n.min_staging), format_bytes(n.need),
      format_bytes(p.usable_bytes),
      capped ? format_bytes(0) + " (the staging_bytes cap of " + format_bytes(o.staging_bytes) +
                   " is too small)"
             : format_bytes(n.need - p.usable_bytes));
  p.verdict += suggestions(p.shape, p.usable_bytes, p.headroom, n.min_staging, n.need);
}

std::string streamed_verdict(const MemoryPlan& p, const PlanOptions& o, std::size_t fixed,
                             std::size_t buffers) {
  return fmt::format(
      "verdict: trains STREAMED ({}).\n"
      "resident: X, Y, G, H, Gram scratch, claim order, partials ({}); staging {} = {} x {}.\n"
      "customer half-step: {} batches of at most {} rows; item half-step: {} batches of at most "
      "{} rows ({}).\n"
      "pinned host memory: {}; host-to-device per epoch: {} (~{:.2f} s at an assumed {:.0f} "
      "GB/s).\n"
      "note: the CUDA engine trains resident only; streamed training is planned, not built yet.",
      why_not_resident(p), format_bytes(fixed), format_bytes(p.staging_bytes), buffers,
      format_bytes(p.batch_bytes), grouped(u(p.customer_batches)),
      grouped(u(p.customer_batch_rows)), grouped(u(p.item_batches)),
      grouped(u(p.item_batch_rows)),
      estimated_rows(o) ? fmt::format("estimated from the average row x {}", o.average_row_safety)
                        : std::string("cut from the real row offsets"),
      format_bytes(p.pinned_host_bytes), format_bytes(p.transfer_bytes_per_epoch),
      p.transfer_seconds_per_epoch, o.host_to_device_gbs);
}

// X, Y and the small matrices stay; both CSR halves live in pinned host memory and pass through
// `buffers` staging slices of `batch` bytes each, once per epoch.
void plan_streamed(MemoryPlan& p, const PlanOptions& o, const Sizes& z, std::size_t batch,
                   std::size_t buffers) {
  const ProblemShape& s = p.shape;
  const double safety = o.average_row_safety;
  p.streaming = true;
  p.feasible = true;
  p.batch_bytes = batch;
  p.staging_bytes = batch * buffers;
  SideBatches c = batch_side(o.customer_indptr, s.customers, s.nnz, safety, batch);
  SideBatches i = batch_side(o.item_indptr, s.items, s.nnz, safety, batch);
  p.customer_batch_rows = c.rows_per_batch;
  p.customer_batches = c.batches;
  p.customer_row_batches = std::move(c.cut);
  p.item_batch_rows = i.rows_per_batch;
  p.item_batches = i.batches;
  p.item_row_batches = std::move(i.cut);
  p.pinned_host_bytes = z.customer_csr + z.item_csr;
  p.transfer_bytes_per_epoch = z.customer_csr + z.item_csr;
  p.transfer_seconds_per_epoch =
      static_cast<double>(p.transfer_bytes_per_epoch) / (o.host_to_device_gbs * 1e9);
  p.components.push_back({"CSR staging", p.staging_bytes, true,
                          fmt::format("{} x {} batch buffers", buffers, format_bytes(batch))});
  p.planned_device_bytes = z.fixed.total() + p.staging_bytes;
  p.verdict = streamed_verdict(p, o, z.fixed.total(), buffers);
}

// s without leading and trailing white space.
std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Bytes per unit, case-insensitive: "" and "B" 1, KB .. TB powers of 1000, KiB .. TiB powers
// of 1024; 0 for anything else.
double unit_scale(std::string_view unit) {
  std::string lower;
  for (char ch : unit)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  double scale = 0.0;
  if (lower.empty() || lower == "b") scale = 1.0;
  const char* prefixes = "kmgt";
  for (int n = 0; n < 4; ++n) {
    const std::string p(1, prefixes[n]);
    if (lower == p + "b") scale = std::pow(1000.0, n + 1);
    if (lower == p + "ib") scale = std::pow(1024.0, n + 1);
  }
  return scale;
}

}  // namespace

FactorPrecision parse_precision(const std::string& name) { return kPrecisionNames.parse(name); }

std::string to_string(FactorPrecision p) { return kPrecisionNames.name(p); }

std::size_t factor_value_bytes(FactorPrecision p) {
  return p == FactorPrecision::fp32 ? sizeof(float) : sizeof(std::uint16_t);
}

std::size_t csr_bytes(std::int64_t rows, std::int64_t nnz) {
  return add(mul(u(rows) + 1, kOffsetBytes, "CSR offsets"), mul(u(nnz), kEntryBytes, "CSR entries"),
             "CSR");
}

std::vector<RowBatch> plan_batches(std::span<const std::int64_t> indptr, std::size_t batch_bytes) {
  std::vector<RowBatch> out;
  if (indptr.size() < 2) return out;
  const auto rows = static_cast<std::int64_t>(indptr.size()) - 1;
  RowBatch cur{0, 0, csr_bytes(0, 0)};
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t row_nnz = indptr[r + 1] - indptr[r];
    if (row_nnz < 0)
      throw InputError(fmt::format("plan_batches: indptr decreases at row {} ({} -> {})", r,
                                   indptr[r], indptr[r + 1]));
    const std::size_t alone = csr_bytes(1, row_nnz);
    if (alone > batch_bytes)
      throw InputError(fmt::format(
          "row {} holds {} interactions: its CSR slice needs {} bytes ({}), more than the {} "
          "bytes ({}) of one staging buffer; give the device more memory, lower the factors or "
          "storage precision to enlarge the staging area, or drop or split that row",
          r, row_nnz, grouped(alone), format_bytes(alone), grouped(batch_bytes),
          format_bytes(batch_bytes)));
    const std::size_t grown = cur.bytes + kOffsetBytes + u(row_nnz) * kEntryBytes;
    if (cur.end > cur.begin && grown > batch_bytes) {
      out.push_back(cur);
      cur = RowBatch{r, r + 1, alone};
    } else {
      cur.end = r + 1;
      cur.bytes = grown;
    }
  }
  out.push_back(cur);
  return out;
}

MemoryPlan plan_ials(const ProblemShape& shape, std::size_t device_bytes,
                     const PlanOptions& options) {
  validate(shape, options);
  MemoryPlan p;
  p.shape = shape;
  reserve_headroom(p, device_bytes, options.headroom);
  Sizes z;
  z.customer_csr = csr_bytes(shape.customers, shape.nnz);
  z.item_csr = csr_bytes(shape.items, shape.nnz);
  z.fixed = fixed_parts(shape.customers, shape.items, shape.factors, shape.precision);
  z.k = shape.factors;
  p.components = resident_components(z, shape.precision);
  p.total_resident = add(add(z.customer_csr, z.item_csr, "plan"), z.fixed.total(), "plan");
  p.fits_resident = p.total_resident <= p.usable_bytes;

  if (p.fits_resident && !options.force_streaming) {
    plan_resident(p);
  } else {
    p.components[0].on_device = false;  // the CSR halves
    p.components[1].on_device = false;
    const StagingNeed need = staging_need(shape, options, z.fixed);
    const std::size_t batch =
        batch_budget(p.usable_bytes, z.fixed.total(), options, need.buffers);
    if (need.need > p.usable_bytes || batch < need.min_batch)
      plan_infeasible(p, options, z.fixed, need);
    else
      plan_streamed(p, options, z, batch, need.buffers);
  }
  p.explanation = table(p);
  return p;
}

std::size_t parse_bytes(const std::string& text) {
  auto bad = [&](const char* why) {
    return InputError(fmt::format("invalid byte size '{}': {} (examples: 80GiB, 80GB, 81920MiB, "
                                  "1e9)",
                                  text, why));
  };
  const std::string_view s = trim_spaces(text);
  if (s.empty()) throw bad("empty");
  double value = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end == s.data()) throw bad("no number");
  if (!std::isfinite(value) || value < 0.0) throw bad("not a finite, non-negative number");
  std::string_view unit(end, static_cast<std::size_t>(s.data() + s.size() - end));
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  const double scale = unit_scale(unit);
  if (scale == 0.0) throw bad("unknown unit (use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)");
  const double bytes = std::floor(value * scale);
  // 2^64 is exactly representable; every double below it converts without overflow.
  if (bytes >= 18446744073709551616.0) throw bad("larger than 2^64 - 1 bytes");
  return static_cast<std::size_t>(bytes);
}

std::string format_bytes(std::size_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes) / 1024.0;
  int i = 0;
  while (v >= 1024.0 && i < 4) {
    v /= 1024.0;
    ++i;
  }
  return fmt::format("{:.2f} {}", v, units[i]);
}

}  // namespace tailor
