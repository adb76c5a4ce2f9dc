/* StateBuf: the byte stream device save/load go through; see device.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/device.h"

void state_put(StateBuf *s, const void *p, size_t n) {
  if (s->len + n > s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 256;
    while (cap < s->len + n) cap *= 2;
    uint8_t *d = realloc(s->data, cap);
    if (!d) {
      fprintf(stderr, "holo86: out of memory\n");
      exit(1);
    }
    s->data = d;
    s->cap = cap;
  }
  memcpy(s->data + s->len, p, n);
  s->len += n;
}

void state_get(StateBuf *s, void *p, size_t n) {
  if (s->pos + n > s->len) {
    s->error = true;
    memset(p, 0, n);
    return;
  }
  memcpy(p, s->data + s->pos, n);
  s->pos += n;
}
