// The lists of a trained history model (item kNN, EASE, TIFU-KNN; Model::history_model()) for
// every customer of a file with history there: the scoring stage of `tailor recommend` and
// `tailor run` for those models. Scoring runs on the CPU threads of the backend for both
// backends (kernels/item_item.hpp).
#pragma once

#include "host/score/recommend.hpp"

namespace tailor {

// As recommend(), with these differences: every customer with history in `data` gets a list,
// whether or not the model was trained on them, and rec.customers index data.customer_ids.
// Items index model.item_ids for item kNN and EASE (the customer's items are matched to the
// model's by id; the file's items the model lacks are counted in items_not_in_model and
// neither scored nor excluded), and data.item_ids for TIFU-KNN, whose personal vectors are
// built from every row of `data`. Lists hold items with a positive score only (EASE: every
// item the history reaches), so they may be short. With a sink, item kNN and EASE hand on one
// batch of options.batch_customers at a time; TIFU-KNN hands on one batch.
Recommendations recommend_history(const Model& model, const Dataset& data,
                                  const InteractionMatrices& m, const RecommendOptions& options,
                                  const Backend& backend, const ListSink* sink);

// The ids that a history model's lists index on `data`, as a Model holding only those: data's
// customer ids and the item ids above (exporters take a Model for its ids). std::logic_error
// for a factor model, whose lists index its own ids.
Model list_ids(const Model& model, const Dataset& data);

}  // namespace tailor
