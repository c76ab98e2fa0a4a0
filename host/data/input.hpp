// The load stage: an interactions file read against the contract and turned into the matrices
// training and scoring use, with the fingerprints that tie outputs to it.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "host/data/dataset.hpp"

namespace tailor {

struct LoadedInput {
  std::filesystem::path path;
  std::string file_fingerprint;  // of the file's bytes
  Dataset data;
  InteractionMatrices matrices;
  double seconds = 0.0;
};

// rows(data), when set, picks the log rows that become interactions (e.g. all but returns; an
// empty result keeps every row); the matrices are built once, from those rows.
LoadedInput load_input(const std::filesystem::path& path, int threads,
                       const std::function<std::vector<bool>(const Dataset&)>& rows = {});

}  // namespace tailor
