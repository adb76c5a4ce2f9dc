/* String instructions with their REP prefixes. A REP loop runs in slices:
 * after REP_SLICE iterations with work left, EIP is put back on the
 * instruction and the block ends, so interrupts are taken between slices
 * exactly as hardware takes them between iterations. The registers are
 * updated every iteration, so a fault mid-way is restartable. */
#include "cpu/exec.h"
#include "devices/iobus.h"

#define REP_SLICE 4096

typedef struct StrCtx {
  uint32_t amask; /* 0xFFFF or 0xFFFFFFFF by address size */
  int32_t step;   /* +size or -size by DF */
} StrCtx;

static StrCtx str_ctx(const Cpu *c, const Insn *in) {
  return (StrCtx){in->a32 ? 0xFFFFFFFFu : 0xFFFF,
                  (c->flags & F_DF) ? -(int32_t)in->size : (int32_t)in->size};
}

static uint32_t idx(const Cpu *c, const StrCtx *s, int r) { return c->r[r] & s->amask; }

static void advance(Cpu *c, const StrCtx *s, int r) {
  c->r[r] = (c->r[r] & ~s->amask) | ((c->r[r] + (uint32_t)s->step) & s->amask);
}

/* Iterations to do now; 0 means the REP count is already exhausted. */
static uint32_t rep_budget(const Cpu *c, const Insn *in, const StrCtx *s) {
  if (!in->rep) return 1;
  uint32_t n = c->r[ECX] & s->amask;
  return n > REP_SLICE ? REP_SLICE : n;
}

static void rep_done_one(Cpu *c, const Insn *in, const StrCtx *s) {
  if (in->rep) c->r[ECX] = (c->r[ECX] & ~s->amask) | ((c->r[ECX] - 1) & s->amask);
}

/* After a slice: if the count is not exhausted, run this instruction again. */
static void rep_continue(Cpu *c, const Insn *in, const StrCtx *s) {
  if (in->rep && (c->r[ECX] & s->amask)) {
    c->eip = c->insn_eip;
    c->events |= EV_BLOCK;
  }
}

void movs(Cpu *c, const Insn *in) {
  StrCtx s = str_ctx(c, in);
  for (uint32_t n = rep_budget(c, in, &s); n; n--) {
    uint32_t v = mem_read(c, in->seg, idx(c, &s, ESI), in->size);
    mem_write(c, SEG_ES, idx(c, &s, EDI), in->size, v);
    advance(c, &s, ESI);
    advance(c, &s, EDI);
    rep_done_one(c, in, &s);
  }
  rep_continue(c, in, &s);
}

void stos(Cpu *c, const Insn *in) {
  StrCtx s = str_ctx(c, in);
  uint32_t v = reg_get(c, EAX, in->size);
  for (uint32_t n = rep_budget(c, in, &s); n; n--) {
    mem_write(c, SEG_ES, idx(c, &s, EDI), in->size, v);
    advance(c, &s, EDI);
    rep_done_one(c, in, &s);
  }
  rep_continue(c, in, &s);
}

void lods(Cpu *c, const Insn *in) {
  StrCtx s = str_ctx(c, in);
  for (uint32_t n = rep_budget(c, in, &s); n; n--) {
    reg_set(c, EAX, in->size, mem_read(c, in->seg, idx(c, &s, ESI), in->size));
    advance(c, &s, ESI);
    rep_done_one(c, in, &s);
  }
  rep_continue(c, in, &s);
}

/* CMPS and SCAS stop early when REPE finds a difference or REPNE a match. */
static bool rep_cond_stop(Cpu *c, const Insn *in) {
  if (!in->rep) return false;
  bool zf = flags_cond(c, 4);
  return in->rep == 0xF3 ? !zf : zf;
}

static void compare(Cpu *c, const Insn *in, uint32_t a, uint32_t b) {
  lazy_set(c, LF_SUB, in->size, a, b, (a - b) & size_mask(in->size));
}

void cmps(Cpu *c, const Insn *in) {
  StrCtx s = str_ctx(c, in);
  for (uint32_t n = rep_budget(c, in, &s); n; n--) {
    uint32_t a = mem_read(c, in->seg, idx(c, &s, ESI), in->size);
    uint32_t b = mem_read(c, SEG_ES, idx(c, &s, EDI), in->size);
    advance(c, &s, ESI);
    advance(c, &s, EDI);
    rep_done_one(c, in, &s);
    compare(c, in, a, b);
    if (rep_cond_stop(c, in)) return;
  }
  rep_continue(c, in, &s);
}

void scas(Cpu *c, const Insn *in) {
  StrCtx s = str_ctx(c, in);
  uint32_t a = reg_get(c, EAX, in->size);
  for (uint32_t n = rep_budget(c, in, &s); n; n--) {
    uint32_t b = mem_read(c, SEG_ES, idx(c, &s, EDI), in->size);
    advance(c, &s, EDI);
    rep_done_one(c, in, &s);
    compare(c, in, a, b);
    if (rep_cond_stop(c, in)) return;
  }
  rep_continue(c, in, &s);
}

/* INS writes ES:[(E)DI] from port DX; OUTS reads [seg:(E)SI] to port DX. */
void ins(Cpu *c, const Insn *in) {
  StrCtx s = str_ctx(c, in);
  uint16_t port = (uint16_t)c->r[EDX];
  for (uint32_t n = rep_budget(c, in, &s); n; n--) {
    uint32_t lin = seg_linear(c, SEG_ES, idx(c, &s, EDI), in->size);
    lin_write(c, lin, in->size, io_in(c->io, port, in->size));
    advance(c, &s, EDI);
    rep_done_one(c, in, &s);
  }
  rep_continue(c, in, &s);
}

void outs(Cpu *c, const Insn *in) {
  StrCtx s = str_ctx(c, in);
  uint16_t port = (uint16_t)c->r[EDX];
  for (uint32_t n = rep_budget(c, in, &s); n; n--) {
    io_out(c->io, port, in->size, mem_read(c, in->seg, idx(c, &s, ESI), in->size));
    advance(c, &s, ESI);
    rep_done_one(c, in, &s);
  }
  rep_continue(c, in, &s);
}
