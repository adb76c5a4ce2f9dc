/* PIIX3 IDE: ATA PIO against a generated disk image and ATAPI against a
 * generated ISO, all through the legacy ports. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/ide.h"
#include "devices/iobus.h"

static IoBus *idet_bus;
static Ide *idet;
static DiskImage *idet_hd, *idet_cd;
static char idet_hd_path[64], idet_cd_path[64];
static int idet_level[16], idet_rises[16];

#define IDET_HD_SECTORS 8192 /* 4 MiB: 16 heads, 63 sectors, 8 cylinders */
#define IDET_CD_SECTORS 40

static uint8_t idet_hd_byte(uint32_t lba, uint32_t i) { return (uint8_t)(lba * 5 + i + (lba >> 8) * 11); }

static void idet_irq(void *opaque, int irq, int level) {
  (void)opaque;
  cr_assert(irq == 14 || irq == 15);
  if (level && !idet_level[irq]) idet_rises[irq]++;
  idet_level[irq] = level;
}

static DiskImage *idet_file(char *path, size_t size, bool cd) {
  strcpy(path, "/tmp/holo86-ide-XXXXXX");
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  uint8_t *b = calloc(1, size);
  if (!cd) {
    for (size_t i = 0; i < size; i++) b[i] = idet_hd_byte((uint32_t)(i / 512), (uint32_t)(i % 512));
  } else {
    for (size_t s = 0; s < size / 2048; s++) {
      b[s * 2048 + 100] = (uint8_t)s;
      b[s * 2048 + 2047] = 0x5A;
    }
    memcpy(b + 16 * 2048, "\x01" "CD001\x01", 7); /* primary volume descriptor */
  }
  cr_assert_eq(write(fd, b, size), (ssize_t)size);
  free(b);
  close(fd);
  char err[256];
  DiskImage *img = disk_image_open(path, cd, err, sizeof err);
  cr_assert_not_null(img, "%s", err);
  return img;
}

static void idet_setup(void) {
  memset(idet_level, 0, sizeof idet_level);
  memset(idet_rises, 0, sizeof idet_rises);
  idet_bus = iobus_new();
  idet = malloc(sizeof *idet);
  ide_init(idet, idet_bus);
  idet->set_irq = idet_irq;
  idet_hd = idet_file(idet_hd_path, IDET_HD_SECTORS * 512, false);
  idet_cd = idet_file(idet_cd_path, IDET_CD_SECTORS * 2048, true);
  char err[256];
  cr_assert_eq(ide_attach(idet, 0, 0, IDE_HD, idet_hd, err, sizeof err), 0, "%s", err);
  cr_assert_eq(ide_attach(idet, 1, 0, IDE_CD, idet_cd, err, sizeof err), 0, "%s", err);
  cr_assert_eq(ide_attach(idet, 1, 1, IDE_CD, NULL, err, sizeof err), 0, "%s", err);
}

static void idet_teardown(void) {
  disk_image_close(idet_hd);
  disk_image_close(idet_cd);
  unlink(idet_hd_path);
  unlink(idet_cd_path);
  free(idet);
  iobus_free(idet_bus);
}

static uint8_t in8(uint16_t p) { return (uint8_t)io_in(idet_bus, p, 1); }
static uint16_t in16(uint16_t p) { return (uint16_t)io_in(idet_bus, p, 2); }
static void out8(uint16_t p, uint8_t v) { io_out(idet_bus, p, 1, v); }
static void out16(uint16_t p, uint16_t v) { io_out(idet_bus, p, 2, v); }

static void idet_read_words(uint16_t base, uint8_t *dst, int bytes) {
  for (int i = 0; i < bytes; i += 2) {
    uint16_t w = in16(base);
    dst[i] = (uint8_t)w;
    dst[i + 1] = (uint8_t)(w >> 8);
  }
}

static void idet_lba28(uint16_t base, int dev, uint32_t lba, uint8_t count) {
  out8(base + 6, (uint8_t)(0xE0 | dev << 4 | (lba >> 24 & 0xF)));
  out8(base + 2, count);
  out8(base + 3, (uint8_t)lba);
  out8(base + 4, (uint8_t)(lba >> 8));
  out8(base + 5, (uint8_t)(lba >> 16));
}

static void idet_check_sector(const uint8_t *b, uint32_t lba) {
  for (int i = 0; i < 512; i++) cr_assert_eq(b[i], idet_hd_byte(lba, (uint32_t)i), "lba %u byte %d", lba, i);
}

TestSuite(ide, .init = idet_setup, .fini = idet_teardown);

Test(ide, pci_function_identity) {
  const uint8_t *cf = idet->pci.config;
  cr_assert_eq(idet->pci.devfn, 0x09);
  cr_assert_eq(cf[0] | cf[1] << 8, 0x8086);
  cr_assert_eq(cf[2] | cf[3] << 8, 0x7010);
  cr_assert_eq(cf[9] | cf[10] << 8 | cf[11] << 16, 0x010180);
  cr_assert_eq(idet->pci.bars[4].size, 16);
  cr_assert(idet->pci.bars[4].io);
}

Test(ide, srst_signatures_and_no_interrupt) {
  out8(0x3F6, 0x04);
  cr_assert_eq(in8(0x3F6) & 0x80, 0x80, "BSY during reset");
  out8(0x3F6, 0x00);
  cr_assert_eq(in8(0x1F7), 0x50);
  cr_assert_eq(in8(0x1F1), 0x01);
  cr_assert_eq(in8(0x1F2), 1);
  cr_assert_eq(in8(0x1F3), 1);
  cr_assert_eq(in8(0x1F4), 0);
  cr_assert_eq(in8(0x1F5), 0);
  cr_assert_eq(idet_rises[14], 0);
  /* Device 1 absent on the primary: status 00h. */
  out8(0x1F6, 0xB0);
  cr_assert_eq(in8(0x1F7), 0x00);
  /* ATAPI signature on the secondary. */
  out8(0x376, 0x04);
  out8(0x376, 0x00);
  cr_assert_eq(in8(0x174), 0x14);
  cr_assert_eq(in8(0x175), 0xEB);
  cr_assert_eq(in8(0x177), 0x00);
}

Test(ide, identify_device_block) {
  out8(0x1F6, 0xA0);
  out8(0x1F7, 0xEC);
  cr_assert_eq(idet_rises[14], 1);
  cr_assert_eq(in8(0x3F6), 0x58);
  cr_assert_eq(idet_level[14], 1, "alternate status does not clear INTRQ");
  cr_assert_eq(in8(0x1F7), 0x58);
  cr_assert_eq(idet_level[14], 0, "status does");
  uint16_t w[256];
  for (int i = 0; i < 256; i++) w[i] = in16(0x1F0);
  cr_assert_eq(in8(0x1F7), 0x50);
  cr_assert_eq(w[0], 0x0040);
  cr_assert_eq(w[1], 8);
  cr_assert_eq(w[3], 16);
  cr_assert_eq(w[6], 63);
  char model[41];
  for (int i = 0; i < 20; i++) {
    model[2 * i] = (char)(w[27 + i] >> 8);
    model[2 * i + 1] = (char)w[27 + i];
  }
  model[40] = 0;
  cr_assert_str_eq(model, "HOLO86 HARDDISK                         ");
  cr_assert_eq(w[47] & 0xFF, 16);
  cr_assert_eq(w[49] & 0x0300, 0x0200, "LBA, no DMA");
  cr_assert_eq(w[53] & 1, 1);
  cr_assert_eq(w[54], 8);
  cr_assert_eq(w[57] | w[58] << 16, 8 * 16 * 63);
  cr_assert_eq(w[60] | w[61] << 16, IDET_HD_SECTORS);
  cr_assert_eq(w[63] & 0x0007, 0, "no multiword DMA");
  cr_assert_eq(w[88], 0, "no Ultra DMA");
  cr_assert(w[83] & (1 << 10));
  cr_assert_eq(w[100] | w[101] << 16, IDET_HD_SECTORS);
  uint8_t sum = 0;
  for (int i = 0; i < 256; i++) sum = (uint8_t)(sum + (w[i] & 0xFF) + (w[i] >> 8));
  cr_assert_eq(w[255] & 0xFF, 0xA5);
  cr_assert_eq(sum, 0);
}

Test(ide, read_sectors_lba) {
  idet_lba28(0x1F0, 0, 1234, 3);
  out8(0x1F7, 0x20);
  uint8_t b[512];
  for (int s = 0; s < 3; s++) {
    cr_assert_eq(idet_rises[14], s + 1, "one interrupt per sector");
    cr_assert_eq(in8(0x1F7), 0x58);
    idet_read_words(0x1F0, b, 512);
    idet_check_sector(b, 1234u + (uint32_t)s);
  }
  cr_assert_eq(in8(0x1F7), 0x50);
  cr_assert_eq(idet_rises[14], 3, "no interrupt after the last block of a read");
  cr_assert_eq(in8(0x1F2), 0);
  cr_assert_eq(in8(0x1F3) | in8(0x1F4) << 8 | in8(0x1F5) << 16, 1236);
}

Test(ide, read_sectors_chs) {
  /* C=2 H=3 S=5 with 16 heads / 63 sectors: LBA (2*16+3)*63+4. */
  out8(0x1F6, 0xA3);
  out8(0x1F2, 1);
  out8(0x1F3, 5);
  out8(0x1F4, 2);
  out8(0x1F5, 0);
  out8(0x1F7, 0x21);
  uint8_t b[512];
  cr_assert_eq(in8(0x1F7), 0x58);
  idet_read_words(0x1F0, b, 512);
  idet_check_sector(b, (2 * 16 + 3) * 63 + 4);
  /* Invalid sector number 0: IDNF. */
  out8(0x1F3, 0);
  out8(0x1F2, 1);
  out8(0x1F7, 0x20);
  cr_assert_eq(in8(0x1F7), 0x51);
  cr_assert_eq(in8(0x1F1), 0x10);
}

Test(ide, initialize_device_parameters_changes_translation) {
  out8(0x1F6, 0xA0 | 3); /* 4 heads */
  out8(0x1F2, 17);
  out8(0x1F7, 0x91);
  cr_assert_eq(in8(0x1F7), 0x50);
  out8(0x1F6, 0xA1);
  out8(0x1F2, 1);
  out8(0x1F3, 2);
  out8(0x1F4, 1);
  out8(0x1F5, 0);
  out8(0x1F7, 0x20);
  uint8_t b[512];
  idet_read_words(0x1F0, b, 512);
  idet_check_sector(b, (1 * 4 + 1) * 17 + 1);
}

Test(ide, thirty_two_bit_data_port) {
  idet_lba28(0x1F0, 0, 77, 2);
  out8(0x1F7, 0x20);
  uint8_t b[1024];
  for (int i = 0; i < 1024; i += 4) {
    uint32_t v = io_in(idet_bus, 0x1F0, 4);
    memcpy(b + i, &v, 4);
  }
  idet_check_sector(b, 77);
  idet_check_sector(b + 512, 78);
  cr_assert_eq(in8(0x1F7), 0x50);
}

Test(ide, write_sectors_persist) {
  idet_lba28(0x1F0, 0, 4000, 2);
  out8(0x1F7, 0x30);
  cr_assert_eq(idet_rises[14], 0, "no interrupt before the first block");
  cr_assert_eq(in8(0x3F6), 0x58);
  for (int s = 0; s < 2; s++) {
    for (int i = 0; i < 256; i++) out16(0x1F0, (uint16_t)(0xBEEF + i + s));
    cr_assert_eq(idet_rises[14], s + 1);
    in8(0x1F7);
  }
  cr_assert_eq(in8(0x1F7), 0x50);
  FILE *f = fopen(idet_hd_path, "rb");
  fseek(f, 4000L * 512, SEEK_SET);
  uint8_t got[1024];
  cr_assert_eq(fread(got, 1, 1024, f), 1024);
  fclose(f);
  for (int s = 0; s < 2; s++)
    for (int i = 0; i < 256; i++) {
      uint16_t w = (uint16_t)(0xBEEF + i + s);
      cr_assert_eq(got[s * 512 + 2 * i], (uint8_t)w);
      cr_assert_eq(got[s * 512 + 2 * i + 1], (uint8_t)(w >> 8));
    }
}

Test(ide, read_multiple) {
  idet_lba28(0x1F0, 0, 10, 8);
  out8(0x1F7, 0xC4);
  cr_assert_eq(in8(0x1F7), 0x51, "multiple mode not set: aborted");
  cr_assert_eq(in8(0x1F1), 0x04);
  out8(0x1F2, 3);
  out8(0x1F7, 0xC6);
  cr_assert_eq(in8(0x1F7), 0x51, "3 is not a power of two");
  out8(0x1F2, 4);
  out8(0x1F7, 0xC6);
  cr_assert_eq(in8(0x1F7), 0x50);
  idet_rises[14] = 0;
  idet_lba28(0x1F0, 0, 10, 6);
  out8(0x1F7, 0xC4);
  uint8_t b[4 * 512];
  cr_assert_eq(idet_rises[14], 1);
  cr_assert_eq(in8(0x1F7), 0x58);
  idet_read_words(0x1F0, b, 4 * 512);
  for (int s = 0; s < 4; s++) idet_check_sector(b + s * 512, 10u + (uint32_t)s);
  cr_assert_eq(idet_rises[14], 2);
  cr_assert_eq(in8(0x1F7), 0x58);
  idet_read_words(0x1F0, b, 2 * 512);
  idet_check_sector(b + 512, 15);
  cr_assert_eq(in8(0x1F7), 0x50);
}

Test(ide, read_sectors_ext_lba48) {
  out8(0x1F6, 0xE0);
  out8(0x1F2, 0);
  out8(0x1F2, 2); /* count 0x0002 */
  out8(0x1F3, 0);
  out8(0x1F3, 0x10); /* LBA 0x00000000_1F10 */
  out8(0x1F4, 0);
  out8(0x1F4, 0x1F);
  out8(0x1F5, 0);
  out8(0x1F5, 0);
  out8(0x1F7, 0x24);
  uint8_t b[1024];
  idet_read_words(0x1F0, b, 512);
  in8(0x1F7);
  idet_read_words(0x1F0, b + 512, 512);
  idet_check_sector(b, 0x1F10);
  idet_check_sector(b + 512, 0x1F11);
  cr_assert_eq(in8(0x1F7), 0x50);
  cr_assert_eq(in8(0x1F3), 0x11);
  out8(0x3F6, 0x80); /* HOB */
  cr_assert_eq(in8(0x1F3), 0x00);
  out8(0x3F6, 0x00);
  /* Past the end: IDNF. */
  idet_lba28(0x1F0, 0, IDET_HD_SECTORS - 1, 2);
  out8(0x1F7, 0x20);
  cr_assert_eq(in8(0x1F7), 0x51);
  cr_assert_eq(in8(0x1F1), 0x10);
}

Test(ide, verify_flush_features_diagnostic_unknown) {
  idet_lba28(0x1F0, 0, 100, 4);
  out8(0x1F7, 0x40);
  cr_assert_eq(idet_rises[14], 1);
  cr_assert_eq(in8(0x1F7), 0x50);
  out8(0x1F7, 0xE7);
  cr_assert_eq(in8(0x1F7), 0x50);
  out8(0x1F1, 0x03);
  out8(0x1F2, 0x0C); /* PIO mode 4 */
  out8(0x1F7, 0xEF);
  cr_assert_eq(in8(0x1F7), 0x50);
  out8(0x1F2, 0x22); /* multiword DMA 2: not supported */
  out8(0x1F7, 0xEF);
  cr_assert_eq(in8(0x1F7), 0x51);
  out8(0x1F7, 0xFF);
  cr_assert_eq(in8(0x1F7), 0x51);
  cr_assert_eq(in8(0x1F1), 0x04);
  out8(0x1F7, 0x90);
  cr_assert_eq(in8(0x1F1), 0x01);
  cr_assert_eq(in8(0x1F7), 0x50);
  cr_assert_eq(in8(0x1F4), 0x00);
}

Test(ide, nien_masks_interrupt) {
  out8(0x3F6, 0x02);
  out8(0x1F6, 0xA0);
  out8(0x1F7, 0xEC);
  cr_assert_eq(idet_rises[14], 0);
  out8(0x3F6, 0x00);
  cr_assert_eq(idet_level[14], 1, "pending interrupt appears when nIEN clears");
}

Test(ide, read_only_disk_aborts_writes) {
  char err[256];
  DiskImage *ro = disk_image_open(idet_hd_path, true, err, sizeof err);
  cr_assert_eq(ide_attach(idet, 0, 1, IDE_HD, ro, err, sizeof err), 0);
  idet_lba28(0x1F0, 1, 0, 1);
  out8(0x1F7, 0x30);
  cr_assert_eq(in8(0x1F7), 0x51);
  cr_assert_eq(in8(0x1F1), 0x04);
  ide_attach(idet, 0, 1, IDE_NONE, NULL, NULL, 0);
  disk_image_close(ro);
}

/* ATAPI ------------------------------------------------------------------- */

/* Send a 12-byte packet to the selected device of the secondary channel
 * with byte count limit bcl. */
static void idet_packet(const uint8_t *cdb, uint16_t bcl) {
  out8(0x171, 0);
  out8(0x174, (uint8_t)bcl);
  out8(0x175, (uint8_t)(bcl >> 8));
  out8(0x177, 0xA0);
  cr_assert_eq(in8(0x376) & 0x89, 0x08, "DRQ for the packet");
  cr_assert_eq(in8(0x172) & 3, 0x01, "CoD=1 IO=0");
  for (int i = 0; i < 12; i += 2) out16(0x170, (uint16_t)(cdb[i] | cdb[i + 1] << 8));
}

/* Read the data-in phase into buf; returns total bytes and DRQ blocks. */
static int idet_data_in(uint8_t *buf, int max, int *blocks) {
  int total = 0;
  *blocks = 0;
  for (;;) {
    uint8_t st = in8(0x177);
    if (!(st & 0x08)) break;
    cr_assert_eq(in8(0x172) & 3, 0x02, "IO=1 CoD=0 in a data block");
    int n = in8(0x174) | in8(0x175) << 8;
    (*blocks)++;
    for (int i = 0; i < n; i += 2) {
      uint16_t w = in16(0x170);
      if (total + i < max) buf[total + i] = (uint8_t)w;
      if (total + i + 1 < max) buf[total + i + 1] = (uint8_t)(w >> 8);
    }
    total += n;
  }
  return total;
}

static uint8_t idet_status_phase(void) {
  cr_assert_eq(in8(0x172) & 3, 0x03, "status phase: IO=1 CoD=1");
  return in8(0x177);
}

static void idet_sense(uint8_t *key, uint8_t *asc) {
  uint8_t cdb[12] = {0x03, 0, 0, 0, 18}, b[32];
  int blocks;
  idet_packet(cdb, 0xFFFE);
  cr_assert_eq(idet_data_in(b, sizeof b, &blocks), 18);
  cr_assert_eq(idet_status_phase() & 1, 0);
  cr_assert_eq(b[0], 0x70);
  *key = b[2] & 0x0F;
  *asc = b[12];
}

Test(ide, atapi_identify) {
  out8(0x176, 0xA0);
  out8(0x177, 0xEC);
  cr_assert_eq(in8(0x177) & 0x01, 0x01, "IDENTIFY DEVICE aborts");
  cr_assert_eq(in8(0x174), 0x14);
  cr_assert_eq(in8(0x175), 0xEB);
  out8(0x177, 0xA1);
  cr_assert_eq(in8(0x177) & 0x08, 0x08);
  uint16_t w[256];
  for (int i = 0; i < 256; i++) w[i] = in16(0x170);
  cr_assert_eq(w[0] >> 14, 2, "ATAPI");
  cr_assert_eq(w[0] >> 8 & 0x1F, 5, "CD-ROM");
  cr_assert_eq(w[0] & 0x80, 0x80, "removable");
  cr_assert_eq(w[0] & 3, 0, "12-byte packets");
  cr_assert_eq(w[49] & 0x0100, 0, "no DMA");
  cr_assert_eq(in8(0x177) & 0x08, 0);
}

Test(ide, atapi_inquiry_capacity_read10) {
  out8(0x176, 0xA0);
  uint8_t b[8192];
  int blocks;
  uint8_t inq[12] = {0x12, 0, 0, 0, 36};
  idet_packet(inq, 0xFFFE);
  cr_assert_eq(idet_rises[15], 1);
  cr_assert_eq(idet_data_in(b, sizeof b, &blocks), 36);
  cr_assert_eq(idet_status_phase(), 0x40);
  cr_assert_eq(b[0], 0x05);
  cr_assert_eq(b[1], 0x80);
  cr_assert_eq(memcmp(b + 8, "HOLO86", 6), 0);
  uint8_t cap[12] = {0x25};
  idet_packet(cap, 0xFFFE);
  cr_assert_eq(idet_data_in(b, sizeof b, &blocks), 8);
  cr_assert_eq(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3], IDET_CD_SECTORS - 1);
  cr_assert_eq(b[4] << 24 | b[5] << 16 | b[6] << 8 | b[7], 2048);
  idet_status_phase();
  uint8_t rd[12] = {0x28, 0, 0, 0, 0, 16, 0, 0, 1};
  idet_packet(rd, 0xFFFE);
  cr_assert_eq(idet_data_in(b, sizeof b, &blocks), 2048);
  cr_assert_eq(memcmp(b, "\x01" "CD001", 6), 0);
  cr_assert_eq(b[100], 16);
  cr_assert_eq(idet_status_phase(), 0x40);
}

Test(ide, atapi_byte_count_limit_splits_blocks) {
  out8(0x176, 0xA0);
  static uint8_t b[4 * 2048];
  int blocks;
  uint8_t rd[12] = {0xA8, 0, 0, 0, 0, 20, 0, 0, 0, 3}; /* READ(12), 3 sectors from 20 */
  idet_packet(rd, 1000);
  cr_assert_eq(idet_data_in(b, sizeof b, &blocks), 3 * 2048);
  cr_assert_eq(blocks, 7, "6144 bytes in blocks of at most 1000");
  for (int s = 0; s < 3; s++) {
    cr_assert_eq(b[s * 2048 + 100], 20 + s);
    cr_assert_eq(b[s * 2048 + 2047], 0x5A);
  }
  cr_assert_eq(idet_status_phase(), 0x40);
  /* Out of range: ILLEGAL REQUEST, LBA out of range. */
  uint8_t bad[12] = {0x28, 0, 0, 0, 0, 39, 0, 0, 2};
  idet_packet(bad, 0xFFFE);
  uint8_t st = idet_status_phase();
  cr_assert_eq(st & 0x01, 0x01);
  cr_assert_eq(in8(0x171) >> 4, 5);
  uint8_t key, asc;
  idet_sense(&key, &asc);
  cr_assert_eq(key, 5);
  cr_assert_eq(asc, 0x21);
}

Test(ide, atapi_no_medium) {
  out8(0x176, 0xB0); /* the empty drive */
  uint8_t tur[12] = {0x00};
  idet_packet(tur, 0xFFFE);
  cr_assert_eq(idet_status_phase() & 0x01, 0x01);
  cr_assert_eq(in8(0x171) >> 4, 2);
  uint8_t key, asc;
  idet_sense(&key, &asc);
  cr_assert_eq(key, 2);
  cr_assert_eq(asc, 0x3A);
  uint8_t cap[12] = {0x25};
  idet_packet(cap, 0xFFFE);
  cr_assert_eq(idet_status_phase() & 0x09, 0x01, "no data phase");
  /* Insert: a unit attention, then ready. */
  ide_cd_change(idet, 1, 1, idet_cd);
  idet_packet(tur, 0xFFFE);
  cr_assert_eq(idet_status_phase() & 0x01, 0x01);
  cr_assert_eq(in8(0x171) >> 4, 6);
  idet_packet(tur, 0xFFFE);
  cr_assert_eq(idet_status_phase(), 0x40);
  ide_cd_change(idet, 1, 1, NULL);
}

Test(ide, atapi_read_toc_formats) {
  out8(0x176, 0xA0);
  uint8_t b[64];
  int blocks;
  uint8_t toc[12] = {0x43, 0, 0, 0, 0, 0, 0, 0, 64};
  idet_packet(toc, 0xFFFE);
  cr_assert_eq(idet_data_in(b, sizeof b, &blocks), 20);
  cr_assert_eq(b[0] << 8 | b[1], 18);
  cr_assert_eq(b[2], 1);
  cr_assert_eq(b[3], 1);
  cr_assert_eq(b[5], 0x14);
  cr_assert_eq(b[6], 1);
  cr_assert_eq(b[8] | b[9] | b[10] | b[11], 0);
  cr_assert_eq(b[14], 0xAA);
  cr_assert_eq(b[16] << 24 | b[17] << 16 | b[18] << 8 | b[19], IDET_CD_SECTORS);
  idet_status_phase();
  uint8_t msf[12] = {0x43, 0x02, 0, 0, 0, 0, 0, 0, 64};
  idet_packet(msf, 0xFFFE);
  cr_assert_eq(idet_data_in(b, sizeof b, &blocks), 20);
  cr_assert_eq(b[9], 0);
  cr_assert_eq(b[10], 2, "track 1 at 00:02:00");
  cr_assert_eq(b[11], 0);
  cr_assert_eq(b[17], 0);
  cr_assert_eq(b[18], 2);
  cr_assert_eq(b[19], IDET_CD_SECTORS);
  idet_status_phase();
  uint8_t sess[12] = {0x43, 0, 1, 0, 0, 0, 0, 0, 12};
  idet_packet(sess, 0xFFFE);
  cr_assert_eq(idet_data_in(b, sizeof b, &blocks), 12);
  cr_assert_eq(b[1], 10);
  cr_assert_eq(b[6], 1);
  idet_status_phase();
}

Test(ide, atapi_mode_sense_config_events_lock) {
  out8(0x176, 0xA0);
  uint8_t b[128];
  int blocks;
  /* Consume the power-on state: nothing pending. */
  uint8_t ms[12] = {0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 128};
  idet_packet(ms, 0xFFFE);
  cr_assert_eq(idet_data_in(b, sizeof b, &blocks), 28);
  cr_assert_eq(b[0] << 8 | b[1], 26);
  cr_assert_eq(b[8], 0x2A);
  cr_assert_eq(b[9], 0x12);
  idet_status_phase();
  uint8_t gc[12] = {0x46, 0, 0, 0, 0, 0, 0, 0, 128};
  idet_packet(gc, 0xFFFE);
  int n = idet_data_in(b, sizeof b, &blocks);
  cr_assert_gt(n, 8);
  cr_assert_eq(b[6] << 8 | b[7], 0x0008, "current profile CD-ROM");
  idet_status_phase();
  uint8_t prevent[12] = {0x1E, 0, 0, 0, 1};
  idet_packet(prevent, 0xFFFE);
  cr_assert_eq(idet_status_phase(), 0x40);
  uint8_t eject[12] = {0x1B, 0, 0, 0, 0x02};
  idet_packet(eject, 0xFFFE);
  cr_assert_eq(idet_status_phase() & 1, 1, "locked: removal prevented");
  uint8_t allow[12] = {0x1E};
  idet_packet(allow, 0xFFFE);
  idet_status_phase();
  idet_packet(eject, 0xFFFE);
  cr_assert_eq(idet_status_phase(), 0x40);
  uint8_t gesn[12] = {0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8};
  idet_packet(gesn, 0xFFFE);
  cr_assert_eq(idet_data_in(b, sizeof b, &blocks), 8);
  cr_assert_eq(b[2], 0x04);
  cr_assert_eq(b[4], 3, "media removal");
  cr_assert_eq(b[5] & 2, 0, "no media present");
  idet_status_phase();
  uint8_t load[12] = {0x1B, 0, 0, 0, 0x03};
  idet_packet(load, 0xFFFE);
  idet_status_phase();
  uint8_t tur[12] = {0};
  idet_packet(tur, 0xFFFE);
  cr_assert_eq(idet_status_phase(), 0x40);
  uint8_t bad[12] = {0xFF};
  idet_packet(bad, 0xFFFE);
  cr_assert_eq(idet_status_phase() & 1, 1);
  uint8_t key, asc;
  idet_sense(&key, &asc);
  cr_assert_eq(key, 5);
  cr_assert_eq(asc, 0x20);
}
