// tailor plan: whether an iALS problem fits the GPU resident, or how it would stream.
#include <fmt/format.h>

#include <iostream>
#include <optional>

#include "host/cli/command.hpp"
#include "host/core/error.hpp"
#include "host/data/input.hpp"
#include "host/train/planner.hpp"
#include "kernels/kernels.hpp"

namespace tailor::cli {
namespace {

struct PlanArgs {
  std::string input, precision = "fp32", memory;
  ProblemShape shape;
  PlanOptions options;
};

void declare(CLI::App& cmd, PlanArgs& a) {
  cmd.add_option("--input", a.input, "Take the shape (and row sizes) from this file");
  cmd.add_option("--customers", a.shape.customers, "Customers (without --input)");
  cmd.add_option("--items", a.shape.items, "Items (without --input)");
  cmd.add_option("--interactions", a.shape.nnz, "Distinct customer-item pairs (without --input)");
  cmd.add_option("--factors", a.shape.factors, "Embedding size [64]");
  cmd.add_option("--precision", a.precision, "Factor storage: fp32, bf16 or fp16 [fp32]");
  cmd.add_option("--device-memory", a.memory,
                 "Device memory, e.g. 79.1GiB [the usable GPU's; required without one]");
  cmd.add_option("--headroom", a.options.headroom, "Fraction kept free for the runtime [0.1]");
  cmd.add_flag("--stream", a.options.force_streaming, "Plan streaming even if it fits");
}

// --device-memory, else the memory of the usable GPU.
std::size_t device_bytes(const PlanArgs& a) {
  if (!a.memory.empty()) return parse_bytes(a.memory);
  if (cuda_device_count() > 0) return cuda_device_memory();
  throw InputError(fmt::format("plan: no usable GPU ({}); give --device-memory, e.g. 79.1GiB",
                               cuda_device_description()));
}

int run(const PlanArgs& a) {
  ProblemShape shape = a.shape;
  PlanOptions opts = a.options;
  shape.precision = parse_precision(a.precision);
  std::optional<LoadedInput> input;  // the row offsets opts points into
  if (!a.input.empty()) {
    input = load_input(a.input, 0);
    shape.customers = input->data.customers();
    shape.items = input->data.items();
    shape.nnz = input->matrices.customer_items.nnz();
    opts.customer_indptr = input->matrices.customer_items.indptr;
    opts.item_indptr = input->matrices.item_customers.indptr;
  }
  const MemoryPlan plan = plan_ials(shape, device_bytes(a), opts);
  std::cout << plan.explanation;
  return plan.feasible ? 0 : 2;
}

}  // namespace

Command plan_command() {
  return make_command<PlanArgs>(
      "plan", "Will this iALS problem fit the GPU? Resident or streamed", declare, run);
}

}  // namespace tailor::cli
