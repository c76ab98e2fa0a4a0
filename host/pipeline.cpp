#include "host/pipeline.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>

#include "host/fingerprint.hpp"
#include "host/progress.hpp"

namespace tailor {
LoadedInput load_input(const std::filesystem::path& path, int threads) {
  const auto start = std::chrono::steady_clock::now();
  LoadedInput in;
  in.path = path;
  LoadOptions opts;
  opts.threads = resolve_threads(threads);
  in.data = load_dataset(path, opts);
  in.matrices = build_matrices(in.data, opts.threads);
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

nlohmann::json run_pipeline(const RunConfig& c) {
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json manifest = new_manifest("run " + c.source.string());
  manifest["config"] = c.source.string();

  LoadedInput input = load_input(c.input, c.threads);
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
