/* The monitor; see monitor.h. */
#include "frontend/monitor.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <SDL2/SDL_scancode.h>

#include "frontend/input.h"
#include "frontend/pagewalk.h"
#include "frontend/screenshot.h"

struct Monitor {
  Ui *ui;
  int listen_fd;   /* unix socket, or -1 */
  int in_fd;       /* where commands come from (stdin or the client), -1 none */
  int out_fd;
  char path[108];
  char line[1024];
  size_t len;
  bool overlong;   /* the current line was too long: ignore it */
};

/* Argument parsing ------------------------------------------------------- */

static const char *const reg_names[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

/* A number (C syntax: 0x hex, decimal) or $register, optionally +/- a
 * number. */
static bool parse_addr(Cpu *c, const char *s, uint32_t *out) {
  uint64_t v = 0;
  char *end;
  if (*s == '$') {
    const char *name = s + 1;
    size_t n = strcspn(name, "+-");
    bool found = false;
    for (int i = 0; i < 8; i++)
      if (strlen(reg_names[i]) == n && !strncasecmp(name, reg_names[i], n)) {
        v = c->r[i];
        found = true;
      }
    if (n == 3 && !strncasecmp(name, "eip", 3)) {
      v = c->eip;
      found = true;
    }
    if (n == 2 && !strncasecmp(name, "pc", 2)) {
      v = c->seg[SEG_CS].base + c->eip;
      found = true;
    }
    if (!found) return false;
    s = name + n;
    if (!*s) {
      *out = (uint32_t)v;
      return true;
    }
    int sign = *s == '-' ? -1 : 1;
    s++;
    errno = 0;
    uint64_t off = strtoull(s, &end, 0);
    if (errno || end == s || *end) return false;
    *out = (uint32_t)(v + (uint64_t)sign * off);
    return true;
  }
  if (!isdigit((unsigned char)*s)) return false;
  errno = 0;
  v = strtoull(s, &end, 0);
  if (errno || end == s || *end || v > 0xFFFFFFFFull) return false;
  *out = (uint32_t)v;
  return true;
}

/* /FMT of x and xp: [count][format][size], QEMU's letters: formats x d u
 * o c, sizes b h w g. */
typedef struct XFmt {
  unsigned count;
  char format;
  int size;
} XFmt;

static bool parse_fmt(const char *s, XFmt *f) {
  f->count = 1;
  f->format = 'x';
  f->size = 4;
  if (!*s) return true;
  if (isdigit((unsigned char)*s)) {
    char *end;
    unsigned long n = strtoul(s, &end, 10);
    if (n == 0 || n > 65536) return false;
    f->count = (unsigned)n;
    s = end;
  }
  for (; *s; s++) {
    switch (*s) {
    case 'x': case 'd': case 'u': case 'o': case 'c': f->format = *s; break;
    case 'b': f->size = 1; break;
    case 'h': f->size = 2; break;
    case 'w': f->size = 4; break;
    case 'g': f->size = 8; break;
    default: return false;
    }
  }
  if (f->format == 'c') f->size = 1;
  return true;
}

/* Commands --------------------------------------------------------------- */

static void print_seg(FILE *out, const char *name, const Segment *s) {
  fprintf(out, "%-3s =%04x %08x %08x %04x\n", name, s->sel, s->base, s->limit, s->attr);
}

static bool cmd_info_registers(Ui *ui, FILE *out) {
  Cpu *c = ui->m->cpu;
  uint32_t fl = cpu_get_flags(c);
  fprintf(out, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", c->r[0], c->r[3], c->r[1], c->r[2]);
  fprintf(out, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", c->r[6], c->r[7], c->r[5], c->r[4]);
  fprintf(out, "EIP=%08x EFL=%08x [%c%c%c%c%c%c%c%c%c] CPL=%d II=%d A20=%d HLT=%d\n", c->eip, fl,
          fl & (1u << 11) ? 'O' : '-', fl & (1u << 10) ? 'D' : '-', fl & (1u << 9) ? 'I' : '-',
          fl & (1u << 8) ? 'T' : '-', fl & (1u << 7) ? 'S' : '-', fl & (1u << 6) ? 'Z' : '-',
          fl & (1u << 4) ? 'A' : '-', fl & (1u << 2) ? 'P' : '-', fl & 1u ? 'C' : '-', c->cpl,
          c->intr_shadow ? 1 : 0, c->a20 ? 1 : 0, c->halted ? 1 : 0);
  static const char *const seg_names[] = {"ES", "CS", "SS", "DS", "FS", "GS"};
  for (int i = 0; i < SEG_COUNT && i < 6; i++) print_seg(out, seg_names[i], &c->seg[i]);
  print_seg(out, "LDT", &c->ldtr);
  print_seg(out, "TR", &c->tr);
  fprintf(out, "GDT=     %08x %08x\n", c->gdtr.base, c->gdtr.limit);
  fprintf(out, "IDT=     %08x %08x\n", c->idtr.base, c->idtr.limit);
  fprintf(out, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", c->cr[0], c->cr[2], c->cr[3], c->cr[4]);
  fprintf(out, "DR0=%08x DR1=%08x DR2=%08x DR3=%08x\n", c->dr[0], c->dr[1], c->dr[2], c->dr[3]);
  fprintf(out, "DR6=%08x DR7=%08x EFER=%016llx\n", c->dr[6], c->dr[7], (unsigned long long)c->efer);
  fprintf(out, "instructions retired: %llu\n", (unsigned long long)c->icount);
  return true;
}

static bool cmd_info_pic(Ui *ui, FILE *out) {
  static const char *const names[2] = {"master", "slave"};
  for (int i = 0; i < 2; i++) {
    const PicChip *p = &ui->m->pic.chip[i];
    fprintf(out, "pic%d (%s): irr=%02x imr=%02x isr=%02x lines=%02x elcr=%02x base=%02x%s%s\n", i,
            names[i], p->irr, p->imr, p->isr, p->lines, p->elcr, p->base,
            p->auto_eoi ? " auto-eoi" : "", p->init_step ? " (initialising)" : "");
  }
  fprintf(out, "8259 INT output (local APIC LINT0, I/O APIC pin 0): %d\n", ui->m->pic.intr ? 1 : 0);
  fprintf(out, "CPU INTR line (from the local APIC): %d\n", ui->m->lapic.intr ? 1 : 0);
  return true;
}

static bool cmd_info_pci(Ui *ui, FILE *out) {
  PciBus *bus = &ui->m->pci;
  for (int devfn = 0; devfn < 256; devfn++) {
    PciDevice *d = bus->devices[devfn];
    if (!d) continue;
    const uint8_t *cf = d->config;
    fprintf(out, "  Bus 0, device %2d, function %d: %s\n", devfn >> 3, devfn & 7, d->name ? d->name : "");
    fprintf(out, "    id %04x:%04x class %02x%02x%02x rev %02x irq pin %d line %d\n",
            cf[0] | cf[1] << 8, cf[2] | cf[3] << 8, cf[0x0B], cf[0x0A], cf[0x09], cf[0x08], cf[0x3D],
            cf[0x3C]);
    for (int b = 0; b < PCI_BAR_COUNT; b++) {
      const PciBar *bar = &d->bars[b];
      if (!bar->size) continue;
      if (bar->mapped == PCI_UNMAPPED)
        fprintf(out, "    BAR%d: %s, size 0x%x, not mapped\n", b, bar->io ? "I/O" : "memory", bar->size);
      else
        fprintf(out, "    BAR%d: %s at 0x%x [0x%x], size 0x%x\n", b, bar->io ? "I/O" : "memory",
                bar->mapped, bar->mapped + bar->size - 1, bar->size);
    }
  }
  return true;
}

static bool cmd_info_cpus(Ui *ui, FILE *out) {
  Cpu *c = ui->m->cpu;
  fprintf(out, "* CPU #0: pc=0x%08x (%s)%s%s\n", c->seg[SEG_CS].base + c->eip,
          cpu_v86(c) ? "virtual-8086" : cpu_pm(c) ? (c->code32 ? "protected, 32-bit" : "protected, 16-bit")
                                                  : "real mode",
          c->halted ? " (halted)" : "", ui->m->paused ? " (paused)" : "");
  return true;
}

/* info mem: ranges with the same rights merged; info tlb: every mapping. */
static bool cmd_info_mem(Ui *ui, FILE *out, bool tlb) {
  Cpu *c = ui->m->cpu;
  if (!(c->cr[0] & 0x80000000u)) {
    fprintf(out, "paging is off: linear addresses are physical%s\n", c->a20 ? "" : " (A20 masked)");
    return true;
  }
  uint64_t lin = 0;
  bool have = false;
  uint64_t start = 0, end = 0;
  bool w = false, u = false;
  while (lin < 0x100000000ull) {
    PageInfo p;
    bool ok = pagewalk(c, (uint32_t)lin, &p);
    uint64_t next = (uint64_t)p.base + p.size;
    if (ok && tlb) {
      fprintf(out, "%08x: %08x %s %s %s\n", p.base, p.phys, p.size == PAGE_SIZE ? "4K" : p.size == (2u << 20) ? "2M" : "4M",
              p.user ? "U" : "S", p.writable ? "RW" : "RO");
    } else if (!tlb) {
      if (have && (!ok || p.writable != w || p.user != u || p.base != end)) {
        fprintf(out, "%08llx-%08llx %08llx %c%c%c\n", (unsigned long long)start, (unsigned long long)end,
                (unsigned long long)(end - start), u ? 'u' : '-', 'r', w ? 'w' : '-');
        have = false;
      }
      if (ok && !have) {
        have = true;
        start = p.base;
        w = p.writable;
        u = p.user;
      }
      if (ok) end = next;
    }
    lin = next;
  }
  if (have)
    fprintf(out, "%08llx-%08llx %08llx %c%c%c\n", (unsigned long long)start, (unsigned long long)end,
            (unsigned long long)(end - start), u ? 'u' : '-', 'r', w ? 'w' : '-');
  return true;
}

static void print_item(FILE *out, const uint8_t *b, const XFmt *f) {
  uint64_t v = 0;
  for (int i = f->size - 1; i >= 0; i--) v = v << 8 | b[i];
  switch (f->format) {
  case 'c':
    if (v >= 0x20 && v < 0x7F) fprintf(out, " '%c'", (int)v);
    else fprintf(out, " '\\x%02x'", (unsigned)v);
    break;
  case 'd': {
    int64_t s = f->size == 8 ? (int64_t)v : (int64_t)(v << (64 - 8 * f->size)) >> (64 - 8 * f->size);
    fprintf(out, " %lld", (long long)s);
    break;
  }
  case 'u': fprintf(out, " %llu", (unsigned long long)v); break;
  case 'o': fprintf(out, " %#llo", (unsigned long long)v); break;
  default: fprintf(out, " 0x%0*llx", f->size * 2, (unsigned long long)v); break;
  }
}

/* x (linear) and xp (physical) memory dumps. */
static bool cmd_x(Ui *ui, bool physical, const char *fmt, const char *arg, FILE *out) {
  Cpu *c = ui->m->cpu;
  XFmt f;
  uint32_t addr;
  if (!parse_fmt(fmt, &f)) {
    fprintf(out, "error: bad format '/%s': want /[count][xduoc][bhwg]\n", fmt);
    return false;
  }
  if (!arg) {
    fprintf(out, "error: %s needs an address\n", physical ? "xp" : "x");
    return false;
  }
  if (!parse_addr(c, arg, &addr)) {
    fprintf(out, "error: bad address '%s'\n", arg);
    return false;
  }
  int per_line = f.format == 'c' ? 16 : 16 / f.size;
  uint64_t a = addr;
  for (unsigned i = 0; i < f.count; i++, a += (unsigned)f.size) {
    if (a > 0xFFFFFFFFull) break;
    uint8_t b[8];
    for (int k = 0; k < f.size; k++) {
      uint32_t la = (uint32_t)(a + (unsigned)k), pa = la;
      if (!physical) {
        PageInfo p;
        if (!pagewalk(c, la, &p)) {
          if (i % per_line) fputc('\n', out);
          fprintf(out, "error: cannot access memory at linear address 0x%08x (not mapped)\n", la);
          return false;
        }
        pa = p.phys;
      }
      if (!phys_peek(c->mem, pa, b + k, 1)) {
        if (i % per_line) fputc('\n', out);
        fprintf(out, "error: physical address 0x%08x is device memory (MMIO); not read\n", pa);
        return false;
      }
    }
    if (i % per_line == 0) {
      if (i) fputc('\n', out);
      fprintf(out, "%08x:", (uint32_t)a);
    }
    print_item(out, b, &f);
  }
  fputc('\n', out);
  return true;
}

/* QEMU's key names for sendkey. */
static const struct { const char *name; int sc; } key_names[] = {
    {"shift", SDL_SCANCODE_LSHIFT}, {"shift_r", SDL_SCANCODE_RSHIFT}, {"alt", SDL_SCANCODE_LALT},
    {"alt_r", SDL_SCANCODE_RALT}, {"altgr", SDL_SCANCODE_RALT}, {"ctrl", SDL_SCANCODE_LCTRL},
    {"ctrl_r", SDL_SCANCODE_RCTRL}, {"meta_l", SDL_SCANCODE_LGUI}, {"meta_r", SDL_SCANCODE_RGUI},
    {"menu", SDL_SCANCODE_APPLICATION}, {"esc", SDL_SCANCODE_ESCAPE}, {"minus", SDL_SCANCODE_MINUS},
    {"equal", SDL_SCANCODE_EQUALS}, {"backspace", SDL_SCANCODE_BACKSPACE}, {"tab", SDL_SCANCODE_TAB},
    {"bracket_left", SDL_SCANCODE_LEFTBRACKET}, {"bracket_right", SDL_SCANCODE_RIGHTBRACKET},
    {"ret", SDL_SCANCODE_RETURN}, {"semicolon", SDL_SCANCODE_SEMICOLON},
    {"apostrophe", SDL_SCANCODE_APOSTROPHE}, {"grave_accent", SDL_SCANCODE_GRAVE},
    {"backslash", SDL_SCANCODE_BACKSLASH}, {"less", SDL_SCANCODE_NONUSBACKSLASH},
    {"comma", SDL_SCANCODE_COMMA}, {"dot", SDL_SCANCODE_PERIOD}, {"slash", SDL_SCANCODE_SLASH},
    {"asterisk", SDL_SCANCODE_KP_MULTIPLY}, {"spc", SDL_SCANCODE_SPACE},
    {"caps_lock", SDL_SCANCODE_CAPSLOCK}, {"num_lock", SDL_SCANCODE_NUMLOCKCLEAR},
    {"scroll_lock", SDL_SCANCODE_SCROLLLOCK}, {"print", SDL_SCANCODE_PRINTSCREEN},
    {"sysrq", SDL_SCANCODE_SYSREQ}, {"pause", SDL_SCANCODE_PAUSE}, {"home", SDL_SCANCODE_HOME},
    {"pgup", SDL_SCANCODE_PAGEUP}, {"pgdn", SDL_SCANCODE_PAGEDOWN}, {"end", SDL_SCANCODE_END},
    {"left", SDL_SCANCODE_LEFT}, {"up", SDL_SCANCODE_UP}, {"down", SDL_SCANCODE_DOWN},
    {"right", SDL_SCANCODE_RIGHT}, {"insert", SDL_SCANCODE_INSERT}, {"delete", SDL_SCANCODE_DELETE},
    {"kp_divide", SDL_SCANCODE_KP_DIVIDE}, {"kp_multiply", SDL_SCANCODE_KP_MULTIPLY},
    {"kp_subtract", SDL_SCANCODE_KP_MINUS}, {"kp_add", SDL_SCANCODE_KP_PLUS},
    {"kp_enter", SDL_SCANCODE_KP_ENTER}, {"kp_decimal", SDL_SCANCODE_KP_PERIOD},
    {"kp_0", SDL_SCANCODE_KP_0}, {"kp_1", SDL_SCANCODE_KP_1}, {"kp_2", SDL_SCANCODE_KP_2},
    {"kp_3", SDL_SCANCODE_KP_3}, {"kp_4", SDL_SCANCODE_KP_4}, {"kp_5", SDL_SCANCODE_KP_5},
    {"kp_6", SDL_SCANCODE_KP_6}, {"kp_7", SDL_SCANCODE_KP_7}, {"kp_8", SDL_SCANCODE_KP_8},
    {"kp_9", SDL_SCANCODE_KP_9},
};

static int key_by_name(const char *name, size_t n) {
  char buf[32];
  if (n == 0 || n >= sizeof buf) return -1;
  memcpy(buf, name, n);
  buf[n] = 0;
  for (size_t i = 0; i < n; i++) buf[i] = (char)tolower((unsigned char)buf[i]);
  if (n == 1 && buf[0] >= 'a' && buf[0] <= 'z') return SDL_SCANCODE_A + buf[0] - 'a';
  if (n == 1 && buf[0] >= '1' && buf[0] <= '9') return SDL_SCANCODE_1 + buf[0] - '1';
  if (n == 1 && buf[0] == '0') return SDL_SCANCODE_0;
  if (buf[0] == 'f' && n <= 3) {
    char *end;
    long f = strtol(buf + 1, &end, 10);
    if (!*end && f >= 1 && f <= 12) return SDL_SCANCODE_F1 + (int)f - 1;
  }
  if (!strcmp(buf, "enter") || !strcmp(buf, "return")) return SDL_SCANCODE_RETURN;
  if (!strcmp(buf, "space")) return SDL_SCANCODE_SPACE;
  if (!strcmp(buf, "escape")) return SDL_SCANCODE_ESCAPE;
  if (!strcmp(buf, "del")) return SDL_SCANCODE_DELETE;
  for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
    if (!strcmp(buf, key_names[i].name)) return key_names[i].sc;
  return -1;
}

static bool cmd_sendkey(Ui *ui, const char *arg, FILE *out) {
  if (!arg) {
    fprintf(out, "error: sendkey needs keys, e.g. sendkey ctrl-alt-delete\n");
    return false;
  }
  int keys[8], n = 0;
  const char *s = arg;
  for (;;) {
    size_t len = strcspn(s, "-");
    if (n == 8) {
      fprintf(out, "error: too many keys (at most 8)\n");
      return false;
    }
    int sc = key_by_name(s, len);
    if (sc < 0) {
      fprintf(out, "error: unknown key '%.*s'\n", (int)len, s);
      return false;
    }
    keys[n++] = sc;
    if (!s[len]) break;
    s += len + 1;
  }
  input_combo(ui->m, keys, n);
  return true;
}

static const char help_text[] =
    "help                      this list\n"
    "info registers            the CPU's registers\n"
    "info cpus                 the CPU and where it is\n"
    "info pic                  the 8259A pair\n"
    "info pci                  the PCI functions and their BARs\n"
    "info mem                  mapped linear ranges with their rights (paging)\n"
    "info tlb                  every linear page and its physical address\n"
    "x /FMT ADDR               dump linear memory; FMT is [count][x|d|u|o|c][b|h|w|g],\n"
    "                          ADDR a number or $reg[+-N] ($eax.. $eip, $pc = CS base + EIP)\n"
    "xp /FMT ADDR              dump physical memory\n"
    "sendkey KEYS              press and release keys, e.g. sendkey ctrl-alt-delete\n"
    "screendump FILE.png       save the screen as PNG\n"
    "stop, cont                pause and resume the machine\n"
    "system_reset              reset the machine\n"
    "system_powerdown          press the ACPI power button\n"
    "quit                      stop holo86\n";

bool monitor_exec(Ui *ui, const char *line, FILE *out) {
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", line);
  char *save = NULL;
  char *cmd = strtok_r(buf, " \t\r\n", &save);
  if (!cmd) return true;
  char *arg = strtok_r(NULL, " \t\r\n", &save);
  char *extra = arg ? strtok_r(NULL, " \t\r\n", &save) : NULL;
  Machine *m = ui->m;
  /* x/FMT ADDR and x /FMT ADDR */
  char *slash = strchr(cmd, '/');
  if (slash) *slash = 0;
  if (!strcmp(cmd, "x") || !strcmp(cmd, "xp")) {
    const char *fmt = slash ? slash + 1 : "";
    const char *addr = arg;
    if (!slash && arg && arg[0] == '/') {
      fmt = arg + 1;
      addr = extra;
      extra = addr ? strtok_r(NULL, " \t\r\n", &save) : NULL;
    }
    if (extra) {
      fprintf(out, "error: unexpected '%s'\n", extra);
      return false;
    }
    return cmd_x(ui, cmd[1] == 'p', fmt, addr, out);
  }
  if (slash) {
    fprintf(out, "error: unknown command '%s/%s'; try help\n", cmd, slash + 1);
    return false;
  }
  if (!strcmp(cmd, "info")) {
    if (!arg) {
      fprintf(out, "error: info what? registers, cpus, pic, pci, mem, tlb\n");
      return false;
    }
    if (extra) {
      fprintf(out, "error: unexpected '%s'\n", extra);
      return false;
    }
    if (!strcmp(arg, "registers")) return cmd_info_registers(ui, out);
    if (!strcmp(arg, "cpus")) return cmd_info_cpus(ui, out);
    if (!strcmp(arg, "pic")) return cmd_info_pic(ui, out);
    if (!strcmp(arg, "pci")) return cmd_info_pci(ui, out);
    if (!strcmp(arg, "mem")) return cmd_info_mem(ui, out, false);
    if (!strcmp(arg, "tlb")) return cmd_info_mem(ui, out, true);
    fprintf(out, "error: unknown info '%s'; try help\n", arg);
    return false;
  }
  /* The rest take at most one argument. */
  if (extra) {
    fprintf(out, "error: unexpected '%s'\n", extra);
    return false;
  }
  bool wants_arg = !strcmp(cmd, "sendkey") || !strcmp(cmd, "screendump");
  if (arg && !wants_arg && strcmp(cmd, "help")) {
    fprintf(out, "error: %s takes no argument\n", cmd);
    return false;
  }
  if (!strcmp(cmd, "help") || !strcmp(cmd, "?")) {
    fputs(help_text, out);
    return true;
  }
  if (!strcmp(cmd, "sendkey")) return cmd_sendkey(ui, arg, out);
  if (!strcmp(cmd, "screendump")) {
    char err[300];
    if (!arg) {
      fprintf(out, "error: screendump needs a file name\n");
      return false;
    }
    if (!screenshot_save(&m->vga, arg, err, sizeof err)) {
      fprintf(out, "error: %s\n", err);
      return false;
    }
    return true;
  }
  if (!strcmp(cmd, "stop")) {
    m->paused = true;
    return true;
  }
  if (!strcmp(cmd, "cont") || !strcmp(cmd, "c")) {
    m->paused = false;
    return true;
  }
  if (!strcmp(cmd, "system_reset")) {
    m->reset_requested = true;
    return true;
  }
  if (!strcmp(cmd, "system_powerdown")) {
    acpi_pm_power_button(&m->pm);
    fprintf(out, "ACPI power button pressed%s\n",
            m->pm.regs[4] & PMCNTRL_SCI_EN ? "" : " (the guest has not enabled ACPI: it may not react)");
    return true;
  }
  if (!strcmp(cmd, "quit") || !strcmp(cmd, "q")) {
    m->quit_requested = true;
    return true;
  }
  fprintf(out, "error: unknown command '%s'; try help\n", cmd);
  return false;
}

/* I/O ------------------------------------------------------------------- */

static void send_all(int fd, const char *s, size_t n) {
  while (n) {
    ssize_t w = write(fd, s, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    s += w;
    n -= (size_t)w;
  }
}

static void prompt(Monitor *mon) {
  if (mon->out_fd >= 0) send_all(mon->out_fd, "(holo86) ", 9);
}

static void run_line(Monitor *mon, const char *line) {
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  if (!out) return;
  monitor_exec(mon->ui, line, out);
  fclose(out);
  send_all(mon->out_fd, text, len);
  free(text);
  prompt(mon);
}

static void greet(Monitor *mon) {
  const char *hello = "holo86 monitor - type 'help' for a list of commands\n";
  send_all(mon->out_fd, hello, strlen(hello));
  prompt(mon);
}

static void drop_client(Monitor *mon) {
  if (mon->listen_fd >= 0 && mon->in_fd >= 0) close(mon->in_fd);
  mon->in_fd = mon->out_fd = -1;
  mon->len = 0;
}

void monitor_poll(Monitor *mon) {
  if (mon->listen_fd >= 0 && mon->in_fd < 0) {
    int fd = accept(mon->listen_fd, NULL, NULL);
    if (fd < 0) return;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    mon->in_fd = mon->out_fd = fd;
    greet(mon);
  }
  if (mon->in_fd < 0) return;
  char buf[512];
  for (;;) {
    struct pollfd pfd = {.fd = mon->in_fd, .events = POLLIN};
    if (poll(&pfd, 1, 0) <= 0) return;
    ssize_t n = read(mon->in_fd, buf, sizeof buf);
    if (n == 0) { /* end of input */
      if (mon->listen_fd >= 0) drop_client(mon);
      else mon->in_fd = -1;
      return;
    }
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) drop_client(mon);
      return;
    }
    for (ssize_t i = 0; i < n; i++) {
      char ch = buf[i];
      if (ch == '\n') {
        mon->line[mon->len] = 0;
        if (mon->overlong) {
          const char *e = "error: line too long\n";
          send_all(mon->out_fd, e, strlen(e));
          prompt(mon);
        } else {
          run_line(mon, mon->line);
        }
        mon->len = 0;
        mon->overlong = false;
        if (mon->in_fd < 0) return;
      } else if (mon->len + 1 < sizeof mon->line) {
        mon->line[mon->len++] = ch;
      } else {
        mon->overlong = true;
      }
    }
  }
}

Monitor *monitor_open(Ui *ui, const char *spec, char *err, size_t errlen) {
  Monitor *mon = calloc(1, sizeof *mon);
  if (!mon) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  mon->ui = ui;
  mon->listen_fd = mon->in_fd = mon->out_fd = -1;
  if (!strcmp(spec, "stdio")) {
    mon->in_fd = STDIN_FILENO;
    mon->out_fd = STDOUT_FILENO;
    greet(mon);
    return mon;
  }
  if (!strncmp(spec, "unix:", 5) && spec[5]) {
    const char *path = spec + 5;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t plen = strcspn(path, ",");
    if (plen >= sizeof sa.sun_path) {
      snprintf(err, errlen, "monitor socket path too long: %s", path);
      free(mon);
      return NULL;
    }
    memcpy(sa.sun_path, path, plen);
    memcpy(mon->path, path, plen);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd >= 0) unlink(sa.sun_path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1) < 0) {
      snprintf(err, errlen, "cannot listen on %s: %s", sa.sun_path, strerror(errno));
      if (fd >= 0) close(fd);
      free(mon);
      return NULL;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    mon->listen_fd = fd;
    return mon;
  }
  snprintf(err, errlen, "-monitor takes stdio or unix:PATH, not '%s'", spec);
  free(mon);
  return NULL;
}

void monitor_close(Monitor *mon) {
  if (!mon) return;
  if (mon->listen_fd >= 0) {
    drop_client(mon);
    close(mon->listen_fd);
    unlink(mon->path);
  }
  free(mon);
}
