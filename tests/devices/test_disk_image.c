/* Host-file disk images: open errors, reads, writes, read-only, trace. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/disk_image.h"

static char dit_path[64];

static void dit_make(size_t size) {
  strcpy(dit_path, "/tmp/holo86-dimg-XXXXXX");
  int fd = mkstemp(dit_path);
  cr_assert(fd >= 0);
  uint8_t *b = malloc(size);
  for (size_t i = 0; i < size; i++) b[i] = (uint8_t)(i * 13 + (i >> 9));
  cr_assert_eq(write(fd, b, size), (ssize_t)size);
  free(b);
  close(fd);
}

static void dit_teardown(void) {
  if (dit_path[0]) unlink(dit_path);
  dit_path[0] = 0;
}

TestSuite(disk_image, .fini = dit_teardown);

Test(disk_image, missing_file_is_a_message) {
  char err[256] = "";
  DiskImage *img = disk_image_open("/nonexistent/holo86/none.img", true, err, sizeof err);
  cr_assert_null(img);
  cr_assert(strstr(err, "none.img") && strstr(err, "No such file"), "%s", err);
}

Test(disk_image, empty_file_and_directory_are_errors) {
  char err[256] = "";
  strcpy(dit_path, "/tmp/holo86-dimg-XXXXXX");
  int fd = mkstemp(dit_path);
  close(fd);
  cr_assert_null(disk_image_open(dit_path, false, err, sizeof err));
  cr_assert(strstr(err, "empty"), "%s", err);
  cr_assert_null(disk_image_open("/tmp", true, err, sizeof err));
  cr_assert(strstr(err, "not a regular file"), "%s", err);
}

Test(disk_image, read_write_and_bounds) {
  dit_make(4096);
  char err[256];
  DiskImage *img = disk_image_open(dit_path, false, err, sizeof err);
  cr_assert_not_null(img, "%s", err);
  cr_assert_eq(disk_image_size(img), 4096);
  uint8_t b[512];
  cr_assert_eq(disk_image_read(img, 1024, b, 512), 0);
  for (int i = 0; i < 512; i++) cr_assert_eq(b[i], (uint8_t)((1024 + i) * 13 + ((1024 + i) >> 9)));
  memset(b, 0xA5, sizeof b);
  cr_assert_eq(disk_image_write(img, 512, b, 512), 0);
  cr_assert_eq(disk_image_read(img, 4000, b, 200), -1);
  cr_assert(strstr(img->error, "past the end"), "%s", img->error);
  cr_assert_eq(disk_image_write(img, 4096, b, 1), -1);
  cr_assert_eq(disk_image_flush(img), 0);
  disk_image_close(img);
  FILE *f = fopen(dit_path, "rb");
  fseek(f, 512, SEEK_SET);
  uint8_t c[512];
  cr_assert_eq(fread(c, 1, 512, f), 512);
  fclose(f);
  for (int i = 0; i < 512; i++) cr_assert_eq(c[i], 0xA5);
}

Test(disk_image, read_only_refuses_writes) {
  dit_make(1024);
  char err[256];
  DiskImage *img = disk_image_open(dit_path, true, err, sizeof err);
  cr_assert_not_null(img, "%s", err);
  uint8_t b[16] = {0};
  cr_assert_eq(disk_image_write(img, 0, b, 16), -1);
  cr_assert(strstr(img->error, "read-only"), "%s", img->error);
  disk_image_close(img);
}

Test(disk_image, truncated_file_reports) {
  dit_make(4096);
  char err[256];
  DiskImage *img = disk_image_open(dit_path, true, err, sizeof err);
  cr_assert_not_null(img);
  cr_assert_eq(truncate(dit_path, 1000), 0);
  uint8_t b[512];
  cr_assert_eq(disk_image_read(img, 512, b, 512), -1);
  cr_assert(strstr(img->error, "truncated"), "%s", img->error);
  disk_image_close(img);
}

static int dit_ntrace;
static uint64_t dit_off;
static uint32_t dit_len;
static void dit_trace(void *opaque, const char *dev, const char *op, uint64_t offset, uint32_t len) {
  (void)opaque;
  cr_assert_str_eq(dev, "fd0");
  if (!strcmp(op, "read")) {
    dit_ntrace++;
    dit_off = offset;
    dit_len = len;
  }
}

Test(disk_image, trace_hook_sees_host_offsets) {
  dit_make(2048);
  char err[256];
  DiskImage *img = disk_image_open(dit_path, true, err, sizeof err);
  img->trace = dit_trace;
  img->dev = "fd0";
  uint8_t b[300];
  disk_image_read(img, 700, b, 300);
  cr_assert_eq(dit_ntrace, 1);
  cr_assert_eq(dit_off, 700);
  cr_assert_eq(dit_len, 300);
  disk_image_close(img);
}
