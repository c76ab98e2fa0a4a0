// The two-stage ranker as a campaign's score source ([campaign] model = "ranker"): every
// candidate of the listed customers scored once, when the source is made; the other items of a
// row score kNoScore, so only candidates fill discovery and model slots.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "host/campaign/score_source.hpp"
#include "host/rank/ranker.hpp"

namespace tailor {

class RankerScoreSource final : public ScoreSource {
 public:
  // `snapshot` as of the campaign time, built with the model's source parameters.
  RankerScoreSource(const RankerModel& model, const RankerSnapshot& snapshot,
                    std::span<const std::uint32_t> customers);

  [[nodiscard]] const char* name() const override { return "ranker"; }
  [[nodiscard]] int block_rows() const override { return 16; }
  [[nodiscard]] std::unique_ptr<BlockScorer> block_scorer() const override;
  [[nodiscard]] float floor() const override { return kNoScore; }
  // The customer's candidates and their scores (empty spans when it has none).
  [[nodiscard]] std::span<const std::uint32_t> items(std::uint32_t customer) const;
  [[nodiscard]] std::span<const float> scores(std::uint32_t customer) const;
  [[nodiscard]] std::int64_t item_count() const { return items_; }

 private:
  CandidateScores c_;
  std::vector<std::int64_t> group_of_;  // per customer of the data: its group, or -1
  std::int64_t items_;
};

// The slot source of [campaign] model = "ranker": the ranker fitted as of `as_of` with p, and
// every customer with history at as_of scored. `fitted` (optional) receives the fitted model, for
// the model file and the manifest.
std::unique_ptr<RankerScoreSource> make_ranker_source(const Dataset& data, std::int64_t as_of,
                                                      const RankerParams& p,
                                                      const Backend& backend,
                                                      RankerModel* fitted = nullptr);

}  // namespace tailor
