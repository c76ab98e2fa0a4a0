#include "host/pipeline/run_sharded.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <chrono>
#include <optional>
#include <thread>

#include "host/core/atomic_file.hpp"
#include "host/core/error.hpp"
#include "host/core/fingerprint.hpp"
#include "host/core/progress.hpp"
#include "host/data/shard.hpp"
#include "host/io/time.hpp"
#include "host/export/manifest.hpp"
#include "host/export/night.hpp"
#include "host/export/stream_export.hpp"
#include "host/score/recommend.hpp"
#include "host/train/model.hpp"
#include "host/train/train.hpp"

namespace tailor {
namespace {

using nlohmann::json;

// Threads per rank: the config's, else the machine's cores shared by the ranks on this node.
int rank_threads(const RunConfig& c, int ranks) {
  if (c.threads > 0) return c.threads;
  int local = ranks;
  for (const char* v : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"})
    if (const char* s = std::getenv(v)) local = std::max(1, std::atoi(s));
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / local);
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// Every rank's text on rank 0 (in rank order); the others get only their own.
std::vector<std::string> gather_text(Comm& comm, const std::string& mine) {
  if (comm.rank() != 0) {
    comm.send(Bytes(reinterpret_cast<const std::byte*>(mine.data()),
                    reinterpret_cast<const std::byte*>(mine.data() + mine.size())),
              0);
    return {mine};
  }
  std::vector<std::string> all{mine};
  for (int r = 1; r < comm.ranks(); ++r) {
    const Bytes b = comm.receive(r);
    all.emplace_back(reinterpret_cast<const char*>(b.data()), b.size());
  }
  return all;
}

// Trains iALS on the ranks' blocks: the one-process factors on every rank.
Model train_shards(const RunConfig& c, ShardInput& in, Comm& comm, int threads,
                   TrainResult& result) {
  TrainOptions o;
  o.ials = c.ials;
  o.report_objective = c.report_objective;
  o.log_epochs = true;
  const IalsShard shard{in.customer_starts, in.item_starts, &comm};
  const CsrView ci = in.customer_items.view(), ic = in.item_customers.view();
  result = train_ials_with(
      [&] { return make_cpu_ials_shard(ci, ic, c.ials, threads, shard); },
      {in.data.customers(), in.data.items(), in.interactions}, o, Device::cpu);
  result.backend = fmt::format("cpu ({} threads per rank), {}", threads, comm.name());
  Model m = pack_model(in.data.customer_ids, in.data.item_ids, in.fingerprint, in.path, result,
                       c.report_objective);  // moves the factors out of result
  m.params = c.ials;
  return m;
}

// This rank's customers (ids and rows) as the data recommend() scores.
struct RankCustomers {
  Dataset data;
  InteractionMatrices matrices;
};

RankCustomers rank_customers(ShardInput& in, int rank) {
  RankCustomers out;
  const auto b = in.data.customer_ids.begin();
  out.data.customer_ids.assign(b + in.first_customer(rank), b + in.first_customer(rank + 1));
  out.data.item_ids = in.data.item_ids;
  out.matrices.customer_items = std::move(in.customer_items);
  return out;
}

// Scores this rank's customers and writes its part; returns the part as the manifest lists it.
json score_part(const RunConfig& c, const Model& model, ShardInput& in, Comm& comm, int threads,
                const std::filesystem::path& part) {
  const RankCustomers mine = rank_customers(in, comm.rank());
  RecommendOptions ropts;
  ropts.topn = c.topn;
  const Backend backend = make_backend(parse_device("cpu"), threads, c.topn.memory_budget);
  StreamExporter exporter(part, model);
  const Recommendations rec =
      recommend(model, mine.data, mine.matrices, ropts, backend,
                [&](std::vector<std::uint32_t> customers, TopNResult lists) {
                  exporter.push(std::move(customers), std::move(lists));
                });
  const ExportSummary exported = exporter.finish();
  json j = describe_export(exported);
  j["fingerprint"] = file_fingerprint(part);
  j["rank"] = comm.rank();
  j["recommendations"] = describe_recommendations(rec, c.topn);
  return j;
}

// What rank r did, for the manifest's "ranks".
json rank_figures(const ShardInput& in, int rank, double seconds) {
  return {{"rank", rank},
          {"customers", in.first_customer(rank + 1) - in.first_customer(rank)},
          {"items", in.first_item(rank + 1) - in.first_item(rank)},
          {"rows", in.data.log.size()},
          {"shuffle_bytes", in.shuffle_bytes},
          {"peak_rss_mb", peak_rss_mb()},
          {"seconds", seconds}};
}

// Every part's recommendation figures: the customer counts added up, the settings and the
// per-input counts (the same on every rank) as rank 0 has them, the slowest rank's seconds.
json total_recommendations(const json& parts) {
  json total = parts.at(0)["recommendations"];
  for (std::size_t r = 1; r < parts.size(); ++r) {
    const json& p = parts[r]["recommendations"];
    for (const char* key : {"customers_with_list", "customers_not_in_model",
                            "customers_without_history", "short_lists"})
      total[key] = total.value(key, std::int64_t{0}) + p.value(key, std::int64_t{0});
    total["seconds"] = std::max(total.value("seconds", 0.0), p.value("seconds", 0.0));
  }
  return total;
}

// Rank 0, after every part is written: the model file, then the manifest's content.
json night_manifest(const RunConfig& c, const ShardInput& in, const Model& model,
                    const TrainResult& trained, const std::vector<std::string>& parts_text,
                    const std::vector<std::string>& ranks_text) {
  json manifest = new_manifest("run " + c.source.string());
  manifest["config"] = c.source.string();
  manifest["inputs"] = {{{"path", in.path.string()},
                         {"fingerprint", in.file_fingerprint},
                         {"data_fingerprint", in.fingerprint},
                         {"interactions", in.rows},
                         {"customers", in.data.customers()},
                         {"items", in.data.items()},
                         {"distinct_pairs", in.interactions}}};
  manifest["parameters"] = describe_model_params(model);
  manifest["training"] = describe_training(trained);
  if (c.model_path) {
    save_model(*c.model_path, model);
    manifest["model"] = {{"path", c.model_path->string()},
                         {"fingerprint", file_fingerprint(*c.model_path)},
                         {"data_fingerprint", model.data_fingerprint}};
  }
  json parts = json::array(), ranks = json::array();
  for (const auto& t : parts_text) parts.push_back(json::parse(t));
  for (const auto& t : ranks_text) ranks.push_back(json::parse(t));
  manifest["recommendations"] = total_recommendations(parts);
  for (json& p : parts) p.erase("recommendations");
  manifest["outputs"] = parts;
  manifest["ranks"] = ranks;
  return manifest;
}

// The outputs of the night: in the new night folder (rank 0 makes it, every rank writes into
// it) or in place. Outputs inside the folder are staged, the others stay.
struct Staging {
  std::optional<NightFolder> night;  // rank 0 only
  std::filesystem::path folder;      // the new night's folder, on every rank ("" without one)
  [[nodiscard]] std::filesystem::path at(const RunConfig& c, const std::filesystem::path& p) const {
    if (folder.empty() || !NightFolder::inside(*c.output_folder, p)) return p;
    return folder / p.filename();
  }
};

}  // namespace

std::filesystem::path part_path(const std::filesystem::path& output, int rank, int ranks) {
  const int width = std::max(3, static_cast<int>(std::to_string(ranks - 1).size()));
  return output.parent_path() / fmt::format("{}.part-{:0{}}-of-{:0{}}{}", output.stem().string(),
                                            rank, width, ranks, width,
                                            output.extension().string());
}

void check_shardable(const RunConfig& c, int ranks) {
  const std::string why =
      c.campaign          ? "a [campaign] section (campaigns run on one rank)"
      : c.algorithm != "ials" ? fmt::format("[model] algorithm = \"{}\" (sharded runs train iALS)",
                                            c.algorithm)
      : c.device.kind == Device::cuda
          ? std::string("[run] device = \"cuda\" (sharded runs train on the CPU ranks)")
          : std::string();
  if (!why.empty())
    throw InputError(fmt::format("{}: launched on {} ranks, but the config has {}; run it as one "
                                 "process", c.source.string(), ranks, why));
}

json run_sharded(const RunConfig& c, Comm& comm) {
  check_shardable(c, comm.ranks());
  const auto start = std::chrono::steady_clock::now();
  const int threads = rank_threads(c, comm.ranks());
  Staging staging;
  if (comm.rank() == 0 && c.output_folder) staging.night.emplace(*c.output_folder);
  if (c.output_folder)
    staging.folder = comm.broadcast(staging.night ? staging.night->folder().string() : "", 0);
  if (comm.rank() == 0 && !c.output_folder) std::filesystem::remove(c.manifest);
  ShardInput in = load_shard(c.input, comm, threads);
  spdlog::info("load: {}: {} rows of {} ({} customers, {} items of all ranks), {} bytes "
               "exchanged ({:.2f}s)", c.input.string(), in.data.log.size(), in.rows,
               in.customer_starts[comm.rank() + 1] - in.customer_starts[comm.rank()],
               in.item_starts[comm.rank() + 1] - in.item_starts[comm.rank()], in.shuffle_bytes,
               in.seconds);
  TrainResult trained;
  const Model model = train_shards(c, in, comm, threads, trained);
  const std::filesystem::path part = staging.at(c, part_path(c.output, comm.rank(), comm.ranks()));
  const json mine = score_part(c, model, in, comm, threads, part);
  const std::vector<std::string> parts = gather_text(comm, mine.dump());
  const std::vector<std::string> ranks =
      gather_text(comm, rank_figures(in, comm.rank(), seconds_since(start)).dump());
  comm.barrier();  // every part is written
  if (comm.rank() != 0) return {{"outputs", json::array({mine})}};
  RunConfig staged = c;
  if (c.model_path) staged.model_path = staging.at(c, *c.model_path);
  json manifest = night_manifest(staged, in, model, trained, parts, ranks);
  manifest["timings"] = {{"total", seconds_since(start)}, {"load", in.seconds},
                         {"train", trained.seconds}};
  if (staging.night) staging.night->rebase(manifest);
  manifest["finished_at"] = utc_now_iso8601();
  write_manifest(staging.at(c, c.manifest), manifest);  // last: its presence says "done"
  if (staging.night) staging.night->publish();
  return manifest;
}

}  // namespace tailor
