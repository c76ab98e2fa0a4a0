// A small timed shop for the trained history models (item kNN, EASE, TIFU-KNN): the same
// purchases as a training file and as a later file whose items come in another order, with an
// item and a customer the training file lacks.
#pragma once

#include <string>
#include <vector>

#include "host/data/dataset.hpp"
#include "host/data/input.hpp"

namespace tailor::testing {

struct ShopRow {
  std::string customer, item;
  std::int64_t time;
};

// The purchases of 5 customers over items i0..i5 on three days (c3 buys nothing).
inline std::vector<ShopRow> shop_rows() {
  return {{"c0", "i0", 1}, {"c0", "i1", 1}, {"c0", "i2", 2}, {"c0", "i0", 3}, {"c1", "i0", 1},
          {"c1", "i1", 2}, {"c2", "i1", 1}, {"c2", "i2", 1}, {"c2", "i3", 2}, {"c2", "i4", 3},
          {"c4", "i0", 2}, {"c4", "i3", 3}, {"c4", "i3", 3}, {"c1", "i2", 3}};
}

// A loaded file of `rows` with the customers and items in the given order (ids absent from
// `rows` are customers without history / items nobody bought).
inline LoadedInput shop_input(const std::vector<std::string>& customers,
                              const std::vector<std::string>& items,
                              const std::vector<ShopRow>& rows) {
  LoadedInput in;
  in.path = "shop.h5";
  Dataset& d = in.data;
  d.path = in.path;
  d.customer_ids = customers;
  d.item_ids = items;
  const auto index = [](const std::vector<std::string>& ids, const std::string& id) {
    for (std::size_t k = 0; k < ids.size(); ++k)
      if (ids[k] == id) return static_cast<std::uint32_t>(k);
    throw std::logic_error("shop_input: unknown id " + id);
  };
  for (const ShopRow& r : rows) {
    d.log.customer.push_back(index(customers, r.customer));
    d.log.item.push_back(index(items, r.item));
    d.log.time.push_back(r.time);
  }
  in.matrices = build_matrices(d, 1);
  return in;
}

inline LoadedInput training_shop() {
  return shop_input({"c0", "c1", "c2", "c3", "c4"}, {"i0", "i1", "i2", "i3", "i4", "i5"},
                    shop_rows());
}

// The same purchases plus a stranger who bought i1 and a new item, customers and items in
// reverse order.
inline LoadedInput later_shop() {
  std::vector<ShopRow> rows = shop_rows();
  rows.push_back({"stranger", "i1", 4});
  rows.push_back({"stranger", "new", 4});
  return shop_input({"stranger", "c4", "c3", "c2", "c1", "c0"},
                    {"new", "i5", "i4", "i3", "i2", "i1", "i0"}, rows);
}

}  // namespace tailor::testing
