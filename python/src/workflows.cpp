// Workflows: `tailor evaluate` and `tailor sweep` on a dataset, with the models the package
// describes, returning the JSON document --json writes and the table the CLI prints.
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <fmt/format.h>

#include <map>
#include <optional>

#include "host/core/error.hpp"
#include "host/eval/evaluate.hpp"
#include "host/eval/sweep.hpp"
#include "host/eval/sweep_lists.hpp"
#include "host/report/report.hpp"
#include "host/train/train.hpp"
#include "python/src/common.hpp"

namespace tailor::py_bind {
namespace {

// What `tailor evaluate` takes from its flags; a model is evaluated when its parameters are set.
struct EvaluateArgs {
  std::string split, protocol = "new", cold_start = "popularity";
  std::uint64_t split_seed = 42;
  std::vector<int> ks = {10, 20};
  bool epoch_metrics = true;
  std::optional<IalsParams> ials;
  std::optional<BprParams> bpr;
  std::optional<ItemKnnParams> itemknn;
  std::optional<EaseParams> ease;
  std::size_t ease_max_bytes = kDefaultEaseMaxBytes;
  std::optional<TifuKnnParams> tifuknn;
  std::optional<std::filesystem::path> report;  // the HTML report, when set
};

// The history models' parameters of the args (the defaults where unset).
ItemModelOptions item_model_options(const EvaluateArgs& a) {
  ItemModelOptions m;
  m.itemknn = a.itemknn.has_value();
  if (a.itemknn) m.knn = *a.itemknn;
  m.ease = a.ease.has_value();
  if (a.ease) m.ease_params = *a.ease;
  m.ease_max_bytes = a.ease_max_bytes;
  m.tifuknn = a.tifuknn.has_value();
  if (a.tifuknn) m.tifu = *a.tifuknn;
  return m;
}

EvaluateOptions evaluate_options(const EvaluateArgs& a) {
  EvaluateOptions o;
  o.split = parse_split(a.split, a.split_seed);
  o.ks = a.ks;
  o.protocol = parse_protocol(a.protocol);
  o.cold_start = parse_cold_start(a.cold_start);
  o.per_epoch_metrics = a.epoch_metrics;
  o.train_ials = a.ials.has_value();
  if (a.ials) o.ials = *a.ials;
  validate_ials_params(o.ials, "evaluate");
  o.train_bpr = a.bpr.has_value();
  if (a.bpr) o.bpr = *a.bpr;
  validate_bpr_params(o.bpr, "evaluate");
  o.item_models = item_model_options(a);
  return o;
}

// (the evaluation as JSON text, its table as the CLI prints it)
py::tuple evaluate_data(const DataPtr& data, const EvaluateArgs& a, const std::string& device,
                        int threads) {
  std::string json, table;
  {
    py::gil_scoped_release unlocked;
    const EvaluateOptions o = evaluate_options(a);
    const nlohmann::json result = evaluate(data->data, o, make_call_backend(device, threads));
    if (a.report) write_report(*a.report, result);
    json = result.dump();
    table = format_evaluation(result);
  }
  return py::make_tuple(json, table);
}

// What `tailor sweep` takes beyond evaluate's split and cutoffs: the model to tune (its base
// parameters in the EvaluateArgs slot of the same name), the grid and the search's knobs.
struct SweepArgs {
  std::string model = "ials", metric;
  std::vector<std::pair<std::string, std::vector<double>>> grid;  // knob -> values, in order
  int random_trials = 0, patience = 3;
  std::uint64_t seed = 42;
};

[[noreturn]] void unknown_knob(const std::string& model, const std::string& knob,
                               const char* knobs) {
  throw InputError(fmt::format("sweep: {} has no grid knob '{}'; it searches {}", model, knob,
                               knobs));
}

template <class T>
std::vector<T> values_as(const std::vector<double>& v) {
  return {v.begin(), v.end()};
}

void ials_grid(const SweepArgs& s, SweepSpace& space) {
  for (const auto& [knob, v] : s.grid) {
    if (knob == "factors") space.factors = values_as<int>(v);
    else if (knob == "regularization") space.regularization = values_as<float>(v);
    else if (knob == "alpha") space.alpha = values_as<float>(v);
    else if (knob == "iterations") space.iterations = values_as<int>(v);
    else unknown_knob("IALS", knob, "factors, regularization, alpha, iterations");
  }
}

void bpr_grid(const SweepArgs& s, BprSweepSpace& space) {
  for (const auto& [knob, v] : s.grid) {
    if (knob == "factors") space.factors = values_as<int>(v);
    else if (knob == "regularization") space.regularization = values_as<float>(v);
    else if (knob == "learning_rate") space.learning_rate = values_as<float>(v);
    else if (knob == "epochs") space.epochs = values_as<int>(v);
    else if (knob == "item_bias") space.item_bias = values_as<bool>(v);
    else if (knob == "bias_regularization") space.bias_regularization = values_as<float>(v);
    else unknown_knob("BPR", knob, "factors, regularization, learning_rate, epochs, item_bias, "
                      "bias_regularization");
  }
}

// What both kinds of sweep options take from the args: the split, cutoffs and search knobs.
template <class Options>
Options sweep_basics(const EvaluateArgs& e, const SweepArgs& s) {
  Options o;
  o.split = parse_split(e.split, e.split_seed);
  o.protocol = parse_protocol(e.protocol);
  o.ks = e.ks;
  o.cold_start = parse_cold_start(e.cold_start);
  o.metric = s.metric;
  o.random_trials = s.random_trials;
  o.seed = s.seed;
  return o;
}

SweepOptions factor_sweep_options(const EvaluateArgs& e, const SweepArgs& s) {
  auto o = sweep_basics<SweepOptions>(e, s);
  o.patience = s.patience;
  o.algorithm = s.model;
  if (e.ials) o.base = *e.ials;
  if (e.bpr) o.bpr_base = *e.bpr;
  if (s.model == "bpr") bpr_grid(s, o.bpr_space);
  else ials_grid(s, o.space);
  return o;
}

ListSweepOptions list_sweep_options(const EvaluateArgs& e, const SweepArgs& s) {
  auto o = sweep_basics<ListSweepOptions>(e, s);
  o.model = s.model;
  o.base = item_model_options(e);
  o.axes.assign(s.grid.begin(), s.grid.end());
  default_sweep_axes(o.model);  // InputError for an unknown model
  return o;
}

// (the sweep as JSON text, its table as the CLI prints it)
py::tuple sweep_data(const DataPtr& data, const EvaluateArgs& e, const SweepArgs& s,
                     const std::string& device, int threads) {
  std::string json, table;
  {
    py::gil_scoped_release unlocked;
    const bool factors = s.model == "ials" || s.model == "bpr";
    const Backend backend = make_call_backend(device, threads);
    const nlohmann::json result =
        factors ? sweep(data->data, factor_sweep_options(e, s), backend)
                : sweep_lists(data->data, list_sweep_options(e, s), backend);
    if (e.report) write_report(*e.report, result);
    json = result.dump();
    table = factors ? format_sweep(result) : format_list_sweep(result);
  }
  return py::make_tuple(json, table);
}

}  // namespace

void bind_workflows(py::module_& m) {
  py::class_<SweepArgs>(m, "SweepArgs", "tailor sweep's search flags.")
      .def(py::init<>())
      .def_readwrite("model", &SweepArgs::model)
      .def_readwrite("metric", &SweepArgs::metric)
      .def_readwrite("grid", &SweepArgs::grid)
      .def_readwrite("random_trials", &SweepArgs::random_trials)
      .def_readwrite("patience", &SweepArgs::patience)
      .def_readwrite("seed", &SweepArgs::seed);
  m.def("sweep", &sweep_data, py::arg("data"), py::arg("args"), py::arg("sweep"),
        py::arg("device"), py::arg("threads"));
  py::class_<EvaluateArgs>(m, "EvaluateArgs", "tailor evaluate's flags.")
      .def(py::init<>())
      .def_readwrite("split", &EvaluateArgs::split)
      .def_readwrite("split_seed", &EvaluateArgs::split_seed)
      .def_readwrite("protocol", &EvaluateArgs::protocol)
      .def_readwrite("cold_start", &EvaluateArgs::cold_start)
      .def_readwrite("ks", &EvaluateArgs::ks)
      .def_readwrite("epoch_metrics", &EvaluateArgs::epoch_metrics)
      .def_readwrite("ials", &EvaluateArgs::ials)
      .def_readwrite("bpr", &EvaluateArgs::bpr)
      .def_readwrite("itemknn", &EvaluateArgs::itemknn)
      .def_readwrite("ease", &EvaluateArgs::ease)
      .def_readwrite("ease_max_bytes", &EvaluateArgs::ease_max_bytes)
      .def_readwrite("tifuknn", &EvaluateArgs::tifuknn)
      .def_readwrite("report", &EvaluateArgs::report);
  m.def("evaluate", &evaluate_data, py::arg("data"), py::arg("args"), py::arg("device"),
        py::arg("threads"));
}

}  // namespace tailor::py_bind
