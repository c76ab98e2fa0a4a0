// `tailor import` on any CSV with any combination of the parser's flags. The first two bytes of
// the input choose the flags, the rest is the file; its header names the columns c (customer),
// i (item), t (time), q (quantity), p (price or value), e (event) and x (the cancel column).
// An import either throws InputError or writes a file that the loader reads back with the rows
// it kept (an import that writes what its own loader refuses is a bug, reported as a crash).
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz_util.hpp"
#include "host/core/error.hpp"
#include "host/data/dataset.hpp"
#include "host/data/import_csv.hpp"

namespace {

using tailor::ImportOptions;

// Flags from the two selector bytes a (low) and b (high).
ImportOptions options_from(unsigned a, unsigned b) {
  ImportOptions o;
  o.customer_col = "c";
  o.item_col = "i";
  o.delimiter = ",;\t|"[a & 3];
  o.threads = (a >> 2) & 1 ? 2 : 1;
  switch ((a >> 3) & 3) {
    case 1: o.time_col = "t"; break;
    case 2: o.time_col = "t"; o.time_format = "%d.%m.%Y %H:%M"; break;
    case 3: o.time_col = "t"; o.time_format = "%s"; break;
    default: break;
  }
  if ((a >> 5) & 1) o.quantity_col = "q";
  switch ((a >> 6) & 3) {
    case 1: o.price_col = "p"; break;
    case 2: o.value_col = "p"; break;
    default: break;
  }
  if (b & 1) o.event_col = "e";
  if ((b >> 1) & 1) o.cancel_col = "x";
  if ((b >> 2) & 1 && o.cancel_col) o.cancel_event = "return";
  if ((b >> 3) & 1) o.exclude_items = {"POST", " M ", ""};
  o.item_price_from_value = (b >> 4) & 1 && (o.price_col || o.value_col);
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const ImportOptions o = options_from(data[0], data[1]);
  const auto csv = tailor::fuzz::write_input("in.csv", data + 2, size - 2);
  const auto out = tailor::fuzz::scratch() / "out.h5";
  tailor::ImportReport report;
  try {
    report = tailor::import_csv(csv, out, o);
  } catch (const tailor::InputError&) {
    return 0;
  }
  try {
    const tailor::Dataset d = tailor::load_dataset(out, {});
    if (d.log.size() != report.rows_kept) {
      std::fprintf(stderr, "import kept %lld rows, the file holds %lld\n",
                   static_cast<long long>(report.rows_kept), static_cast<long long>(d.log.size()));
      std::abort();
    }
  } catch (const tailor::InputError& e) {
    std::fprintf(stderr, "import wrote a file its loader refuses: %s\n", e.what());
    std::abort();
  }
  return 0;
}
