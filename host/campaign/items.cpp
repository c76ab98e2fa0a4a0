#include "host/campaign/items.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "host/data/ids.hpp"
#include "host/core/error.hpp"

namespace tailor {
namespace {

// The indices of the ids of `ids` that the data has; the others are counted in a warning.
std::vector<std::uint32_t> lookup_items(const Dataset& data, const IdIndex& item_index,
                                        const std::vector<std::string>& ids, const char* what) {
  std::vector<std::uint32_t> out;
  std::int64_t unknown = 0;
  for (const auto& id : ids) {
    auto it = item_index.find(id);
    if (it == item_index.end()) {
      ++unknown;
    } else {
      out.push_back(it->second);
    }
  }
  if (unknown > 0)
    spdlog::warn("campaign: {} of the {} item ids in {} are not in {}", unknown, ids.size(), what,
                 data.path.string());
  return out;
}

}  // namespace

std::vector<std::uint8_t> allowed_items(const Dataset& data, const CampaignConfig& config) {
  const std::int64_t n_items = data.items();
  const ItemMeta& im = data.item_meta;
  const IdIndex item_index = index_of(data.item_ids);
  std::vector<std::uint8_t> allowed(static_cast<std::size_t>(n_items), 1);
  for (std::int64_t i = 0; i < n_items; ++i) allowed[i] = im.is_available(i) ? 1 : 0;
  if (!config.include_items.empty()) {
    std::vector<std::uint8_t> in(static_cast<std::size_t>(n_items), 0);
    for (auto i : lookup_items(data, item_index, config.include_items, "include_items")) in[i] = 1;
    for (std::int64_t i = 0; i < n_items; ++i) allowed[i] &= in[i];
  }
  for (auto i : lookup_items(data, item_index, config.exclude_items, "exclude_items"))
    allowed[i] = 0;
  return allowed;
}

std::vector<std::uint8_t> repurchasable_categories(const Dataset& data,
                                                   const std::vector<std::string>& names) {
  const std::vector<std::string>& categories = data.item_meta.category_names;
  std::vector<std::uint8_t> out;
  if (names.empty()) return out;
  out.assign(categories.size(), 0);
  for (const auto& name : names) {
    if (name == "*") {  // every category (groceries: everything is bought again)
      std::fill(out.begin(), out.end(), 1);
      continue;
    }
    auto it = std::find(categories.begin(), categories.end(), name);
    if (it == categories.end())
      throw InputError(fmt::format(
          "[rules] repurchasable: {} has no category \"{}\" ({} categories in /items/category)",
          data.path.string(), name, categories.size()));
    out[static_cast<std::size_t>(it - categories.begin())] = 1;
  }
  return out;
}

ItemFactors item_factors(const Model& model, const Dataset& data) {
  const std::int64_t n_items = data.items();
  ItemFactors f;
  f.k = model.params.factors;
  f.rows.assign(static_cast<std::size_t>(n_items), nullptr);
  f.norms.assign(static_cast<std::size_t>(n_items), 0.0f);
  const IdIndex model_items = index_of(model.item_ids);
  for (std::int64_t i = 0; i < n_items; ++i) {
    auto it = model_items.find(data.item_ids[i]);
    if (it == model_items.end()) continue;
    const float* v = model.item_factors.data() + static_cast<std::size_t>(it->second) * f.k;
    f.rows[i] = v;
    double s = 0;
    for (int q = 0; q < f.k; ++q) s += double(v[q]) * v[q];
    f.norms[i] = static_cast<float>(std::sqrt(s));
  }
  return f;
}

std::vector<std::int64_t> item_popularity(const Csr& item_customers) {
  std::vector<std::int64_t> popularity(static_cast<std::size_t>(item_customers.rows), 0);
  for (std::int64_t i = 0; i < item_customers.rows; ++i)
    popularity[i] = item_customers.indptr[i + 1] - item_customers.indptr[i];
  return popularity;
}

CampaignItems campaign_items(const Dataset& data, const InteractionMatrices& m,
                             const CampaignConfig& config) {
  CampaignItems items;
  items.meta = &data.item_meta;
  items.allowed = allowed_items(data, config);
  items.repurchasable = repurchasable_categories(data, config.repurchasable);
  items.popularity = item_popularity(m.item_customers);
  return items;
}

}  // namespace tailor
