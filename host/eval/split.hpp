// Train/test splits for evaluation, all seeded and reproducible.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "host/data/dataset.hpp"

namespace tailor {

// What each interaction row is used for.
enum class Role : std::uint8_t {
  train = 0,    // training data
  test = 1,     // held out: what the lists are scored against
  fold_in = 2,  // customer holdout only: the held-out customers' history used to solve their
                // factors after training (never seen by training)
};

enum class SplitKind { time, leave_last, random, customers };

// Text forms (the --split flag):
//   time:YYYY-MM-DD        rows at or after the date (00:00 UTC) are test, earlier rows train
//   last:K                 per customer, the rows of the K most recent distinct timestamps are
//                          test (customers with <= K of them keep everything in train)
//   random:F               each row is test with probability F
//   customers:F            a fraction F of the customers (with >= 2 rows) is held out: their rows
//                          are split by time into fold-in (first 80%) and test (last 20%, at
//                          least one row); everyone else's rows are train
struct SplitSpec {
  SplitKind kind = SplitKind::time;
  std::int64_t cutoff = 0;  // time: unix seconds
  int last = 1;             // leave_last
  double fraction = 0.2;    // random, customers
  double fold_in_fraction = 0.8;  // customers
  std::uint64_t seed = 42;
  std::string text;         // as given
};

// Parses the text form; InputError with the accepted forms otherwise.
SplitSpec parse_split(const std::string& text, std::uint64_t seed);

struct Split {
  SplitSpec spec;
  std::vector<Role> role;  // one per log row
  std::vector<std::uint8_t> held_out_customer;  // customers kind: 1 for held-out customers
  std::int64_t test_customers = 0;  // customers with at least one test row
  [[nodiscard]] std::vector<bool> mask(Role r) const;  // rows with role r
  [[nodiscard]] nlohmann::json describe() const;  // kind, spec text, seed, rows per role, customers
};

// InputError when the split needs a column the file lacks (time:, last: and customers: need
// /interactions/time) or leaves no train or test rows.
Split make_split(const Dataset& data, const SplitSpec& spec);

// Writes the split as two files of the interaction contract (same id lists, so indices match):
// `train` holds the train rows and `test` the test and fold-in rows, with a root attribute
// `split` (JSON: spec, seed, counts) and an int8 column /interactions/role in the test file.
void write_split(const Dataset& data, const Split& split, const std::filesystem::path& train,
                 const std::filesystem::path& test);

}  // namespace tailor
