// The module tailor._tailor: errors, version and logging; the data, models and lists are bound
// in data.cpp, models.cpp and lists.cpp. The Python package (python/tailor) wraps it.
#include <spdlog/spdlog.h>

#include "host/core/device.hpp"
#include "host/core/error.hpp"
#include "python/src/common.hpp"

namespace tailor::py_bind {

Backend make_call_backend(const std::string& device, int threads) {
  return make_backend(parse_device(device), threads);
}

namespace {

void set_log_level(const std::string& level) {
  const auto l = spdlog::level::from_str(level);
  // from_str answers "off" for any name it does not know.
  if (l == spdlog::level::off && level != "off")
    throw InputError("log level '" + level + "': use trace, debug, info, warn, error or off");
  spdlog::set_level(l);
}

void bind_errors(py::module_& m) {
  // Bad input is a ValueError, a failure while working a RuntimeError; both keep the message the
  // CLI prints.
  py::register_exception<InputError>(m, "InputError", PyExc_ValueError);
  py::register_exception<RunError>(m, "RunError", PyExc_RuntimeError);
}

}  // namespace

}  // namespace tailor::py_bind

PYBIND11_MODULE(_tailor, m) {
  using namespace tailor::py_bind;
  m.doc() = "tailor's C++ engine (use the package `tailor`, which wraps this module)";
  m.attr("__version__") = TAILOR_VERSION;
  m.attr("cuda_built") = tailor::cuda_built();
  bind_errors(m);
  m.def("set_log_level", &set_log_level, py::arg("level"),
        "The engine's log level on stderr: trace, debug, info, warn (the default), error, off.");
  m.def("cuda_devices", &tailor::cuda_device_count, "Usable CUDA devices (0 without a CUDA build).");
  spdlog::set_level(spdlog::level::warn);
  bind_data(m);
  bind_matrix(m);
  bind_models(m);
  bind_lists(m);
  bind_item_models(m);
  bind_workflows(m);
  bind_nightly(m);
}
