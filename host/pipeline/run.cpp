#include "host/pipeline/run.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "host/core/atomic_file.hpp"
#include "host/core/error.hpp"
#include "host/core/fingerprint.hpp"
#include "host/core/progress.hpp"
#include "host/eval/item_lists.hpp"
#include "host/export/campaign_export.hpp"
#include "host/export/export.hpp"
#include "host/export/manifest.hpp"
#include "host/export/night.hpp"
#include "host/export/stream_export.hpp"
#include "host/io/time.hpp"
#include "host/rank/ranker_source.hpp"
#include "host/score/history_lists.hpp"
#include "host/score/recommend.hpp"
#include "host/train/history_model.hpp"
#include "host/train/train.hpp"
#include "host/train/train_bpr.hpp"

namespace tailor {
void run_campaign_stage(const RunConfig& c, const LoadedInput& input, const ScoreSource& scores,
                        const Backend& backend, nlohmann::json& manifest) {
  Campaign camp = build_campaign(scores, input.data, input.matrices, *c.campaign, backend);
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
    const std::filesystem::path& rejected = c.rejected_manifest;
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

namespace {

// The scored lists and their export, as the callers log them.
struct RecommendStage {
  Recommendations rec;
  ExportSummary exported;
};

// Score -> export: what `tailor recommend` and `tailor run` without a campaign share. Adds
// "recommendations", "outputs" and the "recommend" and "export" timings to the manifest.
RecommendStage recommend_and_export(const Model& model, const LoadedInput& input,
                                    const TopNParams& topn, const std::filesystem::path& output,
                                    const Backend& backend, nlohmann::json& manifest) {
  RecommendOptions ropts;
  ropts.topn = topn;
  // Scoring and formatting overlap: each batch of lists goes to the exporter's threads while the
  // next batch is scored; the file is what export_csv would write for all the lists.
  const Model history_ids = model.history_model() ? list_ids(model, input.data) : Model{};
  StreamExporter exporter(output, model.history_model() ? history_ids : model);
  RecommendStage s{recommend(model, input.data, input.matrices, ropts, backend,
                             [&](std::vector<std::uint32_t> customers, TopNResult lists) {
                               exporter.push(std::move(customers), std::move(lists));
                             }),
                   {}};
  s.exported = exporter.finish();
  manifest["recommendations"] = describe_recommendations(s.rec, topn);
  manifest["outputs"] = {describe_export(s.exported)};
  manifest["timings"]["recommend"] = s.rec.seconds;
  manifest["timings"]["export"] = s.exported.seconds;
  return s;
}

// A model file as the manifest names it.
nlohmann::json describe_model_file(const std::filesystem::path& path, const Model& model) {
  return {{"path", path.string()},
          {"fingerprint", file_fingerprint(path)},
          {"data_fingerprint", model.data_fingerprint}};
}

// Written last: its presence says the command finished.
void finish_manifest(const std::filesystem::path& path, nlohmann::json& manifest) {
  manifest["finished_at"] = utc_now_iso8601();
  write_manifest(path, manifest);
}

// In campaigns, negative events (returns, complaints) are neither training signal nor
// purchases.
std::function<std::vector<bool>(const Dataset&)> training_rows(const RunConfig& c) {
  if (!c.campaign) return {};
  return [&c](const Dataset& data) {
    std::vector<bool> keep = interaction_rows(data, *c.campaign);
    if (!keep.empty())
      spdlog::info("campaign: {} negative-event rows left out of training and of bought items",
                   std::count(keep.begin(), keep.end(), false));
    return keep;
  };
}

// A trained model and what its stages took.
struct Trained {
  Model model;
  double train_seconds = 0.0;
  double save_seconds = 0.0;
};

// Trains on the config's parameters and saves the model when the config names a file; adds
// "parameters", "training" and "model" to the manifest.
Trained train_and_save(const RunConfig& c, const LoadedInput& input, const Backend& backend,
                       nlohmann::json& manifest) {
  TrainResult result;
  Trained t;
  t.model = train_configured(c, input, backend, c.report_objective, true, &result);
  t.train_seconds = result.seconds;
  manifest["parameters"] = describe_model_params(t.model);
  manifest["training"] = describe_training(result);
  if (c.model_path) {
    const auto start = std::chrono::steady_clock::now();
    save_model(*c.model_path, t.model);
    t.save_seconds = seconds_since(start);
    manifest["model"] = describe_model_file(*c.model_path, t.model);
  }
  return t;
}

// The slot model as the manifest names it: its name, its parameters (iALS's are "parameters")
// and the seconds it took to fit.
nlohmann::json describe_slot_model(const RunConfig& c, double seconds) {
  nlohmann::json j = {{"name", to_string(c.campaign->model)}, {"fit_seconds", seconds}};
  switch (c.campaign->model) {
    case SlotModel::itemknn: j["parameters"] = describe(c.itemknn); break;
    case SlotModel::ease: j["parameters"] = describe(c.ease, c.ease_max_bytes); break;
    case SlotModel::tifuknn: j["parameters"] = describe(c.tifuknn); break;
    case SlotModel::ials:
    case SlotModel::ranker: break;  // the ranker's record comes from its fit
  }
  return j;
}

// The ranker's score source, fitted as of the campaign date; with [model] path the model file
// is written again with the ranker in it (/ranker).
std::unique_ptr<ScoreSource> ranker_stage(const RunConfig& c, const LoadedInput& input,
                                          Trained* trained, const Backend& backend,
                                          nlohmann::json& manifest) {
  RankerModel fitted;
  auto scores = make_ranker_source(input.data, campaign_time_of(*c.campaign, input.data.log),
                                   ranker_params(c, RankerParams{}.horizon_seconds), backend,
                                   &fitted);
  manifest["ranker"] = describe(fitted);
  if (trained && c.model_path) {
    trained->model.ranker = to_model_part(fitted);
    save_model(*c.model_path, trained->model);
    manifest["model"] = describe_model_file(*c.model_path, trained->model);
  }
  return scores;
}

// The campaign stage with its score source made first; returns the seconds the source took.
double campaign_stage(const RunConfig& c, const LoadedInput& input, Trained* trained,
                      const Backend& backend, nlohmann::json& manifest) {
  const auto start = std::chrono::steady_clock::now();
  const std::unique_ptr<ScoreSource> scores =
      c.campaign->model == SlotModel::ranker
          ? ranker_stage(c, input, trained, backend, manifest)
          : make_score_source({trained ? &trained->model : nullptr, input.data, input.matrices,
                               *c.campaign, backend},
                              slot_model_params(c));
  const double seconds = seconds_since(start);
  manifest["slot_model"] = describe_slot_model(c, seconds);
  run_campaign_stage(c, input, *scores, backend, manifest);
  return seconds;
}

}  // namespace

bool run_trains_model(const RunConfig& c) {
  return !c.campaign || c.campaign->model == SlotModel::ials || c.model_path.has_value();
}

Model train_configured(const RunConfig& c, const LoadedInput& input, const Backend& backend,
                       bool report_objective, bool log_epochs, TrainResult* result) {
  if (is_history_algorithm(c.algorithm))
    return fit_history_model(c.algorithm, input, slot_model_params(c), backend, result);
  if (c.algorithm == "bpr") {
    BprTrainOptions o;
    o.bpr = c.bpr;
    o.report_objective = report_objective;
    o.log_epochs = log_epochs;
    return train_bpr_model(input, o, backend, result);
  }
  TrainOptions o;
  o.ials = c.ials;
  o.report_objective = report_objective;
  o.log_epochs = log_epochs;
  return train_model(input, o, backend, result);
}

nlohmann::json run_recommend(const RecommendJob& job, const Backend& backend) {
  const std::filesystem::path manifest_path =
      job.manifest.empty() ? std::filesystem::path(job.output.string() + ".manifest.json")
                           : job.manifest;
  nlohmann::json manifest = new_manifest("recommend");
  const LoadedInput input = load_input(job.input, job.threads);
  const Model model = load_model(job.model);
  if (model.data_fingerprint != input.matrices.fingerprint)
    spdlog::info("recommend: the model was trained on other data ({}); matching by id",
                 model.training_input);
  manifest["inputs"] = {describe_input(input)};
  const RecommendStage s =
      recommend_and_export(model, input, job.topn, job.output, backend, manifest);
  manifest["model"] = describe_model_file(job.model, model);
  manifest["model"]["parameters"] = describe_model_params(model);
  manifest["timings"]["load"] = input.seconds;
  finish_manifest(manifest_path, manifest);
  spdlog::info("export: {} rows for {} customers ({} short lists) -> {}; manifest {}",
               s.exported.rows, s.exported.customers, s.rec.short_lists,
               job.output.string(), manifest_path.string());
  return manifest;
}

namespace {

// The night itself: load, train, save, recommend or campaign, export, manifest. With a night
// folder the config's outputs are already the staged ones, and the manifest names them through
// the link.
nlohmann::json run_night(const RunConfig& c, const Backend& backend, const NightFolder* night) {
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json manifest = new_manifest("run " + c.source.string());
  manifest["config"] = c.source.string();
  const LoadedInput input = load_input(c.input, c.threads, training_rows(c));
  manifest["inputs"] = {describe_input(input)};
  std::optional<Trained> trained;
  if (run_trains_model(c)) {
    trained = train_and_save(c, input, backend, manifest);
  } else {
    spdlog::info("run: slot model {} and no [model] path: the {} model is not trained",
                 to_string(c.campaign->model), c.algorithm);
  }

  // The campaign stage may write a rejected manifest, which has no timings.
  if (c.campaign) {
    const double fit = campaign_stage(c, input, trained ? &*trained : nullptr, backend, manifest);
    manifest["timings"]["slot_model"] = fit;
    manifest["timings"]["campaign"] = manifest["campaign"]["seconds"];
  } else {
    const RecommendStage s =
        recommend_and_export(trained->model, input, c.topn, c.output, backend, manifest);
    spdlog::info("export: {} rows for {} customers -> {}", s.exported.rows, s.exported.customers,
                 c.output.string());
  }
  nlohmann::json& timings = manifest["timings"];
  timings["load"] = input.seconds;
  timings["train"] = trained ? trained->train_seconds : 0.0;
  timings["save_model"] = trained ? trained->save_seconds : 0.0;
  timings["total"] = seconds_since(start);
  if (night) night->rebase(manifest);
  finish_manifest(c.manifest, manifest);
  return manifest;
}

// InputError before any work when an output's folder is missing or cannot be written.
void check_writable(const std::vector<std::filesystem::path>& outputs) {
  for (const auto& p : outputs) {
    const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : ".";
    if (!std::filesystem::is_directory(dir))
      throw InputError(fmt::format("{}: the output folder {} does not exist", p.string(),
                                   dir.string()));
    if (::access(dir.c_str(), W_OK) != 0)
      throw InputError(fmt::format("{}: the output folder {} cannot be written", p.string(),
                                   dir.string()));
  }
}

// The config with every output inside the night folder moved into the new night; the QA gates
// compare with last night's JSON lines, read through the link.
RunConfig staged_config(const RunConfig& c, const NightFolder& night) {
  RunConfig s = c;
  if (!s.qa_previous && c.output_jsonl && std::filesystem::exists(*c.output_jsonl))
    s.qa_previous = c.output_jsonl;
  s.output = night.staged(c.output);
  s.manifest = night.staged(c.manifest);
  if (c.output_jsonl) s.output_jsonl = night.staged(*c.output_jsonl);
  if (c.output_h5) s.output_h5 = night.staged(*c.output_h5);
  if (c.model_path && night.holds(*c.model_path)) s.model_path = night.staged(*c.model_path);
  return s;
}

}  // namespace

nlohmann::json run_pipeline(const RunConfig& c, const Backend& backend) {
  if (!c.output_folder) {
    const std::vector<std::filesystem::path> outputs = output_paths(c);
    check_writable(outputs);
    for (const auto& p : outputs) remove_stale_temporaries(p);
    nlohmann::json manifest = run_night(c, backend, nullptr);
    spdlog::info("manifest: {}", c.manifest.string());
    return manifest;
  }
  if (c.model_path && !NightFolder::inside(*c.output_folder, *c.model_path))
    check_writable({*c.model_path});
  NightFolder night(*c.output_folder);
  nlohmann::json manifest = run_night(staged_config(c, night), backend, &night);
  night.publish();
  spdlog::info("published {} (manifest {})", c.output_folder->string(), c.manifest.string());
  return manifest;
}

}  // namespace tailor
