// The side-file readers on any bytes: the campaign blocklist (read_blocklist) and the items and
// customers files of `tailor import`. The first byte chooses the reader (and, for the import's
// side files, the delimiter); the rest is the file. Each reads, or throws InputError.
#include <cstdint>
#include <string>

#include "fuzz_util.hpp"
#include "host/campaign/inputs.hpp"
#include "host/core/error.hpp"
#include "host/data/dataset.hpp"
#include "host/data/import_csv.hpp"

namespace {

namespace fz = tailor::fuzz;

// A small data set whose ids the blocklist rows may name.
const tailor::Dataset& known_ids() {
  static const tailor::Dataset d = [] {
    tailor::Dataset x;
    x.customer_ids = {"c1", "c2", "17850.0"};
    x.item_ids = {"i1", "i2", "85123A", "a,b"};
    return x;
  }();
  return d;
}

// Transactions with the ids the side files may name, imported with the side file at `side`.
void import_with_side_file(const std::filesystem::path& side, unsigned selector) {
  const char delimiter = ",;\t|"[(selector >> 1) & 3];
  std::string transactions = "c,i,q,p\nc1,i1,1,2\nc2,i2,2,3\n17850.0,85123A,1,1\n";
  for (char& ch : transactions)
    if (ch == ',') ch = delimiter;  // side files share the transactions' delimiter
  const auto csv = fz::write_input(
      "tx.csv", reinterpret_cast<const std::uint8_t*>(transactions.data()), transactions.size());
  tailor::ImportOptions o;
  o.delimiter = delimiter;
  o.customer_col = "c";
  o.item_col = "i";
  o.quantity_col = "q";
  o.price_col = "p";
  o.threads = (selector >> 3) & 1 ? 2 : 1;
  if (selector & 1) {
    o.customers_file = tailor::CustomersFileOptions{side, "id", "opt_out", "segment", "channel"};
  } else {
    o.items_file = tailor::ItemsFileOptions{side, "id", "category", "name", "price", "available"};
    o.item_price_from_value = (selector >> 4) & 1;
  }
  (void)tailor::import_csv(csv, fz::scratch() / "side.h5", o);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const unsigned selector = data[0];
  const auto file = fz::write_input("side.csv", data + 1, size - 1);
  try {
    if ((selector >> 5) & 1)
      (void)tailor::read_blocklist(file, known_ids());
    else
      import_with_side_file(file, selector);
  } catch (const tailor::InputError&) {
  }
  return 0;
}
