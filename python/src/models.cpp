// Models: iALS and BPR trained by the CLI's trainers, their parameters, the model file, and numpy
// views of the factors.
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <functional>

#include "host/train/train.hpp"
#include "host/train/train_bpr.hpp"
#include "python/src/common.hpp"

namespace tailor::py_bind {
namespace {

py::dict ials_epoch(const EpochReport& e) {
  py::dict d;
  d["epoch"] = e.epoch;
  d["seconds"] = e.seconds;
  d["objective"] = e.objective.total;
  d["normalized_objective"] = e.objective.normalized;
  return d;
}

py::dict bpr_epoch(const BprEpochReport& e) {
  py::dict d;
  d["epoch"] = e.epoch;
  d["seconds"] = e.seconds;
  d["loss"] = e.train.loss;
  d["accuracy"] = e.train.accuracy;
  d["learning_rate"] = e.train.learning_rate;
  d["objective_loss"] = e.objective.loss;
  d["objective_accuracy"] = e.objective.accuracy;
  return d;
}

// After each epoch, with the GIL: Ctrl-C stops training (KeyboardInterrupt), then the Python
// callback, if any, gets the epoch's figures; an exception it raises stops training too.
template <class Report>
std::function<void(const Report&)> epoch_hook(const py::object& callback,
                                              py::dict (*describe)(const Report&)) {
  return [&callback, describe](const Report& r) {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (!callback.is_none()) callback(describe(r));
  };
}

FittedPtr fit_ials(const DataPtr& data, const IalsParams& p, bool objective,
                   const std::string& device, int threads, const py::object& callback) {
  validate_ials_params(p, "IALS");
  TrainOptions o;
  o.ials = p;
  o.report_objective = objective;
  o.on_epoch = epoch_hook<EpochReport>(callback, &ials_epoch);
  auto f = std::make_shared<Fitted>();
  f->data = data;
  py::gil_scoped_release unlocked;
  TrainResult r;
  f->model = train_model(*data, o, make_call_backend(device, threads), &r);
  f->backend = r.backend;
  f->seconds = r.seconds;
  return f;
}

FittedPtr fit_bpr(const DataPtr& data, const BprParams& p, bool objective,
                  const std::string& device, int threads, const py::object& callback) {
  validate_bpr_params(p, "BPR");
  BprTrainOptions o;
  o.bpr = p;
  o.report_objective = objective;
  o.on_epoch = epoch_hook<BprEpochReport>(callback, &bpr_epoch);
  auto f = std::make_shared<Fitted>();
  f->data = data;
  py::gil_scoped_release unlocked;
  TrainResult r;
  f->model = train_bpr_model(*data, o, make_call_backend(device, threads), &r);
  f->backend = r.backend;
  f->seconds = r.seconds;
  return f;
}

void save(const Fitted& f, const std::filesystem::path& path) {
  py::gil_scoped_release unlocked;
  save_model(path, f.model);
}

FittedPtr load(const std::filesystem::path& path) {
  auto f = std::make_shared<Fitted>();
  py::gil_scoped_release unlocked;
  f->model = load_model(path);
  return f;
}

// rows x cols float32 factors behind `self`, read-only, without a copy.
py::array factors(py::object self, bool customers) {
  const Model& m = self.cast<const Fitted&>().model;
  const std::vector<float>& v = customers ? m.customer_factors : m.item_factors;
  const auto rows = static_cast<py::ssize_t>(customers ? m.customers() : m.items());
  const auto cols = static_cast<py::ssize_t>(m.params.factors);
  py::array a(py::dtype::of<float>(), {rows, cols},
              {cols * static_cast<py::ssize_t>(sizeof(float)), py::ssize_t{sizeof(float)}},
              v.data(), self);
  a.attr("setflags")(py::arg("write") = false);
  return a;
}

void bind_ials_params(py::module_& m) {
  py::class_<IalsParams>(m, "IalsParams", "iALS training parameters (tailor train's flags).")
      .def(py::init<>())
      .def_readwrite("factors", &IalsParams::factors)
      .def_readwrite("regularization", &IalsParams::regularization)
      .def_readwrite("alpha", &IalsParams::alpha)
      .def_readwrite("iterations", &IalsParams::iterations)
      .def_readwrite("cg_steps", &IalsParams::cg_steps)
      .def_readwrite("log_epsilon", &IalsParams::log_epsilon)
      .def_readwrite("seed", &IalsParams::seed)
      .def_property(
          "confidence", [](const IalsParams& p) { return std::string(to_string(p.scaling)); },
          [](IalsParams& p, const std::string& s) { p.scaling = parse_scaling(s); });
}

void bind_bpr_params(py::module_& m) {
  py::class_<BprParams>(m, "BprParams", "BPR training parameters (tailor train's BPR flags).")
      .def(py::init<>())
      .def_readwrite("factors", &BprParams::factors)
      .def_readwrite("learning_rate", &BprParams::learning_rate)
      .def_readwrite("regularization", &BprParams::regularization)
      .def_readwrite("epochs", &BprParams::epochs)
      .def_readwrite("item_bias", &BprParams::item_bias)
      .def_readwrite("bias_regularization", &BprParams::bias_regularization)
      .def_readwrite("seed", &BprParams::seed)
      .def_property(
          "negatives", [](const BprParams& p) { return std::string(to_string(p.negatives)); },
          [](BprParams& p, const std::string& s) { p.negatives = parse_negatives(s); })
      .def_property(
          "lr_schedule", [](const BprParams& p) { return std::string(to_string(p.schedule)); },
          [](BprParams& p, const std::string& s) { p.schedule = parse_schedule(s); });
}

#define TAILOR_MODEL(member) [](const Fitted& f) { return f.model.member; }

void bind_fitted(py::module_& m) {
  py::class_<Fitted, FittedPtr>(m, "Fitted", "A trained model (never changed).")
      .def_property_readonly("algorithm", TAILOR_MODEL(algorithm))
      .def_property_readonly("ials", TAILOR_MODEL(params))
      .def_property_readonly("bpr", TAILOR_MODEL(bpr))
      .def_property_readonly("itemknn", TAILOR_MODEL(history.itemknn))
      .def_property_readonly("ease", TAILOR_MODEL(history.ease))
      .def_property_readonly("tifuknn", TAILOR_MODEL(history.tifuknn))
      .def_property_readonly("width", TAILOR_MODEL(params.factors))
      .def_property_readonly("customer_ids", TAILOR_MODEL(customer_ids))
      .def_property_readonly("item_ids", TAILOR_MODEL(item_ids))
      .def_property_readonly("objective", TAILOR_MODEL(objective))
      .def_property_readonly("epoch_seconds", TAILOR_MODEL(epoch_seconds))
      .def_property_readonly("data_fingerprint", TAILOR_MODEL(data_fingerprint))
      .def_property_readonly("training_input", TAILOR_MODEL(training_input))
      .def_property_readonly("created_at", TAILOR_MODEL(created_at))
      .def_property_readonly("tailor_version", TAILOR_MODEL(tailor_version))
      .def_property_readonly("backend", [](const Fitted& f) { return f.backend; })
      .def_property_readonly("seconds", [](const Fitted& f) { return f.seconds; })
      .def_property_readonly("data", [](const Fitted& f) { return f.data; })
      .def_property_readonly("customer_factors", [](py::object s) { return factors(s, true); })
      .def_property_readonly("item_factors", [](py::object s) { return factors(s, false); });
}

}  // namespace

void bind_models(py::module_& m) {
  bind_ials_params(m);
  bind_bpr_params(m);
  bind_fitted(m);
  m.def("fit_ials", &fit_ials, py::arg("data"), py::arg("params"), py::arg("objective"),
        py::arg("device"), py::arg("threads"), py::arg("callback"));
  m.def("fit_bpr", &fit_bpr, py::arg("data"), py::arg("params"), py::arg("objective"),
        py::arg("device"), py::arg("threads"), py::arg("callback"));
  m.def("save_model", &save, py::arg("model"), py::arg("path"));
  m.def("load_model", &load, py::arg("path"));
}

}  // namespace tailor::py_bind
