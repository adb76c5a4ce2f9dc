/* System Control Port A (port 0x92, PS/2 and PIIX "fast A20 and init"):
 *   bit 0  FAST_INIT: a 0-to-1 transition resets the CPU
 *   bit 1  FAST_A20: A20 gate (OR-ed by the machine with the 8042's)
 *   bit 3  security lock latch: once set, stays set until reset
 *   bits 6-7 fixed-disk activity LEDs (stored)
 * Reads return the register as last written. Power-on value 0. */
#ifndef HOLO86_PORT92_H
#define HOLO86_PORT92_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"
#include "devices/iobus.h"

typedef struct Port92 {
  Device dev;
  uint8_t value;
  /* Wiring (optional). */
  void (*set_a20)(void *opaque, bool enabled); /* bit 1 changed */
  void (*reset)(void *opaque);                 /* bit 0 went from 0 to 1 */
  void *opaque;
} Port92;

void port92_init(Port92 *p, IoBus *io);
/* The A20 gate this port asks for (bit 1). */
bool port92_a20(const Port92 *p);

#endif
