// Top-N lists: a model's lists for the customers of a dataset (host/score/recommend.hpp, what
// `tailor recommend` writes), and the top-N of any query rows against any item rows on the
// run's backend (the implicit-compatible calls and similar items). Lists come back padded to n:
// item indices -1 and scores NaN past the end of a short list.
#include <fmt/format.h>
#include <pybind11/stl.h>

#include <limits>
#include <optional>
#include <unordered_map>

#include "host/core/error.hpp"
#include "host/score/history_lists.hpp"
#include "host/score/recommend.hpp"
#include "python/src/common.hpp"

namespace tailor::py_bind {
namespace {

using UInt32Array = py::array_t<std::uint32_t, py::array::c_style | py::array::forcecast>;

}  // namespace

py::tuple padded_lists(const TopNResult& l, int n) {
  const auto rows = static_cast<py::ssize_t>(l.customers());
  py::array_t<std::int64_t> items({rows, static_cast<py::ssize_t>(n)});
  py::array_t<float> scores({rows, static_cast<py::ssize_t>(n)});
  std::int64_t* it = items.mutable_data();
  float* sc = scores.mutable_data();
  std::fill(it, it + items.size(), -1);
  std::fill(sc, sc + scores.size(), std::numeric_limits<float>::quiet_NaN());
  for (py::ssize_t c = 0; c < rows; ++c)
    for (std::int64_t j = l.offsets[c]; j < l.offsets[c + 1]; ++j) {
      it[c * n + (j - l.offsets[c])] = l.items[j];
      sc[c * n + (j - l.offsets[c])] = l.scores[j];
    }
  return py::make_tuple(items, scores);
}

namespace {

// The data restricted to the given customers (by id, in that order), for recommend(): the ids
// and the customer x item matrix; recommend() reads nothing else.
struct Subset {
  Dataset data;
  InteractionMatrices matrices;
};

Subset customers_subset(const LoadedInput& in, const std::vector<std::string>& customers) {
  std::unordered_map<std::string_view, std::uint32_t> index;
  const auto& ids = in.data.customer_ids;
  for (std::size_t k = 0; k < ids.size(); ++k) index.emplace(ids[k], static_cast<std::uint32_t>(k));
  std::vector<std::uint32_t> rows;
  for (const std::string& c : customers) {
    auto it = index.find(c);
    if (it == index.end())
      throw InputError(fmt::format("recommend: customer '{}' is not in the data", c));
    rows.push_back(it->second);
  }
  Subset s;
  s.data.customer_ids = customers;
  s.data.item_ids = in.data.item_ids;
  s.matrices.customer_items = select_rows(in.matrices.customer_items, rows);
  return s;
}

// (model customer index per list, items, scores) for every customer of `data` (or the given
// ones) with history and factors, as `tailor recommend` lists them.
py::tuple recommend_lists(const Fitted& f, const DataPtr& given,
                          const std::optional<std::vector<std::string>>& customers, int n,
                          bool exclude_seen, const std::string& device, int threads) {
  const DataPtr data = given ? given : f.data;
  if (!data)
    throw InputError("recommend: this model was loaded from a file, so it has no data: pass "
                     "data= (the customers' interactions, whose items are excluded)");
  RecommendOptions o;
  o.topn.n = n;
  o.topn.exclude_seen = exclude_seen;
  validate_topn_params(o.topn, "recommend");
  Recommendations rec;
  {
    py::gil_scoped_release unlocked;
    const Backend backend = make_call_backend(device, threads);
    if (customers) {
      const Subset s = customers_subset(*data, *customers);
      rec = recommend(f.model, s.data, s.matrices, o, backend);
    } else {
      rec = recommend(f.model, data->data, data->matrices, o, backend);
    }
  }
  py::tuple lists = padded_lists(rec.lists, n);
  return py::make_tuple(py::array(py::cast(rec.customers)), lists[0], lists[1]);
}

// A history model read from its file (item kNN, EASE, TIFU-KNN), as `tailor recommend --model`
// scores it: (data customer index per list, the item ids its items index, items, scores) for
// every customer of `data` with history.
py::tuple recommend_history_lists(const Fitted& f, const DataPtr& data, int n, bool exclude_seen,
                                  const std::string& device, int threads) {
  if (!data)
    throw InputError("recommend: a history model loaded from a file scores the histories of "
                     "data=: pass the customers' interactions");
  RecommendOptions o;
  o.topn.n = n;
  o.topn.exclude_seen = exclude_seen;
  validate_topn_params(o.topn, "recommend");
  Recommendations rec;
  std::vector<std::string> item_ids;
  {
    py::gil_scoped_release unlocked;
    const Backend backend = make_call_backend(device, threads);
    rec = recommend_history(f.model, data->data, data->matrices, o, backend, nullptr);
    item_ids = list_ids(f.model, data->data).item_ids;
  }
  py::tuple lists = padded_lists(rec.lists, n);
  return py::make_tuple(py::array(py::cast(rec.customers)), item_ids, lists[0], lists[1]);
}

std::int64_t shape(const py::array& a, int dim) { return static_cast<std::int64_t>(a.shape(dim)); }

void check_matrix(const py::array& a, const char* name) {
  if (a.ndim() != 2)
    throw InputError(fmt::format("top-N: {} must be a 2-D array, got {} dimensions", name, a.ndim()));
}

// `seen` as a view after checking it: rows x cols, indptr from 0 and non-decreasing, columns
// strictly ascending within a row and below cols.
CsrView seen_view(const Int64Array& indptr, const UInt32Array& indices, std::int64_t rows,
                  std::int64_t cols) {
  if (shape(indptr, 0) != rows + 1)
    throw InputError(fmt::format("top-N: the seen matrix has {} rows, the queries {}",
                                 shape(indptr, 0) - 1, rows));
  const std::int64_t* p = indptr.data();
  const std::uint32_t* ix = indices.data();
  if (p[0] != 0 || p[rows] != shape(indices, 0))
    throw InputError("top-N: the seen matrix's indptr does not span its indices");
  for (std::int64_t r = 0; r < rows; ++r) {
    if (p[r + 1] < p[r]) throw InputError(fmt::format("top-N: seen row {}: indptr decreases", r));
    for (std::int64_t j = p[r]; j < p[r + 1]; ++j)
      if (ix[j] >= cols || (j > p[r] && ix[j] <= ix[j - 1]))
        throw InputError(fmt::format("top-N: seen row {}: column {} is out of range or out of "
                                     "order (columns must be ascending, below {})", r, ix[j], cols));
  }
  return {rows, cols, p, ix, nullptr};
}

// Each query row's top-n item rows by dot product; the items of its `seen` row excluded.
py::tuple topn_rows(const FloatArray& queries, const FloatArray& items,
                    const std::optional<Int64Array>& seen_indptr,
                    const std::optional<UInt32Array>& seen_indices, int n,
                    const std::string& device, int threads) {
  check_matrix(queries, "queries");
  check_matrix(items, "items");
  if (shape(queries, 1) != shape(items, 1))
    throw InputError(fmt::format("top-N: queries have {} factors, items {}", shape(queries, 1),
                                 shape(items, 1)));
  if (seen_indptr.has_value() != seen_indices.has_value())
    throw InputError("top-N: give both seen_indptr and seen_indices, or neither");
  TopNParams p;
  p.n = n;
  p.exclude_seen = seen_indptr.has_value();
  validate_topn_params(p, "recommend");
  const int k = static_cast<int>(shape(items, 1));
  const FactorsView q{queries.data(), shape(queries, 0), k}, y{items.data(), shape(items, 0), k};
  std::optional<CsrView> seen;
  if (seen_indptr) seen = seen_view(*seen_indptr, *seen_indices, q.rows, y.rows);
  TopNResult lists;
  {
    py::gil_scoped_release unlocked;
    lists = make_call_backend(device, threads).topn(q, y, seen ? &*seen : nullptr, p);
  }
  return padded_lists(lists, n);
}

}  // namespace

void bind_lists(py::module_& m) {
  m.def("recommend", &recommend_lists, py::arg("model"), py::arg("data"), py::arg("customers"),
        py::arg("n"), py::arg("exclude_seen"), py::arg("device"), py::arg("threads"));
  m.def("recommend_history", &recommend_history_lists, py::arg("model"), py::arg("data"),
        py::arg("n"), py::arg("exclude_seen"), py::arg("device"), py::arg("threads"));
  m.def("topn", &topn_rows, py::arg("queries"), py::arg("items"), py::arg("seen_indptr"),
        py::arg("seen_indices"), py::arg("n"), py::arg("device"), py::arg("threads"));
}

}  // namespace tailor::py_bind
