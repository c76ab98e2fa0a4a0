// Ids to their index: customers and items are matched between the data, the model and the
// config's lists by id, never by position.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tailor {

// No item: an index that names none (e.g. no "because you bought" item, an id another list
// lacks).
inline constexpr std::uint32_t kNoItem = std::numeric_limits<std::uint32_t>::max();

// id -> its index in the vector it was made from; the keys view that vector, which must outlive
// the map.
using IdIndex = std::unordered_map<std::string_view, std::uint32_t>;

inline IdIndex index_of(const std::vector<std::string>& ids) {
  IdIndex out;
  out.reserve(ids.size());
  for (std::size_t k = 0; k < ids.size(); ++k) out.emplace(ids[k], static_cast<std::uint32_t>(k));
  return out;
}

// For each id of `from`, its index in `to`, or kNoItem where `to` lacks it (the identity when
// the two are equal).
inline std::vector<std::uint32_t> map_ids(const std::vector<std::string>& from,
                                          const std::vector<std::string>& to) {
  std::vector<std::uint32_t> out(from.size());
  if (from == to) {
    for (std::size_t k = 0; k < from.size(); ++k) out[k] = static_cast<std::uint32_t>(k);
    return out;
  }
  const IdIndex index = index_of(to);
  for (std::size_t k = 0; k < from.size(); ++k) {
    auto it = index.find(from[k]);
    out[k] = it == index.end() ? kNoItem : it->second;
  }
  return out;
}

}  // namespace tailor
