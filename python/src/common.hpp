// What the binding files of the module `tailor._tailor` share: the fitted-model holder, numpy
// views over C++ vectors and the backend of a call.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/data/input.hpp"
#include "host/train/model.hpp"
#include "kernels/backend.hpp"

namespace tailor::py_bind {

namespace py = pybind11;

// A dataset as Python holds it: the interaction log with its matrices, shared by everything that
// refers to it (models fitted on it, numpy views of its columns).
using DataPtr = std::shared_ptr<LoadedInput>;

// A trained model, never changed after construction (a new fit makes a new one), so numpy views
// of its factors stay valid for as long as they live.
struct Fitted {
  Model model;
  DataPtr data;          // the training data; null for a model loaded from a file
  std::string backend;   // where it was trained ("cpu (2 threads)", "cuda:0 (...)")
  double seconds = 0.0;  // training time
};
using FittedPtr = std::shared_ptr<Fitted>;

// A read-only numpy array over `n` elements at `data`, kept alive by `owner` (no copy).
template <class T>
py::array view(const T* data, std::size_t n, py::handle owner) {
  py::array a(py::dtype::of<T>(), {n}, {sizeof(T)}, data, owner);
  a.attr("setflags")(py::arg("write") = false);
  return a;
}
template <class T>
py::array view(const std::vector<T>& v, py::handle owner) {
  return view(v.data(), v.size(), owner);
}

// The backend of --device / threads, as the CLI makes it (the choice logged in one line).
Backend make_call_backend(const std::string& device, int threads);

// Python sees contiguous arrays of exactly these types (pybind11 converts or copies others).
using Int64Array = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

// Lists padded to n: (items: lists x n int64, -1 past a short list's end; scores: lists x n
// float32, NaN there).
py::tuple padded_lists(const TopNResult& lists, int n);

void bind_data(py::module_& m);
void bind_matrix(py::module_& m);
void bind_models(py::module_& m);
void bind_lists(py::module_& m);
void bind_item_models(py::module_& m);
void bind_workflows(py::module_& m);
void bind_nightly(py::module_& m);

}  // namespace tailor::py_bind
