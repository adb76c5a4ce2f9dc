/* Machine assembly and the main run loop; see machine.h. */
#include "devices/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void stop_cpu(void *opaque) { ((Cpu *)opaque)->events |= EV_STOP; }

Machine *machine_new(const MachineConfig *cfg, char *err, size_t errlen) {
  if (cfg->ram_mb < 1 || cfg->ram_mb > 3072) {
    snprintf(err, errlen, "memory size %u MiB is out of range (1..3072)", cfg->ram_mb);
    return NULL;
  }
  if (cfg->bios_size < 0x10000 || cfg->bios_size > 0x100000 || cfg->bios_size % 0x10000) {
    snprintf(err, errlen,
             "firmware image is %zu bytes; it must be 64 KiB to 1 MiB in 64 KiB steps",
             cfg->bios_size);
    return NULL;
  }
  Machine *m = calloc(1, sizeof *m);
  if (!m || !(m->bios = malloc(cfg->bios_size))) {
    snprintf(err, errlen, "out of memory");
    free(m);
    return NULL;
  }
  memcpy(m->bios, cfg->bios, cfg->bios_size);
  m->bios_size = (uint32_t)cfg->bios_size;
  m->no_reboot = cfg->no_reboot;
  m->mem = phys_new(cfg->ram_mb << 20);
  m->io = iobus_new();
  /* The firmware sits at the top of the 4 GiB space, where the reset
   * vector is, and its last 128 KiB also below 1 MiB, as on a PC. */
  phys_map_host(m->mem, (uint32_t)(0x100000000ull - m->bios_size), m->bios_size, m->bios, true);
  uint32_t low = m->bios_size < 0x20000 ? m->bios_size : 0x20000;
  phys_map_host(m->mem, 0x100000 - low, low, m->bios + m->bios_size - low, true);
  m->cpu = cpu_new(m->mem, m->io);
  debugcon_init(&m->debugcon, m->io, stdout);
  m->debugcon.on_exit = stop_cpu;
  m->debugcon.opaque = m->cpu;
  return m;
}

void machine_free(Machine *m) {
  if (!m) return;
  cpu_free(m->cpu);
  iobus_free(m->io);
  phys_free(m->mem);
  free(m->bios);
  free(m);
}

MachineStop machine_run(Machine *m, uint64_t max_insns) {
  Cpu *c = m->cpu;
  uint64_t done = 0;
  for (;;) {
    uint64_t slice = 1000000;
    if (max_insns && max_insns - done < slice) slice = max_insns - done;
    done += cpu_run(c, slice);
    if (m->debugcon.exit_requested) return STOP_EXIT_PORT;
    if (c->shutdown) {
      /* A PC's chipset answers the CPU's shutdown cycle with a reset. */
      fprintf(stderr, "holo86: triple fault at %04X:%08X%s\n", c->seg[SEG_CS].sel, c->eip,
              m->no_reboot ? "" : ": resetting the machine");
      if (m->no_reboot) return STOP_SHUTDOWN;
      m->resets++;
      cpu_reset(c);
      continue;
    }
    /* No interrupt controller is attached yet, so a halted CPU stays so. */
    if (c->halted) return STOP_HALTED;
    if (max_insns && done >= max_insns) return STOP_LIMIT;
  }
}
