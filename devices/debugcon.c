/* Debug console and exit port; see debugcon.h. */
#include "devices/debugcon.h"

static uint32_t debugcon_in(void *opaque, uint16_t port, int size) {
  (void)opaque;
  (void)size;
  return port == DEBUGCON_PORT ? 0xE9 : 0xFF;
}

static void debugcon_out(void *opaque, uint16_t port, int size, uint32_t value) {
  DebugCon *d = opaque;
  (void)size;
  if (port == DEBUGCON_PORT) {
    fputc((int)(value & 0xFF), d->out);
    if ((value & 0xFF) == '\n') fflush(d->out);
  } else {
    d->exit_requested = true;
    d->exit_status = (int)(value & 0xFF);
    fflush(d->out);
    if (d->on_exit) d->on_exit(d->opaque);
  }
}

static const IoPortOps debugcon_ops = {debugcon_in, debugcon_out};

static void debugcon_reset(Device *dev) {
  DebugCon *d = (DebugCon *)dev;
  d->exit_requested = false;
  d->exit_status = 0;
}

void debugcon_init(DebugCon *d, IoBus *bus, FILE *out) {
  *d = (DebugCon){.dev = {.name = "debugcon", .reset = debugcon_reset}, .out = out};
  iobus_register(bus, DEBUGCON_PORT, 1, &debugcon_ops, d, "debugcon");
  iobus_register(bus, EXIT_PORT, 1, &debugcon_ops, d, "exit");
}
