// `mpirun -np R tailor run CONFIG`: the nightly job over R ranks (host/core/comm.hpp). Each rank
// loads its customers' rows (host/data/shard.hpp), the ranks train iALS together (every rank
// solves its blocks; the factors are the one-process run's bit for bit), then each rank scores
// its own customers against all items and writes its own part of the export, atomically. After a
// barrier rank 0 saves the model and writes the manifest, which lists every part with its
// fingerprint and every rank's peak memory; with [output] folder the night is published as one
// unit only then, so a failed or killed rank leaves no manifest and the previous night in place.
// Parts are named <export stem>.part-<rank>-of-<ranks><ext> and hold the customers in the order
// of the one-process export: concatenated (each part's header once) they are that export.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "host/core/comm.hpp"
#include "host/pipeline/config.hpp"

namespace tailor {

// The path of rank `rank`'s part of `output`.
std::filesystem::path part_path(const std::filesystem::path& output, int rank, int ranks);

// InputError naming what a sharded run cannot do with this config (a [campaign] section, BPR
// or a history model), before any work.
void check_shardable(const RunConfig& config, int ranks);

// Runs the job on every rank of comm; returns the manifest (rank 0's; the others get theirs
// without outputs). Errors as run_pipeline's; the caller aborts the job on any of them.
nlohmann::json run_sharded(const RunConfig& config, Comm& comm);

}  // namespace tailor
