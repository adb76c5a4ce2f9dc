/* The gdb stub; see gdbstub.h. Written from the GDB manual's "Remote
 * Serial Protocol" and "Target Descriptions" appendices.
 *
 * Stops. A stop happens in the tracer's `before` hook (breakpoint,
 * finished step, watchpoint hit), which returns false so that cpu_run
 * returns with EIP at the instruction; or between slices (Ctrl-C, a client
 * connecting). Either way the stub sets m->paused, which keeps the machine
 * loop from running the CPU, and sends the stop reply.
 *
 * Resuming over a breakpoint: the instruction at the resume address runs
 * once without the check (as long as no instruction retired meanwhile, so
 * an interrupt taken first that returns there stops on it again).
 *
 * Single step: the next `before` after one instruction retired, or after
 * an interrupt or exception was delivered (the step then stops at the
 * handler's first instruction), stops with SIGTRAP.
 *
 * Watchpoints: the access hook records the first matching access with the
 * instruction count; the next `before` reports it if that instruction
 * retired and forgets it if the instruction faulted instead. */
#include "frontend/gdbstub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cpu/blocks.h"
#include "mmu/paging.h"
#include "mmu/physmem.h"

#define PKT_MAX 0x4000      /* PacketSize we advertise */
#define MAX_BP 128
#define MAX_WP 32
#define POLL_EVERY_NS 2000000 /* look at the socket this often while running */

enum { Z_SW, Z_HW, Z_WRITE, Z_READ, Z_ACCESS };
enum { SIGINT_ = 2, SIGTRAP_ = 5 };

/* GDB register numbers of our target description. */
enum {
  R_EAX = 0, R_EIP = 8, R_EFLAGS = 9, R_CS = 10, R_GS = 15, R_ST0 = 16, R_ST7 = 23,
  R_FCTRL = 24, R_FSTAT, R_FTAG, R_FISEG, R_FIOFF, R_FOSEG, R_FOOFF, R_FOP,
  R_CR0 = 32, R_CR2, R_CR3, R_CR4, R_COUNT,
};

struct GdbStub {
  Machine *m;
  Cpu *c;
  int listen_fd, fd;
  bool no_ack;
  bool swbreak, hwbreak;    /* the client understands these stop reasons */
  /* Receiving. */
  enum { RX_IDLE, RX_DATA, RX_CK1, RX_CK2 } rx_state;
  char rx[PKT_MAX + 1];
  size_t rx_len;
  bool rx_overflow;
  uint8_t rx_sum;
  int rx_ck;
  /* The last packet sent, for a '-' (retransmit). */
  char tx[2 * PKT_MAX + 8];
  size_t tx_len;
  char stop_reply[128];     /* the reason for the current stop, for '?' */
  /* Breakpoints and watchpoints, by linear address. */
  struct { uint32_t addr; uint8_t type; } bp[MAX_BP];
  int nbp;
  struct { uint32_t addr, len; uint8_t type; } wp[MAX_WP];
  int nwp;
  /* Execution control. */
  bool stepping, step_event;
  uint64_t step_icount;
  bool skip_valid;
  uint32_t skip_lin;
  uint64_t skip_icount;
  bool watch_hit;
  uint64_t watch_icount;
  uint32_t watch_addr;
  uint8_t watch_type;
  uint64_t next_poll_ns;
  CpuTracer hooks;
  const CpuTracer *inner;   /* the tracer attached before us (--trace) */
  GdbMonitorFn monitor;
  void *monitor_opaque;
};

static const char target_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target version=\"1.0\">\n"
    "<architecture>i386</architecture>\n"
    "<feature name=\"org.gnu.gdb.i386.core\">\n"
    "<flags id=\"i386_eflags\" size=\"4\">\n"
    "<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>\n"
    "<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>\n"
    "<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>\n"
    "<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>\n"
    "<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>\n"
    "<field name=\"IOPL\" start=\"12\" end=\"13\"/><field name=\"NT\" start=\"14\" end=\"14\"/>\n"
    "<field name=\"RF\" start=\"16\" end=\"16\"/><field name=\"VM\" start=\"17\" end=\"17\"/>\n"
    "<field name=\"AC\" start=\"18\" end=\"18\"/><field name=\"VIF\" start=\"19\" end=\"19\"/>\n"
    "<field name=\"VIP\" start=\"20\" end=\"20\"/><field name=\"ID\" start=\"21\" end=\"21\"/>\n"
    "</flags>\n"
    "<reg name=\"eax\" bitsize=\"32\" type=\"int32\" regnum=\"0\"/>\n"
    "<reg name=\"ecx\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"edx\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"ebx\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"esp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
    "<reg name=\"ebp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
    "<reg name=\"esi\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"edi\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"eip\" bitsize=\"32\" type=\"code_ptr\"/>\n"
    "<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>\n"
    "<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"es\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "</feature>\n"
    "<feature name=\"org.holo86.i386.sys\">\n"
    "<reg name=\"cr0\" bitsize=\"32\" type=\"int32\" regnum=\"32\" group=\"system\"/>\n"
    "<reg name=\"cr2\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
    "<reg name=\"cr3\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
    "<reg name=\"cr4\" bitsize=\"32\" type=\"int32\" group=\"system\"/>\n"
    "</feature>\n"
    "</target>\n";

/* ---- protocol pieces ------------------------------------------------------ */

uint8_t gdb_checksum(const void *data, size_t len) {
  const uint8_t *p = data;
  uint8_t sum = 0;
  for (size_t i = 0; i < len; i++) sum = (uint8_t)(sum + p[i]);
  return sum;
}

static bool needs_escape(uint8_t b) { return b == '#' || b == '$' || b == '}' || b == '*'; }

size_t gdb_escape(const void *in, size_t len, char *out, size_t cap) {
  const uint8_t *p = in;
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    if (needs_escape(p[i])) {
      if (n + 2 > cap) return (size_t)-1;
      out[n++] = '}';
      out[n++] = (char)(p[i] ^ 0x20);
    } else {
      if (n + 1 > cap) return (size_t)-1;
      out[n++] = (char)p[i];
    }
  }
  return n;
}

size_t gdb_unescape(char *buf, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    if (buf[i] == '}' && i + 1 < len) buf[n++] = (char)(buf[++i] ^ 0x20);
    else buf[n++] = buf[i];
  }
  return n;
}

static const char hexdig[] = "0123456789abcdef";

size_t gdb_frame(const void *data, size_t len, char *out, size_t cap) {
  if (cap < 4) return (size_t)-1;
  out[0] = '$';
  size_t n = gdb_escape(data, len, out + 1, cap - 4);
  if (n == (size_t)-1) return n;
  uint8_t sum = gdb_checksum(out + 1, n);
  out[1 + n] = '#';
  out[2 + n] = hexdig[sum >> 4];
  out[3 + n] = hexdig[sum & 15];
  return n + 4;
}

static int hexval(int ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* Parse a hex number at *p (advancing it); false if there is none or it
 * does not fit in 32 bits. */
static bool parse_hex(const char **p, uint32_t *out) {
  const char *s = *p;
  uint64_t v = 0;
  int d, n = 0;
  while ((d = hexval((unsigned char)*s)) >= 0) {
    v = v << 4 | (uint64_t)d;
    if (v > 0xFFFFFFFFu) return false;
    s++;
    n++;
  }
  if (!n) return false;
  *p = s;
  *out = (uint32_t)v;
  return true;
}

/* Decode len bytes of hex at s; false on a bad digit. */
static bool unhex(const char *s, uint8_t *out, size_t len) {
  for (size_t i = 0; i < len; i++) {
    int hi = hexval((unsigned char)s[2 * i]), lo = hi < 0 ? -1 : hexval((unsigned char)s[2 * i + 1]);
    if (lo < 0) return false;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return true;
}

static char *tohex(char *out, const uint8_t *in, size_t len) {
  for (size_t i = 0; i < len; i++) {
    *out++ = hexdig[in[i] >> 4];
    *out++ = hexdig[in[i] & 15];
  }
  *out = 0;
  return out;
}

/* ---- the connection -------------------------------------------------------- */

static uint64_t host_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void send_raw(GdbStub *s, const char *data, size_t len) {
  while (s->fd >= 0 && len) {
    ssize_t n = send(s->fd, data, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return; /* the read side notices the closed connection */
    data += n;
    len -= (size_t)n;
  }
}

static void send_bin(GdbStub *s, const void *data, size_t len) {
  size_t n = gdb_frame(data, len, s->tx, sizeof s->tx);
  if (n == (size_t)-1) n = gdb_frame("E01", 3, s->tx, sizeof s->tx);
  s->tx_len = n;
  send_raw(s, s->tx, n);
}

static void send_str(GdbStub *s, const char *str) { send_bin(s, str, strlen(str)); }

/* ---- execution control ------------------------------------------------------ */

static void fwd_insn(void *o, Cpu *c, const struct Insn *in, uint32_t phys, const CpuRegs *before) {
  GdbStub *s = o;
  s->inner->insn(s->inner->opaque, c, in, phys, before);
}

static void hook_interrupt(void *o, Cpu *c, int vector, int err, int kind) {
  GdbStub *s = o;
  if (s->stepping) s->step_event = true;
  if (s->inner && s->inner->interrupt) s->inner->interrupt(s->inner->opaque, c, vector, err, kind);
}

static void hook_access(void *o, Cpu *c, uint32_t lin, int size, bool write) {
  GdbStub *s = o;
  if (s->watch_hit) return;
  for (int i = 0; i < s->nwp; i++) {
    uint8_t t = s->wp[i].type;
    if ((t == Z_WRITE && !write) || (t == Z_READ && write)) continue;
    if (lin < s->wp[i].addr + s->wp[i].len && s->wp[i].addr < lin + (uint32_t)size) {
      s->watch_hit = true;
      s->watch_icount = c->icount;
      s->watch_addr = s->wp[i].addr;
      s->watch_type = t;
      return;
    }
  }
}

static void stop(GdbStub *s, const char *reason, int sig) {
  Cpu *c = s->c;
  uint32_t regs[3] = {c->eip, c->r[ESP], c->r[EBP]};
  uint8_t le[4];
  char hex[9];
  int n = snprintf(s->stop_reply, sizeof s->stop_reply, "T%02xthread:1;%s", sig, reason);
  const int num[3] = {R_EIP, ESP, EBP};
  for (int i = 0; i < 3; i++) {
    for (int b = 0; b < 4; b++) le[b] = (uint8_t)(regs[i] >> (8 * b));
    tohex(hex, le, 4);
    n += snprintf(s->stop_reply + n, sizeof s->stop_reply - (size_t)n, "%02x:%s;", num[i], hex);
  }
  s->stepping = false;
  s->watch_hit = false;
  s->m->paused = true;
  send_str(s, s->stop_reply);
}

static bool hook_before(void *o, Cpu *c) {
  GdbStub *s = o;
  if (s->watch_hit) {
    if (c->icount != s->watch_icount) {
      static const char *const kind[] = {[Z_WRITE] = "watch", [Z_READ] = "rwatch", [Z_ACCESS] = "awatch"};
      char r[48];
      snprintf(r, sizeof r, "%s:%x;", kind[s->watch_type], s->watch_addr);
      stop(s, r, SIGTRAP_);
      return false;
    }
    s->watch_hit = false; /* that instruction faulted instead */
  }
  if (s->stepping && (c->icount != s->step_icount || s->step_event)) {
    stop(s, "", SIGTRAP_);
    return false;
  }
  uint32_t lin = c->seg[SEG_CS].base + c->eip;
  if (s->skip_valid && (lin != s->skip_lin || c->icount != s->skip_icount)) s->skip_valid = false;
  if (!s->skip_valid)
    for (int i = 0; i < s->nbp; i++)
      if (s->bp[i].addr == lin) {
        bool hw = s->bp[i].type == Z_HW;
        stop(s, hw ? (s->hwbreak ? "hwbreak:;" : "") : (s->swbreak ? "swbreak:;" : ""), SIGTRAP_);
        return false;
      }
  return true;
}

/* Which blocks must run one instruction at a time: all of them while
 * stepping or watching memory, else those holding a breakpoint (or that
 * the inner tracer wants). The others run at full speed, in the JIT too. */
static bool hook_wants(void *o, Cpu *c, uint32_t lin, uint32_t len) {
  GdbStub *s = o;
  if (s->stepping || s->nwp || s->watch_hit) return true;
  for (int i = 0; i < s->nbp; i++)
    if (s->bp[i].addr - lin < len) return true;
  const CpuTracer *t = s->inner;
  return t && t->insn && (!t->wants || t->wants(t->opaque, c, lin, len));
}

/* Attach our hooks while anything needs them; otherwise give the CPU back
 * to the inner tracer (or none) so it runs at full speed. */
static void update_hooks(GdbStub *s) {
  bool need = s->fd >= 0 && (s->nbp || s->nwp || s->stepping);
  s->hooks.access = s->nwp ? hook_access : NULL;
  s->hooks.insn = s->inner && s->inner->insn ? fwd_insn : NULL;
  s->c->tracer = need ? &s->hooks : s->inner;
  cpu_update_slow_mem(s->c);
}

static void resume(GdbStub *s, bool step) {
  Cpu *c = s->c;
  s->skip_valid = true;
  s->skip_lin = c->seg[SEG_CS].base + c->eip;
  s->skip_icount = c->icount;
  s->stepping = step;
  s->step_icount = c->icount;
  s->step_event = false;
  s->watch_hit = false;
  update_hooks(s);
  s->m->paused = false;
}

/* ---- registers --------------------------------------------------------------- */

static const int seg_of[6] = {SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS};

static int reg_size(int n) {
  if (n < 0 || n >= R_COUNT) return 0;
  return n >= R_ST0 && n <= R_ST7 ? 10 : 4;
}

/* The full tag word (two bits per physical register) from the abridged
 * one and the register contents. */
static uint16_t full_tag(const X87 *f) {
  uint16_t tw = 0;
  for (int i = 0; i < 8; i++) {
    int tag;
    uint16_t e = f->st[i].sign_exp & 0x7FFF;
    uint64_t m = f->st[i].mant;
    if (!(f->full >> i & 1)) tag = X87_TAG_EMPTY;
    else if (e == 0x7FFF) tag = X87_TAG_SPECIAL;
    else if (e == 0) tag = m ? X87_TAG_SPECIAL : X87_TAG_ZERO;
    else tag = m >> 63 ? X87_TAG_VALID : X87_TAG_SPECIAL;
    tw |= (uint16_t)(tag << (2 * i));
  }
  return tw;
}

static int fpu_top(const X87 *f) { return (f->sw >> X87_SW_TOP_SHIFT) & 7; }

static void reg_read(GdbStub *s, int n, uint8_t *out) {
  Cpu *c = s->c;
  X87 *f = &c->fpu;
  uint32_t v = 0;
  if (n >= R_ST0 && n <= R_ST7) {
    const F80 *r = &f->st[(fpu_top(f) + n - R_ST0) & 7];
    for (int b = 0; b < 8; b++) out[b] = (uint8_t)(r->mant >> (8 * b));
    out[8] = (uint8_t)r->sign_exp;
    out[9] = (uint8_t)(r->sign_exp >> 8);
    return;
  }
  if (n < 8) v = c->r[n];
  else if (n == R_EIP) v = c->eip;
  else if (n == R_EFLAGS) v = cpu_get_flags(c);
  else if (n >= R_CS && n <= R_GS) v = c->seg[seg_of[n - R_CS]].sel;
  else if (n == R_FCTRL) v = f->cw;
  else if (n == R_FSTAT) v = f->sw;
  else if (n == R_FTAG) v = full_tag(f);
  else if (n == R_FISEG) v = f->fcs;
  else if (n == R_FIOFF) v = f->fip;
  else if (n == R_FOSEG) v = f->fds;
  else if (n == R_FOOFF) v = f->fdp;
  else if (n == R_FOP) v = f->fop;
  else if (n == R_CR0) v = c->cr[0];
  else if (n == R_CR2) v = c->cr[2];
  else if (n == R_CR3) v = c->cr[3];
  else if (n == R_CR4) v = c->cr[4];
  for (int b = 0; b < 4; b++) out[b] = (uint8_t)(v >> (8 * b));
}

/* Call a CPU writer that may raise an exception (#GP for bad PDPTEs),
 * catching it: false if it faulted. */
static bool guarded(Cpu *c, void (*fn)(Cpu *, uint32_t), uint32_t v) {
  jmp_buf saved;
  memcpy(&saved, &c->fault_jmp, sizeof saved);
  uint32_t eip = c->eip, esp = c->r[ESP];
  c->insn_eip = eip;
  c->insn_esp = esp;
  volatile bool ok = false;
  if (!setjmp(c->fault_jmp)) {
    fn(c, v);
    ok = true;
  }
  memcpy(&c->fault_jmp, &saved, sizeof saved);
  return ok;
}

/* Load a segment register as the debugger asks: real and virtual-8086
 * mode from the selector; protected mode from the descriptor table with
 * no checks beyond "present" (an unchanged selector is left alone). */
static bool load_seg(GdbStub *s, int seg, uint32_t v) {
  Cpu *c = s->c;
  Segment *sg = &c->seg[seg];
  uint16_t sel = (uint16_t)v;
  if (v > 0xFFFF) return false;
  if (sel == sg->sel) return true;
  if (!cpu_pm(c)) {
    sg->sel = sel;
    sg->base = (uint32_t)sel << 4;
  } else if (!(sel & ~3u)) {
    if (seg == SEG_CS || seg == SEG_SS) return false;
    sg->sel = sel;
    sg->attr = 0; /* null: unusable */
  } else {
    uint32_t base = sel & 4 ? c->ldtr.base : c->gdtr.base;
    uint32_t limit = sel & 4 ? c->ldtr.limit : c->gdtr.limit;
    uint32_t off = sel & ~7u, phys, d[2];
    if (off + 7 > limit) return false;
    for (int i = 0; i < 2; i++) {
      if (!paging_probe(c, base + off + 4u * (uint32_t)i, false, &phys)) return false;
      d[i] = phys_read(c->mem, phys, 4);
    }
    if (!(d[1] & 0x8000)) return false;
    uint32_t lim = (d[0] & 0xFFFF) | (d[1] & 0xF0000);
    if (d[1] & 0x800000) lim = lim << 12 | 0xFFF;
    sg->sel = sel;
    sg->base = (d[0] >> 16) | ((d[1] & 0xFF) << 16) | (d[1] & 0xFF000000u);
    sg->limit = lim;
    sg->attr = (uint16_t)(d[1] >> 8);
  }
  seg_refresh(c, sg);
  cpu_update_mode(c);
  c->last_block = NULL;
  return true;
}

static bool reg_write(GdbStub *s, int n, const uint8_t *in) {
  Cpu *c = s->c;
  X87 *f = &c->fpu;
  if (n >= R_ST0 && n <= R_ST7) {
    F80 *r = &f->st[(fpu_top(f) + n - R_ST0) & 7];
    uint64_t m = 0;
    for (int b = 0; b < 8; b++) m |= (uint64_t)in[b] << (8 * b);
    r->mant = m;
    r->sign_exp = (uint16_t)(in[8] | in[9] << 8);
    return true;
  }
  uint32_t v = (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 | (uint32_t)in[3] << 24;
  if (n < 8) c->r[n] = v;
  else if (n == R_EIP) {
    c->eip = v;
    c->last_block = NULL;
    c->events |= EV_BLOCK;
  } else if (n == R_EFLAGS) {
    /* VM changes the mode under the segment registers: not from here. */
    cpu_set_flags(c, v, ~(uint32_t)F_VM);
    cpu_update_mode(c);
  } else if (n >= R_CS && n <= R_GS) return load_seg(s, seg_of[n - R_CS], v);
  else if (n == R_FCTRL) f->cw = (uint16_t)v;
  else if (n == R_FSTAT) f->sw = (uint16_t)v;
  else if (n == R_FTAG) {
    f->full = 0;
    for (int i = 0; i < 8; i++)
      if (((v >> (2 * i)) & 3) != X87_TAG_EMPTY) f->full |= (uint8_t)(1u << i);
  } else if (n == R_FISEG) f->fcs = (uint16_t)v;
  else if (n == R_FIOFF) f->fip = v;
  else if (n == R_FOSEG) f->fds = (uint16_t)v;
  else if (n == R_FOOFF) f->fdp = v;
  else if (n == R_FOP) f->fop = (uint16_t)(v & 0x7FF);
  else if (n == R_CR0) return v == c->cr[0] || guarded(c, cpu_write_cr0, v);
  else if (n == R_CR2) c->cr[2] = v;
  else if (n == R_CR3) return v == c->cr[3] || guarded(c, paging_write_cr3, v);
  else if (n == R_CR4) return v == c->cr[4] || guarded(c, paging_write_cr4, v);
  else return false;
  return true;
}

/* ---- memory ------------------------------------------------------------------- */

/* Read guest linear memory; returns how many bytes were readable from the
 * start (stops at the first unmapped page). */
static size_t mem_read(GdbStub *s, uint32_t addr, uint8_t *buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    uint32_t lin = addr + (uint32_t)done, phys;
    if (!paging_probe(s->c, lin, false, &phys)) break;
    size_t chunk = PAGE_SIZE - (lin & (PAGE_SIZE - 1));
    if (chunk > len - done) chunk = len - done;
    phys_read_buf(s->c->mem, phys, buf + done, chunk);
    done += chunk;
  }
  return done;
}

/* Write all or nothing. Like a debugger on hardware, this writes through
 * read-only mappings; ROM drops the write in the physical layer, and a
 * write to cached code invalidates it there too. */
static bool mem_write(GdbStub *s, uint32_t addr, const uint8_t *buf, size_t len) {
  uint32_t phys;
  for (size_t off = 0; off < len;) {
    uint32_t lin = addr + (uint32_t)off;
    if (!paging_probe(s->c, lin, false, &phys)) return false;
    off += PAGE_SIZE - (lin & (PAGE_SIZE - 1));
  }
  for (size_t done = 0; done < len;) {
    uint32_t lin = addr + (uint32_t)done;
    paging_probe(s->c, lin, false, &phys);
    size_t chunk = PAGE_SIZE - (lin & (PAGE_SIZE - 1));
    if (chunk > len - done) chunk = len - done;
    phys_write_buf(s->c->mem, phys, buf + done, chunk);
    done += chunk;
  }
  return true;
}

/* ---- monitor -------------------------------------------------------------------- */

void gdbstub_set_monitor(GdbStub *s, GdbMonitorFn fn, void *opaque) {
  s->monitor = fn;
  s->monitor_opaque = opaque;
}

static void print_seg(FILE *out, const char *name, const Segment *sg) {
  fprintf(out, "%-3s=%04x %08x %08x %04x\n", name, sg->sel, sg->base, sg->limit, sg->attr);
}

bool gdbstub_monitor_default(void *opaque, Machine *m, const char *cmd, FILE *out) {
  (void)opaque;
  Cpu *c = m->cpu;
  while (*cmd == ' ') cmd++;
  if (!strcmp(cmd, "help") || !*cmd) {
    fputs("help              this text\n"
          "info registers    the CPU's registers\n"
          "system_reset      reset the machine (CPU and devices)\n"
          "quit              end holo86\n",
          out);
  } else if (!strcmp(cmd, "info registers")) {
    static const char *const sn[SEG_COUNT] = {"ES", "CS", "SS", "DS", "FS", "GS"};
    fprintf(out, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", c->r[EAX], c->r[EBX], c->r[ECX], c->r[EDX]);
    fprintf(out, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", c->r[ESI], c->r[EDI], c->r[EBP], c->r[ESP]);
    fprintf(out, "EIP=%08x EFL=%08x CPL=%d A20=%d HLT=%d\n", c->eip, cpu_get_flags(c), c->cpl, c->a20,
            c->halted);
    for (int i = 0; i < SEG_COUNT; i++) print_seg(out, sn[i], &c->seg[i]);
    print_seg(out, "LDT", &c->ldtr);
    print_seg(out, "TR", &c->tr);
    fprintf(out, "GDT=     %08x %08x\nIDT=     %08x %08x\n", c->gdtr.base, c->gdtr.limit, c->idtr.base,
            c->idtr.limit);
    fprintf(out, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", c->cr[0], c->cr[2], c->cr[3], c->cr[4]);
    fprintf(out, "DR0=%08x DR1=%08x DR2=%08x DR3=%08x DR6=%08x DR7=%08x\n", c->dr[0], c->dr[1], c->dr[2],
            c->dr[3], c->dr[6], c->dr[7]);
    fprintf(out, "FCW=%04x FSW=%04x FTW=%02x\n", c->fpu.cw, c->fpu.sw, c->fpu.full);
  } else if (!strcmp(cmd, "system_reset")) {
    /* What the machine loop does for a reset request. */
    cpu_reset(c);
    for (int i = 0; i < m->ndevices; i++)
      if (m->devices[i]->reset) m->devices[i]->reset(m->devices[i]);
    blocks_flush(c->blocks);
    m->resched = true;
  } else if (!strcmp(cmd, "quit")) {
    m->quit_requested = true;
  } else {
    return false;
  }
  return true;
}

/* qRcmd: the command's output goes back as console output packets. */
static void handle_rcmd(GdbStub *s, const char *hex) {
  size_t n = strlen(hex) / 2;
  char *cmd = malloc(n + 1);
  char *text = NULL;
  size_t text_len = 0;
  if (!cmd || !unhex(hex, (uint8_t *)cmd, n)) {
    free(cmd);
    send_str(s, "E01");
    return;
  }
  cmd[n] = 0;
  FILE *out = open_memstream(&text, &text_len);
  if (!out) {
    free(cmd);
    send_str(s, "E01");
    return;
  }
  bool known = s->monitor(s->monitor_opaque, s->m, cmd, out);
  if (!known) fprintf(out, "unknown command: '%s'; try 'monitor help'\n", cmd);
  fclose(out);
  /* Console output in chunks that fit a packet. */
  static char pkt[PKT_MAX];
  for (size_t off = 0; off < text_len;) {
    size_t chunk = text_len - off;
    if (chunk > (PKT_MAX - 2) / 2) chunk = (PKT_MAX - 2) / 2;
    pkt[0] = 'O';
    tohex(pkt + 1, (const uint8_t *)text + off, chunk);
    send_bin(s, pkt, 1 + 2 * chunk);
    off += chunk;
  }
  free(text);
  free(cmd);
  send_str(s, "OK");
  if (s->m->quit_requested) s->m->paused = false; /* let machine_run see it */
}

/* ---- packets ------------------------------------------------------------------- */

static void close_client(GdbStub *s) {
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  s->nbp = s->nwp = 0;
  s->stepping = s->watch_hit = false;
  update_hooks(s);
}

static void handle_z(GdbStub *s, const char *p, bool insert) {
  uint32_t type = 0, addr, kind; /* a type that does not parse is an error, not "unsupported" */
  const char *q = p + 1;
  if (!parse_hex(&q, &type) || *q++ != ',' || !parse_hex(&q, &addr) || *q++ != ',' || !parse_hex(&q, &kind) ||
      type > 4) {
    send_str(s, type > 4 ? "" : "E01");
    return;
  }
  if (type <= Z_HW) {
    int i;
    for (i = 0; i < s->nbp && !(s->bp[i].addr == addr && s->bp[i].type == type); i++) {}
    if (insert && i == s->nbp) {
      if (s->nbp == MAX_BP) {
        send_str(s, "E28");
        return;
      }
      s->bp[s->nbp].addr = addr;
      s->bp[s->nbp++].type = (uint8_t)type;
    } else if (!insert && i < s->nbp) {
      s->bp[i] = s->bp[--s->nbp];
    }
  } else {
    if (!kind) kind = 1;
    int i;
    for (i = 0; i < s->nwp && !(s->wp[i].addr == addr && s->wp[i].len == kind && s->wp[i].type == type); i++) {}
    if (insert && i == s->nwp) {
      if (s->nwp == MAX_WP) {
        send_str(s, "E28");
        return;
      }
      s->wp[s->nwp].addr = addr;
      s->wp[s->nwp].len = kind;
      s->wp[s->nwp++].type = (uint8_t)type;
    } else if (!insert && i < s->nwp) {
      s->wp[i] = s->wp[--s->nwp];
    }
  }
  update_hooks(s);
  send_str(s, "OK");
}

/* c/s/C/S with an optional resume address ("c addr", "C sig;addr"). */
static void handle_resume(GdbStub *s, const char *p, bool step, bool with_signal) {
  const char *q = p + 1;
  uint32_t v;
  if (with_signal) {
    parse_hex(&q, &v); /* the signal is ignored: there is no process */
    if (*q == ';') q++;
  }
  if (parse_hex(&q, &v)) {
    s->c->eip = v;
    s->c->last_block = NULL;
  }
  resume(s, step);
}

static void handle_vcont(GdbStub *s, const char *p) {
  /* vCont;ACTION[:thread];ACTION...: the first action for our thread (1),
   * all threads (-1) or no thread wins. */
  while (*p == ';') {
    p++;
    char act = *p;
    const char *end = strchr(p, ';');
    const char *colon = strchr(p, ':');
    bool ours = true;
    if (colon && (!end || colon < end)) {
      const char *t = colon + 1;
      uint32_t tid;
      if (*t == '-') ours = true;
      else ours = parse_hex(&t, &tid) && (tid == 1 || tid == 0);
    }
    if (ours && (act == 'c' || act == 'C' || act == 's' || act == 'S')) {
      resume(s, act == 's' || act == 'S');
      return;
    }
    if (!end) break;
    p = end;
  }
  send_str(s, "E01");
}

static void handle_query(GdbStub *s, const char *p, size_t len) {
  static char buf[2 * PKT_MAX + 2];
  if (!strncmp(p, "qSupported", 10)) {
    s->swbreak = strstr(p, "swbreak+") != NULL;
    s->hwbreak = strstr(p, "hwbreak+") != NULL;
    snprintf(buf, sizeof buf, "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;swbreak+;hwbreak+",
             PKT_MAX);
    send_str(s, buf);
  } else if (!strncmp(p, "qXfer:features:read:", 20)) {
    const char *q = p + 20;
    const char *colon = strchr(q, ':');
    uint32_t off, n;
    if (!colon || strncmp(q, "target.xml", (size_t)(colon - q)) || colon - q != 10) {
      send_str(s, "E00");
      return;
    }
    q = colon + 1;
    if (!parse_hex(&q, &off) || *q++ != ',' || !parse_hex(&q, &n)) {
      send_str(s, "E01");
      return;
    }
    size_t total = sizeof target_xml - 1;
    if (off > total) {
      send_str(s, "E01");
      return;
    }
    if (n > PKT_MAX / 2) n = PKT_MAX / 2;
    size_t avail = total - off, take = avail < n ? avail : n;
    buf[0] = take < avail ? 'm' : 'l';
    memcpy(buf + 1, target_xml + off, take);
    send_bin(s, buf, 1 + take);
  } else if (!strcmp(p, "qAttached")) {
    send_str(s, "1");
  } else if (!strcmp(p, "qC")) {
    send_str(s, "QC1");
  } else if (!strcmp(p, "qfThreadInfo")) {
    send_str(s, "m1");
  } else if (!strcmp(p, "qsThreadInfo")) {
    send_str(s, "l");
  } else if (!strncmp(p, "qRcmd,", 6)) {
    handle_rcmd(s, p + 6);
  } else if (!strncmp(p, "qSymbol", 7)) {
    send_str(s, "OK");
  } else {
    (void)len;
    send_str(s, "");
  }
}

static void handle_packet(GdbStub *s, char *p, size_t len) {
  static char buf[2 * PKT_MAX + 2];
  static uint8_t bytes[PKT_MAX];
  Cpu *c = s->c;
  p[len] = 0;
  uint32_t a, n;
  const char *q = p + 1;
  switch (p[0]) {
  case '?': send_str(s, s->stop_reply); break;
  case 'g': {
    char *o = buf;
    uint8_t r[10];
    for (int i = 0; i < R_COUNT; i++) {
      reg_read(s, i, r);
      o = tohex(o, r, (size_t)reg_size(i));
    }
    send_str(s, buf);
    break;
  }
  case 'G': {
    size_t off = 0;
    bool ok = true;
    for (int i = 0; i < R_COUNT && ok; i++) {
      size_t sz = (size_t)reg_size(i);
      uint8_t r[10];
      if (len - 1 < off + 2 * sz) break; /* a shorter G leaves the rest */
      ok = unhex(p + 1 + off, r, sz) && reg_write(s, i, r);
      off += 2 * sz;
    }
    send_str(s, ok ? "OK" : "E01");
    break;
  }
  case 'p': {
    uint8_t r[10];
    if (!parse_hex(&q, &n) || !reg_size((int)n)) {
      send_str(s, "E00");
      break;
    }
    reg_read(s, (int)n, r);
    tohex(buf, r, (size_t)reg_size((int)n));
    send_str(s, buf);
    break;
  }
  case 'P': {
    uint8_t r[10];
    if (!parse_hex(&q, &n) || *q++ != '=' || !reg_size((int)n) ||
        strlen(q) != 2 * (size_t)reg_size((int)n) || !unhex(q, r, (size_t)reg_size((int)n))) {
      send_str(s, "E00");
      break;
    }
    send_str(s, reg_write(s, (int)n, r) ? "OK" : "E01");
    break;
  }
  case 'm':
    if (!parse_hex(&q, &a) || *q++ != ',' || !parse_hex(&q, &n)) {
      send_str(s, "E01");
      break;
    }
    if (n > PKT_MAX / 2 - 1) n = PKT_MAX / 2 - 1;
    n = (uint32_t)mem_read(s, a, bytes, n);
    if (!n) send_str(s, "E14");
    else {
      tohex(buf, bytes, n);
      send_str(s, buf);
    }
    break;
  case 'M':
  case 'X': {
    if (!parse_hex(&q, &a) || *q++ != ',' || !parse_hex(&q, &n) || *q++ != ':' || n > PKT_MAX) {
      send_str(s, "E01");
      break;
    }
    size_t dlen = len - (size_t)(q - p);
    if (p[0] == 'M') {
      if (dlen != 2 * (size_t)n || !unhex(q, bytes, n)) {
        send_str(s, "E01");
        break;
      }
    } else {
      dlen = gdb_unescape((char *)q, dlen);
      if (dlen != n) {
        send_str(s, "E01");
        break;
      }
      memcpy(bytes, q, n);
    }
    send_str(s, !n || mem_write(s, a, bytes, n) ? "OK" : "E14");
    break;
  }
  case 'c': handle_resume(s, p, false, false); break;
  case 's': handle_resume(s, p, true, false); break;
  case 'C': handle_resume(s, p, false, true); break;
  case 'S': handle_resume(s, p, true, true); break;
  case 'v':
    if (!strcmp(p, "vCont?")) send_str(s, "vCont;c;C;s;S");
    else if (!strncmp(p, "vCont;", 6)) handle_vcont(s, p + 5);
    else if (!strncmp(p, "vKill", 5)) {
      send_str(s, "OK");
      s->m->quit_requested = true;
      s->m->paused = false;
      close_client(s);
    }
    else send_str(s, ""); /* vMustReplyEmpty and everything else */
    break;
  case 'q': handle_query(s, p, len); break;
  case 'Q':
    if (!strcmp(p, "QStartNoAckMode")) {
      send_str(s, "OK");
      s->no_ack = true;
    } else {
      send_str(s, "");
    }
    break;
  case 'H': send_str(s, "OK"); break;
  case 'T': send_str(s, "OK"); break;
  case 'Z': handle_z(s, p, true); break;
  case 'z': handle_z(s, p, false); break;
  case 'k':
    s->m->quit_requested = true;
    s->m->paused = false;
    close_client(s);
    break;
  case 'D':
    send_str(s, "OK");
    close_client(s);
    s->m->paused = false;
    break;
  default: send_str(s, ""); break;
  }
  (void)c;
}

static void interrupt_guest(GdbStub *s) {
  if (s->m->paused) return;
  stop(s, "", SIGINT_);
}

static void feed(GdbStub *s, const char *data, size_t n) {
  for (size_t i = 0; i < n && s->fd >= 0; i++) {
    uint8_t ch = (uint8_t)data[i];
    switch (s->rx_state) {
    case RX_IDLE:
      if (ch == '$') {
        s->rx_state = RX_DATA;
        s->rx_len = 0;
        s->rx_sum = 0;
        s->rx_overflow = false;
      } else if (ch == 0x03) {
        interrupt_guest(s);
      } else if (ch == '-' && s->tx_len && !s->no_ack) {
        send_raw(s, s->tx, s->tx_len);
      }
      break;
    case RX_DATA:
      if (ch == '#') {
        s->rx_state = RX_CK1;
      } else {
        s->rx_sum = (uint8_t)(s->rx_sum + ch);
        if (s->rx_len < PKT_MAX) s->rx[s->rx_len++] = (char)ch;
        else s->rx_overflow = true;
      }
      break;
    case RX_CK1:
      s->rx_ck = hexval(ch) << 4;
      s->rx_state = RX_CK2;
      break;
    case RX_CK2: {
      s->rx_state = RX_IDLE;
      int lo = hexval(ch);
      bool good = s->rx_ck >= 0 && lo >= 0 && (uint8_t)(s->rx_ck | lo) == s->rx_sum && !s->rx_overflow;
      if (!s->no_ack) send_raw(s, good ? "+" : "-", 1);
      if (good || (s->no_ack && !s->rx_overflow)) handle_packet(s, s->rx, s->rx_len);
      break;
    }
    }
  }
}

/* ---- the machine's side -------------------------------------------------------- */

static void debug_poll(void *opaque, int timeout_ms) { gdbstub_poll(opaque, timeout_ms); }

void gdbstub_poll(GdbStub *s, int timeout_ms) {
  if (!s->m->paused) {
    /* A step that ended in HLT: report it rather than wait for an interrupt. */
    if (s->stepping && s->c->halted && s->c->icount != s->step_icount) {
      stop(s, "", SIGTRAP_);
      return;
    }
    uint64_t now = host_ns();
    if (!timeout_ms && now < s->next_poll_ns) return;
    s->next_poll_ns = now + POLL_EVERY_NS;
  }
  struct pollfd pfd = {.fd = s->fd >= 0 ? s->fd : s->listen_fd, .events = POLLIN};
  if (pfd.fd < 0) return;
  if (poll(&pfd, 1, timeout_ms) <= 0) return;
  if (s->fd < 0) {
    int fd = accept(s->listen_fd, NULL, NULL);
    if (fd < 0) return;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    s->fd = fd;
    s->no_ack = false;
    s->rx_state = RX_IDLE;
    s->tx_len = 0;
    s->swbreak = s->hwbreak = false;
    /* gdb expects a stopped target when it attaches. */
    snprintf(s->stop_reply, sizeof s->stop_reply, "T%02xthread:1;", SIGTRAP_);
    s->m->paused = true;
    return;
  }
  char data[4096];
  ssize_t n = recv(s->fd, data, sizeof data, 0);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    /* The client went away: the guest runs on, as after a detach. */
    close_client(s);
    s->m->paused = false;
    return;
  }
  feed(s, data, (size_t)n);
}

bool gdbstub_paused(const GdbStub *s) { return s->m->paused; }

GdbStub *gdbstub_open(Machine *m, const char *spec, bool start_paused, char *err, size_t errlen) {
  const char *p = spec;
  char host[64] = "127.0.0.1";
  if (!strncmp(p, "tcp:", 4)) {
    p += 4;
    const char *colon = strrchr(p, ':');
    if (!colon) {
      snprintf(err, errlen, "-gdb wants tcp::PORT or tcp:HOST:PORT, not '%s'", spec);
      return NULL;
    }
    if (colon > p) {
      size_t hl = (size_t)(colon - p);
      if (hl >= sizeof host) hl = sizeof host - 1;
      memcpy(host, p, hl);
      host[hl] = 0;
      if (!strcmp(host, "localhost")) strcpy(host, "127.0.0.1");
    }
    p = colon + 1;
  }
  char *end;
  long port = strtol(p, &end, 10);
  if (*end || end == p || port <= 0 || port > 65535) {
    snprintf(err, errlen, "-gdb: bad port in '%s'", spec);
    return NULL;
  }
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
    snprintf(err, errlen, "-gdb: bad IPv4 address '%s'", host);
    return NULL;
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    snprintf(err, errlen, "-gdb: socket: %s", strerror(errno));
    return NULL;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 1)) {
    snprintf(err, errlen, "-gdb: cannot listen on %s:%ld: %s", host, port, strerror(errno));
    close(fd);
    return NULL;
  }
  GdbStub *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  s->m = m;
  s->c = m->cpu;
  s->listen_fd = fd;
  s->fd = -1;
  s->inner = m->cpu->tracer;
  s->hooks.before = hook_before;
  s->hooks.interrupt = hook_interrupt;
  s->hooks.wants = hook_wants;
  s->hooks.opaque = s;
  s->monitor = gdbstub_monitor_default;
  snprintf(s->stop_reply, sizeof s->stop_reply, "T%02xthread:1;", SIGTRAP_);
  m->debug_poll = debug_poll;
  m->debug_opaque = s;
  if (start_paused) m->paused = true;
  return s;
}

void gdbstub_close(GdbStub *s, int exit_status) {
  if (!s) return;
  if (s->fd >= 0) {
    char w[8];
    snprintf(w, sizeof w, "W%02x", exit_status & 0xFF);
    send_str(s, w);
  }
  close_client(s);
  if (s->listen_fd >= 0) close(s->listen_fd);
  s->m->cpu->tracer = s->inner;
  cpu_update_slow_mem(s->m->cpu);
  s->m->debug_poll = NULL;
  s->m->debug_opaque = NULL;
  free(s);
}
