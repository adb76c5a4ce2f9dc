/* Paging: the page-table walk for 32-bit (4 KiB and PSE 4 MiB pages) and
 * PAE (4 KiB and 2 MiB pages) paging, with the permission checks,
 * accessed/dirty bit updates and #PF error codes of the hardware, and the
 * TLB flush rules of CR3, CR4 and INVLPG. */
#ifndef HOLO86_PAGING_H
#define HOLO86_PAGING_H

#include "cpu/cpu.h"

enum { ACC_READ, ACC_WRITE, ACC_FETCH };

/* #PF error code bits. */
enum { PF_P = 1, PF_W = 2, PF_U = 4, PF_RSVD = 8, PF_I = 16 };

typedef struct PageWalk {
  uint32_t phys;   /* physical address of the byte */
  bool writable;   /* a write may use the entry without another walk */
  bool global;
  uint32_t err;    /* #PF error code when the walk fails */
} PageWalk;

/* Translate lin for an access; false (with w->err) on a page fault. */
bool paging_walk(Cpu *c, uint32_t lin, int acc, bool user, PageWalk *w);
/* A debugger's translation of a linear address to a physical one (paging
 * if enabled, then the A20 gate), with no side effect: no accessed/dirty
 * bits, no fault, no TLB fill. False when the page is not mapped (or its
 * entries have reserved bits set), or when write is true and a supervisor
 * write would fault there (read-only page with CR0.WP). */
bool paging_probe(Cpu *c, uint32_t lin, bool write, uint32_t *phys);
void paging_write_cr3(Cpu *c, uint32_t v);
void paging_write_cr4(Cpu *c, uint32_t v);
void paging_invalidate(Cpu *c, uint32_t lin);
/* Load the PAE page-directory pointers from the table at cr3 (#GP on
 * reserved bits, before anything changes). */
void paging_load_pdptes(Cpu *c, uint32_t cr3);
/* Flush both TLBs entirely. */
void paging_flush_all(Cpu *c);

#endif
