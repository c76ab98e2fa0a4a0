// The evaluation tests' shop: four customers, five items; the cutoff is day 6.
//   train:  c0 buys i0 (day 1), i1 (day 3)   c1 buys i0 twice (days 1, 2), i2 (day 4)
//           c2 buys i0 (day 2)               c3 buys i1 (day 2)
//   test:   c0 buys i2 and i0 again          c1 buys i0 again (a repeat only)
//           c2 buys i3                       c3 buys nothing
// Popularity (distinct training customers): i0 3, i1 2, i2 1, i3 0, i4 0.
#pragma once

#include <cstdint>

#include "host/data/dataset.hpp"

namespace tailor::testing {

inline constexpr std::int64_t kShopDay = 86400;

inline Dataset tiny_shop() {
  Dataset d;
  d.path = "tiny.h5";
  d.customer_ids = {"c0", "c1", "c2", "c3"};
  d.item_ids = {"i0", "i1", "i2", "i3", "i4"};
  struct Row { std::uint32_t c, i; std::int64_t day; };
  const Row rows[] = {{0, 0, 1}, {0, 1, 3}, {1, 0, 1}, {1, 0, 2}, {1, 2, 4}, {2, 0, 2}, {3, 1, 2},
                      {0, 2, 7}, {0, 0, 8}, {1, 0, 7}, {2, 3, 9}};
  for (const auto& r : rows) {
    d.log.customer.push_back(r.c);
    d.log.item.push_back(r.i);
    d.log.time.push_back(r.day * kShopDay);
  }
  return d;
}

}  // namespace tailor::testing
