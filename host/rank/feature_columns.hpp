// The ranker's candidate sources and feature columns, in column order (features.cpp and
// candidates.cpp; ranker_feature_names() gives the names).
#pragma once

#include <limits>

namespace tailor::rank {

inline constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

enum Source { kRepeat, kIals, kKnn, kTifu, kPopular, kSources };

enum Feature {
  fRows, fQuantity, fDaysSinceLast, fPairDays, fDueScore, fDueRatio,
  fRepeatRank, fIalsScore, fIalsRank, fKnnScore, fKnnRank, fTifuScore, fTifuRank, fPopularRank,
  fItemCustomers, fItemRecent, fItemTrend, fItemRepeatShare,
  fPriceRatio, fCategoryShare, fValuePct, fCustomerDays, fCustomerItems, fCustomerDaysSinceLast,
  kFeatures
};

}  // namespace tailor::rank
