// The nightly job's configuration: a TOML file (data/nightly.example.toml documents every key).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "host/campaign.hpp"
#include "host/campaign_export.hpp"
#include "host/device.hpp"
#include "kernels/kernels.hpp"

namespace tailor {

struct RunConfig {
  std::filesystem::path source;  // the config file itself

  // [input]
  std::filesystem::path input;  // interactions (HDF5 contract)

  // [model]
  std::optional<std::filesystem::path> model_path;  // where the trained model is saved
  IalsParams ials;
  bool report_objective = true;

  // [run]
  Device device = Device::automatic;
  int threads = 0;  // 0 = all cores

  // [recommend]
  TopNParams topn;

  // [campaign], [recipe], [rules], [discovery], [tiers], [tier.NAME], [replenish],
  // [suppression], [control]: present when the config has a [campaign] section; the job then
  // builds campaign lists (host/campaign.hpp) instead of plain top-N lists.
  std::optional<CampaignConfig> campaign;
  // [qa]: checked before anything is published (campaign runs only).
  QaLimits qa;
  std::optional<std::filesystem::path> qa_previous;  // the previous night's JSON lines export

  // [output]
  std::filesystem::path output;    // campaign CSV
  std::optional<std::filesystem::path> output_jsonl;  // campaign runs: JSON lines export
  std::optional<std::filesystem::path> output_h5;     // campaign runs: HDF5 export
  std::filesystem::path manifest;  // default: <output>.manifest.json
};

// Parses and validates a config. Unknown sections or keys, wrong types and out-of-range values
// throw InputError naming the file, the key and the value. Relative paths are taken relative to
// the current working directory, like paths given on the command line.
RunConfig load_config(const std::filesystem::path& path);
RunConfig parse_config(const std::string& toml_text, const std::filesystem::path& source);

// Range checks shared by the config and the command line; InputError naming `where`.
void validate_ials_params(const IalsParams& p, const std::string& where);
void validate_topn_params(const TopNParams& p, const std::string& where);

}  // namespace tailor
