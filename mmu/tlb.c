/* Soft TLB maintenance; see tlb.h. */
#include "mmu/tlb.h"

void tlb_flush(Tlb *t) {
  for (unsigned i = 0; i < TLB_SIZE; i++) {
    tlb_will_change(t, i);
    t->e[i].tag_read = TLB_INVALID;
    t->e[i].tag_write = TLB_INVALID;
    t->e[i].global = 0;
  }
}

void tlb_flush_nonglobal(Tlb *t) {
  for (unsigned i = 0; i < TLB_SIZE; i++)
    if (!t->e[i].global) {
      tlb_will_change(t, i);
      t->e[i].tag_read = t->e[i].tag_write = TLB_INVALID;
    }
}

void tlb_flush_page(Tlb *t, uint32_t lin) {
  unsigned i = (lin >> 12) & (TLB_SIZE - 1);
  TlbEntry *e = &t->e[i];
  if (e->tag_read == (lin & ~0xFFFu) || e->tag_write == (lin & ~0xFFFu)) {
    tlb_will_change(t, i);
    e->tag_read = e->tag_write = TLB_INVALID;
  }
}

void tlb_protect_page(Tlb *t, uint32_t ppage) {
  for (unsigned i = 0; i < TLB_SIZE; i++)
    if (t->e[i].ppage == ppage) {
      tlb_will_change(t, i);
      t->e[i].tag_write = TLB_INVALID;
    }
}

void tlb_undo_save(Tlb *t, unsigned i) {
  TlbUndo *u = t->undo;
  uint64_t bit = 1ull << (i & 63);
  if (u->saved[i >> 6] & bit) return;
  u->saved[i >> 6] |= bit;
  u->old[i] = t->e[i];
}

void tlb_undo_restore(Tlb *t) {
  TlbUndo *u = t->undo;
  for (unsigned w = 0; w < TLB_SIZE / 64; w++) {
    for (uint64_t m = u->saved[w]; m; m &= m - 1) {
      unsigned i = w * 64 + (unsigned)__builtin_ctzll(m);
      t->e[i] = u->old[i];
    }
    u->saved[w] = 0;
  }
}
