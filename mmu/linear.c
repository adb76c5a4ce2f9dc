/* Linear-address slow path: translation (paging, then the A20 gate), TLB
 * fill, page-crossing and non-RAM accesses. */
#include "mmu/linear.h"

#include "mmu/paging.h"
#include "mmu/physmem.h"

/* The write tag of an entry for a writable RAM page: none for ROM or
 * cached code, whose writes need the slow path; TLB_WPROT until a watched
 * memory's watcher has seen the page (physmem.h), which a write access
 * asks it to do. */
static uint32_t write_tag(PhysMem *pm, uint32_t ppage, uint32_t page, int acc) {
  if (pm->pflags[ppage] & (PG_ROM | PG_CODE)) return TLB_INVALID;
  if (!pm->write_watch || (acc == ACC_WRITE && pm->write_watch(pm->watch_opaque, ppage)))
    return page;
  return page | TLB_WPROT;
}

/* Translate lin for an access and fill its TLB entry; returns the
 * physical address. A page fault sets CR2 and raises #PF. */
static uint32_t fill(Cpu *c, uint32_t lin, int acc) {
  PhysMem *pm = c->mem;
  c->tlb_fills++;
  PageWalk w = {.phys = lin, .writable = true};
  if ((c->cr[0] & CR0_PG) &&
      !paging_walk(c, lin, acc, c->cpl == 3 && !c->sys_access, &w)) {
    c->cr[2] = lin;
    cpu_fault(c, EXC_PF, (int)w.err);
  }
  uint32_t phys = c->a20 ? w.phys : w.phys & ~(1u << 20);
  uint32_t ppage = phys >> PAGE_SHIFT;
  unsigned i = (lin >> 12) & (TLB_SIZE - 1);
  TlbEntry *e = &c->tlb->e[i];
  uint8_t *host = pm->host[ppage];
  tlb_will_change(c->tlb, i);
  e->ppage = ppage;
  e->global = w.global;
  e->tag_read = e->tag_write = TLB_INVALID;
  if (host && !c->slow_mem) {
    e->addend = (uintptr_t)host - (lin & ~0xFFFu);
    e->tag_read = lin & ~0xFFFu;
    if (w.writable) e->tag_write = write_tag(pm, ppage, lin & ~0xFFFu, acc);
  }
  return phys;
}

static bool crosses_page(uint32_t lin, int size) {
  return (lin & 0xFFF) > 0x1000u - (uint32_t)size;
}

/* Alignment check, data breakpoints and a debugger's watchpoints, only
 * while c->slow_mem. */
static void check_access(Cpu *c, uint32_t lin, int size, bool write) {
  if ((c->cr[0] & CR0_AM) && (c->flags & F_AC) && c->cpl == 3 && !c->sys_access &&
      (lin & (uint32_t)(size - 1)))
    cpu_fault(c, EXC_AC, 0);
  for (int i = 0; i < 4; i++) {
    uint32_t rw = (c->dr[7] >> (16 + 4 * i)) & 3;
    if (!((c->dr[7] >> (2 * i)) & 3) || rw == 0 || rw == 2 || (rw == 1 && !write)) continue;
    uint32_t len = ((c->dr[7] >> (18 + 4 * i)) & 3) + 1;
    if (len == 3) len = 4; /* encoding 10b is 8 bytes on later CPUs; 4 here */
    uint32_t start = c->dr[i] & ~(len - 1);
    if (lin < start + len && start < lin + (uint32_t)size) c->db_hits |= 1u << i;
  }
  if (c->tracer && c->tracer->access) c->tracer->access(c->tracer->opaque, c, lin, size, write);
}

uint32_t lin_read_slow(Cpu *c, uint32_t lin, int size) {
  if (c->slow_mem) check_access(c, lin, size, false);
  if (!crosses_page(lin, size)) return phys_read(c->mem, fill(c, lin, ACC_READ), size);
  uint32_t v = 0;
  for (int i = 0; i < size; i++)
    v |= phys_read(c->mem, fill(c, lin + (uint32_t)i, ACC_READ), 1) << (8 * i);
  return v;
}

void lin_write_slow(Cpu *c, uint32_t lin, int size, uint32_t v) {
  if (c->slow_mem) check_access(c, lin, size, true);
  if (!crosses_page(lin, size)) {
    phys_write(c->mem, fill(c, lin, ACC_WRITE), size, v);
    return;
  }
  /* Translate both pages before writing either, so a fault on the second
   * page leaves memory untouched. */
  uint32_t first = fill(c, lin, ACC_WRITE);
  uint32_t second = fill(c, (lin + (uint32_t)size - 1) & ~0xFFFu, ACC_WRITE);
  for (int i = 0; i < size; i++) {
    uint32_t a = lin + (uint32_t)i;
    uint32_t phys = ((a ^ lin) & ~0xFFFu) ? (second & ~0xFFFu) | (a & 0xFFF) : first + (uint32_t)i;
    phys_write(c->mem, phys, 1, (v >> (8 * i)) & 0xFF);
  }
}

uint32_t lin_fetch_phys(Cpu *c, uint32_t lin) { return fill(c, lin, ACC_FETCH); }
