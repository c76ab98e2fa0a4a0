// Fingerprints: short stable hashes that tie outputs to the exact inputs they came from.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "host/csr.hpp"

namespace tailor {

// XXH3-64 of a file's bytes, as 16 hex digits. RunError if the file cannot be read.
std::string file_fingerprint(const std::filesystem::path& path);

// XXH3-64 over what training sees: the customer-major matrix (shape, indptr, indices, weights)
// and both id lists, as 16 hex digits. Equal for two files holding the same data.
std::string data_fingerprint(const Csr& customer_items, const std::vector<std::string>& customer_ids,
                             const std::vector<std::string>& item_ids);

}  // namespace tailor
