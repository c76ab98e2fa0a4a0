// What every list of a campaign shares about the items: the global rules (availability,
// include and exclude lists, repurchasable categories) and popularity; and the iALS model's
// factors in the data's item order, which its score source (host/campaign/scoring.hpp) reads.
// Built once per campaign, read by every thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/campaign/campaign.hpp"
#include "host/data/dataset.hpp"
#include "host/train/model.hpp"

namespace tailor {

// The model's item factors in the data's item order (items are matched by id).
struct ItemFactors {
  int k = 0;                        // factors per item
  std::vector<const float*> rows;   // per data item: its k factors in the model, or null
  std::vector<float> norms;         // per data item: Euclidean norm of its row (0 without one)
};

struct CampaignItems {
  const ItemMeta* meta = nullptr;
  std::vector<std::uint8_t> allowed;        // per item: available, included, not excluded
  std::vector<std::uint8_t> repurchasable;  // per category: 1 = bought items stay eligible;
                                            // empty when no category is
  std::vector<std::int64_t> popularity;     // per item: distinct customers with a row of it

  // Whether `item` may be offered again to a customer who bought it.
  [[nodiscard]] bool is_repurchasable(std::uint32_t item) const {
    if (repurchasable.empty()) return false;
    const std::uint32_t c = meta->category[item];
    return c != kNoCategory && repurchasable[c] != 0;
  }
};

// Per item of `data`: 1 when it is available and passes config.include_items (when not empty)
// and config.exclude_items. Ids of either list that are not in the data are counted in a
// warning, not an error.
std::vector<std::uint8_t> allowed_items(const Dataset& data, const CampaignConfig& config);

// Per category of `data`: 1 for the categories named in `names` ("*": all of them); empty when
// `names` is. InputError for a name the data has no category of.
std::vector<std::uint8_t> repurchasable_categories(const Dataset& data,
                                                   const std::vector<std::string>& names);

ItemFactors item_factors(const Model& model, const Dataset& data);

// Distinct customers per item: the row lengths of the item-major matrix.
std::vector<std::int64_t> item_popularity(const Csr& item_customers);

// allowed_items, repurchasable_categories and item_popularity, in that order (so warnings and
// errors come in that order too).
CampaignItems campaign_items(const Dataset& data, const InteractionMatrices& m,
                             const CampaignConfig& config);

}  // namespace tailor
