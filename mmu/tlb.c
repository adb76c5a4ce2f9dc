/* Soft TLB maintenance; see tlb.h. */
#include "mmu/tlb.h"

void tlb_flush(Tlb *t) {
  for (unsigned i = 0; i < TLB_SIZE; i++) {
    t->e[i].tag_read = TLB_INVALID;
    t->e[i].tag_write = TLB_INVALID;
  }
}

void tlb_protect_page(Tlb *t, uint32_t ppage) {
  for (unsigned i = 0; i < TLB_SIZE; i++)
    if (t->e[i].ppage == ppage) t->e[i].tag_write = TLB_INVALID;
}
