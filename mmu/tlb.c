/* Soft TLB maintenance; see tlb.h. */
#include "mmu/tlb.h"

void tlb_flush(Tlb *t) {
  for (unsigned i = 0; i < TLB_SIZE; i++) {
    t->e[i].tag_read = TLB_INVALID;
    t->e[i].tag_write = TLB_INVALID;
    t->e[i].global = 0;
  }
}

void tlb_flush_nonglobal(Tlb *t) {
  for (unsigned i = 0; i < TLB_SIZE; i++)
    if (!t->e[i].global) t->e[i].tag_read = t->e[i].tag_write = TLB_INVALID;
}

void tlb_flush_page(Tlb *t, uint32_t lin) {
  TlbEntry *e = &t->e[(lin >> 12) & (TLB_SIZE - 1)];
  if (e->tag_read == (lin & ~0xFFFu) || e->tag_write == (lin & ~0xFFFu))
    e->tag_read = e->tag_write = TLB_INVALID;
}

void tlb_protect_page(Tlb *t, uint32_t ppage) {
  for (unsigned i = 0; i < TLB_SIZE; i++)
    if (t->e[i].ppage == ppage) t->e[i].tag_write = TLB_INVALID;
}
