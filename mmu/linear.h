/* Linear-address accesses by the CPU: the soft-TLB fast path inline, the
 * rest in linear.c. Sizes are 1, 2 or 4 bytes. */
#ifndef HOLO86_LINEAR_H
#define HOLO86_LINEAR_H

#include "cpu/cpu.h"
#include "mmu/endian.h"

uint32_t lin_read_slow(Cpu *c, uint32_t lin, int size);
void lin_write_slow(Cpu *c, uint32_t lin, int size, uint32_t v);
/* Translate for an instruction fetch; returns the physical address. */
uint32_t lin_fetch_phys(Cpu *c, uint32_t lin);

static inline uint32_t lin_read(Cpu *c, uint32_t lin, int size) {
  TlbEntry *e = &c->tlb->e[(lin >> 12) & (TLB_SIZE - 1)];
  if (e->tag_read == (lin & ~0xFFFu) && (lin & 0xFFF) <= 0x1000u - (uint32_t)size) {
    const uint8_t *p = (const uint8_t *)(e->addend + lin);
    return size == 1 ? *p : size == 2 ? ld16(p) : ld32(p);
  }
  return lin_read_slow(c, lin, size);
}

static inline void lin_write(Cpu *c, uint32_t lin, int size, uint32_t v) {
  TlbEntry *e = &c->tlb->e[(lin >> 12) & (TLB_SIZE - 1)];
  if (e->tag_write == (lin & ~0xFFFu) && (lin & 0xFFF) <= 0x1000u - (uint32_t)size) {
    uint8_t *p = (uint8_t *)(e->addend + lin);
    if (size == 1) *p = (uint8_t)v;
    else if (size == 2) st16(p, (uint16_t)v);
    else st32(p, v);
    return;
  }
  lin_write_slow(c, lin, size, v);
}

#endif
