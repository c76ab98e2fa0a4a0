// One table per enum for its names, so that to_string and parse can never disagree:
//   inline constexpr NameTable<Protocol, 2> kProtocolNames{
//       "protocol", {{{Protocol::new_items, "new"}, {Protocol::all_items, "all"}}}};
//   kProtocolNames.name(p)      -> "new"
//   kProtocolNames.parse("all") -> Protocol::all_items; InputError for an unknown name:
//                                  "unknown protocol 'x': use new or all"
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "host/core/error.hpp"

namespace tailor {

template <class E, std::size_t N>
struct NameTable {
  const char* what;  // what the names are names of, for the error ("confidence scaling")
  std::array<std::pair<E, const char*>, N> entries;

  // The name of e; "?" for a value outside the table (a cast from a bad integer).
  [[nodiscard]] constexpr const char* name(E e) const {
    for (const auto& [value, text] : entries)
      if (value == e) return text;
    return "?";
  }
  [[nodiscard]] std::optional<E> find(std::string_view text) const {
    for (const auto& [value, name] : entries)
      if (text == name) return value;
    return std::nullopt;
  }
  // "linear or log", "repeat, discovery, model or popular".
  [[nodiscard]] std::string choices(const char* last_joiner = " or ") const {
    std::string out;
    for (std::size_t k = 0; k < N; ++k) {
      if (k > 0) out += k + 1 == N ? last_joiner : ", ";
      out += entries[k].second;
    }
    return out;
  }
  [[nodiscard]] E parse(std::string_view text) const {
    if (auto e = find(text)) return *e;
    throw InputError(fmt::format("unknown {} '{}': use {}", what, text, choices()));
  }
};

}  // namespace tailor
