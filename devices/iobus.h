/* Port I/O: the 64 KiB x86 I/O space. Devices claim port ranges; the CPU
 * calls io_in/io_out without knowing who answers. An unclaimed port reads
 * as all ones (open bus) and ignores writes, as on a PC. */
#ifndef HOLO86_IOBUS_H
#define HOLO86_IOBUS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct IoPortOps {
  uint32_t (*in)(void *opaque, uint16_t port, int size);
  void (*out)(void *opaque, uint16_t port, int size, uint32_t value);
} IoPortOps;

/* An observer of every port access (--trace-io): the device that answered
 * ("unclaimed" for open bus), the port, size, value and direction. */
typedef void (*IoTraceFn)(void *opaque, const char *dev, uint16_t port, int size, uint32_t value,
                          bool write);

typedef struct IoBus {
  uint8_t slot[65536]; /* 0 = unclaimed, else index + 1 into handlers */
  struct { const IoPortOps *ops; void *opaque; const char *name; } handlers[255];
  int count;
  /* Port accesses so far, claimed or not: lockstep checking (jit/lockstep.c)
   * never re-runs a block that made one (a device saw it). */
  uint64_t accesses;
  IoTraceFn trace;     /* NULL unless tracing */
  void *trace_opaque;
} IoBus;

IoBus *iobus_new(void);
void iobus_free(IoBus *bus);
/* Claim ports [first, first + count). Returns 0, or -1 if out of slots. */
int iobus_register(IoBus *bus, uint16_t first, int count, const IoPortOps *ops,
                   void *opaque, const char *name);
/* Release ports [first, first + count) (a PCI I/O BAR moved). */
void iobus_unregister(IoBus *bus, uint16_t first, int count);
uint32_t io_in(IoBus *bus, uint16_t port, int size);
void io_out(IoBus *bus, uint16_t port, int size, uint32_t value);

#endif
