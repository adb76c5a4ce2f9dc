/* Machine assembly and the main loop; see machine.h.
 *
 * Time: virtual time follows the host clock. The loop runs the CPU in
 * slices, then lets every device catch up to "now" through its timer hook,
 * which also says when it next needs attention. A halted CPU sleeps until
 * that deadline (or until serial input arrives), so an idle guest costs
 * almost no host CPU. */
#include "devices/machine.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpu/blocks.h"
#include "jit/jit.h"
#include "mmu/paging.h"

#define SLICE_INSNS 20000 /* about 0.1 ms of guest time at interpreter speed */
/* QEMU's x86 fw_cfg item: non-zero tells SeaBIOS that ISA IRQ 0 is on
 * I/O APIC pin 2, which its MP table and MADT then say. */
#define FW_CFG_IRQ0_OVERRIDE 0x8002
#define FRONTEND_TICK_NS 16666667u /* the display's refresh: 60 Hz */

static uint64_t host_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t machine_now(Machine *m) {
  if (m->deterministic) return (m->cpu ? m->cpu->icount * DET_NS_PER_INSN : 0) + m->idle_ns;
  return host_ns() - m->host_origin_ns;
}

static uint64_t now_cb(void *opaque) { return machine_now(opaque); }
static void resched_cb(void *opaque) { ((Machine *)opaque)->resched = true; }
static void stop_cpu(void *opaque) { ((Cpu *)opaque)->events |= EV_STOP; }

/* Interrupt wiring (see machine_new): the 8259's INT goes to the local
 * APIC's LINT0 and to I/O APIC pin 0; the local APIC drives the CPU's
 * INTR and answers its acknowledge, asking the 8259 for ExtINTs. */
static void pic_intr_changed(void *opaque, bool level) {
  Machine *m = opaque;
  lapic_set_lint(&m->lapic, 0, level);
  ioapic_set_irq(&m->ioapic, 0, level);
}
static void intr_changed(void *opaque, bool level) { cpu_set_intr(((Machine *)opaque)->cpu, level); }
static int intr_ack(void *opaque) { return lapic_ack(opaque); }
static int extint_ack(void *opaque) { return pic_ack(&((Machine *)opaque)->pic); }
static void apic_eoi(void *opaque, uint8_t vector) { ioapic_eoi(&((Machine *)opaque)->ioapic, vector); }
static bool apic_deliver(void *opaque, uint8_t dest, bool logical, int mode, uint8_t vector, bool level) {
  return lapic_deliver(opaque, dest, logical, mode, vector, level);
}
static uint64_t apic_base_read(void *opaque) { return lapic_base_msr(opaque); }
static bool apic_base_write(void *opaque, uint64_t value) { return lapic_set_base_msr(opaque, value); }

/* COM1's output: to the configured file, and into the tail buffer the
 * --until-serial condition looks at. */
static void serial_write(void *opaque, uint8_t byte) {
  Machine *m = opaque;
  if (m->serial_out) {
    fputc(byte, m->serial_out);
    m->serial_unflushed = byte != '\n';
    if (!m->serial_unflushed) fflush(m->serial_out);
  }
  if (m->until_serial) {
    size_t cap = sizeof m->serial_tail - 1;
    if (m->serial_tail_len == cap) {
      memmove(m->serial_tail, m->serial_tail + cap / 2, cap - cap / 2);
      m->serial_tail_len = cap - cap / 2;
    }
    m->serial_tail[m->serial_tail_len++] = (char)byte;
    m->serial_tail[m->serial_tail_len] = 0;
    if (strstr(m->serial_tail, m->until_serial)) {
      m->until_met = true;
      m->cpu->events |= EV_STOP;
    }
  }
}

/* A device page moved (a PCI BAR, the local APIC): cached translations
 * are stale. */
static void mmio_moved(void *opaque) { paging_flush_all(((Machine *)opaque)->cpu); }

/* PAM shadowing switched what 0xC0000-0xFFFFF shows: translations and
 * decoded code from there are stale. */
static void pam_changed(void *opaque, uint32_t addr, uint32_t size) {
  (void)addr;
  (void)size;
  Cpu *c = ((Machine *)opaque)->cpu;
  paging_flush_all(c);
  blocks_flush(c->blocks);
  c->events |= EV_SMC;
}

/* Both A20 sources (8042 output port, port 0x92) are ORed, as on boards. */
static void a20_changed(void *opaque, bool enabled) {
  Machine *m = opaque;
  (void)enabled;
  cpu_set_a20(m->cpu, kbc_a20(&m->kbc) || port92_a20(&m->port92));
}

/* Called from inside an OUT: the reset happens in the run loop. */
static void request_reset(void *opaque) {
  Machine *m = opaque;
  m->reset_requested = true;
  m->cpu->events |= EV_STOP;
}

static void power_off(void *opaque) {
  Machine *m = opaque;
  m->powered_off = true;
  m->cpu->events |= EV_STOP;
}

/* Open an image or say why not. */
static DiskImage *open_image(const char *path, bool read_only, char *err, size_t errlen) {
  DiskImage *img = disk_image_open(path, read_only, err, errlen);
  if (!img && !read_only) img = disk_image_open(path, true, err, errlen);
  return img;
}

/* The CMOS bytes SeaBIOS and DOS read: memory sizes, floppy types,
 * equipment, boot order (QEMU's 0x3D/0x38 convention). */
static void setup_cmos(Machine *m, uint32_t ram_mb, const char *order) {
  Rtc *r = &m->rtc;
  uint32_t ext_kb = ram_mb > 1 ? (ram_mb - 1) * 1024 : 0;
  if (ext_kb > 0xFFFF) ext_kb = 0xFFFF;
  rtc_cmos_set(r, 0x15, 640 & 0xFF);
  rtc_cmos_set(r, 0x16, 640 >> 8);
  rtc_cmos_set(r, 0x17, ext_kb & 0xFF);
  rtc_cmos_set(r, 0x18, ext_kb >> 8);
  rtc_cmos_set(r, 0x30, ext_kb & 0xFF);
  rtc_cmos_set(r, 0x31, ext_kb >> 8);
  uint32_t above16 = ram_mb > 16 ? (ram_mb - 16) * 16 : 0; /* 64 KiB units */
  if (above16 > 0xFFFF) above16 = 0xFFFF;
  rtc_cmos_set(r, 0x34, above16 & 0xFF);
  rtc_cmos_set(r, 0x35, above16 >> 8);
  rtc_cmos_set(r, 0x10, (uint8_t)(fdc_cmos_type(&m->fdc, 0) << 4 | fdc_cmos_type(&m->fdc, 1)));
  int nfloppy = (m->floppy[0] != NULL) + (m->floppy[1] != NULL);
  uint8_t equip = 0x06; /* FPU, PS/2 mouse; display per VGA BIOS */
  if (nfloppy) equip |= 0x01 | (uint8_t)((nfloppy - 1) << 6);
  rtc_cmos_set(r, 0x14, equip);
  int dev[3] = {0, 0, 0};
  for (int i = 0; i < 3 && order[i]; i++) dev[i] = order[i] == 'a' ? 1 : order[i] == 'c' ? 2 : 3;
  rtc_cmos_set(r, 0x3D, (uint8_t)(dev[1] << 4 | dev[0]));
  rtc_cmos_set(r, 0x38, (uint8_t)(dev[2] << 4));
}

bool machine_screen_text(Machine *m, char *buf, size_t len) {
  static uint16_t cells[VGA_TEXT_MAX_COLS * VGA_TEXT_MAX_ROWS];
  int cols, rows, cx, cy;
  if (!len || !vga_text_snapshot(&m->vga, cells, &cols, &rows, &cx, &cy)) return false;
  size_t n = 0;
  for (int y = 0; y < rows; y++) {
    int end = cols;
    while (end > 0 && ((cells[y * cols + end - 1] & 0xFF) == ' ' || !(cells[y * cols + end - 1] & 0xFF)))
      end--;
    for (int x = 0; x < end && n + 2 < len; x++) {
      uint8_t ch = (uint8_t)cells[y * cols + x];
      buf[n++] = ch >= 0x20 && ch < 0x7F ? (char)ch : ' ';
    }
    if (n + 1 < len) buf[n++] = '\n';
  }
  buf[n] = 0;
  return true;
}

void machine_add_device(Machine *m, Device *d) {
  if (m->ndevices == MACHINE_MAX_DEVICES) {
    fprintf(stderr, "holo86: too many devices\n");
    exit(1);
  }
  m->devices[m->ndevices++] = d;
}

static void wire_timer_device(Machine *m, void (**set_irq)(void *, int, int), uint64_t (**now)(void *),
                              void (**resched)(void *), void **opaque) {
  *set_irq = pic_irq_callback;
  *now = now_cb;
  *resched = resched_cb;
  *opaque = m;
}

/* Devices hand ISA IRQs (and the PCI interrupts PIIX3 routed onto them)
 * through this, with the machine as opaque: each goes to the 8259 and to
 * the I/O APIC pin of the same number, except IRQ 0 (the PIT), which is
 * on pin 2, as on the MP specification's default configuration, and as
 * the interrupt source override in SeaBIOS's tables says (FW_CFG_IRQ0_OVERRIDE). */
static void machine_set_irq(void *opaque, int irq, int level) {
  Machine *m = opaque;
  pic_set_irq(&m->pic, irq, level);
  ioapic_set_irq(&m->ioapic, irq ? irq : 2, level);
}

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
  m->host_origin_ns = host_ns();
  m->deterministic = cfg->deterministic;
  m->mem = phys_new(cfg->ram_mb << 20);
  m->io = iobus_new();
  /* The firmware sits at the top of the 4 GiB space, where the reset
   * vector is; the chipset shows its last 128 KiB below 1 MiB (PAM). */
  phys_map_host(m->mem, (uint32_t)(0x100000000ull - m->bios_size), m->bios_size, m->bios, true);
  m->cpu = cpu_new(m->mem, m->io);

  debugcon_init(&m->debugcon, m->io, stdout);
  m->debugcon.on_exit = stop_cpu;
  m->debugcon.opaque = m->cpu;

  pic_init(&m->pic, m->io);
  m->pic.intr_changed = pic_intr_changed;
  m->pic.opaque = m;
  machine_add_device(m, &m->pic.dev);
  lapic_init(&m->lapic, m->mem);
  m->lapic.intr_changed = intr_changed;
  m->lapic.extint_ack = extint_ack;
  m->lapic.eoi = apic_eoi;
  m->lapic.now = now_cb;
  m->lapic.resched = resched_cb;
  m->lapic.map_changed = mmio_moved;
  m->lapic.opaque = m;
  machine_add_device(m, &m->lapic.dev);
  ioapic_init(&m->ioapic, m->mem);
  m->ioapic.deliver = apic_deliver;
  m->ioapic.opaque = &m->lapic;
  machine_add_device(m, &m->ioapic.dev);
  m->cpu->intr_ack = intr_ack;
  m->cpu->intr_opaque = &m->lapic;
  m->cpu->apic_base_read = apic_base_read;
  m->cpu->apic_base_write = apic_base_write;
  m->cpu->apic_opaque = &m->lapic;
  m->cpu->clock_ns = now_cb;
  m->cpu->clock_opaque = m;

  pci_bus_init(&m->pci, m->io);
  i440fx_init(&m->chipset, &m->pci, m->mem, m->io, m->bios, m->bios_size);
  m->chipset.set_irq = machine_set_irq;
  m->chipset.mem_changed = pam_changed;
  m->chipset.reset = request_reset;
  m->chipset.opaque = m;
  machine_add_device(m, &m->chipset.dev);
  acpi_pm_init(&m->pm, &m->pci, m->io);
  m->pm.set_irq = machine_set_irq;
  m->pm.now = now_cb;
  m->pm.power_off = power_off;
  m->pm.opaque = m;
  machine_add_device(m, &m->pm.dev);
  kbc_init(&m->kbc, m->io);
  m->kbc.set_irq = machine_set_irq;
  m->kbc.set_a20 = a20_changed;
  m->kbc.reset = request_reset;
  m->kbc.opaque = m;
  machine_add_device(m, &m->kbc.dev);
  port92_init(&m->port92, m->io);
  m->port92.set_a20 = a20_changed;
  m->port92.reset = request_reset;
  m->port92.opaque = m;
  machine_add_device(m, &m->port92.dev);
  fwcfg_init(&m->fwcfg, m->io, m->mem);
  fwcfg_set_ram(&m->fwcfg, (uint64_t)cfg->ram_mb << 20);
  fwcfg_add_u32(&m->fwcfg, FW_CFG_IRQ0_OVERRIDE, 1);
  machine_add_device(m, &m->fwcfg.dev);

  pit_init(&m->pit, m->io);
  wire_timer_device(m, &m->pit.set_irq, &m->pit.now, &m->pit.resched, &m->pit.opaque);
  m->pit.set_irq = machine_set_irq;
  machine_add_device(m, &m->pit.dev);

  time_t t = time(NULL);
  struct tm start;
  localtime_r(&t, &start);
  if (m->deterministic) /* no host time enters the guest: 2000-01-01 00:00:00, a Saturday */
    start = (struct tm){.tm_year = 100, .tm_mon = 0, .tm_mday = 1, .tm_wday = 6};
  rtc_init(&m->rtc, m->io, &start);
  wire_timer_device(m, &m->rtc.set_irq, &m->rtc.now, &m->rtc.resched, &m->rtc.opaque);
  m->rtc.set_irq = machine_set_irq;
  machine_add_device(m, &m->rtc.dev);

  uart_init(&m->com1, m->io, UART_COM1_BASE, UART_COM1_IRQ);
  wire_timer_device(m, &m->com1.set_irq, &m->com1.now, &m->com1.resched, &m->com1.opaque);
  m->com1.set_irq = machine_set_irq;
  m->serial_out = cfg->serial_out;
  m->serial_in_fd = cfg->serial_in_fd;
  m->com1.backend = (UartBackend){serial_write, m};
  machine_add_device(m, &m->com1.dev);

  vga_init(&m->vga, m->io, m->mem);
  m->vga.now = now_cb;
  m->vga.map_changed = mmio_moved;
  m->vga.opaque = m;
  if (cfg->vga_rom) vga_set_rom(&m->vga, cfg->vga_rom, (uint32_t)cfg->vga_rom_size);
  pci_register(&m->pci, vga_pci(&m->vga));
  machine_add_device(m, &m->vga.dev);

  coproc_init(&m->coproc, m->io);
  m->coproc.set_irq = machine_set_irq;
  m->coproc.opaque = m;
  m->cpu->fpu.ferr = coproc_ferr;
  m->cpu->fpu.ferr_opaque = &m->coproc;
  machine_add_device(m, &m->coproc.dev);

  dma_init(&m->dma, m->io, m->mem);
  machine_add_device(m, &m->dma.dev);
  fdc_init(&m->fdc, m->io, &m->dma);
  m->fdc.set_irq = machine_set_irq;
  m->fdc.opaque = m;
  machine_add_device(m, &m->fdc.dev);
  ide_init(&m->ide, m->io);
  m->ide.set_irq = machine_set_irq;
  m->ide.opaque = m;
  pci_register(&m->pci, &m->ide.pci);
  machine_add_device(m, &m->ide.dev);

  /* Media: every image is opened before anything runs, so a bad one is a
   * clear error up front. */
  const char *fd[2] = {cfg->fda, cfg->fdb}, *hd[2] = {cfg->hda, cfg->hdb};
  char why[320];
  for (int i = 0; i < 2; i++) {
    if (fd[i]) {
      if (!(m->floppy[i] = open_image(fd[i], false, why, sizeof why)) ||
          fdc_insert(&m->fdc, i, m->floppy[i], why, sizeof why) < 0) {
        snprintf(err, errlen, "%s", why);
        machine_free(m);
        return NULL;
      }
    }
    if (hd[i]) {
      if (!(m->disk[i] = open_image(hd[i], false, why, sizeof why)) ||
          ide_attach(&m->ide, 0, i, IDE_HD, m->disk[i], why, sizeof why) < 0) {
        snprintf(err, errlen, "%s", why);
        machine_free(m);
        return NULL;
      }
    }
  }
  if (cfg->cdrom) {
    if (!(m->cdrom = open_image(cfg->cdrom, true, why, sizeof why)) ||
        ide_attach(&m->ide, 1, 0, IDE_CD, m->cdrom, why, sizeof why) < 0) {
      snprintf(err, errlen, "%s", why);
      machine_free(m);
      return NULL;
    }
  }
  const char *order = cfg->boot_order ? cfg->boot_order : (cfg->fda && !cfg->hda) ? "acd" : "cad";
  setup_cmos(m, cfg->ram_mb, order);

  m->resched = true;
  return m;
}

void machine_free(Machine *m) {
  if (!m) return;
  for (int i = 0; i < 2; i++) {
    disk_image_close(m->floppy[i]);
    disk_image_close(m->disk[i]);
  }
  disk_image_close(m->cdrom);
  fwcfg_free(&m->fwcfg);
  vga_free(&m->vga);
  cpu_free(m->cpu);
  iobus_free(m->io);
  phys_free(m->mem);
  free(m->bios);
  free(m);
}

/* A hardware reset: the CPU and every device back to power-on state. */
static void machine_reset(Machine *m) {
  cpu_reset(m->cpu);
  for (int i = 0; i < m->ndevices; i++)
    if (m->devices[i]->reset) m->devices[i]->reset(m->devices[i]);
  blocks_flush(m->cpu->blocks);
  m->resched = true;
}

/* Let every device catch up to now; returns the earliest next deadline. */
static uint64_t run_timers(Machine *m, uint64_t now) {
  uint64_t next = UINT64_MAX;
  m->resched = false;
  for (int i = 0; i < m->ndevices; i++) {
    Device *d = m->devices[i];
    if (!d->timer) continue;
    uint64_t t = d->timer(d, now);
    if (t < next) next = t;
  }
  return next;
}

/* Move bytes from the serial input to COM1 as it has room. */
static void poll_serial_input(Machine *m, int timeout_ms) {
  if (m->serial_in_fd < 0 || uart_rx_room(&m->com1) == 0) {
    if (timeout_ms > 0) {
      struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000};
      nanosleep(&ts, NULL);
    }
    return;
  }
  struct pollfd p = {.fd = m->serial_in_fd, .events = POLLIN};
  if (poll(&p, 1, timeout_ms) <= 0) return;
  if (p.revents & (POLLHUP | POLLERR | POLLNVAL) && !(p.revents & POLLIN)) {
    m->serial_in_fd = -1; /* end of input: stop listening */
    return;
  }
  uint8_t buf[16];
  int room = uart_rx_room(&m->com1);
  ssize_t n = read(m->serial_in_fd, buf, (size_t)(room < 16 ? room : 16));
  if (n <= 0) {
    if (n == 0 || errno != EINTR) m->serial_in_fd = -1;
    return;
  }
  for (ssize_t i = 0; i < n; i++)
    if (!m->serial_in_filter || m->serial_in_filter(m, buf[i])) uart_receive(&m->com1, buf[i]);
}

/* --until-screen: is the text on the VGA text screen? */
static bool screen_has(Machine *m, const char *text) {
  static char buf[VGA_TEXT_MAX_COLS * VGA_TEXT_MAX_ROWS + VGA_TEXT_MAX_ROWS + 1];
  return machine_screen_text(m, buf, sizeof buf) && strstr(buf, text);
}

MachineStop machine_run(Machine *m, uint64_t max_insns) {
  Cpu *c = m->cpu;
  uint64_t done = 0;
  uint64_t next_input_poll = 0, next_screen_check = 0;
  uint64_t host_start = host_ns(), next_tick = 0;
  for (;;) {
    uint64_t now = machine_now(m);
    if (m->until_met) return STOP_UNTIL;
    if (m->timeout_ns && host_ns() - host_start >= m->timeout_ns) return STOP_TIMEOUT;
    if (m->frontend_tick && host_ns() >= next_tick) {
      m->frontend_tick(m->frontend_opaque);
      /* 60 times a second, on a fixed grid: the time a tick takes (a
       * present may wait for the X server) must not lower the rate. After
       * a stall the grid starts afresh instead of catching up. */
      uint64_t t = host_ns();
      next_tick += FRONTEND_TICK_NS;
      if (next_tick <= t) next_tick = t + FRONTEND_TICK_NS;
    }
    if (m->debug_poll && !m->paused) m->debug_poll(m->debug_opaque, 0);
    if (m->quit_requested) return STOP_QUIT;
    if (m->paused) {
      /* Virtual time stands still: move its origin by the time slept. */
      uint64_t t0 = host_ns();
      struct timespec ts = {0, 5000000};
      if (m->debug_poll) m->debug_poll(m->debug_opaque, 5);
      else nanosleep(&ts, NULL);
      m->host_origin_ns += host_ns() - t0;
      continue;
    }
    typist_poll(&m->typist, m, now);
    /* With --type, --until-screen looks only once everything is typed. */
    if (m->until_screen && typist_done(&m->typist) && now >= next_screen_check) {
      if (screen_has(m, m->until_screen)) return STOP_UNTIL;
      next_screen_check = now + 20000000; /* 50 times a second */
    }
    if (m->resched || now >= m->next_deadline) m->next_deadline = run_timers(m, now);
    if (now >= next_input_poll) {
      /* A prompt has no newline: let it out within a millisecond. */
      if (m->serial_unflushed) {
        fflush(m->serial_out);
        m->serial_unflushed = false;
      }
      poll_serial_input(m, 0);
      next_input_poll = now + 1000000; /* every millisecond */
    }
    if (c->halted) {
      /* HLT with IF=0 cannot end (no NMI source exists yet). */
      if (!(c->flags & F_IF)) return STOP_HALTED;
      if (!c->intr) {
        uint64_t wait = m->next_deadline > now ? m->next_deadline - now : 0;
        if (wait > 10000000) wait = 10000000;
        if (m->deterministic) {
          /* Skip the idle time instead of sleeping through it. */
          m->idle_ns += wait ? wait : 1;
          poll_serial_input(m, 0);
          continue;
        }
        poll_serial_input(m, (int)(wait / 1000000));
        if (wait < 1000000) {
          struct timespec ts = {0, (long)wait};
          nanosleep(&ts, NULL);
        }
        continue;
      }
    }
    uint64_t slice = SLICE_INSNS;
    if (max_insns && max_insns - done < slice) slice = max_insns - done;
    done += cpu_run(c, slice);
    if (m->debugcon.exit_requested) return STOP_EXIT_PORT;
    if (m->until_met) return STOP_UNTIL;
    if (m->powered_off) return STOP_POWEROFF;
    if (c->jit && c->jit->stop_on_divergence && c->jit->divergences) return STOP_JIT_DIVERGED;
    if (m->reset_requested) {
      m->reset_requested = false;
      machine_reset(m);
      continue;
    }
    if (c->shutdown) {
      /* A PC's chipset answers the CPU's shutdown cycle with a reset. */
      fprintf(stderr, "holo86: triple fault at %04X:%08X%s\n", c->seg[SEG_CS].sel, c->eip,
              m->no_reboot ? "" : ": resetting the machine");
      if (m->no_reboot) return STOP_SHUTDOWN;
      m->resets++;
      machine_reset(m);
      continue;
    }
    if (max_insns && done >= max_insns) return STOP_LIMIT;
  }
}
