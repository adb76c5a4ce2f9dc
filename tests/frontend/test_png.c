/* The PNG encoder (frontend/png.c): signature, chunk layout and CRCs, and
 * the pixels back through zlib's inflate. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "frontend/png.h"

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

Test(png, round_trip) {
  enum { W = 7, H = 5 };
  uint32_t pix[W * H];
  for (int i = 0; i < W * H; i++) pix[i] = (uint32_t)(i * 0x010203u * 7 + 0x123456u) & 0xFFFFFF;
  size_t size;
  char err[128];
  uint8_t *png = png_encode(pix, W, H, &size, err, sizeof err);
  cr_assert_not_null(png, "%s", err);
  static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  cr_assert(size > 8 && !memcmp(png, sig, 8), "signature");
  /* Walk the chunks: IHDR first, IDATs, IEND last; every CRC right. */
  size_t pos = 8;
  int n = 0;
  uint8_t *z = NULL;
  size_t zlen = 0;
  bool iend = false;
  while (pos + 12 <= size) {
    uint32_t len = be32(png + pos);
    cr_assert(pos + 12 + len <= size, "chunk %d runs past the end", n);
    const uint8_t *type = png + pos + 4, *data = png + pos + 8;
    uint32_t crc = (uint32_t)crc32(crc32(0, Z_NULL, 0), type, 4 + len);
    cr_assert_eq(be32(data + len), crc, "CRC of chunk %.4s", type);
    if (n == 0) {
      cr_assert(!memcmp(type, "IHDR", 4) && len == 13);
      cr_assert_eq(be32(data), W);
      cr_assert_eq(be32(data + 4), H);
      cr_assert(data[8] == 8 && data[9] == 2 && data[10] == 0 && data[11] == 0 && data[12] == 0);
    } else if (!memcmp(type, "IDAT", 4)) {
      z = realloc(z, zlen + len);
      memcpy(z + zlen, data, len);
      zlen += len;
    } else if (!memcmp(type, "IEND", 4)) {
      cr_assert_eq(len, 0);
      iend = true;
    }
    pos += 12 + len;
    n++;
  }
  cr_assert(iend && pos == size, "IEND is the last chunk");
  uint8_t raw[H * (1 + W * 3)];
  uLongf rawlen = sizeof raw;
  cr_assert_eq(uncompress(raw, &rawlen, z, (uLong)zlen), Z_OK);
  cr_assert_eq(rawlen, sizeof raw);
  for (int y = 0; y < H; y++) {
    const uint8_t *row = raw + y * (1 + W * 3);
    cr_assert_eq(row[0], 0, "filter type None");
    for (int x = 0; x < W; x++) {
      uint32_t p = (uint32_t)row[1 + 3 * x] << 16 | (uint32_t)row[2 + 3 * x] << 8 | row[3 + 3 * x];
      cr_assert_eq(p, pix[y * W + x], "pixel (%d, %d)", x, y);
    }
  }
  free(z);
  free(png);
}

Test(png, refuses_empty) {
  size_t size;
  char err[128];
  uint32_t p = 0;
  cr_assert_null(png_encode(&p, 0, 1, &size, err, sizeof err));
  cr_assert_null(png_encode(&p, 1, 0, &size, err, sizeof err));
}

Test(png, write_error) {
  char err[256];
  uint32_t p = 0xFF0000;
  cr_assert(!png_write("/nonexistent-dir/x.png", &p, 1, 1, err, sizeof err));
  cr_assert(strstr(err, "cannot write"), "%s", err);
}
