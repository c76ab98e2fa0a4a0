#include "host/train/model.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>

#include "host/core/error.hpp"
#include "host/io/h5.hpp"

namespace tailor {


double decimal(float f) { return std::stod(fmt::format("{}", f)); }

const char* to_string(ConfidenceScaling s) { return kScalingNames.name(s); }
ConfidenceScaling parse_scaling(const std::string& name) { return kScalingNames.parse(name); }

BprNegatives parse_negatives(const std::string& name) { return kNegativesNames.parse(name); }
const char* to_string(BprNegatives n) { return kNegativesNames.name(n); }

LrSchedule parse_schedule(const std::string& name) { return kScheduleNames.parse(name); }
const char* to_string(LrSchedule s) { return kScheduleNames.name(s); }

namespace {

void write_ranker(h5::File& f, const RankerPart& r) {
  f.write_strings("/ranker/booster", {r.booster});
  f.write_strings("/ranker/features", r.features);
  f.set_attr("/ranker", "parameters", r.parameters);
  f.set_attr("/ranker", "as_of", r.as_of);
}

RankerPart read_ranker(const h5::File& f, const std::string& file) {
  RankerPart r;
  const auto booster = f.read_strings("/ranker/booster");
  if (booster.size() != 1)
    throw InputError(fmt::format("{}: /ranker/booster holds {} strings, expected 1", file,
                                 booster.size()));
  r.booster = booster[0];
  r.features = f.read_strings("/ranker/features");
  auto params = f.attr_string("/ranker", "parameters");
  auto as_of = f.attr_int("/ranker", "as_of");
  if (!params || !as_of)
    throw InputError(fmt::format("{}: /ranker needs the attributes 'parameters' and 'as_of'", file));
  r.parameters = *params;
  r.as_of = *as_of;
  return r;
}

}  // namespace

void save_model(const std::filesystem::path& path, const Model& m) {
  const auto k = static_cast<std::size_t>(m.params.factors);
  if (m.customer_factors.size() != m.customer_ids.size() * k ||
      m.item_factors.size() != m.item_ids.size() * k)
    throw RunError(fmt::format("{}: model factors do not match its ids and factor count", path.string()));
  h5::create_atomically(path, kModelFormat, kModelFormatVersion, [&](h5::File& f) {
    f.set_attr("/", "algorithm", m.algorithm);
    f.set_attr("/", "tailor_version", m.tailor_version);
    f.set_attr("/", "created_at", m.created_at);
    f.set_attr("/", "data_fingerprint", m.data_fingerprint);
    f.set_attr("/", "training_input", m.training_input);
    f.set_attr("/", "factors", std::int64_t{m.params.factors});
    if (m.algorithm == "bpr") {
      f.set_attr("/", "learning_rate", double{m.bpr.learning_rate});
      f.set_attr("/", "regularization", double{m.bpr.regularization});
      f.set_attr("/", "epochs", std::int64_t{m.bpr.epochs});
      f.set_attr("/", "negatives", std::string(to_string(m.bpr.negatives)));
      f.set_attr("/", "lr_schedule", std::string(to_string(m.bpr.schedule)));
      f.set_attr("/", "seed", static_cast<std::int64_t>(m.bpr.seed));
      f.set_attr("/", "item_bias", std::int64_t{m.bpr.item_bias ? 1 : 0});
      if (m.bpr.item_bias)
        f.set_attr("/", "bias_regularization", double{m.bpr.bias_regularization});
    } else {
      f.set_attr("/", "regularization", double{m.params.regularization});
      f.set_attr("/", "alpha", double{m.params.alpha});
      f.set_attr("/", "iterations", std::int64_t{m.params.iterations});
      f.set_attr("/", "cg_steps", std::int64_t{m.params.cg_steps});
      f.set_attr("/", "confidence", std::string(to_string(m.params.scaling)));
      f.set_attr("/", "log_epsilon", double{m.params.log_epsilon});
      f.set_attr("/", "seed", static_cast<std::int64_t>(m.params.seed));
    }
    f.write_strings("/customers/id", m.customer_ids);
    f.write_strings("/items/id", m.item_ids);
    f.write_matrix("/customers/factors", m.customer_factors.data(), m.customers(), m.params.factors);
    f.write_matrix("/items/factors", m.item_factors.data(), m.items(), m.params.factors);
    f.write("/training/objective", m.objective.data(), static_cast<std::int64_t>(m.objective.size()));
    f.write("/training/epoch_seconds", m.epoch_seconds.data(),
            static_cast<std::int64_t>(m.epoch_seconds.size()));
    if (m.ranker) write_ranker(f, *m.ranker);
  });
}

namespace {

// The root attributes that say this is a model file this build reads.
void check_model_format(const h5::File& f, const std::string& file) {
  auto format = f.attr_string("/", "format");
  if (!format || *format != kModelFormat)
    throw InputError(fmt::format("{}: not a tailor model (root attribute 'format' is {})", file,
                                 format ? "'" + *format + "'" : "missing"));
  auto version = f.attr_int("/", "format_version");
  if (!version || *version != kModelFormatVersion)
    throw InputError(fmt::format("{}: model format version {} is not supported (this tailor reads "
                                 "version {})",
                                 file, version ? std::to_string(*version) : "missing",
                                 kModelFormatVersion));
}

[[noreturn]] void missing_attribute(const std::string& file, const char* name) {
  throw InputError(fmt::format("{}: model attribute '{}' is missing", file, name));
}

// A root attribute the algorithm cannot do without.
std::int64_t need_int(const h5::File& f, const std::string& file, const char* name) {
  auto v = f.attr_int("/", name);
  if (!v) missing_attribute(file, name);
  return *v;
}

double need_double(const h5::File& f, const std::string& file, const char* name) {
  auto v = f.attr_double("/", name);
  if (!v) missing_attribute(file, name);
  return *v;
}

// BPR's parameters; negatives, schedule and seed have defaults for files written before them,
// and a file without `item_bias` (written before the bias existed) has none. `width` is the
// `factors` attribute: the columns of the factor matrices, the bias column included.
void read_bpr_params(const h5::File& f, const std::string& file, int width, BprParams& p) {
  const std::int64_t bias = f.attr_int("/", "item_bias").value_or(0);
  if (bias != 0 && bias != 1)
    throw InputError(fmt::format("{}: model attribute 'item_bias' is {}, expected 0 or 1", file,
                                 bias));
  p.item_bias = bias == 1;
  if (p.item_bias && width < 2)
    throw InputError(fmt::format("{}: a BPR model with item_bias needs factors >= 2 (the bias "
                                 "is the last column), got {}",
                                 file, width));
  p.factors = width - static_cast<int>(bias);
  p.bias_regularization = static_cast<float>(
      f.attr_double("/", "bias_regularization").value_or(p.item_bias ? p.bias_regularization : 0.0));
  p.learning_rate = static_cast<float>(need_double(f, file, "learning_rate"));
  p.regularization = static_cast<float>(need_double(f, file, "regularization"));
  p.epochs = static_cast<int>(need_int(f, file, "epochs"));
  p.negatives = parse_negatives(f.attr_string("/", "negatives").value_or("uniform"));
  p.schedule = parse_schedule(f.attr_string("/", "lr_schedule").value_or("constant"));
  p.seed = static_cast<std::uint64_t>(f.attr_int("/", "seed").value_or(0));
}

// iALS's parameters (factors already set); confidence, log_epsilon and seed have defaults.
void read_ials_params(const h5::File& f, const std::string& file, IalsParams& p) {
  p.regularization = static_cast<float>(need_double(f, file, "regularization"));
  p.alpha = static_cast<float>(need_double(f, file, "alpha"));
  p.iterations = static_cast<int>(need_int(f, file, "iterations"));
  p.cg_steps = static_cast<int>(need_int(f, file, "cg_steps"));
  p.scaling = parse_scaling(f.attr_string("/", "confidence").value_or("linear"));
  p.log_epsilon = static_cast<float>(f.attr_double("/", "log_epsilon").value_or(1.0));
  p.seed = static_cast<std::uint64_t>(f.attr_int("/", "seed").value_or(0));
}

// The algorithm, provenance and hyper-parameters from the root attributes.
void read_model_attributes(const h5::File& f, const std::string& file, Model& m) {
  m.algorithm = f.attr_string("/", "algorithm").value_or("ials");
  if (m.algorithm != "ials" && m.algorithm != "bpr")
    throw InputError(fmt::format("{}: unknown model algorithm '{}' (this tailor reads ials and bpr)",
                                 file, m.algorithm));
  m.tailor_version = f.attr_string("/", "tailor_version").value_or("");
  m.created_at = f.attr_string("/", "created_at").value_or("");
  m.data_fingerprint = f.attr_string("/", "data_fingerprint").value_or("");
  m.training_input = f.attr_string("/", "training_input").value_or("");
  m.params.factors = static_cast<int>(need_int(f, file, "factors"));
  if (m.algorithm == "bpr")
    read_bpr_params(f, file, m.params.factors, m.bpr);
  else
    read_ials_params(f, file, m.params);
}

// A factor matrix that must be rows x factors (one row per id).
std::vector<float> read_factors(const h5::File& f, const std::string& file,
                                const char* dataset, std::int64_t rows, int factors) {
  std::int64_t got_rows = 0, got_cols = 0;
  std::vector<float> v = f.read_matrix(dataset, got_rows, got_cols);
  if (got_rows != rows || got_cols != factors)
    throw InputError(fmt::format("{}: {} is {} x {}, expected {} x {}", file, dataset, got_rows,
                                 got_cols, rows, factors));
  return v;
}

}  // namespace

Model load_model(const std::filesystem::path& path) {
  h5::File f = h5::File::open(path);
  const std::string file = path.string();
  check_model_format(f, file);
  Model m;
  read_model_attributes(f, file, m);
  m.customer_ids = f.read_strings("/customers/id");
  m.item_ids = f.read_strings("/items/id");
  m.customer_factors =
      read_factors(f, file, "/customers/factors", m.customers(), m.params.factors);
  m.item_factors = read_factors(f, file, "/items/factors", m.items(), m.params.factors);
  if (f.exists("/training/objective")) m.objective = f.read_all<double>("/training/objective");
  if (f.exists("/training/epoch_seconds"))
    m.epoch_seconds = f.read_all<double>("/training/epoch_seconds");
  if (f.exists("/ranker/booster")) m.ranker = read_ranker(f, file);
  return m;
}

}  // namespace tailor
