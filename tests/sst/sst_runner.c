/* SingleStepTests 80286 real-mode conformance runner.
 *
 *   sst-runner [-v] [-x] DIR [FORM...]
 *
 * DIR holds the suite as published (see its README.md): metadata.json,
 * revocation_list.txt and v1_real_mode/XX.json.gz, one gzip'd JSON array
 * of hardware-captured tests per instruction form. FORM names restrict the
 * run to some forms ("07", "F7.6"); -v prints every failing test instead of
 * only the first of each form; -x also runs the excluded tests (outside the
 * counts) and reports how many of them match the 286 anyway, to review the
 * exclusion list.
 *
 * Each test loads registers and RAM into a real-mode CPU, runs the
 * instruction under test and the HLT after it, and compares the result with
 * what a Harris 80C286 did. holo86 models a P6, so a few 286 behaviours
 * differ by design; those tests are excluded (and counted and listed as
 * such, never as passed). One such difference is worked around instead of
 * excluded: LOCK where a 386+ refuses it (see neutralise_lock). Everything
 * else has to match.
 *
 * Output: the failing forms with the first failing test of each, then the
 * exclusions, then a last line "N passed, N failed". Exit status 0 when at
 * least 99.9% of the tests that ran passed, 1 otherwise or on a data error,
 * 2 on a usage error, 77 (skip) when DIR does not exist. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <zlib.h>

#include "cpu/cpu.h"
#include "devices/iobus.h"
#include "mmu/physmem.h"
#include "jit/jit.h"

/* Test addresses are real-mode physical addresses, all below 0x110000
 * (FFFF:FFFF with A20 on); 2 MiB of RAM covers them. */
#define RAM_SIZE (2u << 20)
#define ADDR_LIMIT 0x110000u
/* Instructions one test may retire before we give up on it: the one under
 * test, the HLT, maybe an exception handler's HLT. A REP string instruction
 * may retire once per iteration, so CX is added for those. */
#define MAX_INSNS 50
/* The 286 refuses instructions longer than 10 bytes (#GP); a 386+ takes
 * up to 15. */
#define MAX_LEN_286 10
/* Bytes of one test kept for taking the instruction apart (a 286
 * instruction has at most 10; the rest is never looked at). */
#define MAX_BYTES 32
/* Seconds one file may take before the watchdog calls it a hang. */
#define WATCHDOG_SECONDS 30

/* ------------------------------------------------------------------------
 * One test, as extracted from its JSON object. */

/* Register order of the arrays below: the general registers in encoding
 * order (so R_AX..R_DI index Cpu.r directly), then the segment registers in
 * encoding order (R_ES + SEG_x), then IP and FLAGS. */
enum { R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI,
       R_ES, R_CS, R_SS, R_DS, R_IP, R_FLAGS, NREGS };
static const char *const reg_name[NREGS] = {
    "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
    "es", "cs", "ss", "ds", "ip", "flags"};

typedef struct MemByte {
  uint32_t addr;
  uint8_t val;
} MemByte;

typedef struct MemList {
  MemByte *b;
  size_t n, cap;
} MemList;

typedef struct Test {
  const char *name, *hash; /* owned by the JSON tree */
  long idx;
  uint8_t bytes[MAX_BYTES];
  size_t nbytes;           /* all of them, even past MAX_BYTES */
  uint16_t init[NREGS];
  uint16_t fin[NREGS];     /* the initial value where final omits it */
  MemList iram, fram;     /* initial.ram, final.ram */
  bool has_exc;
  int exc;                 /* vector the 286 raised */
  bool has_flag_addr;
  uint32_t flag_addr;      /* where it pushed FLAGS */
} Test;

static void list_add(MemList *l, uint32_t addr, uint8_t val) {
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 256;
    l->b = realloc(l->b, l->cap * sizeof *l->b);
    if (!l->b) {
      fprintf(stderr, "sst-runner: out of memory\n");
      exit(1);
    }
  }
  l->b[l->n++] = (MemByte){addr, val};
}

static MemByte *list_find(const MemList *l, uint32_t addr) {
  for (size_t i = 0; i < l->n; i++)
    if (l->b[i].addr == addr) return &l->b[i];
  return NULL;
}

/* The byte a test's initial RAM has at addr (RAM starts zeroed). */
static uint8_t initial_byte(const Test *t, uint32_t addr) {
  const MemByte *b = list_find(&t->iram, addr);
  return b ? b->val : 0;
}

/* ------------------------------------------------------------------------
 * JSON access. json-c does the parsing; these helpers only check shapes so
 * that a damaged file is reported, never dereferenced blindly. */

static json_object *member(json_object *o, const char *key, json_type type) {
  json_object *v;
  if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
    return NULL;
  return v;
}

static bool get_uint(json_object *o, int64_t max, int64_t *out) {
  if (!o || !json_object_is_type(o, json_type_int)) return false;
  int64_t v = json_object_get_int64(o);
  if (v < 0 || v > max) return false;
  *out = v;
  return true;
}

/* Read "ram": [[address, byte], ...] into l. */
static bool parse_ram(json_object *arr, MemList *l) {
  l->n = 0;
  if (!arr) return false;
  size_t n = json_object_array_length(arr);
  for (size_t i = 0; i < n; i++) {
    json_object *pair = json_object_array_get_idx(arr, i);
    int64_t addr, val;
    if (!json_object_is_type(pair, json_type_array) || json_object_array_length(pair) != 2 ||
        !get_uint(json_object_array_get_idx(pair, 0), 0xFFFFFF, &addr) ||
        !get_uint(json_object_array_get_idx(pair, 1), 0xFF, &val))
      return false;
    list_add(l, (uint32_t)addr, (uint8_t)val);
  }
  return true;
}

/* Extract one test; on a malformed one, say what is wrong in *why. */
static bool parse_test(json_object *o, Test *t, const char **why) {
  json_object *v, *init, *fin, *iregs, *fregs;
  int64_t x;
  if (!json_object_is_type(o, json_type_object)) return *why = "not an object", false;
  t->name = (v = member(o, "name", json_type_string)) ? json_object_get_string(v) : "?";
  t->hash = (v = member(o, "hash", json_type_string)) ? json_object_get_string(v) : "";
  t->idx = get_uint(member(o, "idx", json_type_int), INT32_MAX, &x) ? (long)x : -1;

  if (!(v = member(o, "bytes", json_type_array))) return *why = "no \"bytes\"", false;
  t->nbytes = json_object_array_length(v);
  for (size_t i = 0; i < t->nbytes; i++) {
    if (!get_uint(json_object_array_get_idx(v, i), 0xFF, &x)) return *why = "bad \"bytes\"", false;
    if (i < MAX_BYTES) t->bytes[i] = (uint8_t)x;
  }
  if (t->nbytes == 0) return *why = "empty \"bytes\"", false;

  if (!(init = member(o, "initial", json_type_object)) ||
      !(fin = member(o, "final", json_type_object)) ||
      !(iregs = member(init, "regs", json_type_object)) ||
      !(fregs = member(fin, "regs", json_type_object)))
    return *why = "no initial/final \"regs\"", false;
  for (int r = 0; r < NREGS; r++) {
    if (!get_uint(member(iregs, reg_name[r], json_type_int), 0xFFFF, &x))
      return *why = "initial register missing or out of range", false;
    t->init[r] = (uint16_t)x;
    json_object *f = member(fregs, reg_name[r], json_type_int);
    if (f && !get_uint(f, 0xFFFF, &x)) return *why = "final register out of range", false;
    t->fin[r] = f ? (uint16_t)x : t->init[r];
  }
  if (!parse_ram(member(init, "ram", json_type_array), &t->iram) ||
      !parse_ram(member(fin, "ram", json_type_array), &t->fram))
    return *why = "bad \"ram\"", false;

  json_object *exc = member(o, "exception", json_type_object);
  t->has_exc = exc != NULL;
  t->exc = -1;
  t->has_flag_addr = false;
  if (exc) {
    if (!get_uint(member(exc, "number", json_type_int), 255, &x))
      return *why = "bad \"exception\"", false;
    t->exc = (int)x;
    if (get_uint(member(exc, "flag_address", json_type_int), 0xFFFFFF, &x)) {
      t->has_flag_addr = true;
      t->flag_addr = (uint32_t)x;
    }
  }
  return true;
}

/* ------------------------------------------------------------------------
 * The instruction under test, taken apart just enough to decide the
 * exclusions below. This is the 286's view of the bytes: its prefixes are
 * 26 2E 36 3E F0 F2 F3 (64-67 are not prefixes before the 386). */

typedef struct Anatomy {
  size_t len;      /* instruction length: the bytes minus the final HLT */
  size_t nprefix;
  int seg;         /* SEG_* of the last segment override, or -1 */
  bool lock;
  unsigned op;     /* opcode byte; 0x1xx for 0F xx */
  bool has_modrm;
  uint8_t mod, reg, rm;
  uint16_t disp;   /* ModRM displacement, sign-extended */
} Anatomy;

static int prefix_seg(uint8_t b) {
  switch (b) {
  case 0x26: return SEG_ES;
  case 0x2E: return SEG_CS;
  case 0x36: return SEG_SS;
  case 0x3E: return SEG_DS;
  default: return -1;
  }
}

static bool has_modrm(unsigned op) {
  if (op >= 0x100) return op <= 0x103;  /* 0F 00..03: LLDT group, LGDT group, LAR, LSL */
  if (op < 0x40) return (op & 7) < 4;   /* the ALU block: Eb,Gb Ev,Gv Gb,Eb Gv,Ev */
  switch (op) {
  case 0x62: case 0x63: case 0x69: case 0x6B:
  case 0xC0: case 0xC1: case 0xC4: case 0xC5: case 0xC6: case 0xC7:
  case 0xF6: case 0xF7: case 0xFE: case 0xFF:
    return true;
  default:
    return (op >= 0x80 && op <= 0x8F) || (op >= 0xD0 && op <= 0xD3) ||
           (op >= 0xD8 && op <= 0xDF);
  }
}

static Anatomy dissect(const Test *t) {
  Anatomy a = {0};
  size_t n = t->nbytes < MAX_BYTES ? t->nbytes : MAX_BYTES;
  const uint8_t *b = t->bytes;
  a.len = t->nbytes - 1;
  a.seg = -1;
  size_t i = 0;
  for (; i < n; i++) {
    if (b[i] == 0xF0) a.lock = true;
    else if (prefix_seg(b[i]) >= 0) a.seg = prefix_seg(b[i]);
    else if (b[i] != 0xF2 && b[i] != 0xF3) break;
  }
  a.nprefix = i;
  if (i >= n) return a;
  a.op = b[i++];
  if (a.op == 0x0F && i < n) a.op = 0x100 | b[i++];
  a.has_modrm = has_modrm(a.op) && i < n;
  if (!a.has_modrm) return a;
  uint8_t m = b[i++];
  a.mod = m >> 6;
  a.reg = (m >> 3) & 7;
  a.rm = m & 7;
  if (a.mod == 1 && i < n) a.disp = (uint16_t)(int8_t)b[i];
  else if ((a.mod == 2 || (a.mod == 0 && a.rm == 6)) && i + 1 < n)
    a.disp = (uint16_t)(b[i] | b[i + 1] << 8);
  return a;
}

static bool modrm_is_memory(const Anatomy *a) { return a->has_modrm && a->mod != 3; }

/* The segment of the ModRM memory operand: an override, else SS for
 * BP-based forms, else DS. */
static int modrm_seg(const Anatomy *a) {
  if (a->seg >= 0) return a->seg;
  bool bp_based = a->rm == 2 || a->rm == 3 || (a->rm == 6 && a->mod != 0);
  return bp_based ? SEG_SS : SEG_DS;
}

/* The 16-bit offset of the ModRM memory operand, from the initial registers. */
static uint16_t modrm_offset(const Test *t, const Anatomy *a) {
  static const int8_t base[8] = {R_BX, R_BX, R_BP, R_BP, R_SI, R_DI, R_BP, R_BX};
  static const int8_t index[8] = {R_SI, R_DI, R_SI, R_DI, -1, -1, -1, -1};
  if (a->mod == 0 && a->rm == 6) return a->disp;
  uint32_t off = (uint32_t)t->init[base[a->rm]] + a->disp;
  if (index[a->rm] >= 0) off += t->init[index[a->rm]];
  return (uint16_t)off;
}

/* Instructions that push or pop. LEAVE (C9) pops from BP. */
static bool uses_stack(const Anatomy *a) {
  unsigned op = a->op;
  if (op >= 0x50 && op <= 0x61) return true;
  switch (op) {
  case 0x06: case 0x07: case 0x0E: case 0x16: case 0x17: case 0x1E: case 0x1F:
  case 0x68: case 0x6A: case 0x8F: case 0x9A: case 0x9C: case 0x9D:
  case 0xC2: case 0xC3: case 0xC8: case 0xC9: case 0xCA: case 0xCB:
  case 0xCC: case 0xCD: case 0xCE: case 0xCF: case 0xE8:
    return true;
  case 0xFF:
    return a->reg == 2 || a->reg == 3 || a->reg == 6;
  default:
    return false;
  }
}

/* String instructions that read DS:SI (or an override's segment). */
static bool string_reads_si(unsigned op) {
  return op == 0xA4 || op == 0xA5 || op == 0xA6 || op == 0xA7 || op == 0xAC ||
         op == 0xAD || op == 0x6E || op == 0x6F;
}

/* INS, OUTS, MOVS, CMPS, STOS, LODS, SCAS. */
static bool is_string(unsigned op) {
  return (op >= 0x6C && op <= 0x6F) || (op >= 0xA4 && op <= 0xA7) || (op >= 0xAA && op <= 0xAF);
}

/* On a 386+, LOCK is only allowed on these, with a memory destination. */
static bool lockable_386(const Anatomy *a) {
  if (!modrm_is_memory(a)) return false;
  unsigned op = a->op;
  if (op < 0x40) return (op & 7) < 2 && op != 0x38 && op != 0x39; /* not CMP */
  switch (op) {
  case 0x80: case 0x81: case 0x82: case 0x83: return a->reg != 7; /* not CMP */
  case 0x86: case 0x87: return true;                              /* XCHG */
  case 0xF6: case 0xF7: return a->reg == 2 || a->reg == 3;        /* NOT, NEG */
  case 0xFE: case 0xFF: return a->reg <= 1;                       /* INC, DEC */
  default: return false;
  }
}

/* ------------------------------------------------------------------------
 * Exclusions: 286 results a P6 cannot reproduce by design. Each names the
 * hardware difference. Excluded tests are not run (unless -x) and never
 * count as passed; they are listed with their counts at the end. */

enum {
  EX_REVOKED,
  EX_TOO_LONG,
  EX_FPU,
  EX_FS_GS,
  EX_POPF_IOPL_NT,
  EX_SS_OVERRUN,
  EX_STRING_FAULT,
  EX_COUNT
};

static const char *const ex_reason[EX_COUNT] = {
    [EX_REVOKED] = "revoked by the suite (revocation_list.txt): known-bad test",
    [EX_TOO_LONG] = "instruction longer than 10 bytes: the 286 raises #GP, a 386+ allows 15",
    [EX_FPU] = "x87 escape (status \"fpu\"): the 286 under test had no coprocessor, "
               "a P6 has an integrated FPU",
    [EX_FS_GS] = "MOV to/from segment register 4 or 5 (8C/8E): #UD on the 286, "
                 "FS and GS on a 386+",
    [EX_POPF_IOPL_NT] = "POPF/IRET popping FLAGS bits 12-14: a 286 in real mode forces "
                        "IOPL and NT to 0, a 386+ keeps them",
    [EX_SS_OVERRUN] = "stack-segment overrun: the 286 raised #GP (13), a 386+ raises #SS (12)",
    [EX_STRING_FAULT] = "string instruction #GP at offset FFFF: the 286 had already stepped SI/DI "
                        "past the word, a 386+ faults precisely (SDM vol. 3, 6.5 Faults)",
};

/* #13 where a 386+ raises #12. In real mode the 286 reports every segment
 * overrun as #13; a 386+ reports one in SS as #SS, so it vectors elsewhere.
 * The rule is kept small: the 286 raised #13 and one of the instruction's
 * SS-relative accesses reaches offset FFFF, where a word or a far pointer
 * overruns the segment:
 *  - a ModRM memory operand in SS (BP-based or SS: override) at FFFD..FFFF;
 *  - the source of a string instruction with an SS: override, SI within 3
 *    bytes of the wrap before or after (the 286 has already stepped SI past
 *    the faulting word when it takes the fault, and REP may have run);
 *  - a push or pop with an odd SP (BP for LEAVE) within 16 bytes of the
 *    64 KiB wrap, so that some word of it lands on FFFF.
 * A word at FFFF in DS/ES is #GP on both CPUs and stays a test. */
static bool near_wrap(uint16_t off) { return off >= 0xFFFD || off <= 0x0002; }

static bool ss_overrun(const Test *t, const Anatomy *a) {
  if (!t->has_exc || t->exc != EXC_GP) return false;
  if (modrm_is_memory(a) && modrm_seg(a) == SEG_SS && modrm_offset(t, a) >= 0xFFFD)
    return true;
  if (string_reads_si(a->op) && a->seg == SEG_SS && (near_wrap(t->init[R_SI]) || near_wrap(t->fin[R_SI])))
    return true;
  if (uses_stack(a)) {
    uint16_t sp = a->op == 0xC9 ? t->init[R_BP] : t->init[R_SP];
    if ((sp & 1) && (sp >= 0xFFF0 || sp <= 0x0010)) return true;
  }
  return false;
}

/* A word string instruction (INSW OUTSW MOVSW CMPSW STOSW LODSW SCASW)
 * that met a word at offset FFFF: the 286 takes the #13 with the index
 * register already stepped past that word (SI or DI is then 0001 going up,
 * FFFD going down, having changed), and with CX sometimes decremented too.
 * A 386+ delivers a fault with the state of the faulting iteration, as the
 * architecture requires of faults, so it cannot show an index that crossed
 * offset FFFF: its word access there is the fault. */
static bool string_fault_stepped(const Test *t, const Anatomy *a) {
  static const unsigned word_ops[] = {0x6D, 0x6F, 0xA5, 0xA7, 0xAB, 0xAD, 0xAF};
  if (!t->has_exc || t->exc != EXC_GP) return false;
  bool word_string = false;
  for (size_t i = 0; i < sizeof word_ops / sizeof word_ops[0]; i++) word_string |= a->op == word_ops[i];
  if (!word_string) return false;
  uint16_t past = (t->init[R_FLAGS] & F_DF) ? 0xFFFD : 0x0001;
  for (int r = R_SI; r <= R_DI; r++)
    if (t->fin[r] != t->init[r] && t->fin[r] == past) return true;
  return false;
}

/* Does the FLAGS image that POPF (at SS:SP) or IRET (at SS:SP+4) pops have
 * IOPL or NT set? The 286 drops them in real mode; a 386+ loads them. */
static bool pops_iopl_nt(const Test *t, const Anatomy *a) {
  unsigned at;
  if (a->op == 0x9D) at = 0;
  else if (a->op == 0xCF) at = 4;
  else return false;
  uint32_t ss = (uint32_t)t->init[R_SS] << 4;
  uint16_t sp = (uint16_t)(t->init[R_SP] + at);
  unsigned flags = initial_byte(t, ss + sp) | initial_byte(t, ss + (uint16_t)(sp + 1)) << 8;
  return (flags & 0x7000) != 0;
}

/* Which exclusion applies, or -1. status is the form's metadata status. */
static int exclusion(const Test *t, const Anatomy *a, const char *status) {
  /* Too long only when the 286 said so (#13): after an invalid opcode the
   * bytes go on with filler its decoder never reached. */
  if (a->len > MAX_LEN_286 && t->exc == EXC_GP) return EX_TOO_LONG;
  if (status && strcmp(status, "fpu") == 0) return EX_FPU;
  if ((a->op == 0x8C || a->op == 0x8E) && a->has_modrm && (a->reg == 4 || a->reg == 5))
    return EX_FS_GS;
  if (pops_iopl_nt(t, a)) return EX_POPF_IOPL_NT;
  if (ss_overrun(t, a)) return EX_SS_OVERRUN;
  if (string_fault_stepped(t, a)) return EX_STRING_FAULT;
  return -1;
}

/* LOCK on an instruction a 386+ does not allow it on (or with a register
 * destination) raises #UD there (SDM vol. 2, LOCK); the 286 ignores the
 * prefix, as the tests show. Such tests are not excluded: they run with each
 * F0 byte replaced by a segment override that selects the segment the
 * instruction uses anyway, which changes nothing on either CPU, so the rest
 * of the instruction is still checked. The replaced bytes count as the
 * test's initial RAM from then on. Returns whether the test was adapted. */
static bool neutralise_lock(Test *t, const Anatomy *a) {
  if (!a->lock || lockable_386(a)) return false;
  static const uint8_t seg_prefix[4] = {0x26, 0x2E, 0x36, 0x3E};
  uint8_t repl = seg_prefix[modrm_is_memory(a) ? modrm_seg(a) : a->seg >= 0 ? a->seg : SEG_DS];
  uint32_t cs = (uint32_t)t->init[R_CS] << 4;
  for (size_t i = 0; i < a->nprefix; i++) {
    if (t->bytes[i] != 0xF0) continue;
    t->bytes[i] = repl;
    MemByte *b = list_find(&t->iram, cs + (uint16_t)(t->init[R_IP] + i));
    if (b) b->val = repl;
  }
  return true;
}

/* ------------------------------------------------------------------------
 * The machine: one PhysMem + IoBus + Cpu reused for every test. Between
 * tests the CPU is reset and the RAM bytes the last test touched are
 * zeroed again through phys_write, which keeps the decoded-block cache
 * coherent (the next test's code often lands where the last one's was). */

typedef struct Machine {
  PhysMem *pm;
  IoBus *io;
  Cpu *c;
  MemList expect; /* the current test's expected RAM: initial overlaid by final */
} Machine;

/* Load one test into the machine. */
static void load_test(Machine *m, const Test *t) {
  Cpu *c = m->c;
  cpu_reset(c);
  for (int r = R_AX; r <= R_DI; r++) c->r[r] = t->init[r];
  for (int s = SEG_ES; s <= SEG_DS; s++) cpu_load_seg(c, s, t->init[R_ES + s]);
  c->eip = t->init[R_IP];
  /* A 286 in real mode reads FLAGS bits 12-15 as 0, whatever the test
   * generator put there; the results were captured that way. */
  cpu_set_flags(c, t->init[R_FLAGS] & 0x0FFFu, 0xFFFFFFFFu);
  for (size_t i = 0; i < t->iram.n; i++) phys_write(m->pm, t->iram.b[i].addr, 1, t->iram.b[i].val);
}

/* Run until the HLT after the instruction has executed. */
static void run_test(Machine *m, const Test *t, const Anatomy *a) {
  Cpu *c = m->c;
  uint64_t budget = MAX_INSNS + (is_string(a->op) ? t->init[R_CX] : 0u);
  uint64_t done = 0;
  while (!c->halted && !c->shutdown && done < budget) {
    uint64_t n = cpu_run(c, budget - done);
    if (n == 0) break; /* no progress: stopped for a reason of its own */
    done += n;
  }
}

/* Zero whatever RAM the test may have changed. After a failure the CPU may
 * have written anywhere, so then the whole real-mode range is checked
 * (reading the host buffer is fine; the writes go through phys_write). */
static void clean_ram(Machine *m, bool failed) {
  for (size_t i = 0; i < m->expect.n; i++) phys_write(m->pm, m->expect.b[i].addr, 1, 0);
  if (!failed) return;
  const uint8_t *ram = m->pm->ram;
  for (uint32_t a = 0; a < ADDR_LIMIT; a += 8) {
    uint64_t w;
    memcpy(&w, ram + a, 8);
    if (!w) continue;
    for (uint32_t i = 0; i < 8; i++)
      if (ram[a + i]) phys_write(m->pm, a + i, 1, 0);
  }
}

/* ------------------------------------------------------------------------
 * Comparison. The first difference found is described in why[]: registers
 * in table order, then FLAGS, then RAM. */

static void flag_names(unsigned diff, char *out, size_t size) {
  static const char *const name[16] = {"CF", "b1", "PF", "b3", "AF", "b5", "ZF", "SF",
                                       "TF", "IF", "DF", "OF", "IOPL0", "IOPL1", "NT", "b15"};
  size_t len = 0;
  out[0] = 0;
  for (int i = 0; i < 16 && len < size; i++)
    if (diff & (1u << i)) len += (size_t)snprintf(out + len, size - len, "%s%s", len ? " " : "", name[i]);
}

static bool compare(Machine *m, const Test *t, unsigned mask, char *why, size_t size) {
  Cpu *c = m->c;
  /* RAM: initial.ram overlaid by final.ram is the whole expectation. Built
   * first: clean_ram() zeroes these addresses whatever the outcome. */
  MemList *e = &m->expect;
  e->n = 0;
  for (size_t i = 0; i < t->iram.n; i++) list_add(e, t->iram.b[i].addr, t->iram.b[i].val);
  for (size_t i = 0; i < t->fram.n; i++) {
    MemByte *b = list_find(e, t->fram.b[i].addr);
    if (b) b->val = t->fram.b[i].val;
    else list_add(e, t->fram.b[i].addr, t->fram.b[i].val);
  }

  /* General registers compare in full: the tests load 16-bit values, and a
   * 16-bit instruction must never touch the upper halves. */
  for (int r = R_AX; r <= R_DI; r++)
    if (c->r[r] != t->fin[r]) {
      snprintf(why, size, "%s: expected %04X, got %04X%s", reg_name[r], t->fin[r], c->r[r],
               c->r[r] >> 16 ? " (upper half changed)" : "");
      return false;
    }
  for (int s = SEG_ES; s <= SEG_DS; s++)
    if (c->seg[s].sel != t->fin[R_ES + s]) {
      snprintf(why, size, "%s: expected %04X, got %04X", reg_name[R_ES + s], t->fin[R_ES + s],
               c->seg[s].sel);
      return false;
    }
  if ((c->eip & 0xFFFF) != t->fin[R_IP]) {
    snprintf(why, size, "ip: expected %04X, got %04X", t->fin[R_IP], c->eip & 0xFFFF);
    return false;
  }
  /* FLAGS: the form's flags-mask drops the flags the 286 leaves undefined. */
  unsigned want = t->fin[R_FLAGS] & mask, got = cpu_get_flags(c) & 0xFFFF & mask;
  if (want != got) {
    char names[64];
    flag_names(want ^ got, names, sizeof names);
    snprintf(why, size, "flags: expected %04X, got %04X (mask %04X; differs: %s)", want, got,
             mask, names);
    return false;
  }

  /* An exception's pushed FLAGS image is compared as a word under the
   * form's mask, like FLAGS itself. It is the first word of the frame, at
   * SS:SP-2 (the instruction's fault leaves SP as it was). The suite's
   * flag_address is the 286's bus address for that write, which its 16-bit
   * bus aligns to even: with an odd SP the image is one byte higher. */
  uint32_t fa = UINT32_MAX;
  if (t->has_flag_addr) {
    uint32_t frame = ((uint32_t)t->init[R_SS] << 4) + (uint16_t)(t->init[R_SP] - 2);
    fa = (frame & ~1u) == (t->flag_addr & ~1u) ? frame : t->flag_addr;
    const MemByte *lo = list_find(e, fa), *hi = list_find(e, fa + 1);
    unsigned want_w = ((lo ? lo->val : 0) | (hi ? hi->val : 0) << 8) & mask;
    unsigned got_w = phys_read(m->pm, fa, 2) & mask;
    if (want_w != got_w) {
      char names[64];
      flag_names(want_w ^ got_w, names, sizeof names);
      snprintf(why, size, "FLAGS pushed at %06X: expected %04X, got %04X (mask %04X; differs: %s)",
               fa, want_w, got_w, mask, names);
      return false;
    }
  }
  for (size_t i = 0; i < e->n; i++) {
    uint32_t addr = e->b[i].addr;
    if (addr == fa || addr == fa + 1) continue;
    unsigned got_b = phys_read(m->pm, addr, 1);
    if (got_b != e->b[i].val) {
      snprintf(why, size, "ram[%06X]: expected %02X, got %02X%s", addr, e->b[i].val, got_b,
               list_find(&t->fram, addr) ? "" : " (should be unchanged)");
      return false;
    }
  }
  return true;
}

/* ------------------------------------------------------------------------
 * The suite's side files. */

typedef struct Suite {
  json_object *meta;     /* metadata.json */
  json_object *opcodes;  /* its "opcodes" member */
  char **revoked;        /* sorted hashes */
  size_t nrevoked;
} Suite;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool load_revocations(Suite *s, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "sst-runner: cannot read %s: %s\n", path, strerror(errno));
    return false;
  }
  char line[256];
  size_t cap = 0;
  while (fgets(line, sizeof line, f)) {
    char *p = line;
    while (isspace((unsigned char)*p)) p++;
    size_t n = strlen(p);
    while (n && isspace((unsigned char)p[n - 1])) p[--n] = 0;
    if (!n || *p == '#') continue;
    if (s->nrevoked == cap) {
      cap = cap ? cap * 2 : 16;
      char **grown = realloc(s->revoked, cap * sizeof *grown);
      if (!grown) exit(1);
      s->revoked = grown;
    }
    s->revoked[s->nrevoked] = strdup(p);
    if (!s->revoked[s->nrevoked]) exit(1);
    s->nrevoked++;
  }
  fclose(f);
  if (s->nrevoked) qsort(s->revoked, s->nrevoked, sizeof *s->revoked, cmp_str);
  return true;
}

static bool is_revoked(const Suite *s, const char *hash) {
  return s->nrevoked && bsearch(&hash, s->revoked, s->nrevoked, sizeof *s->revoked, cmp_str);
}

/* The whole of a gzip file, NUL-terminated, in *buf (reused across calls). */
static bool read_gz(const char *path, char **buf, size_t *cap, const char **err) {
  gzFile f = gzopen(path, "rb");
  if (!f) {
    *err = errno ? strerror(errno) : "cannot open";
    return false;
  }
  gzbuffer(f, 1u << 17);
  size_t n = 0;
  for (;;) {
    if (*cap - n < (1u << 16) + 1) {
      size_t ncap = *cap ? *cap * 2 : 1u << 20;
      char *grown = realloc(*buf, ncap);
      if (!grown) {
        gzclose(f);
        *err = "out of memory";
        return false;
      }
      *buf = grown;
      *cap = ncap;
    }
    int r = gzread(f, *buf + n, (unsigned)(*cap - n - 1));
    if (r < 0) {
      int code;
      static char msg[128];
      snprintf(msg, sizeof msg, "gzip: %s", gzerror(f, &code));
      gzclose(f);
      *err = msg;
      return false;
    }
    if (r == 0) break;
    n += (size_t)r;
  }
  gzclose(f);
  (*buf)[n] = 0;
  return true;
}

/* A form's metadata entry: opcodes["XX"], or its "reg" entry for group
 * forms. reg < 0 when the file name has no ".R"; a group opcode then takes
 * the reg field of each test's ModRM byte. */
static json_object *form_meta(const Suite *s, const char *opkey, int reg, const Anatomy *a) {
  json_object *e = member(s->opcodes, opkey, json_type_object);
  json_object *regs = member(e, "reg", json_type_object);
  if (!regs) return e;
  if (reg < 0) {
    if (!a->has_modrm) return e;
    reg = a->reg;
  }
  char key[16];
  snprintf(key, sizeof key, "%d", reg);
  json_object *r = member(regs, key, json_type_object);
  return r ? r : e;
}

/* ------------------------------------------------------------------------
 * Running a file. */

typedef struct Options {
  bool verbose;      /* -v: every failing test, not only the first per form */
  bool run_excluded; /* -x: run excluded tests too, to review the exclusions */
  int accel;         /* -jit / -lockstep: run through the JIT (jit/jit.h) */
} Options;

typedef struct Totals {
  long passed, failed, adapted, excluded[EX_COUNT];
  long excluded_would_pass[EX_COUNT]; /* with -x */
  int bad_files;
} Totals;

/* Reused across files and tests (freed at exit): the decompressed file,
 * and the test being run. */
static char *buf;
static size_t cap;
static Test t;

/* What the watchdog reports if a test hangs. */
static char current_test[192];
static size_t current_len;

static void on_watchdog(int sig) {
  (void)sig;
  static const char msg[] = "\nsst-runner: watchdog: no progress, stuck in ";
  ssize_t r = write(2, msg, sizeof msg - 1);
  r = write(2, current_test, current_len);
  r = write(2, "\n", 1);
  (void)r;
  _exit(1);
}

static void print_bytes(const Test *t) {
  size_t n = t->nbytes < MAX_BYTES ? t->nbytes : MAX_BYTES;
  for (size_t i = 0; i < n; i++) printf("%s%02X", i ? " " : "", t->bytes[i]);
}

static void print_failure(const char *label, const Test *t, const char *why) {
  printf("  %s: #%ld \"%s\"  bytes ", label, t->idx, t->name);
  print_bytes(t);
  if (t->has_exc) printf("  (286 raised #%d)", t->exc);
  printf("\n      %s\n", why);
}

static void run_file(Machine *m, const Suite *s, const char *dir, const char *file,
                     const Options *opt, Totals *tot) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path) {
    printf("ERROR %s: path too long\n", file);
    tot->bad_files++;
    return;
  }

  /* "80.0.json.gz" -> opcode key "80", reg 0; "07.json.gz" -> "07", none.
   * (File names come from readdir, so they fit in 256 bytes.) */
  char stem[256], opkey[256];
  snprintf(stem, sizeof stem, "%.*s", (int)(strlen(file) - strlen(".json.gz")), file);
  memcpy(opkey, stem, sizeof opkey);
  int reg = -1;
  char *dot = strchr(opkey, '.');
  if (dot) {
    reg = atoi(dot + 1);
    *dot = 0;
  }

  const char *err = NULL;
  if (!read_gz(path, &buf, &cap, &err)) {
    printf("ERROR %s: cannot read: %s\n", stem, err);
    tot->bad_files++;
    return;
  }
  enum json_tokener_error jerr;
  json_object *root = json_tokener_parse_verbose(buf, &jerr);
  if (!root || !json_object_is_type(root, json_type_array)) {
    printf("ERROR %s: not a JSON array of tests (%s)\n", stem,
           root ? "wrong type" : json_tokener_error_desc(jerr));
    json_object_put(root);
    tot->bad_files++;
    return;
  }

  alarm(WATCHDOG_SECONDS);
  size_t n = json_object_array_length(root);
  long fails = 0, ran = 0;
  for (size_t i = 0; i < n; i++) {
    const char *bad;
    if (!parse_test(json_object_array_get_idx(root, i), &t, &bad)) {
      printf("ERROR %s: test %zu is malformed: %s\n", stem, i, bad);
      tot->bad_files++;
      break;
    }
    if (is_revoked(s, t.hash)) {
      tot->excluded[EX_REVOKED]++;
      continue;
    }
    Anatomy a = dissect(&t);
    json_object *meta = form_meta(s, opkey, reg, &a);
    json_object *st = member(meta, "status", json_type_string);
    int ex = exclusion(&t, &a, st ? json_object_get_string(st) : NULL);
    if (ex >= 0) {
      tot->excluded[ex]++;
      if (!opt->run_excluded) continue;
    }
    int64_t mask = 0xFFFF;
    json_object *mv = member(meta, "flags-mask", json_type_int);
    if (mv && !get_uint(mv, 0xFFFF, &mask)) mask = 0xFFFF;
    if (neutralise_lock(&t, &a) && ex < 0) tot->adapted++;

    int len = snprintf(current_test, sizeof current_test, "%s test #%ld \"%s\"", stem, t.idx, t.name);
    current_len = len < 0 ? 0 : (size_t)len < sizeof current_test ? (size_t)len : sizeof current_test - 1;
    load_test(m, &t);
    run_test(m, &t, &a);
    char why[256];
    bool ok = compare(m, &t, (unsigned)mask, why, sizeof why);
    clean_ram(m, !ok);
    if (ex >= 0) {
      tot->excluded_would_pass[ex] += ok;
      continue;
    }
    ran++;
    if (ok) {
      tot->passed++;
    } else {
      tot->failed++;
      if (fails++ == 0 || opt->verbose) {
        if (fails == 1) printf("FAIL  %s\n", stem);
        print_failure(fails == 1 ? "first" : "also", &t, why);
      }
    }
  }
  alarm(0);
  if (fails) printf("      %s: %ld of %ld failed\n", stem, fails, ran);
  json_object_put(root);
}

/* ------------------------------------------------------------------------ */

static int usage(void) {
  fprintf(stderr, "usage: sst-runner [-v] [-x] [-jit|-lockstep] DIR [FORM...]\n"
                  "  DIR holds metadata.json, revocation_list.txt and v1_real_mode/*.json.gz;\n"
                  "  FORM restricts the run to forms such as 07 or F7.6; -v lists every failure;\n"
                  "  -x also runs the excluded tests and says how many match the 286 anyway;\n"
                  "  -jit runs them through the JIT, -lockstep through the JIT checked against\n"
                  "  the interpreter.\n");
  return 2;
}

static int cmp_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n > k && strcmp(s + n - k, suffix) == 0;
}

/* Does file (XX.json.gz) match one of the FORM arguments? */
static bool selected(const char *file, char **forms, int nforms, bool *used) {
  if (nforms == 0) return true;
  size_t stem = strlen(file) - strlen(".json.gz");
  bool hit = false;
  for (int i = 0; i < nforms; i++) {
    size_t k = strlen(forms[i]);
    if ((k == stem && strncasecmp(file, forms[i], k) == 0) || strcasecmp(file, forms[i]) == 0) {
      used[i] = true;
      hit = true;
    }
  }
  return hit;
}

int main(int argc, char **argv) {
  Options opt = {0};
  int argi = 1;
  for (; argi < argc && argv[argi][0] == '-'; argi++) {
    if (strcmp(argv[argi], "-v") == 0) opt.verbose = true;
    else if (strcmp(argv[argi], "-x") == 0) opt.run_excluded = true;
    else if (strcmp(argv[argi], "-jit") == 0) opt.accel = ACCEL_JIT;
    else if (strcmp(argv[argi], "-lockstep") == 0) opt.accel = ACCEL_LOCKSTEP;
    else return usage();
  }
  if (argi >= argc) return usage();
  const char *dir = argv[argi++];
  char **forms = argv + argi;
  int nforms = argc - argi;

  /* No data is not a failure: the suite lives outside the repository. */
  struct stat st;
  if (stat(dir, &st) != 0) {
    printf("SST data not found at %s: skipping\n", dir);
    return 77;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);

  char path[4096], testdir[4096];
  Suite suite = {0};
  Totals tot = {0};
  int status = 1;
  char **files = NULL;
  size_t nfiles = 0;
  bool *used = calloc((size_t)nforms + 1, sizeof *used);
  DIR *d = NULL;
  Machine m = {0};

  snprintf(path, sizeof path, "%s/metadata.json", dir);
  suite.meta = json_object_from_file(path);
  suite.opcodes = member(suite.meta, "opcodes", json_type_object);
  if (!suite.opcodes) {
    fprintf(stderr, "sst-runner: %s: %s\n", path,
            suite.meta ? "not the suite's metadata (no \"opcodes\" object)"
                       : access(path, R_OK) ? strerror(errno) : "not valid JSON");
    goto out;
  }
  snprintf(path, sizeof path, "%s/revocation_list.txt", dir);
  if (!load_revocations(&suite, path)) goto out;

  snprintf(testdir, sizeof testdir, "%s/v1_real_mode", dir);
  if (!(d = opendir(testdir))) {
    fprintf(stderr, "sst-runner: cannot open %s: %s\n", testdir, strerror(errno));
    goto out;
  }
  size_t fcap = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (!has_suffix(e->d_name, ".json.gz") || !selected(e->d_name, forms, nforms, used)) continue;
    if (nfiles == fcap) {
      fcap = fcap ? fcap * 2 : 512;
      char **grown = realloc(files, fcap * sizeof *grown);
      if (!grown) goto out;
      files = grown;
    }
    if (!(files[nfiles++] = strdup(e->d_name))) goto out;
  }
  for (int i = 0; i < nforms; i++)
    if (!used[i]) {
      fprintf(stderr, "sst-runner: no form %s in %s\n", forms[i], testdir);
      status = 2;
      goto out;
    }
  if (nfiles == 0) {
    fprintf(stderr, "sst-runner: no *.json.gz tests in %s\n", testdir);
    goto out;
  }
  qsort(files, nfiles, sizeof *files, cmp_name);

  struct sigaction sa = {0};
  sa.sa_handler = on_watchdog;
  sigaction(SIGALRM, &sa, NULL);

  m.pm = phys_new(RAM_SIZE);
  m.io = iobus_new();
  m.c = cpu_new(m.pm, m.io);
  if (opt.accel != ACCEL_INTERP) {
    /* Every block is translated the first time it runs. */
    if (jit_enable(m.c, opt.accel, 0) != 0) {
      fprintf(stderr, "sst-runner: cannot enable the JIT\n");
      goto out;
    }
    m.c->jit->threshold = 0;
  }
  printf("SingleStepTests 80286 real mode: %zu forms from %s\n", nfiles, testdir);
  for (size_t i = 0; i < nfiles; i++) run_file(&m, &suite, testdir, files[i], &opt, &tot);

  long excluded = 0, all;
  for (int i = 0; i < EX_COUNT; i++) excluded += tot.excluded[i];
  all = excluded + tot.passed + tot.failed;
  printf("\nExcluded (286 behaviour a P6 does not share by design; not run, not passed):\n");
  for (int i = 0; i < EX_COUNT; i++) {
    if (!tot.excluded[i]) continue;
    printf("  %6ld  %s\n", tot.excluded[i], ex_reason[i]);
    if (opt.run_excluded && i != EX_REVOKED)
      printf("          (-x: run anyway, %ld of them match the 286)\n", tot.excluded_would_pass[i]);
  }
  printf("  %6ld  in all, %.2f%% of %ld tests\n", excluded, all ? 100.0 * (double)excluded / (double)all : 0.0, all);
  if (tot.adapted)
    printf("Adapted: %ld tests with LOCK on an instruction a 386+ rejects it on (#UD there, ignored\n"
           "  by the 286) ran with LOCK replaced by a redundant segment override.\n", tot.adapted);
  if (tot.bad_files) printf("%d data error(s): see ERROR lines above\n", tot.bad_files);

  long ran = tot.passed + tot.failed;
  bool enough = ran > 0 && (double)tot.passed >= 0.999 * (double)ran;
  status = tot.bad_files || !enough ? 1 : 0;
  if (m.c->jit) {
    fflush(stdout);
    jit_print_stats(m.c);
    if (m.c->jit->divergences) status = 1;
  }

out:
  printf("%ld passed, %ld failed\n", tot.passed, tot.failed);
  if (d) closedir(d);
  for (size_t i = 0; i < nfiles; i++) free(files[i]);
  free(files);
  free(used);
  for (size_t i = 0; i < suite.nrevoked; i++) free(suite.revoked[i]);
  free(suite.revoked);
  json_object_put(suite.meta);
  if (m.c) cpu_free(m.c);
  if (m.io) iobus_free(m.io);
  if (m.pm) phys_free(m.pm);
  free(m.expect.b);
  free(t.iram.b);
  free(t.fram.b);
  free(buf);
  return status;
}
