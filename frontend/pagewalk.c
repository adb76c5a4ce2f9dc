/* Read-only page walks; see pagewalk.h. */
#include "frontend/pagewalk.h"

#include <string.h>

bool phys_peek(PhysMem *pm, uint32_t addr, void *buf, size_t n) {
  uint8_t *out = buf;
  while (n) {
    uint32_t page = addr >> PAGE_SHIFT, off = addr & (PAGE_SIZE - 1);
    size_t chunk = PAGE_SIZE - off < n ? PAGE_SIZE - off : n;
    if (pm->host[page]) memcpy(out, pm->host[page] + off, chunk);
    else if (pm->mmio_slot[page]) return false;
    else memset(out, 0xFF, chunk);
    out += chunk;
    n -= chunk;
    addr += (uint32_t)chunk;
  }
  return true;
}

static bool peek32(Cpu *c, uint32_t addr, uint32_t *v) {
  uint8_t b[4];
  if (!phys_peek(c->mem, addr, b, 4)) return false;
  *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
  return true;
}

static bool peek64(Cpu *c, uint32_t addr, uint64_t *v) {
  uint32_t lo, hi;
  if (!peek32(c, addr, &lo) || !peek32(c, addr + 4, &hi)) return false;
  *v = (uint64_t)hi << 32 | lo;
  return true;
}

static bool hole(PageInfo *out, uint32_t lin, uint32_t size) {
  out->base = lin & ~(size - 1);
  out->size = size;
  out->phys = 0;
  out->writable = out->user = false;
  return false;
}

static bool mapped(Cpu *c, PageInfo *out, uint32_t lin, uint32_t frame, uint32_t size, bool w, bool u) {
  out->base = lin & ~(size - 1);
  out->size = size;
  out->phys = (frame & ~(size - 1)) | (lin & (size - 1));
  if (!c->a20) out->phys &= ~(1u << 20);
  out->writable = w;
  out->user = u;
  return true;
}

bool pagewalk(Cpu *c, uint32_t lin, PageInfo *out) {
  if (!(c->cr[0] & 0x80000000u)) {
    mapped(c, out, lin, lin & ~0xFFFu, PAGE_SIZE, true, true);
    return true;
  }
  bool pse = c->cr[4] & (1u << 4);
  if (c->cr[4] & (1u << 5)) { /* PAE */
    uint64_t pdpte = c->pdpte[lin >> 30], pde, pte;
    if (!(pdpte & 1)) return hole(out, lin, 1u << 30);
    if (!peek64(c, ((uint32_t)pdpte & ~0xFFFu) + ((lin >> 21) & 0x1FF) * 8, &pde) || !(pde & 1))
      return hole(out, lin, 2u << 20);
    if (pde & 0x80)
      return mapped(c, out, lin, (uint32_t)pde & 0xFFE00000u, 2u << 20, pde & 2, pde & 4);
    if (!peek64(c, ((uint32_t)pde & ~0xFFFu) + ((lin >> 12) & 0x1FF) * 8, &pte) || !(pte & 1))
      return hole(out, lin, PAGE_SIZE);
    return mapped(c, out, lin, (uint32_t)pte & ~0xFFFu, PAGE_SIZE, pde & pte & 2, pde & pte & 4);
  }
  uint32_t pde, pte;
  if (!peek32(c, (c->cr[3] & ~0xFFFu) + (lin >> 22) * 4, &pde) || !(pde & 1))
    return hole(out, lin, 4u << 20);
  if ((pde & 0x80) && pse) return mapped(c, out, lin, pde & 0xFFC00000u, 4u << 20, pde & 2, pde & 4);
  if (!peek32(c, (pde & ~0xFFFu) + ((lin >> 12) & 0x3FF) * 4, &pte) || !(pte & 1))
    return hole(out, lin, PAGE_SIZE);
  return mapped(c, out, lin, pte & ~0xFFFu, PAGE_SIZE, pde & pte & 2, pde & pte & 4);
}
