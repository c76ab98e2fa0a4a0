// Scoring stage: every customer with history against every item, top-N.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/core/device.hpp"
#include "kernels/backend.hpp"
#include "host/data/dataset.hpp"
#include "host/train/model.hpp"
#include "kernels/kernels.hpp"

namespace tailor {

struct RecommendOptions {
  TopNParams topn;  // memory_budget 0: the backend's
};

struct Recommendations {
  TopNResult lists;                      // one list per entry of `customers`; item = model index
  std::vector<std::uint32_t> customers;  // model customer index of each list
  std::int64_t customers_without_history = 0;  // in the input, no interactions: no list
  std::int64_t customers_not_in_model = 0;     // history in the input, unknown to the model
  std::int64_t items_not_in_model = 0;         // input items the model cannot recommend
  Device device = Device::cpu;
  double seconds = 0.0;
};

// Range checks of top-N parameters (list length, memory budget); InputError naming `where`.
void validate_topn_params(const TopNParams& p, const std::string& where);

// Lists for every customer of `data` that has interactions and factors in `model`. Seen items
// (the customer's interactions in `data`) are excluded when options.topn.exclude_seen.
// Customers and items are matched by id, so a model may score a newer file of the same shop.
// Scored on `backend`.
Recommendations recommend(const Model& model, const Dataset& data, const InteractionMatrices& m,
                          const RecommendOptions& options, const Backend& backend);

}  // namespace tailor
