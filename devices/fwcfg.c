/* QEMU fw_cfg, I/O port interface; see fwcfg.h. Written from the public
 * description of the interface (selector/data ports, the item keys and
 * the file directory layout). */
#include "devices/fwcfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FwCfgItem *find_key(FwCfg *f, uint16_t key) {
  for (int i = 0; i < f->count; i++)
    if (f->items[i].key == key) return &f->items[i];
  return NULL;
}

static FwCfgItem *find_name(FwCfg *f, const char *name) {
  for (int i = 0; i < f->count; i++)
    if (f->items[i].name[0] && strcmp(f->items[i].name, name) == 0) return &f->items[i];
  return NULL;
}

/* current = the index of the item the selector names, or -1. */
static void find_current(FwCfg *f) {
  f->current = -1;
  for (int i = 0; i < f->count; i++)
    if (f->items[i].key == f->selector) f->current = i;
}

static int set_item(FwCfg *f, uint16_t key, const char *name, const void *data, uint32_t len) {
  FwCfgItem *it = find_key(f, key);
  if (!it) {
    if (f->count == FWCFG_MAX_ITEMS) return -1;
    it = &f->items[f->count++];
    memset(it, 0, sizeof *it);
    it->key = key;
  }
  uint8_t *copy = malloc(len ? len : 1);
  if (!copy) {
    fprintf(stderr, "holo86: out of memory\n");
    exit(1);
  }
  if (len) memcpy(copy, data, len);
  free(it->data);
  it->data = copy;
  it->len = len;
  if (name) snprintf(it->name, sizeof it->name, "%s", name);
  find_current(f); /* the selected item may have moved or changed */
  return 0;
}

int fwcfg_add_bytes(FwCfg *f, uint16_t key, const void *data, uint32_t len) {
  return set_item(f, key, NULL, data, len);
}

int fwcfg_add_u16(FwCfg *f, uint16_t key, uint16_t value) {
  uint8_t b[2] = {(uint8_t)value, (uint8_t)(value >> 8)};
  return set_item(f, key, NULL, b, 2);
}

int fwcfg_add_u32(FwCfg *f, uint16_t key, uint32_t value) {
  uint8_t b[4];
  for (int i = 0; i < 4; i++) b[i] = (uint8_t)(value >> (8 * i));
  return set_item(f, key, NULL, b, 4);
}

int fwcfg_add_u64(FwCfg *f, uint16_t key, uint64_t value) {
  uint8_t b[8];
  for (int i = 0; i < 8; i++) b[i] = (uint8_t)(value >> (8 * i));
  return set_item(f, key, NULL, b, 8);
}

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* Regenerate the file directory (key 0x19) from the named items. */
static void rebuild_dir(FwCfg *f) {
  uint32_t n = 0;
  for (int i = 0; i < f->count; i++)
    if (f->items[i].name[0]) n++;
  uint32_t len = 4 + n * 64;
  uint8_t *dir = calloc(1, len);
  if (!dir) {
    fprintf(stderr, "holo86: out of memory\n");
    exit(1);
  }
  put_be32(dir, n);
  uint8_t *p = dir + 4;
  for (int i = 0; i < f->count; i++) {
    const FwCfgItem *it = &f->items[i];
    if (!it->name[0]) continue;
    put_be32(p, it->len);
    p[4] = (uint8_t)(it->key >> 8);
    p[5] = (uint8_t)it->key;
    memcpy(p + 8, it->name, strlen(it->name));
    p += 64;
  }
  set_item(f, FW_CFG_FILE_DIR, NULL, dir, len);
  free(dir);
}

int fwcfg_add_file(FwCfg *f, const char *name, const void *data, uint32_t len) {
  if (!name[0] || strlen(name) >= FWCFG_NAME_LEN) return -1;
  FwCfgItem *it = find_name(f, name);
  uint16_t key = it ? it->key : f->next_file_key;
  if (set_item(f, key, name, data, len) < 0) return -1;
  if (!it) f->next_file_key++;
  rebuild_dir(f);
  return key;
}

size_t fwcfg_build_e820(uint8_t *buf, size_t cap, uint64_t below_4g, uint64_t above_4g) {
  struct E820 { uint64_t addr, len; uint32_t type; } e[2];
  int n = 0;
  if (below_4g) e[n++] = (struct E820){0, below_4g, E820_RAM};
  if (above_4g) e[n++] = (struct E820){0x100000000ull, above_4g, E820_RAM};
  size_t need = (size_t)n * FWCFG_E820_ENTRY_SIZE;
  if (cap < need) return 0;
  for (int i = 0; i < n; i++) {
    uint8_t *p = buf + i * FWCFG_E820_ENTRY_SIZE;
    for (int b = 0; b < 8; b++) {
      p[b] = (uint8_t)(e[i].addr >> (8 * b));
      p[8 + b] = (uint8_t)(e[i].len >> (8 * b));
    }
    for (int b = 0; b < 4; b++) p[16 + b] = (uint8_t)(e[i].type >> (8 * b));
  }
  return need;
}

void fwcfg_set_ram(FwCfg *f, uint64_t ram_size) {
  fwcfg_add_u64(f, FW_CFG_RAM_SIZE, ram_size);
  uint8_t table[2 * FWCFG_E820_ENTRY_SIZE];
  uint64_t below = ram_size < 0x100000000ull ? ram_size : 0x100000000ull;
  size_t n = fwcfg_build_e820(table, sizeof table, below, ram_size - below);
  fwcfg_add_file(f, "etc/e820", table, (uint32_t)n);
}

static void select_key(FwCfg *f, uint16_t key) {
  f->selector = key;
  f->offset = 0;
  find_current(f);
}

static uint32_t get_be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

enum { DMA_ERROR = 0x01, DMA_READ = 0x02, DMA_SKIP = 0x04, DMA_SELECT = 0x08, DMA_WRITE = 0x10 };

/* One DMA transfer described at guest physical address desc. */
static void dma_transfer(FwCfg *f, uint64_t desc) {
  if (desc > 0xFFFFFFF0u) return; /* beyond our 32-bit physical space */
  uint8_t d[16];
  phys_read_buf(f->mem, (uint32_t)desc, d, sizeof d);
  uint32_t control = get_be32(d), len = get_be32(d + 4);
  uint64_t addr = (uint64_t)get_be32(d + 8) << 32 | get_be32(d + 12);
  if (control & DMA_SELECT) select_key(f, (uint16_t)(control >> 16));
  uint32_t status = 0;
  if (control & DMA_WRITE) {
    status = DMA_ERROR;
  } else if (control & (DMA_READ | DMA_SKIP)) {
    const FwCfgItem *it = f->current >= 0 ? &f->items[f->current] : NULL;
    uint32_t avail = it && f->offset < it->len ? it->len - f->offset : 0;
    uint32_t n = len < avail ? len : avail;
    if (control & DMA_READ) {
      if (addr + len > 0x100000000ull) {
        status = DMA_ERROR;
        n = 0;
      } else {
        if (n) phys_write_buf(f->mem, (uint32_t)addr, it->data + f->offset, n);
        for (uint32_t i = n; i < len; i++) phys_write(f->mem, (uint32_t)addr + i, 1, 0);
      }
    }
    f->offset += n;
  }
  phys_write(f->mem, (uint32_t)desc, 4, status << 24); /* big endian */
}

static uint32_t fw_in(void *opaque, uint16_t port, int size) {
  FwCfg *f = opaque;
  if (port >= FWCFG_PORT_DMA) { /* "QEMU CFG", big endian, byte by byte */
    static const char sig[8] = "QEMU CFG";
    uint32_t v = 0;
    for (int i = 0; i < size && port - FWCFG_PORT_DMA + i < 8; i++)
      v |= (uint32_t)(uint8_t)sig[port - FWCFG_PORT_DMA + i] << (8 * i);
    return v;
  }
  if (port != FWCFG_PORT_DATA) return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
  /* A wider read returns successive bytes, lowest address first. */
  uint32_t v = 0;
  for (int i = 0; i < size; i++) {
    uint8_t b = 0;
    if (f->current >= 0) {
      const FwCfgItem *it = &f->items[f->current];
      if (f->offset < it->len) b = it->data[f->offset++];
    }
    v |= (uint32_t)b << (8 * i);
  }
  return v;
}

static void fw_out(void *opaque, uint16_t port, int size, uint32_t value) {
  FwCfg *f = opaque;
  /* The DMA address halves are big endian: the bytes of a 32-bit OUT, in
   * port order, are the most significant first. */
  uint32_t be = __builtin_bswap32(value);
  if (port == FWCFG_PORT_DMA && size == 4) f->dma_high = be;
  else if (port == FWCFG_PORT_DMA + 4 && size == 4) dma_transfer(f, (uint64_t)f->dma_high << 32 | be);
  else if (port == FWCFG_PORT_SEL) select_key(f, (uint16_t)value);
  /* data writes: no item is writable */
}

static const IoPortOps fw_ops = {fw_in, fw_out};

static void dev_reset(Device *d) {
  FwCfg *f = (FwCfg *)d;
  select_key(f, 0);
  f->dma_high = 0;
}

static void dev_save(Device *d, StateBuf *s) {
  FwCfg *f = (FwCfg *)d;
  state_put(s, &f->selector, sizeof f->selector);
  state_put(s, &f->offset, sizeof f->offset);
  state_put(s, &f->dma_high, sizeof f->dma_high);
}

static void dev_load(Device *d, StateBuf *s) {
  FwCfg *f = (FwCfg *)d;
  state_get(s, &f->selector, sizeof f->selector);
  uint32_t offset;
  state_get(s, &offset, sizeof offset);
  state_get(s, &f->dma_high, sizeof f->dma_high);
  select_key(f, f->selector);
  f->offset = offset;
}

void fwcfg_init(FwCfg *f, IoBus *io, PhysMem *mem) {
  memset(f, 0, sizeof *f);
  f->mem = mem;
  f->dev.name = "fw_cfg";
  f->dev.reset = dev_reset;
  f->dev.save = dev_save;
  f->dev.load = dev_load;
  f->next_file_key = FW_CFG_FILE_FIRST;
  f->current = -1;
  static const uint8_t uuid[16];
  fwcfg_add_bytes(f, FW_CFG_SIGNATURE, "QEMU", 4);
  uint8_t id[4] = {3, 0, 0, 0}; /* ports and DMA */
  fwcfg_add_bytes(f, FW_CFG_ID, id, 4);
  fwcfg_add_bytes(f, FW_CFG_UUID, uuid, 16);
  fwcfg_add_u64(f, FW_CFG_RAM_SIZE, 0);
  fwcfg_add_u16(f, FW_CFG_NOGRAPHIC, 0);
  fwcfg_add_u16(f, FW_CFG_NB_CPUS, 1);
  fwcfg_add_u16(f, FW_CFG_MAX_CPUS, 1);
  fwcfg_add_u16(f, FW_CFG_BOOT_MENU, 0);
  rebuild_dir(f);
  dev_reset(&f->dev);
  iobus_register(io, FWCFG_PORT_SEL, 2, &fw_ops, f, "fw_cfg");
  iobus_register(io, FWCFG_PORT_DMA, 8, &fw_ops, f, "fw_cfg");
}

void fwcfg_free(FwCfg *f) {
  for (int i = 0; i < f->count; i++) {
    free(f->items[i].data);
    f->items[i].data = NULL;
  }
  f->count = 0;
}
