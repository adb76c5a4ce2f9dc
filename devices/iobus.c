/* Port I/O dispatch; see iobus.h. */
#include "devices/iobus.h"

#include <stdio.h>
#include <stdlib.h>

IoBus *iobus_new(void) {
  IoBus *bus = calloc(1, sizeof *bus);
  if (!bus) {
    fprintf(stderr, "holo86: out of memory\n");
    exit(1);
  }
  return bus;
}

void iobus_free(IoBus *bus) { free(bus); }

int iobus_register(IoBus *bus, uint16_t first, int count, const IoPortOps *ops,
                   void *opaque, const char *name) {
  int h = -1;
  for (int i = 0; i < bus->count; i++)
    if (bus->handlers[i].ops == ops && bus->handlers[i].opaque == opaque) h = i;
  if (h < 0) {
    if (bus->count == 255) return -1;
    h = bus->count++;
    bus->handlers[h].ops = ops;
    bus->handlers[h].opaque = opaque;
    bus->handlers[h].name = name;
  }
  for (int i = 0; i < count; i++) bus->slot[(uint16_t)(first + i)] = (uint8_t)(h + 1);
  return 0;
}

void iobus_unregister(IoBus *bus, uint16_t first, int count) {
  for (int i = 0; i < count; i++) bus->slot[(uint16_t)(first + i)] = 0;
}

uint32_t io_in(IoBus *bus, uint16_t port, int size) {
  int s = bus->slot[port];
  bus->accesses++;
  uint32_t v = !s ? (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1)
                  : bus->handlers[s - 1].ops->in(bus->handlers[s - 1].opaque, port, size);
  if (bus->trace)
    bus->trace(bus->trace_opaque, s ? bus->handlers[s - 1].name : "unclaimed", port, size, v, false);
  return v;
}

void io_out(IoBus *bus, uint16_t port, int size, uint32_t value) {
  int s = bus->slot[port];
  bus->accesses++;
  if (bus->trace)
    bus->trace(bus->trace_opaque, s ? bus->handlers[s - 1].name : "unclaimed", port, size, value, true);
  if (s) bus->handlers[s - 1].ops->out(bus->handlers[s - 1].opaque, port, size, value);
}
