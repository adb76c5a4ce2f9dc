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

#include "mmu/paging.h"

#define SLICE_INSNS 20000 /* about 0.1 ms of guest time at interpreter speed */

static uint64_t host_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t machine_now(Machine *m) { return host_ns() - m->host_origin_ns; }

static uint64_t now_cb(void *opaque) { return machine_now(opaque); }
static void resched_cb(void *opaque) { ((Machine *)opaque)->resched = true; }
static void stop_cpu(void *opaque) { ((Cpu *)opaque)->events |= EV_STOP; }
static void intr_changed(void *opaque, bool level) { cpu_set_intr(opaque, level); }
static int intr_ack(void *opaque) { return pic_ack(opaque); }

/* COM1's output: to the configured file, and into the tail buffer the
 * --until-serial condition looks at. */
static void serial_write(void *opaque, uint8_t byte) {
  Machine *m = opaque;
  if (m->serial_out) {
    fputc(byte, m->serial_out);
    if (byte == '\n') fflush(m->serial_out);
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

static void vga_map_changed(void *opaque) { paging_flush_all(((Machine *)opaque)->cpu); }

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

/* Devices hand IRQs to the PIC through this, with the machine as opaque. */
static void machine_set_irq(void *opaque, int irq, int level) {
  pic_set_irq(&((Machine *)opaque)->pic, irq, level);
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

  pic_init(&m->pic, m->io);
  m->pic.intr_changed = intr_changed;
  m->pic.opaque = m->cpu;
  m->cpu->intr_ack = intr_ack;
  m->cpu->intr_opaque = &m->pic;
  machine_add_device(m, &m->pic.dev);

  pit_init(&m->pit, m->io);
  wire_timer_device(m, &m->pit.set_irq, &m->pit.now, &m->pit.resched, &m->pit.opaque);
  m->pit.set_irq = machine_set_irq;
  machine_add_device(m, &m->pit.dev);

  time_t t = time(NULL);
  struct tm start;
  localtime_r(&t, &start);
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
  m->vga.map_changed = vga_map_changed;
  m->vga.opaque = m;
  machine_add_device(m, &m->vga.dev);

  m->resched = true;
  return m;
}

void machine_free(Machine *m) {
  if (!m) return;
  vga_free(&m->vga);
  cpu_free(m->cpu);
  iobus_free(m->io);
  phys_free(m->mem);
  free(m->bios);
  free(m);
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
  for (ssize_t i = 0; i < n; i++) uart_receive(&m->com1, buf[i]);
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
  uint64_t host_start = host_ns();
  for (;;) {
    uint64_t now = machine_now(m);
    if (m->until_met) return STOP_UNTIL;
    if (m->timeout_ns && host_ns() - host_start >= m->timeout_ns) return STOP_TIMEOUT;
    if (m->until_screen && now >= next_screen_check) {
      if (screen_has(m, m->until_screen)) return STOP_UNTIL;
      next_screen_check = now + 20000000; /* 50 times a second */
    }
    if (m->resched || now >= m->next_deadline) m->next_deadline = run_timers(m, now);
    if (now >= next_input_poll) {
      poll_serial_input(m, 0);
      next_input_poll = now + 1000000; /* every millisecond */
    }
    if (c->halted) {
      /* HLT with IF=0 cannot end (no NMI source exists yet). */
      if (!(c->flags & F_IF)) return STOP_HALTED;
      if (!c->intr) {
        uint64_t wait = m->next_deadline > now ? m->next_deadline - now : 0;
        if (wait > 10000000) wait = 10000000;
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
    if (c->shutdown) {
      /* A PC's chipset answers the CPU's shutdown cycle with a reset. */
      fprintf(stderr, "holo86: triple fault at %04X:%08X%s\n", c->seg[SEG_CS].sel, c->eip,
              m->no_reboot ? "" : ": resetting the machine");
      if (m->no_reboot) return STOP_SHUTDOWN;
      m->resets++;
      cpu_reset(c);
      for (int i = 0; i < m->ndevices; i++)
        if (m->devices[i]->reset) m->devices[i]->reset(m->devices[i]);
      continue;
    }
    if (max_insns && done >= max_insns) return STOP_LIMIT;
  }
}
