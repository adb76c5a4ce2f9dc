/* QEMU fw_cfg through ports 0x510/0x511, as firmware reads it: select a
 * key with a 16-bit write, read bytes one at a time. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "devices/fwcfg.h"
#include "devices/iobus.h"
#include "mmu/physmem.h"

static IoBus *fct_io;
static PhysMem *fct_mem;
static FwCfg fct_f;

static void fct_setup(void) {
  fct_io = iobus_new();
  fct_mem = phys_new(1u << 20);
  fwcfg_init(&fct_f, fct_io, fct_mem);
}

static void fct_teardown(void) {
  fwcfg_free(&fct_f);
  iobus_free(fct_io);
  phys_free(fct_mem);
}

static void fct_read(uint16_t key, void *buf, size_t n) {
  io_out(fct_io, 0x510, 2, key);
  uint8_t *b = buf;
  for (size_t i = 0; i < n; i++) b[i] = (uint8_t)io_in(fct_io, 0x511, 1);
}

static uint32_t fct_be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t fct_le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

/* Look a file up in the directory as firmware does: its select key and
 * size, or -1. */
static int fct_find(const char *name, uint32_t *size) {
  uint8_t hdr[4];
  fct_read(FW_CFG_FILE_DIR, hdr, 4);
  uint32_t n = fct_be32(hdr);
  for (uint32_t i = 0; i < n; i++) {
    uint8_t e[64];
    for (int j = 0; j < 64; j++) e[j] = (uint8_t)io_in(fct_io, 0x511, 1);
    if (strncmp((const char *)e + 8, name, 56) == 0) {
      *size = fct_be32(e);
      return e[4] << 8 | e[5];
    }
  }
  return -1;
}

TestSuite(fwcfg, .init = fct_setup, .fini = fct_teardown);

Test(fwcfg, signature_and_id) {
  char sig[5] = {0};
  fct_read(FW_CFG_SIGNATURE, sig, 4);
  cr_expect_str_eq(sig, "QEMU");
  uint8_t id[4];
  fct_read(FW_CFG_ID, id, 4);
  cr_expect_eq(id[0], 3, "traditional interface and DMA");
  cr_expect_eq(id[1] | id[2] | id[3], 0);
  uint8_t cpus[2];
  fct_read(FW_CFG_NB_CPUS, cpus, 2);
  cr_expect_eq(cpus[0] | cpus[1] << 8, 1);
}

Test(fwcfg, selecting_rewinds_and_past_the_end_reads_zero) {
  char a[4], b[4];
  fct_read(FW_CFG_SIGNATURE, a, 2);
  fct_read(FW_CFG_SIGNATURE, b, 4);
  cr_expect_eq(memcmp(b, "QEMU", 4), 0);
  cr_expect_eq(io_in(fct_io, 0x511, 1), 0);
  cr_expect_eq(io_in(fct_io, 0x511, 1), 0);
}

Test(fwcfg, unknown_keys_read_zero) {
  uint8_t buf[8];
  memset(buf, 0xAA, sizeof buf);
  fct_read(0x8000, buf, 8); /* legacy ACPI tables count: none */
  for (int i = 0; i < 8; i++) cr_expect_eq(buf[i], 0);
  fct_read(0x0123, buf, 2);
  cr_expect_eq(buf[0] | buf[1], 0);
}

Test(fwcfg, ram_size_and_e820) {
  fwcfg_set_ram(&fct_f, 128u << 20);
  uint8_t v[8];
  fct_read(FW_CFG_RAM_SIZE, v, 8);
  cr_expect_eq(fct_le64(v), 128u << 20);
  uint32_t size;
  int key = fct_find("etc/e820", &size);
  cr_assert(key >= FW_CFG_FILE_FIRST);
  cr_assert_eq(size, 20);
  uint8_t e[20];
  fct_read((uint16_t)key, e, 20);
  cr_expect_eq(fct_le64(e), 0);
  cr_expect_eq(fct_le64(e + 8), 128u << 20);
  cr_expect_eq(e[16] | e[17] << 8 | e[18] << 16 | e[19] << 24, E820_RAM);
}

Test(fwcfg, e820_builder_above_4g) {
  uint8_t t[40];
  cr_expect_eq(fwcfg_build_e820(t, sizeof t, 0xC0000000ull, 0x40000000ull), 40);
  cr_expect_eq(fct_le64(t + 20), 0x100000000ull);
  cr_expect_eq(fct_le64(t + 28), 0x40000000ull);
  cr_expect_eq(fwcfg_build_e820(t, 20, 0xC0000000ull, 0x40000000ull), 0, "too small");
}

Test(fwcfg, files_in_the_directory) {
  uint32_t wait = 60;
  uint8_t le[4] = {(uint8_t)wait, 0, 0, 0};
  int k1 = fwcfg_add_file(&fct_f, "etc/boot-fail-wait", le, 4);
  const char *order = "/pci@i0cf8/ide@1,1/drive@0/disk@0\n";
  int k2 = fwcfg_add_file(&fct_f, "bootorder", order, (uint32_t)strlen(order));
  cr_expect_eq(k1, FW_CFG_FILE_FIRST);
  cr_expect_eq(k2, FW_CFG_FILE_FIRST + 1);
  uint32_t size;
  cr_expect_eq(fct_find("bootorder", &size), k2);
  cr_expect_eq(size, strlen(order));
  char buf[64] = {0};
  fct_read((uint16_t)k2, buf, size);
  cr_expect_str_eq(buf, order);
  cr_expect_eq(fct_find("etc/boot-fail-wait", &size), k1);
  cr_expect_eq(size, 4);
  cr_expect_eq(fct_find("vgaroms/none", &size), -1);
}

Test(fwcfg, replacing_a_file_keeps_its_key) {
  int k = fwcfg_add_file(&fct_f, "genroms/x.bin", "ab", 2);
  cr_expect_eq(fwcfg_add_file(&fct_f, "genroms/x.bin", "xyz", 3), k);
  uint32_t size;
  cr_expect_eq(fct_find("genroms/x.bin", &size), k);
  cr_expect_eq(size, 3);
  uint8_t hdr[4];
  fct_read(FW_CFG_FILE_DIR, hdr, 4);
  cr_expect_eq(fct_be32(hdr), 1);
}

Test(fwcfg, long_names_are_refused) {
  char name[80];
  memset(name, 'a', sizeof name);
  name[56] = 0;
  cr_expect_eq(fwcfg_add_file(&fct_f, name, "x", 1), -1);
  name[55] = 0;
  cr_expect(fwcfg_add_file(&fct_f, name, "x", 1) >= FW_CFG_FILE_FIRST);
}

Test(fwcfg, selection_survives_save_load) {
  char c;
  fct_read(FW_CFG_SIGNATURE, &c, 1);
  StateBuf s = {0};
  fct_f.dev.save(&fct_f.dev, &s);
  io_out(fct_io, 0x510, 2, FW_CFG_ID);
  fct_f.dev.load(&fct_f.dev, &s);
  cr_expect_eq(io_in(fct_io, 0x511, 1), 'E');
  free(s.data);
}

/* Firmware's side of a DMA transfer: the descriptor at desc (big endian),
 * the address written high half first, low half last. Returns the
 * control word the device wrote back. */
static uint32_t fct_dma(uint32_t desc, uint32_t control, uint32_t len, uint32_t addr) {
  uint8_t d[16] = {0};
  uint32_t f[3] = {control, len, 0};
  for (int i = 0; i < 3; i++)
    for (int b = 0; b < 4; b++) d[4 * i + b] = (uint8_t)(f[i] >> (24 - 8 * b));
  for (int b = 0; b < 4; b++) d[12 + b] = (uint8_t)(addr >> (24 - 8 * b));
  phys_write_buf(fct_mem, desc, d, sizeof d);
  io_out(fct_io, 0x514, 4, 0);                          /* high half: 0 */
  io_out(fct_io, 0x518, 4, __builtin_bswap32(desc)); /* big endian */
  uint8_t r[4];
  phys_read_buf(fct_mem, desc, r, 4);
  return fct_be32(r);
}

Test(fwcfg, dma_signature) {
  char sig[9] = {0};
  for (int i = 0; i < 8; i++) sig[i] = (char)io_in(fct_io, (uint16_t)(0x514 + i), 1);
  cr_expect_str_eq(sig, "QEMU CFG");
}

Test(fwcfg, dma_select_read_skip_and_zero_fill) {
  int k = fwcfg_add_file(&fct_f, "etc/test", "0123456789", 10);
  uint8_t buf[16];
  memset(buf, 0xEE, sizeof buf);
  phys_write_buf(fct_mem, 0x2000, buf, sizeof buf);
  /* select + read 3 bytes, then skip 2, then read 8: 5 data bytes and 3 zeros */
  cr_expect_eq(fct_dma(0x1000, (uint32_t)k << 16 | 0x08 | 0x02, 3, 0x2000), 0);
  cr_expect_eq(fct_dma(0x1000, 0x04, 2, 0), 0);
  cr_expect_eq(fct_dma(0x1000, 0x02, 8, 0x2003), 0);
  phys_read_buf(fct_mem, 0x2000, buf, sizeof buf);
  cr_expect_eq(memcmp(buf, "01256789\0\0\0\xEE", 12), 0);
  /* what the data port reads next continues after the DMA transfers */
  io_out(fct_io, 0x510, 2, (uint32_t)k);
  cr_expect_eq(fct_dma(0x1000, 0x04, 9, 0), 0);
  cr_expect_eq(io_in(fct_io, 0x511, 1), '9');
}

Test(fwcfg, dma_write_and_out_of_range_report_an_error) {
  cr_expect_eq(fct_dma(0x1000, FW_CFG_SIGNATURE << 16 | 0x08 | 0x10, 4, 0x2000), 1);
  cr_expect_eq(fct_dma(0x1000, FW_CFG_SIGNATURE << 16 | 0x08 | 0x02, 0x10, 0xFFFFFFF8u), 1);
}
