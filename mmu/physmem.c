/* Physical memory map; see physmem.h. */
#include "mmu/physmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n, size);
  if (!p) {
    fprintf(stderr, "holo86: out of memory\n");
    exit(1);
  }
  return p;
}

PhysMem *phys_new(uint32_t ram_size) {
  PhysMem *pm = xcalloc(1, sizeof *pm);
  pm->host = xcalloc(PHYS_PAGES, sizeof *pm->host);
  pm->pflags = xcalloc(PHYS_PAGES, 1);
  pm->mmio_slot = xcalloc(PHYS_PAGES, sizeof *pm->mmio_slot);
  pm->ram_size = ram_size & ~(PAGE_SIZE - 1);
  pm->ram = xcalloc(pm->ram_size ? pm->ram_size : 1, 1);
  phys_map_host(pm, 0, pm->ram_size, pm->ram, false);
  return pm;
}

void phys_free(PhysMem *pm) {
  if (!pm) return;
  free(pm->ram);
  free(pm->host);
  free(pm->pflags);
  free(pm->mmio_slot);
  free(pm);
}

void phys_map_host(PhysMem *pm, uint32_t addr, uint32_t size, uint8_t *host,
                   bool rom) {
  for (uint32_t off = 0; off < size; off += PAGE_SIZE) {
    uint32_t page = (addr + off) >> PAGE_SHIFT;
    pm->host[page] = host + off;
    pm->pflags[page] = rom ? PG_ROM : 0;
  }
}

void phys_map_mmio(PhysMem *pm, uint32_t addr, uint32_t size,
                   const MmioOps *ops, void *opaque) {
  int slot = -1;
  for (int i = 0; i < pm->mmio_count; i++)
    if (pm->mmio[i].ops == ops && pm->mmio[i].opaque == opaque) slot = i;
  if (slot < 0) {
    if (pm->mmio_count == (int)(sizeof pm->mmio / sizeof pm->mmio[0])) {
      fprintf(stderr, "holo86: too many MMIO regions\n");
      exit(1);
    }
    slot = pm->mmio_count++;
    pm->mmio[slot].ops = ops;
    pm->mmio[slot].opaque = opaque;
  }
  for (uint32_t off = 0; off < size; off += PAGE_SIZE) {
    uint32_t page = (addr + off) >> PAGE_SHIFT;
    pm->host[page] = NULL;
    pm->pflags[page] = 0;
    pm->mmio_slot[page] = (uint16_t)(slot + 1);
  }
}

void phys_unmap(PhysMem *pm, uint32_t addr, uint32_t size) {
  for (uint32_t off = 0; off < size; off += PAGE_SIZE) {
    uint32_t page = (addr + off) >> PAGE_SHIFT;
    pm->host[page] = NULL;
    pm->pflags[page] = 0;
    pm->mmio_slot[page] = 0;
  }
}

void phys_mark_code(PhysMem *pm, uint32_t page) {
  pm->pflags[page] |= PG_CODE;
}

/* Every device access goes through these two, where --trace-io sees it. */
static uint32_t mmio_read(PhysMem *pm, uint32_t page, uint32_t addr, int size) {
  int s = pm->mmio_slot[page] - 1;
  pm->mmio_accesses++;
  uint32_t v = pm->mmio[s].ops->read(pm->mmio[s].opaque, addr, size);
  if (pm->trace) pm->trace(pm->trace_opaque, pm->mmio[s].ops->name, addr, size, v, false);
  return v;
}

static void mmio_write(PhysMem *pm, uint32_t page, uint32_t addr, int size, uint32_t v) {
  int s = pm->mmio_slot[page] - 1;
  pm->mmio_accesses++;
  if (pm->trace) pm->trace(pm->trace_opaque, pm->mmio[s].ops->name, addr, size, v, true);
  pm->mmio[s].ops->write(pm->mmio[s].opaque, addr, size, v);
}

static uint8_t read_byte(PhysMem *pm, uint32_t addr) {
  uint32_t page = addr >> PAGE_SHIFT;
  if (pm->host[page]) return pm->host[page][addr & (PAGE_SIZE - 1)];
  if (pm->mmio_slot[page]) return (uint8_t)mmio_read(pm, page, addr, 1);
  return 0xFF;
}

/* n bytes into one page of host memory: the code cache hears of the
 * whole range (not byte by byte) before it changes. */
static void write_host(PhysMem *pm, uint32_t addr, const uint8_t *b, uint32_t n) {
  uint32_t page = addr >> PAGE_SHIFT;
  uint8_t f = pm->pflags[page];
  if (f & PG_ROM) return;
  if (pm->write_watch) pm->write_watch(pm->watch_opaque, page);
  if ((f & PG_CODE) && pm->code_written) pm->code_written(pm->code_opaque, addr, n);
  memcpy(pm->host[page] + (addr & (PAGE_SIZE - 1)), b, n);
}

static void write_byte(PhysMem *pm, uint32_t addr, uint8_t v) {
  uint32_t page = addr >> PAGE_SHIFT;
  if (pm->host[page]) write_host(pm, addr, &v, 1);
  else if (pm->mmio_slot[page]) mmio_write(pm, page, addr, 1, v);
}

/* Whole-size access inside one page goes to the device as one access;
 * anything else is split into bytes, as a bus would split it. */
uint32_t phys_read(PhysMem *pm, uint32_t addr, int size) {
  uint32_t page = addr >> PAGE_SHIFT;
  if ((addr & (PAGE_SIZE - 1)) + (uint32_t)size <= PAGE_SIZE) {
    if (pm->host[page]) {
      const uint8_t *p = pm->host[page] + (addr & (PAGE_SIZE - 1));
      uint32_t v = 0;
      for (int i = size - 1; i >= 0; i--) v = (v << 8) | p[i];
      return v;
    }
    if (pm->mmio_slot[page]) return mmio_read(pm, page, addr, size);
    return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
  }
  uint32_t v = 0;
  for (int i = size - 1; i >= 0; i--) v = (v << 8) | read_byte(pm, addr + i);
  return v;
}

void phys_write(PhysMem *pm, uint32_t addr, int size, uint32_t value) {
  uint32_t page = addr >> PAGE_SHIFT;
  if ((addr & (PAGE_SIZE - 1)) + (uint32_t)size <= PAGE_SIZE) {
    if (pm->host[page]) {
      uint8_t b[4];
      for (int i = 0; i < size; i++) b[i] = (uint8_t)(value >> (8 * i));
      write_host(pm, addr, b, (uint32_t)size);
    } else if (pm->mmio_slot[page]) {
      mmio_write(pm, page, addr, size, value);
    }
    return;
  }
  for (int i = 0; i < size; i++) write_byte(pm, addr + i, (uint8_t)(value >> (8 * i)));
}

/* Page by page, with memcpy where RAM backs it: the block cache reads up
 * to a page of code per block it decodes, not worth a call per byte. */
void phys_read_buf(PhysMem *pm, uint32_t addr, void *buf, size_t n) {
  uint8_t *b = buf;
  while (n) {
    uint32_t page = addr >> PAGE_SHIFT;
    uint32_t chunk = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
    if (chunk > n) chunk = (uint32_t)n;
    if (pm->host[page]) memcpy(b, pm->host[page] + (addr & (PAGE_SIZE - 1)), chunk);
    else
      for (uint32_t i = 0; i < chunk; i++) b[i] = read_byte(pm, addr + i);
    addr += chunk;
    b += chunk;
    n -= chunk;
  }
}

/* Page by page, so that a DMA transfer over code reaches the code cache
 * as one range per page. */
void phys_write_buf(PhysMem *pm, uint32_t addr, const void *buf, size_t n) {
  const uint8_t *b = buf;
  while (n) {
    uint32_t page = addr >> PAGE_SHIFT;
    uint32_t chunk = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
    if (chunk > n) chunk = (uint32_t)n;
    if (pm->host[page]) write_host(pm, addr, b, chunk);
    else
      for (uint32_t i = 0; i < chunk; i++) write_byte(pm, addr + i, b[i]);
    addr += chunk;
    b += chunk;
    n -= chunk;
  }
}
