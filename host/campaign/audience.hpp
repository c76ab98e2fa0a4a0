// Who gets a list, and who of them is in the control group.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "host/campaign/tiers.hpp"
#include "host/data/dataset.hpp"

namespace tailor {

struct Audience {
  std::vector<std::uint32_t> listed;  // customers who get a list, in index order
  std::vector<std::uint8_t> control;  // per listed customer: 1 = control group
  std::int64_t opted_out = 0;         // no list: /customers/opt_out
  std::int64_t suppressed = 0;        // no list: a negative event with action suppress
};

// Every customer of `data` in index order, but those opted out (counted first) and those with
// suppressed[c] != 0 (one entry per customer). `control` is left all 0.
Audience select_audience(const Dataset& data, const std::vector<std::uint8_t>& suppressed);

// Per listed customer: 1 for the control group of `fraction` (0: nobody), stratified by tier
// (rfm[c].tier) and deterministic: assign_control over the listed customers' ids.
std::vector<std::uint8_t> control_groups(const Dataset& data,
                                         const std::vector<std::uint32_t>& listed,
                                         const std::vector<Rfm>& rfm,
                                         std::string_view campaign_id, double fraction);

}  // namespace tailor
