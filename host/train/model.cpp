#include "host/train/model.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
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

namespace {

void write_bpr_params(h5::File& f, const BprParams& p) {
  f.set_attr("/", "learning_rate", double{p.learning_rate});
  f.set_attr("/", "regularization", double{p.regularization});
  f.set_attr("/", "epochs", std::int64_t{p.epochs});
  f.set_attr("/", "negatives", std::string(to_string(p.negatives)));
  f.set_attr("/", "lr_schedule", std::string(to_string(p.schedule)));
  f.set_attr("/", "seed", static_cast<std::int64_t>(p.seed));
  f.set_attr("/", "item_bias", std::int64_t{p.item_bias ? 1 : 0});
  if (p.item_bias) f.set_attr("/", "bias_regularization", double{p.bias_regularization});
}

void write_ials_params(h5::File& f, const IalsParams& p) {
  f.set_attr("/", "regularization", double{p.regularization});
  f.set_attr("/", "alpha", double{p.alpha});
  f.set_attr("/", "iterations", std::int64_t{p.iterations});
  f.set_attr("/", "cg_steps", std::int64_t{p.cg_steps});
  f.set_attr("/", "confidence", std::string(to_string(p.scaling)));
  f.set_attr("/", "log_epsilon", double{p.log_epsilon});
  f.set_attr("/", "seed", static_cast<std::int64_t>(p.seed));
}

// A history model's parameters as root attributes and its item-item data: item kNN's neighbour
// lists as CSR (/items/neighbours/{indptr,indices,similarity}), EASE's weights as one items x
// items row-major column of doubles (/items/ease_weights).
void write_history_model(h5::File& f, const Model& m) {
  const HistoryModelParams& h = m.history;
  if (m.algorithm == "itemknn") {
    const ItemKnnParams& p = h.itemknn;
    f.set_attr("/", "neighbours", std::int64_t{p.neighbours});
    f.set_attr("/", "shrinkage", double{p.shrinkage});
    f.set_attr("/", "weighting", std::string(to_string(p.weighting)));
    f.set_attr("/", "bm25_k1", double{p.bm25_k1});
    f.set_attr("/", "bm25_b", double{p.bm25_b});
    f.set_attr("/", "weighted_scores", std::int64_t{p.weighted_scores ? 1 : 0});
    const ItemNeighbours& n = m.neighbours;
    f.write("/items/neighbours/indptr", n.indptr.data(), static_cast<std::int64_t>(n.indptr.size()));
    f.write("/items/neighbours/indices", n.indices.data(),
            static_cast<std::int64_t>(n.indices.size()));
    f.write("/items/neighbours/similarity", n.similarity.data(),
            static_cast<std::int64_t>(n.similarity.size()));
  } else if (m.algorithm == "ease") {
    f.set_attr("/", "regularization", h.ease.regularization);
    f.set_attr("/", "weighted", std::int64_t{h.ease.weighted ? 1 : 0});
    f.write("/items/ease_weights", m.ease_weights.b.data(),
            static_cast<std::int64_t>(m.ease_weights.b.size()));
  } else {
    const TifuKnnParams& p = h.tifuknn;
    f.set_attr("/", "group_size", std::int64_t{p.group_size});
    f.set_attr("/", "within_decay", p.within_decay);
    f.set_attr("/", "across_decay", p.across_decay);
    f.set_attr("/", "neighbours", std::int64_t{p.neighbours});
    f.set_attr("/", "alpha", p.alpha);
    f.set_attr("/", "basket_window", p.basket_window);
  }
}

// RunError when the model's arrays do not match its ids (a bug of the caller, not bad input).
void check_model_shapes(const std::filesystem::path& path, const Model& m) {
  const auto k = static_cast<std::size_t>(m.params.factors);
  const bool factors_ok = m.customer_factors.size() == m.customer_ids.size() * k &&
                          m.item_factors.size() == m.item_ids.size() * k;
  const auto items = static_cast<std::size_t>(m.items());
  const bool history_ok =
      m.algorithm == "itemknn" ? m.neighbours.indptr.size() == items + 1
      : m.algorithm == "ease"  ? m.ease_weights.b.size() == items * items
                               : true;
  if (!factors_ok || !history_ok)
    throw RunError(fmt::format("{}: the model's factors or item-item weights do not match its ids",
                               path.string()));
}

}  // namespace

void save_model(const std::filesystem::path& path, const Model& m) {
  check_model_shapes(path, m);
  h5::create_atomically(path, kModelFormat, kModelFormatVersion, [&](h5::File& f) {
    f.set_attr("/", "algorithm", m.algorithm);
    f.set_attr("/", "tailor_version", m.tailor_version);
    f.set_attr("/", "data_fingerprint", m.data_fingerprint);
    f.set_attr("/", "training_input", m.training_input);
    f.set_attr("/", "factors", std::int64_t{m.params.factors});
    if (m.history_model())
      write_history_model(f, m);
    else if (m.algorithm == "bpr")
      write_bpr_params(f, m.bpr);
    else
      write_ials_params(f, m.params);
    f.write_strings("/customers/id", m.customer_ids);
    f.write_strings("/items/id", m.item_ids);
    if (!m.history_model()) {
      f.write_matrix("/customers/factors", m.customer_factors.data(), m.customers(),
                     m.params.factors);
      f.write_matrix("/items/factors", m.item_factors.data(), m.items(), m.params.factors);
    }
    f.write("/training/objective", m.objective.data(), static_cast<std::int64_t>(m.objective.size()));
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

// A 0/1 root attribute as a bool; absent: `otherwise`.
bool read_switch(const h5::File& f, const std::string& file, const char* name, bool otherwise) {
  const std::int64_t v = f.attr_int("/", name).value_or(otherwise ? 1 : 0);
  if (v != 0 && v != 1)
    throw InputError(fmt::format("{}: model attribute '{}' is {}, expected 0 or 1", file, name, v));
  return v == 1;
}

// The parameters of a history model (m.algorithm), checked as the commands check them.
void read_history_params(const h5::File& f, const std::string& file, Model& m) {
  HistoryModelParams& h = m.history;
  if (m.algorithm == "itemknn") {
    ItemKnnParams& p = h.itemknn;
    p.neighbours = static_cast<int>(need_int(f, file, "neighbours"));
    p.shrinkage = static_cast<float>(need_double(f, file, "shrinkage"));
    p.weighting = parse_knn_weighting(f.attr_string("/", "weighting").value_or("none"));
    p.bm25_k1 = static_cast<float>(f.attr_double("/", "bm25_k1").value_or(p.bm25_k1));
    p.bm25_b = static_cast<float>(f.attr_double("/", "bm25_b").value_or(p.bm25_b));
    p.weighted_scores = read_switch(f, file, "weighted_scores", false);
    validate_item_knn_params(p, file);
  } else if (m.algorithm == "ease") {
    h.ease.regularization = need_double(f, file, "regularization");
    h.ease.weighted = read_switch(f, file, "weighted", false);
    validate_ease_params(h.ease, file);
  } else {
    TifuKnnParams& p = h.tifuknn;
    p.group_size = static_cast<int>(need_int(f, file, "group_size"));
    p.within_decay = need_double(f, file, "within_decay");
    p.across_decay = need_double(f, file, "across_decay");
    p.neighbours = static_cast<int>(need_int(f, file, "neighbours"));
    p.alpha = need_double(f, file, "alpha");
    p.basket_window = f.attr_int("/", "basket_window").value_or(0);
    try {
      validate_tifuknn_params(p);
    } catch (const InputError& e) {
      throw InputError(fmt::format("{}: {}", file, e.what()));
    }
  }
}

// The algorithm, provenance and hyper-parameters from the root attributes.
void read_model_attributes(const h5::File& f, const std::string& file, Model& m) {
  m.algorithm = f.attr_string("/", "algorithm").value_or("ials");
  if (m.algorithm != "ials" && m.algorithm != "bpr" && !m.history_model())
    throw InputError(fmt::format("{}: unknown model algorithm '{}' (this tailor reads ials, bpr, "
                                 "itemknn, ease and tifuknn)",
                                 file, m.algorithm));
  m.tailor_version = f.attr_string("/", "tailor_version").value_or("");
  m.created_at = f.attr_string("/", "created_at").value_or("");
  m.data_fingerprint = f.attr_string("/", "data_fingerprint").value_or("");
  m.training_input = f.attr_string("/", "training_input").value_or("");
  m.params.factors = static_cast<int>(need_int(f, file, "factors"));
  if (m.history_model())
    read_history_params(f, file, m);
  else if (m.algorithm == "bpr")
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

// Item kNN's neighbour lists over `items` items, checked as item_neighbours() leaves them:
// offsets from 0 rising to the entry count, neighbours below `items`, similarities in (0, 1].
ItemNeighbours read_neighbours(const h5::File& f, const std::string& file, std::int64_t items) {
  ItemNeighbours n;
  n.items = items;
  n.indptr = f.read_all<std::int64_t>("/items/neighbours/indptr");
  n.indices = f.read_all<std::uint32_t>("/items/neighbours/indices");
  n.similarity = f.read_all<float>("/items/neighbours/similarity");
  const auto bad = [&](const std::string& what) {
    return InputError(fmt::format("{}: /items/neighbours: {}", file, what));
  };
  if (n.indptr.size() != static_cast<std::size_t>(items) + 1)
    throw bad(fmt::format("indptr holds {} offsets, expected {} (items + 1)", n.indptr.size(),
                          items + 1));
  if (n.indices.size() != n.similarity.size() || n.indptr.front() != 0 ||
      n.indptr.back() != static_cast<std::int64_t>(n.indices.size()))
    throw bad(fmt::format("indptr runs from {} to {} over {} indices and {} similarities",
                          n.indptr.front(), n.indptr.back(), n.indices.size(), n.similarity.size()));
  for (std::int64_t i = 0; i < items; ++i)
    if (n.indptr[i + 1] < n.indptr[i]) throw bad(fmt::format("indptr falls at item {}", i));
  for (std::size_t e = 0; e < n.indices.size(); ++e)
    if (n.indices[e] >= items || !(n.similarity[e] > 0.0f && n.similarity[e] <= 1.0f))
      throw bad(fmt::format("entry {}: neighbour {} with similarity {} (items {}; similarities "
                            "in (0, 1])",
                            e, n.indices[e], n.similarity[e], items));
  return n;
}

// EASE's items x items weights, every one finite.
EaseWeights read_ease_weights(const h5::File& f, const std::string& file, std::int64_t items) {
  EaseWeights w;
  w.items = items;
  w.b = f.read_all<double>("/items/ease_weights");
  if (w.b.size() != static_cast<std::size_t>(items) * static_cast<std::size_t>(items))
    throw InputError(fmt::format("{}: /items/ease_weights holds {} values, expected {} x {}", file,
                                 w.b.size(), items, items));
  for (std::size_t e = 0; e < w.b.size(); ++e)
    if (!std::isfinite(w.b[e]))
      throw InputError(fmt::format("{}: /items/ease_weights[{}] is {}", file, e, w.b[e]));
  return w;
}

// The factors of a factor model, or the item-item data of a history model.
void read_model_arrays(const h5::File& f, const std::string& file, Model& m) {
  if (m.algorithm == "itemknn") m.neighbours = read_neighbours(f, file, m.items());
  if (m.algorithm == "ease") m.ease_weights = read_ease_weights(f, file, m.items());
  if (m.history_model()) {
    if (m.params.factors != 0)
      throw InputError(fmt::format("{}: a {} model has no factors, but 'factors' is {}", file,
                                   m.algorithm, m.params.factors));
    return;
  }
  m.customer_factors =
      read_factors(f, file, "/customers/factors", m.customers(), m.params.factors);
  m.item_factors = read_factors(f, file, "/items/factors", m.items(), m.params.factors);
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
  read_model_arrays(f, file, m);
  if (f.exists("/training/objective")) m.objective = f.read_all<double>("/training/objective");
  if (f.exists("/training/epoch_seconds"))
    m.epoch_seconds = f.read_all<double>("/training/epoch_seconds");
  if (f.exists("/ranker/booster")) m.ranker = read_ranker(f, file);
  return m;
}

}  // namespace tailor
