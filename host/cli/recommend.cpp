// tailor recommend: a saved model's top-N lists for every customer, exported as CSV with a
// manifest (host/pipeline/run.hpp: run_recommend).
#include "host/cli/command.hpp"
#include "host/cli/flags.hpp"
#include "host/pipeline/run.hpp"
#include "host/score/recommend.hpp"

namespace tailor::cli {
namespace {

struct RecommendArgs {
  std::string input, model, output, manifest;
  TopNParams topn;
  bool include_seen = false;
  std::size_t budget_mb = TopNParams{}.memory_budget >> 20;
  DeviceFlags device;
};

void declare(CLI::App& cmd, RecommendArgs& a) {
  cmd.add_option("--input", a.input, "HDF5 interactions file (histories, seen items)")
      ->required();
  cmd.add_option("--model", a.model, "Model file")->required();
  cmd.add_option("-n", a.topn.n, "List length (1..1000) [20]");
  cmd.add_option("--output", a.output, "CSV to write")->required();
  cmd.add_option("--manifest", a.manifest, "Manifest [<output>.manifest.json]");
  cmd.add_flag("--include-seen", a.include_seen, "Allow items the customer already has");
  cmd.add_option("--memory-budget-mb", a.budget_mb, "Scratch memory for score tiles [1024]");
  a.device.add_to(cmd);
}

int run(const RecommendArgs& a) {
  RecommendJob job{a.input, a.model, a.output, a.manifest, a.topn, a.device.threads};
  job.topn.exclude_seen = !a.include_seen;
  job.topn.memory_budget = a.budget_mb << 20;
  validate_topn_params(job.topn, "recommend");
  run_recommend(job, a.device.backend(job.topn.memory_budget));
  return 0;
}

}  // namespace

Command recommend_command() {
  return make_command<RecommendArgs>("recommend", "Top-N for every customer, exported as CSV",
                                     declare, run);
}

}  // namespace tailor::cli
