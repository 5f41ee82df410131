// stale-permission's record of the kernel's claims (properties/
// stale_permission.hpp): which process instance last narrowed each leaf
// entry of each address space inside a function marked `sync`, whether the
// outermost such function has returned since, and the judgement of an
// access that hits the TLB afterwards.
#include "model/machine/machine.hpp"

namespace tlbcheck::model::machine {

Machine::EntryAt Machine::entry_at(const checker::Word* s, std::int64_t mm, std::int64_t page) const {
  if (mm < 0 || mm >= mms_) return {};
  const std::int64_t n = page_index_[std::size_t(page)];
  std::int64_t t = get(s, slots_.pgd[std::size_t(mm)]);
  for (int level = config_.levels;; --level) {
    if (t < 0 || FrameKind(get(s, slots_.kind[std::size_t(t)])) != FrameKind::Table) return {};
    const std::uint32_t slot = slots_.entry[std::size_t(t * config_.entries + index_at(n, level))];
    const std::int64_t raw = get(s, slot);
    if (level == 1 || !pte_.present(raw) || pte_.block_level(raw) > 0) return {std::int64_t(slot), level};
    t = pte_.frame(raw);
  }
}

std::int64_t Machine::translation(const checker::Word* s, std::int64_t mm, std::int64_t page) const {
  const EntryAt at = entry_at(s, mm, page);
  if (at.slot < 0) return 0;
  const std::int64_t raw = get(s, std::uint32_t(at.slot));
  if (!pte_.present(raw)) return 0;
  if (at.level == 1) return pte_.cached(raw);
  return pte_.with_frame(pte_.cached(raw), pte_.frame(raw) + page_index_[std::size_t(page)] % block_span(at.level));  // a block's page
}

properties::Grant Machine::grant(std::int64_t raw) const {
  properties::Grant g;
  g.present = pte_.present(raw);
  if (!g.present) return g;
  g.frame = pte_.frame(raw);
  g.writable = pte_.writable(raw);
  g.user = pte_.has(raw, pte_flag::kUser);  // (implied set without pte.user)
  return g;
}

bool Machine::perform_recording_narrowing(Builtin b, BuiltinCall& call) const {
  // the translations before the built-in, to see which it narrowed (a
  // buffer per thread: no allocation per step once it has grown)
  thread_local std::vector<std::int64_t> before;
  const std::size_t n = std::size_t(mms_) * std::size_t(pages());
  if (before.size() < n) before.resize(n);
  for (int m = 0; m < mms_; ++m) {
    for (int p = 0; p < pages(); ++p) before[std::size_t(m * pages() + p)] = translation(call.state, m, p);
  }
  if (!perform(b, call)) return false;
  for (int m = 0; m < mms_; ++m) {
    for (int p = 0; p < pages(); ++p) {
      const std::size_t i = std::size_t(m * pages() + p);
      if (!properties::narrows(grant(before[i]), grant(translation(call.state, m, p)))) continue;
      // inside a `sync` function: pending until the outermost one returns;
      // elsewhere: a change nobody declared (it undoes an earlier declaration)
      set(call.state, slots_.narrowing[i], call.in_sync ? Narrowing::pending(call.process) : 0);
    }
  }
  return true;
}

void Machine::declare_complete(checker::Word* s, int process) const {
  for (std::uint32_t slot : slots_.narrowing) {
    if (get(s, slot) == Narrowing::pending(process)) set(s, slot, (*layout_)[slot].hi);
  }
}

Effect Machine::judge_permission(const checker::Word* s, std::int64_t mm, std::int64_t page, std::int64_t raw, bool write, bool user_access) const {
  if (slots_.narrowing.empty() || mm < 0 || mm >= mms_) return {};
  const std::uint32_t slot = slots_.narrowing[std::size_t(mm * pages() + page)];
  if (get(s, slot) != (*layout_)[slot].hi) return {};  // nothing declared complete
  const std::int64_t now = translation(s, mm, page);
  const properties::WiderGrant why = properties::wider_than_tables(grant(raw), grant(now), write, user_access);
  if (why == properties::WiderGrant::None) return {};
  Effect e;
  e.kind = Effect::Violation;
  e.stale_permission = true;
  e.frame = pte_.frame(raw);
  e.perm.why = why;
  e.perm.mm = std::int32_t(mm);
  e.perm.page = std::int32_t(page);
  e.perm.frame = std::int32_t(pte_.frame(raw));
  e.perm.table_frame = std::int32_t(pte_.frame_or_none(now));
  return e;
}

}  // namespace tlbcheck::model::machine
