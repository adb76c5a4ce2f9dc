/* The one interface every emulated device sits behind. The machine owns
 * a list of these; the CPU never sees them, only the I/O bus and the
 * physical memory map they registered on, and the interrupt line.
 *
 * A device's state struct begins with (or contains) a Device. Each hook is
 * optional (NULL when the device has nothing to do). */
#ifndef HOLO86_DEVICE_H
#define HOLO86_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Device Device;

/* A serialised device state: a growable byte buffer written and read in
 * the same order. */
typedef struct StateBuf {
  uint8_t *data;
  size_t len, cap, pos;
  bool error; /* a read ran past the end */
} StateBuf;

void state_put(StateBuf *s, const void *p, size_t n);
void state_get(StateBuf *s, void *p, size_t n);

struct Device {
  const char *name;
  /* Back to the power-on state. */
  void (*reset)(Device *d);
  /* Append/restore the device state. */
  void (*save)(Device *d, StateBuf *s);
  void (*load)(Device *d, StateBuf *s);
  /* Virtual time advanced to now_ns; returns the next time (ns) the device
   * wants to be called, or UINT64_MAX for never. */
  uint64_t (*timer)(Device *d, uint64_t now_ns);
};

#endif
