// The global heap check of h5_heap_check.hpp. Formats (HDF5 File Format Specification 2.0):
//   heap id, as stored per row:  length (4 bytes), collection address (sizeof_addr), index (4)
//   collection:  "GCOL", version 1, 3 reserved, collection size (sizeof_size), then objects
//   object:      index (2), reference count (2), reserved (4), size (sizeof_size), data padded
//                to a multiple of 8; index 0 is free space, whose size covers its header.
#include "host/io/h5_heap_check.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <unordered_map>
#include <vector>

#include "host/core/error.hpp"

namespace tailor::h5 {
namespace {

using Bytes = std::vector<unsigned char>;

constexpr std::size_t kHeapIdFixed = 8;  // the length and index fields of a heap id

struct Layout {
  std::size_t addr = 8, len = 8;  // sizeof_addr, sizeof_size of the file
  std::uint64_t base = 0;         // user block: addresses are relative to its end
  [[nodiscard]] std::size_t id_bytes() const { return kHeapIdFixed + addr; }
  [[nodiscard]] std::size_t object_header() const { return 8 + len; }
};

Layout file_layout(hid_t file) {
  Layout l;
  const hid_t fcpl = H5Fget_create_plist(file);
  if (fcpl < 0) return l;
  hsize_t user_block = 0;
  H5Pget_sizes(fcpl, &l.addr, &l.len);
  H5Pget_userblock(fcpl, &user_block);
  H5Pclose(fcpl);
  l.base = user_block;
  return l;
}

std::uint64_t little_endian(const unsigned char* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t k = n; k-- > 0;) v = (v << 8) | p[k];
  return v;
}

struct HeapId {
  std::uint64_t length, address;
  std::uint32_t index;
};

HeapId decode_id(const unsigned char* p, const Layout& l) {
  return {little_endian(p, 4), little_endian(p + 4, l.addr),
          static_cast<std::uint32_t>(little_endian(p + 4 + l.addr, 4))};
}

// ---- the stored heap ids ----------------------------------------------------------------------

bool known_filter(H5Z_filter_t filter) {
  return filter == H5Z_FILTER_FLETCHER32 || filter == H5Z_FILTER_DEFLATE ||
         filter == H5Z_FILTER_SHUFFLE;
}

// Undoes one (known) filter of a chunk; false when the chunk does not decode.
bool unfilter(H5Z_filter_t filter, std::size_t element, std::size_t expected, Bytes& data) {
  if (filter == H5Z_FILTER_FLETCHER32) {
    if (data.size() < 4) return false;
    data.resize(data.size() - 4);
    return true;
  }
  if (filter == H5Z_FILTER_DEFLATE) {
    Bytes out(expected);
    uLongf size = static_cast<uLongf>(expected);
    if (uncompress(out.data(), &size, data.data(), static_cast<uLong>(data.size())) != Z_OK)
      return false;
    out.resize(size);
    data.swap(out);
    return true;
  }
  const std::size_t n = data.size() / element;  // shuffle
  Bytes out(data);
  for (std::size_t b = 0; b < element; ++b)
    for (std::size_t k = 0; k < n; ++k) out[k * element + b] = data[b * n + k];
  data.swap(out);
  return true;
}

// The filters of a chunked dataset, in the order they were applied when writing.
std::vector<H5Z_filter_t> filters_of(hid_t dcpl) {
  std::vector<H5Z_filter_t> filters;
  const int n = H5Pget_nfilters(dcpl);
  for (int k = 0; k < n; ++k) {
    unsigned flags = 0, config = 0;
    std::size_t nvalues = 0;
    filters.push_back(H5Pget_filter2(dcpl, static_cast<unsigned>(k), &flags, &nvalues, nullptr, 0,
                                     nullptr, &config));
  }
  return filters;
}

struct Storage {
  hid_t dataset;
  const Layout& layout;
  const std::string& path;
  const std::string& where;  // file and dataset, for messages
};

// Reads `n` bytes at absolute file offset `at`; nullopt when they are not all in the file.
std::optional<Bytes> read_file_bytes(const std::string& path, std::uint64_t at, std::uint64_t n) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || at > size || n > size - at) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  Bytes out(static_cast<std::size_t>(n));
  in.seekg(static_cast<std::streamoff>(at));
  if (!in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(n)))
    return std::nullopt;
  return out;
}

// The raw heap ids of the chunk starting at row `start` (`rows` rows per chunk), unfiltered
// (the filters all known_filter); zeros (null strings) for a chunk never written. InputError
// when it does not decode to a whole chunk: libhdf5's decoder may take such damage for data.
Bytes chunk_ids(const Storage& s, const std::vector<H5Z_filter_t>& filters, hsize_t start,
                hsize_t rows) {
  const std::size_t element = s.layout.id_bytes(), expected = element * rows;
  hsize_t stored = 0;
  if (H5Dget_chunk_storage_size(s.dataset, &start, &stored) < 0 || stored == 0)
    return Bytes(expected, 0);
  Bytes data(static_cast<std::size_t>(stored));
  std::uint32_t mask = 0;
  bool ok = H5Dread_chunk(s.dataset, H5P_DEFAULT, &start, &mask, data.data()) >= 0;
  for (std::size_t k = filters.size(); ok && k-- > 0;)
    ok = (mask & (1u << k)) || unfilter(filters[k], element, expected, data);
  if (!ok || data.size() != expected)
    throw InputError(fmt::format("{}: rows {}..{}: damaged file: the stored chunk does not "
                                 "decompress to {} strings",
                                 s.where, start, start + rows, rows));
  return data;
}

// The stored heap ids of rows [first, first + n) (row r at (r - first) * id_bytes), or nullopt
// when the storage is not one this check decodes.
std::optional<Bytes> stored_ids(const Storage& s, hsize_t first, hsize_t n) {
  const hid_t dcpl = H5Dget_create_plist(s.dataset);
  if (dcpl < 0) return std::nullopt;
  const H5D_layout_t layout = H5Pget_layout(dcpl);
  hsize_t chunk = 0;
  const bool chunked = layout == H5D_CHUNKED && H5Pget_chunk(dcpl, 1, &chunk) == 1 && chunk > 0;
  const std::vector<H5Z_filter_t> filters = chunked ? filters_of(dcpl) : std::vector<H5Z_filter_t>{};
  H5Pclose(dcpl);
  const std::size_t element = s.layout.id_bytes();
  if (layout == H5D_CONTIGUOUS) {
    const haddr_t at = H5Dget_offset(s.dataset);
    if (at == HADDR_UNDEF) return std::nullopt;
    return read_file_bytes(s.path, at + first * element, n * element);
  }
  if (!chunked || !std::all_of(filters.begin(), filters.end(), known_filter)) return std::nullopt;
  Bytes out(static_cast<std::size_t>(n) * element);
  for (hsize_t c = first / chunk * chunk; c < first + n; c += chunk) {
    const Bytes part = chunk_ids(s, filters, c, chunk);
    const hsize_t from = std::max(c, first), to = std::min(c + chunk, first + n);
    std::memcpy(out.data() + (from - first) * element, part.data() + (from - c) * element,
                (to - from) * element);
  }
  return out;
}

// ---- collections ------------------------------------------------------------------------------

using Objects = std::unordered_map<std::uint32_t, std::uint64_t>;  // index -> object size

// The objects of the collection at `address`; InputError when it is not a whole collection.
Objects read_collection(const Storage& s, std::uint64_t address) {
  const std::string& where = s.where;
  const Layout& l = s.layout;
  const std::size_t header = 8 + l.len;
  auto fail = [&](const char* what) {
    return InputError(fmt::format("{}: damaged file: the string heap at byte {} {}", where,
                                  address, what));
  };
  const std::optional<Bytes> head = read_file_bytes(s.path, l.base + address, header);
  if (!head || std::memcmp(head->data(), "GCOL", 4) != 0 || (*head)[4] != 1)
    throw fail("is not a global heap collection");
  const std::uint64_t size = little_endian(head->data() + 8, l.len);
  const std::optional<Bytes> all =
      size >= header ? read_file_bytes(s.path, l.base + address, size) : std::nullopt;
  if (!all) throw fail("has a size beyond the end of the file");
  Objects objects;
  for (std::uint64_t p = header; p + l.object_header() <= size;) {
    const auto index = static_cast<std::uint32_t>(little_endian(all->data() + p, 2));
    const std::uint64_t bytes = little_endian(all->data() + p + 8, l.len);
    const std::uint64_t need = index ? l.object_header() + (bytes + 7) / 8 * 8 : bytes;
    if (need < l.object_header() || need > size - p || bytes > size) throw fail("has an object beyond its end");
    if (index) objects[index] = bytes;
    p += need;
  }
  return objects;
}

// Every heap id of `ids` (n of them, the first for row `first_row`) names an object of its size
// in a whole collection; InputError otherwise.
void check_ids(const Storage& s, const Bytes& ids, std::size_t n, std::int64_t first_row) {
  const std::string& where = s.where;
  const Layout& layout = s.layout;
  std::unordered_map<std::uint64_t, Objects> collections;
  for (std::size_t r = 0; r < n; ++r) {
    const HeapId id = decode_id(ids.data() + r * layout.id_bytes(), layout);
    if (id.address == 0 && id.length == 0) continue;  // a null string
    if (id.address == 0)  // libhdf5 would size a buffer by the length anyway
      throw InputError(fmt::format("{}: row {}: damaged file: a null string of {} bytes", where,
                                   first_row + static_cast<std::int64_t>(r), id.length));
    auto it = collections.find(id.address);
    if (it == collections.end())
      it = collections.emplace(id.address, read_collection(s, id.address)).first;
    const auto object = it->second.find(id.index);
    if (id.index == 0 || object == it->second.end() || object->second != id.length)
      throw InputError(fmt::format(
          "{}: row {}: damaged file: the string's heap entry (index {}, {} bytes) is not in the "
          "string heap at byte {}",
          where, first_row + static_cast<std::int64_t>(r), id.index, id.length, id.address));
  }
}

bool usable(const Layout& l) { return l.addr >= 1 && l.addr <= 8 && l.len >= 1 && l.len <= 8; }

// ---- attributes -------------------------------------------------------------------------------

constexpr std::uint16_t kContinuationMessage = 0x10;
constexpr std::uint16_t kAttributeMessage = 0x0C;
constexpr std::uint16_t kDatatypeMessage = 0x03;
constexpr std::uint16_t kSymbolTableMessage = 0x11;
constexpr unsigned kVlenClass = 9;
constexpr int kMaxHeaderBlocks = 64;  // continuation blocks followed; more is a damaged header

std::size_t pad8(std::size_t n) { return (n + 7) / 8 * 8; }

// The stored heap ids of attribute `name` in one attribute message, when it is that attribute
// and holds variable-length data; nullopt otherwise.
std::optional<Bytes> attribute_ids(const unsigned char* m, std::size_t size,
                                   const std::string& name, const std::string& where) {
  if (size < 9 || m[0] < 1 || m[0] > 3) return std::nullopt;
  const std::size_t name_size = little_endian(m + 2, 2), type_size = little_endian(m + 4, 2),
                    space_size = little_endian(m + 6, 2);
  const bool padded = m[0] == 1;
  auto step = [&](std::size_t n) { return padded ? pad8(n) : n; };
  const std::size_t at_name = m[0] == 3 ? 9 : 8, at_type = at_name + step(name_size),
                    at_data = at_type + step(type_size) + step(space_size);
  if (at_name + name_size > size) return std::nullopt;
  const std::string stored(reinterpret_cast<const char*>(m + at_name),
                           strnlen(reinterpret_cast<const char*>(m + at_name), name_size));
  if (stored != name) return std::nullopt;
  if (at_data > size || type_size < 1)  // libhdf5 would parse it anyway, and trust the result
    throw InputError(fmt::format("{}: damaged file: the attribute's parts overrun its message",
                                 where));
  if ((m[at_type] & 0x0F) != kVlenClass) return std::nullopt;
  if (type_size < 16 || little_endian(m + at_type + 12, 4) != 1)  // see check_string_type
    throw InputError(fmt::format("{}: damaged file: the string type is not one of 1-byte "
                                 "characters", where));
  return Bytes(m + at_data, m + size);
}

// Object header version 1 at `address`: the blocks of messages (start, length), the first one
// after the 16-byte prefix, the others named by continuation messages. Calls fn(type, data,
// size) per message. False for another header version (not checked here).
template <class Fn>
bool for_each_message(const Storage& s, std::uint64_t address, Fn&& fn) {
  const std::optional<Bytes> prefix = read_file_bytes(s.path, s.layout.base + address, 16);
  if (!prefix || (*prefix)[0] != 1) return false;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> blocks{
      {address + 16, little_endian(prefix->data() + 8, 4)}};
  for (std::size_t b = 0; b < blocks.size() && b < kMaxHeaderBlocks; ++b) {
    const std::optional<Bytes> block =
        read_file_bytes(s.path, s.layout.base + blocks[b].first, blocks[b].second);
    if (!block) return true;  // libhdf5 reports a header beyond the file itself
    for (std::size_t p = 0; p + 8 <= block->size();) {
      const auto type = static_cast<std::uint16_t>(little_endian(block->data() + p, 2));
      const std::size_t size = little_endian(block->data() + p + 2, 2);
      if (size > block->size() - p - 8) break;
      const unsigned char* data = block->data() + p + 8;
      if (type == kContinuationMessage && size >= s.layout.addr + s.layout.len)
        blocks.emplace_back(little_endian(data, s.layout.addr),
                            little_endian(data + s.layout.addr, s.layout.len));
      fn(type, data, size);
      p += 8 + size;
    }
  }
  return true;
}

// A variable-length string's datatype message names its base type, one byte per character;
// libhdf5 sizes its buffers by that byte count (a damaged one makes it fill gigabytes).
void check_string_type(const Storage& s, hid_t object) {
  H5O_info_t info;
  if (H5Oget_info2(object, &info, H5O_INFO_BASIC) < 0) return;
  for_each_message(s, info.addr, [&](std::uint16_t type, const unsigned char* data,
                                     std::size_t size) {
    if (type != kDatatypeMessage || size < 16 || (data[0] & 0x0F) != kVlenClass) return;
    const std::uint64_t character = little_endian(data + 12, 4);
    if (character != 1)
      throw InputError(fmt::format("{}: damaged file: the string type has characters of {} bytes",
                                   s.where, character));
  });
}

}  // namespace

void check_vlen_heap(hid_t file, hid_t dataset, const std::string& path, const std::string& where,
                     std::int64_t offset, std::int64_t count) {
  if (count <= 0) return;
  const Layout layout = file_layout(file);
  if (!usable(layout)) return;
  const Storage s{dataset, layout, path, where};
  check_string_type(s, dataset);
  const auto first = static_cast<hsize_t>(offset), n = static_cast<hsize_t>(count);
  if (const std::optional<Bytes> ids = stored_ids(s, first, n))
    check_ids(s, *ids, static_cast<std::size_t>(n), offset);
}

void check_group_heap(hid_t file, const std::string& group, const std::string& path,
                      const std::string& where) {
  const Layout layout = file_layout(file);
  H5O_info_t info;
  if (!usable(layout) ||
      H5Oget_info_by_name2(file, group.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0)
    return;
  const Storage s{H5I_INVALID_HID, layout, path, where};
  std::error_code ec;
  const std::uint64_t file_size = std::filesystem::file_size(path, ec);
  for_each_message(s, info.addr, [&](std::uint16_t type, const unsigned char* data,
                                     std::size_t size) {
    if (type != kSymbolTableMessage || size < 2 * layout.addr || ec) return;
    // Local heap: "HEAP", version, 3 reserved, data size, free list offset, data address.
    const std::uint64_t heap = little_endian(data + layout.addr, layout.addr);
    const std::optional<Bytes> h = read_file_bytes(path, layout.base + heap, 8 + 2 * layout.len + layout.addr);
    const std::uint64_t bytes = h ? little_endian(h->data() + 8, layout.len) : 0;
    const std::uint64_t at = h ? little_endian(h->data() + 8 + 2 * layout.len, layout.addr) : 0;
    if (!h || std::memcmp(h->data(), "HEAP", 4) != 0 || bytes > file_size ||
        at > file_size - bytes)
      throw InputError(fmt::format("{}: damaged file: the group's name heap at byte {} is not "
                                   "whole",
                                   where, heap));
  });
}

void check_vlen_attribute_heap(hid_t file, hid_t object, const std::string& path,
                               const std::string& where, const std::string& name) {
  const Layout layout = file_layout(file);
  H5O_info_t info;
  if (!usable(layout) || H5Oget_info2(object, &info, H5O_INFO_BASIC) < 0) return;
  const std::string at = fmt::format("{}: attribute '{}'", where, name);
  const Storage s{H5I_INVALID_HID, layout, path, at};
  for_each_message(s, info.addr, [&](std::uint16_t type, const unsigned char* data,
                                     std::size_t size) {
    if (type != kAttributeMessage) return;
    if (const std::optional<Bytes> ids = attribute_ids(data, size, name, at))
      check_ids(s, *ids, ids->size() / layout.id_bytes(), 0);
  });
}

}  // namespace tailor::h5
