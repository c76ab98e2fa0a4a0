// The one-process communicator, and the choice between it and MPI (host/core/comm_mpi.cpp).
#include "host/core/comm.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <stdexcept>

#include "host/core/error.hpp"

namespace tailor {

namespace detail {
// host/core/comm_mpi.cpp when built with MPI, else null: the MPI communicator of the job.
std::unique_ptr<Comm> make_mpi_comm();
}  // namespace detail

namespace {

class LocalComm final : public Comm {
 public:
  [[nodiscard]] int rank() const override { return 0; }
  [[nodiscard]] int ranks() const override { return 1; }
  [[nodiscard]] std::string name() const override { return "one process"; }
  void share_rows(float*, std::span<const std::int64_t>, int) override {}
  void sum(std::span<double>) override {}
  void barrier() override {}
  std::vector<Bytes> exchange(const std::vector<Bytes>& to) override { return to; }
  std::vector<std::int64_t> allgather(std::int64_t value) override { return {value}; }
  std::string broadcast(const std::string& text, int) override { return text; }
  void send(const Bytes& bytes, int) override { queue_.push_back(bytes); }
  Bytes receive(int) override {
    if (queue_.empty()) throw std::logic_error("comm: receive with nothing sent");
    Bytes b = std::move(queue_.front());
    queue_.erase(queue_.begin());
    return b;
  }
  [[noreturn]] void abort(int code) override { std::_Exit(code); }

 private:
  std::vector<Bytes> queue_;
};

// Set by mpirun/mpiexec (Open MPI, MPICH, Intel MPI) and by srun with PMI or PMIx.
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE",
                        "MPI_LOCALNRANKS", "MV2_COMM_WORLD_SIZE"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

// The job's size as the launcher set it (0 when it set none).
long launched_size() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE"})
    if (const char* s = std::getenv(v)) return std::strtol(s, nullptr, 10);
  return 0;
}

}  // namespace

std::unique_ptr<Comm> make_local_comm() { return std::make_unique<LocalComm>(); }

Comm& world() {
  static const std::unique_ptr<Comm> comm = [] {
    std::unique_ptr<Comm> mpi = launched_by_mpi() ? detail::make_mpi_comm() : nullptr;
    if (!mpi && launched_size() > 1)
      throw InputError(fmt::format(
          "launched as one of {} MPI ranks, but this tailor is built without MPI (TAILOR_MPI; "
          "Debian's libopenmpi-dev): each rank would run the whole job", launched_size()));
    return mpi ? std::move(mpi) : make_local_comm();
  }();
  return *comm;
}

}  // namespace tailor
