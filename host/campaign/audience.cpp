#include "host/campaign/audience.hpp"

#include <string>

namespace tailor {

Audience select_audience(const Dataset& data, const std::vector<std::uint8_t>& suppressed) {
  Audience a;
  for (std::int64_t c = 0; c < data.customers(); ++c) {
    if (data.customer_meta.opted_out(c)) {
      ++a.opted_out;
    } else if (suppressed[c]) {
      ++a.suppressed;
    } else {
      a.listed.push_back(static_cast<std::uint32_t>(c));
    }
  }
  a.control.assign(a.listed.size(), 0);
  return a;
}

std::vector<std::uint8_t> control_groups(const Dataset& data,
                                         const std::vector<std::uint32_t>& listed,
                                         const std::vector<Rfm>& rfm,
                                         std::string_view campaign_id, double fraction) {
  if (!(fraction > 0)) return std::vector<std::uint8_t>(listed.size(), 0);
  std::vector<std::string> ids;
  std::vector<int> tiers;
  ids.reserve(listed.size());
  for (auto c : listed) {
    ids.push_back(data.customer_ids[c]);
    tiers.push_back(rfm[c].tier);
  }
  return assign_control(ids, tiers, campaign_id, fraction);
}

}  // namespace tailor
