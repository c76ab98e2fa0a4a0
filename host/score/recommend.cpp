#include "host/score/recommend.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "host/core/error.hpp"
#include "host/core/progress.hpp"
#include "host/data/ids.hpp"
#include "host/score/history_lists.hpp"

namespace tailor {
void validate_topn_params(const TopNParams& p, const std::string& where) {
  if (p.n < 1 || p.n > kMaxTopN)
    throw InputError(fmt::format("{}: n = {}: the list length must be in 1..{}", where, p.n, kMaxTopN));
  if (p.memory_budget < (std::size_t{1} << 20))
    throw InputError(fmt::format("{}: memory budget of {} bytes is below 1 MiB", where, p.memory_budget));
}

namespace {

// The customers of `data` that get a list, their factor rows and their seen items in model item
// indices (sorted per row); the counts of those who do not go into rec.
struct ToScore {
  std::vector<float> x;  // rows x k
  Csr seen;              // rows x model items
};

ToScore customers_to_score(const Model& model, const Dataset& data, const InteractionMatrices& m,
                           Recommendations& rec) {
  const Csr& seen_data = m.customer_items;
  const auto customer_map = map_ids(data.customer_ids, model.customer_ids);
  const auto item_map = map_ids(data.item_ids, model.item_ids);
  for (auto i : item_map) rec.items_not_in_model += (i == kNoItem);
  const int k = model.params.factors;
  ToScore t;
  t.seen.cols = model.items();
  t.seen.indptr.push_back(0);
  for (std::int64_t c = 0; c < data.customers(); ++c) {
    if (seen_data.indptr[c] == seen_data.indptr[c + 1]) {
      ++rec.customers_without_history;
      continue;
    }
    if (customer_map[c] == kNoItem) {
      ++rec.customers_not_in_model;
      continue;
    }
    rec.customers.push_back(customer_map[c]);
    const float* row = model.customer_factors.data() + static_cast<std::size_t>(customer_map[c]) * k;
    t.x.insert(t.x.end(), row, row + k);
    append_mapped_row(seen_data, c, item_map, t.seen);
  }
  t.seen.rows = static_cast<std::int64_t>(rec.customers.size());
  t.seen.data.assign(t.seen.indices.size(), 1.0f);
  return t;
}

// Scores rows [first, last) of `t`; bad parameters become InputError.
TopNResult score_rows(const ToScore& t, const Model& model, std::int64_t first, std::int64_t last,
                      const RecommendOptions& options, const Backend& backend) {
  const int k = model.params.factors;
  const FactorsView customers{t.x.data() + first * k, last - first, k};
  const CsrView seen = t.seen.view().slice(first, last);
  try {
    return backend.topn(customers, model.item_view(), &seen, options.topn);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
}

Recommendations recommend_to(const Model& model, const Dataset& data,
                             const InteractionMatrices& m, const RecommendOptions& options,
                             const Backend& backend, const ListSink* sink) {
  if (model.history_model()) return recommend_history(model, data, m, options, backend, sink);
  const auto start = std::chrono::steady_clock::now();
  const int n = options.topn.n;
  if (n < 1 || n > kMaxTopN)
    throw InputError(fmt::format("-n {}: the list length must be in 1..{}", n, kMaxTopN));
  if (options.batch_customers < 1)
    throw InputError(fmt::format("recommend: {} customers per batch, must be >= 1",
                                 options.batch_customers));
  Recommendations rec;
  const ToScore t = customers_to_score(model, data, m, rec);
  if (rec.customers_not_in_model > 0)
    spdlog::warn("recommend: {} customers with history are not in the model (trained on {}); "
                 "they get no list",
                 rec.customers_not_in_model, model.training_input);
  rec.device = device_of(backend);
  const std::int64_t rows = t.seen.rows;
  spdlog::info("recommend: top-{} of {} items for {} customers on {}", n, model.items(), rows,
               to_string(rec.device));
  const std::int64_t batch = sink ? options.batch_customers : std::max<std::int64_t>(rows, 1);
  rec.lists.offsets.assign(1, 0);
  for (std::int64_t first = 0; first < rows; first += batch) {
    const std::int64_t last = std::min(rows, first + batch);
    TopNResult lists = score_rows(t, model, first, last, options, backend);
    rec.listed += lists.customers();
    rec.short_lists += lists.short_lists;
    if (!sink) {
      rec.lists = std::move(lists);
      continue;
    }
    (*sink)(std::vector<std::uint32_t>(rec.customers.begin() + first, rec.customers.begin() + last),
            std::move(lists));
  }
  rec.seconds = seconds_since(start);
  return rec;
}

}  // namespace

Recommendations recommend(const Model& model, const Dataset& data, const InteractionMatrices& m,
                          const RecommendOptions& options, const Backend& backend) {
  return recommend_to(model, data, m, options, backend, nullptr);
}

Recommendations recommend(const Model& model, const Dataset& data, const InteractionMatrices& m,
                          const RecommendOptions& options, const Backend& backend,
                          const ListSink& sink) {
  return recommend_to(model, data, m, options, backend, &sink);
}

}  // namespace tailor
