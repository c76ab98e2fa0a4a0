#include "host/pipeline.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "host/error.hpp"
#include "host/fingerprint.hpp"
#include "host/progress.hpp"

namespace tailor {
LoadedInput load_input(const std::filesystem::path& path, int threads,
                       const std::function<std::vector<bool>(const Dataset&)>& rows) {
  const auto start = std::chrono::steady_clock::now();
  LoadedInput in;
  in.path = path;
  LoadOptions opts;
  opts.threads = resolve_threads(threads);
  in.data = load_dataset(path, opts);
  const std::vector<bool> keep = rows ? rows(in.data) : std::vector<bool>{};
  in.matrices = build_matrices(in.data, opts.threads, keep.empty() ? nullptr : &keep);
  in.file_fingerprint = file_fingerprint(path);
  in.seconds = seconds_since(start);
  spdlog::info("load: {}: {} interactions, {} customers x {} items, {} distinct pairs ({:.2f}s)",
               path.string(), in.data.log.size(), in.data.customers(), in.data.items(),
               in.matrices.customer_items.nnz(), in.seconds);
  return in;
}

namespace {

// A trained result packed with the ids, provenance and history of the data it came from.
Model pack_model(const LoadedInput& input, TrainResult& r, bool with_objective) {
  Model m;
  m.customer_ids = input.data.customer_ids;
  m.item_ids = input.data.item_ids;
  m.customer_factors = std::move(r.customer_factors);
  m.item_factors = std::move(r.item_factors);
  m.data_fingerprint = input.matrices.fingerprint;
  m.training_input = input.path.string();
  m.created_at = utc_now_iso8601();
  for (const auto& e : r.epochs) {
    if (with_objective) m.objective.push_back(e.objective.total);
    m.epoch_seconds.push_back(e.seconds);
  }
  return m;
}

}  // namespace

Model train_model(const LoadedInput& input, const TrainOptions& options, TrainResult* result) {
  TrainResult r = train_ials(input.matrices, options);
  Model m = pack_model(input, r, options.report_objective);
  m.params = options.ials;
  if (result) *result = std::move(r);
  return m;
}

Model train_bpr_model(const LoadedInput& input, const BprTrainOptions& options, TrainResult* result) {
  TrainResult r = train_bpr(input.matrices, options);
  Model m = pack_model(input, r, options.report_objective);
  m.algorithm = "bpr";
  m.bpr = options.bpr;
  m.params.factors = options.bpr.factors;
  if (result) *result = std::move(r);
  return m;
}

nlohmann::json new_manifest(const std::string& command) {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return {{"tool", "tailor"},
          {"version", TAILOR_VERSION},
          {"command", command},
          {"started_at", utc_now_iso8601()},
          {"host", host},
          {"status", "ok"}};
}

nlohmann::json describe_input(const LoadedInput& in) {
  return {{"path", in.path.string()},
          {"fingerprint", in.file_fingerprint},
          {"data_fingerprint", in.matrices.fingerprint},
          {"interactions", in.data.log.size()},
          {"customers", in.data.customers()},
          {"items", in.data.items()},
          {"distinct_pairs", in.matrices.customer_items.nnz()}};
}

nlohmann::json describe_params(const IalsParams& p) {
  return {{"algorithm", "ials"},
          {"factors", p.factors},
          {"regularization", decimal(p.regularization)},
          {"alpha", decimal(p.alpha)},
          {"iterations", p.iterations},
          {"cg_steps", p.cg_steps},
          {"confidence", to_string(p.scaling)},
          {"log_epsilon", decimal(p.log_epsilon)},
          {"seed", p.seed}};
}

nlohmann::json describe_params(const BprParams& p) {
  return {{"algorithm", "bpr"},
          {"factors", p.factors},
          {"learning_rate", decimal(p.learning_rate)},
          {"regularization", decimal(p.regularization)},
          {"epochs", p.epochs},
          {"negatives", to_string(p.negatives)},
          {"lr_schedule", to_string(p.schedule)},
          {"seed", p.seed}};
}

nlohmann::json describe_model_params(const Model& m) {
  return m.algorithm == "bpr" ? describe_params(m.bpr) : describe_params(m.params);
}

nlohmann::json describe_training(const TrainResult& r) {
  nlohmann::json epochs = nlohmann::json::array();
  for (const auto& e : r.epochs)
    epochs.push_back({{"epoch", e.epoch},
                      {"seconds", e.seconds},
                      {"objective", e.objective.total},
                      {"objective_normalized", e.objective.normalized}});
  return {{"backend", r.backend}, {"device", to_string(r.device)}, {"seconds", r.seconds},
          {"epochs", epochs}};
}

nlohmann::json describe_recommendations(const Recommendations& r, const TopNParams& p) {
  return {{"n", p.n},
          {"exclude_seen", p.exclude_seen},
          {"device", to_string(r.device)},
          {"customers_with_list", r.lists.customers()},
          {"short_lists", r.lists.short_lists},
          {"customers_without_history", r.customers_without_history},
          {"customers_not_in_model", r.customers_not_in_model},
          {"items_not_in_model", r.items_not_in_model},
          {"seconds", r.seconds}};
}

nlohmann::json describe_export(const ExportSummary& s) {
  return {{"path", s.path.string()}, {"format", "csv"},   {"rows", s.rows},
          {"customers", s.customers}, {"bytes", s.bytes}, {"fingerprint", file_fingerprint(s.path)},
          {"seconds", s.seconds}};
}

nlohmann::json describe_campaign(const Campaign& camp) {
  const CampaignStats& st = camp.stats;
  nlohmann::json filled, fallback;
  for (int t = 0; t < kSlotTypes; ++t) {
    filled[to_string(static_cast<Slot>(t))] = st.filled[t];
    fallback[to_string(static_cast<Slot>(t))] = st.fallback[t];
  }
  nlohmann::json tiers = nlohmann::json::object();
  for (const CustomerList& l : camp.lists) {
    const std::string name =
        l.tier == kNoTier ? kNoTierName : camp.tier_names[static_cast<std::size_t>(l.tier)];
    auto& t = tiers[name];
    if (t.is_null()) t = {{"lists", 0}, {"control", 0}};
    t["lists"] = t["lists"].get<std::int64_t>() + 1;
    t["control"] = t["control"].get<std::int64_t>() + (l.control ? 1 : 0);
  }
  return {{"campaign_id", camp.campaign_id},
          {"campaign_date", utc_date(camp.campaign_time)},
          {"campaign_time", camp.campaign_time},
          {"list_length", camp.list_length},
          {"customers", st.customers},
          {"opted_out", st.opted_out},
          {"suppressed_by_event", st.suppressed_by_event},
          {"lists", st.lists},
          {"control", st.control},
          {"treatment", st.lists - st.control},
          {"short_lists", st.short_lists},
          {"empty_lists", st.empty_lists},
          {"customers_not_in_model", st.not_in_model},
          {"customers_without_history", st.without_history},
          {"blocklist_rows", st.blocklist_pairs},
          {"items_by_slot", filled},
          {"slots_passed_to_fallback", fallback},
          {"tiers", tiers},
          {"seconds", st.seconds}};
}

nlohmann::json describe_export(const ExportSummary& s, const char* format) {
  nlohmann::json j = describe_export(s);
  j["format"] = format;
  return j;
}

void run_campaign_stage(const RunConfig& c, const LoadedInput& input, const Model& model,
                        nlohmann::json& manifest) {
  Campaign camp = build_campaign(model, input.data, input.matrices, *c.campaign, c.threads);
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

nlohmann::json run_pipeline(const RunConfig& c) {
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
  topts.device = c.device;
  topts.threads = c.threads;
  topts.report_objective = c.report_objective;
  TrainResult trained;
  Model model = train_model(input, topts, &trained);
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
    run_campaign_stage(c, input, model, manifest);
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
  ropts.device = c.device;
  ropts.threads = c.threads;
  Recommendations rec = recommend(model, input.data, input.matrices, ropts);
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
