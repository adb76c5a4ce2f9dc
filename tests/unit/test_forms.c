/* The form-specialised handlers (cpu/forms.def) against the generic
 * handlers they stand in for: random instructions of every opcode that has
 * variants, decoded as 32-bit code, run on two CPUs in the same random
 * state, one through Insn.fn (the variant) and one through
 * decode_handler() (the generic handler). Registers, EIP, EFLAGS (lazy
 * flags folded), memory and the fault raised must come out the same. Each
 * case runs the variant twice: with an empty TLB (it must hand over to the
 * generic handler) and with every RAM page in the TLB (its fast path).
 *
 * The random state aims at the edges the fast paths must respect: operand
 * offsets near segment limits and 4 GiB, expand-down-like ranges (lo > 0),
 * segments that forbid reads or writes, a 16-bit stack, pages beyond RAM
 * (open bus) and pages holding code (no host writes), CS limits below
 * branch targets, and every kind of lazy-flags record. */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cpu/decode.h"
#include "cpu/exec.h"
#include "devices/iobus.h"
#include "mmu/physmem.h"

enum { RAM = 256u << 10, WINDOW = 0x20000, CASES = 30000 };

typedef struct Rig {
  PhysMem *pm;
  IoBus *io;
  Cpu *c;
} Rig;

static Rig rig_new(void) {
  Rig r;
  r.pm = phys_new(RAM);
  r.io = iobus_new();
  r.c = cpu_new(r.pm, r.io);
  r.c->cr[0] |= CR0_PE; /* segment rights as protected mode derives them */
  return r;
}

static void rig_free(Rig *r) {
  cpu_free(r->c);
  iobus_free(r->io);
  phys_free(r->pm);
}

/* xorshift64*: reproducible cases. */
static uint64_t seed = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) {
  seed ^= seed >> 12;
  seed ^= seed << 25;
  seed ^= seed >> 27;
  return (uint32_t)((seed * 0x2545F4914F6CDD1Dull) >> 32);
}
static bool chance(unsigned percent) { return rnd() % 100 < percent; }

/* An offset that is usually inside the RAM window, sometimes anywhere. */
static uint32_t some_offset(void) {
  if (chance(85)) return rnd() % WINDOW;
  static const uint32_t edges[] = {0, 0xFFFC, 0xFFFE, 0xFFFF, 0x10000, 0xFFFFFFFC, 0xFFFFFFFE,
                                   0xFFFFFFFF, RAM - 2, RAM + 0x1000};
  return chance(50) ? edges[rnd() % (sizeof edges / sizeof edges[0])] : rnd();
}

/* A consistent lazy-flags record, as some instruction would leave it. */
static LazyFlags some_record(Cpu *c) {
  static const uint8_t sizes[] = {1, 2, 4, 4};
  LazyFlags l = {0};
  l.size = sizes[rnd() % 4];
  uint32_t m = size_mask(l.size), a = rnd() & m, b = rnd() & m;
  if (chance(20)) a = 0;
  if (chance(20)) b = a;
  bool cin = rnd() & 1;
  l.op = (uint8_t)(rnd() % (LF_MUL + 1));
  l.a = a;
  l.b = b;
  switch (l.op) {
  case LF_NONE: c->flags = (c->flags & ~F_ARITH) | (rnd() & F_ARITH); break;
  case LF_ADD: l.res = (a + b) & m; break;
  case LF_ADC: l.carry = cin; l.res = (a + b + cin) & m; break;
  case LF_SUB: l.res = (a - b) & m; break;
  case LF_SBB: l.carry = cin; l.res = (a - b - cin) & m; break;
  case LF_LOGIC: l.res = (rnd() & 1 ? a & b : a ^ b) & m; break;
  case LF_INC: l.carry = cin; l.b = 1; l.res = (a + 1) & m; break;
  case LF_DEC: l.carry = cin; l.b = 1; l.res = (a - 1) & m; break;
  case LF_SHL: l.b = 1 + rnd() % 31; l.res = (uint32_t)((uint64_t)a << l.b) & m; break;
  case LF_SHR: l.b = 1 + rnd() % 31; l.res = a >> l.b; break;
  case LF_SAR: {
    int sh = 32 - l.size * 8;
    l.b = 1 + rnd() % 31;
    l.res = (uint32_t)((int32_t)(a << sh) >> sh >> l.b) & m;
    break;
  }
  default: /* LF_MUL: low half, whether the high half is significant */
    l.a = l.res = rnd();
    l.b = rnd() & 1;
    break;
  }
  return l;
}

/* Random protected-mode segments: flat ones mostly, and small limits,
 * nonzero bases, expand-down, read-only, execute-only and not-present
 * segments; seg_refresh() derives what the handlers check (lo, hi, ok,
 * flat) as a segment load does. */
static void some_segments(Cpu *c) {
  static const uint16_t types[] = {DESC_RW, DESC_RW, DESC_RW, DESC_RW, DESC_RW, DESC_RW,
                                   0, DESC_RW | DESC_DC, DESC_CODE | DESC_RW, DESC_CODE};
  for (int i = 0; i < SEG_COUNT; i++) {
    Segment *s = &c->seg[i];
    s->base = chance(70) ? 0 : rnd() % WINDOW;
    s->limit = chance(70) ? 0xFFFFFFFFu : chance(30) ? 0xFFFF : rnd() % (2 * WINDOW);
    s->attr = (uint16_t)(types[rnd() % (sizeof types / sizeof types[0])] | DESC_S |
                         (chance(97) ? DESC_P : 0) | (chance(90) ? DESC_DB : 0));
    seg_refresh(c, s);
  }
  c->stack32 = chance(90);
}
typedef struct State {
  uint32_t r[8], eip, flags;
  LazyFlags lf;
  Segment seg[SEG_COUNT];
  bool stack32;
} State;

static void state_save(const Cpu *c, State *s) {
  memcpy(s->r, c->r, sizeof s->r);
  s->eip = c->eip;
  s->flags = c->flags;
  s->lf = c->lf;
  memcpy(s->seg, c->seg, sizeof s->seg);
  s->stack32 = c->stack32;
}

static void state_load(Cpu *c, const State *s) {
  memcpy(c->r, s->r, sizeof s->r);
  c->eip = s->eip;
  c->flags = s->flags;
  c->lf = s->lf;
  memcpy(c->seg, s->seg, sizeof c->seg);
  c->stack32 = s->stack32;
}

/* Run one instruction's handler as the execution loop does; returns the
 * vector it faulted with, or -1. */
static int run(Cpu *c, const Insn *in, Handler fn) {
  c->insn_eip = c->eip;
  c->insn_esp = c->r[ESP];
  c->eip += in->len;
  if (setjmp(c->fault_jmp)) return c->pending_vector;
  fn(c, in);
  return -1;
}

/* Everything an instruction may change, for comparing two runs. */
typedef struct Outcome {
  int vector, error;
  uint32_t r[8], eip, flags;
  uint8_t ram[RAM];
} Outcome;

static void outcome(Rig *g, int vector, Outcome *o) {
  o->vector = vector;
  o->error = vector >= 0 ? g->c->pending_error : 0;
  memcpy(o->r, g->c->r, sizeof o->r);
  o->eip = g->c->eip;
  o->flags = cpu_get_flags(g->c);
  memcpy(o->ram, g->pm->ram, RAM);
}

static void describe(const uint8_t *bytes, int len, char *buf, size_t n) {
  size_t k = 0;
  for (int i = 0; i < len && k + 4 < n; i++) k += (size_t)snprintf(buf + k, n - k, "%02X ", bytes[i]);
}

static void compare(const Outcome *want, const Outcome *got, const uint8_t *bytes, int len,
                    const char *run_name) {
  char text[64] = "";
  describe(bytes, len, text, sizeof text);
  cr_assert_eq(got->vector, want->vector, "%s(%s): vector %d, generic %d", run_name, text,
               got->vector, want->vector);
  cr_assert_eq(got->error, want->error, "%s(%s): error code", run_name, text);
  for (int r = 0; r < 8; r++)
    cr_assert_eq(got->r[r], want->r[r], "%s(%s): r%d = %08X, generic %08X", run_name, text, r,
                 got->r[r], want->r[r]);
  cr_assert_eq(got->eip, want->eip, "%s(%s): EIP %08X, generic %08X", run_name, text, got->eip,
               want->eip);
  cr_assert_eq(got->flags, want->flags, "%s(%s): EFLAGS %08X, generic %08X", run_name, text,
               got->flags, want->flags);
  cr_assert(memcmp(got->ram, want->ram, RAM) == 0, "%s(%s): memory differs", run_name, text);
}

/* Variants seen, and how many ran (warm) without a fault or a TLB miss. */
static const struct {
  Handler fn;
  const char *name;
} variants[] = {
#define FORM(generic, op, aux, form, variant) {variant, #variant},
#include "cpu/forms.def"
#undef FORM
};
#define N_VARIANTS (sizeof variants / sizeof variants[0])

static int variant_index(Handler fn) {
  for (unsigned i = 0; i < N_VARIANTS; i++)
    if (variants[i].fn == fn) return (int)i;
  return -1;
}

/* Instructions that decode to each variant: the operand-size prefix or
 * not, an opcode (0x000-0x1FF) and a ModRM byte, found by decoding them
 * all and kept in a random sample per variant. */
typedef struct Template {
  uint16_t op;
  uint8_t modrm;
  bool p66;
} Template;
enum { MAX_TEMPLATES = 64 };
static Template templates[N_VARIANTS][MAX_TEMPLATES];
static unsigned n_found[N_VARIANTS];

static int encode(uint8_t *bytes, bool p66, unsigned op, uint8_t modrm) {
  int k = 0;
  if (p66) bytes[k++] = 0x66;
  if (op >= 0x100) bytes[k++] = 0x0F;
  bytes[k++] = (uint8_t)op;
  bytes[k++] = modrm;
  return k;
}

static void find_templates(void) {
  for (int p66 = 0; p66 < 2; p66++)
    for (unsigned op = 0; op < 0x200; op++)
      for (unsigned modrm = 0; modrm < 256; modrm++) {
        uint8_t bytes[16] = {0};
        encode(bytes, p66, op, (uint8_t)modrm);
        Insn in;
        if (decode(&in, bytes, 16, true) != DECODE_OK) continue;
        int v = variant_index(in.fn);
        if (v < 0) continue;
        unsigned k = n_found[v]++;
        if (k >= MAX_TEMPLATES) k = rnd() % n_found[v];
        if (k < MAX_TEMPLATES) templates[v][k] = (Template){(uint16_t)op, (uint8_t)modrm, p66};
      }
}

Test(forms, variants_match_generic_handlers) {
  static Outcome want, cold, warm;
  static uint8_t pristine[RAM];
  static unsigned seen[N_VARIANTS], clean[N_VARIANTS];
  static const uint8_t segs[] = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65};
  decode_init();
  find_templates();
  Rig a = rig_new(), b = rig_new();
  for (uint32_t i = 0; i < RAM; i++) pristine[i] = (uint8_t)rnd();

  for (int n = 0; n < CASES; n++) {
    /* A variant in turn, one of its instructions with a random segment
     * override, register/memory operand (ModRM.rm, SIB, displacement) and
     * immediate. */
    unsigned v = (unsigned)n % N_VARIANTS;
    if (variant_index(variants[v].fn) != (int)v) continue; /* a handler on several lines */
    cr_assert(n_found[v], "no instruction decodes to %s", variants[v].name);
    const Template *t = &templates[v][rnd() % (n_found[v] < MAX_TEMPLATES ? n_found[v] : MAX_TEMPLATES)];
    uint8_t bytes[18];
    int k = 0;
    if (chance(15)) bytes[k++] = segs[rnd() % sizeof segs];
    k += encode(bytes + k, t->p66, t->op, (uint8_t)((t->modrm & 0xF8) | (rnd() & 7)));
    while (k < 18) bytes[k++] = (uint8_t)rnd();
    Insn in;
    if (decode(&in, bytes, 18, true) != DECODE_OK || in.fn != variants[v].fn) continue;
    Handler generic = decode_handler(&in);
    seen[v]++;

    /* One random state for both CPUs; the memory operand usually lands in
     * the window (base register chosen to put it there). */
    Cpu *ca = a.c;
    for (int r = 0; r < 8; r++) ca->r[r] = chance(50) ? rnd() : rnd() % WINDOW;
    ca->r[ESP] = chance(90) ? 0x100 + rnd() % (WINDOW - 0x200) : some_offset();
    ca->eip = rnd() % WINDOW;
    ca->flags = 0x2 | (rnd() & (F_ARITH | F_DF));
    ca->lf = some_record(ca);
    some_segments(ca);
    if (in.mod != 3 && in.base != REG_ZERO && in.base != ESP && chance(90)) {
      uint32_t want_off = some_offset();
      ca->r[in.base] = want_off - in.disp - (ca->r[in.index] << in.scale);
    }
    State s;
    state_save(ca, &s);
    uint32_t code_page = (ca->seg[in.seg].base + ea32(ca, &in)) >> 12;
    if (code_page >= RAM >> 12 || chance(90)) code_page = 0;

    /* The generic handler on b. */
    state_load(b.c, &s);
    memcpy(b.pm->ram, pristine, RAM);
    tlb_flush(&b.c->tlbs[0]);
    if (code_page) phys_mark_code(b.pm, code_page);
    outcome(&b, run(b.c, &in, generic), &want);

    /* The variant on a: with an empty TLB, then with every RAM page in it
     * (readable and writable, but for a code page). */
    state_load(ca, &s);
    memcpy(a.pm->ram, pristine, RAM);
    tlb_flush(&ca->tlbs[0]);
    if (code_page) phys_mark_code(a.pm, code_page);
    outcome(&a, run(ca, &in, in.fn), &cold);
    compare(&want, &cold, bytes, in.len, "cold TLB");
    state_load(ca, &s);
    memcpy(a.pm->ram, pristine, RAM);
    if (code_page) phys_mark_code(a.pm, code_page);
    for (uint32_t page = 0; page < RAM; page += PAGE_SIZE) lin_fetch_phys(ca, page);
    uint64_t fills = ca->tlb_fills;
    outcome(&a, run(ca, &in, in.fn), &warm);
    compare(&want, &warm, bytes, in.len, "warm TLB");
    if (ca->tlb_fills == fills && warm.vector < 0) clean[v]++;
  }
  for (unsigned i = 0; i < N_VARIANTS; i++) {
    if (variant_index(variants[i].fn) != (int)i) continue; /* a handler on several lines */
    cr_expect(seen[i] >= 10, "%s ran only %u times", variants[i].name, seen[i]);
    cr_expect(clean[i] >= 3, "%s ran without a fault or TLB miss only %u times", variants[i].name,
              clean[i]);
  }
  rig_free(&a);
  rig_free(&b);
}

/* The conditions read from the lazy record (flags_test, behind every
 * Jcc/SETcc/CMOVcc) against the same conditions on the materialised
 * flags. */
Test(forms, conditions_match_materialised_flags) {
  Rig g = rig_new();
  Cpu *c = g.c;
  for (int n = 0; n < 200000; n++) {
    c->flags = 0x2 | (rnd() & F_ARITH);
    LazyFlags l = some_record(c);
    uint32_t flags_before = c->flags;
    c->lf = l;
    flags_materialize(c);
    uint32_t f = c->flags;
    bool of = f & F_OF, cf = f & F_CF, zf = f & F_ZF, sf = f & F_SF, pf = f & F_PF;
    const bool want[8] = {of, cf, zf, cf || zf, sf, pf, sf != of, zf || sf != of};
    for (int cc = 0; cc < 16; cc++) {
      c->flags = flags_before;
      c->lf = l;
      bool got = flags_cond(c, cc);
      cr_assert_eq(got, want[cc >> 1] ^ (cc & 1),
                   "cc %d, record op %d size %d a %08X b %08X res %08X carry %d: %d", cc, l.op,
                   l.size, l.a, l.b, l.res, l.carry, got);
    }
  }
  rig_free(&g);
}
