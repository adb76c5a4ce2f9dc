/* Whole-file reads; see hostfile.h. */
#include "devices/hostfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

uint8_t *hostfile_read(const char *path, size_t *size, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0, n;
  do {
    if (len == cap) {
      if (cap >= 0x100000000ull) { /* nothing this big fits in 32-bit RAM */
        free(buf);
        fclose(f);
        fail(err, errlen, "%s is larger than 4 GiB", path);
        return NULL;
      }
      cap = cap ? cap * 2 : 65536;
      uint8_t *b = realloc(buf, cap);
      if (!b) {
        free(buf);
        fclose(f);
        fail(err, errlen, "out of memory reading %s", path);
        return NULL;
      }
      buf = b;
    }
    n = fread(buf + len, 1, cap - len, f);
    len += n;
  } while (n > 0);
  bool bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    fail(err, errlen, "error reading %s", path);
    return NULL;
  }
  *size = len;
  return buf;
}

