// Datasets: loaded from the HDF5 contract (the CLI's loader), built from columns that the
// package took out of a DataFrame or a scipy matrix, written back, split, and read as numpy views.
#include <fmt/format.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <optional>

#include "host/core/device.hpp"
#include "host/core/error.hpp"
#include "host/data/dataset.hpp"
#include "host/eval/split.hpp"
#include "python/src/common.hpp"

namespace tailor::py_bind {
namespace {

// The columns of a log in memory, as the package hands them over: ids already dictionary-encoded
// (codes index the id lists), times in unix seconds. Each message starts with `source`.
struct Columns {
  std::string source = "from_columns";
  std::vector<std::string> customer_ids, item_ids, event_names;
  Int64Array customer, item;
  std::optional<Int64Array> time, event;
  std::optional<DoubleArray> quantity, value;
  std::string quantity_name = "quantity", value_name = "value";  // how messages name them
  // Item metadata, one entry per item id: category codes into item_category_names (-1: none),
  // display names, unit prices (NaN: unknown).
  std::optional<Int64Array> item_category;
  std::vector<std::string> item_category_names, item_name;
  std::optional<DoubleArray> item_price;
};

std::vector<std::uint32_t> codes(const Int64Array& a, std::size_t ids, const std::string& where) {
  const std::int64_t* v = a.data();
  std::vector<std::uint32_t> out(static_cast<std::size_t>(a.size()));
  for (std::size_t k = 0; k < out.size(); ++k) {
    if (v[k] < 0 || static_cast<std::size_t>(v[k]) >= ids)
      throw InputError(fmt::format("{}: row {}: code {} is outside 0..{}", where, k, v[k],
                                   static_cast<std::int64_t>(ids) - 1));
    out[k] = static_cast<std::uint32_t>(v[k]);
  }
  return out;
}

// Float32 amounts under the loader's rule (amount_problem), the first bad row named.
std::vector<float> amounts(const DoubleArray& a, bool allow_negative, const std::string& where) {
  const double* v = a.data();
  std::vector<float> out(static_cast<std::size_t>(a.size()));
  for (std::size_t k = 0; k < out.size(); ++k) {
    if (const char* why = amount_problem(v[k], allow_negative))
      throw InputError(fmt::format("{}: row {}: value {} {}", where, k, v[k], why));
    out[k] = static_cast<float>(v[k]);
  }
  return out;
}

void check_length(const py::array& a, std::int64_t n, const Columns& c, const std::string& name) {
  if (a.size() != n)
    throw InputError(fmt::format("{}: {} has {} rows, the customer column {}", c.source, name,
                                 a.size(), n));
}

InteractionLog build_log(const Columns& c) {
  const std::int64_t n = c.customer.size();
  if (n == 0)
    throw InputError(fmt::format("{}: no interactions (the input has no rows)", c.source));
  check_length(c.item, n, c, "the item column");
  InteractionLog log;
  log.customer = codes(c.customer, c.customer_ids.size(), c.source + ": customer");
  log.item = codes(c.item, c.item_ids.size(), c.source + ": item");
  if (c.time) {
    check_length(*c.time, n, c, "the time column");
    log.time.assign(c.time->data(), c.time->data() + n);
  }
  if (c.quantity) {
    check_length(*c.quantity, n, c, c.quantity_name);
    log.quantity = amounts(*c.quantity, false, c.source + ": " + c.quantity_name);
  }
  if (c.value) {
    check_length(*c.value, n, c, c.value_name);
    log.value = amounts(*c.value, true, c.source + ": " + c.value_name);
  }
  if (c.event) {
    check_length(*c.event, n, c, "the event column");
    if (c.event_names.size() > 256)
      throw InputError(fmt::format("{}: {} distinct events; at most 256 are supported", c.source,
                                   c.event_names.size()));
    for (std::uint32_t e : codes(*c.event, c.event_names.size(), c.source + ": event"))
      log.event.push_back(static_cast<std::uint8_t>(e));
  }
  return log;
}

DataPtr with_matrices(Dataset data, int threads) {
  auto in = std::make_shared<LoadedInput>();
  in->path = data.path;
  in->data = std::move(data);
  in->matrices = build_matrices(in->data, resolve_threads(threads));
  return in;
}

void check_items(std::int64_t n, const Columns& c, const std::string& what) {
  if (n != static_cast<std::int64_t>(c.item_ids.size()))
    throw InputError(fmt::format("{}: items: {} has {} entries for {} items", c.source, what, n,
                                 c.item_ids.size()));
}

ItemMeta item_meta(const Columns& c) {
  ItemMeta m;
  if (c.item_category) {
    check_items(c.item_category->size(), c, "the category column");
    m.category_names = c.item_category_names;
    const std::int64_t* v = c.item_category->data();
    for (std::int64_t k = 0; k < c.item_category->size(); ++k) {
      if (v[k] < -1 || v[k] >= static_cast<std::int64_t>(m.category_names.size()))
        throw InputError(fmt::format("{}: items: category code {} of item {} is outside -1..{}",
                                     c.source, v[k], k, m.category_names.size() - 1));
      m.category.push_back(v[k] < 0 ? kNoCategory : static_cast<std::uint32_t>(v[k]));
    }
  }
  if (!c.item_name.empty()) check_items(static_cast<std::int64_t>(c.item_name.size()), c, "the name column");
  m.name = c.item_name;
  if (c.item_price) {
    check_items(c.item_price->size(), c, "the price column");
    const double* v = c.item_price->data();
    for (std::int64_t k = 0; k < c.item_price->size(); ++k) {
      if (!std::isnan(v[k]) && amount_problem(v[k], false) != nullptr)
        throw InputError(fmt::format("{}: items: price {} of item '{}' is not a price (finite, "
                                     ">= 0; NaN for unknown)", c.source, v[k], c.item_ids[k]));
      m.price.push_back(static_cast<float>(v[k]));
    }
  }
  return m;
}

DataPtr from_columns(const Columns& c, int threads) {
  Dataset d;
  d.item_meta = item_meta(c);
  d.format_version = kInteractionsFormatVersion;
  {
    py::gil_scoped_release unlocked;
    d.log = build_log(c);
  }
  d.customer_ids = c.customer_ids;
  d.item_ids = c.item_ids;
  d.event_names = c.event_names;
  py::gil_scoped_release unlocked;
  return with_matrices(std::move(d), threads);
}

DataPtr load(const std::filesystem::path& path, int threads) {
  py::gil_scoped_release unlocked;
  return std::make_shared<LoadedInput>(load_input(path, threads));
}

void save(const LoadedInput& in, const std::filesystem::path& path) {
  py::gil_scoped_release unlocked;
  write_dataset(path, in.data);
}

// The rows of `data` whose role passes `keep`, as a dataset with the same ids.
template <class Keep>
Dataset subset(const Dataset& data, const Split& split, Keep keep) {
  Dataset out = empty_like(data);
  for (std::int64_t r = 0; r < data.log.size(); ++r)
    if (keep(split.role[static_cast<std::size_t>(r)])) append_row(data.log, r, out.log);
  return out;
}

// (train, test, roles of the test rows (1 test, 2 fold-in), the split's description as JSON).
py::tuple split(const LoadedInput& in, const std::string& spec, std::uint64_t seed, int threads) {
  DataPtr train, test;
  std::vector<std::int8_t> roles;
  std::string described;
  {
    py::gil_scoped_release unlocked;
    const Split s = make_split(in.data, parse_split(spec, seed));
    train = with_matrices(subset(in.data, s, [](Role r) { return r == Role::train; }), threads);
    test = with_matrices(subset(in.data, s, [](Role r) { return r != Role::train; }), threads);
    for (Role r : s.role)
      if (r != Role::train) roles.push_back(static_cast<std::int8_t>(r));
    described = s.describe().dump();
  }
  return py::make_tuple(train, test, py::array(py::cast(roles)), described);
}

// A numpy view of a member vector of the dataset behind `self`.
template <class Get>
py::cpp_function column(Get get) {
  return py::cpp_function([get](py::object self) {
    return view(get(self.cast<const LoadedInput&>()), self);
  });
}
// A copy of a member of the dataset (strings, small lists).
#define TAILOR_VALUE(member) [](const LoadedInput& d) { return d.member; }
#define TAILOR_COLUMN(member) column([](const LoadedInput& d) -> auto& { return d.member; })

void bind_columns(py::class_<LoadedInput, DataPtr>& c) {
  c.def_property_readonly("customer", TAILOR_COLUMN(data.log.customer))
      .def_property_readonly("item", TAILOR_COLUMN(data.log.item))
      .def_property_readonly("time", TAILOR_COLUMN(data.log.time))
      .def_property_readonly("quantity", TAILOR_COLUMN(data.log.quantity))
      .def_property_readonly("value", TAILOR_COLUMN(data.log.value))
      .def_property_readonly("event", TAILOR_COLUMN(data.log.event))
      .def_property_readonly("indptr", TAILOR_COLUMN(matrices.customer_items.indptr))
      .def_property_readonly("indices", TAILOR_COLUMN(matrices.customer_items.indices))
      .def_property_readonly("weights", TAILOR_COLUMN(matrices.customer_items.data));
}

void bind_metadata(py::class_<LoadedInput, DataPtr>& c) {
  c.def_property_readonly("item_category", TAILOR_COLUMN(data.item_meta.category))
      .def_property_readonly("item_category_names", TAILOR_VALUE(data.item_meta.category_names))
      .def_property_readonly("item_name", TAILOR_VALUE(data.item_meta.name))
      .def_property_readonly("item_price", TAILOR_COLUMN(data.item_meta.price))
      .def_property_readonly("item_available", TAILOR_COLUMN(data.item_meta.available))
      .def_property_readonly("customer_opt_out", TAILOR_COLUMN(data.customer_meta.opt_out))
      .def_property_readonly("customer_segment", TAILOR_COLUMN(data.customer_meta.segment))
      .def_property_readonly("customer_segment_names", TAILOR_VALUE(data.customer_meta.segment_names))
      .def_property_readonly("customer_channel", TAILOR_COLUMN(data.customer_meta.channel))
      .def_property_readonly("customer_channel_names", TAILOR_VALUE(data.customer_meta.channel_names));
}

void bind_columns_type(py::module_& m) {
  py::class_<Columns>(m, "Columns", "A log in memory with dictionary-encoded ids.")
      .def(py::init<>())
      .def_readwrite("source", &Columns::source)
      .def_readwrite("customer_ids", &Columns::customer_ids)
      .def_readwrite("item_ids", &Columns::item_ids)
      .def_readwrite("event_names", &Columns::event_names)
      .def_readwrite("customer", &Columns::customer)
      .def_readwrite("item", &Columns::item)
      .def_readwrite("time", &Columns::time)
      .def_readwrite("event", &Columns::event)
      .def_readwrite("quantity", &Columns::quantity)
      .def_readwrite("value", &Columns::value)
      .def_readwrite("item_category", &Columns::item_category)
      .def_readwrite("item_category_names", &Columns::item_category_names)
      .def_readwrite("item_name", &Columns::item_name)
      .def_readwrite("item_price", &Columns::item_price)
      .def_readwrite("quantity_name", &Columns::quantity_name)
      .def_readwrite("value_name", &Columns::value_name);
}

}  // namespace

void bind_data(py::module_& m) {
  bind_columns_type(m);
  py::class_<LoadedInput, DataPtr> c(m, "Data", "An interaction log with its matrices.");
  c.def_property_readonly("path", [](const LoadedInput& d) { return d.path.string(); })
      .def_property_readonly("file_fingerprint", TAILOR_VALUE(file_fingerprint))
      .def_property_readonly("fingerprint", TAILOR_VALUE(matrices.fingerprint))
      .def_property_readonly("customer_ids", TAILOR_VALUE(data.customer_ids))
      .def_property_readonly("item_ids", TAILOR_VALUE(data.item_ids))
      .def_property_readonly("event_names", TAILOR_VALUE(data.event_names))
      .def_property_readonly("import_report", TAILOR_VALUE(data.import_report))
      .def_property_readonly("rows", [](const LoadedInput& d) { return d.data.log.size(); })
      .def_property_readonly("shape", [](const LoadedInput& d) {
        return py::make_tuple(d.data.customers(), d.data.items());
      });
  bind_columns(c);
  bind_metadata(c);
  m.def("load", &load, py::arg("path"), py::arg("threads") = 0);
  m.def("save", &save, py::arg("data"), py::arg("path"));
  m.def("from_columns", &from_columns, py::arg("columns"), py::arg("threads") = 0);
  m.def("split", &split, py::arg("data"), py::arg("spec"), py::arg("seed"), py::arg("threads") = 0);
}

}  // namespace tailor::py_bind
