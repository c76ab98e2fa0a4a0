#include "host/cli/flags.hpp"

#include <fmt/format.h>

#include "host/core/error.hpp"
#include "host/train/train.hpp"

namespace tailor::cli {

void ModelFlags::add_to(CLI::App& app) {
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

void ModelFlags::apply(IalsParams& p) const {
  if (factors) p.factors = *factors;
  if (iterations) p.iterations = *iterations;
  if (cg_steps) p.cg_steps = *cg_steps;
  if (regularization) p.regularization = *regularization;
  if (alpha) p.alpha = *alpha;
  if (log_epsilon) p.log_epsilon = *log_epsilon;
  if (confidence) p.scaling = parse_scaling(*confidence);
  if (seed) p.seed = *seed;
}

void DeviceFlags::add_to(CLI::App& app, bool from_config) {
  app.add_option("--device", device, "Where to compute: auto, cpu, cuda or cuda:N [auto]");
  app.add_option("--threads", threads, "CPU threads, 0 = all cores [0]")
      ->check(CLI::NonNegativeNumber);
  if (from_config) device.clear();
}

Backend DeviceFlags::backend(std::size_t memory_budget) const {
  return make_backend(parse_device(device), threads, memory_budget);
}

void SlotModelFlag::add_to(CLI::App& app) {
  app.add_option("--slot-model", name,
                 "Campaigns: score source of the discovery and model slots, ials, itemknn, ease "
                 "or tifuknn (replaces [campaign] model) [ials]");
}

void SlotModelFlag::apply(RunConfig& config, const char* command) const {
  if (!name) return;
  if (!config.campaign)
    throw InputError(fmt::format("{}: --slot-model {} needs a campaign config ({} has no "
                                 "[campaign] section)",
                                 command, *name, config.source.string()));
  try {
    config.campaign->model = parse_slot_model(*name);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: --slot-model: {}", command, e.what()));
  }
}

void EvalFlags::add_to(CLI::App& app, const char* split_help, const char* k_help) {
  app.add_option("--split", split, split_help)->required();
  app.add_option("--split-seed", split_seed, "Seed of random and customer splits [42]");
  app.add_option("--k", k, k_help);
  app.add_option("--protocol", protocol, "new or all [new]")->check(CLI::IsMember({"new", "all"}));
  app.add_option("--cold-start", cold_start,
                 "List for customers without history: popularity or random [popularity]")
      ->check(CLI::IsMember({"popularity", "random"}));
}

RunConfig load_run_config(const std::string& path, const ModelFlags& flags,
                          const DeviceFlags& device, const char* command) {
  RunConfig config = load_config(path);
  flags.apply(config.ials);
  validate_ials_params(config.ials, command);
  if (!device.device.empty()) config.device = parse_device(device.device);
  if (device.threads > 0) config.threads = device.threads;
  return config;
}

Backend config_backend(const RunConfig& config) {
  return make_backend(config.device, config.threads, config.topn.memory_budget);
}

}  // namespace tailor::cli
