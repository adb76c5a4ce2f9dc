/* PNG encoder; see png.h. Layout: the 8-byte signature, IHDR (width,
 * height, bit depth 8, colour type 2 = RGB, deflate, filter method 0, no
 * interlace), one IDAT with the zlib stream of the filtered rows (filter
 * type 0, "None", before each row), IEND. Every chunk is length, type,
 * data, CRC-32 of type and data. */
#include "frontend/png.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* Append a chunk at out + *pos (the caller made room). */
static void chunk(uint8_t *out, size_t *pos, const char type[4], const uint8_t *data, uint32_t len) {
  uint8_t *p = out + *pos;
  put32(p, len);
  memcpy(p + 4, type, 4);
  if (len) memcpy(p + 8, data, len);
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, p + 4, 4 + len);
  put32(p + 8 + len, (uint32_t)crc);
  *pos += 12 + (size_t)len;
}

uint8_t *png_encode(const uint32_t *pixels, int width, int height, size_t *size, char *err,
                    size_t errlen) {
  if (width <= 0 || height <= 0 || width > 65535 || height > 65535) {
    snprintf(err, errlen, "cannot encode a %d x %d picture", width, height);
    return NULL;
  }
  size_t stride = 1 + (size_t)width * 3;
  size_t raw_len = stride * (size_t)height;
  uint8_t *raw = malloc(raw_len);
  uLongf zlen = compressBound((uLong)raw_len);
  uint8_t *z = malloc(zlen);
  uint8_t *out = NULL;
  if (!raw || !z) goto oom;
  for (int y = 0; y < height; y++) {
    uint8_t *row = raw + stride * (size_t)y;
    const uint32_t *src = pixels + (size_t)y * (size_t)width;
    row[0] = 0; /* filter: None */
    for (int x = 0; x < width; x++) {
      row[1 + 3 * x] = (uint8_t)(src[x] >> 16);
      row[2 + 3 * x] = (uint8_t)(src[x] >> 8);
      row[3 + 3 * x] = (uint8_t)src[x];
    }
  }
  if (compress2(z, &zlen, raw, (uLong)raw_len, 6) != Z_OK) {
    snprintf(err, errlen, "zlib compression failed");
    goto fail;
  }
  if (zlen > 0x7FFFFFFFu) {
    snprintf(err, errlen, "picture too large for one PNG chunk");
    goto fail;
  }
  out = malloc(sizeof signature + 12 + 13 + 12 + zlen + 12);
  if (!out) goto oom;
  size_t pos = sizeof signature;
  memcpy(out, signature, sizeof signature);
  uint8_t ihdr[13];
  put32(ihdr, (uint32_t)width);
  put32(ihdr + 4, (uint32_t)height);
  ihdr[8] = 8;  /* bit depth */
  ihdr[9] = 2;  /* colour type: RGB */
  ihdr[10] = 0; /* compression: deflate */
  ihdr[11] = 0; /* filter method 0 */
  ihdr[12] = 0; /* no interlace */
  chunk(out, &pos, "IHDR", ihdr, sizeof ihdr);
  chunk(out, &pos, "IDAT", z, (uint32_t)zlen);
  chunk(out, &pos, "IEND", NULL, 0);
  free(raw);
  free(z);
  *size = pos;
  return out;
oom:
  snprintf(err, errlen, "out of memory");
fail:
  free(raw);
  free(z);
  free(out);
  return NULL;
}

bool png_write(const char *path, const uint32_t *pixels, int width, int height, char *err,
               size_t errlen) {
  size_t size;
  uint8_t *png = png_encode(pixels, width, height, &size, err, errlen);
  if (!png) return false;
  FILE *f = fopen(path, "wb");
  if (!f) {
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    free(png);
    return false;
  }
  bool ok = fwrite(png, 1, size, f) == size;
  if (fclose(f) != 0) ok = false;
  free(png);
  if (!ok) snprintf(err, errlen, "error writing %s", path);
  return ok;
}
