/* holo86 command line: parse options, build the machine, run it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpu/blocks.h"
#include "devices/hostfile.h"
#include "devices/machine.h"
#include "devices/linuxboot.h"
#include "devices/multiboot.h"
#include "frontend/demo_image.h"
#include "frontend/screenshot.h"
#include "frontend/gdbstub.h"
#include "frontend/rawtty.h"
#include "frontend/trace.h"
#include "frontend/ui.h"
#include "jit/jit.h"

#define HOLO86_VERSION "0.1.0"

static void usage(FILE *f) {
  fprintf(f,
          "usage: holo86 [options]\n"
          "\n"
          "Runs an x86 PC. With a disk image it boots SeaBIOS (roms/, from make roms);\n"
          "with nothing given it runs the built-in demo program.\n"
          "\n"
          "  -bios FILE         firmware image (64 KiB to 1 MiB) mapped below 4 GiB and 1 MiB\n"
          "  -kernel FILE       boot a Linux bzImage (through SeaBIOS) or a Multiboot kernel\n"
          "                     (ELF32 or a.out kludge, started directly)\n"
          "  -append TEXT       its command line (Multiboot: after the kernel's path)\n"
          "  -initrd FILE       Linux: the initial ramdisk; Multiboot: \"F1 ARGS,F2\", modules\n"
          "                     loaded page-aligned after the kernel\n"
          "  -m MB              guest RAM in MiB (default 32)\n"
          "  -fda/-fdb FILE     floppy image (360K, 720K, 1.2M, 1.44M, 2.88M)\n"
          "  -hda/-hdb FILE     hard-disk image (IDE primary master/slave)\n"
          "  -cdrom FILE        ISO image (IDE secondary master, ATAPI)\n"
          "  -boot a|c|d        first boot device, or order=XYZ (default: cad; a with only -fda)\n"
          "  --max-insns N      stop after N guest instructions (exit status 3)\n"
          "  -accel ENGINE      jit (default on x86-64 hosts), interp, or lockstep (the JIT\n"
          "                     checked against the interpreter; divergences are reported)\n"
          "  --no-jit           the interpreter alone (-accel interp)\n"
          "  --jit-check        -accel lockstep that stops at the first JIT/interpreter\n"
          "                     difference, showing it (exit status 4)\n"
          "  --jit-cache MB     size of the JIT's code cache (default 64; flushed when full)\n"
          "  --perf-map         name translated blocks for perf(1) in /tmp/perf-PID.map\n"
          "  -no-reboot         stop on a triple fault (exit status 1) instead of resetting\n"
          "  -serial DEV        COM1: stdio, none, or file:PATH (output only); the default\n"
          "                     is stdio unless -display curses or -monitor stdio has the terminal\n"
          "  -display TYPE      sdl: a window (the default when $DISPLAY or $WAYLAND_DISPLAY\n"
          "                     is set and SDL opens one), curses: the text screen in this\n"
          "                     terminal, none; -nographic: none. Host keys: see README.md\n"
          "  -monitor DEV       monitor console (QEMU-like; 'help' lists commands) on stdio\n"
          "                     or unix:PATH\n"
          "  --screenshot FILE  write what the screen shows as PNG when holo86 stops\n"
          "  --display-stats    -display sdl: print frames presented per second (and guest\n"
          "                     MIPS) on stderr every second\n"
          "  --stats            print at exit: instructions and MIPS, blocks decoded and\n"
          "                     invalidated, TLB misses, what the JIT translated\n"
          "  --timeout SECONDS  stop after that many host seconds (exit status 124)\n"
          "  --until-serial TEXT  stop with exit status 0 once TEXT appears on COM1\n"
          "  --until-screen TEXT  stop with exit status 0 once TEXT is on the VGA text screen\n"
          "  --screen-text FILE write the VGA text screen to FILE when holo86 stops\n"
          "  --type TEXT        type TEXT on the keyboard (\\n is Enter), a line at a time\n"
          "                     once the screen has settled\n"
          "  --trace FILE       write every executed instruction to FILE (address, bytes,\n"
          "                     disassembly, changed registers); '-' is stderr\n"
          "  --trace-int        log every interrupt and exception (to the trace file or stderr)\n"
          "  --deterministic    virtual time counts retired instructions (5 ns each), the RTC\n"
          "                     starts at 2000-01-01: same input, same run, byte for byte\n"
          "  --trace-io         log every port access with its device, and every disk-image\n"
          "                     access as the host file offset and length it became\n"
          "  --trace-range LO-HI  only instructions at linear addresses LO..HI (hex)\n"
          "  --trace-cpl N      only instructions at CPL N\n"
          "  --trace-max N      stop tracing instructions after N lines\n"
          "  -gdb tcp::PORT     listen for gdb on 127.0.0.1:PORT (tcp:HOST:PORT: another address)\n"
          "  -s                 the same as -gdb tcp::1234\n"
          "  -S                 start paused (gdb's continue or the monitor's cont resumes)\n"
          "  --help             this text\n"
          "  --version          version\n"
          "\n"
          "Guest programs may print through the debug console (port 0xE9) and stop\n"
          "the machine with an exit status by writing it to port 0xF4.\n"
          "Exit status: the guest's (exit port), 0 when the CPU halts for good,\n"
          "1 on a triple fault with -no-reboot or an error, 2 on bad usage, 3 at --max-insns,\n"
          "4 when --jit-check found a difference.\n");
}

/* Read a whole file; NULL (with the reason on stderr) on failure. */
/* -serial stdio on a terminal: raw mode so every key reaches the guest
 * (Ctrl-C included), and QEMU's escapes: Ctrl-A x quits, Ctrl-A Ctrl-A
 * sends one Ctrl-A. */
static bool serial_escape(Machine *m, uint8_t byte) {
  static bool prefix;
  if (prefix) {
    prefix = false;
    if (byte == 'x') {
      m->quit_requested = true;
      return false;
    }
    return byte == 0x01;
  }
  prefix = byte == 0x01;
  return !prefix;
}

/* --stats: what the engines did, on stderr at exit. */
static void print_stats(Machine *m, const struct timespec *t0) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
  const Cpu *c = m->cpu;
  fprintf(stderr, "stats: %llu instructions in %.2f s of host time (%.1f MIPS)\n",
          (unsigned long long)c->icount, s, s > 0 ? (double)c->icount / s / 1e6 : 0.0);
  BlockStats b = blocks_stats(c->blocks);
  fprintf(stderr,
          "stats: %llu blocks decoded, %llu writes invalidated cached code, %llu block-cache "
          "flushes; %llu TLB misses (%.2f per 1000 instructions)\n",
          (unsigned long long)b.decoded, (unsigned long long)b.code_writes,
          (unsigned long long)b.flushes, (unsigned long long)c->tlb_fills,
          c->icount ? 1000.0 * (double)c->tlb_fills / (double)c->icount : 0.0);
  jit_print_stats(c);
}

static uint8_t *read_file(const char *path, size_t *size) {
  char err[512];
  uint8_t *data = hostfile_read(path, size, err, sizeof err);
  if (!data) fprintf(stderr, "holo86: %s\n", err);
  return data;
}

/* -boot a|c|d|order=XYZ: up to three drive letters; NULL when invalid. */
static const char *parse_boot(const char *arg) {
  static char order[4];
  if (!strncmp(arg, "order=", 6)) arg += 6;
  size_t n = strlen(arg);
  if (n == 0 || n > 3 || strspn(arg, "acd") != n) return NULL;
  memcpy(order, arg, n + 1);
  return order;
}

/* Where `make roms` put the firmware: roms/ beside the executable (or its
 * parent, for the copy in build/), else Debian's package directory. */
static uint8_t *read_rom(const char *name, size_t *size) {
  char exe[1024], path[1200];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) *slash = 0;
    const char *dirs[] = {"%s/roms/%s", "%s/../roms/%s"};
    for (int i = 0; i < 2; i++) {
      snprintf(path, sizeof path, dirs[i], exe, name);
      if (access(path, R_OK) == 0) return read_file(path, size);
    }
  }
  snprintf(path, sizeof path, "/usr/share/seabios/%s", name);
  if (access(path, R_OK) == 0) return read_file(path, size);
  fprintf(stderr, "holo86: firmware %s not found in roms/ or /usr/share/seabios: "
          "install Debian's seabios package (make deps) and run make roms\n", name);
  return NULL;
}

static bool parse_u64(const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || end == s || *end || s[0] == '-') return false;
  *out = v;
  return true;
}

int main(int argc, char **argv) {
  enum {
    OPT_HELP = 1, OPT_VERSION, OPT_BIOS, OPT_MEM, OPT_MAX, OPT_NO_REBOOT, OPT_SERIAL,
    OPT_ACCEL, OPT_TRACE, OPT_TRACE_INT, OPT_TRACE_IO, OPT_DETERMINISTIC, OPT_TRACE_RANGE, OPT_TRACE_CPL, OPT_TRACE_MAX,
    OPT_FDA, OPT_FDB, OPT_HDA, OPT_HDB, OPT_CDROM, OPT_BOOT,
    OPT_TYPE, OPT_DISPLAY, OPT_NOGRAPHIC, OPT_TIMEOUT, OPT_UNTIL_SERIAL, OPT_UNTIL_SCREEN, OPT_SCREEN_TEXT,
    OPT_MONITOR, OPT_SCREENSHOT, OPT_DISPLAY_STATS, OPT_STATS, OPT_NO_JIT, OPT_JIT_CHECK, OPT_JIT_CACHE, OPT_PERF_MAP,
    OPT_KERNEL, OPT_APPEND, OPT_INITRD, OPT_GDB, OPT_GDB_DEFAULT, OPT_START_PAUSED,
  };
  static const struct option opts[] = {
      {"help", no_argument, 0, OPT_HELP},
      {"version", no_argument, 0, OPT_VERSION},
      {"bios", required_argument, 0, OPT_BIOS},
      {"m", required_argument, 0, OPT_MEM},
      {"max-insns", required_argument, 0, OPT_MAX},
      {"accel", required_argument, 0, OPT_ACCEL},
      {"no-jit", no_argument, 0, OPT_NO_JIT},
      {"jit-check", no_argument, 0, OPT_JIT_CHECK},
      {"jit-cache", required_argument, 0, OPT_JIT_CACHE},
      {"perf-map", no_argument, 0, OPT_PERF_MAP},
      {"no-reboot", no_argument, 0, OPT_NO_REBOOT},
      {"serial", required_argument, 0, OPT_SERIAL},
      {"trace", required_argument, 0, OPT_TRACE},
      {"trace-int", no_argument, 0, OPT_TRACE_INT},
      {"trace-io", no_argument, 0, OPT_TRACE_IO},
      {"deterministic", no_argument, 0, OPT_DETERMINISTIC},
      {"trace-range", required_argument, 0, OPT_TRACE_RANGE},
      {"trace-cpl", required_argument, 0, OPT_TRACE_CPL},
      {"trace-max", required_argument, 0, OPT_TRACE_MAX},
      {"fda", required_argument, 0, OPT_FDA},
      {"fdb", required_argument, 0, OPT_FDB},
      {"hda", required_argument, 0, OPT_HDA},
      {"hdb", required_argument, 0, OPT_HDB},
      {"cdrom", required_argument, 0, OPT_CDROM},
      {"boot", required_argument, 0, OPT_BOOT},
      {"type", required_argument, 0, OPT_TYPE},
      {"display", required_argument, 0, OPT_DISPLAY},
      {"nographic", no_argument, 0, OPT_NOGRAPHIC},
      {"monitor", required_argument, 0, OPT_MONITOR},
      {"screenshot", required_argument, 0, OPT_SCREENSHOT},
      {"display-stats", no_argument, 0, OPT_DISPLAY_STATS},
      {"stats", no_argument, 0, OPT_STATS},
      {"timeout", required_argument, 0, OPT_TIMEOUT},
      {"until-serial", required_argument, 0, OPT_UNTIL_SERIAL},
      {"until-screen", required_argument, 0, OPT_UNTIL_SCREEN},
      {"screen-text", required_argument, 0, OPT_SCREEN_TEXT},
      {"kernel", required_argument, 0, OPT_KERNEL},
      {"append", required_argument, 0, OPT_APPEND},
      {"initrd", required_argument, 0, OPT_INITRD},
      {"gdb", required_argument, 0, OPT_GDB},
      {"s", no_argument, 0, OPT_GDB_DEFAULT},
      {"S", no_argument, 0, OPT_START_PAUSED},
      {0, 0, 0, 0},
  };
  const char *bios_path = NULL, *fda = NULL, *fdb = NULL, *hda = NULL, *hdb = NULL, *cdrom = NULL;
  const char *boot_order = NULL, *type_text = NULL;
  const char *kernel_path = NULL, *append = NULL, *initrd = NULL;
  uint64_t ram_mb = 32, max_insns = 0;
  bool no_reboot = false, cfg_deterministic = false;
  const char *serial = NULL; /* NULL: stdio unless the terminal is taken */
  const char *display = NULL, *monitor_spec = NULL, *screenshot = NULL;
  const char *gdb_spec = NULL;
  bool start_paused = false, display_stats = false, stats = false;
  TraceOptions trace = {.lo = 0, .hi = 0xFFFFFFFFu, .cpl = -1};
  uint64_t num;
  int accel = -1; /* not chosen: the JIT where the host can run it */
  bool jit_check = false;
  size_t jit_cache = 0; /* bytes; 0: CODECACHE_DEFAULT_SIZE */
  bool perf_map = false;
  double timeout_s = 0;
  const char *until_serial = NULL, *until_screen = NULL, *screen_text = NULL;
  int opt;
  opterr = 0;
  /* getopt_long_only accepts QEMU-style single-dash long options. */
  while ((opt = getopt_long_only(argc, argv, "", opts, NULL)) != -1) {
    switch (opt) {
    case OPT_HELP: usage(stdout); return 0;
    case OPT_VERSION: printf("holo86 %s\n", HOLO86_VERSION); return 0;
    case OPT_BIOS: bios_path = optarg; break;
    case OPT_FDA: fda = optarg; break;
    case OPT_FDB: fdb = optarg; break;
    case OPT_HDA: hda = optarg; break;
    case OPT_HDB: hdb = optarg; break;
    case OPT_CDROM: cdrom = optarg; break;
    case OPT_TYPE: type_text = optarg; break;
    case OPT_BOOT:
      if (!(boot_order = parse_boot(optarg))) {
        fprintf(stderr, "holo86: -boot wants drive letters a, c, d (or order=...), not '%s'\n", optarg);
        return 2;
      }
      break;
    case OPT_KERNEL: kernel_path = optarg; break;
    case OPT_APPEND: append = optarg; break;
    case OPT_INITRD: initrd = optarg; break;
    case OPT_GDB: gdb_spec = optarg; break;
    case OPT_GDB_DEFAULT: gdb_spec = "tcp::1234"; break;
    case OPT_START_PAUSED: start_paused = true; break;
    case OPT_NO_REBOOT: no_reboot = true; break;
    case OPT_ACCEL:
      if ((accel = jit_parse_accel(optarg)) < 0) {
        fprintf(stderr, "holo86: -accel wants interp, jit or lockstep, not '%s'\n", optarg);
        return 2;
      }
      break;
    case OPT_NO_JIT: accel = ACCEL_INTERP; break;
    case OPT_JIT_CHECK:
      accel = ACCEL_LOCKSTEP;
      jit_check = true;
      break;
    case OPT_JIT_CACHE:
      if (!parse_u64(optarg, &num) || num < 1 || num > 4096) {
        fprintf(stderr, "holo86: --jit-cache wants a size in MiB from 1 to 4096, not '%s'\n", optarg);
        return 2;
      }
      jit_cache = (size_t)num << 20;
      break;
    case OPT_SERIAL: serial = optarg; break;
    case OPT_TRACE:
      trace.insns = true;
      trace.path = strcmp(optarg, "-") ? optarg : NULL;
      break;
    case OPT_TRACE_INT: trace.interrupts = true; break;
    case OPT_TRACE_IO: trace.io = true; break;
    case OPT_DETERMINISTIC: cfg_deterministic = true; break;
    case OPT_DISPLAY:
      if (strcmp(optarg, "none") && strcmp(optarg, "sdl") && strcmp(optarg, "curses")) {
        fprintf(stderr, "holo86: -display takes sdl, curses or none, not '%s'\n", optarg);
        return 2;
      }
      display = optarg;
      break;
    case OPT_NOGRAPHIC: display = "none"; break;
    case OPT_MONITOR: monitor_spec = optarg; break;
    case OPT_SCREENSHOT: screenshot = optarg; break;
    case OPT_DISPLAY_STATS: display_stats = true; break;
    case OPT_STATS: stats = true; break;
    case OPT_PERF_MAP: perf_map = true; break;
    case OPT_TIMEOUT: {
      char *end;
      timeout_s = strtod(optarg, &end);
      if (*end || !(timeout_s > 0)) {
        fprintf(stderr, "holo86: --timeout wants a positive number of seconds, not '%s'\n", optarg);
        return 2;
      }
      break;
    }
    case OPT_UNTIL_SERIAL: until_serial = optarg; break;
    case OPT_UNTIL_SCREEN: until_screen = optarg; break;
    case OPT_SCREEN_TEXT: screen_text = optarg; break;
    case OPT_TRACE_RANGE: {
      char *end;
      unsigned long lo = strtoul(optarg, &end, 16), hi;
      if (*end != '-' || (hi = strtoul(end + 1, &end, 16), *end) || lo > hi || hi > 0xFFFFFFFFul) {
        fprintf(stderr, "holo86: --trace-range wants LO-HI in hex, not '%s'\n", optarg);
        return 2;
      }
      trace.lo = (uint32_t)lo;
      trace.hi = (uint32_t)hi;
      break;
    }
    case OPT_TRACE_CPL:
      if (!parse_u64(optarg, &num) || num > 3) {
        fprintf(stderr, "holo86: --trace-cpl wants 0..3, not '%s'\n", optarg);
        return 2;
      }
      trace.cpl = (int)num;
      break;
    case OPT_TRACE_MAX:
      if (!parse_u64(optarg, &trace.max)) {
        fprintf(stderr, "holo86: --trace-max wants a number, not '%s'\n", optarg);
        return 2;
      }
      break;
    case OPT_MEM:
      if (!parse_u64(optarg, &ram_mb)) {
        fprintf(stderr, "holo86: -m needs a number of MiB, not '%s'\n", optarg);
        return 2;
      }
      break;
    case OPT_MAX:
      if (!parse_u64(optarg, &max_insns) || !max_insns) {
        fprintf(stderr, "holo86: --max-insns needs a positive number, not '%s'\n", optarg);
        return 2;
      }
      break;
    default:
      if (optopt) fprintf(stderr, "holo86: option '%s' needs an argument\n", argv[optind - 1]);
      else fprintf(stderr, "holo86: unknown option '%s'\n", argv[optind - 1]);
      fprintf(stderr, "Try 'holo86 --help'.\n");
      return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "holo86: unexpected argument '%s'\nTry 'holo86 --help'.\n", argv[optind]);
    return 2;
  }
  if ((append || initrd) && !kernel_path) {
    fprintf(stderr, "holo86: %s needs -kernel\nTry 'holo86 --help'.\n", append ? "-append" : "-initrd");
    return 2;
  }

  /* The terminal has one owner: the serial port, the curses display or
   * the monitor. Conflicts are refused, as QEMU does. */
  bool curses = display && !strcmp(display, "curses");
  bool monitor_stdio = monitor_spec && !strcmp(monitor_spec, "stdio");
  if (curses && monitor_stdio) {
    fprintf(stderr, "holo86: -display curses and -monitor stdio both want the terminal; "
            "use -monitor unix:PATH\n");
    return 2;
  }
  if (serial && !strcmp(serial, "stdio") && (curses || monitor_stdio)) {
    fprintf(stderr, "holo86: -serial stdio and %s both want the terminal; use -serial file:PATH "
            "or none, or -monitor unix:PATH\n", curses ? "-display curses" : "-monitor stdio");
    return 2;
  }
  if (!serial) serial = curses || monitor_stdio ? "none" : "stdio";

  MachineConfig cfg = {.ram_mb = ram_mb > 3072 ? 0 : (uint32_t)ram_mb, .no_reboot = no_reboot,
                       .deterministic = cfg_deterministic,
                       .serial_in_fd = -1};
  FILE *serial_file = NULL;
  if (!strcmp(serial, "stdio")) {
    cfg.serial_out = stdout;
    cfg.serial_in_fd = STDIN_FILENO;
  } else if (!strncmp(serial, "file:", 5)) {
    serial_file = fopen(serial + 5, "wb");
    if (!serial_file) {
      fprintf(stderr, "holo86: cannot open serial output %s: %s\n", serial + 5, strerror(errno));
      return 1;
    }
    cfg.serial_out = serial_file;
  } else if (strcmp(serial, "none")) {
    fprintf(stderr, "holo86: -serial takes stdio, none or file:PATH, not '%s'\n", serial);
    return 2;
  }
  if (ram_mb < 1 || ram_mb > 3072) {
    fprintf(stderr, "holo86: -m %llu: memory must be 1 to 3072 MiB\n", (unsigned long long)ram_mb);
    return 2;
  }
  cfg.fda = fda;
  cfg.fdb = fdb;
  cfg.hda = hda;
  cfg.hdb = hdb;
  cfg.cdrom = cdrom;
  cfg.boot_order = boot_order;
  /* With media to boot, the firmware is SeaBIOS (and its VGA BIOS); with
   * nothing, the built-in demo. */
  uint8_t *image = NULL, *vga_rom = NULL;
  /* A Linux kernel boots through SeaBIOS (linuxboot.h); a Multiboot
   * kernel starts directly, without firmware (multiboot.h). */
  bool linux_kernel = kernel_path && linuxboot_file_is_linux(kernel_path);
  bool media = fda || fdb || hda || hdb || cdrom || linux_kernel;
  if (bios_path) {
    image = read_file(bios_path, &cfg.bios_size);
  } else if (media) {
    image = read_rom("bios-256k.bin", &cfg.bios_size);
  } else {
    cfg.bios = holo86_demo_image;
    cfg.bios_size = (size_t)(holo86_demo_image_end - holo86_demo_image);
  }
  if (image) cfg.bios = image;
  else if (!cfg.bios) return 1;
  if (bios_path || media) {
    vga_rom = read_rom("vgabios-stdvga.bin", &cfg.vga_rom_size);
    if (!vga_rom) return 1;
    cfg.vga_rom = vga_rom;
  }
  char err[512];
  Machine *m = machine_new(&cfg, err, sizeof err);
  free(image);
  free(vga_rom);
  if (!m) {
    fprintf(stderr, "holo86: %s%s%s\n", bios_path ? bios_path : "", bios_path ? ": " : "", err);
    return 1;
  }
  /* The test suites run whole under another engine with HOLO86_ACCEL. */
  const char *env_accel = getenv("HOLO86_ACCEL");
  if (accel < 0 && env_accel && (accel = jit_parse_accel(env_accel)) < 0) {
    fprintf(stderr, "holo86: HOLO86_ACCEL wants interp, jit or lockstep, not '%s'\n", env_accel);
    machine_free(m);
    return 2;
  }
  if (accel < 0) {
    if (jit_enable(m->cpu, ACCEL_JIT, jit_cache) != 0) jit_enable(m->cpu, ACCEL_INTERP, 0);
  } else if (jit_enable(m->cpu, accel, jit_cache) != 0) {
    fprintf(stderr, "holo86: cannot enable the JIT; interpreting\n");
  }
  if (m->cpu->jit) {
    m->cpu->jit->stop_on_divergence = jit_check;
    m->cpu->jit->disasm = trace_disasm;
  }
  if (stats && m->cpu->jit) m->cpu->jit->counting = true;
  if (perf_map && m->cpu->jit && jit_open_perf_map(m->cpu->jit) != 0)
    fprintf(stderr, "holo86: --perf-map: cannot write /tmp/perf-%d.map\n", (int)getpid());
  Multiboot *mb = NULL;
  if (linux_kernel) {
    if (!linuxboot_setup(&m->fwcfg, m->mem->ram_size, kernel_path, initrd, append, err,
                         sizeof err)) {
      fprintf(stderr, "holo86: %s\n", err);
      machine_free(m);
      return 1;
    }
  } else if (kernel_path &&
             !(mb = multiboot_load(m, kernel_path, append, initrd, err, sizeof err))) {
    fprintf(stderr, "holo86: %s: %s\n", kernel_path, err);
    machine_free(m);
    return 1;
  }
  m->timeout_ns = (uint64_t)(timeout_s * 1e9);
  /* --type: "\n" in the argument is Enter (the shell passes it literally). */
  static char typed[4096];
  if (type_text) {
    size_t n = 0;
    for (const char *p = type_text; *p && n + 1 < sizeof typed; p++) {
      if (p[0] == '\\' && p[1] == 'n') {
        typed[n++] = '\n';
        p++;
      } else {
        typed[n++] = *p;
      }
    }
    typed[n] = 0;
    typist_start(&m->typist, typed);
  }
  m->until_serial = until_serial && *until_serial ? until_serial : NULL;
  m->until_screen = until_screen && *until_screen ? until_screen : NULL;
  Tracer *tracer = NULL;
  if (trace.insns || trace.interrupts || trace.io) {
    tracer = tracer_open(&trace);
    if (!tracer) {
      machine_free(m);
      return 1;
    }
    if (trace.insns || trace.interrupts) m->cpu->tracer = tracer_hooks(tracer);
    tracer_attach_io(tracer, m);
  }
  GdbStub *gdb = NULL;
  m->paused = start_paused;
  if (gdb_spec && !(gdb = gdbstub_open(m, gdb_spec, start_paused, err, sizeof err))) {
    fprintf(stderr, "holo86: %s\n", err);
    tracer_close(tracer);
    machine_free(m);
    return 1;
  }
  Ui ui = {.display_stats = display_stats};
  if (m->serial_in_fd == STDIN_FILENO && rawtty_enter("")) {
    m->serial_in_filter = serial_escape;
    fprintf(stderr, "holo86: serial console on this terminal; Ctrl-A x quits\r\n");
  }
  if (!ui_open(&ui, m, display, monitor_spec)) {
    gdbstub_close(gdb, 1);
    tracer_close(tracer);
    machine_free(m);
    return 1;
  }
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  MachineStop why = machine_run(m, max_insns);
  if (stats) print_stats(m, &t0);
  ui_close(&ui);
  int status = 0;
  switch (why) {
  case STOP_EXIT_PORT: status = m->debugcon.exit_status; break;
  case STOP_HALTED: status = 0; break;
  case STOP_SHUTDOWN: status = 1; break;
  case STOP_LIMIT:
    fprintf(stderr, "holo86: stopped after %llu instructions\n", (unsigned long long)max_insns);
    status = 3;
    break;
  case STOP_UNTIL: status = 0; break;
  case STOP_QUIT: status = 0; break;
  case STOP_POWEROFF: status = 0; break;
  case STOP_TIMEOUT:
    fprintf(stderr, "holo86: stopped after the %g s timeout\n", timeout_s);
    status = 124;
    break;
  case STOP_JIT_DIVERGED:
    fprintf(stderr, "holo86: --jit-check: stopped at the first difference\n");
    status = 4;
    break;
  }
  /* The stub restores the CPU's debug hooks, which may be the tracer's:
   * it goes first. */
  gdbstub_close(gdb, status);
  m->cpu->tracer = NULL;
  tracer_close(tracer);
  if (screenshot) {
    char why_not[320];
    if (!screenshot_save(&m->vga, screenshot, why_not, sizeof why_not)) {
      fprintf(stderr, "holo86: --screenshot: %s\n", why_not);
      if (!status) status = 1;
    }
  }
  if (screen_text) {
    static char text[VGA_TEXT_MAX_COLS * VGA_TEXT_MAX_ROWS + VGA_TEXT_MAX_ROWS + 1];
    FILE *f = fopen(screen_text, "w");
    if (!f) {
      fprintf(stderr, "holo86: cannot write %s: %s\n", screen_text, strerror(errno));
      if (!status) status = 1;
    } else {
      if (!machine_screen_text(m, text, sizeof text)) snprintf(text, sizeof text, "(graphics mode)\n");
      fputs(text, f);
      fclose(f);
    }
  }
  machine_free(m);
  multiboot_free(mb);
  if (serial_file) fclose(serial_file);
  return status;
}
