// The HDF5 loader against the contract in data/README.md: round trips through write_dataset,
// one malformed file per error class (each message checked for dataset, row and value), the
// dtypes and string layouts other writers produce (raw HDF5 and h5py), and build_matrices.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/core/error.hpp"
#include "host/data/dataset.hpp"
#include "host/io/h5.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// ---- writing test files ----------------------------------------------------------------------

// Raw HDF5 writes for what h5::File does not write: any stored type, 2-D shapes, fixed-length
// strings, chosen chunk sizes. Parent groups are created on the way.
void write_raw(hid_t file, const std::string& name, hid_t file_type, hid_t mem_type,
               const void* data, std::vector<hsize_t> dims, hsize_t chunk = 0) {
  h5::Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  h5::Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (chunk > 0) {
    std::vector<hsize_t> chunks(dims.size(), 1);
    chunks[0] = chunk;
    for (std::size_t d = 1; d < dims.size(); ++d) chunks[d] = dims[d];
    H5Pset_chunk(dcpl.get(), static_cast<int>(chunks.size()), chunks.data());
    H5Pset_shuffle(dcpl.get());
    H5Pset_deflate(dcpl.get(), 6);
  }
  h5::Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                   H5Sclose);
  h5::Handle ds(H5Dcreate2(file, name.c_str(), file_type, space.get(), lcpl.get(), dcpl.get(),
                           H5P_DEFAULT),
                H5Dclose);
  ASSERT_TRUE(ds.valid()) << name;
  std::size_t n = 1;
  for (auto d : dims) n *= d;
  if (n > 0) {
    ASSERT_GE(H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), 0) << name;
  }
}

// A 1-D numeric column stored as file_type (default: T's own type), optionally chunked + gzip.
template <class T>
void write_column(hid_t file, const std::string& name, const std::vector<T>& v,
                  hid_t file_type = H5I_INVALID_HID, hsize_t chunk = 0) {
  write_raw(file, name, file_type == H5I_INVALID_HID ? h5::native_type<T>() : file_type,
            h5::native_type<T>(), v.data(), {v.size()}, chunk);
}

// Fixed-length, null-padded ASCII strings, as numpy's dtype 'S' stores them.
void write_fixed_strings(hid_t file, const std::string& name, const std::vector<std::string>& v) {
  std::size_t width = 1;
  for (const auto& s : v) width = std::max(width, s.size());
  std::vector<char> buf(width * v.size(), '\0');
  for (std::size_t k = 0; k < v.size(); ++k) std::copy(v[k].begin(), v[k].end(), &buf[k * width]);
  h5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), width);
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  write_raw(file, name, type.get(), type.get(), buf.data(), {v.size()});
}

constexpr std::int64_t kRows = 12;  // three ranges of kChunk rows
constexpr std::int64_t kChunk = 4;

LoadOptions small_chunks() {
  LoadOptions o;
  o.threads = 2;
  o.chunk_rows = kChunk;
  return o;
}

// A valid file of kRows rows with every column. Each malformed case changes one thing: a field
// here, names in `skip` left out (and maybe written differently by the case itself).
struct Standard {
  std::vector<std::string> customer_ids{"c0", "c1", "c2", "c3", "c4"};
  std::vector<std::string> item_ids{"i0", "i1", "i2", "i3", "i4", "i5"};
  std::vector<std::uint32_t> customer{0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1};
  std::vector<std::uint32_t> item{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5};
  std::vector<std::int64_t> time = std::vector<std::int64_t>(kRows, 1700000000);
  std::vector<double> quantity = std::vector<double>(kRows, 1.0);
  std::vector<double> value = std::vector<double>(kRows, 9.99);
  std::vector<std::uint8_t> event = std::vector<std::uint8_t>(kRows, 1);
  std::vector<std::string> event_names{"view", "purchase"};
  std::optional<std::string> format = std::string(kInteractionsFormat);
  std::optional<std::int64_t> version = kInteractionsFormatVersion;
  std::set<std::string> skip;

  void write(h5::File& f) const {
    auto keep = [&](const char* name) { return !skip.contains(name); };
    if (format) f.set_attr("/", "format", *format);
    if (version) f.set_attr("/", "format_version", *version);
    if (keep("/customers/id")) f.write_strings("/customers/id", customer_ids);
    if (keep("/items/id")) f.write_strings("/items/id", item_ids);
    if (keep("/events/name")) f.write_strings("/events/name", event_names);
    auto column = [&](const char* name, const auto& v) {
      if (keep(name)) f.write(name, v.data(), static_cast<std::int64_t>(v.size()));
    };
    column("/interactions/customer", customer);
    column("/interactions/item", item);
    column("/interactions/time", time);
    column("/interactions/quantity", quantity);
    column("/interactions/value", value);
    column("/interactions/event", event);
  }
};

// ---- round trip and aggregation ---------------------------------------------------------------

Dataset sample_dataset() {
  Dataset d;
  d.customer_ids = {"alice", "bob", "carol", "dave"};
  d.item_ids = {"espresso", "thé vert", "mug", "grinder", "filter"};
  d.event_names = {"view", "cart", "purchase"};
  d.import_report = R"({"source":"orders.csv","dropped":{"bad_quantity":2}})";
  auto& l = d.log;
  l.customer = {0, 1, 0, 3, 3, 2, 0, 1, 3, 0};
  l.item = {1, 4, 1, 0, 2, 2, 3, 4, 0, 1};
  l.time = {1700000000, 1700000100, -5, 1700000300, 1700000400, 1700000500, 1700000600,
            1700000700, 1700000800, 7258118399};  // the last second accepted
  l.quantity = {1, 2, 3, 0.5f, 1, 0, 4, 1, 2, 7};
  l.value = {3.5f, -1.25f, 10, 0, 2, 2, 99.99f, 1, 1, -20};
  l.event = {2, 0, 2, 1, 2, 2, 0, 2, 1, 2};
  return d;
}

TEST(Loader, RoundTripThroughWriteDataset) {
  const Dataset in = sample_dataset();
  testing::expect_dataset_round_trips(in, [&](const Dataset& out, const fs::path& file) {
    EXPECT_EQ(out.path, file);
    EXPECT_EQ(out.format_version, kInteractionsFormatVersion);
    EXPECT_EQ(out.import_report, in.import_report);
  });
}

TEST(Loader, OptionalColumnsStayEmptyWhenAbsent) {
  Dataset in = sample_dataset();
  in.log.time.clear();
  in.log.quantity.clear();
  in.log.value.clear();
  in.log.event.clear();
  in.event_names.clear();
  in.import_report.reset();
  testing::expect_dataset_round_trips(in, [](const Dataset& out, const fs::path&) {
    EXPECT_TRUE(out.log.time.empty());
    EXPECT_TRUE(out.log.quantity.empty());
    EXPECT_TRUE(out.log.value.empty());
    EXPECT_TRUE(out.log.event.empty());
    EXPECT_TRUE(out.event_names.empty());
    EXPECT_FALSE(out.import_report.has_value());
  });
}

// Row r of a CSR as (column, weight) pairs.
std::vector<std::pair<std::uint32_t, float>> row_of(const Csr& m, std::int64_t r) {
  std::vector<std::pair<std::uint32_t, float>> out;
  for (std::int64_t k = m.indptr[r]; k < m.indptr[r + 1]; ++k)
    out.emplace_back(m.indices[k], m.data[k]);
  return out;
}
using Row = std::vector<std::pair<std::uint32_t, float>>;

// 3 customers x 4 items; customer 0 buys item 1 twice, item 3 is never bought.
Dataset aggregation_case() {
  Dataset d;
  d.customer_ids = {"a", "b", "c"};
  d.item_ids = {"w", "x", "y", "z"};
  d.log.customer = {0, 0, 2, 1, 0, 2};
  d.log.item = {1, 1, 2, 0, 2, 0};
  d.log.quantity = {2, 3, 0, 1.5f, 1, 4};
  return d;
}

TEST(BuildMatrices, SumsQuantityOfDuplicatePairs) {
  const Dataset d = aggregation_case();
  InteractionMatrices m = build_matrices(d, 2);
  EXPECT_EQ(m.customer_items.rows, 3);
  EXPECT_EQ(m.customer_items.cols, 4);
  EXPECT_EQ(row_of(m.customer_items, 0), (Row{{1, 5.0f}, {2, 1.0f}}));
  EXPECT_EQ(row_of(m.customer_items, 1), (Row{{0, 1.5f}}));
  // A stored pair with zero quantity stays in the matrix (confidence 1 in training).
  EXPECT_EQ(row_of(m.customer_items, 2), (Row{{0, 4.0f}, {2, 0.0f}}));
  EXPECT_EQ(m.item_customers.rows, 4);
  EXPECT_EQ(m.item_customers.cols, 3);
  EXPECT_EQ(row_of(m.item_customers, 0), (Row{{1, 1.5f}, {2, 4.0f}}));
  EXPECT_EQ(row_of(m.item_customers, 1), (Row{{0, 5.0f}}));
  EXPECT_EQ(row_of(m.item_customers, 2), (Row{{0, 1.0f}, {2, 0.0f}}));
  EXPECT_EQ(row_of(m.item_customers, 3), Row{});
  EXPECT_EQ(m.fingerprint.size(), 16u);
}

TEST(BuildMatrices, CountsRowsWithoutQuantity) {
  Dataset d = aggregation_case();
  d.log.quantity.clear();
  InteractionMatrices m = build_matrices(d, 1);
  EXPECT_EQ(row_of(m.customer_items, 0), (Row{{1, 2.0f}, {2, 1.0f}}));
  EXPECT_EQ(row_of(m.customer_items, 1), (Row{{0, 1.0f}}));
  EXPECT_EQ(row_of(m.customer_items, 2), (Row{{0, 1.0f}, {2, 1.0f}}));
}

TEST(BuildMatrices, KeepSelectsRowsButNotIds) {
  const Dataset d = aggregation_case();
  const std::vector<bool> keep{true, false, true, false, true, false};
  InteractionMatrices m = build_matrices(d, 2, &keep);
  EXPECT_EQ(m.customer_items.rows, 3);  // customer 1 has no kept row and still has its row
  EXPECT_EQ(m.customer_items.cols, 4);
  EXPECT_EQ(row_of(m.customer_items, 0), (Row{{1, 2.0f}, {2, 1.0f}}));
  EXPECT_EQ(row_of(m.customer_items, 1), Row{});
  EXPECT_EQ(row_of(m.customer_items, 2), (Row{{2, 0.0f}}));
  EXPECT_NE(m.fingerprint, build_matrices(d, 2).fingerprint);

  const std::vector<bool> all(6, true);
  EXPECT_EQ(build_matrices(d, 2, &all).fingerprint, build_matrices(d, 1).fingerprint);

  const std::vector<bool> wrong(5, true);
  EXPECT_THROW(build_matrices(d, 2, &wrong), std::invalid_argument);
}

TEST(BuildMatrices, RejectsIndicesOutsideTheIdLists) {
  Dataset d = aggregation_case();
  d.log.item[4] = 4;
  EXPECT_THROW(build_matrices(d, 2), std::invalid_argument);
}

TEST(BuildMatrices, FingerprintIsTheSameAfterARoundTrip) {
  testing::TempDir dir;
  const Dataset d = aggregation_case();
  write_dataset(dir / "a.h5", d);
  EXPECT_EQ(build_matrices(load_dataset(dir / "a.h5", small_chunks()), 2).fingerprint,
            build_matrices(d, 2).fingerprint);
}

// ---- malformed files --------------------------------------------------------------------------

struct BadCase {
  const char* label;
  std::function<void(Standard&)> change;       // edits the standard file's content
  std::function<void(hid_t)> extra;            // writes what h5::File cannot (may be null)
  std::vector<std::string> expected;           // substrings of the message
};

// Rows 6 and 9 are in the second and third range of kChunk rows: the message must give the
// absolute row.
std::vector<BadCase> bad_cases() {
  const std::vector<double> ones(kRows, 1.0);
  std::vector<double> with_nan = ones;
  with_nan[9] = std::nan("");
  std::vector<double> with_inf = ones;
  with_inf[6] = std::numeric_limits<double>::infinity();
  std::vector<std::int32_t> negative_customer(kRows, 1);
  negative_customer[10] = -3;
  std::vector<float> float_customer(kRows, 1.0f);
  std::vector<std::int64_t> two_d(2 * kRows, 0);
  std::vector<std::int64_t> big_item(kRows, 0);
  big_item[9] = std::int64_t{1} << 40;

  return {
      {"missing item column", [](Standard& s) { s.skip.insert("/interactions/item"); }, nullptr,
       {"/interactions/item", "required dataset is missing"}},
      // Integer indices without their id list would be exported as ids.
      {"missing item ids", [](Standard& s) { s.skip.insert("/items/id"); }, nullptr,
       {"/items/id: required dataset is missing", "/interactions/item", "raw_ids = 1"}},
      {"missing customer ids", [](Standard& s) { s.skip.insert("/customers/id"); }, nullptr,
       {"/customers/id: required dataset is missing", "/interactions/customer"}},
      {"missing customer column", [](Standard& s) { s.skip.insert("/interactions/customer"); },
       nullptr, {"/interactions/customer", "required dataset is missing"}},
      {"float customer index", [](Standard& s) { s.skip.insert("/interactions/customer"); },
       [=](hid_t f) { write_column(f, "/interactions/customer", float_customer); },
       {"/interactions/customer", "has type float32", "accepted: integer"}},
      {"string quantity", [](Standard& s) { s.skip.insert("/interactions/quantity"); },
       [](hid_t f) {
         write_fixed_strings(f, "/interactions/quantity", std::vector<std::string>(kRows, "1"));
       },
       {"/interactions/quantity", "has type string of 1 bytes", "accepted: integer or float"}},
      {"float time", [](Standard& s) { s.skip.insert("/interactions/time"); },
       [=](hid_t f) { write_column(f, "/interactions/time", ones); },
       {"/interactions/time", "has type float64", "accepted: integer"}},
      {"string index with an id list", [](Standard& s) { s.skip.insert("/interactions/item"); },
       [](hid_t f) {
         write_fixed_strings(f, "/interactions/item", std::vector<std::string>(kRows, "i1"));
       },
       {"/interactions/item", "accepted: integer", "only when /items/id is absent"}},
      {"2-D column", [](Standard& s) { s.skip.insert("/interactions/time"); },
       [=](hid_t f) {
         write_raw(f, "/interactions/time", H5T_STD_I64LE, H5T_NATIVE_INT64, two_d.data(),
                   {static_cast<hsize_t>(kRows), 2});
       },
       {"/interactions/time", "expected a 1-D column", "rank 2", "(12, 2)"}},
      {"columns of different lengths", [](Standard& s) { s.item.pop_back(); }, nullptr,
       {"different lengths", "/interactions/customer 12", "/interactions/item 11",
        "/interactions/quantity 12"}},
      {"index out of range", [](Standard& s) { s.item[9] = 6; }, nullptr,
       {"/interactions/item", "row 9:", "index 6 is out of range", "/items/id", "0..5"}},
      {"huge index", [](Standard& s) { s.skip.insert("/interactions/item"); },
       [=](hid_t f) { write_column(f, "/interactions/item", big_item); },
       {"/interactions/item", "row 9:", "index 1099511627776", "0..5"}},
      {"negative index", [](Standard& s) { s.skip.insert("/interactions/customer"); },
       [=](hid_t f) { write_column(f, "/interactions/customer", negative_customer); },
       {"/interactions/customer", "row 10:", "index -3 is negative", "0..4"}},
      {"NaN quantity", [=](Standard& s) { s.quantity = with_nan; }, nullptr,
       {"/interactions/quantity", "row 9:", "nan", "not a finite number"}},
      {"time far beyond any date", [](Standard& s) { s.time[4] = 9223372036854775807; }, nullptr,
       {"/interactions/time", "row 4:", "time 9223372036854775807 is outside the accepted range",
        "1900-01-01 to 2199-12-31"}},
      {"time before 1900", [](Standard& s) { s.time[2] = -2208988801; }, nullptr,
       {"/interactions/time", "row 2:", "-2208988801"}},
      {"negative quantity", [](Standard& s) { s.quantity[6] = -2.5; }, nullptr,
       {"/interactions/quantity", "row 6:", "-2.5", "negative"}},
      {"infinite value", [=](Standard& s) { s.value = with_inf; }, nullptr,
       {"/interactions/value", "row 6:", "inf", "not a finite number"}},
      {"value beyond float32", [](Standard& s) { s.value[5] = 1e300; }, nullptr,
       {"/interactions/value", "row 5:", "1e+300", "float32"}},
      {"no interactions",
       [](Standard& s) {
         s.customer.clear();
         s.item.clear();
         s.time.clear();
         s.quantity.clear();
         s.value.clear();
         s.event.clear();
       },
       nullptr, {"no interactions"}},
      {"empty id list", [](Standard& s) { s.item_ids.clear(); }, nullptr,
       {"/items/id", "empty", "no interactions"}},
      {"wrong format version", [](Standard& s) { s.version = 2; }, nullptr,
       {"'format_version' is 2", "reads format_version 1"}},
      {"missing format version", [](Standard& s) { s.version.reset(); }, nullptr,
       {"'format_version' is missing", "1"}},
      {"format version as an array", [](Standard& s) { s.version.reset(); },
       [](hid_t f) {
         const std::int64_t versions[3] = {1, 1, 1};
         const hsize_t n = 3;
         h5::Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
         h5::Handle attr(H5Acreate2(f, "format_version", H5T_STD_I64LE, space.get(),
                                    H5P_DEFAULT, H5P_DEFAULT),
                         H5Aclose);
         ASSERT_GE(H5Awrite(attr.get(), H5T_NATIVE_INT64, versions), 0);
       },
       {"attribute 'format_version' is not a single integer"}},
      {"missing format attribute", [](Standard& s) { s.format.reset(); }, nullptr,
       {"'format' is missing", "tailor-interactions", "format_version = 1"}},
      {"other format", [](Standard& s) { s.format = "parquet-ish"; }, nullptr,
       {"'format' is \"parquet-ish\"", "tailor-interactions"}},
      {"duplicate id", [](Standard& s) { s.item_ids[4] = "i1"; }, nullptr,
       {"/items/id", "duplicate id \"i1\"", "rows 1 and 4"}},
      {"empty id", [](Standard& s) { s.customer_ids[3] = ""; }, nullptr,
       {"/customers/id", "row 3:", "empty id"}},
      {"event index without /events/name", [](Standard& s) { s.skip.insert("/events/name"); },
       nullptr, {"/events/name", "required dataset is missing", "/interactions/event"}},
      {"event index out of range", [](Standard& s) { s.event[7] = 2; }, nullptr,
       {"/interactions/event", "row 7:", "index 2", "/events/name", "0..1"}},
      {"empty raw id",
       [](Standard& s) {
         s.skip.insert("/customers/id");
         s.skip.insert("/interactions/customer");
       },
       [](hid_t f) {
         std::vector<std::string> raw(kRows, "someone");
         raw[9] = "";
         write_fixed_strings(f, "/interactions/customer", raw);
       },
       {"/interactions/customer", "row 9:", "empty id"}},
  };
}

TEST(Loader, MalformedFilesNameDatasetRowAndValue) {
  testing::TempDir dir;
  int n = 0;
  for (const BadCase& c : bad_cases()) {
    SCOPED_TRACE(c.label);
    const fs::path path = dir / ("bad" + std::to_string(n++) + ".h5");
    Standard s;
    c.change(s);
    {
      h5::File f = h5::File::create(path);
      s.write(f);
      if (c.extra) c.extra(f.id());
      f.close();
    }
    try {
      load_dataset(path, small_chunks());
      ADD_FAILURE() << "no error";
    } catch (const InputError& e) {
      const std::string msg = e.what();
      EXPECT_THAT(msg, StartsWith(path.string()));
      for (const auto& part : c.expected) EXPECT_THAT(msg, HasSubstr(part));
    }
  }
}

TEST(Loader, ThePlainStandardFileIsValid) {
  // The malformed cases above differ from this file in one thing each.
  testing::TempDir dir;
  {
    h5::File f = h5::File::create(dir / "ok.h5");
    Standard().write(f);
    f.close();
  }
  Dataset d = load_dataset(dir / "ok.h5", small_chunks());
  EXPECT_EQ(d.log.size(), kRows);
  EXPECT_EQ(d.log.item, Standard().item);
}

std::string load_error(const fs::path& path) {
  try {
    load_dataset(path, small_chunks());
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Loader, NotAnHdf5File) {
  testing::TempDir dir;
  std::ofstream(dir / "x.h5") << "customer,item\n1,2\n";
  EXPECT_THAT(load_error(dir / "x.h5"), StartsWith((dir / "x.h5").string()));
  EXPECT_THAT(load_error(dir / "x.h5"), HasSubstr("not an HDF5 file"));
}

TEST(Loader, MissingFile) {
  testing::TempDir dir;
  EXPECT_THAT(load_error(dir / "nowhere.h5"), StartsWith((dir / "nowhere.h5").string()));
  EXPECT_THAT(load_error(dir / "nowhere.h5"), HasSubstr("no such file"));
}

TEST(Loader, RejectsAZeroChunkSize) {
  testing::TempDir dir;
  write_dataset(dir / "d.h5", sample_dataset());
  LoadOptions o;
  o.chunk_rows = 0;
  EXPECT_THROW(load_dataset(dir / "d.h5", o), std::invalid_argument);
}

// ---- what other writers produce ---------------------------------------------------------------

// Writes the root attributes and lets `body` write the rest.
fs::path write_file(const testing::TempDir& dir, const std::string& name,
                    const std::function<void(h5::File&)>& body) {
  const fs::path path = dir / name;
  h5::File f = h5::File::create(path);
  f.set_attr("/", "format", std::string(kInteractionsFormat));
  f.set_attr("/", "format_version", kInteractionsFormatVersion);
  body(f);
  f.close();
  return path;
}

TEST(LoaderCompat, FixedLengthStringIds) {
  testing::TempDir dir;
  auto path = write_file(dir, "fixed.h5", [](h5::File& f) {
    write_fixed_strings(f.id(), "/customers/id", {"C-1", "C-22", "C-333"});
    write_fixed_strings(f.id(), "/items/id", {"apple", "b"});
    write_column(f.id(), "/interactions/customer", std::vector<std::uint32_t>{2, 0, 1});
    write_column(f.id(), "/interactions/item", std::vector<std::uint32_t>{1, 1, 0});
  });
  Dataset d = load_dataset(path, small_chunks());
  EXPECT_EQ(d.customer_ids, (std::vector<std::string>{"C-1", "C-22", "C-333"}));
  EXPECT_EQ(d.item_ids, (std::vector<std::string>{"apple", "b"}));
  EXPECT_EQ(d.log.customer, (std::vector<std::uint32_t>{2, 0, 1}));
  EXPECT_EQ(d.log.item, (std::vector<std::uint32_t>{1, 1, 0}));
}

TEST(LoaderCompat, VariableLengthUtf8StringIds) {
  testing::TempDir dir;
  const std::vector<std::string> items{"café", "Grüße", "東京", "x"};
  auto path = write_file(dir, "vlen.h5", [&](h5::File& f) {
    f.write_strings("/customers/id", {"ann", "bo"});
    f.write_strings("/items/id", items);
    write_column(f.id(), "/interactions/customer", std::vector<std::uint32_t>{0, 1, 1});
    write_column(f.id(), "/interactions/item", std::vector<std::uint32_t>{3, 2, 0});
  });
  Dataset d = load_dataset(path, small_chunks());
  EXPECT_EQ(d.item_ids, items);
  EXPECT_EQ(d.customer_ids, (std::vector<std::string>{"ann", "bo"}));
}

TEST(LoaderCompat, IntegerIdListsBecomeDecimalText) {
  testing::TempDir dir;
  auto path = write_file(dir, "int.h5", [](h5::File& f) {
    write_column(f.id(), "/customers/id",
                 std::vector<std::int64_t>{1001, -5, std::int64_t{1} << 40});
    write_column(f.id(), "/items/id", std::vector<std::uint64_t>{18446744073709551615ull, 7});
    write_column(f.id(), "/interactions/customer", std::vector<std::uint32_t>{0, 2, 1});
    write_column(f.id(), "/interactions/item", std::vector<std::uint32_t>{0, 1, 1});
  });
  Dataset d = load_dataset(path, small_chunks());
  EXPECT_EQ(d.customer_ids, (std::vector<std::string>{"1001", "-5", "1099511627776"}));
  EXPECT_EQ(d.item_ids, (std::vector<std::string>{"18446744073709551615", "7"}));
}

TEST(LoaderCompat, DuplicateIntegerIds) {
  testing::TempDir dir;
  auto path = write_file(dir, "dup.h5", [](h5::File& f) {
    write_column(f.id(), "/customers/id", std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 2});
    write_column(f.id(), "/items/id", std::vector<std::int64_t>{1});
    write_column(f.id(), "/interactions/customer", std::vector<std::uint32_t>{0});
    write_column(f.id(), "/interactions/item", std::vector<std::uint32_t>{0});
  });
  EXPECT_THAT(load_error(path), HasSubstr("/customers/id: duplicate id \"2\" at rows 1 and 6"));
}

TEST(LoaderCompat, RawStringIdsPerRow) {
  testing::TempDir dir;
  // Rows 0..9, read in ranges of 4: first appearances span all three ranges.
  const std::vector<std::string> customers{"b", "a", "b", "c", "a", "d", "d", "b", "e", "a"};
  const std::vector<std::string> items{"x", "x", "y", "x", "z", "y", "x", "w", "w", "z"};
  auto path = write_file(dir, "raw.h5", [&](h5::File& f) {
    f.write_strings("/interactions/customer", customers);        // variable length
    write_fixed_strings(f.id(), "/interactions/item", items);   // fixed length
    write_column(f.id(), "/interactions/quantity", std::vector<std::int32_t>(10, 2));
  });
  Dataset d = load_dataset(path, small_chunks());
  EXPECT_EQ(d.customer_ids, (std::vector<std::string>{"b", "a", "c", "d", "e"}));
  EXPECT_EQ(d.item_ids, (std::vector<std::string>{"x", "y", "z", "w"}));
  EXPECT_EQ(d.log.customer, (std::vector<std::uint32_t>{0, 1, 0, 2, 1, 3, 3, 0, 4, 1}));
  EXPECT_EQ(d.log.item, (std::vector<std::uint32_t>{0, 0, 1, 0, 2, 1, 0, 3, 3, 2}));
  EXPECT_EQ(d.log.quantity, std::vector<float>(10, 2.0f));
}

TEST(LoaderCompat, RawIntegerIdsPerRow) {
  testing::TempDir dir;
  auto path = write_file(dir, "rawint.h5", [](h5::File& f) {
    write_column(f.id(), "/interactions/customer",
                 std::vector<std::int64_t>{42, 7, 42, -3, 7, 1000000000000});
    write_column(f.id(), "/interactions/item", std::vector<std::uint16_t>{5, 5, 6, 5, 9, 6},
                 H5T_STD_U16BE);
    // Integers without an id list are ids only when the column says so.
    f.set_attr("/interactions/customer", "raw_ids", std::int64_t{1});
    f.set_attr("/interactions/item", "raw_ids", std::int64_t{1});
  });
  Dataset d = load_dataset(path, small_chunks());
  EXPECT_EQ(d.customer_ids, (std::vector<std::string>{"42", "7", "-3", "1000000000000"}));
  EXPECT_EQ(d.log.customer, (std::vector<std::uint32_t>{0, 1, 0, 2, 1, 3}));
  EXPECT_EQ(d.item_ids, (std::vector<std::string>{"5", "6", "9"}));
  EXPECT_EQ(d.log.item, (std::vector<std::uint32_t>{0, 0, 1, 0, 2, 1}));
}

// Index columns of every common width, gzip-compressed in chunks of 3 rows (which do not line up
// with the loader's ranges of 4), with a float64 quantity and a big-endian time.
TEST(LoaderCompat, CompressedChunkedColumnsOfSeveralDtypes) {
  testing::TempDir dir;
  const std::vector<std::uint32_t> customer{0, 1, 2, 0, 1, 2, 2, 2, 1, 0, 0};
  const std::vector<std::uint32_t> item{3, 2, 1, 0, 0, 1, 2, 3, 3, 3, 1};
  const std::vector<double> quantity{1, 2.5, 0, 4, 1, 1, 1, 1e6, 3, 0.125, 2};
  const std::vector<std::int64_t> time{0, -1, 2, 1700000000, 4, 5, 6, 7, 8, 9, 10};
  auto as = [](const std::vector<std::uint32_t>& v, auto tag) {
    return std::vector<decltype(tag)>(v.begin(), v.end());
  };
  const std::vector<std::pair<const char*, std::function<void(hid_t, const char*,
                                                              const std::vector<std::uint32_t>&)>>>
      dtypes{
          {"uint8", [&](hid_t f, const char* n, const auto& v) {
             write_column(f, n, as(v, std::uint8_t{}), H5I_INVALID_HID, 3);
           }},
          {"int16", [&](hid_t f, const char* n, const auto& v) {
             write_column(f, n, as(v, std::int16_t{}), H5T_STD_I16LE, 3);
           }},
          {"int32", [&](hid_t f, const char* n, const auto& v) {
             write_column(f, n, as(v, std::int32_t{}), H5I_INVALID_HID, 3);
           }},
          {"int32 big-endian", [&](hid_t f, const char* n, const auto& v) {
             write_column(f, n, as(v, std::int32_t{}), H5T_STD_I32BE, 3);
           }},
          {"uint64", [&](hid_t f, const char* n, const auto& v) {
             write_column(f, n, as(v, std::uint64_t{}), H5I_INVALID_HID, 3);
           }},
      };
  for (const auto& [label, write_index] : dtypes) {
    SCOPED_TRACE(label);
    auto path = write_file(dir, std::string(label) + ".h5", [&](h5::File& f) {
      f.write_strings("/customers/id", {"a", "b", "c"});
      f.write_strings("/items/id", {"w", "x", "y", "z"});
      write_index(f.id(), "/interactions/customer", customer);
      write_index(f.id(), "/interactions/item", item);
      write_column(f.id(), "/interactions/quantity", quantity, H5I_INVALID_HID, 3);
      write_column(f.id(), "/interactions/time", time, H5T_STD_I64BE, 3);
    });
    Dataset d = load_dataset(path, small_chunks());
    EXPECT_EQ(d.log.customer, customer);
    EXPECT_EQ(d.log.item, item);
    EXPECT_EQ(d.log.time, time);
    EXPECT_EQ(d.log.quantity, std::vector<float>(quantity.begin(), quantity.end()));
  }
}

// ---- h5py -------------------------------------------------------------------------------------

constexpr const char* kPython = "/usr/bin/python3";

bool have_h5py() {
  return std::system((std::string(kPython) + " -c 'import h5py' >/dev/null 2>&1").c_str()) == 0;
}

int run_python(const fs::path& script, const fs::path& out) {
  const std::string cmd =
      std::string(kPython) + " '" + script.string() + "' '" + out.string() + "'";
  return std::system(cmd.c_str());
}

TEST(LoaderH5py, TheDocumentedExampleLoads) {
  if (!have_h5py()) GTEST_SKIP() << kPython << " cannot import h5py (scripts/setup.sh installs "
                                               "python3-h5py)";
  testing::TempDir dir;
  const fs::path script = fs::path(TAILOR_SOURCE_DIR) / "data" / "write_example.py";
  ASSERT_EQ(run_python(script, dir / "x.h5"), 0);
  Dataset d = load_dataset(dir / "x.h5", small_chunks());
  EXPECT_EQ(d.customer_ids, (std::vector<std::string>{"C-1001", "C-1002", "C-1003"}));
  EXPECT_EQ(d.item_ids, (std::vector<std::string>{"espresso", "filter papers", "grinder", "mug"}));
  EXPECT_EQ(d.log.size(), 6);
  EXPECT_EQ(d.log.time.size(), 6u);
  InteractionMatrices m = build_matrices(d, 2);
  EXPECT_EQ(row_of(m.customer_items, 2), (Row{{2, 1.0f}, {3, 3.0f}}));  // mug bought 2 + 1
}

// Writes `source` to dir/name.py and runs it with dir/name.h5 as its argument.
fs::path h5py_file(const testing::TempDir& dir, const std::string& name,
                   const std::string& source) {
  const fs::path script = dir / (name + ".py");
  std::ofstream(script) << source;
  const fs::path out = dir / (name + ".h5");
  EXPECT_EQ(run_python(script, out), 0) << source;
  return out;
}

TEST(LoaderH5py, VariableLengthStrings) {
  if (!have_h5py()) GTEST_SKIP() << kPython << " cannot import h5py";
  testing::TempDir dir;
  auto path = h5py_file(dir, "vlen", R"(
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["format"] = "tailor-interactions"
    f.attrs["format_version"] = np.int64(1)
    f.attrs["import_report"] = '{"rows": 3}'
    f.create_dataset("customers/id", data=["alice", "bob"], dtype=h5py.string_dtype())
    f.create_dataset("items/id", data=["kaffee", "thé", "naïve"], dtype=h5py.string_dtype())
    f["interactions/customer"] = np.array([1, 0, 1], dtype=np.uint16)
    f["interactions/item"] = np.array([2, 0, 1], dtype=np.int8)
    f["interactions/value"] = np.array([-1.5, 2.0, 3.25])
    f["interactions/event"] = np.array([0, 1, 1], dtype=np.uint8)
    f.create_dataset("events/name", data=["view", "purchase"], dtype=h5py.string_dtype())
)");
  Dataset d = load_dataset(path, small_chunks());
  EXPECT_EQ(d.customer_ids, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(d.item_ids, (std::vector<std::string>{"kaffee", "thé", "naïve"}));
  EXPECT_EQ(d.log.customer, (std::vector<std::uint32_t>{1, 0, 1}));
  EXPECT_EQ(d.log.item, (std::vector<std::uint32_t>{2, 0, 1}));
  EXPECT_EQ(d.log.value, (std::vector<float>{-1.5f, 2.0f, 3.25f}));
  EXPECT_EQ(d.log.event, (std::vector<std::uint8_t>{0, 1, 1}));
  EXPECT_EQ(d.event_names, (std::vector<std::string>{"view", "purchase"}));
  EXPECT_EQ(d.import_report, std::optional<std::string>(R"({"rows": 3})"));
}

TEST(LoaderH5py, FixedLengthStrings) {
  if (!have_h5py()) GTEST_SKIP() << kPython << " cannot import h5py";
  testing::TempDir dir;
  // Ids in /customers/id as numpy 'S'; items as raw fixed-length strings per row.
  auto path = h5py_file(dir, "fixed", R"(
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["format"] = "tailor-interactions"
    f.attrs["format_version"] = 1
    f["customers/id"] = np.array([b"C1", b"C22", b"C333"], dtype="S")
    f["interactions/customer"] = np.array([2, 2, 0, 1], dtype=np.int64)
    f["interactions/item"] = np.array([b"sku-9", b"sku-10", b"sku-9", b"x"], dtype="S")
    f.create_dataset("interactions/quantity", data=np.array([1, 2, 3, 4], dtype=np.int32),
                     compression="gzip", chunks=(2,))
)");
  Dataset d = load_dataset(path, small_chunks());
  EXPECT_EQ(d.customer_ids, (std::vector<std::string>{"C1", "C22", "C333"}));
  EXPECT_EQ(d.item_ids, (std::vector<std::string>{"sku-9", "sku-10", "x"}));
  EXPECT_EQ(d.log.customer, (std::vector<std::uint32_t>{2, 2, 0, 1}));
  EXPECT_EQ(d.log.item, (std::vector<std::uint32_t>{0, 1, 0, 2}));
  EXPECT_EQ(d.log.quantity, (std::vector<float>{1, 2, 3, 4}));
}

// ---- damaged files ----------------------------------------------------------------------------

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Loads `path` with one byte changed: a Dataset or an InputError, never a crash or another
// exception. Returns whether it loaded.
bool loads_damaged(const fs::path& path, const std::string& bytes, std::size_t at, char value) {
  std::string damaged = bytes;
  damaged[at] = value;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged;
  try {
    load_dataset(path, {});
    return true;
  } catch (const InputError&) {
    return false;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "byte " << at << " = " << int(value) << ": not an InputError: " << e.what();
    return false;
  }
}

// Ids are variable-length strings, kept in a global heap that libhdf5 reads without checking
// its object sizes and indices: each byte of the heap changed in turn must give an InputError or
// a file that still loads (a byte of string data), never a SIGSEGV.
TEST(LoaderDamage, EveryByteOfTheStringHeapChanged) {
  testing::TempDir dir;
  Dataset d = sample_dataset();
  for (int k = 0; k < 60; ++k) d.customer_ids.push_back(fmt::format("customer-{}", k));
  write_dataset(dir / "ok.h5", d);
  const std::string bytes = read_bytes(dir / "ok.h5");
  const std::size_t heap = bytes.find("GCOL");
  ASSERT_NE(heap, std::string::npos);
  int refused = 0;
  for (std::size_t at = heap; at < std::min(bytes.size(), heap + 1200); ++at)
    for (char value : {'\x00', '\xff', '\x13'})
      refused += !loads_damaged(dir / "bad.h5", bytes, at, value);
  EXPECT_GT(refused, 0);
}

// The same for every 11th byte of the whole file.
TEST(LoaderDamage, BytesAcrossTheFileChanged) {
  testing::TempDir dir;
  write_dataset(dir / "ok.h5", sample_dataset());
  const std::string bytes = read_bytes(dir / "ok.h5");
  int refused = 0;
  for (std::size_t at = 0; at < bytes.size(); at += 11)
    refused += !loads_damaged(dir / "bad.h5", bytes, at, '\xa5');
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace tailor
