/* The PC: RAM, firmware ROM, the I/O bus with its devices, and the CPU,
 * wired together, and the loop that runs them in virtual time. The
 * frontend builds one from options and runs it. */
#ifndef HOLO86_MACHINE_H
#define HOLO86_MACHINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu.h"
#include "devices/acpi_pm.h"
#include "devices/coproc.h"
#include "devices/debugcon.h"
#include "devices/disk_image.h"
#include "devices/dma.h"
#include "devices/fdc.h"
#include "devices/fwcfg.h"
#include "devices/i440fx.h"
#include "devices/ide.h"
#include "devices/ioapic.h"
#include "devices/iobus.h"
#include "devices/kbc.h"
#include "devices/lapic.h"
#include "devices/pci.h"
#include "devices/pic.h"
#include "devices/pit.h"
#include "devices/port92.h"
#include "devices/rtc.h"
#include "devices/typist.h"
#include "devices/uart.h"
#include "devices/vga.h"
#include "mmu/physmem.h"

#define MACHINE_MAX_DEVICES 32
#define DET_NS_PER_INSN 5 /* --deterministic: the guest sees a 200 MIPS CPU */

typedef struct Machine {
  PhysMem *mem;
  IoBus *io;
  Cpu *cpu;
  DebugCon debugcon;
  Pic pic;
  Lapic lapic;        /* the CPU's local APIC: every interrupt reaches the CPU through it */
  IoApic ioapic;
  Pit pit;
  Rtc rtc;
  Uart com1;
  Vga vga;
  PciBus pci;
  I440fx chipset;     /* i440FX host bridge + PIIX3 ISA bridge */
  AcpiPm pm;          /* PIIX4-style power management */
  Kbc kbc;
  Port92 port92;
  FwCfg fwcfg;
  Coproc coproc;      /* FERR# -> IRQ13 */
  Dma dma;
  Fdc fdc;
  Ide ide;
  DiskImage *floppy[2], *disk[2], *cdrom;
  FILE *serial_out;   /* where COM1's transmitted bytes go, or NULL */
  bool serial_unflushed; /* serial_out holds bytes after the last newline */
  int serial_in_fd;   /* where COM1's received bytes come from, or -1 */
  /* Sees each byte from serial_in_fd first and returns false to keep it
   * from the guest (the frontend's escape keys); NULL: all go through. */
  bool (*serial_in_filter)(struct Machine *m, uint8_t byte);
  Device *devices[MACHINE_MAX_DEVICES];
  int ndevices;
  uint8_t *bios;
  uint32_t bios_size;
  bool no_reboot;
  unsigned resets;    /* triple-fault resets so far */
  /* Virtual time: nanoseconds since power-on, following the host clock —
   * or, when deterministic, DET_NS_PER_INSN per retired instruction plus
   * the idle time skipped while the CPU halted. */
  bool deterministic;
  uint64_t idle_ns;
  uint64_t host_origin_ns;
  uint64_t next_deadline;
  bool resched;
  /* Stop conditions for scripts and tests (frontend options). */
  uint64_t timeout_ns;          /* host time allowed, 0: none */
  const char *until_serial;     /* stop once this appears on COM1 */
  const char *until_screen;     /* stop once this appears on the text screen */
  char serial_tail[256];        /* the latest COM1 output, for until_serial */
  size_t serial_tail_len;
  bool until_met;
  /* Frontend hook: machine_run calls frontend_tick 60 times a second of
   * host time, between slices, also while the CPU halts or is paused (the
   * display's event pump and redraw, the monitor's input). */
  void (*frontend_tick)(void *opaque);
  void *frontend_opaque;
  bool paused;         /* set by the frontend: the CPU and virtual time stand still */
  bool quit_requested; /* set by the frontend: machine_run returns STOP_QUIT */
  /* Debugger hook (the gdb stub): called before every slice with timeout 0
   * and, while paused, instead of sleeping with a timeout of a few ms it may
   * block for serving its client. It sets paused and quit_requested itself. */
  void (*debug_poll)(void *opaque, int timeout_ms);
  void *debug_opaque;
  Typist typist;         /* --type */
  bool reset_requested;  /* keyboard controller, port 0x92 or 0xCF9 */
  bool powered_off;      /* ACPI S5 */
} Machine;

typedef struct MachineConfig {
  uint32_t ram_mb;
  const uint8_t *bios; /* firmware image: 64 KiB..1 MiB, a multiple of 64 KiB */
  size_t bios_size;
  bool no_reboot; /* a triple fault stops the machine instead of resetting it */
  bool deterministic; /* virtual time from retired instructions; RTC from a fixed date */
  FILE *serial_out; /* COM1 output (NULL: discarded) */
  int serial_in_fd; /* COM1 input (-1: none) */
  const uint8_t *vga_rom; /* VGA option ROM behind the card's ROM BAR, or NULL */
  size_t vga_rom_size;
  /* Media: image paths or NULL. */
  const char *fda, *fdb, *hda, *hdb, *cdrom;
  const char *boot_order; /* letters a (floppy), c (disk), d (CD-ROM); NULL: QEMU's default */
} MachineConfig;

/* Returns NULL with a message in err on a bad configuration (including a
 * missing or unusable disk image). */
Machine *machine_new(const MachineConfig *cfg, char *err, size_t errlen);
void machine_free(Machine *m);
/* Add a device whose reset/timer hooks the machine drives. */
void machine_add_device(Machine *m, Device *d);
/* Current virtual time in nanoseconds. */
uint64_t machine_now(Machine *m);

typedef enum MachineStop {
  STOP_EXIT_PORT,   /* the guest wrote the exit port */
  STOP_HALTED,      /* HLT with interrupts disabled: nothing can wake it */
  STOP_SHUTDOWN,    /* triple fault with no_reboot */
  STOP_LIMIT,       /* the instruction limit was reached */
  STOP_UNTIL,       /* the --until-serial / --until-screen text appeared */
  STOP_TIMEOUT,     /* the host-time limit ran out */
  STOP_QUIT,        /* the frontend asked to quit (monitor, window closed) */
  STOP_POWEROFF,    /* the guest powered the machine off (ACPI S5) */
  STOP_JIT_DIVERGED, /* --jit-check: the JIT and the interpreter differed */
} MachineStop;

/* The VGA text screen as plain text lines (characters outside printable
 * ASCII become spaces); false in graphics modes. buf gets at most len
 * bytes, NUL-terminated. */
bool machine_screen_text(Machine *m, char *buf, size_t len);

/* Run until the guest stops or max_insns retire (0 = no limit). */
MachineStop machine_run(Machine *m, uint64_t max_insns);

#endif
