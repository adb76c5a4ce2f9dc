/* A read-only view of the guest's address translation for debuggers and
 * the monitor: the page tables are read without setting accessed or
 * dirty bits, without touching the TLB, and without reading device
 * memory (MMIO). */
#ifndef HOLO86_PAGEWALK_H
#define HOLO86_PAGEWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "mmu/physmem.h"

typedef struct PageInfo {
  uint32_t phys;   /* physical address of the byte */
  uint32_t base;   /* linear address where the mapping (or the hole) starts */
  uint32_t size;   /* size of that page or hole: 4 KiB, 2 MiB, 4 MiB (or more when unpaged) */
  bool writable;   /* R/W at every level */
  bool user;       /* U/S at every level */
} PageInfo;

/* Translate a linear address as the CPU would (paging off: identity).
 * False when it is not mapped; base and size then describe the hole. */
bool pagewalk(Cpu *c, uint32_t lin, PageInfo *out);
/* Copy n bytes of physical memory without side effects: RAM and ROM are
 * read, open bus reads as all ones; false (nothing read past that point)
 * at device memory. */
bool phys_peek(PhysMem *pm, uint32_t addr, void *buf, size_t n);

#endif
