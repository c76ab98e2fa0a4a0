// Who gets a list (opt-out, suppression) and the control groups among them.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "host/campaign/audience.hpp"

namespace tailor {
namespace {

Dataset customers(int n) {
  Dataset d;
  for (int c = 0; c < n; ++c) d.customer_ids.push_back("c" + std::to_string(c));
  return d;
}

TEST(Audience, OptedOutAndSuppressedCustomersGetNoList) {
  Dataset d = customers(6);
  d.customer_meta.opt_out = {0, 1, 0, 1, 0, 0};
  const std::vector<std::uint8_t> suppressed = {0, 1, 1, 0, 0, 1};
  const Audience a = select_audience(d, suppressed);
  EXPECT_EQ(a.listed, (std::vector<std::uint32_t>{0, 4}));
  EXPECT_EQ(a.opted_out, 2);   // 1 and 3; 1 is also suppressed but counted as opted out
  EXPECT_EQ(a.suppressed, 2);  // 2 and 5
  EXPECT_EQ(a.control, (std::vector<std::uint8_t>{0, 0}));
  // Without an opt_out column nobody has opted out.
  d.customer_meta.opt_out.clear();
  EXPECT_EQ(select_audience(d, suppressed).listed, (std::vector<std::uint32_t>{0, 3, 4}));
}

TEST(Audience, ControlGroupsAreStratifiedByTierAndDeterministic) {
  const int n = 1000;
  Dataset d = customers(n);
  std::vector<Rfm> rfm(n);
  std::vector<std::uint32_t> listed;
  for (int c = 0; c < n; ++c) {
    rfm[static_cast<std::size_t>(c)].tier = c % 7 == 0 ? kNoTier : c % 3;
    if (c % 10 != 0) listed.push_back(static_cast<std::uint32_t>(c));  // some get no list
  }
  const auto control = control_groups(d, listed, rfm, "spring", 0.25);
  ASSERT_EQ(control.size(), listed.size());
  std::map<int, std::pair<int, int>> per_tier;  // tier -> (control, listed)
  for (std::size_t k = 0; k < listed.size(); ++k) {
    auto& [in_control, total] = per_tier[rfm[listed[k]].tier];
    in_control += control[k];
    ++total;
  }
  ASSERT_EQ(per_tier.size(), 4u);  // three tiers and none
  for (const auto& [tier, ct] : per_tier)
    EXPECT_EQ(ct.first, std::llround(0.25 * ct.second)) << "tier " << tier;
  EXPECT_EQ(control_groups(d, listed, rfm, "spring", 0.25), control);
  EXPECT_NE(control_groups(d, listed, rfm, "summer", 0.25), control);
  const auto none = control_groups(d, listed, rfm, "spring", 0.0);
  EXPECT_EQ(none, std::vector<std::uint8_t>(listed.size(), 0));
}

TEST(Audience, ControlDependsOnTheCustomerNotOnWhoElseIsListed) {
  // Within a tier the cut is by hash rank, so dropping customers of another tier changes nothing.
  Dataset d = customers(400);
  std::vector<Rfm> rfm(400);
  std::vector<std::uint32_t> all, tier0;
  for (std::uint32_t c = 0; c < 400; ++c) {
    rfm[c].tier = static_cast<int>(c % 2);
    all.push_back(c);
    if (c % 2 == 0) tier0.push_back(c);
  }
  const auto a = control_groups(d, all, rfm, "x", 0.3);
  const auto b = control_groups(d, tier0, rfm, "x", 0.3);
  for (std::size_t k = 0; k < tier0.size(); ++k) EXPECT_EQ(a[2 * k], b[k]);
}

}  // namespace
}  // namespace tailor
