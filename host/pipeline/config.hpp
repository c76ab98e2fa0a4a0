// The nightly job's configuration: a TOML file (data/nightly.example.toml documents every key).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "host/campaign/campaign.hpp"
#include "host/campaign/score_sources.hpp"
#include "host/core/device.hpp"
#include "host/export/campaign_export.hpp"
#include "host/rank/ranker.hpp"
#include "host/train/tifuknn.hpp"
#include "kernels/kernels.hpp"

namespace tailor {

struct RunConfig {
  std::filesystem::path source;  // the config file itself

  // [input]
  std::filesystem::path input;  // interactions (HDF5 contract)

  // [model]
  std::optional<std::filesystem::path> model_path;  // where the trained model is saved
  std::string algorithm = "ials";  // "ials" or "bpr": which of the two below is trained
  IalsParams ials;
  BprParams bpr;
  bool report_objective = true;

  // [run]
  DeviceSpec device;  // auto, cpu, cuda or cuda:N
  int threads = 0;  // 0 = all cores

  // [recommend]
  TopNParams topn;

  // [campaign], [recipe], [rules], [discovery], [tiers], [tier.NAME], [replenish],
  // [suppression], [control]: present when the config has a [campaign] section; the job then
  // builds campaign lists (host/campaign/campaign.hpp) instead of plain top-N lists.
  std::optional<CampaignConfig> campaign;
  // [qa]: checked before anything is published (campaign runs only).
  QaLimits qa;
  std::optional<std::filesystem::path> qa_previous;  // the previous night's JSON lines export

  // [tifuknn]: TIFU-KNN (host/train/tifuknn.hpp): the campaign's slot model when [campaign]
  // model = "tifuknn", and the tifu-knn lists that `tailor backtest` compares.
  TifuKnnParams tifuknn;
  // [itemknn] and [ease]: the item-item models (kernels/item_item.hpp), the same two uses.
  ItemKnnParams itemknn;
  EaseParams ease;
  std::size_t ease_max_bytes = kDefaultEaseMaxBytes;  // [ease] max_memory_mb

  // [ranker]: the two-stage ranker (host/rank/ranker.hpp); its sources take [model], [tifuknn]
  // and [replenish]. ranker_horizon: [ranker] horizon when given.
  RankerParams ranker;
  std::optional<std::int64_t> ranker_horizon;

  // [output]
  std::filesystem::path output;    // campaign CSV
  std::optional<std::filesystem::path> output_jsonl;  // campaign runs: JSON lines export
  std::optional<std::filesystem::path> output_h5;     // campaign runs: HDF5 export
  std::filesystem::path manifest;  // default: <output>.manifest.json
  // [output] folder: the link a night is published through as one unit (host/export/night.hpp);
  // every output above lies inside it. Unset: each output is replaced on its own.
  std::optional<std::filesystem::path> output_folder;
  // Where a run the QA gates reject writes its manifest: <manifest>.rejected.json, or with a
  // folder <folder>.rejected.json beside it (a rejected night publishes nothing in it).
  std::filesystem::path rejected_manifest;
};

// Every path the config writes: the exports, the manifest and the model file.
std::vector<std::filesystem::path> output_paths(const RunConfig& config);

// The ranker's parameters with its sources' from the config's sections, and the label window
// [ranker] horizon, else default_horizon.
RankerParams ranker_params(const RunConfig& c, std::int64_t default_horizon);

// The [itemknn], [ease] and [tifuknn] parameters, for make_score_source and for training a
// history model ([model] algorithm = "itemknn", "ease" or "tifuknn").
SlotModelParams slot_model_params(const RunConfig& config);

// InputError when the campaign's slot model is "ials" (the factors of [model]) but [model]
// trains a history model, which has none; `where` names the config or the flag.
void check_slot_model(const RunConfig& config, const std::string& where);

// Parses and validates a config. Unknown sections or keys, wrong types and out-of-range values
// throw InputError naming the file, the key and the value. Relative paths are taken relative to
// the current working directory, like paths given on the command line.
RunConfig load_config(const std::filesystem::path& path);
RunConfig parse_config(const std::string& toml_text, const std::filesystem::path& source);

// The best trial as a config `tailor run` accepts: the [model] section from the sweep (iterations
// = the best epoch), the other sections from `base_config` when given, else input = the swept
// file and output = out/recommendations.csv. When the sweep found that popularity beats every
// trial, a warning comment with both values heads the file. Written atomically.
void write_best_config(const std::filesystem::path& path, const nlohmann::json& sweep_result,
                       const std::optional<std::filesystem::path>& base_config);

}  // namespace tailor
