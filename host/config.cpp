#include "host/config.hpp"

#include <fmt/format.h>

#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "host/error.hpp"
#include "host/model.hpp"

namespace tailor {
namespace {

class Reader {
 public:
  Reader(const toml::table& root, std::string file) : root_(root), file_(std::move(file)) {}

  // Every section and key must be known: a typo in a nightly config must not be ignored.
  void check_known(const std::map<std::string, std::set<std::string>>& schema) const {
    for (const auto& [section, node] : root_) {
      const std::string name(section.str());
      auto it = schema.find(name);
      if (it == schema.end())
        throw InputError(fmt::format("{}: unknown section [{}]", file_, name));
      const toml::table* t = node.as_table();
      if (!t) throw InputError(fmt::format("{}: '{}' must be a section ([{}])", file_, name, name));
      for (const auto& [key, value] : *t) {
        (void)value;
        if (!it->second.count(std::string(key.str())))
          throw InputError(fmt::format("{}: unknown key '{}' in [{}]", file_, key.str(), name));
      }
    }
  }

  template <class T>
  std::optional<T> get(const std::string& section, const std::string& key) const {
    const toml::node* node = root_.at_path(section + "." + key).node();
    if (!node) return std::nullopt;
    if constexpr (std::is_same_v<T, std::string>) {
      if (auto v = node->value<std::string>()) return *v;
      throw type_error(section, key, "a string");
    } else if constexpr (std::is_same_v<T, bool>) {
      if (node->is_boolean()) return *node->value<bool>();
      throw type_error(section, key, "true or false");
    } else if constexpr (std::is_integral_v<T>) {
      if (node->is_integer()) return static_cast<T>(*node->value<std::int64_t>());
      throw type_error(section, key, "an integer");
    } else {
      if (node->is_number()) return static_cast<T>(*node->value<double>());
      throw type_error(section, key, "a number");
    }
  }

  template <class T>
  T require(const std::string& section, const std::string& key) const {
    auto v = get<T>(section, key);
    if (!v) throw InputError(fmt::format("{}: [{}] {} is required", file_, section, key));
    return *v;
  }

  template <class T>
  void set(const std::string& section, const std::string& key, T& target) const {
    if (auto v = get<T>(section, key)) target = *v;
  }

  [[nodiscard]] const std::string& file() const { return file_; }

 private:
  InputError type_error(const std::string& section, const std::string& key,
                        const char* expected) const {
    return InputError(fmt::format("{}: [{}] {} must be {}", file_, section, key, expected));
  }
  const toml::table& root_;
  std::string file_;
};

}  // namespace

void validate_ials_params(const IalsParams& p, const std::string& where) {
  auto bad = [&](const std::string& what) { throw InputError(fmt::format("{}: {}", where, what)); };
  if (p.factors < 1 || p.factors > kMaxFactors)
    bad(fmt::format("factors = {}: the iALS kernels support 1..{}", p.factors, kMaxFactors));
  if (p.iterations < 1) bad(fmt::format("iterations = {}: must be >= 1", p.iterations));
  if (p.cg_steps < 1) bad(fmt::format("cg_steps = {}: must be >= 1", p.cg_steps));
  if (!(p.regularization >= 0) || !std::isfinite(p.regularization))
    bad(fmt::format("regularization = {}: must be finite and >= 0", p.regularization));
  if (!(p.alpha >= 0) || !std::isfinite(p.alpha))
    bad(fmt::format("alpha = {}: must be finite and >= 0", p.alpha));
  if (!(p.log_epsilon > 0)) bad(fmt::format("log_epsilon = {}: must be > 0", p.log_epsilon));
}

void validate_topn_params(const TopNParams& p, const std::string& where) {
  if (p.n < 1 || p.n > kMaxTopN)
    throw InputError(fmt::format("{}: n = {}: the list length must be in 1..{}", where, p.n, kMaxTopN));
  if (p.memory_budget < (std::size_t{1} << 20))
    throw InputError(fmt::format("{}: memory budget of {} bytes is below 1 MiB", where, p.memory_budget));
}

RunConfig parse_config(const std::string& text, const std::filesystem::path& source) {
  const std::string file = source.string();
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw InputError(fmt::format("{}:{}:{}: {}", file, where.line, where.column, e.description()));
  }
  Reader r(root, file);
  r.check_known({
      {"input", {"path"}},
      {"model",
       {"path", "factors", "regularization", "alpha", "iterations", "cg_steps", "confidence",
        "log_epsilon", "seed", "report_objective"}},
      {"run", {"device", "threads"}},
      {"recommend", {"n", "exclude_seen", "memory_budget_mb"}},
      {"output", {"path", "manifest"}},
  });

  RunConfig c;
  c.source = source;
  c.input = r.require<std::string>("input", "path");
  if (auto p = r.get<std::string>("model", "path")) c.model_path = *p;
  r.set("model", "factors", c.ials.factors);
  r.set("model", "regularization", c.ials.regularization);
  r.set("model", "alpha", c.ials.alpha);
  r.set("model", "iterations", c.ials.iterations);
  r.set("model", "cg_steps", c.ials.cg_steps);
  if (auto s = r.get<std::string>("model", "confidence")) c.ials.scaling = parse_scaling(*s);
  r.set("model", "log_epsilon", c.ials.log_epsilon);
  if (auto seed = r.get<std::int64_t>("model", "seed")) {
    if (*seed < 0) throw InputError(fmt::format("{}: [model] seed must be >= 0", file));
    c.ials.seed = static_cast<std::uint64_t>(*seed);
  }
  r.set("model", "report_objective", c.report_objective);
  if (auto d = r.get<std::string>("run", "device")) c.device = parse_device(*d);
  r.set("run", "threads", c.threads);
  if (c.threads < 0) throw InputError(fmt::format("{}: [run] threads must be >= 0 (0 = all cores)", file));
  r.set("recommend", "n", c.topn.n);
  r.set("recommend", "exclude_seen", c.topn.exclude_seen);
  if (auto mb = r.get<std::int64_t>("recommend", "memory_budget_mb")) {
    if (*mb < 1) throw InputError(fmt::format("{}: [recommend] memory_budget_mb must be >= 1", file));
    c.topn.memory_budget = static_cast<std::size_t>(*mb) << 20;
  }
  c.output = r.require<std::string>("output", "path");
  c.manifest = r.get<std::string>("output", "manifest").value_or(c.output.string() + ".manifest.json");
  validate_ials_params(c.ials, file + ": [model]");
  validate_topn_params(c.topn, file + ": [recommend]");
  return c;
}

RunConfig load_config(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("{}: cannot read config file", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path);
}

}  // namespace tailor
