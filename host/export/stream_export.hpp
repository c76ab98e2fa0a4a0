// Streaming export: the top-N CSV of `tailor recommend` and `tailor run` (without a campaign),
// written while the scorer computes the next batch (pipeline/run.cpp, recommend_and_export).
//
// A producer (the scoring loop) pushes batches of lists in customer order; formatter threads
// turn each batch into CSV text, and one writer thread appends the texts to the output in the
// order the batches were pushed. The output is byte for byte what export_csv writes for the
// concatenated lists, through the same AtomicTextFile: nothing appears under the final name
// until finish() commits.
//
// Back-pressure: at most `max_pending` batches are in flight (pushed but not yet written);
// push() blocks while that many are. Memory is therefore bounded by max_pending batches of
// lists plus their text.
//
// Errors: a failure on a formatter or the writer (a bad index, a write error) is kept, the
// pipeline stops, and the next push() or finish() rethrows it on the producer's thread. If the
// producer fails instead, destroying the exporter without finish() stops the threads and removes
// the temporary file: no final file is written.
#pragma once

#include <condition_variable>
#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "host/export/export.hpp"
#include "host/train/model.hpp"
#include "kernels/kernels.hpp"

namespace tailor {

class AtomicTextFile;

struct StreamExportOptions {
  int format_threads = 2;  // threads turning lists into text (>= 1); the writer is one more
  int max_pending = 4;     // batches in flight before push() blocks (>= 1)
};

class StreamExporter {
 public:
  // Creates the temporary output, writes the header and starts the threads. `model` supplies
  // the ids and must outlive the exporter. Throws RunError when the file cannot be created,
  // std::invalid_argument on bad options.
  StreamExporter(const std::filesystem::path& path, const Model& model,
                 const StreamExportOptions& options = {});
  // Without a successful finish(): stops the threads, leaves no final file. Never throws.
  ~StreamExporter();
  StreamExporter(const StreamExporter&) = delete;
  StreamExporter& operator=(const StreamExporter&) = delete;

  // One batch: customers[c] is the model customer index of lists' list c (lists.customers()
  // == customers.size()), items are model item indices. Batches are written in push order.
  // Blocks while max_pending batches are in flight. Rethrows a formatter's or the writer's
  // error; throws std::invalid_argument on a malformed batch, std::logic_error after finish().
  void push(std::vector<std::uint32_t> customers, TopNResult lists);

  // Waits for every batch to be written, commits the file and returns what export_csv returns.
  // Rethrows the first error of the pipeline (then no final file exists).
  ExportSummary finish();

 private:
  struct Batch {
    std::uint64_t seq = 0;
    std::vector<std::uint32_t> customers;
    TopNResult lists;
  };
  struct Text {
    std::string csv;
    std::int64_t rows = 0;
    std::int64_t customers = 0;
  };

  void format_loop();
  void write_loop();
  Text format(const Batch& b) const;
  void fail(std::exception_ptr e);  // records the first error; caller holds mu_
  void stop_threads();

  const Model& model_;
  std::vector<std::string> item_field_;  // csv_field of every item id, quoted once
  std::unique_ptr<AtomicTextFile> out_;
  ExportSummary summary_;
  int max_pending_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();

  std::mutex mu_;
  std::condition_variable work_cv_;    // formatters: a batch to format, or stop
  std::condition_variable write_cv_;   // writer: the next text is ready, or stop
  std::condition_variable space_cv_;   // producer: a batch was written, or an error
  std::deque<Batch> todo_;             // batches to format, oldest first
  std::map<std::uint64_t, Text> done_;  // formatted, waiting for their turn
  std::uint64_t next_seq_ = 0;          // sequence number of the next pushed batch
  std::uint64_t next_write_ = 0;        // sequence number the writer needs next
  bool closing_ = false;                // finish(): no more batches
  bool stopping_ = false;               // threads must exit now
  bool finished_ = false;
  std::exception_ptr error_;
  std::vector<std::thread> threads_;
};

}  // namespace tailor
