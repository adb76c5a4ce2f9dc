/* The PC: RAM, firmware ROM, the I/O bus with its devices, and the CPU,
 * wired together. The frontend builds one from options and runs it. */
#ifndef HOLO86_MACHINE_H
#define HOLO86_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "devices/debugcon.h"
#include "devices/iobus.h"
#include "mmu/physmem.h"

typedef struct Machine {
  PhysMem *mem;
  IoBus *io;
  Cpu *cpu;
  DebugCon debugcon;
  uint8_t *bios;
  uint32_t bios_size;
  bool no_reboot;
  unsigned resets; /* triple-fault resets so far */
} Machine;

typedef struct MachineConfig {
  uint32_t ram_mb;
  const uint8_t *bios; /* firmware image: 64 KiB..1 MiB, a multiple of 64 KiB */
  size_t bios_size;
  bool no_reboot; /* a triple fault stops the machine instead of resetting it */
} MachineConfig;

/* Returns NULL with a message in err on a bad configuration. */
Machine *machine_new(const MachineConfig *cfg, char *err, size_t errlen);
void machine_free(Machine *m);

typedef enum MachineStop {
  STOP_EXIT_PORT,   /* the guest wrote the exit port */
  STOP_HALTED,      /* HLT with interrupts disabled: nothing can wake it */
  STOP_SHUTDOWN,    /* triple fault with no_reboot */
  STOP_LIMIT,       /* the instruction limit was reached */
} MachineStop;

/* Run until the guest stops or max_insns retire (0 = no limit). */
MachineStop machine_run(Machine *m, uint64_t max_insns);

#endif
