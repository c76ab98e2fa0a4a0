#include "host/score/history_lists.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "host/core/error.hpp"
#include "host/core/progress.hpp"
#include "host/data/ids.hpp"
#include "kernels/item_item.hpp"

namespace tailor {
namespace {

// The customers of `data` with history and their rows of m.customer_items, items mapped into
// the model's (sorted per row; weights kept), for item kNN and EASE.
struct Profiles {
  Csr rows;
  std::vector<std::uint32_t> customers;  // data customer index of each row
};

Profiles item_profiles(const Model& model, const Dataset& data, const Csr& x,
                       Recommendations& rec) {
  const auto item_map = map_ids(data.item_ids, model.item_ids);
  for (auto i : item_map) rec.items_not_in_model += (i == kNoItem);
  Profiles p;
  p.rows.cols = model.items();
  p.rows.indptr.push_back(0);
  for (std::int64_t c = 0; c < x.rows; ++c) {
    if (x.indptr[c] == x.indptr[c + 1]) {
      ++rec.customers_without_history;
      continue;
    }
    append_mapped_row(x, c, item_map, p.rows);
    p.customers.push_back(static_cast<std::uint32_t>(c));
  }
  p.rows.rows = static_cast<std::int64_t>(p.customers.size());
  return p;
}

// One batch of item kNN or EASE lists: rows [first, last) of the profiles.
TopNResult item_lists(const Model& model, const Profiles& p, std::int64_t first,
                      std::int64_t last, const TopNParams& topn, int threads) {
  const CsrView rows = p.rows.view().slice(first, last);
  const CsrView* seen = topn.exclude_seen ? &rows : nullptr;
  if (model.algorithm == "itemknn")
    return cpu_item_knn_topn(model.neighbours, rows, seen, model.history.itemknn, topn, threads)
        .lists;
  return cpu_ease_topn(model.ease_weights, rows, seen, model.history.ease, topn, threads);
}

void add_batch(Recommendations& rec, TopNResult lists, std::vector<std::uint32_t> customers,
               const ListSink* sink) {
  rec.listed += lists.customers();
  rec.short_lists += lists.short_lists;
  if (sink)
    (*sink)(std::move(customers), std::move(lists));
  else
    rec.lists = std::move(lists);
}

void item_model_lists(const Model& model, const Dataset& data, const Csr& x,
                      const RecommendOptions& o, int threads, const ListSink* sink,
                      Recommendations& rec) {
  const Profiles p = item_profiles(model, data, x, rec);
  rec.customers = p.customers;
  const std::int64_t rows = p.rows.rows;
  const std::int64_t batch = sink ? o.batch_customers : std::max<std::int64_t>(rows, 1);
  for (std::int64_t first = 0; first < rows; first += batch) {
    const std::int64_t last = std::min(rows, first + batch);
    add_batch(rec, item_lists(model, p, first, last, o.topn, threads),
              {p.customers.begin() + first, p.customers.begin() + last}, sink);
  }
}

void tifuknn_model_lists(const Model& model, const Dataset& data, const Csr& x,
                         const RecommendOptions& o, int threads, const ListSink* sink,
                         Recommendations& rec) {
  const TifuKnnParams& p = model.history.tifuknn;
  const Csr personal =
      tifu_personal_vectors(data, std::vector<bool>(static_cast<std::size_t>(data.log.size()), true), p);
  for (std::int64_t c = 0; c < x.rows; ++c) {
    if (x.indptr[c] == x.indptr[c + 1])
      ++rec.customers_without_history;
    else
      rec.customers.push_back(static_cast<std::uint32_t>(c));
  }
  TopNResult lists = tifuknn_lists(personal, rec.customers, o.topn.exclude_seen ? &x : nullptr,
                                   o.topn.n, p, threads);
  add_batch(rec, std::move(lists), rec.customers, sink);
}

}  // namespace

Recommendations recommend_history(const Model& model, const Dataset& data,
                                  const InteractionMatrices& m, const RecommendOptions& options,
                                  const Backend& backend, const ListSink* sink) {
  const auto start = std::chrono::steady_clock::now();
  validate_topn_params(options.topn, "recommend");
  if (options.batch_customers < 1)
    throw InputError(fmt::format("recommend: {} customers per batch, must be >= 1",
                                 options.batch_customers));
  Recommendations rec;
  rec.device = Device::cpu;
  rec.lists.offsets.assign(1, 0);
  spdlog::info("recommend: top-{} of the {} model for customers with history, on {} CPU threads",
               options.topn.n, model.algorithm, backend.threads());
  try {
    if (model.algorithm == "tifuknn")
      tifuknn_model_lists(model, data, m.customer_items, options, backend.threads(), sink, rec);
    else
      item_model_lists(model, data, m.customer_items, options, backend.threads(), sink, rec);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  rec.seconds = seconds_since(start);
  return rec;
}

Model list_ids(const Model& model, const Dataset& data) {
  if (!model.history_model())
    throw std::logic_error("list_ids: a " + model.algorithm + " model's lists index its own ids");
  Model ids;
  ids.algorithm = model.algorithm;
  ids.customer_ids = data.customer_ids;
  ids.item_ids = model.algorithm == "tifuknn" ? data.item_ids : model.item_ids;
  return ids;
}

}  // namespace tailor
