#include "host/pipeline/run.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "host/core/error.hpp"
#include "host/core/fingerprint.hpp"
#include "host/core/progress.hpp"
#include "host/export/campaign_export.hpp"
#include "host/export/manifest.hpp"
#include "host/io/time.hpp"
#include "host/train/train.hpp"

namespace tailor {
void run_campaign_stage(const RunConfig& c, const LoadedInput& input, const Model& model,
                        const Backend& backend, nlohmann::json& manifest) {
  Campaign camp = build_campaign(model, input.data, input.matrices, *c.campaign, backend);
  manifest["campaign"] = describe_campaign(camp);

  // QA gates: nothing is published when one is broken.
  std::optional<std::filesystem::path> previous_path = c.qa_previous;
  if (!previous_path && c.output_jsonl && std::filesystem::exists(*c.output_jsonl))
    previous_path = c.output_jsonl;  // last night's export, about to be replaced
  std::optional<PreviousLists> previous;
  if (previous_path) previous = read_previous_jsonl(*previous_path);
  QaReport qa = qa_check(camp, input.data, input.matrices.customer_items, previous, c.qa);
  manifest["qa"] = qa.to_json();
  if (previous_path) manifest["qa"]["previous"] = previous_path->string();
  if (!qa.passed()) {
    const std::filesystem::path rejected = c.manifest.string() + ".rejected.json";
    manifest["status"] = "rejected by QA gates; nothing was published";
    manifest["finished_at"] = utc_now_iso8601();
    write_manifest(rejected, manifest);
    throw RunError(fmt::format("QA gates failed, nothing was published ({}):\n  {}",
                               rejected.string(), fmt::join(qa.breaches, "\n  ")));
  }

  nlohmann::json outputs = nlohmann::json::array();
  outputs.push_back(describe_export(export_campaign_csv(c.output, camp, input.data), "csv"));
  if (c.output_jsonl)
    outputs.push_back(
        describe_export(export_campaign_jsonl(*c.output_jsonl, camp, input.data), "jsonl"));
  if (c.output_h5)
    outputs.push_back(describe_export(export_campaign_h5(*c.output_h5, camp, input.data), "hdf5"));
  manifest["outputs"] = outputs;
  spdlog::info("campaign export: {} lists -> {}", camp.stats.lists, c.output.string());
}

nlohmann::json run_pipeline(const RunConfig& c, const Backend& backend) {
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json manifest = new_manifest("run " + c.source.string());
  manifest["config"] = c.source.string();

  // In campaigns, negative events (returns, complaints) are neither training signal nor
  // purchases.
  std::function<std::vector<bool>(const Dataset&)> interactions;
  if (c.campaign)
    interactions = [&](const Dataset& data) {
      std::vector<bool> keep = interaction_rows(data, *c.campaign);
      if (!keep.empty())
        spdlog::info("campaign: {} negative-event rows left out of training and of bought items",
                     std::count(keep.begin(), keep.end(), false));
      return keep;
    };
  LoadedInput input = load_input(c.input, c.threads, interactions);
  manifest["inputs"] = {describe_input(input)};

  TrainOptions topts;
  topts.ials = c.ials;
  topts.report_objective = c.report_objective;
  TrainResult trained;
  Model model = train_model(input, topts, backend, &trained);
  manifest["parameters"] = describe_params(c.ials);
  manifest["training"] = describe_training(trained);
  double save_seconds = 0.0;
  if (c.model_path) {
    const auto t = std::chrono::steady_clock::now();
    save_model(*c.model_path, model);
    save_seconds = seconds_since(t);
    manifest["model"] = {{"path", c.model_path->string()},
                         {"fingerprint", file_fingerprint(*c.model_path)},
                         {"data_fingerprint", model.data_fingerprint}};
  }

  if (c.campaign) {
    run_campaign_stage(c, input, model, backend, manifest);
    manifest["timings"] = {{"load", input.seconds},
                           {"train", trained.seconds},
                           {"save_model", save_seconds},
                           {"campaign", manifest["campaign"]["seconds"]},
                           {"total", seconds_since(start)}};
    manifest["finished_at"] = utc_now_iso8601();
    write_manifest(c.manifest, manifest);
    spdlog::info("manifest: {}", c.manifest.string());
    return manifest;
  }

  RecommendOptions ropts;
  ropts.topn = c.topn;
  Recommendations rec = recommend(model, input.data, input.matrices, ropts, backend);
  manifest["recommendations"] = describe_recommendations(rec, c.topn);

  ExportSummary exported = export_csv(c.output, rec, model);
  manifest["outputs"] = {describe_export(exported)};
  spdlog::info("export: {} rows for {} customers -> {}", exported.rows, exported.customers,
               c.output.string());

  manifest["timings"] = {{"load", input.seconds},
                         {"train", trained.seconds},
                         {"save_model", save_seconds},
                         {"recommend", rec.seconds},
                         {"export", exported.seconds},
                         {"total", seconds_since(start)}};
  manifest["finished_at"] = utc_now_iso8601();
  write_manifest(c.manifest, manifest);
  spdlog::info("manifest: {}", c.manifest.string());
  return manifest;
}

}  // namespace tailor
