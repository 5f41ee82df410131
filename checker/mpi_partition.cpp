#include "checker/mpi_partition.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <stdexcept>

#ifdef TLBCHECK_MPI
#include <mpi.h>
#include <tbb/parallel_sort.h>
#endif

namespace tlbcheck::checker {

bool launched_by_mpi() {
  // Open MPI's mpirun, then any PMI or PMIx launcher (MPICH's, Slurm's srun)
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"}) {
    if (const char* v = std::getenv(name); v != nullptr && *v != '\0') return true;
  }
  return false;
}

namespace {

unsigned env_number(std::initializer_list<const char*> names, unsigned otherwise) {
  for (const char* name : names) {
    if (const char* v = std::getenv(name); v != nullptr) {
      const long n = std::strtol(v, nullptr, 10);
      if (n >= 0 && n <= 1 << 20) return unsigned(n);
    }
  }
  return otherwise;
}

}  // namespace

unsigned launched_ranks() { return std::max(1u, env_number({"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}, 1)); }
unsigned launched_rank() { return env_number({"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"}, 0); }

unsigned ranks_on_this_host() { return std::max(1u, env_number({"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"}, 1)); }

#ifndef TLBCHECK_MPI

bool mpi_built() { return false; }
MpiSession::MpiSession() = default;
MpiSession::~MpiSession() = default;
bool MpiSession::all_equal(unsigned long long) const { return true; }
std::vector<unsigned long long> MpiSession::all_values(unsigned long long value) const { return {value}; }
std::vector<std::string> MpiSession::hosts() const { return {"localhost"}; }
void MpiSession::abort(const std::string& why, int status) const {
  std::fprintf(stderr, "%s\n", why.c_str());
  std::_Exit(status);
}
void MpiSession::quiet() {}
std::unique_ptr<Partition> make_mpi_partition(const MpiSession&) { return nullptr; }

#else

bool mpi_built() { return true; }

MpiSession::MpiSession() {
  if (!launched_by_mpi()) return;
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
  // an MPI error ends the job with MPI's message instead of returning a code nobody reads
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  active_ = true;
  rank_ = unsigned(rank);
  ranks_ = unsigned(size);
}

MpiSession::~MpiSession() {
  if (active_) MPI_Finalize();
}

bool MpiSession::all_equal(unsigned long long value) const {
  if (!active_) return true;
  unsigned long long v[2] = {value, ~value};  // max of value and of its complement: equal everywhere iff min == max
  MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
  return v[0] == ~v[1];
}

std::vector<unsigned long long> MpiSession::all_values(unsigned long long value) const {
  std::vector<unsigned long long> all(ranks_, value);
  if (active_) MPI_Allgather(&value, 1, MPI_UNSIGNED_LONG_LONG, all.data(), 1, MPI_UNSIGNED_LONG_LONG, MPI_COMM_WORLD);
  return all;
}

std::vector<std::string> MpiSession::hosts() const {
  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int length = 0;
  if (active_) MPI_Get_processor_name(name, &length);
  std::vector<char> all(std::size_t(ranks_) * MPI_MAX_PROCESSOR_NAME, '\0');
  if (active_) MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all.data(), MPI_MAX_PROCESSOR_NAME, MPI_CHAR, MPI_COMM_WORLD);
  std::vector<std::string> out;
  for (unsigned r = 0; r < ranks_; ++r) out.emplace_back(all.data() + std::size_t(r) * MPI_MAX_PROCESSOR_NAME);
  return out;
}

void MpiSession::abort(const std::string& why, int status) const {
  const std::string line = why + "\n";
  if (::write(error_fd_, line.data(), line.size()) < 0) {
    // nowhere left to say it; the exit status still says it
  }
  if (active_) MPI_Abort(MPI_COMM_WORLD, status);
  std::_Exit(status);
}

void MpiSession::quiet() {
  std::fflush(stdout);
  std::fflush(stderr);
  const int null = ::open("/dev/null", O_WRONLY);
  if (null < 0) return;
  error_fd_ = ::dup(2);
  if (error_fd_ < 0) error_fd_ = 2;
  ::dup2(null, 1);
  ::dup2(null, 2);
  ::close(null);
}

namespace {

int as_count(std::size_t n) {
  if (n > std::size_t(INT_MAX)) throw std::length_error("an MPI message of more than 2^31 words (a level too large for one exchange)");
  return int(n);
}

// Exclusive prefix sums: where each rank's part begins in a buffer.
std::vector<int> displacements(const std::vector<int>& counts) {
  std::vector<int> d(counts.size(), 0);
  for (std::size_t i = 1; i < counts.size(); ++i) d[i] = d[i - 1] + counts[i - 1];
  return d;
}

class MpiPartition final : public Partition {
 public:
  explicit MpiPartition(const MpiSession& session) : rank_(session.rank()), ranks_(session.ranks()) {
    MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
  }
  ~MpiPartition() override { MPI_Comm_free(&comm_); }

  unsigned rank() const override { return rank_; }
  unsigned ranks() const override { return ranks_; }

  void exchange(const std::vector<Word>& send, const std::vector<std::size_t>& words_to, std::vector<Word>& received) override {
    std::vector<int> send_counts(ranks_), receive_counts(ranks_);
    as_count(send.size());
    for (unsigned d = 0; d < ranks_; ++d) send_counts[d] = as_count(words_to[d]);
    received.resize(all_to_all(send_counts, receive_counts));
    all_to_all_v(send.data(), send_counts, received.data(), receive_counts);
  }

  void sum(std::uint64_t* values, std::size_t n) override { reduce(values, n, MPI_SUM); }
  void max(std::uint64_t* values, std::size_t n) override { reduce(values, n, MPI_MAX); }
  void min(std::uint64_t* values, std::size_t n) override { reduce(values, n, MPI_MIN); }

  // The keys go to the rank that answers for their parents' range (an
  // equal share of [parents_begin, parents_end), so all links of a parent
  // meet at one rank), which orders them; ranks take consecutive ranges of
  // indices in rank order; the indices go back in the order the keys came.
  std::uint64_t number(const std::vector<std::uint64_t>& keys, unsigned ordinal_bits, std::uint64_t parents_begin, std::uint64_t parents_end,
                       std::uint64_t first, std::vector<std::uint64_t>& global) override {
    const std::uint64_t span = std::max<std::uint64_t>(1, parents_end - parents_begin);
    auto answerer = [&](std::uint64_t key) {
      const std::uint64_t parent = key >> ordinal_bits;
      const std::uint64_t offset = parent > parents_begin ? parent - parents_begin : 0;
      // (offset < 2^40, a parent index; ranks < 2^20: the product fits)
      return unsigned(std::min<std::uint64_t>(ranks_ - 1, offset * ranks_ / span));
    };
    std::vector<std::size_t> shares(ranks_, 0);
    for (std::uint64_t key : keys) ++shares[answerer(key)];  // keys ascend: each rank's share is one run
    std::vector<int> send_counts(ranks_), receive_counts(ranks_);
    for (unsigned d = 0; d < ranks_; ++d) send_counts[d] = as_count(shares[d]);
    as_count(keys.size());
    std::vector<std::uint64_t> theirs(all_to_all(send_counts, receive_counts));
    all_to_all_v(keys.data(), send_counts, theirs.data(), receive_counts);
    // (key, where it came) ordered by key: keys are unique, one edge each
    std::vector<std::pair<std::uint64_t, std::uint32_t>> order(theirs.size());
    for (std::size_t i = 0; i < theirs.size(); ++i) order[i] = {theirs[i], std::uint32_t(i)};
    tbb::parallel_sort(order.begin(), order.end());
    std::uint64_t counts[2] = {theirs.size(), 0}, offset = 0;
    MPI_Exscan(&counts[0], &offset, 1, MPI_UINT64_T, MPI_SUM, comm_);
    if (rank_ == 0) offset = 0;  // (MPI_Exscan leaves rank 0's undefined)
    counts[1] = counts[0];
    MPI_Allreduce(MPI_IN_PLACE, &counts[1], 1, MPI_UINT64_T, MPI_SUM, comm_);
    std::vector<std::uint64_t> index(theirs.size());
    for (std::size_t t = 0; t < order.size(); ++t) index[order[t].second] = first + offset + t;
    global.resize(keys.size());
    all_to_all_v(index.data(), receive_counts, global.data(), send_counts);
    return counts[1];
  }

  std::vector<RankStats> gather(const RankStats& mine) override {
    std::vector<RankStats> all(ranks_);
    MPI_Allgather(&mine, int(sizeof(RankStats)), MPI_BYTE, all.data(), int(sizeof(RankStats)), MPI_BYTE, comm_);
    return all;
  }

 private:
  // Tells every rank how much it gets; returns the total this rank gets.
  std::size_t all_to_all(const std::vector<int>& send_counts, std::vector<int>& receive_counts) {
    MPI_Alltoall(send_counts.data(), 1, MPI_INT, receive_counts.data(), 1, MPI_INT, comm_);
    std::size_t total = 0;
    for (int c : receive_counts) total += std::size_t(c);
    as_count(total);
    return total;
  }
  void all_to_all_v(const std::uint64_t* data, const std::vector<int>& send_counts, std::uint64_t* out, const std::vector<int>& receive_counts) {
    const std::vector<int> send_at = displacements(send_counts), receive_at = displacements(receive_counts);
    MPI_Alltoallv(data, send_counts.data(), send_at.data(), MPI_UINT64_T, out, receive_counts.data(), receive_at.data(), MPI_UINT64_T, comm_);
  }
  void reduce(std::uint64_t* values, std::size_t n, MPI_Op op) { MPI_Allreduce(MPI_IN_PLACE, values, as_count(n), MPI_UINT64_T, op, comm_); }

  unsigned rank_, ranks_;
  MPI_Comm comm_ = MPI_COMM_NULL;
};

}  // namespace

std::unique_ptr<Partition> make_mpi_partition(const MpiSession& session) {
  if (!session.active() || session.ranks() < 2) return nullptr;
  return std::make_unique<MpiPartition>(session);
}

#endif

}  // namespace tlbcheck::checker
