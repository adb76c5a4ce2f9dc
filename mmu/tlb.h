/* The soft TLB: a direct-mapped cache from linear page to host memory.
 * A hit costs one compare and one load; everything else (a miss, ROM,
 * MMIO, pages holding cached code, accesses that cross a page) takes the
 * slow path in linear.c, which also fills the entry. */
#ifndef HOLO86_TLB_H
#define HOLO86_TLB_H

#include <stdint.h>

#define TLB_BITS 8
#define TLB_SIZE (1u << TLB_BITS)
/* A tag that no page-aligned linear address equals. */
#define TLB_INVALID 1u
/* tag_write = linear page | TLB_WPROT: the page is writable, but a
 * watcher (PhysMem.write_watch) must see it before the fast path may
 * write it; like TLB_INVALID, no page-aligned address equals it. */
#define TLB_WPROT 2u

typedef struct TlbEntry {
  /* 32 bytes an entry, so that indexing is a shift (here and in the JIT) */
  _Alignas(32) uint32_t tag_read; /* linear page address if readable via host, else invalid */
  uint32_t tag_write; /* linear page address if writable via host, else invalid */
  uint32_t ppage;     /* physical page number the entry maps to */
  uint32_t global;    /* a global page (CR4.PGE): survives CR3 writes */
  uintptr_t addend;   /* host address = addend + linear address */
} TlbEntry;

/* What entries held before their first change since the journal was
 * attached: lockstep checking (jit/lockstep.c) re-runs a block from the
 * state before it, the TLB included, since a hit or a miss decides whether
 * a page walk sets accessed/dirty bits in guest memory. */
typedef struct TlbUndo {
  uint64_t saved[TLB_SIZE / 64]; /* bit i: old[i] holds entry i's old contents */
  TlbEntry old[TLB_SIZE];
} TlbUndo;

typedef struct Tlb {
  TlbEntry e[TLB_SIZE];
  TlbUndo *undo; /* NULL unless lockstep is recording */
} Tlb;

/* Every writer of an entry calls tlb_will_change() first: while a journal
 * is attached, the entry's contents go there the first time. */
void tlb_undo_save(Tlb *t, unsigned i);
static inline void tlb_will_change(Tlb *t, unsigned i) {
  if (t->undo) tlb_undo_save(t, i);
}
/* Put back every entry t->undo saved, and empty it. */
void tlb_undo_restore(Tlb *t);

void tlb_flush(Tlb *t);
/* Drop every entry but global ones (a CR3 write). */
void tlb_flush_nonglobal(Tlb *t);
/* Drop the entry for one linear page (INVLPG). */
void tlb_flush_page(Tlb *t, uint32_t lin);
/* Drop the write permission of entries mapping physical page ppage. */
void tlb_protect_page(Tlb *t, uint32_t ppage);

#endif
