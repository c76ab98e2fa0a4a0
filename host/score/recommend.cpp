#include "host/score/recommend.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <unordered_map>

#include "host/core/error.hpp"

namespace tailor {
namespace {

constexpr std::uint32_t kMissing = std::numeric_limits<std::uint32_t>::max();

// For each id of `from`, its index in `to`, or kMissing.
std::vector<std::uint32_t> map_ids(const std::vector<std::string>& from,
                                   const std::vector<std::string>& to) {
  std::vector<std::uint32_t> out(from.size());
  if (from == to) {
    for (std::size_t k = 0; k < from.size(); ++k) out[k] = static_cast<std::uint32_t>(k);
    return out;
  }
  std::unordered_map<std::string_view, std::uint32_t> index;
  index.reserve(to.size());
  for (std::size_t k = 0; k < to.size(); ++k) index.emplace(to[k], static_cast<std::uint32_t>(k));
  for (std::size_t k = 0; k < from.size(); ++k) {
    auto it = index.find(from[k]);
    out[k] = it == index.end() ? kMissing : it->second;
  }
  return out;
}

}  // namespace

void validate_topn_params(const TopNParams& p, const std::string& where) {
  if (p.n < 1 || p.n > kMaxTopN)
    throw InputError(fmt::format("{}: n = {}: the list length must be in 1..{}", where, p.n, kMaxTopN));
  if (p.memory_budget < (std::size_t{1} << 20))
    throw InputError(fmt::format("{}: memory budget of {} bytes is below 1 MiB", where, p.memory_budget));
}

Recommendations recommend(const Model& model, const Dataset& data, const InteractionMatrices& m,
                          const RecommendOptions& options, const Backend& backend) {
  const auto start = std::chrono::steady_clock::now();
  const int n = options.topn.n;
  if (n < 1 || n > kMaxTopN)
    throw InputError(fmt::format("-n {}: the list length must be in 1..{}", n, kMaxTopN));

  Recommendations rec;
  const Csr& seen_data = m.customer_items;
  const auto customer_map = map_ids(data.customer_ids, model.customer_ids);
  const auto item_map = map_ids(data.item_ids, model.item_ids);
  for (auto i : item_map) rec.items_not_in_model += (i == kMissing);

  // The customers to score and their seen items in model item indices, sorted per row.
  const int k = model.params.factors;
  std::vector<float> x;
  Csr seen;
  seen.cols = model.items();
  seen.indptr.push_back(0);
  for (std::int64_t c = 0; c < data.customers(); ++c) {
    const std::int64_t b = seen_data.indptr[c], e = seen_data.indptr[c + 1];
    if (b == e) {
      ++rec.customers_without_history;
      continue;
    }
    if (customer_map[c] == kMissing) {
      ++rec.customers_not_in_model;
      continue;
    }
    rec.customers.push_back(customer_map[c]);
    const float* row = model.customer_factors.data() + static_cast<std::size_t>(customer_map[c]) * k;
    x.insert(x.end(), row, row + k);
    const std::size_t first = seen.indices.size();
    for (std::int64_t j = b; j < e; ++j)
      if (item_map[seen_data.indices[j]] != kMissing) seen.indices.push_back(item_map[seen_data.indices[j]]);
    std::sort(seen.indices.begin() + static_cast<std::ptrdiff_t>(first), seen.indices.end());
    seen.indptr.push_back(static_cast<std::int64_t>(seen.indices.size()));
  }
  seen.rows = static_cast<std::int64_t>(rec.customers.size());
  seen.data.assign(seen.indices.size(), 1.0f);
  if (rec.customers_not_in_model > 0)
    spdlog::warn("recommend: {} customers with history are not in the model (trained on {}); "
                 "they get no list",
                 rec.customers_not_in_model, model.training_input);

  rec.device = backend.is_cuda() ? Device::cuda : Device::cpu;
  const FactorsView customers{x.data(), seen.rows, k};
  const FactorsView items = model.item_view();
  const CsrView seen_view = seen.view();
  spdlog::info("recommend: top-{} of {} items for {} customers on {}", n, items.rows, seen.rows,
               to_string(rec.device));
  if (seen.rows > 0) {
    try {
      rec.lists = backend.topn(customers, items, &seen_view, options.topn);
    } catch (const std::invalid_argument& e) {
      throw InputError(e.what());
    }
  } else {
    rec.lists.offsets.assign(1, 0);
  }
  rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return rec;
}

}  // namespace tailor
