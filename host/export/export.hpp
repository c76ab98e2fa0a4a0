// Export stage: the top-N lists of `tailor recommend` and of `tailor run` without a campaign.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "host/score/recommend.hpp"
#include "host/train/model.hpp"

namespace tailor {

struct ExportSummary {
  std::filesystem::path path;
  std::int64_t rows = 0;  // data rows, header excluded
  std::uint64_t bytes = 0;
  std::int64_t customers = 0;
  double seconds = 0.0;
};

// CSV `customer_id,rank,item_id,score` with the original ids (quoted per RFC 4180 where they
// hold a comma, quote or line break), rank from 1, score with 7 significant digits. Written
// atomically: temporary file in the same folder, fsync, rename.
ExportSummary export_csv(const std::filesystem::path& path, const Recommendations& rec,
                         const Model& model);

// Quotes a CSV field when it needs it.
std::string csv_field(std::string_view s);


}  // namespace tailor
