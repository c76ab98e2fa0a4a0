// The history-model score sources of campaign slots, and the one factory that makes any score
// source from [campaign] model (host/campaign/score_source.hpp describes the interface). Each
// history model scores a customer from the items of their own row of the customer x item
// matrix, so every customer with history gets a row; none needs the iALS model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "host/campaign/campaign.hpp"
#include "host/campaign/score_source.hpp"
#include "host/data/csr.hpp"
#include "host/data/dataset.hpp"
#include "host/train/item_models.hpp"
#include "host/train/model.hpp"
#include "host/train/tifuknn.hpp"
#include "kernels/backend.hpp"

namespace tailor {

// The parameters of the history models ([itemknn], [ease], [tifuknn]).
using SlotModelParams = HistoryModelParams;

// Item kNN (kernels/item_item.hpp): row_u[j] = sum over i in I_u of r_ui sim_K(i, j), r_ui =
// w_ui with weighted_scores, else 1; the definition cpu_item_knn_topn ranks. floor() = 0.
class ItemKnnScoreSource final : public ScoreSource {
 public:
  // customer_items (the weights w_ui) must outlive the source.
  ItemKnnScoreSource(ItemKnnModel model, const Csr& customer_items);
  [[nodiscard]] const char* name() const override { return "itemknn"; }
  [[nodiscard]] int block_rows() const override { return 4; }
  [[nodiscard]] std::unique_ptr<BlockScorer> block_scorer() const override;
  [[nodiscard]] float floor() const override { return 0.0f; }
  // The history item i with the largest r_ui sim_K(i, item) > 0 (on a tie the lower i).
  [[nodiscard]] std::uint32_t because(std::uint32_t customer, std::uint32_t item) const override;
  // Customer c's row into `row` (one float per item); false without history.
  bool score(std::uint32_t c, std::span<float> row, std::vector<double>& acc) const;
  [[nodiscard]] const ItemKnnModel& model() const { return model_; }

 private:
  ItemKnnModel model_;
  const Csr* history_;
};

// EASE (Steck 2019): row_u = x_u B, x_ui = w_ui when weighted, else 1. floor() = 0: negative and
// zero scores are no candidates.
class EaseScoreSource final : public ScoreSource {
 public:
  EaseScoreSource(EaseModel model, const Csr& customer_items);
  [[nodiscard]] const char* name() const override { return "ease"; }
  [[nodiscard]] int block_rows() const override { return 4; }
  [[nodiscard]] std::unique_ptr<BlockScorer> block_scorer() const override;
  [[nodiscard]] float floor() const override { return 0.0f; }
  // The history item i with the largest x_ui B_i,item > 0 (on a tie the lower i).
  [[nodiscard]] std::uint32_t because(std::uint32_t customer, std::uint32_t item) const override;
  bool score(std::uint32_t c, std::span<float> row, std::vector<double>& acc) const;
  [[nodiscard]] const EaseModel& model() const { return model_; }

 private:
  EaseModel model_;
  const Csr* history_;
};

// TIFU-KNN (host/train/tifuknn.hpp): the blended vector p, from the personal vectors of every
// customer. floor() = 0. No "because" item: p mixes the customer's baskets and their neighbours'.
class TifuKnnScoreSource final : public ScoreSource {
 public:
  TifuKnnScoreSource(Csr personal, const TifuKnnParams& p, int threads);
  [[nodiscard]] const char* name() const override { return "tifuknn"; }
  [[nodiscard]] int block_rows() const override { return 4; }
  [[nodiscard]] std::unique_ptr<BlockScorer> block_scorer() const override;
  [[nodiscard]] float floor() const override { return 0.0f; }
  [[nodiscard]] const TifuKnnBlend& blend() const { return *blend_; }

 private:
  std::unique_ptr<Csr> personal_;  // held where the blend's reference stays valid
  std::unique_ptr<TifuKnnBlend> blend_;
};

// What make_score_source reads.
struct ScoreSourceInputs {
  // "ials": its factors; item kNN and EASE reuse a trained model of theirs (null: fitted here).
  const Model* model = nullptr;
  const Dataset& data;
  const InteractionMatrices& m;  // customer_items: the histories and their weights
  const CampaignConfig& config;  // negative events: TIFU-KNN's rows are interaction_rows()
  const Backend& backend;        // iALS's Scorer; the history models use its CPU threads
};

// The score source of config.model, fitted on in.m (item kNN, EASE) or on in.data's rows that
// count as interactions (TIFU-KNN). NoScores when no recipe reaches a discovery or model slot
// (nothing is fitted then). InputError for bad parameters or EASE's memory check;
// std::logic_error for "ials" without a model.
std::unique_ptr<ScoreSource> make_score_source(const ScoreSourceInputs& in,
                                               const SlotModelParams& params);

}  // namespace tailor
