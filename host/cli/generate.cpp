// tailor generate: synthetic interactions with the shapes of real retail data.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <optional>

#include "host/cli/command.hpp"
#include "host/core/device.hpp"
#include "host/core/error.hpp"
#include "host/core/progress.hpp"
#include "host/data/dataset.hpp"
#include "host/data/generate.hpp"

namespace tailor::cli {
namespace {

struct GenerateArgs {
  std::string out, preset = "online-retail-shape", spec_file, like;
  std::vector<std::string> sets;
  std::optional<std::uint64_t> seed;
  GenerateOptions options;
  bool stats = false;
};

void declare(CLI::App& cmd, GenerateArgs& a) {
  a.options.threads = 0;
  cmd.add_option("out", a.out, "HDF5 file to write")->required();
  cmd.add_option("--preset", a.preset,
                 "online-retail-shape, dunnhumby-shape, lastfm-shape or retail-1b "
                 "[online-retail-shape]");
  cmd.add_option("--spec", a.spec_file, "JSON with spec fields overriding the preset");
  cmd.add_option("--set", a.sets, "key=value overriding one spec field (repeatable)");
  cmd.add_option("--seed", a.seed, "Seed (the same seed gives the same file)");
  cmd.add_option("--threads", a.options.threads, "Threads, 0 = all cores [0]");
  cmd.add_option("--chunk-rows", a.options.chunk_rows, "Rows held in memory per write [8388608]");
  cmd.add_option("--like", a.like, "Print the generated shape beside this real file's");
  cmd.add_flag("--stats", a.stats, "Print the generated file's shape statistics as JSON");
}

nlohmann::json read_spec_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("{}: cannot read", path));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: {}", path, e.what()));
  }
}

// The preset, then the --spec file, then each --set, then --seed.
GenerateSpec generate_spec(const GenerateArgs& a) {
  GenerateSpec spec = generate_preset(a.preset);
  if (!a.spec_file.empty()) spec = generate_spec_from_json(read_spec_file(a.spec_file), spec);
  for (const auto& kv : a.sets) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos)
      throw InputError(fmt::format("--set '{}': expected key=value", kv));
    set_generate_field(spec, kv.substr(0, eq), kv.substr(eq + 1));
  }
  if (a.seed) spec.seed = *a.seed;
  return spec;
}

// --stats and --like: the generated file's shape, alone or beside a real file's.
void print_stats(const GenerateArgs& a, int threads) {
  const nlohmann::json generated = shape_stats(load_dataset(a.out, LoadOptions{threads}));
  if (a.stats) std::cout << generated.dump(2) << "\n";
  if (!a.like.empty())
    std::cout << compare_stats(generated, shape_stats(load_dataset(a.like, LoadOptions{threads})));
}

int run(const GenerateArgs& a) {
  const GenerateSpec spec = generate_spec(a);
  GenerateOptions opts = a.options;
  opts.threads = resolve_threads(opts.threads);
  Progress progress("generate", 0, "rows");
  opts.progress = [&](std::int64_t done, std::int64_t) { progress.update(done); };
  const GenerateReport r = generate(a.out, spec, opts);
  std::cout << fmt::format("generated {} ({} rows, {} re-buys) in {:.1f}s\n", a.out, r.rows,
                           r.repeat_rows, r.seconds);
  if (a.stats || !a.like.empty()) print_stats(a, opts.threads);
  return 0;
}

}  // namespace

Command generate_command() {
  return make_command<GenerateArgs>(
      "generate", "Synthetic interactions with the shapes of real retail", declare, run);
}

}  // namespace tailor::cli
