// The processes of one job and what they exchange. `mpirun -np R tailor run ...` (or Slurm's
// srun) starts R ranks of the same binary; make_comm() finds out whether it was started so and
// returns the MPI communicator of all of them, or the one-process communicator, under which every
// exchange is a copy. A sharded run (host/data/shard.hpp, host/pipeline/run_sharded.hpp) is
// written against this interface only.
#pragma once

#include <cstddef>
#include <cstring>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernels/kernels.hpp"

namespace tailor {

using Bytes = std::vector<std::byte>;

class Comm : public IalsExchange {
 public:
  // What the job runs on, for logs and the manifest: "one process" or "MPI (Open MPI v4.1.4), 3
  // ranks".
  [[nodiscard]] virtual std::string name() const = 0;
  virtual void barrier() = 0;
  // to[r] goes to rank r; returns from[r], what rank r sent to this one.
  virtual std::vector<Bytes> exchange(const std::vector<Bytes>& to) = 0;
  // One value per rank, in rank order, on every rank.
  virtual std::vector<std::int64_t> allgather(std::int64_t value) = 0;
  // root's text on every rank.
  virtual std::string broadcast(const std::string& text, int root) = 0;
  // Point to point, in the order sent.
  virtual void send(const Bytes& bytes, int to) = 0;
  virtual Bytes receive(int from) = 0;
  // Ends every rank of the job with `code` (MPI_Abort); a one-process run just exits.
  [[noreturn]] virtual void abort(int code) = 0;
};

// The communicator of this process: MPI when the binary is built with it (TAILOR_WITH_MPI) and
// was launched by an MPI launcher (mpirun, mpiexec, srun), else one process. Made once.
Comm& world();

// Whether this binary has the MPI layer.
bool mpi_built();

// The one-process communicator (tests use it directly).
std::unique_ptr<Comm> make_local_comm();

// Bytes of a vector of trivially copyable values, and back.
template <class T>
Bytes to_bytes(const std::vector<T>& v) {
  Bytes b(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}
template <class T>
std::vector<T> from_bytes(const Bytes& b) {
  std::vector<T> v(b.size() / sizeof(T));
  if (!v.empty()) std::memcpy(v.data(), b.data(), v.size() * sizeof(T));
  return v;
}

}  // namespace tailor
