// A dataset from a scipy CSR matrix's arrays, read in place: indptr and indices of int32 or
// int64, data of float32 or float64, no converted copy of any of them. The engine's own
// customer x item matrix is the one copy; rows out of column order or with repeated columns are
// sorted and summed in that copy. Without `rows` the dataset keeps only the two matrices training
// and scoring use (no interaction log: half the memory, but nothing to split or write). Weights
// may be mapped on the way in (max(scale * w + shift, 0)), so that no mapped copy is needed.
#include <fmt/format.h>
#include <omp.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <numeric>

#include "host/core/device.hpp"
#include "host/core/error.hpp"
#include "host/train/fold_in.hpp"
#include "python/src/common.hpp"

namespace tailor::py_bind {
namespace {

constexpr const char* kSource = "from_csr";

// The arrays' kinds, read with the GIL held: the copies below run without it.
enum class Kind { i32, i64, f32, f64 };

Kind kind_of(const py::array& a, const char* name, bool floating) {
  if (a.ndim() != 1 || (a.flags() & py::array::c_style) == 0)
    throw InputError(fmt::format("{}: {} must be a contiguous 1-d array", kSource, name));
  const py::dtype t = a.dtype();
  if (!floating && t.is(py::dtype::of<std::int32_t>())) return Kind::i32;
  if (!floating && t.is(py::dtype::of<std::int64_t>())) return Kind::i64;
  if (floating && t.is(py::dtype::of<float>())) return Kind::f32;
  if (floating && t.is(py::dtype::of<double>())) return Kind::f64;
  throw InputError(fmt::format("{}: {} must be {}, not {}", kSource, name,
                               floating ? "float32 or float64" : "int32 or int64",
                               py::str(py::handle(t)).cast<std::string>()));
}

struct Arrays {
  const void *indptr, *indices, *data;
  Kind indptr_kind, indices_kind, data_kind;
  std::int64_t indptr_size, nnz;
  // Each stored weight w becomes max(scale * w + shift, 0) (the implicit facade's confidence).
  float scale = 1.0f, shift = 0.0f;
};

// Copies indptr (checked: starts at 0, never falls, ends at nnz) into m.indptr.
template <class I>
void copy_indptr(const Arrays& a, Csr& m) {
  const I* p = static_cast<const I*>(a.indptr);
  if (a.indptr_size != m.rows + 1)
    throw InputError(fmt::format("{}: indptr has {} entries, the matrix {} rows", kSource,
                                 a.indptr_size, m.rows));
  m.indptr.assign(p, p + a.indptr_size);
  if (m.indptr.front() != 0 || m.indptr.back() != a.nnz)
    throw InputError(fmt::format("{}: indptr runs from {} to {}, the matrix has {} entries",
                                 kSource, m.indptr.front(), m.indptr.back(), a.nnz));
  for (std::int64_t r = 0; r < m.rows; ++r)
    if (m.indptr[r + 1] < m.indptr[r])
      throw InputError(fmt::format("{}: indptr falls at row {} ({} after {})", kSource, r,
                                   m.indptr[r + 1], m.indptr[r]));
}

// Copies the column indices (checked against the shape) into m.indices.
template <class I>
void copy_indices(const Arrays& a, Csr& m) {
  const I* v = static_cast<const I*>(a.indices);
  m.indices.resize(static_cast<std::size_t>(a.nnz));
  for (std::size_t k = 0; k < m.indices.size(); ++k) {
    if (v[k] < 0 || static_cast<std::int64_t>(v[k]) >= m.cols)
      throw InputError(fmt::format("{}: entry {}: column {} is outside 0..{}", kSource, k,
                                   static_cast<std::int64_t>(v[k]), m.cols - 1));
    m.indices[k] = static_cast<std::uint32_t>(v[k]);
  }
}

// Copies the weights under the loader's quantity rule (finite, >= 0, within float32), mapped by
// a.scale and a.shift.
template <class T>
void copy_weights(const Arrays& a, Csr& m) {
  const T* v = static_cast<const T*>(a.data);
  const bool mapped = a.scale != 1.0f || a.shift != 0.0f;
  m.data.resize(static_cast<std::size_t>(a.nnz));
  for (std::size_t k = 0; k < m.data.size(); ++k) {
    if (const char* why = amount_problem(static_cast<double>(v[k]), false)) {
      const auto row = std::upper_bound(m.indptr.begin(), m.indptr.end(),
                                        static_cast<std::int64_t>(k)) - m.indptr.begin() - 1;
      throw InputError(fmt::format("{}: matrix.data: row {}, column {}: value {} {}", kSource,
                                   row, m.indices[k], static_cast<double>(v[k]), why));
    }
    const auto w = static_cast<float>(v[k]);
    m.data[k] = mapped ? std::max(a.scale * w + a.shift, 0.0f) : w;
  }
}

// Sorts row r's columns and sums repeated ones; returns the row's new length (written at its
// start).
std::int64_t canonical_row(Csr& m, std::int64_t r, std::vector<std::int64_t>& order) {
  const std::int64_t b = m.indptr[r], n = m.indptr[r + 1] - b;
  std::uint32_t* idx = m.indices.data() + b;
  float* w = m.data.data() + b;
  const auto rises = [](std::uint32_t x, std::uint32_t y) { return x >= y; };
  if (std::adjacent_find(idx, idx + n, rises) == idx + n) return n;  // strictly rising already
  order.resize(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](auto x, auto y) { return idx[x] < idx[y]; });
  std::vector<std::uint32_t> cols(static_cast<std::size_t>(n));
  std::vector<float> sums(static_cast<std::size_t>(n));
  std::int64_t out = -1;
  for (std::int64_t k : order) {
    if (out < 0 || cols[out] != idx[k]) cols[++out] = idx[k], sums[out] = 0.0f;
    sums[out] += w[k];
  }
  std::copy_n(cols.begin(), out + 1, idx);
  std::copy_n(sums.begin(), out + 1, w);
  return out + 1;
}

// Every row in column order without repeats (scipy's canonical format), compacted in place.
void make_canonical(Csr& m, int threads) {
  std::vector<std::int64_t> length(static_cast<std::size_t>(m.rows));
#pragma omp parallel num_threads(threads)
  {
    std::vector<std::int64_t> order;
#pragma omp for schedule(dynamic, 1024)
    for (std::int64_t r = 0; r < m.rows; ++r) length[r] = canonical_row(m, r, order);
  }
  std::int64_t to = 0;
  for (std::int64_t r = 0; r < m.rows; ++r) {
    const std::int64_t from = m.indptr[r];
    std::copy_n(m.indices.begin() + from, length[r], m.indices.begin() + to);
    std::copy_n(m.data.begin() + from, length[r], m.data.begin() + to);
    m.indptr[r] = to;
    to += length[r];
  }
  m.indptr[m.rows] = to;
  m.indices.resize(static_cast<std::size_t>(to));
  m.indices.shrink_to_fit();
  m.data.resize(static_cast<std::size_t>(to));
  m.data.shrink_to_fit();
}

Arrays arrays(const py::array& indptr, const py::array& indices, const py::array& data,
              float scale, float shift) {
  Arrays a{indptr.data(), indices.data(), data.data(), kind_of(indptr, "indptr", false),
           kind_of(indices, "indices", false), kind_of(data, "data", true), indptr.size(),
           data.size(), scale, shift};
  if (indices.size() != data.size())
    throw InputError(fmt::format("{}: indices has {} entries, data {}", kSource, indices.size(),
                                 data.size()));
  return a;
}

Csr copy_matrix(const Arrays& a, std::int64_t rows, std::int64_t cols, int threads) {
  Csr m;
  m.rows = rows;
  m.cols = cols;
  if (a.indptr_kind == Kind::i32) copy_indptr<std::int32_t>(a, m);
  else copy_indptr<std::int64_t>(a, m);
  if (a.indices_kind == Kind::i32) copy_indices<std::int32_t>(a, m);
  else copy_indices<std::int64_t>(a, m);
  if (a.data_kind == Kind::f32) copy_weights<float>(a, m);
  else copy_weights<double>(a, m);
  make_canonical(m, threads);
  return m;
}

// The log of a canonical matrix: one row per stored entry, its weight as the quantity.
InteractionLog log_of(const Csr& m) {
  InteractionLog log;
  log.customer.resize(m.indices.size());
  for (std::int64_t r = 0; r < m.rows; ++r)
    std::fill(log.customer.begin() + m.indptr[r], log.customer.begin() + m.indptr[r + 1],
              static_cast<std::uint32_t>(r));
  log.item = m.indices;
  log.quantity = m.data;
  return log;
}

DataPtr from_csr(const py::array& indptr, const py::array& indices, const py::array& data,
                 std::int64_t rows, std::int64_t cols, std::vector<std::string> customer_ids,
                 std::vector<std::string> item_ids, bool keep_rows, float scale, float shift,
                 int threads) {
  auto in = std::make_shared<LoadedInput>();
  const int t = resolve_threads(threads);
  const Arrays a = arrays(indptr, indices, data, scale, shift);
  {
    py::gil_scoped_release unlocked;
    Csr& m = in->matrices.customer_items;
    m = copy_matrix(a, rows, cols, t);
    if (m.nnz() == 0) throw InputError(fmt::format("{}: no interactions (the matrix stores no entries)", kSource));
    if (keep_rows) in->data.log = log_of(m);
    in->matrices.item_customers = transpose(m, t);
    in->matrices.fingerprint = data_fingerprint(m, customer_ids, item_ids);
  }
  in->data.format_version = kInteractionsFormatVersion;
  in->data.customer_ids = std::move(customer_ids);
  in->data.item_ids = std::move(item_ids);
  return in;
}

// Customer factor rows solved from the rows of a matrix with the model's item factors held
// fixed (implicit's recalculate_user): customers x factors float32.
py::array fold_in(const FittedPtr& f, const py::array& indptr, const py::array& indices,
                  const py::array& data, std::int64_t rows, float scale, float shift,
                  const std::string& device, int threads) {
  const Model& model = f->model;
  if (model.algorithm != "ials")
    throw InputError(fmt::format("fold-in: the model is {}; only iALS models solve new rows",
                                 model.algorithm));
  const Arrays a = arrays(indptr, indices, data, scale, shift);
  std::vector<float> x;
  {
    py::gil_scoped_release unlocked;
    const Csr history = copy_matrix(a, rows, model.items(), resolve_threads(threads));
    x = fold_in_customers(history, model.item_factors, model.params,
                          make_call_backend(device, threads));
  }
  const auto k = static_cast<py::ssize_t>(model.params.factors);
  py::array_t<float> out({static_cast<py::ssize_t>(rows), k});
  std::copy(x.begin(), x.end(), out.mutable_data());
  return out;
}

}  // namespace

void bind_matrix(py::module_& m) {
  m.def("fold_in", &fold_in, py::arg("model"), py::arg("indptr"), py::arg("indices"),
        py::arg("data"), py::arg("rows"), py::arg("scale"), py::arg("shift"), py::arg("device"),
        py::arg("threads"));
  m.def("from_csr", &from_csr, py::arg("indptr"), py::arg("indices"), py::arg("data"),
        py::arg("rows"), py::arg("cols"), py::arg("customer_ids"), py::arg("item_ids"),
        py::arg("keep_rows") = true, py::arg("scale") = 1.0f, py::arg("shift") = 0.0f,
        py::arg("threads") = 0);
}

}  // namespace tailor::py_bind
