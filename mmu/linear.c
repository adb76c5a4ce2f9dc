/* Linear-address slow path: translation, TLB fill, page-crossing and
 * non-RAM accesses. Paging is off in this version of the MMU, so a linear
 * address is physical after the A20 gate. */
#include "mmu/linear.h"

#include "mmu/physmem.h"

static uint32_t translate(Cpu *c, uint32_t lin) {
  return c->a20 ? lin : lin & ~(1u << 20);
}

/* Fill the TLB entry for lin's page; returns the physical address. */
static uint32_t fill(Cpu *c, uint32_t lin) {
  PhysMem *pm = c->mem;
  uint32_t phys = translate(c, lin);
  uint32_t ppage = phys >> PAGE_SHIFT;
  TlbEntry *e = &c->tlb->e[(lin >> 12) & (TLB_SIZE - 1)];
  uint8_t *host = pm->host[ppage];
  e->ppage = ppage;
  e->tag_read = e->tag_write = TLB_INVALID;
  if (host) {
    e->addend = (uintptr_t)host - (lin & ~0xFFFu);
    e->tag_read = lin & ~0xFFFu;
    if (!(pm->pflags[ppage] & (PG_ROM | PG_CODE))) e->tag_write = lin & ~0xFFFu;
  }
  return phys;
}

static bool crosses_page(uint32_t lin, int size) {
  return (lin & 0xFFF) > 0x1000u - (uint32_t)size;
}

uint32_t lin_read_slow(Cpu *c, uint32_t lin, int size) {
  if (!crosses_page(lin, size)) return phys_read(c->mem, fill(c, lin), size);
  uint32_t v = 0;
  for (int i = size - 1; i >= 0; i--)
    v = (v << 8) | phys_read(c->mem, fill(c, lin + (uint32_t)i), 1);
  return v;
}

void lin_write_slow(Cpu *c, uint32_t lin, int size, uint32_t v) {
  if (!crosses_page(lin, size)) {
    phys_write(c->mem, fill(c, lin), size, v);
    return;
  }
  /* Translate both pages before writing either, so a fault on the second
   * page leaves memory untouched. */
  uint32_t first = fill(c, lin);
  uint32_t second = fill(c, lin + (uint32_t)size - 1);
  for (int i = 0; i < size; i++) {
    uint32_t a = lin + (uint32_t)i;
    uint32_t phys = ((a ^ lin) & ~0xFFFu) ? (second & ~0xFFFu) | (a & 0xFFF) : first + (uint32_t)i;
    phys_write(c->mem, phys, 1, (v >> (8 * i)) & 0xFF);
  }
}

uint32_t lin_fetch_phys(Cpu *c, uint32_t lin) { return fill(c, lin); }
