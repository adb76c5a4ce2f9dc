/* Physical memory: the guest's 32-bit physical address space, cut into
 * 4 KiB pages that are RAM, ROM, MMIO or nothing (open bus). Every other
 * part of holo86 reaches guest memory through here or through a host
 * pointer this file handed out, so guest accesses can never leave the
 * buffers registered below. */
#ifndef HOLO86_PHYSMEM_H
#define HOLO86_PHYSMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1u << PAGE_SHIFT)
#define PHYS_PAGES (1u << (32 - PAGE_SHIFT))

/* Memory-mapped device registers. size is 1, 2 or 4. */
typedef struct MmioOps {
  uint32_t (*read)(void *opaque, uint32_t addr, int size);
  void (*write)(void *opaque, uint32_t addr, int size, uint32_t value);
  const char *name; /* the device, for --trace-io */
} MmioOps;

/* An observer of every MMIO access (--trace-io): the device, the physical
 * address, size, value and direction. */
typedef void (*MmioTraceFn)(void *opaque, const char *dev, uint32_t addr, int size,
                            uint32_t value, bool write);

enum {
  PG_ROM = 1,  /* host-backed but writes are dropped */
  PG_CODE = 2, /* decoded or translated code lives here: writes notify */
};

typedef struct PhysMem {
  uint8_t *ram;
  uint32_t ram_size;
  uint8_t **host;      /* per page: host address of its first byte, or NULL */
  uint8_t *pflags;     /* per page: PG_* */
  uint16_t *mmio_slot; /* per page: index into mmio[] when host is NULL */
  struct { const MmioOps *ops; void *opaque; } mmio[64];
  int mmio_count;
  /* Called before every write to RAM of a PG_CODE page, with the physical
   * range [addr, addr + size), which lies in that page: whoever cached code
   * from the page drops what the write overlaps, and clears PG_CODE once
   * the page holds no cached code. */
  void (*code_written)(void *opaque, uint32_t addr, uint32_t size);
  void *code_opaque;
  /* Lockstep checking (jit/lockstep.c) re-runs blocks, so it must see each
   * page they write before it changes, and never re-run what reached a
   * device. While write_watch is set it is called before a write changes a
   * RAM page, and before a TLB entry would map a page writable for a write
   * access: the entry may do so only if it returns true (the watcher has
   * saved the page, so later stores through the TLB need not reach it).
   * mmio_accesses counts device-memory accesses. */
  bool (*write_watch)(void *opaque, uint32_t page);
  void *watch_opaque;
  uint64_t mmio_accesses;
  MmioTraceFn trace; /* NULL unless tracing */
  void *trace_opaque;
} PhysMem;

PhysMem *phys_new(uint32_t ram_size);
void phys_free(PhysMem *pm);
/* Map host memory (which must outlive pm) at a page-aligned address. */
void phys_map_host(PhysMem *pm, uint32_t addr, uint32_t size, uint8_t *host,
                   bool rom);
void phys_map_mmio(PhysMem *pm, uint32_t addr, uint32_t size,
                   const MmioOps *ops, void *opaque);
/* Make [addr, addr + size) open bus again (a PCI BAR moved away). Whoever
 * caches translations (the CPU's TLB) must be flushed by the caller. */
void phys_unmap(PhysMem *pm, uint32_t addr, uint32_t size);

/* Accesses of 1, 2 or 4 bytes at any alignment, crossing pages as needed.
 * Unmapped reads return all ones (open bus); unmapped writes vanish. */
uint32_t phys_read(PhysMem *pm, uint32_t addr, int size);
void phys_write(PhysMem *pm, uint32_t addr, int size, uint32_t value);
void phys_read_buf(PhysMem *pm, uint32_t addr, void *buf, size_t n);
void phys_write_buf(PhysMem *pm, uint32_t addr, const void *buf, size_t n);

/* Mark a page as holding cached code (see PG_CODE). */
void phys_mark_code(PhysMem *pm, uint32_t page);

#endif
