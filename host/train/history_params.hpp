// The parameters of the history models: item kNN, EASE and TIFU-KNN. Each lists a customer from
// the rows of their own history (no customer factors), so a trained one applies to any customer
// of the file it is run on. Their config sections are [itemknn], [ease] and [tifuknn].
#pragma once

#include <cstddef>

#include "host/train/item_models.hpp"
#include "host/train/tifuknn.hpp"

namespace tailor {

struct HistoryModelParams {
  ItemKnnParams itemknn;
  EaseParams ease;
  std::size_t ease_max_bytes = kDefaultEaseMaxBytes;  // check_ease_memory's limit
  TifuKnnParams tifuknn;
};

// "itemknn", "ease" or "tifuknn".
bool is_history_algorithm(const std::string& algorithm);

}  // namespace tailor
