/* Two ports for programs that talk to the emulator itself, as Bochs and
 * QEMU offer: the debug console at 0xE9 (each byte written goes to the
 * host's stdout; reading returns 0xE9 so a guest can detect it) and the
 * exit port at 0xF4 (writing N stops holo86 with exit status N). */
#ifndef HOLO86_DEBUGCON_H
#define HOLO86_DEBUGCON_H

#include <stdbool.h>
#include <stdio.h>

#include "devices/device.h"
#include "devices/iobus.h"

#define DEBUGCON_PORT 0xE9
#define EXIT_PORT 0xF4

typedef struct DebugCon {
  Device dev;
  FILE *out;
  bool exit_requested;
  int exit_status;
  void (*on_exit)(void *opaque); /* tells the machine to stop */
  void *opaque;
} DebugCon;

void debugcon_init(DebugCon *d, IoBus *bus, FILE *out);

#endif
