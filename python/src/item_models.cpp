// The history models of `tailor evaluate --models`: item kNN, EASE and TIFU-KNN, fitted on a
// dataset (host/train/item_models.hpp, tifuknn.hpp) and scored from each customer's own
// history in that dataset, with the evaluation's scoring functions.
#include <fmt/format.h>
#include <pybind11/stl.h>

#include <optional>

#include "host/core/device.hpp"
#include "host/core/error.hpp"
#include "host/data/ids.hpp"
#include "host/score/recommend.hpp"
#include "host/train/item_models.hpp"
#include "host/train/model.hpp"
#include "host/train/tifuknn.hpp"
#include "python/src/common.hpp"

namespace tailor::py_bind {
namespace {

// A fitted history model; the fields of the other algorithms stay empty.
struct ItemFitted {
  std::string algorithm;  // "itemknn", "ease" or "tifuknn"
  DataPtr data;           // the training data: its items are the model's
  ItemKnnModel knn;
  EaseModel ease;
  TifuKnnParams tifu;
  Csr personal;           // TIFU-KNN's personal vectors, one row per customer of data
  double seconds = 0.0;
};
using ItemFittedPtr = std::shared_ptr<ItemFitted>;

ItemFittedPtr fit_knn(const DataPtr& data, const ItemKnnParams& p, const std::string& device,
                      int threads) {
  validate_item_knn_params(p, "ItemKNN");
  auto f = std::make_shared<ItemFitted>();
  f->algorithm = "itemknn";
  f->data = data;
  py::gil_scoped_release unlocked;
  f->knn = fit_item_knn(data->matrices.customer_items, p, make_call_backend(device, threads));
  f->seconds = f->knn.seconds;
  return f;
}

ItemFittedPtr fit_ease_model(const DataPtr& data, const EaseParams& p, std::size_t max_bytes,
                             const std::string& device, int threads) {
  validate_ease_params(p, "EASE");
  auto f = std::make_shared<ItemFitted>();
  f->algorithm = "ease";
  f->data = data;
  py::gil_scoped_release unlocked;
  f->ease = fit_ease(data->matrices.customer_items, p, max_bytes,
                     make_call_backend(device, threads));
  f->seconds = f->ease.seconds;
  return f;
}

ItemFittedPtr fit_tifu(const DataPtr& data, const TifuKnnParams& p) {
  validate_tifuknn_params(p);
  auto f = std::make_shared<ItemFitted>();
  f->algorithm = "tifuknn";
  f->data = data;
  f->tifu = p;
  py::gil_scoped_release unlocked;
  const std::vector<bool> every_row(static_cast<std::size_t>(data->data.log.size()), true);
  f->personal = tifu_personal_vectors(data->data, every_row, p);
  return f;
}

// The rows of `data` to list: every customer with history, or the given ids in that order.
std::vector<std::uint32_t> rows_to_list(const LoadedInput& data,
                                        const std::optional<std::vector<std::string>>& customers) {
  std::vector<std::uint32_t> rows;
  const Csr& m = data.matrices.customer_items;
  if (!customers) {
    for (std::int64_t c = 0; c < m.rows; ++c)
      if (m.indptr[c + 1] > m.indptr[c]) rows.push_back(static_cast<std::uint32_t>(c));
    return rows;
  }
  const IdIndex index = index_of(data.data.customer_ids);
  for (const std::string& c : *customers) {
    auto it = index.find(c);
    if (it == index.end())
      throw InputError(fmt::format("recommend: customer '{}' is not in the data", c));
    rows.push_back(it->second);
  }
  return rows;
}

TopNResult score(const ItemFitted& f, const LoadedInput& data,
                 const std::vector<std::uint32_t>& rows, const TopNParams& topn, int threads) {
  const Csr profiles = select_rows(data.matrices.customer_items, rows);
  const CsrView view = profiles.view();
  const CsrView* seen = topn.exclude_seen ? &view : nullptr;
  if (f.algorithm == "itemknn")
    return cpu_item_knn_topn(f.knn.neighbours, view, seen, f.knn.params, topn, threads).lists;
  if (f.algorithm == "ease")
    return cpu_ease_topn(f.ease.weights, view, seen, f.ease.params, topn, threads);
  return tifuknn_lists(f.personal, rows, topn.exclude_seen ? &data.matrices.customer_items : nullptr,
                       topn.n, f.tifu, threads);
}

// (data customer index per list, items, scores), padded as lists.cpp pads them.
py::tuple recommend_items(const ItemFitted& f, const DataPtr& given,
                          const std::optional<std::vector<std::string>>& customers, int n,
                          bool exclude_seen, int threads) {
  const DataPtr data = given ? given : f.data;
  if (data->data.item_ids != f.data->data.item_ids)
    throw InputError("recommend: the data's items differ from those the model was fitted on; "
                     "a history model scores the items of its training data");
  if (f.algorithm == "tifuknn" && data != f.data)
    throw InputError("recommend: TIFU-KNN lists the customers of the data it was fitted on");
  TopNParams topn;
  topn.n = n;
  topn.exclude_seen = exclude_seen;
  validate_topn_params(topn, "recommend");
  std::vector<std::uint32_t> rows;
  TopNResult lists;
  {
    py::gil_scoped_release unlocked;
    rows = rows_to_list(*data, customers);
    lists = score(f, *data, rows, topn, resolve_threads(threads));
  }
  py::tuple out = padded_lists(lists, n);
  return py::make_tuple(py::array(py::cast(rows)), out[0], out[1]);
}

// The model file of `tailor train --algorithm NAME` (docs/model-format.md#history-models).
void save_item_model(const ItemFitted& f, const std::string& path) {
  Model m;
  m.algorithm = f.algorithm;
  m.params.factors = 0;
  m.customer_ids = f.data->data.customer_ids;
  m.item_ids = f.data->data.item_ids;
  m.data_fingerprint = f.data->matrices.fingerprint;
  m.training_input = f.data->path.string();
  m.history.itemknn = f.knn.params;
  m.history.ease = f.ease.params;
  m.history.tifuknn = f.tifu;
  m.neighbours = f.knn.neighbours;
  m.ease_weights = f.ease.weights;
  py::gil_scoped_release unlocked;
  save_model(path, m);
}

void bind_params(py::module_& m) {
  py::class_<ItemKnnParams>(m, "ItemKnnParams", "Item kNN parameters (--knn-* flags).")
      .def(py::init<>())
      .def_readwrite("neighbours", &ItemKnnParams::neighbours)
      .def_readwrite("shrinkage", &ItemKnnParams::shrinkage)
      .def_readwrite("bm25_k1", &ItemKnnParams::bm25_k1)
      .def_readwrite("bm25_b", &ItemKnnParams::bm25_b)
      .def_readwrite("weighted_scores", &ItemKnnParams::weighted_scores)
      .def_property(
          "weighting", [](const ItemKnnParams& p) { return std::string(to_string(p.weighting)); },
          [](ItemKnnParams& p, const std::string& s) { p.weighting = parse_knn_weighting(s); });
  py::class_<EaseParams>(m, "EaseParams", "EASE parameters (--ease-* flags).")
      .def(py::init<>())
      .def_readwrite("regularization", &EaseParams::regularization)
      .def_readwrite("weighted", &EaseParams::weighted);
  py::class_<TifuKnnParams>(m, "TifuKnnParams", "TIFU-KNN parameters (--tifu-* flags).")
      .def(py::init<>())
      .def_readwrite("group_size", &TifuKnnParams::group_size)
      .def_readwrite("within_decay", &TifuKnnParams::within_decay)
      .def_readwrite("across_decay", &TifuKnnParams::across_decay)
      .def_readwrite("neighbours", &TifuKnnParams::neighbours)
      .def_readwrite("alpha", &TifuKnnParams::alpha)
      .def_readwrite("basket_window", &TifuKnnParams::basket_window);
}

}  // namespace

void bind_item_models(py::module_& m) {
  bind_params(m);
  py::class_<ItemFitted, ItemFittedPtr>(m, "ItemFitted", "A fitted history model.")
      .def_property_readonly("algorithm", [](const ItemFitted& f) { return f.algorithm; })
      .def_property_readonly("seconds", [](const ItemFitted& f) { return f.seconds; })
      .def_property_readonly("data", [](const ItemFitted& f) { return f.data; });
  m.def("fit_itemknn", &fit_knn, py::arg("data"), py::arg("params"), py::arg("device"),
        py::arg("threads"));
  m.def("fit_ease", &fit_ease_model, py::arg("data"), py::arg("params"), py::arg("max_bytes"),
        py::arg("device"), py::arg("threads"));
  m.def("fit_tifuknn", &fit_tifu, py::arg("data"), py::arg("params"));
  m.def("save_item_model", &save_item_model, py::arg("model"), py::arg("path"));
  m.def("recommend_items", &recommend_items, py::arg("model"), py::arg("data"),
        py::arg("customers"), py::arg("n"), py::arg("exclude_seen"), py::arg("threads"));
}

}  // namespace tailor::py_bind
