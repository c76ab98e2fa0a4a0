// A binary built without MPI (TAILOR_MPI=OFF or no MPI found): always one process.
#include "host/core/comm.hpp"

namespace tailor {

bool mpi_built() { return false; }

namespace detail {
std::unique_ptr<Comm> make_mpi_comm() { return nullptr; }
}  // namespace detail

}  // namespace tailor
