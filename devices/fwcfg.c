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
  /* The selected item may have moved or changed: select it afresh. */
  f->current = -1;
  for (int i = 0; i < f->count; i++)
    if (f->items[i].key == f->selector) f->current = i;
  return 0;
}

int fwcfg_add_bytes(FwCfg *f, uint16_t key, const void *data, uint32_t len) {
  return set_item(f, key, NULL, data, len);
}

int fwcfg_add_u16(FwCfg *f, uint16_t key, uint16_t value) {
  uint8_t b[2] = {(uint8_t)value, (uint8_t)(value >> 8)};
  return set_item(f, key, NULL, b, 2);
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

static uint32_t fw_in(void *opaque, uint16_t port, int size) {
  FwCfg *f = opaque;
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
  if (port != FWCFG_PORT_SEL) return; /* data writes: not supported */
  (void)size;
  f->selector = (uint16_t)value;
  f->offset = 0;
  f->current = -1;
  for (int i = 0; i < f->count; i++)
    if (f->items[i].key == f->selector) f->current = i;
}

static const IoPortOps fw_ops = {fw_in, fw_out};

static void dev_reset(Device *d) {
  FwCfg *f = (FwCfg *)d;
  f->selector = 0;
  f->offset = 0;
  f->current = -1;
  for (int i = 0; i < f->count; i++)
    if (f->items[i].key == 0) f->current = i;
}

static void dev_save(Device *d, StateBuf *s) {
  FwCfg *f = (FwCfg *)d;
  state_put(s, &f->selector, sizeof f->selector);
  state_put(s, &f->offset, sizeof f->offset);
}

static void dev_load(Device *d, StateBuf *s) {
  FwCfg *f = (FwCfg *)d;
  state_get(s, &f->selector, sizeof f->selector);
  state_get(s, &f->offset, sizeof f->offset);
  f->current = -1;
  for (int i = 0; i < f->count; i++)
    if (f->items[i].key == f->selector) f->current = i;
}

void fwcfg_init(FwCfg *f, IoBus *io) {
  memset(f, 0, sizeof *f);
  f->dev.name = "fw_cfg";
  f->dev.reset = dev_reset;
  f->dev.save = dev_save;
  f->dev.load = dev_load;
  f->next_file_key = FW_CFG_FILE_FIRST;
  f->current = -1;
  static const uint8_t uuid[16];
  fwcfg_add_bytes(f, FW_CFG_SIGNATURE, "QEMU", 4);
  uint8_t id[4] = {1, 0, 0, 0}; /* traditional interface only, no DMA */
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
}

void fwcfg_free(FwCfg *f) {
  for (int i = 0; i < f->count; i++) {
    free(f->items[i].data);
    f->items[i].data = NULL;
  }
  f->count = 0;
}
