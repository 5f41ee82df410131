#include "checker/explorer.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "checker/parent_log.hpp"
#include "checker/partition.hpp"
#include "checker/por.hpp"
#include "checker/successors.hpp"
#include "checker/store.hpp"

namespace tlbcheck::checker {

namespace {

constexpr unsigned kOrdinalBits = 24;
constexpr std::uint64_t kOrdinalMask = (1ULL << kOrdinalBits) - 1;
constexpr std::size_t kInsertBatch = 16;  // successors whose memory accesses overlap
// The table grows when a batch could take it past 4/5 full, to 3/5 full, so
// 8-byte slots cost 10 to 13.3 bytes a state. Where growing would pass the
// memory limit it fills up to 9/10 (longer probe runs, the same states).
constexpr std::uint64_t kGrowAt = 80, kGrowTo = 60, kFillUnderLimit = 90;  // percent

std::uint64_t make_key(std::uint64_t parent, std::uint64_t ordinal) { return (parent << kOrdinalBits) | ordinal; }

struct Overflow {
  std::vector<Word> state;
  std::uint64_t key;
};

// Everything one worker thread owns.
struct Local {
  std::unique_ptr<Scratch> scratch;
  StateStore::Cursor cursor;
  std::vector<std::uint32_t> violations;                       // fresh entries of new violating states
  std::vector<std::uint64_t> deadlocks;                        // canonical indices
  std::vector<Overflow> overflow;
  // Successors waiting to be inserted, in emission order, in two halves of
  // kInsertBatch: while one fills, the other's table slots are on their way
  // from memory. A full half's slots are prefetched together, in one tight
  // loop, and it is inserted when the next half is full. (Prefetching each
  // slot as its successor was made, between steps, stalled the thread on
  // every prefetch's address translation: the prefetches did not overlap.
  // perf put a quarter of the samples at 6 CPUs on the instruction after
  // the prefetch.)
  std::vector<Word> pending_states;  // 2 * kInsertBatch states, allocated once
  std::uint64_t pending_hash[2 * kInsertBatch], pending_key[2 * kInsertBatch];
  std::size_t filling = 0;  // the half being filled: its first index, 0 or kInsertBatch
  std::size_t pending = 0;  // successors in it
  std::size_t staged = 0;   // successors in the other half: prefetched, not inserted
  Word* next_pending(std::uint32_t words) { return pending_states.data() + (filling + pending) * words; }
  std::uint64_t inserted = 0;
  std::uint64_t transitions = 0;
  std::uint64_t max_successors = 0;
  std::uint64_t not_expanded = 0;  // states outside the System's constraint
  bool ordinal_overflow = false;
  // partial-order reduction: a state's successors (canonical forms, in
  // next()'s order) and groups, held until the ample set is chosen
  PartialOrder::Buffers por;
  std::vector<Word> successors;
  std::vector<GroupId> successor_groups;
  std::vector<std::uint32_t> ample;
  std::vector<std::uint8_t> in_ample;  // per group
  std::uint64_t por_reduced = 0, por_proviso = 0;
  // several processes (checker/partition.hpp): successors owned by another
  // rank, by rank, as records [key | state words]
  std::vector<std::vector<Word>> outbox;
};

}  // namespace

std::string stop_code(StopReason reason) {
  switch (reason) {
    case StopReason::None: return "";
    case StopReason::MaxStates: return "max-states";
    case StopReason::MemoryLimit: return "memory-limit";
    case StopReason::Interrupted: return "interrupted";
    case StopReason::SuccessorLimit: return "successor-limit";
    case StopReason::StoreLimit: return "store-limit";
    case StopReason::TimeLimit: return "time-limit";
  }
  return "";
}

ExploreResult explore(const System& system, const ExploreOptions& options) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const std::uint32_t words = system.layout().words;
  ExploreResult result;
  result.threads = std::max(1u, options.threads);
  // One process owns every state; under MPI each rank owns its part, and
  // what the ranks must agree on goes through the partition (a layer:
  // with one process every call below is its own answer).
  Partition single_process;
  Partition& part = options.partition != nullptr ? *options.partition : single_process;
  const unsigned ranks = part.ranks(), me = part.rank();
  const bool distributed = ranks > 1;
  if (distributed && options.por) throw std::invalid_argument("partial-order reduction does not run on several ranks");
  result.ranks_count = ranks;
  const std::optional<PropertyId> deadlock = system.deadlock_property();
  const bool check_deadlock = deadlock.has_value();
  const bool constrained = !system.constraint().empty();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  // runs f, adding its time to `seconds`
  auto timed = [](double& seconds, auto&& f) {
    const auto begin = Clock::now();
    f();
    seconds += std::chrono::duration<double>(Clock::now() - begin).count();
  };

  // allow more workers than cores when asked (TBB caps at the core count otherwise)
  std::optional<tbb::global_control> allow;
  if (options.set_parallelism) allow.emplace(tbb::global_control::max_allowed_parallelism, result.threads);
  tbb::task_arena arena(int(result.threads));
  StateStore store(words, 1u << 16, options.compact);
  // The store's rows are this rank's states. With one process a row is the
  // state's canonical index; on several ranks `globals` gives each row's
  // global canonical index (rows ascend with it), and `level_global` the
  // rows of the level being expanded.
  ParentLog parents(options.parent_links_in_memory);  // row -> key (parent link)
  ParentLog globals(options.parent_links_in_memory);  // row -> global canonical index (several ranks)
  std::vector<std::uint64_t> level_global, level_keys;
  result.compact = options.compact;
  // Compact mode keeps whole states only for the level being expanded.
  StateStore::Frontier level_states;
  auto state_of = [&](std::uint64_t row, std::uint64_t level_begin) -> const Word* {
    return options.compact ? level_states.data() + (row - level_begin) * words : store.state(row);
  };
  auto seal = [&] {
    level_keys.clear();
    return store.seal(
        [&](const std::uint64_t* keys, std::size_t n) {
          parents.append(keys, n);
          if (distributed) level_keys.insert(level_keys.end(), keys, keys + n);
        },
        &level_states);
  };
  // time spent agreeing with the other ranks and exchanging successors
  double exchange_seconds = 0;
  std::uint64_t bytes_sent = 0;
  auto agree = [&](auto&& f) { timed(exchange_seconds, f); };
  // The parent link of the state with global canonical index `canon`: its
  // rank answers (collective on several ranks).
  auto link = [&](std::uint64_t canon) {
    if (!distributed) return parents.get(canon);
    std::uint64_t key = ~0ULL, lo = 0, hi = globals.size();
    while (lo < hi) {
      const std::uint64_t mid = lo + (hi - lo) / 2;
      if (globals.get(mid) < canon) lo = mid + 1;
      else hi = mid;
    }
    if (lo < globals.size() && globals.get(lo) == canon) key = parents.get(lo);
    agree([&] { part.min(&key, 1); });
    // (every rank sees the same answer, so every rank throws alike)
    if (key == ~0ULL) throw std::logic_error("distributed search: no rank holds the state with global index " + std::to_string(canon));
    return key;
  };
  const bool reduce = options.symmetry && system.symmetric();  // symmetry reduction
  result.symmetry = reduce;
  // partial-order reduction, where the System can say what its groups touch
  std::optional<PartialOrder> por;
  if (options.por && system.por_info() != nullptr) por.emplace(system);
  result.por = por.has_value();
  tbb::enumerable_thread_specific<Local> locals([&] {
    Local l;
    l.scratch = system.make_scratch();
    l.pending_states.resize(2 * kInsertBatch * words);
    if (por) {
      l.por = por->make_buffers();
      l.in_ample.assign(system.groups().size(), 0);
    }
    if (distributed) l.outbox.resize(ranks);
    return l;
  });
  // A state just inserted as fresh entry `fresh`: checked.
  auto record_new = [&](Local& local, std::uint32_t fresh, ConstStateRef state) {
    ++local.inserted;
    if (system.check(state).violated) local.violations.push_back(fresh);
  };
  // Inserts the `n` pending successors from index `first`, whose table slots
  // were prefetched (the order within a level does not matter: keys are
  // atomic minima and sealing puts the level in key order). Prefetching the
  // rows their slots name as well, in a second pass, read every probe run
  // twice and was 10% slower on the bench twin; a third stage that
  // prefetched the entries of this level the slots name, a batch later,
  // cost a sixth of one thread's time at 6 CPUs; probing a whole batch's
  // successors in the order of their homes first cost a fifth.
  auto insert_from = [&](Local& local, std::size_t first, std::size_t n) {
    for (std::size_t i = first; i < first + n; ++i) {
      ConstStateRef succ(local.pending_states.data() + i * words, words);
      std::uint32_t fresh = 0;
      auto r = store.insert(succ.data(), local.pending_hash[i], local.pending_key[i], local.cursor, fresh);
      if (r == StateStore::Result::Inserted) {
        record_new(local, fresh, succ);
      } else if (r == StateStore::Result::Full) {
        local.overflow.push_back({std::vector<Word>(succ.begin(), succ.end()), local.pending_key[i]});
      }
    }
  };
  auto prefetch_filling = [&](const Local& local) {
    for (std::size_t i = local.filling; i < local.filling + local.pending; ++i) store.prefetch_slot(local.pending_hash[i]);
  };
  // The half being filled is full: its slots are fetched while the other
  // half, fetched since it filled, is inserted; then the halves swap.
  auto stage = [&](Local& local) {
    prefetch_filling(local);
    insert_from(local, kInsertBatch - local.filling, local.staged);
    local.staged = local.pending;
    local.filling = kInsertBatch - local.filling;
    local.pending = 0;
  };
  // Inserts every pending successor, in emission order: the half being
  // filled moves on as if full, and is inserted at once.
  auto insert_pending = [&](Local& local) {
    stage(local);
    insert_from(local, kInsertBatch - local.filling, local.staged);
    local.staged = 0;
  };
  // Queues the successor just made in the thread's next pending slot, or,
  // when another rank owns it, for that rank.
  auto queue = [&](Local& local, const Word* copy, std::uint64_t key) {
    std::uint64_t hash = StateStore::hash_state(copy, words);
    if (distributed) {
      if (const unsigned to = part.owner(hash); to != me) {
        std::vector<Word>& box = local.outbox[to];
        box.push_back(key);
        box.insert(box.end(), copy, copy + words);
        return;
      }
    }
    const std::size_t i = local.filling + local.pending++;
    local.pending_hash[i] = hash;
    local.pending_key[i] = key;
    if (local.pending == kInsertBatch) stage(local);
  };
  // Partial-order reduction: the state's successors through its ample set
  // (checker/por.hpp), or all of them. Every successor keeps its ordinal
  // among all of the state's successors in next()'s order, so a parent
  // link means the same with and without the reduction (traces rebuild
  // as before).
  // The cycle proviso: when a successor through the ample set is a state
  // of a sealed level (this level or an earlier one), the state is
  // expanded fully. Then every cycle of reduced expansions has a fully
  // expanded state: take the cycle's state of the lowest level; when its
  // predecessor on the cycle was expanded, at that level or a later one, it
  // was sealed already. A group enabled all along such a cycle is taken
  // there, so none is postponed forever. Looking only at sealed levels,
  // never at states other threads are inserting now, the choice is the same
  // for every thread count. Under symmetry reduction the proviso looks at
  // canonical successors, the states the search stores (the cycles it can
  // close are cycles of canonical states).
  auto expand_reduced = [&](Local& local, std::uint64_t canon, const Word* s) {
    ConstStateRef state(s, words);
    por->begin_state(local.por);
    local.successors.clear();
    local.successor_groups.clear();
    std::uint32_t enabled = 0;
    system.next(state, *local.scratch, [&](GroupId g, ConstStateRef succ) {
      if (!por->is_enabled(local.por, g.v)) ++enabled;
      por->mark_enabled(local.por, g);
      local.successors.insert(local.successors.end(), succ.begin(), succ.end());
      local.successor_groups.push_back(g);
    });
    const std::uint64_t n = local.successor_groups.size();
    if (n > kOrdinalMask + 1) {
      local.ordinal_overflow = true;
      return;
    }
    if (reduce) {
      for (std::uint64_t i = 0; i < n; ++i) system.canonicalize(StateRef(local.successors.data() + i * words, words), *local.scratch);
    }
    bool reduced = por->ample(state, enabled, local.por, local.ample);
    if (reduced) {
      for (std::uint32_t g : local.ample) local.in_ample[g] = 1;
      for (std::uint64_t i = 0; i < n && reduced; ++i) {
        const Word* succ = local.successors.data() + i * words;
        if (local.in_ample[local.successor_groups[i].v] && store.contains_sealed(succ, StateStore::hash_state(succ, words))) reduced = false;
      }
      if (reduced) ++local.por_reduced;
      else ++local.por_proviso;
    }
    std::uint64_t taken = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      if (reduced && !local.in_ample[local.successor_groups[i].v]) continue;
      Word* copy = local.next_pending(words);
      copy_state(copy, local.successors.data() + i * words, words);
      queue(local, copy, make_key(canon, i));
      ++taken;
    }
    for (std::uint32_t g : local.ample) local.in_ample[g] = 0;
    local.transitions += taken;
    local.max_successors = std::max(local.max_successors, n);
    if (n == 0 && check_deadlock && !system.is_final(state)) local.deadlocks.push_back(canon);
  };
  // several ranks: what arrived from the others, and what goes to each
  std::vector<Word> send, received;
  std::vector<std::size_t> send_words(ranks);
  auto memory = [&] {
    std::uint64_t bytes = store.memory_bytes() + parents.memory_bytes() + globals.memory_bytes() + level_states.size() * sizeof(Word);
    if (distributed) {
      // the exchange's buffers keep their room from batch to batch
      std::uint64_t buffered = send.capacity() + received.capacity() + level_global.capacity() + level_keys.capacity();
      for (const Local& l : locals) {
        for (const std::vector<Word>& box : l.outbox) buffered += box.capacity();
      }
      bytes += buffered * sizeof(Word);
    }
    return bytes;
  };
  std::uint64_t states = 0;        // on every rank together
  std::uint64_t local_states = 0;  // this rank's
  std::uint64_t max_successors = 8;
  // several ranks: a level's new states get their global canonical indices
  // (they are this rank's rows [rows_begin, store.sealed())); returns how
  // many the level has on every rank together
  auto number_level = [&](std::uint64_t rows_begin, std::uint64_t parents_begin, std::uint64_t parents_end, std::uint64_t first) {
    if (!distributed) return store.sealed() - rows_begin;
    std::uint64_t total = 0;
    agree([&] { total = part.number(level_keys, kOrdinalBits, parents_begin, parents_end, first, level_global); });
    globals.append(level_global.data(), level_global.size());
    return total;
  };

  // the initial state (its canonical form, under symmetry reduction)
  auto main_scratch = system.make_scratch();
  std::vector<Word> init(words, 0);
  system.initial(init);
  std::vector<Word> init_stored = init;
  std::vector<std::uint32_t> init_renaming;
  if (reduce) system.canonicalize(init_stored, *main_scratch, &init_renaming);
  {
    StateStore::Cursor cursor;
    std::uint32_t fresh = 0;
    const std::uint64_t hash = StateStore::hash_state(init_stored.data(), words);
    if (part.owner(hash) == me) store.insert(init_stored.data(), hash, 0, cursor, fresh);
    seal();
    states = number_level(0, 0, 1, 0);
    local_states = store.sealed();
  }

  // Reconstructs the path to a state from the parent links and re-executes it.
  auto build_trace = [&](std::uint64_t last_key, bool last_is_root) {
    std::vector<std::uint32_t> ordinals;  // from the end backwards
    std::uint64_t key = last_key;
    if (!last_is_root) {
      for (;;) {
        ordinals.push_back(std::uint32_t(key & kOrdinalMask));
        std::uint64_t parent = key >> kOrdinalBits;
        if (parent == 0) break;
        key = link(parent);
      }
    }
    std::reverse(ordinals.begin(), ordinals.end());
    Trace t;
    t.states.push_back(init);
    auto scratch = system.make_scratch();
    if (!reduce) {
      for (std::uint32_t ordinal : ordinals) {
        std::vector<Word> next;
        std::optional<GroupId> group = nth_successor(system, *scratch, t.states.back(), ordinal, next);
        t.groups.push_back(group.value_or(GroupId{}));
        t.states.push_back(std::move(next));
      }
      return t;
    }
    // Under symmetry reduction the links lead through canonical states.
    // Keep the concrete state s and a renaming rho with rho(s) = the stored
    // state: the successor u the link names, renamed back by rho's
    // inverse, is a successor of s (the renamings map steps onto steps);
    // the step of s that reaches it is the concrete step, and canonicalizing
    // u (by tau) gives the next stored state, so rho becomes tau after rho.
    std::vector<std::uint32_t> rho = init_renaming, tau, inverse;
    std::vector<Word> stored(words), u, concrete(words);
    for (std::uint32_t ordinal : ordinals) {
      system.rename(t.states.back(), rho, stored);
      nth_successor(system, *scratch, stored, ordinal, u);
      inverse.assign(rho.size(), 0);
      for (std::size_t c = 0; c < rho.size(); ++c) inverse[rho[c]] = std::uint32_t(c);
      system.rename(u, inverse, concrete);
      std::optional<GroupId> group;
      system.next(t.states.back(), *scratch, [&](GroupId g, ConstStateRef succ) {
        if (!group && std::equal(succ.begin(), succ.end(), concrete.begin())) group = g;
      });
      if (!group) throw std::logic_error("symmetry reduction: a step of the counterexample has no concrete counterpart (the renaming does not map steps onto steps)");
      t.groups.push_back(*group);
      t.states.push_back(concrete);
      system.canonicalize(u, *scratch, &tau);
      for (std::size_t c = 0; c < rho.size(); ++c) rho[c] = tau.empty() ? rho[c] : tau[rho[c]];
    }
    return t;
  };

  auto finish = [&](Outcome outcome) {
    result.outcome = outcome;
    result.states = states;
    result.memory_bytes = std::max(result.memory_bytes, memory());
    if (distributed) {
      result.ranks = part.gather({local_states, result.memory_bytes, bytes_sent, exchange_seconds});
      for (const RankStats& r : result.ranks) result.bytes_sent += r.bytes_sent;
    }
    result.exchange_seconds = exchange_seconds;
    result.seconds = elapsed();
    if (options.compact) {
      double n = double(states);
      result.omission_probability = std::min(1.0, n * (n - 1) / 2 * 0x1p-63);
    }
    return result;
  };

  if (Verdict v = system.check(init); v.violated) {
    result.property = v.property;
    result.trace = build_trace(0, true);
    return finish(Outcome::Violated);
  }

  // The level being expanded: global canonical indices [level_begin,
  // level_end), this rank's rows [rows_begin, rows_end) (the same range
  // with one process).
  std::uint64_t level_begin = 0, level_end = states;
  std::uint64_t rows_begin = 0, rows_end = store.sealed();
  std::uint32_t depth = 0;
  auto last_report = Clock::now();
  const std::size_t record = std::size_t(words) + 1;  // [key | state]
  // the first of this rank's rows of the level whose global index is at least `canon`
  auto row_at = [&](std::uint64_t canon) {
    if (!distributed) return canon;
    return rows_begin + std::uint64_t(std::lower_bound(level_global.begin(), level_global.end(), canon) - level_global.begin());
  };
  auto global_of = [&](std::uint64_t row) { return distributed ? level_global[row - rows_begin] : row; };
  // Keeps the table at most 4/5 full whatever `adding` states add (linear
  // probing with 8 tagged slots per cache line stays at one or two lines a
  // lookup). Growing streams through the old table, so it costs the
  // difference in size, not the sum. False where growing would pass the
  // memory limit and the table is past 9/10 full already.
  auto make_room = [&](std::uint64_t adding) {
    const std::uint64_t needed = local_states + adding;
    if (needed * 100 <= store.capacity() * kGrowAt) return true;
    std::uint64_t slots = needed * 100 / kGrowTo + 1;
    std::uint64_t extra = (slots - store.capacity()) * sizeof(std::uint64_t);
    if (options.memory_limit == 0 || memory() + extra <= options.memory_limit) {
      timed(result.grow_seconds, [&] { arena.execute([&] { store.grow(slots); }); });
      return true;
    }
    return needed * 100 <= store.capacity() * kFillUnderLimit;
  };
  auto stop = [&](StopReason reason, const char* why) {
    result.stopped_by = why;
    result.stop_reason = reason;
    result.depth = depth;
    return finish(Outcome::Incomplete);
  };
  while (level_begin < level_end) {
    bool violations_found = false;
    bool deadlock_found = false;
    for (std::uint64_t batch_begin = level_begin; batch_begin < level_end; batch_begin += options.batch) {
      std::uint64_t batch_end = std::min<std::uint64_t>(level_end, batch_begin + options.batch);
      const std::uint64_t first_row = row_at(batch_begin), end_row = row_at(batch_end);
      std::uint64_t no_room = make_room((end_row - first_row) * max_successors) ? 0 : 1;
      if (distributed) agree([&] { part.sum(&no_room, 1); });
      if (no_room != 0) return stop(StopReason::MemoryLimit, "the memory limit");
      timed(result.expand_seconds, [&] {
        arena.execute([&] {
          tbb::parallel_for(tbb::blocked_range<std::uint64_t>(first_row, end_row, 64), [&](const tbb::blocked_range<std::uint64_t>& range) {
            Local& local = locals.local();
            store.begin_run(local.cursor);  // these parents' successors: no other thread's keys lie among theirs
            for (std::uint64_t row = range.begin(); row != range.end(); ++row) {
              const Word* s = state_of(row, rows_begin);
              const std::uint64_t canon = global_of(row);
              if (constrained && !system.expand(ConstStateRef(s, words))) {  // checked, not expanded, no deadlock
                ++local.not_expanded;
                continue;
              }
              if (por) {
                expand_reduced(local, canon, s);
                continue;
              }
              std::uint64_t ordinal = 0;
              system.next(ConstStateRef(s, words), *local.scratch, [&](GroupId, ConstStateRef succ) {
                if (ordinal > kOrdinalMask) {
                  local.ordinal_overflow = true;
                  return;
                }
                Word* copy = local.next_pending(words);
                copy_state(copy, succ.data(), words);
                if (reduce) system.canonicalize_successor(StateRef(copy, words), ConstStateRef(s, words), *local.scratch);
                queue(local, copy, make_key(canon, ordinal++));
              });
              local.transitions += ordinal;
              local.max_successors = std::max(local.max_successors, ordinal);
              if (ordinal == 0 && check_deadlock && !system.is_final(ConstStateRef(s, words))) local.deadlocks.push_back(canon);
            }
            insert_pending(local);
          });
        });
      });
      if (distributed) {
        // the successors other ranks own go to them, each rank's in one run; theirs come here
        send.clear();
        for (unsigned d = 0; d < ranks; ++d) {
          const std::size_t before = send.size();
          for (Local& l : locals) {
            send.insert(send.end(), l.outbox[d].begin(), l.outbox[d].end());
            l.outbox[d].clear();
          }
          send_words[d] = send.size() - before;
        }
        bytes_sent += send.size() * sizeof(Word);
        agree([&] { part.exchange(send, send_words, received); });
        const std::uint64_t arrived = received.size() / record;
        std::uint64_t inserted = 0;  // this batch's own successors, already in
        for (const Local& l : locals) inserted += l.inserted;
        make_room(inserted + arrived);  // (past the memory limit, the check below stops the search)
        timed(result.expand_seconds, [&] {
          arena.execute([&] {
            tbb::parallel_for(tbb::blocked_range<std::uint64_t>(0, arrived, 256), [&](const tbb::blocked_range<std::uint64_t>& range) {
              Local& local = locals.local();
              store.begin_run(local.cursor);
              for (std::uint64_t i = range.begin(); i != range.end(); ++i) {
                const Word* r = received.data() + i * record;
                Word* copy = local.next_pending(words);
                copy_state(copy, r + 1, words);
                queue(local, copy, r[0]);
              }
              insert_pending(local);
            });
          });
        });
      }
      // states that found the table full: grow once for all of them, then insert them one by one
      std::uint64_t overflowed = 0;
      for (const Local& l : locals) overflowed += l.overflow.size();
      if (overflowed != 0) timed(result.grow_seconds, [&] { store.grow(std::max(store.capacity() * 2, (store.capacity() + overflowed) * 100 / kGrowTo)); });
      for (Local& l : locals) {
        for (Overflow& o : l.overflow) {
          std::uint32_t fresh = 0;
          store.begin_run(l.cursor);  // a run of its own: its key is below the thread's last
          if (store.insert(o.state.data(), StateStore::hash_state(o.state.data(), words), o.key, l.cursor, fresh) == StateStore::Result::Inserted) {
            record_new(l, fresh, o.state);
          }
        }
        l.overflow.clear();
      }
      // merge the per-thread counters (deterministic sums), then the ranks'
      enum { kInserted, kTransitions, kNotExpanded, kReduced, kProviso, kOverflow, kViolations, kDeadlocks, kDeadline, kStop, kMemory, kCounters };
      std::uint64_t c[kCounters] = {};
      for (Local& l : locals) {
        c[kInserted] += l.inserted;
        c[kTransitions] += l.transitions;
        c[kNotExpanded] += l.not_expanded;
        c[kReduced] += l.por_reduced;
        c[kProviso] += l.por_proviso;
        c[kOverflow] += l.ordinal_overflow ? 1 : 0;
        c[kViolations] += l.violations.empty() ? 0 : 1;
        c[kDeadlocks] += l.deadlocks.empty() ? 0 : 1;
        l.inserted = l.transitions = l.not_expanded = l.por_reduced = l.por_proviso = 0;
        max_successors = std::max(max_successors, l.max_successors);
      }
      local_states += c[kInserted];
      result.memory_bytes = std::max(result.memory_bytes, memory());
      c[kDeadline] = options.deadline && Clock::now() >= *options.deadline ? 1 : 0;
      c[kStop] = options.stop != nullptr && options.stop->load() ? 1 : 0;
      c[kMemory] = options.memory_limit != 0 && result.memory_bytes > options.memory_limit ? 1 : 0;
      if (distributed) agree([&] { part.sum(c, kCounters); });
      states += c[kInserted];
      result.transitions += c[kTransitions];
      result.not_expanded += c[kNotExpanded];
      result.por_reduced += c[kReduced];
      result.por_proviso += c[kProviso];
      if (c[kOverflow] != 0) return stop(StopReason::SuccessorLimit, "a state with more than 16 million successors");
      violations_found = violations_found || c[kViolations] != 0;
      deadlock_found = deadlock_found || c[kDeadlocks] != 0;
      if (options.progress && std::chrono::duration<double>(Clock::now() - last_report).count() >= 1.0) {
        last_report = Clock::now();
        options.progress({states, result.transitions, level_end - batch_end, depth, elapsed(), result.memory_bytes});
      }
      // A deadlock found in this batch is the shallowest violation of all; a
      // violating successor is one level deeper, so the rest of this level
      // must still be searched for deadlocks first.
      if (deadlock_found) break;
      if (violations_found && !check_deadlock) break;
      if (c[kDeadline] != 0) return stop(StopReason::TimeLimit, "the time limit (--time-limit)");
      if (c[kStop] != 0) return stop(StopReason::Interrupted, "an interrupt");
      if (options.max_states != 0 && states >= options.max_states) return stop(StopReason::MaxStates, "the state limit (--max-states)");
      if (c[kMemory] != 0) return stop(StopReason::MemoryLimit, "the memory limit");
    }

    if (deadlock_found) {
      std::uint64_t canon = UINT64_MAX;
      for (Local& l : locals) {
        for (std::uint64_t c : l.deadlocks) canon = std::min(canon, c);
      }
      if (distributed) agree([&] { part.min(&canon, 1); });
      result.deadlock = true;
      result.property = *deadlock;
      result.trace = build_trace(canon == 0 ? 0 : link(canon), canon == 0);
      result.depth = depth;
      return finish(Outcome::Violated);
    }
    if (violations_found) {
      std::uint64_t best = UINT64_MAX;
      for (Local& l : locals) {
        for (std::uint32_t fresh : l.violations) best = std::min(best, store.fresh_key(fresh));
      }
      if (distributed) agree([&] { part.min(&best, 1); });
      result.trace = build_trace(best, false);
      result.property = system.check(result.trace.states.back()).property;
      result.depth = depth + 1;
      return finish(Outcome::Violated);
    }

    // the next level, in canonical order (keys are unique: one edge each)
    std::uint64_t sealed = 0;
    timed(result.seal_seconds, [&] { arena.execute([&] { sealed = seal() ? 1 : 0; }); });
    if (distributed) agree([&] { part.min(&sealed, 1); });
    if (sealed == 0) return stop(StopReason::StoreLimit, ("the store's limit of " + std::to_string(StateStore::kMaxRows) + " states (--compact has none)").c_str());
    const std::uint64_t added = number_level(rows_end, level_begin, level_end, level_end);
    result.memory_bytes = std::max(result.memory_bytes, memory());
    level_begin = level_end;
    level_end += added;
    rows_begin = rows_end;
    rows_end = store.sealed();
    if (level_end > level_begin) ++depth;
  }
  result.depth = depth;
  return finish(Outcome::Holds);
}

}  // namespace tlbcheck::checker
