// The MPI communicator: MPI_COMM_WORLD of the job, initialised on first use and finalised at
// exit. Byte counts between two ranks in one exchange are MPI ints: above 2 GiB the exchange is
// refused with a message (more ranks shrink each pair's share).
#include <fmt/format.h>
#include <mpi.h>

#include <cstdlib>
#include <limits>
#include <numeric>

#include "host/core/comm.hpp"
#include "host/core/error.hpp"

namespace tailor {
namespace {

int count_of(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw RunError(fmt::format("comm: {} bytes between two ranks in one exchange; at most 2 GiB "
                               "(run with more ranks)", bytes));
  return static_cast<int>(bytes);
}

class MpiComm final : public Comm {
 public:
  MpiComm() {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks_);
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    MPI_Get_library_version(version, &length);
    library_ = std::string(version, static_cast<std::size_t>(length));
    library_ = library_.substr(0, library_.find_first_of(",\n"));
  }
  ~MpiComm() override { MPI_Finalize(); }

  [[nodiscard]] int rank() const override { return rank_; }
  [[nodiscard]] int ranks() const override { return ranks_; }
  [[nodiscard]] std::string name() const override {
    return fmt::format("MPI ({}), {} ranks", library_, ranks_);
  }

  void share_rows(float* F, std::span<const std::int64_t> starts, int width) override {
    std::vector<int> counts(static_cast<std::size_t>(ranks_)), displs(counts.size());
    for (int r = 0; r < ranks_; ++r) {
      counts[r] = count_of(static_cast<std::size_t>(starts[r + 1] - starts[r]) *
                           static_cast<std::size_t>(width));
      displs[r] = count_of(static_cast<std::size_t>(starts[r]) * static_cast<std::size_t>(width));
    }
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, F, counts.data(), displs.data(), MPI_FLOAT,
                   MPI_COMM_WORLD);
  }

  void sum(std::span<double> v) override {
    MPI_Allreduce(MPI_IN_PLACE, v.data(), count_of(v.size()), MPI_DOUBLE, MPI_SUM,
                  MPI_COMM_WORLD);
  }

  void barrier() override { MPI_Barrier(MPI_COMM_WORLD); }

  std::vector<Bytes> exchange(const std::vector<Bytes>& to) override {
    const auto n = static_cast<std::size_t>(ranks_);
    std::vector<int> send_counts(n), recv_counts(n), send_displs(n), recv_displs(n);
    for (std::size_t r = 0; r < n; ++r) send_counts[r] = count_of(to[r].size());
    MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
    Bytes out_buf, in_buf;
    for (std::size_t r = 0; r < n; ++r) {
      send_displs[r] = count_of(out_buf.size());
      out_buf.insert(out_buf.end(), to[r].begin(), to[r].end());
    }
    std::size_t total = 0;
    for (std::size_t r = 0; r < n; ++r) {
      recv_displs[r] = count_of(total);
      total += static_cast<std::size_t>(recv_counts[r]);
    }
    in_buf.resize(total);
    MPI_Alltoallv(out_buf.data(), send_counts.data(), send_displs.data(), MPI_BYTE, in_buf.data(),
                  recv_counts.data(), recv_displs.data(), MPI_BYTE, MPI_COMM_WORLD);
    std::vector<Bytes> from(n);
    for (std::size_t r = 0; r < n; ++r)
      from[r].assign(in_buf.begin() + recv_displs[r],
                     in_buf.begin() + recv_displs[r] + recv_counts[r]);
    return from;
  }

  std::vector<std::int64_t> allgather(std::int64_t value) override {
    std::vector<std::int64_t> all(static_cast<std::size_t>(ranks_));
    MPI_Allgather(&value, 1, MPI_INT64_T, all.data(), 1, MPI_INT64_T, MPI_COMM_WORLD);
    return all;
  }

  std::string broadcast(const std::string& text, int root) override {
    std::int64_t size = static_cast<std::int64_t>(text.size());
    MPI_Bcast(&size, 1, MPI_INT64_T, root, MPI_COMM_WORLD);
    std::string out = rank_ == root ? text : std::string(static_cast<std::size_t>(size), '\0');
    MPI_Bcast(out.data(), count_of(out.size()), MPI_CHAR, root, MPI_COMM_WORLD);
    return out;
  }

  void send(const Bytes& bytes, int to) override {
    const std::int64_t size = static_cast<std::int64_t>(bytes.size());
    MPI_Send(&size, 1, MPI_INT64_T, to, 0, MPI_COMM_WORLD);
    MPI_Send(bytes.data(), count_of(bytes.size()), MPI_BYTE, to, 1, MPI_COMM_WORLD);
  }

  Bytes receive(int from) override {
    std::int64_t size = 0;
    MPI_Recv(&size, 1, MPI_INT64_T, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    Bytes bytes(static_cast<std::size_t>(size));
    MPI_Recv(bytes.data(), count_of(bytes.size()), MPI_BYTE, from, 1, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    return bytes;
  }

  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
  }

 private:
  int rank_ = 0, ranks_ = 1;
  std::string library_;
};

}  // namespace

bool mpi_built() { return true; }

namespace detail {
std::unique_ptr<Comm> make_mpi_comm() { return std::make_unique<MpiComm>(); }
}  // namespace detail

}  // namespace tailor
