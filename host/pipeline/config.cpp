#include "host/pipeline/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "host/core/atomic_file.hpp"
#include "host/core/error.hpp"
#include "host/core/names.hpp"
#include "host/io/time.hpp"
#include "host/score/recommend.hpp"
#include "host/train/model.hpp"
#include "host/train/train.hpp"
#include "kernels/validate.hpp"

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
      if (name == "suppression") continue;  // event names are data, checked against the file
      if (name == "tier") {  // [tier.NAME] sections, one per tier name
        for (const auto& [tier, sub] : *t) {
          const toml::table* st = sub.as_table();
          if (!st)
            throw InputError(fmt::format("{}: 'tier.{}' must be a section ([tier.{}])", file_,
                                         tier.str(), tier.str()));
          for (const auto& [key, value] : *st) {
            (void)value;
            if (!it->second.count(std::string(key.str())))
              throw InputError(fmt::format("{}: unknown key '{}' in [tier.{}]", file_, key.str(),
                                           tier.str()));
          }
        }
        continue;
      }
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

  std::optional<std::vector<std::string>> strings(const std::string& section,
                                                 const std::string& key) const {
    const toml::node* node = root_.at_path(section + "." + key).node();
    if (!node) return std::nullopt;
    const toml::array* a = node->as_array();
    if (!a) throw type_error(section, key, "an array of strings");
    std::vector<std::string> out;
    for (const auto& v : *a) {
      auto s = v.value<std::string>();
      if (!s) throw type_error(section, key, "an array of strings");
      out.push_back(*s);
    }
    return out;
  }

  [[nodiscard]] bool has(const std::string& section) const { return root_.contains(section); }
  [[nodiscard]] const toml::table* table(const std::string& path) const {
    return root_.at_path(path).as_table();
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

namespace {

std::optional<Slot> parse_fallback(const Reader& r, const std::string& section,
                                   const std::string& key, std::optional<Slot> current) {
  auto v = r.get<std::string>(section, key);
  if (!v) return current;
  if (*v == "none") return std::nullopt;
  try {
    return parse_slot(*v);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: [{}] {}: {}", r.file(), section, key, e.what()));
  }
}

// Reads the recipe keys of `section` over `recipe`; returns whether any key was present.
bool read_recipe(const Reader& r, const std::string& section, Recipe& recipe) {
  bool any = false;
  for (int t = 0; t < kSlotTypes; ++t) {
    const std::string name = to_string(static_cast<Slot>(t));
    if (auto v = r.get<std::int64_t>(section, name)) {
      recipe.count[t] = static_cast<int>(std::clamp<std::int64_t>(*v, -1, kMaxTopN + 1));
      any = true;
    }
    const std::string fb = name + "_fallback";
    if (r.get<std::string>(section, fb)) any = true;
    recipe.fallback[t] = parse_fallback(r, section, fb, recipe.fallback[t]);
  }
  return any;
}

// "\"remove\", \"demote\" or \"suppress\"": a table's names, quoted, for an error.
template <class E, std::size_t N>
std::string quoted_choices(const NameTable<E, N>& table) {
  std::string out;
  for (std::size_t k = 0; k < N; ++k) {
    if (k > 0) out += k + 1 == N ? " or " : ", ";
    out += fmt::format("\"{}\"", table.entries[k].second);
  }
  return out;
}

// The campaign sections are only read below [campaign]: without it they are an error.
void check_campaign_sections(const Reader& r) {
  for (const char* s : {"recipe", "rules", "discovery", "tiers", "tier", "replenish",
                        "suppression", "qa"})
    if (r.has(s) && !r.has("campaign"))
      throw InputError(fmt::format(
          "{}: [{}] only applies to campaign runs; add a [campaign] section (id = \"...\")",
          r.file(), s));
}

void read_campaign_section(const Reader& r, CampaignConfig& cc) {
  r.set("campaign", "id", cc.campaign_id);
  if (auto d = r.get<std::string>("campaign", "date")) {
    std::int64_t t = 0;
    if (!parse_time(*d, std::nullopt, t))
      throw InputError(fmt::format(
          "{}: [campaign] date = \"{}\" is not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, UTC)",
          r.file(), *d));
    cc.campaign_time = t;
  }
  r.set("campaign", "control_fraction", cc.control_fraction);
}

void read_rules(const Reader& r, CampaignConfig& cc) {
  if (auto v = r.strings("rules", "repurchasable")) cc.repurchasable = *v;
  if (auto v = r.strings("rules", "include_items")) cc.include_items = *v;
  if (auto v = r.strings("rules", "exclude_items")) cc.exclude_items = *v;
  if (auto v = r.get<std::string>("rules", "blocklist")) cc.blocklist = *v;
  r.set("rules", "max_per_category", cc.max_per_category);
  if (auto v = r.get<double>("rules", "price_min")) cc.price_min = *v;
  if (auto v = r.get<double>("rules", "price_max")) cc.price_max = *v;
}

void read_discovery(const Reader& r, CampaignConfig& cc) {
  r.set("discovery", "pool", cc.discovery_pool);
  r.set("discovery", "value_weight", cc.discovery_value_weight);
}

void read_tiers(const Reader& r, TierOptions& tiers) {
  r.set("tiers", "count", tiers.tiers);
  if (auto v = r.strings("tiers", "names")) {
    tiers.names = *v;
  } else if (tiers.tiers != 3) {
    tiers.names.clear();  // tier1 .. tierN
  }
  r.set("tiers", "purchase_event", tiers.purchase_event);
}

// [tier.NAME] sections: recipe keys laid over the campaign's recipe, and a price window.
void read_tier_sections(const Reader& r, CampaignConfig& cc) {
  const toml::table* tiers = r.table("tier");
  if (!tiers) return;
  for (const auto& [name, node] : *tiers) {
    (void)node;
    const std::string section = "tier." + std::string(name.str());
    TierRules tr;
    Recipe recipe = cc.recipe;
    if (read_recipe(r, section, recipe)) tr.recipe = recipe;
    if (auto v = r.get<double>(section, "price_min")) tr.price_min = *v;
    if (auto v = r.get<double>(section, "price_max")) tr.price_max = *v;
    cc.tier_rules[std::string(name.str())] = tr;
  }
}

void read_replenish(const Reader& r, ReplenishOptions& o) {
  r.set("replenish", "min_item_intervals", o.min_item_intervals);
  r.set("replenish", "kappa", o.kappa);
  r.set("replenish", "due_from", o.due_from);
  r.set("replenish", "overdue_until", o.overdue_until);
  r.set("replenish", "bump_width", o.bump_width);
}

// [suppression]: event name -> "remove" | "demote" | "suppress".
void read_suppression(const Reader& r, CampaignConfig& cc) {
  const toml::table* sup = r.table("suppression");
  if (!sup) return;
  for (const auto& [event, node] : *sup) {
    const std::string key(event.str());
    auto v = node.value<std::string>();
    if (!v) throw InputError(fmt::format("{}: [suppression] {} must be a string", r.file(), key));
    const std::optional<NegativeAction> action = kNegativeActionNames.find(*v);
    if (!action)
      throw InputError(fmt::format("{}: [suppression] {} = \"{}\": the action must be {}",
                                   r.file(), key, *v, quoted_choices(kNegativeActionNames)));
    cc.negative_events[key] = *action;
  }
}

void read_qa(const Reader& r, RunConfig& c) {
  auto share = [&](const char* key, std::optional<double>& target) {
    if (auto v = r.get<double>("qa", key)) {
      if (!(*v >= 0.0 && *v <= 1.0))
        throw InputError(
            fmt::format("{}: [qa] {} = {} must be a share in [0, 1]", r.file(), key, *v));
      target = *v;
    }
  };
  share("max_short_share", c.qa.max_short_share);
  share("max_empty_share", c.qa.max_empty_share);
  share("min_coverage", c.qa.min_coverage);
  share("max_bought_share", c.qa.max_bought_share);
  share("max_churn", c.qa.max_churn);
  if (auto p = r.get<std::string>("qa", "previous")) c.qa_previous = *p;
}

// [campaign] model: the score source of the discovery and model slots.
void read_slot_model(const Reader& r, CampaignConfig& cc) {
  const auto v = r.get<std::string>("campaign", "model");
  if (!v) return;
  const std::optional<SlotModel> m = kSlotModelNames.find(*v);
  if (!m)
    throw InputError(fmt::format("{}: [campaign] model = \"{}\": the slot model must be {}",
                                 r.file(), *v, quoted_choices(kSlotModelNames)));
  cc.model = *m;
}

// The campaign sections, read in this order; validate() checks the result.
void parse_campaign(const Reader& r, RunConfig& c) {
  check_campaign_sections(r);
  if (!r.has("campaign")) return;
  CampaignConfig cc;
  read_campaign_section(r, cc);
  read_slot_model(r, cc);
  read_recipe(r, "recipe", cc.recipe);
  read_rules(r, cc);
  read_discovery(r, cc);
  read_tiers(r, cc.tiers);
  read_tier_sections(r, cc);
  read_replenish(r, cc.replenish);
  read_suppression(r, cc);
  read_qa(r, c);
  validate(cc, r.file());
  c.campaign = std::move(cc);
}

}  // namespace

namespace {

void parse_tifuknn(const Reader& r, TifuKnnParams& p) {
  r.set("tifuknn", "group_size", p.group_size);
  r.set("tifuknn", "within_decay", p.within_decay);
  r.set("tifuknn", "across_decay", p.across_decay);
  r.set("tifuknn", "neighbours", p.neighbours);
  r.set("tifuknn", "alpha", p.alpha);
  r.set("tifuknn", "basket_window_seconds", p.basket_window);
  try {
    validate_tifuknn_params(p);
  } catch (const InputError& e) {
    std::string what = e.what();
    if (what.rfind("tifuknn: ", 0) == 0) what.erase(0, 9);
    throw InputError(fmt::format("{}: [tifuknn] {}", r.file(), what));
  }
}

// InputError "{file}: [{section}] {problem}" for a parameter problem of kernels/validate.hpp.
void check_problem(const Reader& r, const char* section, const std::string& problem) {
  if (!problem.empty()) throw InputError(fmt::format("{}: [{}] {}", r.file(), section, problem));
}

void parse_itemknn(const Reader& r, ItemKnnParams& p) {
  r.set("itemknn", "neighbours", p.neighbours);
  r.set("itemknn", "shrinkage", p.shrinkage);
  if (auto w = r.get<std::string>("itemknn", "weighting")) {
    const std::optional<KnnWeighting> k = kKnnWeightingNames.find(*w);
    if (!k)
      throw InputError(fmt::format("{}: [itemknn] weighting = \"{}\": the weighting must be {}",
                                   r.file(), *w, quoted_choices(kKnnWeightingNames)));
    p.weighting = *k;
  }
  r.set("itemknn", "bm25_k1", p.bm25_k1);
  r.set("itemknn", "bm25_b", p.bm25_b);
  r.set("itemknn", "weighted_scores", p.weighted_scores);
  check_problem(r, "itemknn", detail::item_knn_params_problem(p));
}

void parse_ease(const Reader& r, EaseParams& p, std::size_t& max_bytes) {
  r.set("ease", "regularization", p.regularization);
  r.set("ease", "weighted", p.weighted);
  if (auto mb = r.get<double>("ease", "max_memory_mb")) {
    constexpr double kMaxMb = 1 << 30;  // 1 PiB
    if (!(*mb > 0.0 && *mb <= kMaxMb))
      throw InputError(fmt::format("{}: [ease] max_memory_mb = {}: must be > 0 and <= {}",
                                   r.file(), *mb, kMaxMb));
    max_bytes = static_cast<std::size_t>(*mb * 1048576.0);
  }
  if (!detail::ease_params_problem(p).empty())  // it names the parameter lambda
    throw InputError(fmt::format("{}: [ease] regularization = {}: must be finite and > 0",
                                 r.file(), p.regularization));
}

}  // namespace

namespace {

// [ranker]: candidate counts, label window and booster; the sources' own parameters come from
// [model] (iALS), [tifuknn] and [replenish] (ranker_params()).
void parse_ranker(const Reader& r, RunConfig& c) {
  const char* s = "ranker";
  RankerParams& p = c.ranker;
  CandidateCounts& n = p.sources.counts;
  r.set(s, "repeat_candidates", n.repeat);
  r.set(s, "ials_candidates", n.ials);
  r.set(s, "itemknn_candidates", n.itemknn);
  r.set(s, "tifuknn_candidates", n.tifuknn);
  r.set(s, "popular_candidates", n.popular);
  r.set(s, "popular_window_days", p.sources.popular_window_days);
  if (auto h = r.get<std::string>(s, "horizon")) {
    try {
      c.ranker_horizon = parse_horizon_seconds(*h);
    } catch (const InputError& e) {
      throw InputError(fmt::format("{}: [ranker] horizon: {}", r.file(), e.what()));
    }
  }
  r.set(s, "max_train_customers", p.max_train_customers);
  r.set(s, "train_windows", p.train_windows);
  BoosterParams& b = p.booster;
  r.set(s, "objective", b.objective);
  r.set(s, "rounds", b.rounds);
  r.set(s, "max_depth", b.max_depth);
  r.set(s, "learning_rate", b.learning_rate);
  r.set(s, "min_child_weight", b.min_child_weight);
  r.set(s, "subsample", b.subsample);
  r.set(s, "colsample", b.colsample);
  r.set(s, "lambda", b.lambda);
  if (auto seed = r.get<std::int64_t>(s, "seed")) {
    if (*seed < 0) throw InputError(fmt::format("{}: [ranker] seed must be >= 0", r.file()));
    b.seed = static_cast<std::uint64_t>(*seed);
  }
  validate_ranker_params(ranker_params(c, p.horizon_seconds), r.file() + ": [ranker]");
}

}  // namespace

namespace {

// [model] keys that only one algorithm takes.
const std::vector<std::string> kIalsOnlyKeys = {"alpha", "iterations", "cg_steps", "confidence",
                                                "log_epsilon"};
const std::vector<std::string> kBprOnlyKeys = {"learning_rate", "epochs", "negatives",
                                               "lr_schedule", "item_bias", "bias_regularization"};
// [model] keys of both factor models, which the history models do not take.
const std::vector<std::string> kFactorKeys = {"factors", "regularization", "seed",
                                              "report_objective"};

// InputError for a key of the other algorithm: a BPR config with alpha = 5 must not train
// something else than its author thinks.
void refuse_keys(const Reader& r, const std::string& algorithm,
                 const std::vector<std::string>& keys, const char* belongs_to) {
  const toml::table* model = r.table("model");
  if (!model) return;
  for (const auto& key : keys)
    if (model->contains(key))
      throw InputError(fmt::format("{}: [model] {} is {} key; algorithm = \"{}\" does not take "
                                   "it",
                                   r.file(), key, belongs_to, algorithm));
}

// A named choice of [model]: InputError naming the key, the value and the choices.
template <class Parse>
auto model_choice(const Reader& r, const char* key, const std::string& value, Parse parse) {
  try {
    return parse(value);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: [model] {} = \"{}\": {}", r.file(), key, value, e.what()));
  }
}

void parse_ials_model(const Reader& r, IalsParams& p) {
  r.set("model", "factors", p.factors);
  r.set("model", "regularization", p.regularization);
  r.set("model", "alpha", p.alpha);
  r.set("model", "iterations", p.iterations);
  r.set("model", "cg_steps", p.cg_steps);
  if (auto s = r.get<std::string>("model", "confidence"))
    p.scaling = model_choice(r, "confidence", *s, parse_scaling);
  r.set("model", "log_epsilon", p.log_epsilon);
}

void parse_bpr_model(const Reader& r, BprParams& p) {
  r.set("model", "factors", p.factors);
  r.set("model", "regularization", p.regularization);
  r.set("model", "learning_rate", p.learning_rate);
  r.set("model", "epochs", p.epochs);
  if (auto s = r.get<std::string>("model", "negatives"))
    p.negatives = model_choice(r, "negatives", *s, parse_negatives);
  if (auto s = r.get<std::string>("model", "lr_schedule"))
    p.schedule = model_choice(r, "lr_schedule", *s, parse_schedule);
  r.set("model", "item_bias", p.item_bias);
  r.set("model", "bias_regularization", p.bias_regularization);
}

// [model]: the algorithm, its keys (the other algorithm's are refused), seed and path.
void parse_model(const Reader& r, RunConfig& c) {
  if (auto p = r.get<std::string>("model", "path")) c.model_path = *p;
  r.set("model", "algorithm", c.algorithm);
  if (c.algorithm != "ials" && c.algorithm != "bpr" && !is_history_algorithm(c.algorithm))
    throw InputError(fmt::format("{}: [model] algorithm = \"{}\": must be \"ials\", \"bpr\", "
                                 "\"itemknn\", \"ease\" or \"tifuknn\"",
                                 r.file(), c.algorithm));
  if (is_history_algorithm(c.algorithm)) {
    refuse_keys(r, c.algorithm, kIalsOnlyKeys, "an iALS");
    refuse_keys(r, c.algorithm, kBprOnlyKeys, "a BPR");
    refuse_keys(r, c.algorithm, kFactorKeys, "a factor model's");
    return;  // its parameters are its own section's: [itemknn], [ease] or [tifuknn]
  }
  const bool bpr = c.algorithm == "bpr";
  if (bpr) {
    refuse_keys(r, c.algorithm, kIalsOnlyKeys, "an iALS");
    parse_bpr_model(r, c.bpr);
  } else {
    refuse_keys(r, c.algorithm, kBprOnlyKeys, "a BPR (algorithm = \"bpr\")");
    parse_ials_model(r, c.ials);
  }
  if (auto seed = r.get<std::int64_t>("model", "seed")) {
    if (*seed < 0) throw InputError(fmt::format("{}: [model] seed must be >= 0", r.file()));
    (bpr ? c.bpr.seed : c.ials.seed) = static_cast<std::uint64_t>(*seed);
  }
  r.set("model", "report_objective", c.report_objective);
  if (bpr)
    validate_bpr_params(c.bpr, r.file() + ": [model]");
  else
    validate_ials_params(c.ials, r.file() + ": [model]");
}

// Every section and its keys; anything else in a config is an error.
const std::map<std::string, std::set<std::string>>& known_keys() {
  static const std::map<std::string, std::set<std::string>> keys = {
      {"input", {"path"}},
      {"model",
       {"path", "algorithm", "factors", "regularization", "alpha", "iterations", "cg_steps",
        "confidence", "log_epsilon", "seed", "report_objective", "learning_rate", "epochs",
        "negatives", "lr_schedule", "item_bias", "bias_regularization"}},
      {"run", {"device", "threads"}},
      {"recommend", {"n", "exclude_seen", "memory_budget_mb"}},
      {"output", {"path", "jsonl", "h5", "manifest", "folder"}},
      {"campaign", {"id", "date", "control_fraction", "model"}},
      {"recipe", {"repeat", "discovery", "model", "popular", "repeat_fallback",
                  "discovery_fallback", "model_fallback", "popular_fallback"}},
      {"rules", {"repurchasable", "include_items", "exclude_items", "blocklist",
                 "max_per_category", "price_min", "price_max"}},
      {"discovery", {"pool", "value_weight"}},
      {"tiers", {"count", "names", "purchase_event"}},
      {"tier", {"repeat", "discovery", "model", "popular", "repeat_fallback",
                "discovery_fallback", "model_fallback", "popular_fallback", "price_min",
                "price_max"}},
      {"replenish", {"min_item_intervals", "kappa", "due_from", "overdue_until", "bump_width"}},
      {"suppression", {}},  // any event name -> "remove" | "demote" | "suppress"
      {"qa", {"max_short_share", "max_empty_share", "min_coverage", "max_bought_share",
              "max_churn", "previous"}},
      {"tifuknn", {"group_size", "within_decay", "across_decay", "neighbours", "alpha",
                   "basket_window_seconds"}},
      {"ranker", {"repeat_candidates", "ials_candidates", "itemknn_candidates",
                  "tifuknn_candidates", "popular_candidates", "popular_window_days", "horizon",
                  "max_train_customers", "train_windows", "objective", "rounds", "max_depth",
                  "learning_rate", "min_child_weight", "subsample", "colsample", "lambda", "seed"}},
      {"itemknn", {"neighbours", "shrinkage", "weighting", "bm25_k1", "bm25_b",
                   "weighted_scores"}},
      {"ease", {"regularization", "weighted", "max_memory_mb"}},
  };
  return keys;
}

}  // namespace

namespace {

// InputError when two outputs are one file, or an output is the input (a run would overwrite
// its own data), or, with [output] folder, an export or the manifest lies outside the folder.
void check_output_paths(const RunConfig& c, const std::string& file) {
  namespace fs = std::filesystem;
  const auto same = [](const fs::path& a, const fs::path& b) {
    return fs::weakly_canonical(a) == fs::weakly_canonical(b);
  };
  const std::vector<fs::path> out = output_paths(c);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (same(out[i], c.input))
      throw InputError(fmt::format("{}: the output {} is the input file; it would be overwritten",
                                   file, out[i].string()));
    for (std::size_t j = i + 1; j < out.size(); ++j)
      if (same(out[i], out[j]))
        throw InputError(fmt::format("{}: two outputs write {}; give each its own path", file,
                                     out[i].string()));
  }
  if (!c.output_folder) return;
  const fs::path folder = c.output_folder->lexically_normal();
  for (std::size_t i = 0; i < out.size(); ++i) {
    const bool model = c.model_path && out[i] == *c.model_path;
    if (!model && out[i].parent_path().lexically_normal() != folder)
      throw InputError(fmt::format("{}: {} lies outside [output] folder = \"{}\"; every export "
                                   "and the manifest of a night are published in it",
                                   file, out[i].string(), c.output_folder->string()));
  }
}

// [output]: the exports, the manifest, the folder they are published in.
void parse_output(const Reader& r, RunConfig& c) {
  c.output = r.require<std::string>("output", "path");
  if (auto p = r.get<std::string>("output", "jsonl")) c.output_jsonl = *p;
  if (auto p = r.get<std::string>("output", "h5")) c.output_h5 = *p;
  if (auto p = r.get<std::string>("output", "folder")) c.output_folder = *p;
  c.manifest = r.get<std::string>("output", "manifest").value_or(c.output.string() + ".manifest.json");
  c.rejected_manifest = c.output_folder
                            ? std::filesystem::path(c.output_folder->lexically_normal().string() +
                                                    ".rejected.json")
                            : std::filesystem::path(c.manifest.string() + ".rejected.json");
  check_output_paths(c, r.file());
}

}  // namespace

std::vector<std::filesystem::path> output_paths(const RunConfig& c) {
  std::vector<std::filesystem::path> out = {c.output, c.manifest};
  if (c.output_jsonl) out.push_back(*c.output_jsonl);
  if (c.output_h5) out.push_back(*c.output_h5);
  if (c.model_path) out.push_back(*c.model_path);
  return out;
}

RankerParams ranker_params(const RunConfig& c, std::int64_t default_horizon) {
  RankerParams p = c.ranker;
  p.horizon_seconds = c.ranker_horizon.value_or(default_horizon);
  p.sources.ials = c.ials;
  p.sources.tifuknn = c.tifuknn;
  p.sources.itemknn = c.itemknn;
  if (c.campaign) p.sources.replenish = c.campaign->replenish;
  return p;
}

SlotModelParams slot_model_params(const RunConfig& c) {
  return {c.itemknn, c.ease, c.ease_max_bytes, c.tifuknn};
}

void check_slot_model(const RunConfig& c, const std::string& where) {
  if (!c.campaign || c.campaign->model != SlotModel::ials || !is_history_algorithm(c.algorithm))
    return;
  throw InputError(fmt::format("{}: the slot model \"ials\" takes the factors of [model], and "
                               "algorithm = \"{}\" has none: make the slot model \"{}\"",
                               where, c.algorithm, c.algorithm));
}

namespace {

// A campaign without [campaign] model, whose [model] trains a history model, fills its slots
// with that model.
void default_slot_model(const Reader& r, RunConfig& c) {
  if (!c.campaign || !is_history_algorithm(c.algorithm) || r.get<std::string>("campaign", "model"))
    return;
  c.campaign->model = parse_slot_model(c.algorithm);
}

}  // namespace

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
  r.check_known(known_keys());

  RunConfig c;
  c.source = source;
  c.input = r.require<std::string>("input", "path");
  parse_model(r, c);
  if (auto d = r.get<std::string>("run", "device")) c.device = parse_device(*d);
  r.set("run", "threads", c.threads);
  if (c.threads < 0 || c.threads > kMaxThreads)
    throw InputError(fmt::format("{}: [run] threads = {}: must be in 0..{} (0 = all cores)", file,
                                 c.threads, kMaxThreads));
  r.set("recommend", "n", c.topn.n);
  r.set("recommend", "exclude_seen", c.topn.exclude_seen);
  if (auto mb = r.get<std::int64_t>("recommend", "memory_budget_mb")) {
    if (*mb < 1) throw InputError(fmt::format("{}: [recommend] memory_budget_mb must be >= 1", file));
    c.topn.memory_budget = static_cast<std::size_t>(*mb) << 20;
  }
  parse_campaign(r, c);
  parse_tifuknn(r, c.tifuknn);
  parse_itemknn(r, c.itemknn);
  parse_ease(r, c.ease, c.ease_max_bytes);
  parse_ranker(r, c);
  default_slot_model(r, c);
  check_slot_model(c, file + ": [campaign] model");
  parse_output(r, c);
  validate_topn_params(c.topn, file + ": [recommend]");
  return c;
}

RunConfig load_config(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path))
    throw InputError(fmt::format("{}: no such config file", path.string()));
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("{}: cannot read config file", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path);
}

namespace {

// The [model] keys of the best trial of an iALS sweep (iterations = its best epoch).
std::string best_ials_keys(const nlohmann::json& r) {
  const auto& p = r["best"]["params"];
  return fmt::format(
      "factors = {}\nregularization = {}\nalpha = {}\niterations = {}\ncg_steps = {}\n"
      "confidence = \"{}\"\n",
      p["factors"].get<int>(), p["regularization"].get<double>(), p["alpha"].get<double>(),
      std::max(1, r["best"]["best_epoch"].get<int>()), p["cg_steps"].get<int>(),
      p["confidence"].get<std::string>());
}

// The same for a BPR sweep (epochs = its best epoch).
std::string best_bpr_keys(const nlohmann::json& r) {
  const auto& p = r["best"]["params"];
  return fmt::format(
      "algorithm = \"bpr\"\nfactors = {}\nregularization = {}\nlearning_rate = {}\nepochs = {}\n"
      "negatives = \"{}\"\nlr_schedule = \"{}\"\nitem_bias = {}\nbias_regularization = {}\n"
      "seed = {}\n",
      p["factors"].get<int>(), p["regularization"].get<double>(),
      p["learning_rate"].get<double>(), std::max(1, r["best"]["best_epoch"].get<int>()),
      p["negatives"].get<std::string>(), p["lr_schedule"].get<std::string>(),
      p["item_bias"].get<bool>() ? "true" : "false", p["bias_regularization"].get<double>(),
      p["seed"].get<std::uint64_t>());
}

// A comment for the head of a --best file when popularity beat every trial of the sweep.
std::string popularity_warning(const nlohmann::json& r) {
  const auto c = r.value("best_against_popularity", nlohmann::json::object());
  if (!c.value("popularity_wins", false)) return {};
  return fmt::format("# Warning: popularity beats every trial on this split ({} {} against {}); "
                     "the most popular items recommend better than this model\n",
                     c.value("metric", std::string("?")), c.value("popularity", 0.0),
                     c.value("best", 0.0));
}

}  // namespace

void write_best_config(const std::filesystem::path& path, const nlohmann::json& r,
                       const std::optional<std::filesystem::path>& base_config) {
  toml::table root;
  if (base_config) {
    try {
      root = toml::parse_file(base_config->string());
    } catch (const toml::parse_error& e) {
      throw InputError(fmt::format("{}: {}", base_config->string(), e.description()));
    }
  } else {
    root.insert("input", toml::table{{"path", r["input"].get<std::string>()}});
    root.insert("output", toml::table{{"path", "out/recommendations.csv"}});
  }
  // The searched keys are written by hand so that numbers keep their shortest form (0.1, not
  // 0.10000000000000001); keys of the base config's [model] that were not searched stay, except
  // the other algorithm's (which the written algorithm would refuse).
  toml::table model;
  if (const toml::table* base = root["model"].as_table()) model = *base;
  root.erase("model");
  const bool bpr = r.value("algorithm", std::string("ials")) == "bpr";
  const std::string searched = bpr ? best_bpr_keys(r) : best_ials_keys(r);
  model.erase("algorithm");
  model.erase("factors");
  model.erase("regularization");
  if (bpr) model.erase("seed");  // written with the trial's
  for (const auto& key : kIalsOnlyKeys) model.erase(key);
  for (const auto& key : kBprOnlyKeys) model.erase(key);
  std::stringstream ss;
  ss << "# Best trial of `tailor sweep` (" << r["metric"].get<std::string>() << " = "
     << r["best"]["score"].get<double>() << " on split " << r["split"].value("spec", std::string("?"))
     << ", protocol " << r["protocol"].get<std::string>() << ")\n"
     << popularity_warning(r) << root << "\n\n[model]\n" << searched;
  if (!model.empty()) ss << model << "\n";
  // Check that `tailor run` accepts what was written.
  (void)parse_config(ss.str(), path);
  write_file_atomically(path, ss.str());
}

}  // namespace tailor
