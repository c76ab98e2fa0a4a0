// A thin RAII layer over the HDF5 C API: files, 1-D columns read in ranges (for chunked loading),
// string columns (fixed or variable length, as h5py writes them), matrices, and attributes.
// Every failure throws InputError (reading) or RunError (writing) naming the file and object.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "host/core/error.hpp"

namespace tailor::h5 {

// An owned hid_t with its matching close function; movable, not copyable.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer close) : id_(id), close_(close) {}
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      close_ = o.close_;
      o.id_ = H5I_INVALID_HID;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  [[nodiscard]] hid_t get() const { return id_; }
  [[nodiscard]] bool valid() const { return id_ >= 0; }

 private:
  void reset() noexcept {
    if (id_ >= 0 && close_) close_(id_);
    id_ = H5I_INVALID_HID;
  }
  hid_t id_ = H5I_INVALID_HID;
  Closer close_ = nullptr;
};

// What a dataset holds, enough to validate it before reading.
struct ColumnInfo {
  enum class Kind { integer, floating, string, other };
  Kind kind = Kind::other;
  bool is_signed = false;     // integers
  std::size_t bytes = 0;      // element size in the file (fixed strings: the string length)
  bool variable_length = false;  // strings
  int rank = 0;
  std::vector<std::int64_t> dims;
  [[nodiscard]] std::int64_t length() const { return dims.empty() ? 0 : dims[0]; }
  [[nodiscard]] std::string type_name() const;  // "uint32", "float64", "vlen string", ...
};

class File {
 public:
  // Opens an existing file read-only; InputError if it is missing or not HDF5.
  static File open(const std::filesystem::path& path);
  // Creates (truncating) a file for writing; RunError on failure.
  static File create(const std::filesystem::path& path);

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] hid_t id() const { return file_.get(); }

  // True when every group on the way and the object itself exist ("/a/b/c").
  [[nodiscard]] bool exists(const std::string& object) const;
  [[nodiscard]] ColumnInfo info(const std::string& dataset) const;

  // Reads elements [offset, offset + count) of a 1-D numeric dataset, converted by HDF5 to T.
  // The caller checks the stored type first when a conversion could lose values.
  template <class T>
  void read(const std::string& dataset, std::int64_t offset, std::int64_t count, T* out) const;
  template <class T>
  [[nodiscard]] std::vector<T> read_all(const std::string& dataset) const;
  // A 1-D string dataset (fixed or variable length), elements [offset, offset + count).
  [[nodiscard]] std::vector<std::string> read_strings(const std::string& dataset,
                                                      std::int64_t offset = 0,
                                                      std::int64_t count = -1) const;
  // A 2-D float32 row-major matrix; rows and cols receive its shape.
  [[nodiscard]] std::vector<float> read_matrix(const std::string& dataset, std::int64_t& rows,
                                               std::int64_t& cols) const;

  // Writes a 1-D dataset, chunked and gzip-compressed, creating intermediate groups.
  template <class T>
  void write(const std::string& dataset, const T* data, std::int64_t n);
  void write_strings(const std::string& dataset, const std::vector<std::string>& values);
  // Chunked writing of a large 1-D column without holding it in memory: create_column makes a
  // fixed-size dataset of n elements of T (chunked, shuffle + gzip, as write() does);
  // write_range then fills elements [offset, offset + count) from data (a hyperslab write).
  // Ranges may come in any order; elements never written read back as 0.
  template <class T>
  void create_column(const std::string& dataset, std::int64_t n);
  template <class T>
  void write_range(const std::string& dataset, std::int64_t offset, const T* data,
                   std::int64_t count);
  void write_matrix(const std::string& dataset, const float* data, std::int64_t rows,
                    std::int64_t cols);

  // Attributes on an object ("/" for the root). Strings are written as UTF-8 variable length,
  // as h5py does; reading accepts fixed and variable length.
  void set_attr(const std::string& object, const std::string& name, const std::string& value);
  void set_attr(const std::string& object, const std::string& name, std::int64_t value);
  void set_attr(const std::string& object, const std::string& name, double value);
  [[nodiscard]] bool has_attr(const std::string& object, const std::string& name) const;
  [[nodiscard]] std::optional<std::string> attr_string(const std::string& object,
                                                       const std::string& name) const;
  [[nodiscard]] std::optional<std::int64_t> attr_int(const std::string& object,
                                                     const std::string& name) const;
  [[nodiscard]] std::optional<double> attr_double(const std::string& object,
                                                  const std::string& name) const;

  // Flushes everything to disk (H5Fflush) and closes the file.
  void close();

 private:
  File(std::filesystem::path path, Handle file) : path_(std::move(path)), file_(std::move(file)) {}
  [[nodiscard]] Handle open_dataset(const std::string& dataset) const;
  void ensure_parent_groups(const std::string& object);
  void write_raw(const std::string& dataset, hid_t file_type, hid_t mem_type, const void* data,
                 std::int64_t n);
  [[nodiscard]] std::string where(const std::string& object) const;

  std::filesystem::path path_;
  Handle file_;
};

// Writes the file `path` atomically (host/core/atomic_file.hpp): a new file under a temporary
// name gets the root attributes `format` and `format_version`, then what `fill` writes; it is
// flushed, closed and renamed to `path` when fill returns, and removed when fill throws.
void create_atomically(const std::filesystem::path& path, const std::string& format,
                       std::int64_t format_version, const std::function<void(File&)>& fill);

// HDF5 native memory type for T.
template <class T>
hid_t native_type() {
  if constexpr (std::is_same_v<T, float>) return H5T_NATIVE_FLOAT;
  else if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
  else if constexpr (std::is_same_v<T, std::int8_t>) return H5T_NATIVE_INT8;
  else if constexpr (std::is_same_v<T, std::uint8_t>) return H5T_NATIVE_UINT8;
  else if constexpr (std::is_same_v<T, std::int16_t>) return H5T_NATIVE_INT16;
  else if constexpr (std::is_same_v<T, std::uint16_t>) return H5T_NATIVE_UINT16;
  else if constexpr (std::is_same_v<T, std::int32_t>) return H5T_NATIVE_INT32;
  else if constexpr (std::is_same_v<T, std::uint32_t>) return H5T_NATIVE_UINT32;
  else if constexpr (std::is_same_v<T, std::int64_t>) return H5T_NATIVE_INT64;
  else if constexpr (std::is_same_v<T, std::uint64_t>) return H5T_NATIVE_UINT64;
  else static_assert(sizeof(T) == 0, "no HDF5 native type for T");
}

}  // namespace tailor::h5
