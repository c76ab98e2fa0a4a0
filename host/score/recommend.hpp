// Scoring stage: every customer with history against every item, top-N.
#pragma once

#include <cstdint>
#include <functional>
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
  // With a sink: customers scored per batch, each batch handed on as soon as it is scored (the
  // exporter formats one batch while the next is scored).
  std::int64_t batch_customers = 65536;
};

// Receives the lists of one batch: list c belongs to model customer customers[c]; items are
// model item indices. Batches come in customer order.
using ListSink = std::function<void(std::vector<std::uint32_t> customers, TopNResult lists)>;

struct Recommendations {
  TopNResult lists;                      // one list per entry of `customers`; item = model index
                                         // (empty when the lists went to a sink)
  std::vector<std::uint32_t> customers;  // model customer index of each list
  std::int64_t listed = 0;               // customers with a list
  std::int64_t short_lists = 0;          // of those, with fewer than n items
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
// Scored on `backend`. A history model (item kNN, EASE, TIFU-KNN) lists every customer with
// history instead, and its lists index other ids (host/score/history_lists.hpp).
Recommendations recommend(const Model& model, const Dataset& data, const InteractionMatrices& m,
                          const RecommendOptions& options, const Backend& backend);
// The same, handing the lists to `sink` batch by batch instead of keeping them (rec.lists stays
// empty; the counts cover every batch).
Recommendations recommend(const Model& model, const Dataset& data, const InteractionMatrices& m,
                          const RecommendOptions& options, const Backend& backend,
                          const ListSink& sink);

}  // namespace tailor
