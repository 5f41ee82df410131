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
  // successors waiting to be inserted, in emission order: a batch lets the
  // table slots and rows of all of them be fetched from memory at once
  std::vector<Word> pending_states;  // kInsertBatch states, allocated once
  std::uint64_t pending_hash[kInsertBatch], pending_key[kInsertBatch];
  std::size_t pending = 0;
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
  ParentLog parents(options.parent_links_in_memory);  // canonical index -> key (parent link)
  result.compact = options.compact;
  // Compact mode keeps whole states only for the level being expanded.
  StateStore::Frontier level_states;
  auto state_of = [&](std::uint64_t canon, std::uint64_t level_begin) -> const Word* {
    return options.compact ? level_states.data() + (canon - level_begin) * words : store.state(canon);
  };
  auto seal = [&] {
    return store.seal([&](const std::uint64_t* keys, std::size_t n) { parents.append(keys, n); }, &level_states);
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
    l.pending_states.resize(kInsertBatch * words);
    if (por) {
      l.por = por->make_buffers();
      l.in_ample.assign(system.groups().size(), 0);
    }
    return l;
  });
  // A state just inserted as fresh entry `fresh`: checked.
  auto record_new = [&](Local& local, std::uint32_t fresh, ConstStateRef state) {
    ++local.inserted;
    if (system.check(state).violated) local.violations.push_back(fresh);
  };
  // Inserts a thread's pending successors, whose table slots were
  // prefetched as they were emitted (the order within a level does not
  // matter: keys are atomic minima and sealing puts the level in key
  // order). Prefetching the rows their slots name as well, in a second
  // pass, read every probe run twice and was 10% slower on the bench twin.
  auto insert_pending = [&](Local& local) {
    const std::size_t n = local.pending;
    for (std::size_t i = 0; i < n; ++i) {
      ConstStateRef succ(local.pending_states.data() + i * words, words);
      std::uint32_t fresh = 0;
      auto r = store.insert(succ.data(), local.pending_hash[i], local.pending_key[i], local.cursor, fresh);
      if (r == StateStore::Result::Inserted) {
        record_new(local, fresh, succ);
      } else if (r == StateStore::Result::Full) {
        local.overflow.push_back({std::vector<Word>(succ.begin(), succ.end()), local.pending_key[i]});
      }
    }
    local.pending = 0;
  };
  // Queues the successor just copied to the thread's next pending slot.
  auto queue = [&](Local& local, const Word* copy, std::uint64_t key) {
    std::uint64_t hash = StateStore::hash_state(copy, words);
    store.prefetch_slot(hash);
    local.pending_hash[local.pending] = hash;
    local.pending_key[local.pending++] = key;
    if (local.pending == kInsertBatch) insert_pending(local);
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
      Word* copy = local.pending_states.data() + local.pending * words;
      copy_state(copy, local.successors.data() + i * words, words);
      queue(local, copy, make_key(canon, i));
      ++taken;
    }
    for (std::uint32_t g : local.ample) local.in_ample[g] = 0;
    local.transitions += taken;
    local.max_successors = std::max(local.max_successors, n);
    if (n == 0 && check_deadlock && !system.is_final(state)) local.deadlocks.push_back(canon);
  };
  auto memory = [&] { return store.memory_bytes() + parents.memory_bytes() + level_states.size() * sizeof(Word); };
  std::uint64_t states = 0;
  std::uint64_t max_successors = 8;

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
    store.insert(init_stored.data(), StateStore::hash_state(init_stored.data(), words), 0, cursor, fresh);
    seal();
    states = 1;
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
        key = parents.get(parent);
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
    result.seconds = elapsed();
    result.memory_bytes = std::max(result.memory_bytes, memory());
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

  std::uint64_t level_begin = 0, level_end = 1;
  std::uint32_t depth = 0;
  auto last_report = Clock::now();
  while (level_begin < level_end) {
    bool violations_found = false;
    bool deadlock_found = false;
    for (std::uint64_t batch_begin = level_begin; batch_begin < level_end; batch_begin += options.batch) {
      std::uint64_t batch_end = std::min<std::uint64_t>(level_end, batch_begin + options.batch);
      // Keep the table at most 4/5 full, whatever this batch adds (linear
      // probing with 8 tagged slots per cache line stays at one or two lines
      // a lookup). Growing streams through the old table, so it costs the
      // difference in size, not the sum.
      std::uint64_t needed = states + (batch_end - batch_begin) * max_successors;
      if (needed * 100 > store.capacity() * kGrowAt) {
        std::uint64_t slots = needed * 100 / kGrowTo + 1;
        std::uint64_t extra = (slots - store.capacity()) * sizeof(std::uint64_t);
        if (options.memory_limit == 0 || memory() + extra <= options.memory_limit) {
          timed(result.grow_seconds, [&] { arena.execute([&] { store.grow(slots); }); });
        } else if (needed * 100 > store.capacity() * kFillUnderLimit) {
          result.stopped_by = "the memory limit";
          result.stop_reason = StopReason::MemoryLimit;
          result.depth = depth;
          return finish(Outcome::Incomplete);
        }
      }
      timed(result.expand_seconds, [&] {
        arena.execute([&] {
          tbb::parallel_for(tbb::blocked_range<std::uint64_t>(batch_begin, batch_end, 64), [&](const tbb::blocked_range<std::uint64_t>& range) {
            Local& local = locals.local();
            store.begin_run(local.cursor);  // these parents' successors: no other thread's keys lie among theirs
            for (std::uint64_t canon = range.begin(); canon != range.end(); ++canon) {
              const Word* s = state_of(canon, level_begin);
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
                Word* copy = local.pending_states.data() + local.pending * words;
                copy_state(copy, succ.data(), words);
                if (reduce) system.canonicalize(StateRef(copy, words), *local.scratch);
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
      // states that found the table full: grow, then insert them one by one
      for (Local& l : locals) {
        for (Overflow& o : l.overflow) {
          timed(result.grow_seconds, [&] { store.grow(store.capacity() * 2); });
          std::uint32_t fresh = 0;
          store.begin_run(l.cursor);  // a run of its own: its key is below the thread's last
          if (store.insert(o.state.data(), StateStore::hash_state(o.state.data(), words), o.key, l.cursor, fresh) == StateStore::Result::Inserted) {
            record_new(l, fresh, o.state);
          }
        }
        l.overflow.clear();
      }
      // merge the per-thread counters (deterministic sums)
      std::uint64_t transitions = 0;
      for (Local& l : locals) {
        states += l.inserted;
        l.inserted = 0;
        transitions += l.transitions;
        l.transitions = 0;
        result.not_expanded += l.not_expanded;
        l.not_expanded = 0;
        result.por_reduced += l.por_reduced;
        result.por_proviso += l.por_proviso;
        l.por_reduced = l.por_proviso = 0;
        max_successors = std::max(max_successors, l.max_successors);
        if (l.ordinal_overflow) {
          result.stopped_by = "a state with more than 16 million successors";
          result.stop_reason = StopReason::SuccessorLimit;
          return finish(Outcome::Incomplete);
        }
      }
      result.transitions += transitions;
      for (Local& l : locals) {
        violations_found = violations_found || !l.violations.empty();
        deadlock_found = deadlock_found || !l.deadlocks.empty();
      }
      result.memory_bytes = std::max(result.memory_bytes, memory());
      if (options.progress && std::chrono::duration<double>(Clock::now() - last_report).count() >= 1.0) {
        last_report = Clock::now();
        options.progress({states, result.transitions, level_end - batch_end, depth, elapsed(), result.memory_bytes});
      }
      // A deadlock found in this batch is the shallowest violation of all; a
      // violating successor is one level deeper, so the rest of this level
      // must still be searched for deadlocks first.
      if (deadlock_found) break;
      if (violations_found && !check_deadlock) break;
      if (options.deadline && Clock::now() >= *options.deadline) {
        result.stopped_by = "the time limit (--time-limit)";
        result.stop_reason = StopReason::TimeLimit;
        result.depth = depth;
        return finish(Outcome::Incomplete);
      }
      if (options.stop != nullptr && options.stop->load()) {
        result.stopped_by = "an interrupt";
        result.stop_reason = StopReason::Interrupted;
        result.depth = depth;
        return finish(Outcome::Incomplete);
      }
      if (options.max_states != 0 && states >= options.max_states) {
        result.stopped_by = "the state limit (--max-states)";
        result.stop_reason = StopReason::MaxStates;
        result.depth = depth;
        return finish(Outcome::Incomplete);
      }
      if (options.memory_limit != 0 && result.memory_bytes > options.memory_limit) {
        result.stopped_by = "the memory limit";
        result.stop_reason = StopReason::MemoryLimit;
        result.depth = depth;
        return finish(Outcome::Incomplete);
      }
    }

    if (deadlock_found) {
      std::uint64_t canon = UINT64_MAX;
      for (Local& l : locals) {
        for (std::uint64_t c : l.deadlocks) canon = std::min(canon, c);
      }
      result.deadlock = true;
      result.property = *deadlock;
      result.trace = build_trace(canon == 0 ? 0 : parents.get(canon), canon == 0);
      result.depth = depth;
      return finish(Outcome::Violated);
    }
    if (violations_found) {
      std::uint64_t best = UINT64_MAX;
      for (Local& l : locals) {
        for (std::uint32_t fresh : l.violations) best = std::min(best, store.fresh_key(fresh));
      }
      result.trace = build_trace(best, false);
      result.property = system.check(result.trace.states.back()).property;
      result.depth = depth + 1;
      return finish(Outcome::Violated);
    }

    // the next level, in canonical order (keys are unique: one edge each)
    bool sealed = false;
    timed(result.seal_seconds, [&] { arena.execute([&] { sealed = seal(); }); });
    if (!sealed) {
      result.stopped_by = "the store's limit of " + std::to_string(StateStore::kMaxRows) + " states (--compact has none)";
      result.stop_reason = StopReason::StoreLimit;
      result.depth = depth;
      return finish(Outcome::Incomplete);
    }
    result.memory_bytes = std::max(result.memory_bytes, memory());
    level_begin = level_end;
    level_end = store.sealed();
    if (level_end > level_begin) ++depth;
  }
  result.depth = depth;
  return finish(Outcome::Holds);
}

}  // namespace tlbcheck::checker
