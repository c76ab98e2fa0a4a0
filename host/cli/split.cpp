// tailor split: a reproducible train/test split written as two interactions files.
#include <iostream>

#include "host/cli/command.hpp"
#include "host/data/input.hpp"
#include "host/eval/split.hpp"

namespace tailor::cli {
namespace {

struct SplitArgs {
  std::string input, spec, train, test;
  std::uint64_t seed = 42;
};

void declare(CLI::App& cmd, SplitArgs& a) {
  cmd.add_option("--input", a.input, "HDF5 interactions file")->required();
  cmd.add_option("--split", a.spec, "time:YYYY-MM-DD | last:K | random:F | customers:F")
      ->required();
  cmd.add_option("--train", a.train, "Training rows go here")->required();
  cmd.add_option("--test", a.test, "Test rows go here")->required();
  cmd.add_option("--split-seed,--seed", a.seed, "Seed of random and customer splits (as evaluate's and sweep's --split-seed) [42]");
}

int run(const SplitArgs& a) {
  const LoadedInput input = load_input(a.input, 0);
  const Split split = make_split(input.data, parse_split(a.spec, a.seed));
  write_split(input.data, split, a.train, a.test);
  std::cout << split.describe().dump(2) << "\n";
  return 0;
}

}  // namespace

Command split_command() {
  return make_command<SplitArgs>("split", "Write a reproducible train/test split as two files",
                                 declare, run);
}

}  // namespace tailor::cli
