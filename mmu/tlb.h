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

typedef struct TlbEntry {
  uint32_t tag_read;  /* linear page address if readable via host, else invalid */
  uint32_t tag_write; /* linear page address if writable via host, else invalid */
  uint32_t ppage;     /* physical page number the entry maps to */
  uint32_t global;    /* a global page (CR4.PGE): survives CR3 writes */
  uintptr_t addend;   /* host address = addend + linear address */
} TlbEntry;

typedef struct Tlb {
  TlbEntry e[TLB_SIZE];
} Tlb;

void tlb_flush(Tlb *t);
/* Drop every entry but global ones (a CR3 write). */
void tlb_flush_nonglobal(Tlb *t);
/* Drop the entry for one linear page (INVLPG). */
void tlb_flush_page(Tlb *t, uint32_t lin);
/* Drop the write permission of entries mapping physical page ppage. */
void tlb_protect_page(Tlb *t, uint32_t ppage);

#endif
