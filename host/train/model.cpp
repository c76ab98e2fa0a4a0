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
  });
}

Model load_model(const std::filesystem::path& path) {
  h5::File f = h5::File::open(path);
  const std::string file = path.string();
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
  auto need_int = [&](const char* name) {
    auto v = f.attr_int("/", name);
    if (!v) throw InputError(fmt::format("{}: model attribute '{}' is missing", file, name));
    return *v;
  };
  auto need_double = [&](const char* name) {
    auto v = f.attr_double("/", name);
    if (!v) throw InputError(fmt::format("{}: model attribute '{}' is missing", file, name));
    return *v;
  };
  Model m;
  m.algorithm = f.attr_string("/", "algorithm").value_or("ials");
  if (m.algorithm != "ials" && m.algorithm != "bpr")
    throw InputError(fmt::format("{}: unknown model algorithm '{}' (this tailor reads ials and bpr)",
                                 file, m.algorithm));
  m.tailor_version = f.attr_string("/", "tailor_version").value_or("");
  m.created_at = f.attr_string("/", "created_at").value_or("");
  m.data_fingerprint = f.attr_string("/", "data_fingerprint").value_or("");
  m.training_input = f.attr_string("/", "training_input").value_or("");
  m.params.factors = static_cast<int>(need_int("factors"));
  if (m.algorithm == "bpr") {
    m.bpr.factors = m.params.factors;
    m.bpr.learning_rate = static_cast<float>(need_double("learning_rate"));
    m.bpr.regularization = static_cast<float>(need_double("regularization"));
    m.bpr.epochs = static_cast<int>(need_int("epochs"));
    m.bpr.negatives = parse_negatives(f.attr_string("/", "negatives").value_or("uniform"));
    m.bpr.schedule = parse_schedule(f.attr_string("/", "lr_schedule").value_or("constant"));
    m.bpr.seed = static_cast<std::uint64_t>(f.attr_int("/", "seed").value_or(0));
  } else {
    m.params.regularization = static_cast<float>(need_double("regularization"));
    m.params.alpha = static_cast<float>(need_double("alpha"));
    m.params.iterations = static_cast<int>(need_int("iterations"));
    m.params.cg_steps = static_cast<int>(need_int("cg_steps"));
    m.params.scaling = parse_scaling(f.attr_string("/", "confidence").value_or("linear"));
    m.params.log_epsilon = static_cast<float>(f.attr_double("/", "log_epsilon").value_or(1.0));
    m.params.seed = static_cast<std::uint64_t>(f.attr_int("/", "seed").value_or(0));
  }
  m.customer_ids = f.read_strings("/customers/id");
  m.item_ids = f.read_strings("/items/id");
  std::int64_t rows = 0, cols = 0;
  m.customer_factors = f.read_matrix("/customers/factors", rows, cols);
  if (rows != m.customers() || cols != m.params.factors)
    throw InputError(fmt::format("{}: /customers/factors is {} x {}, expected {} x {}", file, rows,
                                 cols, m.customers(), m.params.factors));
  m.item_factors = f.read_matrix("/items/factors", rows, cols);
  if (rows != m.items() || cols != m.params.factors)
    throw InputError(fmt::format("{}: /items/factors is {} x {}, expected {} x {}", file, rows,
                                 cols, m.items(), m.params.factors));
  if (f.exists("/training/objective")) m.objective = f.read_all<double>("/training/objective");
  if (f.exists("/training/epoch_seconds"))
    m.epoch_seconds = f.read_all<double>("/training/epoch_seconds");
  return m;
}

}  // namespace tailor
