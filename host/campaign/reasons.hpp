// The reason exported with every campaign item, one function per slot type.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "host/data/ids.hpp"
#include "host/campaign/items.hpp"
#include "host/campaign/replenish.hpp"
#include "host/data/dataset.hpp"

namespace tailor {

// Repeat: "due since 2011-11-02 (about every 13 days)" when the expected date is at or before
// the campaign date, "due on DATE (...)" when it is still ahead.
std::string due_reason(const DueItem& d, std::int64_t campaign_time);

// Discovery: "new category: MUG".
std::string new_category_reason(const ItemMeta& im, std::uint32_t item);

// Of the `bought` items with factors and a non-zero norm, other than `item`, the one whose
// factors are most similar to those of `item` (which must have factors) by cosine; on a tie the
// first in `bought`. kNoItem when there is none.
std::uint32_t most_similar_bought(std::uint32_t item, std::span<const std::uint32_t> bought,
                                  const ItemFactors& factors);

// Model: "because you bought NAME" (most_similar_bought's /items/name, else its id), or
// "recommended for you" when the customer bought no other item with factors.
std::string because_reason(const Dataset& data, const ItemFactors& factors, std::uint32_t item,
                           std::span<const std::uint32_t> bought);

// Model, from any score source: "because you bought NAME" naming item `because` (its
// /items/name, else its id), or "recommended for you" for kNoItem.
std::string because_reason(const Dataset& data, std::uint32_t because);

// Popular: "popular: bought by N customers".
std::string popular_reason(std::int64_t customers);

}  // namespace tailor
