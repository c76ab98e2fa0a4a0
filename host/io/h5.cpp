#include "host/io/h5.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <mutex>

#include "host/core/atomic_file.hpp"
#include "host/io/h5_heap_check.hpp"

namespace tailor::h5 {
namespace {

// HDF5 prints its own error stack to stderr by default; tailor reports errors itself.
void silence_hdf5() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

constexpr std::int64_t kChunkElements = 1 << 18;  // 1 MiB chunks for 4-byte columns
constexpr unsigned kGzipLevel = 4;
constexpr std::size_t kMaxFixedString = std::size_t{1} << 20;  // bytes per fixed-length string

Handle type_handle(hid_t id) { return Handle(id, H5Tclose); }

std::vector<std::string> split_path(const std::string& object) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start < object.size()) {
    std::size_t slash = object.find('/', start);
    if (slash == std::string::npos) slash = object.size();
    if (slash > start) parts.push_back(object.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

// Creation properties for a 1-D chunked, shuffled, gzip-compressed dataset of n elements.
// Objects carry no creation or modification times, so the same data gives the same bytes.
Handle chunked_plist(std::int64_t n, std::int64_t row_width = 1) {
  Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(plist.get(), false);
  if (row_width == 1) {
    hsize_t chunk = static_cast<hsize_t>(std::clamp<std::int64_t>(n, 1, kChunkElements));
    H5Pset_chunk(plist.get(), 1, &chunk);
  } else {
    hsize_t rows = static_cast<hsize_t>(
        std::clamp<std::int64_t>(kChunkElements / std::max<std::int64_t>(row_width, 1), 1,
                                 std::max<std::int64_t>(n, 1)));
    hsize_t chunk[2] = {rows, static_cast<hsize_t>(row_width)};
    H5Pset_chunk(plist.get(), 2, chunk);
  }
  H5Pset_shuffle(plist.get());
  H5Pset_deflate(plist.get(), kGzipLevel);
  return plist;
}

// Selects elements [offset, offset + count) of the 1-D file space and returns the memory space
// for them. Error: InputError when reading, RunError when writing.
template <class Error>
Handle select_rows(hid_t space, std::int64_t offset, std::int64_t count, const std::string& where) {
  hsize_t start = static_cast<hsize_t>(offset), n = static_cast<hsize_t>(count);
  if (H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, nullptr, &n, nullptr) < 0)
    throw Error(fmt::format("{}: cannot select rows {}..{}", where, offset, offset + count));
  return Handle(H5Screate_simple(1, &n, nullptr), H5Sclose);
}

}  // namespace

std::string ColumnInfo::type_name() const {
  switch (kind) {
    case Kind::integer:
      return fmt::format("{}int{}", is_signed ? "" : "u", bytes * 8);
    case Kind::floating:
      return fmt::format("float{}", bytes * 8);
    case Kind::string:
      return variable_length ? "variable-length string" : fmt::format("string of {} bytes", bytes);
    default:
      return "an unsupported type";
  }
}

File File::open(const std::filesystem::path& path) {
  silence_hdf5();
  if (!std::filesystem::exists(path)) throw InputError(fmt::format("{}: no such file", path.string()));
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw InputError(fmt::format("{}: not an HDF5 file", path.string()));
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) throw InputError(fmt::format("{}: cannot open as HDF5", path.string()));
  return File(path, Handle(id, H5Fclose));
}

File File::create(const std::filesystem::path& path) {
  silence_hdf5();
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  H5Pset_obj_track_times(fcpl.get(), false);  // the root group: no times, as every object
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT);
  if (id < 0) throw RunError(fmt::format("{}: cannot create HDF5 file", path.string()));
  return File(path, Handle(id, H5Fclose));
}

std::string File::where(const std::string& object) const {
  return fmt::format("{}: {}", path_.string(), object);
}

bool File::exists(const std::string& object) const {
  if (object == "/") return true;
  std::string prefix;
  for (const auto& part : split_path(object)) {
    check_group_heap(file_.get(), prefix.empty() ? "/" : prefix, path_.string(),
                     where(prefix.empty() ? "/" : prefix));
    prefix += "/" + part;
    if (H5Lexists(file_.get(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return H5Oexists_by_name(file_.get(), object.c_str(), H5P_DEFAULT) > 0;
}

Handle File::open_dataset(const std::string& dataset) const {
  if (!exists(dataset)) throw InputError(fmt::format("{}: dataset is missing", where(dataset)));
  hid_t id = H5Dopen2(file_.get(), dataset.c_str(), H5P_DEFAULT);
  if (id < 0) throw InputError(fmt::format("{}: not a dataset", where(dataset)));
  return Handle(id, H5Dclose);
}

ColumnInfo File::info(const std::string& dataset) const {
  Handle ds = open_dataset(dataset);
  Handle type = type_handle(H5Dget_type(ds.get()));
  Handle space(H5Dget_space(ds.get()), H5Sclose);
  ColumnInfo info;
  info.bytes = H5Tget_size(type.get());
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER:
      info.kind = ColumnInfo::Kind::integer;
      info.is_signed = H5Tget_sign(type.get()) == H5T_SGN_2;
      break;
    case H5T_FLOAT:
      info.kind = ColumnInfo::Kind::floating;
      break;
    case H5T_STRING:
      info.kind = ColumnInfo::Kind::string;
      info.variable_length = H5Tis_variable_str(type.get()) > 0;
      break;
    default:
      info.kind = ColumnInfo::Kind::other;
  }
  info.rank = H5Sget_simple_extent_ndims(space.get());
  if (info.rank < 0) throw InputError(fmt::format("{}: unreadable dataspace", where(dataset)));
  std::vector<hsize_t> dims(static_cast<std::size_t>(info.rank));
  if (info.rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  for (auto d : dims) info.dims.push_back(static_cast<std::int64_t>(d));
  return info;
}

template <class T>
void File::read(const std::string& dataset, std::int64_t offset, std::int64_t count, T* out) const {
  if (count <= 0) return;
  Handle ds = open_dataset(dataset);
  Handle space(H5Dget_space(ds.get()), H5Sclose);
  Handle mem = select_rows<InputError>(space.get(), offset, count, where(dataset));
  if (H5Dread(ds.get(), native_type<T>(), mem.get(), space.get(), H5P_DEFAULT, out) < 0)
    throw InputError(fmt::format("{}: cannot read rows {}..{} (corrupt data, or a type that "
                                 "does not convert to {} bytes)",
                                 where(dataset), offset, offset + count, sizeof(T)));
}

template <class T>
std::vector<T> File::read_all(const std::string& dataset) const {
  ColumnInfo ci = info(dataset);
  if (ci.rank != 1)
    throw InputError(fmt::format("{}: expected a 1-D dataset, found rank {}", where(dataset), ci.rank));
  std::vector<T> out(static_cast<std::size_t>(ci.length()));
  read(dataset, 0, ci.length(), out.data());
  return out;
}

namespace {

// One read of a string selection: the dataset, its file and memory spaces, the memory type
// (character set set) and what the messages name.
struct StringRead {
  hid_t ds, file_space, mem_space, mem_type;
  std::int64_t offset, count;
  const std::string& where;

  void read(void* out) const {
    if (H5Dread(ds, mem_type, mem_space, file_space, H5P_DEFAULT, out) < 0)
      throw InputError(
          fmt::format("{}: cannot read strings {}..{}", where, offset, offset + count));
  }
};

void read_vlen_strings(const StringRead& r, std::vector<std::string>& out) {
  H5Tset_size(r.mem_type, H5T_VARIABLE);
  std::vector<char*> raw(static_cast<std::size_t>(r.count), nullptr);
  r.read(raw.data());
  for (char* s : raw) out.emplace_back(s ? s : "");
#if H5_VERSION_GE(1, 12, 0)
  H5Treclaim(r.mem_type, r.mem_space, H5P_DEFAULT, raw.data());
#else
  H5Dvlen_reclaim(r.mem_type, r.mem_space, H5P_DEFAULT, raw.data());
#endif
}

void read_fixed_strings(const StringRead& r, std::size_t width, std::vector<std::string>& out) {
  if (width > kMaxFixedString)
    throw InputError(fmt::format("{}: strings of {} bytes each; at most {} are supported (a "
                                 "damaged file?)",
                                 r.where, width, kMaxFixedString));
  H5Tset_size(r.mem_type, width);
  H5Tset_strpad(r.mem_type, H5T_STR_NULLPAD);
  std::vector<char> raw(width * static_cast<std::size_t>(r.count));
  r.read(raw.data());
  for (std::int64_t k = 0; k < r.count; ++k) {
    const char* s = raw.data() + static_cast<std::size_t>(k) * width;
    std::size_t len = strnlen(s, width);
    while (len > 0 && s[len - 1] == ' ') --len;  // space-padded strings (Fortran style)
    out.emplace_back(s, len);
  }
}

}  // namespace

std::vector<std::string> File::read_strings(const std::string& dataset, std::int64_t offset,
                                            std::int64_t count) const {
  ColumnInfo ci = info(dataset);
  const std::string at = where(dataset);
  if (ci.kind != ColumnInfo::Kind::string || ci.rank != 1)
    throw InputError(fmt::format("{}: expected a 1-D string dataset, found {} of rank {}", at,
                                 ci.type_name(), ci.rank));
  if (count < 0) count = ci.length() - offset;
  std::vector<std::string> out;
  if (count <= 0) return out;
  if (offset < 0 || offset + count > ci.length())
    throw InputError(fmt::format("{}: rows {}..{} are outside the dataset's {} rows", at, offset,
                                 offset + count, ci.length()));
  out.reserve(static_cast<std::size_t>(count));

  Handle ds = open_dataset(dataset);
  Handle file_type = type_handle(H5Dget_type(ds.get()));
  Handle space(H5Dget_space(ds.get()), H5Sclose);
  Handle mem_space = select_rows<InputError>(space.get(), offset, count, at);
  Handle mem_type = type_handle(H5Tcopy(H5T_C_S1));
  const H5T_cset_t cset = H5Tget_cset(file_type.get());
  if (cset != H5T_CSET_ASCII && cset != H5T_CSET_UTF8)
    throw InputError(fmt::format("{}: damaged file or unsupported string encoding (character "
                                 "set {})", at, static_cast<int>(cset)));
  H5Tset_cset(mem_type.get(), cset);
  const StringRead r{ds.get(), space.get(), mem_space.get(), mem_type.get(), offset, count, at};
  if (ci.variable_length) {
    // libhdf5 trusts the string heap; a damaged one must fail here, not inside its read.
    check_vlen_heap(file_.get(), ds.get(), path_.string(), at, offset, count);
    read_vlen_strings(r, out);
  } else {
    read_fixed_strings(r, ci.bytes, out);
  }
  return out;
}

std::vector<float> File::read_matrix(const std::string& dataset, std::int64_t& rows,
                                     std::int64_t& cols) const {
  ColumnInfo ci = info(dataset);
  if (ci.rank != 2 || ci.kind != ColumnInfo::Kind::floating)
    throw InputError(fmt::format("{}: expected a 2-D float matrix, found {} of rank {}",
                                 where(dataset), ci.type_name(), ci.rank));
  rows = ci.dims[0];
  cols = ci.dims[1];
  std::vector<float> out(static_cast<std::size_t>(rows * cols));
  Handle ds = open_dataset(dataset);
  if (!out.empty() &&
      H5Dread(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    throw InputError(fmt::format("{}: cannot read matrix", where(dataset)));
  return out;
}

void File::ensure_parent_groups(const std::string& object) {
  auto parts = split_path(object);
  std::string prefix;
  for (std::size_t k = 0; k + 1 < parts.size(); ++k) {
    prefix += "/" + parts[k];
    if (H5Lexists(file_.get(), prefix.c_str(), H5P_DEFAULT) > 0) continue;
    Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
    H5Pset_obj_track_times(gcpl.get(), false);
    Handle g(H5Gcreate2(file_.get(), prefix.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT),
             H5Gclose);
    if (!g.valid()) throw RunError(fmt::format("{}: cannot create group", where(prefix)));
  }
}

void File::write_raw(const std::string& dataset, hid_t file_type, hid_t mem_type,
                     const void* data, std::int64_t n) {
  ensure_parent_groups(dataset);
  hsize_t dims = static_cast<hsize_t>(n);
  Handle space(H5Screate_simple(1, &dims, nullptr), H5Sclose);
  Handle plist = chunked_plist(n);
  Handle ds(H5Dcreate2(file_.get(), dataset.c_str(), file_type, space.get(), H5P_DEFAULT,
                       plist.get(), H5P_DEFAULT),
            H5Dclose);
  if (!ds.valid()) throw RunError(fmt::format("{}: cannot create dataset", where(dataset)));
  if (n > 0 && H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    throw RunError(fmt::format("{}: cannot write {} elements", where(dataset), n));
}

template <class T>
void File::write(const std::string& dataset, const T* data, std::int64_t n) {
  // Stored little-endian with the same width and signedness as T.
  hid_t file_type = native_type<T>();
  write_raw(dataset, file_type, native_type<T>(), data, n);
}

template <class T>
void File::create_column(const std::string& dataset, std::int64_t n) {
  if (n < 0) throw RunError(fmt::format("{}: negative column length {}", where(dataset), n));
  ensure_parent_groups(dataset);
  hsize_t dims = static_cast<hsize_t>(n);
  Handle space(H5Screate_simple(1, &dims, nullptr), H5Sclose);
  Handle plist = chunked_plist(n);
  // Chunks never written need no storage and read back as the fill value 0.
  H5Pset_fill_time(plist.get(), H5D_FILL_TIME_IFSET);
  Handle ds(H5Dcreate2(file_.get(), dataset.c_str(), native_type<T>(), space.get(), H5P_DEFAULT,
                       plist.get(), H5P_DEFAULT),
            H5Dclose);
  if (!ds.valid()) throw RunError(fmt::format("{}: cannot create dataset", where(dataset)));
}

template <class T>
void File::write_range(const std::string& dataset, std::int64_t offset, const T* data,
                       std::int64_t count) {
  if (count <= 0) return;
  hid_t id = H5Dopen2(file_.get(), dataset.c_str(), H5P_DEFAULT);
  if (id < 0) throw RunError(fmt::format("{}: cannot open dataset for writing", where(dataset)));
  Handle ds(id, H5Dclose);
  Handle space(H5Dget_space(ds.get()), H5Sclose);
  const hssize_t length = H5Sget_simple_extent_npoints(space.get());
  if (offset < 0 || offset + count > static_cast<std::int64_t>(length))
    throw RunError(fmt::format("{}: rows {}..{} are outside the column's {} rows", where(dataset),
                               offset, offset + count, static_cast<std::int64_t>(length)));
  Handle mem = select_rows<RunError>(space.get(), offset, count, where(dataset));
  if (H5Dwrite(ds.get(), native_type<T>(), mem.get(), space.get(), H5P_DEFAULT, data) < 0)
    throw RunError(fmt::format("{}: cannot write rows {}..{}", where(dataset), offset,
                               offset + count));
}

void File::write_strings(const std::string& dataset, const std::vector<std::string>& values) {
  Handle type = type_handle(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (const auto& v : values) ptrs.push_back(v.c_str());
  write_raw(dataset, type.get(), type.get(), ptrs.data(), static_cast<std::int64_t>(values.size()));
}

void File::write_matrix(const std::string& dataset, const float* data, std::int64_t rows,
                        std::int64_t cols) {
  ensure_parent_groups(dataset);
  hsize_t dims[2] = {static_cast<hsize_t>(rows), static_cast<hsize_t>(cols)};
  Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
  Handle plist = chunked_plist(rows, std::max<std::int64_t>(cols, 1));
  Handle ds(H5Dcreate2(file_.get(), dataset.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                       plist.get(), H5P_DEFAULT),
            H5Dclose);
  if (!ds.valid()) throw RunError(fmt::format("{}: cannot create matrix", where(dataset)));
  if (rows * cols > 0 &&
      H5Dwrite(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    throw RunError(fmt::format("{}: cannot write matrix", where(dataset)));
}

namespace {

Handle open_object(hid_t file, const std::string& object) {
  return Handle(H5Oopen(file, object.c_str(), H5P_DEFAULT), H5Oclose);
}

void write_attr(hid_t file, const std::string& where, const std::string& object,
                const std::string& name, hid_t type, const void* value) {
  Handle obj = open_object(file, object);
  if (!obj.valid()) throw RunError(fmt::format("{}: cannot open object for attribute", where));
  if (H5Aexists(obj.get(), name.c_str()) > 0) H5Adelete(obj.get(), name.c_str());
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(obj.get(), name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose);
  if (!attr.valid() || H5Awrite(attr.get(), type, value) < 0)
    throw RunError(fmt::format("{}: cannot write attribute '{}'", where, name));
}

// An open attribute holding one value; obj keeps its object open while it is read.
struct ScalarAttr {
  Handle obj, attr, type;
};

// Opens attribute `name` of `object`, which must hold a single value of one of `classes`:
// InputError "attribute 'x' is not {a_kind}" or "... is not a single {kind}" otherwise.
ScalarAttr open_scalar_attr(hid_t file, const std::string& where, const std::string& object,
                            const std::string& name, std::initializer_list<H5T_class_t> classes,
                            const char* a_kind, const char* kind) {
  ScalarAttr a;
  a.obj = open_object(file, object);
  a.attr = Handle(H5Aopen(a.obj.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
  a.type = type_handle(H5Aget_type(a.attr.get()));
  if (std::find(classes.begin(), classes.end(), H5Tget_class(a.type.get())) == classes.end())
    throw InputError(fmt::format("{}: attribute '{}' is not {}", where, name, a_kind));
  Handle space(H5Aget_space(a.attr.get()), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.get()) != 1)  // the reads fill one value
    throw InputError(fmt::format("{}: attribute '{}' is not a single {}", where, name, kind));
  return a;
}

// Reads the attribute, converted to memory type `mem`, into `out`; InputError on failure.
void read_attr(const ScalarAttr& a, hid_t mem, void* out, const std::string& where,
               const std::string& name) {
  if (H5Aread(a.attr.get(), mem, out) < 0)
    throw InputError(fmt::format("{}: cannot read attribute '{}'", where, name));
}

// A numeric attribute (see open_scalar_attr) read as T, HDF5 converting the stored value.
template <class T>
T read_number_attr(hid_t file, const std::string& where, const std::string& object,
                   const std::string& name, std::initializer_list<H5T_class_t> classes,
                   const char* a_kind, const char* kind) {
  const ScalarAttr a = open_scalar_attr(file, where, object, name, classes, a_kind, kind);
  T v = 0;
  read_attr(a, native_type<T>(), &v, where, name);
  return v;
}

}  // namespace

void File::set_attr(const std::string& object, const std::string& name, const std::string& value) {
  Handle type = type_handle(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  const char* p = value.c_str();
  write_attr(file_.get(), where(object), object, name, type.get(), &p);
}

void File::set_attr(const std::string& object, const std::string& name, std::int64_t value) {
  write_attr(file_.get(), where(object), object, name, H5T_NATIVE_INT64, &value);
}

void File::set_attr(const std::string& object, const std::string& name, double value) {
  write_attr(file_.get(), where(object), object, name, H5T_NATIVE_DOUBLE, &value);
}

bool File::has_attr(const std::string& object, const std::string& name) const {
  if (!exists(object)) return false;
  Handle obj = open_object(file_.get(), object);
  return obj.valid() && H5Aexists(obj.get(), name.c_str()) > 0;
}

std::optional<std::string> File::attr_string(const std::string& object,
                                             const std::string& name) const {
  if (!has_attr(object, name)) return std::nullopt;
  const std::string at = where(object);
  const ScalarAttr a =
      open_scalar_attr(file_.get(), at, object, name, {H5T_STRING}, "a string", "string");
  Handle mem = type_handle(H5Tcopy(H5T_C_S1));
  H5Tset_cset(mem.get(), H5Tget_cset(a.type.get()));
  if (H5Tis_variable_str(a.type.get()) > 0) {
    check_vlen_attribute_heap(file_.get(), a.obj.get(), path_.string(), at, name);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    char* s = nullptr;
    read_attr(a, mem.get(), &s, at, name);
    std::string out = s ? s : "";
    Handle scalar(H5Screate(H5S_SCALAR), H5Sclose);
#if H5_VERSION_GE(1, 12, 0)
    H5Treclaim(mem.get(), scalar.get(), H5P_DEFAULT, &s);
#else
    H5Dvlen_reclaim(mem.get(), scalar.get(), H5P_DEFAULT, &s);
#endif
    return out;
  }
  std::size_t width = H5Tget_size(a.type.get());
  H5Tset_size(mem.get(), width);
  std::vector<char> buf(width + 1, '\0');
  read_attr(a, mem.get(), buf.data(), at, name);
  return std::string(buf.data(), strnlen(buf.data(), width));
}

std::optional<std::int64_t> File::attr_int(const std::string& object,
                                           const std::string& name) const {
  if (!has_attr(object, name)) return std::nullopt;
  return read_number_attr<std::int64_t>(file_.get(), where(object), object, name, {H5T_INTEGER},
                                        "an integer", "integer");
}

std::optional<double> File::attr_double(const std::string& object, const std::string& name) const {
  if (!has_attr(object, name)) return std::nullopt;
  return read_number_attr<double>(file_.get(), where(object), object, name,
                                  {H5T_INTEGER, H5T_FLOAT}, "a number", "number");
}

void File::close() {
  if (file_.valid() && H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) < 0)
    throw RunError(fmt::format("{}: cannot flush", path_.string()));
  file_ = Handle();
}

void create_atomically(const std::filesystem::path& path, const std::string& format,
                       std::int64_t format_version, const std::function<void(File&)>& fill) {
  AtomicOutput out(path);
  {
    File f = File::create(out.temp_path());
    f.set_attr("/", "format", format);
    f.set_attr("/", "format_version", format_version);
    fill(f);
    f.close();
  }
  out.commit();
}

#define TAILOR_H5_INSTANTIATE(T)                                                              \
  template void File::read<T>(const std::string&, std::int64_t, std::int64_t, T*) const;     \
  template std::vector<T> File::read_all<T>(const std::string&) const;                         \
  template void File::write<T>(const std::string&, const T*, std::int64_t);
TAILOR_H5_INSTANTIATE(float)
TAILOR_H5_INSTANTIATE(double)
TAILOR_H5_INSTANTIATE(std::int8_t)
TAILOR_H5_INSTANTIATE(std::uint8_t)
TAILOR_H5_INSTANTIATE(std::int32_t)
TAILOR_H5_INSTANTIATE(std::uint32_t)
TAILOR_H5_INSTANTIATE(std::int64_t)
TAILOR_H5_INSTANTIATE(std::uint64_t)
#undef TAILOR_H5_INSTANTIATE

#define TAILOR_H5_INSTANTIATE_RANGE(T)                                                       \
  template void File::create_column<T>(const std::string&, std::int64_t);                     \
  template void File::write_range<T>(const std::string&, std::int64_t, const T*, std::int64_t);
TAILOR_H5_INSTANTIATE_RANGE(float)
TAILOR_H5_INSTANTIATE_RANGE(double)
TAILOR_H5_INSTANTIATE_RANGE(std::uint8_t)
TAILOR_H5_INSTANTIATE_RANGE(std::int32_t)
TAILOR_H5_INSTANTIATE_RANGE(std::uint32_t)
TAILOR_H5_INSTANTIATE_RANGE(std::int64_t)
TAILOR_H5_INSTANTIATE_RANGE(std::uint64_t)
#undef TAILOR_H5_INSTANTIATE_RANGE

}  // namespace tailor::h5
