// Workflows: `tailor evaluate` on a dataset, with the models the package describes, returning
// the evaluation's JSON document (what --json writes) and its table (what it prints).
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <optional>

#include "host/eval/evaluate.hpp"
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
  ItemModelOptions& m = o.item_models;
  m.itemknn = a.itemknn.has_value();
  if (a.itemknn) m.knn = *a.itemknn;
  m.ease = a.ease.has_value();
  if (a.ease) m.ease_params = *a.ease;
  m.ease_max_bytes = a.ease_max_bytes;
  m.tifuknn = a.tifuknn.has_value();
  if (a.tifuknn) m.tifu = *a.tifuknn;
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

}  // namespace

void bind_workflows(py::module_& m) {
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
