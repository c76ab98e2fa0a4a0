// tailor inspect: a summary of an interactions file.
#include <iostream>

#include "host/cli/command.hpp"
#include "host/core/device.hpp"
#include "host/data/inspect.hpp"

namespace tailor::cli {
namespace {

struct InspectArgs {
  std::string path;
  int top = 10;
};

void declare(CLI::App& cmd, InspectArgs& a) {
  cmd.add_option("file", a.path, "HDF5 interactions file")->required();
  cmd.add_option("--top", a.top, "How many popular items to list [10]")
      ->check(CLI::NonNegativeNumber);
}

int run(const InspectArgs& a) {
  std::cout << inspect(a.path, a.top, resolve_threads(0));
  return 0;
}

}  // namespace

Command inspect_command() {
  return make_command<InspectArgs>("inspect", "Summarise an interactions file", declare, run);
}

}  // namespace tailor::cli
