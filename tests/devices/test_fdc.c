/* 82077AA FDC: driven through its ports, data through 8237A channel 2 into
 * guest memory, against small generated floppy images. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/dma.h"
#include "devices/fdc.h"
#include "devices/iobus.h"
#include "mmu/physmem.h"

static IoBus *fdct_bus;
static PhysMem *fdct_mem;
static Dma fdct_dma;
static Fdc fdct;
static DiskImage *fdct_img;
static char fdct_path[64];
static int fdct_level, fdct_rises;

#define FDCT_SIZE (1440 * 1024)
#define FDCT_SPT 18

/* Byte i of the sector at lba. */
static uint8_t fdct_byte(uint32_t lba, uint32_t i) { return (uint8_t)(lba * 7 + i * 3 + (i >> 8)); }

static uint32_t fdct_lba(int c, int h, int r) { return (uint32_t)((c * 2 + h) * FDCT_SPT + r - 1); }

static void fdct_irq(void *opaque, int irq, int level) {
  (void)opaque;
  cr_assert_eq(irq, 6);
  if (level && !fdct_level) fdct_rises++;
  fdct_level = level;
}

static DiskImage *fdct_make(size_t size, bool ro) {
  strcpy(fdct_path, "/tmp/holo86-fdc-XXXXXX");
  int fd = mkstemp(fdct_path);
  cr_assert(fd >= 0);
  uint8_t *b = malloc(size);
  for (size_t i = 0; i < size; i++) b[i] = fdct_byte((uint32_t)(i / 512), (uint32_t)(i % 512));
  cr_assert_eq(write(fd, b, size), (ssize_t)size);
  free(b);
  close(fd);
  char err[256];
  DiskImage *img = disk_image_open(fdct_path, ro, err, sizeof err);
  cr_assert_not_null(img, "%s", err);
  return img;
}

static uint8_t fdct_in(uint16_t p) { return (uint8_t)io_in(fdct_bus, p, 1); }
static void fdct_out(uint16_t p, uint8_t v) { io_out(fdct_bus, p, 1, v); }

static void fdct_cmd(const uint8_t *b, int n) {
  for (int i = 0; i < n; i++) {
    cr_assert_eq(fdct_in(0x3F4) & 0xC0, 0x80, "RQM set, DIO clear before command byte %d", i);
    fdct_out(0x3F5, b[i]);
  }
}

static int fdct_results(uint8_t *out) {
  int n = 0;
  while ((fdct_in(0x3F4) & 0xC0) == 0xC0 && n < 16) out[n++] = fdct_in(0x3F5);
  return n;
}

static void fdct_reset_controller(void) {
  fdct_out(0x3F2, 0x00);
  fdct_out(0x3F2, 0x1C); /* motor 0, DMA gate, out of reset, drive 0 */
}

static void fdct_sense_all(void) {
  for (int i = 0; i < 4; i++) {
    uint8_t c = 0x08, r[16];
    fdct_cmd(&c, 1);
    cr_assert_eq(fdct_results(r), 2);
  }
}

static void fdct_setup(void) {
  fdct_bus = iobus_new();
  fdct_mem = phys_new(2u << 20);
  dma_init(&fdct_dma, fdct_bus, fdct_mem);
  fdc_init(&fdct, fdct_bus, &fdct_dma);
  fdct.set_irq = fdct_irq;
  fdct_level = 0;
  fdct_rises = 0;
  fdct_img = fdct_make(FDCT_SIZE, false);
  char err[256];
  cr_assert_eq(fdc_insert(&fdct, 0, fdct_img, err, sizeof err), 0, "%s", err);
}

static void fdct_teardown(void) {
  disk_image_close(fdct_img);
  unlink(fdct_path);
  iobus_free(fdct_bus);
  phys_free(fdct_mem);
}

/* DMA channel 2: mode, address, count (bytes - 1). */
static void fdct_dmaprog(uint8_t mode, uint32_t addr, uint16_t count) {
  fdct_out(0x0A, 0x06);
  fdct_out(0x0C, 0);
  fdct_out(0x0B, (uint8_t)(mode | 2));
  fdct_out(0x04, (uint8_t)addr);
  fdct_out(0x04, (uint8_t)(addr >> 8));
  fdct_out(0x81, (uint8_t)(addr >> 16));
  fdct_out(0x05, (uint8_t)count);
  fdct_out(0x05, (uint8_t)(count >> 8));
  fdct_out(0x0A, 0x02);
}

/* Reset, drain the 4 statuses, SPECIFY, rate 500K, RECALIBRATE, SEEK c. */
static void fdct_ready(int cyl) {
  fdct_reset_controller();
  fdct_sense_all();
  uint8_t spec[3] = {0x03, 0xAF, 0x02};
  fdct_cmd(spec, 3);
  fdct_out(0x3F7, 0x00);
  uint8_t seek[3] = {0x0F, 0x00, (uint8_t)cyl}, sense = 0x08, r[16];
  fdct_cmd(seek, 3);
  fdct_cmd(&sense, 1);
  cr_assert_eq(fdct_results(r), 2);
  cr_assert_eq(r[1], cyl);
}

static void fdct_check_sector(uint32_t addr, uint32_t lba) {
  uint8_t b[512];
  phys_read_buf(fdct_mem, addr, b, 512);
  for (int i = 0; i < 512; i++) cr_assert_eq(b[i], fdct_byte(lba, (uint32_t)i), "lba %u byte %d", lba, i);
}

TestSuite(fdc, .init = fdct_setup, .fini = fdct_teardown);

Test(fdc, reset_gives_interrupt_and_four_sense_statuses) {
  cr_assert_eq(fdct_in(0x3F4), 0x00, "held in reset at power-on");
  fdct_reset_controller();
  cr_assert_eq(fdct_level, 1);
  cr_assert_eq(fdct_in(0x3F4), 0x80);
  for (int i = 0; i < 4; i++) {
    uint8_t c = 0x08, r[16];
    fdct_cmd(&c, 1);
    cr_assert_eq(fdct_in(0x3F4), 0xD0);
    cr_assert_eq(fdct_results(r), 2);
    cr_assert_eq(r[0], 0xC0 | i);
    cr_assert_eq(r[1], 0);
    cr_assert_eq(fdct_level, 0);
  }
  /* A fifth one has nothing to report: invalid. */
  uint8_t c = 0x08, r[16];
  fdct_cmd(&c, 1);
  cr_assert_eq(fdct_results(r), 1);
  cr_assert_eq(r[0], 0x80);
}

Test(fdc, dor_dma_gate_masks_interrupt) {
  fdct_out(0x3F2, 0x00);
  fdct_out(0x3F2, 0x14); /* no DMA gate */
  cr_assert_eq(fdct_level, 0);
  fdct_out(0x3F2, 0x1C);
  cr_assert_eq(fdct_level, 1);
  cr_assert_eq(fdct_in(0x3F2), 0x1C);
}

Test(fdc, specify_recalibrate_seek) {
  fdct_reset_controller();
  fdct_sense_all();
  uint8_t spec[3] = {0x03, 0xDF, 0x02};
  fdct_cmd(spec, 3);
  cr_assert_eq(fdct_in(0x3F4), 0x80, "no result phase");
  cr_assert_eq(fdct_level, 0);
  uint8_t recal[2] = {0x07, 0x00}, sense = 0x08, r[16];
  fdct_cmd(recal, 2);
  cr_assert_eq(fdct_level, 1);
  cr_assert_eq(fdct_in(0x3F4), 0x81, "drive 0 busy until SENSE INTERRUPT");
  fdct_cmd(&sense, 1);
  cr_assert_eq(fdct_results(r), 2);
  cr_assert_eq(r[0], 0x20);
  cr_assert_eq(r[1], 0);
  cr_assert_eq(fdct_level, 0);
  uint8_t seek[3] = {0x0F, 0x04, 33};
  fdct_cmd(seek, 3);
  fdct_cmd(&sense, 1);
  cr_assert_eq(fdct_results(r), 2);
  cr_assert_eq(r[0], 0x24);
  cr_assert_eq(r[1], 33);
  /* Recalibrating a drive that is not connected: equipment check. */
  uint8_t recal1[2] = {0x07, 0x01};
  fdct_cmd(recal1, 2);
  fdct_cmd(&sense, 1);
  cr_assert_eq(fdct_results(r), 2);
  cr_assert_eq(r[0], 0x71);
  uint8_t dump = 0x0E;
  fdct_cmd(&dump, 1);
  cr_assert_eq(fdct_results(r), 10);
  cr_assert_eq(r[0], 33);
  cr_assert_eq(r[4], 0xDF);
  cr_assert_eq(r[5], 0x02);
}

Test(fdc, read_data_by_dma_into_guest_memory) {
  fdct_ready(2);
  fdct_dmaprog(0x46, 0x12340, 511);
  fdct_rises = 0;
  uint8_t cmd[9] = {0xE6, 0x04, 2, 1, 3, 2, 18, 0x1B, 0xFF};
  fdct_cmd(cmd, 9);
  cr_assert_eq(fdct_rises, 1);
  cr_assert_eq(fdct_in(0x3F4), 0xD0);
  uint8_t r[16];
  cr_assert_eq(fdct_results(r), 7);
  cr_assert_eq(fdct_level, 0, "reading the result clears the interrupt");
  uint8_t want[7] = {0x04, 0x00, 0x00, 2, 1, 4, 2};
  cr_assert_arr_eq(r, want, 7);
  fdct_check_sector(0x12340, fdct_lba(2, 1, 3));
  cr_assert_eq(phys_read(fdct_mem, 0x12340 + 512, 1), 0, "stops at terminal count");
}

Test(fdc, multi_track_read_crosses_to_head_1) {
  fdct_ready(0);
  fdct_dmaprog(0x46, 0x20000, 3 * 512 - 1);
  uint8_t cmd[9] = {0xC6, 0x00, 0, 0, 17, 2, 18, 0x1B, 0xFF}, r[16];
  fdct_cmd(cmd, 9);
  cr_assert_eq(fdct_results(r), 7);
  uint8_t want[7] = {0x04, 0x00, 0x00, 0, 1, 2, 2};
  cr_assert_arr_eq(r, want, 7);
  fdct_check_sector(0x20000, fdct_lba(0, 0, 17));
  fdct_check_sector(0x20200, fdct_lba(0, 0, 18));
  fdct_check_sector(0x20400, fdct_lba(0, 1, 1));
}

Test(fdc, tc_on_last_sector_of_track) {
  fdct_ready(5);
  fdct_dmaprog(0x46, 0x20000, 2 * 512 - 1);
  uint8_t cmd[9] = {0x46, 0x04, 5, 1, 17, 2, 18, 0x1B, 0xFF}, r[16];
  fdct_cmd(cmd, 9);
  cr_assert_eq(fdct_results(r), 7);
  uint8_t want[7] = {0x04, 0x00, 0x00, 6, 1, 1, 2};
  cr_assert_arr_eq(r, want, 7);
}

Test(fdc, end_of_track_without_tc_is_abnormal) {
  fdct_ready(0);
  fdct_dmaprog(0x46, 0x20000, 0xFFFF);
  uint8_t cmd[9] = {0x46, 0x00, 0, 0, 17, 2, 18, 0x1B, 0xFF}, r[16];
  fdct_cmd(cmd, 9);
  cr_assert_eq(fdct_results(r), 7);
  uint8_t want[7] = {0x40, 0x80, 0x00, 1, 0, 1, 2};
  cr_assert_arr_eq(r, want, 7);
  fdct_check_sector(0x20200, fdct_lba(0, 0, 18));
}

Test(fdc, sector_not_found_and_wrong_cylinder) {
  fdct_ready(1);
  fdct_dmaprog(0x46, 0x20000, 511);
  uint8_t cmd[9] = {0x46, 0x00, 1, 0, 19, 2, 19, 0x1B, 0xFF}, r[16];
  fdct_cmd(cmd, 9);
  cr_assert_eq(fdct_results(r), 7);
  cr_assert_eq(r[0], 0x40);
  cr_assert_eq(r[1], 0x04);
  uint8_t cmd2[9] = {0x46, 0x00, 3, 0, 1, 2, 18, 0x1B, 0xFF};
  fdct_cmd(cmd2, 9);
  cr_assert_eq(fdct_results(r), 7);
  cr_assert_eq(r[1], 0x04);
  cr_assert_eq(r[2], 0x10);
}

Test(fdc, wrong_data_rate_is_missing_address_mark) {
  fdct_ready(0);
  fdct_out(0x3F7, 0x02); /* 250 Kbps: a 1.44M disk cannot be read */
  fdct_dmaprog(0x46, 0x20000, 511);
  uint8_t cmd[9] = {0x46, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF}, r[16];
  fdct_cmd(cmd, 9);
  cr_assert_eq(fdct_results(r), 7);
  cr_assert_eq(r[0], 0x40);
  cr_assert_eq(r[1], 0x01);
  uint8_t rid[2] = {0x4A, 0x00};
  fdct_cmd(rid, 2);
  cr_assert_eq(fdct_results(r), 7);
  cr_assert_eq(r[1], 0x01);
}

Test(fdc, masked_dma_is_overrun) {
  fdct_ready(0);
  fdct_out(0x0A, 0x06);
  uint8_t cmd[9] = {0x46, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF}, r[16];
  fdct_cmd(cmd, 9);
  cr_assert_eq(fdct_results(r), 7);
  cr_assert_eq(r[0], 0x40);
  cr_assert_eq(r[1], 0x10);
}

Test(fdc, write_data_persists_to_image) {
  fdct_ready(10);
  uint8_t data[1024];
  for (int i = 0; i < 1024; i++) data[i] = (uint8_t)(0xC3 ^ i);
  phys_write_buf(fdct_mem, 0x30000, data, 1024);
  fdct_dmaprog(0x4A, 0x30000, 1023);
  uint8_t cmd[9] = {0x45, 0x04, 10, 1, 7, 2, 18, 0x1B, 0xFF}, r[16];
  fdct_cmd(cmd, 9);
  cr_assert_eq(fdct_results(r), 7);
  uint8_t want[7] = {0x04, 0x00, 0x00, 10, 1, 9, 2};
  cr_assert_arr_eq(r, want, 7);
  FILE *f = fopen(fdct_path, "rb");
  fseek(f, (long)fdct_lba(10, 1, 7) * 512, SEEK_SET);
  uint8_t got[1024];
  cr_assert_eq(fread(got, 1, 1024, f), 1024);
  fclose(f);
  cr_assert_arr_eq(got, data, 1024);
}

Test(fdc, write_protected_image) {
  disk_image_close(fdc_eject(&fdct, 0));
  unlink(fdct_path);
  fdct_img = fdct_make(FDCT_SIZE, true);
  cr_assert_eq(fdc_insert(&fdct, 0, fdct_img, NULL, 0), 0);
  fdct_ready(0);
  fdct_dmaprog(0x4A, 0x30000, 511);
  uint8_t cmd[9] = {0x45, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF}, r[16];
  fdct_cmd(cmd, 9);
  cr_assert_eq(fdct_results(r), 7);
  uint8_t want[7] = {0x40, 0x02, 0x00, 0, 0, 1, 2};
  cr_assert_arr_eq(r, want, 7);
  uint8_t sds[2] = {0x04, 0x00};
  fdct_cmd(sds, 2);
  cr_assert_eq(fdct_results(r), 1);
  cr_assert_eq(r[0], 0x40 | 0x20 | 0x10 | 0x08);
}

Test(fdc, read_id_reports_track_and_rotates) {
  fdct_ready(7);
  uint8_t rid[2] = {0x4A, 0x04}, r[16];
  fdct_cmd(rid, 2);
  cr_assert_eq(fdct_results(r), 7);
  uint8_t want[7] = {0x04, 0, 0, 7, 1, 1, 2};
  cr_assert_arr_eq(r, want, 7);
  fdct_cmd(rid, 2);
  cr_assert_eq(fdct_results(r), 7);
  cr_assert_eq(r[5], 2);
}

Test(fdc, version_configure_lock_perpendicular_dumpreg_invalid) {
  fdct_reset_controller();
  fdct_sense_all();
  uint8_t ver = 0x10, r[16];
  fdct_cmd(&ver, 1);
  cr_assert_eq(fdct_results(r), 1);
  cr_assert_eq(r[0], 0x90);
  uint8_t conf[4] = {0x13, 0x00, 0x57, 0x05};
  fdct_cmd(conf, 4);
  cr_assert_eq(fdct_in(0x3F4), 0x80);
  uint8_t perp[2] = {0x12, 0x80 | 0x04};
  fdct_cmd(perp, 2);
  uint8_t lock = 0x94;
  fdct_cmd(&lock, 1);
  cr_assert_eq(fdct_results(r), 1);
  cr_assert_eq(r[0], 0x10);
  uint8_t dump = 0x0E;
  fdct_cmd(&dump, 1);
  cr_assert_eq(fdct_results(r), 10);
  cr_assert_eq(r[7], 0x80 | 0x04);
  cr_assert_eq(r[8], 0x57);
  cr_assert_eq(r[9], 0x05);
  /* Locked: a software reset keeps FIFO settings and PRETRK, clears EIS/POLL. */
  fdct_reset_controller();
  fdct_cmd(&dump, 1);
  cr_assert_eq(fdct_results(r), 10);
  cr_assert_eq(r[8], 0x07 | 0x00);
  cr_assert_eq(r[9], 0x05);
  uint8_t bad = 0x1F;
  fdct_cmd(&bad, 1);
  cr_assert_eq(fdct_results(r), 1);
  cr_assert_eq(r[0], 0x80);
}

Test(fdc, disk_change_line) {
  fdct_reset_controller();
  fdct_sense_all();
  cr_assert_eq(fdct_in(0x3F7) & 0x80, 0x80, "set after insertion");
  fdct_out(0x3F2, 0x0C); /* motor off: drive not selected */
  cr_assert_eq(fdct_in(0x3F7) & 0x80, 0);
  fdct_out(0x3F2, 0x1C);
  uint8_t seek[3] = {0x0F, 0x00, 1}, sense = 0x08, r[16];
  fdct_cmd(seek, 3);
  fdct_cmd(&sense, 1);
  fdct_results(r);
  cr_assert_eq(fdct_in(0x3F7) & 0x80, 0, "a step with a disk in clears it");
  DiskImage *img = fdc_eject(&fdct, 0);
  cr_assert_eq(img, fdct_img);
  cr_assert_eq(fdct_in(0x3F7) & 0x80, 0x80);
  fdct_cmd(seek, 3);
  fdct_cmd(&sense, 1);
  fdct_results(r);
  cr_assert_eq(fdct_in(0x3F7) & 0x80, 0x80, "stays set with no disk");
  cr_assert_eq(fdc_insert(&fdct, 0, img, NULL, 0), 0);
}

Test(fdc, non_dma_read_through_fifo) {
  fdct_ready(0);
  uint8_t spec[3] = {0x03, 0xAF, 0x03}; /* ND */
  fdct_cmd(spec, 3);
  uint8_t cmd[9] = {0x46, 0x00, 0, 0, 18, 2, 18, 0x1B, 0xFF};
  fdct_cmd(cmd, 9);
  cr_assert_eq(fdct_in(0x3F4), 0xF0);
  cr_assert_eq(fdct_level, 1);
  for (int i = 0; i < 512; i++) cr_assert_eq(fdct_in(0x3F5), fdct_byte(fdct_lba(0, 0, 18), (uint32_t)i));
  uint8_t r[16];
  cr_assert_eq(fdct_results(r), 7);
  uint8_t want[7] = {0x40, 0x80, 0x00, 1, 0, 1, 2};
  cr_assert_arr_eq(r, want, 7);
}

Test(fdc, format_track_fills_sectors) {
  fdct_ready(3);
  uint8_t ids[18 * 4];
  for (int i = 0; i < 18; i++) {
    ids[4 * i] = 3;
    ids[4 * i + 1] = 0;
    ids[4 * i + 2] = (uint8_t)(i + 1);
    ids[4 * i + 3] = 2;
  }
  phys_write_buf(fdct_mem, 0x40000, ids, sizeof ids);
  fdct_dmaprog(0x4A, 0x40000, sizeof ids - 1);
  uint8_t cmd[6] = {0x4D, 0x00, 2, 18, 0x54, 0xF6}, r[16];
  fdct_cmd(cmd, 6);
  cr_assert_eq(fdct_results(r), 7);
  cr_assert_eq(r[0], 0x00);
  cr_assert_eq(r[1], 0x00);
  FILE *f = fopen(fdct_path, "rb");
  fseek(f, (long)fdct_lba(3, 0, 1) * 512, SEEK_SET);
  uint8_t got[18 * 512];
  cr_assert_eq(fread(got, 1, sizeof got, f), sizeof got);
  fclose(f);
  for (size_t i = 0; i < sizeof got; i++) cr_assert_eq(got[i], 0xF6);
}

Test(fdc, image_sizes) {
  cr_assert_eq(fdc_geometry_for_size(368640)->spt, 9);
  cr_assert_eq(fdc_geometry_for_size(737280)->tracks, 80);
  cr_assert_eq(fdc_geometry_for_size(1228800)->spt, 15);
  cr_assert_eq(fdc_geometry_for_size(1474560)->spt, 18);
  cr_assert_eq(fdc_geometry_for_size(2949120)->spt, 36);
  cr_assert_null(fdc_geometry_for_size(1000000));
  cr_assert_eq(fdc_cmos_type(&fdct, 0), 4);
  cr_assert_eq(fdc_cmos_type(&fdct, 1), 0);
  char err[256] = "";
  char keep[64];
  strcpy(keep, fdct_path);
  DiskImage *odd = fdct_make(1000 * 512, true);
  cr_assert_eq(fdc_insert(&fdct, 1, odd, err, sizeof err), -1);
  cr_assert(strstr(err, "not a floppy image size"), "%s", err);
  disk_image_close(odd);
  unlink(fdct_path);
  strcpy(fdct_path, keep);
}
