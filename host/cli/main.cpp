// tailor: the command line. Each subcommand is a thin wrapper over a library stage in host/.
// Exit codes: 0 success, 1 the work failed (I/O, device, diverged training), 2 bad input or usage.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>
#include <optional>

#include "host/core/atomic_file.hpp"
#include "host/core/error.hpp"
#include "host/core/progress.hpp"
#include "host/data/generate.hpp"
#include "host/data/import_csv.hpp"
#include "host/data/inspect.hpp"
#include "host/eval/split.hpp"
#include "host/eval/sweep.hpp"
#include "host/io/time.hpp"
#include "host/pipeline/backtest.hpp"
#include "host/pipeline/config.hpp"
#include "host/pipeline/run.hpp"
#include "host/report/report.hpp"
#include "host/train/planner.hpp"
#include "host/train/train.hpp"
#include "host/train/train_bpr.hpp"

namespace {

using namespace tailor;

// The model flags, shared by every command that trains (train, run, and the evaluation
// commands). Unset flags keep the value from the config file or the defaults.
struct ModelFlags {
  std::optional<int> factors, iterations, cg_steps;
  std::optional<float> regularization, alpha, log_epsilon;
  std::optional<std::string> confidence;
  std::optional<std::uint64_t> seed;

  void add_to(CLI::App& app) {
    app.add_option("--factors", factors, "Embedding size k (1..1024) [64]");
    app.add_option("--regularization", regularization, "L2 regularisation lambda [0.05]");
    app.add_option("--alpha", alpha, "Confidence weight: c = 1 + alpha * w [1]");
    app.add_option("--iterations", iterations, "Training epochs [15]");
    app.add_option("--cg-steps", cg_steps, "Conjugate-gradient steps per row and half-step [3]");
    app.add_option("--confidence", confidence, "Confidence scaling: linear or log [linear]")
        ->check(CLI::IsMember({"linear", "log"}));
    app.add_option("--log-epsilon", log_epsilon, "Log scaling: c = 1 + alpha*log(1 + w/eps) [1]");
    app.add_option("--seed", seed, "Seed of the initial factors [42]");
  }
  void apply(IalsParams& p) const {
    if (factors) p.factors = *factors;
    if (iterations) p.iterations = *iterations;
    if (cg_steps) p.cg_steps = *cg_steps;
    if (regularization) p.regularization = *regularization;
    if (alpha) p.alpha = *alpha;
    if (log_epsilon) p.log_epsilon = *log_epsilon;
    if (confidence) p.scaling = parse_scaling(*confidence);
    if (seed) p.seed = *seed;
  }
};

struct DeviceFlags {
  std::string device = "auto";
  int threads = 0;
  void add_to(CLI::App& app, bool from_config = false) {
    app.add_option("--device", device, "Where to compute: auto, cpu, cuda or cuda:N [auto]");
    app.add_option("--threads", threads, "CPU threads, 0 = all cores [0]")
        ->check(CLI::NonNegativeNumber);
    if (from_config) device.clear();
  }
  [[nodiscard]] Backend backend(std::size_t memory_budget = BackendOptions{}.memory_budget) const {
    return make_backend(parse_device(device), threads, memory_budget);
  }
};

// A TOML config with the command line's model and device flags laid over it.
RunConfig load_run_config(const std::string& path, const ModelFlags& flags, const DeviceFlags& device,
                          const char* command) {
  RunConfig config = load_config(path);
  flags.apply(config.ials);
  validate_ials_params(config.ials, command);
  if (!device.device.empty()) config.device = parse_device(device.device);
  if (device.threads > 0) config.threads = device.threads;
  return config;
}

int run_import(const std::string& csv, const std::string& out, ImportOptions opts) {
  Progress progress("import", 0, "rows");
  ImportReport r = import_csv(csv, out, opts, [&](std::int64_t rows) { progress.update(rows); });
  std::cout << fmt::format("imported {} -> {}\n", csv, out);
  std::cout << fmt::format("  rows read  {:>10}\n  rows kept  {:>10}\n", r.rows_read, r.rows_kept);
  for (const auto& [reason, count] : r.dropped)
    std::cout << fmt::format("  dropped    {:>10}  {}\n", count, reason);
  std::cout << fmt::format("  customers  {:>10}\n  items      {:>10}\n", r.customers, r.items);
  auto side = [](const char* what, const SideFileReport& f) {
    std::cout << fmt::format("  {} file {}: {} rows, {} used", what, f.source, f.rows_read,
                             f.rows_used);
    if (f.unknown_id > 0) std::cout << fmt::format(", {} unknown id", f.unknown_id);
    if (f.duplicate_id > 0) std::cout << fmt::format(", {} duplicate id", f.duplicate_id);
    if (f.bad_value > 0) std::cout << fmt::format(", {} bad_value", f.bad_value);
    std::cout << fmt::format("; {} of {} {}s have a row\n", f.ids_with_row, f.ids, what);
    auto share = [&](const char* key) {
      return fmt::format("{} ({:.1f}%)", f.counts.at(key),
                         f.ids > 0 ? 100.0 * static_cast<double>(f.counts.at(key)) /
                                         static_cast<double>(f.ids)
                                   : 0.0);
    };
    struct Count {
      const char* key;
      const char* label;
      const char* distinct;  // key of the number of distinct names, or nullptr
    };
    for (const Count& c : {Count{"with_category", "with a category", "categories"},
                           Count{"with_segment", "with a segment", "segments"},
                           Count{"with_channel", "with a channel", "channels"},
                           Count{"with_name", "with a name", nullptr},
                           Count{"with_price", "with a price", nullptr},
                           Count{"unavailable", "unavailable", nullptr},
                           Count{"opted_out", "opted out", nullptr}}) {
      if (!f.counts.contains(c.key)) continue;
      std::cout << fmt::format("    {:<16} {}", c.label, share(c.key));
      if (c.distinct) std::cout << fmt::format(", {} distinct", f.counts.at(c.distinct));
      std::cout << "\n";
    }
  };
  if (r.items_file) side("item", *r.items_file);
  if (r.customers_file) side("customer", *r.customers_file);
  if (r.item_prices_from_value)
    std::cout << fmt::format("  item prices from values {:>6}\n", *r.item_prices_from_value);
  std::cout << fmt::format("  time       {:>10.2f}s\n", r.seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("tailor");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("[%H:%M:%S] %^%l%$ %v");

  CLI::App app{fmt::format("tailor {}: batch recommendations for one-to-one marketing", TAILOR_VERSION)};
  app.require_subcommand(1);
  app.set_version_flag("--version", [] {
    return fmt::format("tailor {}\nCUDA backend: {}\nGPU: {}", TAILOR_VERSION,
                       cuda_built() ? "built" : "not built", cuda_device_description());
  });
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off [info]")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  bool quiet = false;
  app.add_flag("-q,--quiet", quiet, "Only warnings and errors on the log");

  // ---- import ----
  auto* import_cmd = app.add_subcommand("import", "Convert a CSV of transactions to the HDF5 contract");
  std::string import_csv_path, import_out;
  ImportOptions iopts;
  std::string delimiter = ",";
  import_cmd->add_option("csv", import_csv_path, "Input CSV (plain or .gz)")->required();
  import_cmd->add_option("out", import_out, "Output HDF5 file")->required();
  import_cmd->add_option("--customer", iopts.customer_col, "Customer id column")->required();
  import_cmd->add_option("--item", iopts.item_col, "Item id column")->required();
  import_cmd->add_option("--time", iopts.time_col, "Time column");
  import_cmd->add_option("--time-format", iopts.time_format,
                         "strptime-style time format [auto: ISO 8601, unix seconds, M/D/YYYY H:MM]");
  import_cmd->add_option("--quantity", iopts.quantity_col, "Quantity column");
  import_cmd->add_option("--price", iopts.price_col, "Unit price column (value = quantity x price)");
  import_cmd->add_option("--event", iopts.event_col, "Event type column (view, cart, purchase, ...)");
  import_cmd->add_option("--delimiter", delimiter, "Field delimiter [,]");
  import_cmd->add_option("--exclude-items", iopts.exclude_items, "Item ids to drop (e.g. POST,M)")
      ->delimiter(',');
  import_cmd->add_option("--cancel-column", iopts.cancel_col,
                         "Rows whose value here starts with --cancel-prefix are cancellations");
  import_cmd->add_option("--cancel-prefix", iopts.cancel_prefix, "Cancellation prefix [C]");
  import_cmd->add_option("--cancel-event", iopts.cancel_event,
                         "Keep cancellations as this event (e.g. return) instead of dropping them; "
                         "other rows become 'purchase'");
  import_cmd->add_option("--threads", iopts.threads, "Threads (decompression) [2]");
  iopts.threads = 2;
  import_cmd->add_option("--value", iopts.value_col,
                         "Money of the row as written (a line total), instead of --price");
  ItemsFileOptions items_file;
  CustomersFileOptions customers_file;
  std::string items_path, customers_path;
  auto* items_opt = import_cmd->add_option("--items", items_path,
                                           "Item metadata CSV (plain or .gz), one row per item");
  import_cmd->add_option("--items-id", items_file.id_col, "Item id column of --items")
      ->needs(items_opt);
  items_opt->needs(import_cmd->get_option("--items-id"));
  import_cmd->add_option("--items-category", items_file.category_col, "Category column of --items")
      ->needs(items_opt);
  import_cmd->add_option("--items-name", items_file.name_col, "Display name column of --items")
      ->needs(items_opt);
  import_cmd->add_option("--items-price", items_file.price_col,
                         "Unit price column of --items (empty = unknown)")
      ->needs(items_opt);
  import_cmd->add_option("--items-available", items_file.available_col,
                         "Yes/no column of --items: can the item be offered (empty = yes)")
      ->needs(items_opt);
  import_cmd->add_flag("--items-price-from-value", iopts.item_price_from_value,
                       "Unknown item prices: median value / quantity of the item's rows");
  auto* customers_opt = import_cmd->add_option(
      "--customers", customers_path, "Customer metadata CSV (plain or .gz), one row per customer");
  import_cmd->add_option("--customers-id", customers_file.id_col, "Customer id column of --customers")
      ->needs(customers_opt);
  customers_opt->needs(import_cmd->get_option("--customers-id"));
  import_cmd->add_option("--customers-opt-out", customers_file.opt_out_col,
                         "Yes/no column of --customers: opted out of campaigns (empty = no)")
      ->needs(customers_opt);
  import_cmd->add_option("--customers-segment", customers_file.segment_col,
                         "Segment column of --customers")
      ->needs(customers_opt);
  import_cmd->add_option("--customers-channel", customers_file.channel_col,
                         "Preferred channel column of --customers (email, app, post, ...)")
      ->needs(customers_opt);

  // ---- inspect ----
  auto* inspect_cmd = app.add_subcommand("inspect", "Summarise an interactions file");
  std::string inspect_path;
  int inspect_top = 10;
  inspect_cmd->add_option("file", inspect_path, "HDF5 interactions file")->required();
  inspect_cmd->add_option("--top", inspect_top, "How many popular items to list [10]")
      ->check(CLI::NonNegativeNumber);

  // ---- train ----
  auto* train_cmd = app.add_subcommand("train", "Train an iALS model");
  std::string train_input, train_model_path;
  ModelFlags train_flags;
  DeviceFlags train_device;
  bool no_objective = false;
  train_cmd->add_option("--input", train_input, "HDF5 interactions file")->required();
  train_cmd->add_option("--model", train_model_path, "Model file to write")->required();
  train_flags.add_to(*train_cmd);
  train_device.add_to(*train_cmd);
  train_cmd->add_flag("--no-objective", no_objective, "Skip the per-epoch objective");
  std::string algorithm = "ials", bpr_negatives = "uniform", bpr_schedule = "constant";
  BprParams bpr;
  train_cmd->add_option("--algorithm", algorithm, "ials or bpr [ials]")->check(CLI::IsMember({"ials", "bpr"}));
  train_cmd->add_option("--learning-rate", bpr.learning_rate, "BPR: SGD step size [0.01]");
  train_cmd->add_option("--epochs", bpr.epochs, "BPR: epochs of sampled triples [100]");
  train_cmd->add_option("--negatives", bpr_negatives, "BPR: uniform or popularity [uniform]")
      ->check(CLI::IsMember({"uniform", "popularity"}));
  train_cmd->add_option("--lr-schedule", bpr_schedule, "BPR: constant or linear decay [constant]")
      ->check(CLI::IsMember({"constant", "linear"}));

  // ---- recommend ----
  auto* rec_cmd = app.add_subcommand("recommend", "Top-N for every customer, exported as CSV");
  std::string rec_input, rec_model, rec_output, rec_manifest;
  TopNParams rec_topn;
  bool include_seen = false;
  std::size_t budget_mb = rec_topn.memory_budget >> 20;
  DeviceFlags rec_device;
  rec_cmd->add_option("--input", rec_input, "HDF5 interactions file (histories, seen items)")->required();
  rec_cmd->add_option("--model", rec_model, "Model file")->required();
  rec_cmd->add_option("-n", rec_topn.n, "List length (1..1000) [20]");
  rec_cmd->add_option("--output", rec_output, "CSV to write")->required();
  rec_cmd->add_option("--manifest", rec_manifest, "Manifest [<output>.manifest.json]");
  rec_cmd->add_flag("--include-seen", include_seen, "Allow items the customer already has");
  rec_cmd->add_option("--memory-budget-mb", budget_mb, "Scratch memory for score tiles [1024]");
  rec_device.add_to(*rec_cmd);

  // ---- run ----
  auto* run_cmd = app.add_subcommand("run", "The nightly job: load, train, recommend, export");
  std::string run_config;
  ModelFlags run_flags;
  DeviceFlags run_device;
  run_cmd->add_option("config", run_config, "TOML config (see data/nightly.example.toml)")->required();
  run_flags.add_to(*run_cmd);
  run_device.add_to(*run_cmd, true);

  // ---- backtest ----
  auto* bt_cmd = app.add_subcommand(
      "backtest", "Build a campaign as of a past date and score it against what customers bought next");
  std::string bt_config, bt_as_of, bt_horizon = "30d", bt_report, bt_markdown;
  ModelFlags bt_flags;
  DeviceFlags bt_device;
  bt_cmd->add_option("config", bt_config, "Campaign TOML config (a [campaign] section)")->required();
  bt_cmd->add_option("--as-of", bt_as_of, "Campaign date, YYYY-MM-DD (UTC)")->required();
  bt_cmd->add_option("--horizon", bt_horizon, "Window after the date: 30d, 4w, 36h [30d]");
  bt_cmd->add_option("--report", bt_report, "Write the results as JSON here");
  bt_cmd->add_option("--markdown", bt_markdown, "Write the tables as Markdown here");
  bt_flags.add_to(*bt_cmd);
  bt_device.add_to(*bt_cmd, true);

  // ---- split ----
  auto* split_cmd = app.add_subcommand("split", "Write a reproducible train/test split as two files");
  std::string split_input, split_spec, split_train, split_test;
  std::uint64_t split_seed = 42;
  split_cmd->add_option("--input", split_input, "HDF5 interactions file")->required();
  split_cmd->add_option("--split", split_spec,
                        "time:YYYY-MM-DD | last:K | random:F | customers:F")->required();
  split_cmd->add_option("--train", split_train, "Training rows go here")->required();
  split_cmd->add_option("--test", split_test, "Test rows go here")->required();
  split_cmd->add_option("--seed", split_seed, "Seed of random and customer splits [42]");

  // ---- evaluate ----
  auto* eval_cmd = app.add_subcommand("evaluate", "Train on a split and score model and baselines");
  std::string eval_input, eval_split, eval_k = "10,20", eval_protocol = "new", eval_json,
                                      eval_report, eval_config;
  std::uint64_t eval_split_seed = 42;
  bool eval_no_epochs = false;
  ModelFlags eval_flags;
  DeviceFlags eval_device;
  eval_cmd->add_option("--input", eval_input, "HDF5 interactions file")->required();
  eval_cmd->add_option("--split", eval_split, "time:YYYY-MM-DD | last:K | random:F | customers:F")
      ->required();
  eval_cmd->add_option("--split-seed", eval_split_seed, "Seed of random and customer splits [42]");
  eval_cmd->add_option("--k", eval_k, "Cutoffs, e.g. 10,20 [10,20]");
  eval_cmd->add_option("--protocol", eval_protocol, "new or all [new]")
      ->check(CLI::IsMember({"new", "all"}));
  eval_cmd->add_option("--config", eval_config, "Take the [model] section of a nightly config");
  eval_cmd->add_option("--json", eval_json, "Write the results as JSON");
  eval_cmd->add_option("--report", eval_report, "Write a self-contained HTML report");
  eval_cmd->add_flag("--no-epoch-metrics", eval_no_epochs, "Score only the final model");
  std::string eval_model_file, eval_model_name = "ials";
  eval_cmd->add_option("--model-file", eval_model_file,
                       "Score this model (same ids as --input) instead of training one");
  eval_cmd->add_option("--model-name", eval_model_name, "Name of the model in the results [ials]");
  eval_flags.add_to(*eval_cmd);
  eval_device.add_to(*eval_cmd);

  // ---- sweep ----
  auto* sweep_cmd = app.add_subcommand("sweep", "Search iALS hyper-parameters on a validation split");
  std::string sw_input, sw_split, sw_k = "10,20", sw_protocol = "new", sw_metric, sw_json,
                                  sw_report, sw_best, sw_base;
  std::string sw_factors = "32,64,128", sw_reg = "0.01,0.05,0.1,0.5", sw_alpha = "1,5,20",
              sw_iterations = "30";
  SweepOptions sw;
  std::uint64_t sw_split_seed = 42;
  ModelFlags sw_flags;
  DeviceFlags sw_device;
  sweep_cmd->add_option("--input", sw_input, "HDF5 interactions file")->required();
  sweep_cmd->add_option("--split", sw_split, "Validation split, e.g. time:2011-10-01")->required();
  sweep_cmd->add_option("--split-seed", sw_split_seed, "Seed of random and customer splits [42]");
  sweep_cmd->add_option("--k", sw_k, "Cutoffs [10,20]");
  sweep_cmd->add_option("--protocol", sw_protocol, "new or all [new]")->check(CLI::IsMember({"new", "all"}));
  sweep_cmd->add_option("--metric", sw_metric, "What to maximise, e.g. recall@20 [ndcg@<largest k>]");
  sweep_cmd->add_option("--grid-factors", sw_factors, "Values to try [32,64,128]");
  sweep_cmd->add_option("--grid-regularization", sw_reg, "Values to try [0.01,0.05,0.1,0.5]");
  sweep_cmd->add_option("--grid-alpha", sw_alpha, "Values to try [1,5,20]");
  sweep_cmd->add_option("--grid-iterations", sw_iterations, "Most epochs per trial [30]");
  sweep_cmd->add_option("--random", sw.random_trials, "Random search: this many grid points [0 = all]")
      ->check(CLI::NonNegativeNumber);
  sweep_cmd->add_option("--patience", sw.patience, "Epochs without improvement before stopping [3]")
      ->check(CLI::PositiveNumber);
  sweep_cmd->add_option("--seed", sw.seed, "Seed of the random search and baseline [42]");
  sweep_cmd->add_option("--json", sw_json, "Write all trials as JSON");
  sweep_cmd->add_option("--report", sw_report, "Write a self-contained HTML report");
  sweep_cmd->add_option("--best", sw_best, "Write the best configuration as a `tailor run` TOML");
  sweep_cmd->add_option("--base-config", sw_base, "Nightly config whose other sections --best keeps");
  sweep_cmd->add_option("--cg-steps", sw_flags.cg_steps, "CG steps per row [3]");
  sweep_cmd->add_option("--confidence", sw_flags.confidence, "linear or log [linear]")
      ->check(CLI::IsMember({"linear", "log"}));
  sw_device.add_to(*sweep_cmd);

  // ---- generate ----
  auto* gen_cmd = app.add_subcommand("generate", "Synthetic interactions with the shapes of real retail");
  std::string gen_out, gen_preset = "online-retail-shape", gen_spec_file, gen_like;
  std::vector<std::string> gen_sets;
  std::optional<std::uint64_t> gen_seed;
  GenerateOptions gen_opts;
  gen_opts.threads = 0;
  bool gen_stats = false;
  gen_cmd->add_option("out", gen_out, "HDF5 file to write")->required();
  gen_cmd->add_option("--preset", gen_preset,
                      "online-retail-shape, dunnhumby-shape, lastfm-shape or retail-1b [online-retail-shape]");
  gen_cmd->add_option("--spec", gen_spec_file, "JSON with spec fields overriding the preset");
  gen_cmd->add_option("--set", gen_sets, "key=value overriding one spec field (repeatable)");
  gen_cmd->add_option("--seed", gen_seed, "Seed (the same seed gives the same file)");
  gen_cmd->add_option("--threads", gen_opts.threads, "Threads, 0 = all cores [0]");
  gen_cmd->add_option("--chunk-rows", gen_opts.chunk_rows, "Rows held in memory per write [8388608]");
  gen_cmd->add_option("--like", gen_like, "Print the generated shape beside this real file's");
  gen_cmd->add_flag("--stats", gen_stats, "Print the generated file's shape statistics as JSON");

  // ---- plan ----
  auto* plan_cmd = app.add_subcommand("plan", "Will this iALS problem fit the GPU? Resident or streamed");
  std::string plan_input, plan_precision = "fp32", plan_memory;
  ProblemShape plan_shape;
  PlanOptions plan_opts;
  plan_cmd->add_option("--input", plan_input, "Take the shape (and row sizes) from this file");
  plan_cmd->add_option("--customers", plan_shape.customers, "Customers (without --input)");
  plan_cmd->add_option("--items", plan_shape.items, "Items (without --input)");
  plan_cmd->add_option("--interactions", plan_shape.nnz, "Distinct customer-item pairs (without --input)");
  plan_cmd->add_option("--factors", plan_shape.factors, "Embedding size [64]");
  plan_cmd->add_option("--precision", plan_precision, "Factor storage: fp32, bf16 or fp16 [fp32]");
  plan_cmd->add_option("--device-memory", plan_memory,
                       "Device memory, e.g. 79.1GiB [the usable GPU's; required without one]");
  plan_cmd->add_option("--headroom", plan_opts.headroom, "Fraction kept free for the runtime [0.1]");
  plan_cmd->add_flag("--stream", plan_opts.force_streaming, "Plan streaming even if it fits");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  spdlog::set_level(quiet ? spdlog::level::warn : spdlog::level::from_str(log_level));

  try {
    if (*import_cmd) {
      if (delimiter.size() != 1) throw InputError("--delimiter must be one character");
      iopts.delimiter = delimiter[0];
      if (!items_path.empty()) {
        items_file.path = items_path;
        iopts.items_file = items_file;
      }
      if (!customers_path.empty()) {
        customers_file.path = customers_path;
        iopts.customers_file = customers_file;
      }
      return run_import(import_csv_path, import_out, iopts);
    }
    if (*inspect_cmd) {
      std::cout << inspect(inspect_path, inspect_top, resolve_threads(0));
      return 0;
    }
    if (*train_cmd) {
      TrainResult result;
      Model model;
      if (algorithm == "bpr") {
        // The shared model flags that mean the same for BPR; iALS-only ones are refused.
        if (train_flags.alpha || train_flags.cg_steps || train_flags.iterations || train_flags.confidence)
          throw InputError("--alpha, --cg-steps, --iterations and --confidence are iALS flags; BPR "
                           "takes --epochs, --learning-rate, --negatives, --lr-schedule");
        BprTrainOptions opts;
        opts.bpr = bpr;
        if (train_flags.factors) opts.bpr.factors = *train_flags.factors;
        if (train_flags.regularization) opts.bpr.regularization = *train_flags.regularization;
        if (train_flags.seed) opts.bpr.seed = *train_flags.seed;
        opts.bpr.negatives = parse_negatives(bpr_negatives);
        opts.bpr.schedule = parse_schedule(bpr_schedule);
        opts.report_objective = !no_objective;
        const Backend backend = train_device.backend();
        LoadedInput input = load_input(train_input, train_device.threads);
        model = train_bpr_model(input, opts, backend, &result);
      } else {
        TrainOptions opts;
        train_flags.apply(opts.ials);
        validate_ials_params(opts.ials, "train");
        opts.report_objective = !no_objective;
        const Backend backend = train_device.backend();
        LoadedInput input = load_input(train_input, train_device.threads);
        model = train_model(input, opts, backend, &result);
      }
      save_model(train_model_path, model);
      spdlog::info("train: {} epochs in {:.2f}s on {}; model -> {}", result.epochs.size(),
                   result.seconds, result.backend, train_model_path);
      return 0;
    }
    if (*rec_cmd) {
      RecommendJob job{rec_input, rec_model, rec_output, rec_manifest, rec_topn,
                       rec_device.threads};
      job.topn.exclude_seen = !include_seen;
      job.topn.memory_budget = budget_mb << 20;
      validate_topn_params(job.topn, "recommend");
      run_recommend(job, rec_device.backend(job.topn.memory_budget));
      return 0;
    }
    if (*gen_cmd) {
      GenerateSpec spec = generate_preset(gen_preset);
      if (!gen_spec_file.empty()) {
        std::ifstream in(gen_spec_file);
        if (!in) throw InputError(fmt::format("{}: cannot read", gen_spec_file));
        nlohmann::json j;
        try {
          j = nlohmann::json::parse(in);
        } catch (const nlohmann::json::exception& e) {
          throw InputError(fmt::format("{}: {}", gen_spec_file, e.what()));
        }
        spec = generate_spec_from_json(j, spec);
      }
      for (const auto& kv : gen_sets) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos) throw InputError(fmt::format("--set '{}': expected key=value", kv));
        set_generate_field(spec, kv.substr(0, eq), kv.substr(eq + 1));
      }
      if (gen_seed) spec.seed = *gen_seed;
      gen_opts.threads = resolve_threads(gen_opts.threads);
      Progress progress("generate", 0, "rows");
      gen_opts.progress = [&](std::int64_t done, std::int64_t) { progress.update(done); };
      GenerateReport r = generate(gen_out, spec, gen_opts);
      std::cout << fmt::format("generated {} ({} rows, {} re-buys) in {:.1f}s\n", gen_out, r.rows,
                               r.repeat_rows, r.seconds);
      if (gen_stats || !gen_like.empty()) {
        nlohmann::json generated = shape_stats(load_dataset(gen_out, LoadOptions{gen_opts.threads}));
        if (gen_stats) std::cout << generated.dump(2) << "\n";
        if (!gen_like.empty())
          std::cout << compare_stats(generated, shape_stats(load_dataset(gen_like, LoadOptions{gen_opts.threads})));
      }
      return 0;
    }
    if (*plan_cmd) {
      plan_shape.precision = parse_precision(plan_precision);
      std::optional<LoadedInput> input;
      if (!plan_input.empty()) {
        input = load_input(plan_input, 0);
        plan_shape.customers = input->data.customers();
        plan_shape.items = input->data.items();
        plan_shape.nnz = input->matrices.customer_items.nnz();
        plan_opts.customer_indptr = input->matrices.customer_items.indptr;
        plan_opts.item_indptr = input->matrices.item_customers.indptr;
      }
      std::size_t device_bytes = 0;
      if (!plan_memory.empty()) device_bytes = parse_bytes(plan_memory);
      else if (cuda_device_count() > 0) device_bytes = cuda_device_memory();
      else
        throw InputError(fmt::format("plan: no usable GPU ({}); give --device-memory, e.g. 79.1GiB",
                                     cuda_device_description()));
      MemoryPlan plan = plan_ials(plan_shape, device_bytes, plan_opts);
      std::cout << plan.explanation;
      return plan.feasible ? 0 : 2;
    }
    if (*split_cmd) {
      LoadedInput input = load_input(split_input, 0);
      Split split = make_split(input.data, parse_split(split_spec, split_seed));
      write_split(input.data, split, split_train, split_test);
      std::cout << split.describe().dump(2) << "\n";
      return 0;
    }
    if (*eval_cmd) {
      EvaluateOptions opts;
      if (!eval_config.empty()) opts.ials = load_config(eval_config).ials;
      eval_flags.apply(opts.ials);
      validate_ials_params(opts.ials, "evaluate");
      opts.split = parse_split(eval_split, eval_split_seed);
      opts.ks = parse_ks(eval_k);
      opts.protocol = parse_protocol(eval_protocol);
      opts.per_epoch_metrics = !eval_no_epochs;
      LoadedInput input = load_input(eval_input, eval_device.threads);
      std::optional<Model> external;
      if (!eval_model_file.empty()) {
        external = load_model(eval_model_file);
        opts.model = &*external;
      }
      opts.model_name = eval_model_name;
      nlohmann::json result = evaluate(input.data, opts, eval_device.backend());
      std::cout << format_evaluation(result);
      if (!eval_json.empty()) write_file_atomically(eval_json, result.dump(2) + "\n");
      if (!eval_report.empty()) write_report(eval_report, result);
      return 0;
    }
    if (*sweep_cmd) {
      sw_flags.apply(sw.base);
      sw.split = parse_split(sw_split, sw_split_seed);
      sw.ks = parse_ks(sw_k);
      sw.protocol = parse_protocol(sw_protocol);
      sw.metric = sw_metric;
      sw.space.factors = parse_int_list("--grid-factors", sw_factors);
      sw.space.regularization = parse_float_list("--grid-regularization", sw_reg);
      sw.space.alpha = parse_float_list("--grid-alpha", sw_alpha);
      sw.space.iterations = parse_int_list("--grid-iterations", sw_iterations);
      LoadedInput input = load_input(sw_input, sw_device.threads);
      nlohmann::json result = sweep(input.data, sw, sw_device.backend());
      std::cout << format_sweep(result);
      if (!sw_json.empty()) write_file_atomically(sw_json, result.dump(2) + "\n");
      if (!sw_report.empty()) write_report(sw_report, result);
      if (!sw_best.empty())
        write_best_config(sw_best, result,
                          sw_base.empty() ? std::nullopt : std::optional<std::filesystem::path>(sw_base));
      return 0;
    }
    if (*bt_cmd) {
      const RunConfig config = load_run_config(bt_config, bt_flags, bt_device, "backtest");
      std::int64_t as_of = 0;
      if (!parse_time(bt_as_of, std::nullopt, as_of))
        throw InputError(fmt::format("--as-of {}: expected a date YYYY-MM-DD", bt_as_of));
      const Backend backend = make_backend(config.device, config.threads, config.topn.memory_budget);
      const BacktestResult r =
          run_backtest(config, as_of, parse_horizon_seconds(bt_horizon), backend);
      const std::string tables = r.to_markdown();
      std::cout << tables;
      if (!bt_report.empty()) write_file_atomically(bt_report, r.to_json().dump(2) + "\n");
      if (!bt_markdown.empty()) write_file_atomically(bt_markdown, tables);
      return 0;
    }
    if (*run_cmd) {
      const RunConfig config = load_run_config(run_config, run_flags, run_device, "run");
      run_pipeline(config, make_backend(config.device, config.threads, config.topn.memory_budget));
      std::cout << fmt::format("{}: {}\n", config.campaign ? "campaign" : "recommendations",
                               config.output.string());
      if (config.output_jsonl) std::cout << fmt::format("json lines: {}\n", config.output_jsonl->string());
      if (config.output_h5) std::cout << fmt::format("hdf5: {}\n", config.output_h5->string());
      std::cout << fmt::format("manifest: {}\n", config.manifest.string());
      return 0;
    }
  } catch (const InputError& e) {
    spdlog::error("{}", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  return 2;
}
