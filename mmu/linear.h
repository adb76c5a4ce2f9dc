/* Linear-address accesses by the CPU: the soft-TLB fast path inline, the
 * rest in linear.c. Sizes are 1, 2 or 4 bytes. */
#ifndef HOLO86_LINEAR_H
#define HOLO86_LINEAR_H

#include <stddef.h>

#include "cpu/cpu.h"
#include "mmu/endian.h"

uint32_t lin_read_slow(Cpu *c, uint32_t lin, int size);
void lin_write_slow(Cpu *c, uint32_t lin, int size, uint32_t v);
/* Translate for an instruction fetch; returns the physical address. */
uint32_t lin_fetch_phys(Cpu *c, uint32_t lin);

/* The host address of an access of size bytes at lin when the TLB maps
 * it to host memory for reading (or writing, if write) and it stays in one
 * page; else NULL, and the access must take the slow path. The tag is
 * compared with the page of the access's last byte: an entry only ever
 * holds a page of its own index, so a match also means that the access
 * does not run into the next page. */
static inline uint8_t *lin_host(Cpu *c, uint32_t lin, int size, bool write) {
  const TlbEntry *e = &c->tlb->e[(lin >> 12) & (TLB_SIZE - 1)];
  uint32_t last_page = (lin + (uint32_t)size - 1) & ~0xFFFu;
  if ((write ? e->tag_write : e->tag_read) != last_page) return NULL;
  return (uint8_t *)(e->addend + lin);
}

/* A little-endian value of size bytes at a host address lin_host gave. */
static inline uint32_t host_read(const uint8_t *p, int size) {
  return size == 1 ? *p : size == 2 ? ld16(p) : ld32(p);
}

static inline void host_write(uint8_t *p, int size, uint32_t v) {
  if (size == 1) *p = (uint8_t)v;
  else if (size == 2) st16(p, (uint16_t)v);
  else st32(p, v);
}

static inline uint32_t lin_read(Cpu *c, uint32_t lin, int size) {
  const uint8_t *p = lin_host(c, lin, size, false);
  return p ? host_read(p, size) : lin_read_slow(c, lin, size);
}

static inline void lin_write(Cpu *c, uint32_t lin, int size, uint32_t v) {
  uint8_t *p = lin_host(c, lin, size, true);
  if (p) host_write(p, size, v);
  else lin_write_slow(c, lin, size, v);
}

#endif
