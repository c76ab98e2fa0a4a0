#include "host/export/stream_export.hpp"

#include <fmt/format.h>

#include <chrono>
#include <stdexcept>

#include "host/core/atomic_file.hpp"
#include "host/core/error.hpp"

namespace tailor {

StreamExporter::StreamExporter(const std::filesystem::path& path, const Model& model,
                               const StreamExportOptions& options)
    : model_(model), max_pending_(options.max_pending) {
  if (options.format_threads < 1)
    throw std::invalid_argument("stream export: format_threads must be >= 1, got " +
                                std::to_string(options.format_threads));
  if (options.max_pending < 1)
    throw std::invalid_argument("stream export: max_pending must be >= 1, got " +
                                std::to_string(options.max_pending));
  summary_.path = path;
  out_ = std::make_unique<AtomicTextFile>(path);
  out_->write("customer_id,rank,item_id,score\n");
  item_field_.resize(model.item_ids.size());
  for (std::size_t i = 0; i < item_field_.size(); ++i) item_field_[i] = csv_field(model.item_ids[i]);
  try {
    threads_.reserve(static_cast<std::size_t>(options.format_threads) + 1);
    threads_.emplace_back(&StreamExporter::write_loop, this);
    for (int t = 0; t < options.format_threads; ++t)
      threads_.emplace_back(&StreamExporter::format_loop, this);
  } catch (...) {
    stop_threads();
    throw;
  }
}

StreamExporter::~StreamExporter() { stop_threads(); }

void StreamExporter::stop_threads() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  write_cv_.notify_all();
  space_cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void StreamExporter::fail(std::exception_ptr e) {
  if (!error_) error_ = std::move(e);
  stopping_ = true;
  work_cv_.notify_all();
  write_cv_.notify_all();
  space_cv_.notify_all();
}

void StreamExporter::push(std::vector<std::uint32_t> customers, TopNResult lists) {
  if (finished_) throw std::logic_error("stream export: push() after finish()");
  const auto nc = static_cast<std::int64_t>(customers.size());
  if (lists.customers() != nc && !(nc == 0 && lists.offsets.empty()))
    throw std::invalid_argument("stream export: batch has " + std::to_string(nc) +
                                " customers but " + std::to_string(lists.customers()) + " lists");
  if (nc > 0 && (lists.offsets.front() != 0 ||
                 lists.offsets.back() != static_cast<std::int64_t>(lists.items.size()) ||
                 lists.scores.size() != lists.items.size()))
    throw std::invalid_argument("stream export: batch offsets do not match its items and scores");
  std::unique_lock lock(mu_);
  space_cv_.wait(lock, [&] {
    return stopping_ || next_seq_ - next_write_ < static_cast<std::uint64_t>(max_pending_);
  });
  if (error_) std::rethrow_exception(error_);
  if (stopping_) throw std::logic_error("stream export: push() while shutting down");
  todo_.push_back({next_seq_++, std::move(customers), std::move(lists)});
  lock.unlock();
  work_cv_.notify_one();
}

ExportSummary StreamExporter::finish() {
  if (finished_) throw std::logic_error("stream export: finish() called twice");
  finished_ = true;
  {
    std::unique_lock lock(mu_);
    closing_ = true;
    write_cv_.notify_all();
    work_cv_.notify_all();
    space_cv_.wait(lock, [&] { return stopping_ || next_write_ == next_seq_; });
  }
  stop_threads();
  if (error_) std::rethrow_exception(error_);
  out_->commit();
  summary_.bytes = out_->bytes_written();
  summary_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return summary_;
}

void StreamExporter::format_loop() {
  for (;;) {
    Batch b;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !todo_.empty(); });
      if (stopping_) return;
      b = std::move(todo_.front());
      todo_.pop_front();
    }
    try {
      Text t = format(b);
      std::lock_guard lock(mu_);
      done_.emplace(b.seq, std::move(t));
      if (b.seq == next_write_) write_cv_.notify_one();
    } catch (...) {
      std::lock_guard lock(mu_);
      fail(std::current_exception());
      return;
    }
  }
}

void StreamExporter::write_loop() {
  for (;;) {
    Text t;
    {
      std::unique_lock lock(mu_);
      write_cv_.wait(lock, [&] {
        return stopping_ || done_.count(next_write_) > 0 || (closing_ && next_write_ == next_seq_);
      });
      if (stopping_ || next_write_ == next_seq_) break;
      auto it = done_.find(next_write_);
      t = std::move(it->second);
      done_.erase(it);
    }
    try {
      out_->write(t.csv);
    } catch (...) {
      std::lock_guard lock(mu_);
      fail(std::current_exception());
      return;
    }
    std::lock_guard lock(mu_);
    summary_.rows += t.rows;
    summary_.customers += t.customers;
    ++next_write_;
    space_cv_.notify_all();
  }
}

StreamExporter::Text StreamExporter::format(const Batch& b) const {
  Text t;
  fmt::memory_buffer buf;
  const TopNResult& lists = b.lists;
  const std::size_t nitems = item_field_.size();
  for (std::size_t c = 0; c < b.customers.size(); ++c) {
    const std::uint32_t cust = b.customers[c];
    if (cust >= model_.customer_ids.size())
      throw RunError(fmt::format("stream export: customer index {} out of range ({} customers)",
                                 cust, model_.customer_ids.size()));
    const std::string customer = csv_field(model_.customer_ids[cust]);
    for (std::int64_t j = lists.offsets[c]; j < lists.offsets[c + 1]; ++j) {
      const std::uint32_t item = lists.items[static_cast<std::size_t>(j)];
      if (item >= nitems)
        throw RunError(fmt::format("stream export: item index {} out of range ({} items)", item,
                                   nitems));
      fmt::format_to(std::back_inserter(buf), "{},{},{},{:.7g}\n", customer,
                     j - lists.offsets[c] + 1, item_field_[item],
                     lists.scores[static_cast<std::size_t>(j)]);
      ++t.rows;
    }
  }
  t.customers = static_cast<std::int64_t>(b.customers.size());
  t.csv.assign(buf.data(), buf.size());
  return t;
}

}  // namespace tailor
