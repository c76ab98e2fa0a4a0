#include "host/campaign/reasons.hpp"

#include <fmt/format.h>

#include "host/io/time.hpp"

namespace tailor {

std::string due_reason(const DueItem& d, std::int64_t campaign_time) {
  return fmt::format("{} {} (about every {:.0f} days)",
                     d.expected <= campaign_time ? "due since" : "due on", utc_date(d.expected),
                     d.interval_days);
}

std::string new_category_reason(const ItemMeta& im, std::uint32_t item) {
  return "new category: " + im.category_name(item);
}

std::uint32_t most_similar_bought(std::uint32_t item, std::span<const std::uint32_t> bought,
                                  const ItemFactors& factors) {
  // Cosine up to the norm of `item`, which is the same for every candidate.
  const float* v = factors.rows[item];
  float best = -2.0f;
  std::uint32_t arg = kNoItem;
  for (const std::uint32_t b : bought) {
    const float* w = factors.rows[b];
    if (!w || b == item || factors.norms[b] == 0.0f) continue;
    float s = 0.0f;
    for (int f = 0; f < factors.k; ++f) s += v[f] * w[f];
    s /= factors.norms[b];
    if (s > best) {
      best = s;
      arg = b;
    }
  }
  return arg;
}

std::string because_reason(const Dataset& data, const ItemFactors& factors, std::uint32_t item,
                           std::span<const std::uint32_t> bought) {
  return because_reason(data, most_similar_bought(item, bought, factors));
}

std::string because_reason(const Dataset& data, std::uint32_t arg) {
  if (arg == kNoItem) return std::string("recommended for you");
  const ItemMeta& im = data.item_meta;
  const std::string& name =
      im.name.empty() || im.name[arg].empty() ? data.item_ids[arg] : im.name[arg];
  return "because you bought " + name;
}

std::string popular_reason(std::int64_t customers) {
  return fmt::format("popular: bought by {} customers", customers);
}

}  // namespace tailor
