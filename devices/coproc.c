/* Coprocessor-error latch; see coproc.h. */
#include "devices/coproc.h"

#define COPROC_IRQ 13

static void coproc_set(Coproc *cp, bool level) {
  cp->latched = level;
  if (cp->set_irq) cp->set_irq(cp->opaque, COPROC_IRQ, level);
}

void coproc_ferr(void *opaque, bool level) {
  /* A rising FERR# sets the latch; only port 0xF0 clears it. */
  if (level) coproc_set(opaque, true);
}

static uint32_t coproc_in(void *opaque, uint16_t port, int size) {
  (void)opaque;
  (void)port;
  (void)size;
  return 0xFF;
}

static void coproc_out(void *opaque, uint16_t port, int size, uint32_t value) {
  (void)size;
  (void)value;
  if (port == 0xF0) coproc_set(opaque, false);
}

static const IoPortOps coproc_ops = {coproc_in, coproc_out};

static void coproc_reset(Device *d) { coproc_set((Coproc *)d, false); }

void coproc_init(Coproc *cp, IoBus *io) {
  *cp = (Coproc){.dev = {.name = "coproc", .reset = coproc_reset}};
  iobus_register(io, 0xF0, 2, &coproc_ops, cp, "coproc");
}
