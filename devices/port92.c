/* System Control Port A; see port92.h. */
#include "devices/port92.h"

#include <string.h>

static void write_value(Port92 *p, uint8_t v) {
  uint8_t old = p->value;
  p->value = (uint8_t)((v & 0xCB) | (old & 0x08)); /* the lock latches */
  if (((old ^ p->value) & 0x02) && p->set_a20) p->set_a20(p->opaque, p->value & 0x02);
  if ((p->value & 0x01) && !(old & 0x01) && p->reset) p->reset(p->opaque);
}

static uint32_t p92_in(void *opaque, uint16_t port, int size) {
  (void)port;
  Port92 *p = opaque;
  return size == 1 ? p->value : p->value | (size == 2 ? 0xFF00u : 0xFFFFFF00u);
}

static void p92_out(void *opaque, uint16_t port, int size, uint32_t value) {
  (void)port;
  (void)size;
  write_value(opaque, (uint8_t)value);
}

static const IoPortOps p92_ops = {p92_in, p92_out};

bool port92_a20(const Port92 *p) { return p->value & 0x02; }

static void dev_reset(Device *d) {
  Port92 *p = (Port92 *)d;
  uint8_t old = p->value;
  p->value = 0;
  if ((old & 0x02) && p->set_a20) p->set_a20(p->opaque, false);
}

static void dev_save(Device *d, StateBuf *s) { state_put(s, &((Port92 *)d)->value, 1); }
static void dev_load(Device *d, StateBuf *s) { state_get(s, &((Port92 *)d)->value, 1); }

void port92_init(Port92 *p, IoBus *io) {
  memset(p, 0, sizeof *p);
  p->dev.name = "port92";
  p->dev.reset = dev_reset;
  p->dev.save = dev_save;
  p->dev.load = dev_load;
  iobus_register(io, 0x92, 1, &p92_ops, p, "port92");
}
