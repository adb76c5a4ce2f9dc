/* The PC/AT coprocessor-error wiring: the x87's FERR# output drives IRQ13
 * through a latch, and a write to port 0xF0 clears the latch (DOS-era
 * error handlers do that before FNCLEX). Used when CR0.NE=0. */
#ifndef HOLO86_COPROC_H
#define HOLO86_COPROC_H

#include <stdbool.h>

#include "devices/device.h"
#include "devices/iobus.h"

typedef struct Coproc {
  Device dev;
  bool latched;   /* IRQ13 asserted */
  void (*set_irq)(void *opaque, int irq, int level);
  void *opaque;
} Coproc;

void coproc_init(Coproc *cp, IoBus *io);
/* The FERR# hook the x87 calls (opaque: the Coproc). */
void coproc_ferr(void *opaque, bool level);

#endif
