// The distributed back end: a Partition (checker/partition.hpp) over MPI's
// world communicator, one rank per process started by mpirun. Built only
// where CMake finds MPI (TLBCHECK_MPI); see README, "Running on a cluster".
//
// Only the thread that called mpi_start() talks to MPI (the explorer calls
// the partition between its parallel phases), so MPI runs at
// MPI_THREAD_SERIALIZED, which Open MPI always provides.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "checker/partition.hpp"

namespace tlbcheck::checker {

// Whether this process was started by mpirun (or another MPI launcher):
// the launcher's environment says so. A process started by hand runs alone
// and never touches MPI.
bool launched_by_mpi();

// How many ranks the launcher started, and this process's rank among them,
// as its environment says (1 and 0 when it says nothing).
unsigned launched_ranks();
unsigned launched_rank();

// How many ranks of the job run on this host, as the launcher says (1
// when it does not): the default --threads and --memory-limit are shares.
unsigned ranks_on_this_host();

// Whether this build has the MPI back end.
bool mpi_built();

// Starts and ends MPI for this process (once per process). Without
// TLBCHECK_MPI, or when not launched_by_mpi(), it does nothing and the
// process is rank 0 of 1.
class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  bool active() const { return active_; }
  unsigned rank() const { return rank_; }
  unsigned ranks() const { return ranks_; }

  // Every rank's two numbers agree (say, a hash of what it loaded): false
  // on every rank if any two differ. Collective.
  bool all_equal(unsigned long long value) const;
  // Every rank's value, by rank, and every rank's host name. Collective.
  std::vector<unsigned long long> all_values(unsigned long long value) const;
  std::vector<std::string> hosts() const;
  // Ends every rank of the job at once with exit status `status` after
  // printing `why` on this rank's own standard error (from any rank,
  // without the others' help).
  [[noreturn]] void abort(const std::string& why, int status) const;
  // Sends this rank's standard output and error to /dev/null: only rank 0
  // prints. abort() still reaches the terminal.
  void quiet();

 private:
  bool active_ = false;
  unsigned rank_ = 0, ranks_ = 1;
  int error_fd_ = 2;  // where abort() writes
};

// The partition of an active session (several ranks); null without one.
std::unique_ptr<Partition> make_mpi_partition(const MpiSession& session);

}  // namespace tlbcheck::checker
