/* String instructions with their REP prefixes. A REP loop runs in slices:
 * after REP_SLICE iterations with work left, EIP is put back on the
 * instruction and the block ends, so interrupts are taken between slices
 * exactly as hardware takes them between iterations. The registers are
 * updated every iteration, so a fault mid-way is restartable. */
#include <string.h>

#include "cpu/exec.h"
#include "cpu/tss.h"
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

/* After a slice: if the count is not exhausted, run this instruction again
 * (it retires once, when the count runs out). */
static void rep_continue(Cpu *c, const Insn *in, const StrCtx *s) {
  if (in->rep && (c->r[ECX] & s->amask)) {
    c->eip = c->insn_eip;
    c->events |= EV_BLOCK;
    c->icount--;
  }
}

/* The fast path of REP MOVS/STOS going upwards: how many whole elements
 * from seg:off on lie in one host-mapped page the TLB already holds for
 * this access, inside the segment and before the index register wraps.
 * 0 means "take the ordinary path for one element" (which also fills the
 * TLB, so the next call usually succeeds). */
static uint32_t host_run(Cpu *c, const StrCtx *s, int seg, uint32_t off, int size,
                         bool write, uint8_t **host) {
  const Segment *sg = &c->seg[seg];
  if (!(sg->ok & (write ? SEG_OK_W : SEG_OK_R)) || off < sg->lo || off > sg->hi) return 0;
  uint32_t lin = sg->base + off;
  uint8_t *p = lin_host(c, lin, 1, write);
  if (!p) return 0;
  uint32_t bytes = 0x1000 - (lin & 0xFFF);
  uint32_t to_limit = sg->hi - off + 1, to_wrap = s->amask - off + 1;
  if (to_limit && to_limit < bytes) bytes = to_limit;
  if (to_wrap && to_wrap < bytes) bytes = to_wrap;
  *host = p;
  return bytes / (uint32_t)size;
}

static void rep_advance(Cpu *c, const StrCtx *s, int r, uint32_t n) {
  c->r[r] = (c->r[r] & ~s->amask) | ((c->r[r] + n * (uint32_t)s->step) & s->amask);
}

void movs(Cpu *c, const Insn *in) {
  StrCtx s = str_ctx(c, in);
  uint32_t n = rep_budget(c, in, &s);
  while (in->rep && s.step > 0 && n) {
    uint8_t *src, *dst;
    uint32_t k = host_run(c, &s, in->seg, idx(c, &s, ESI), in->size, false, &src);
    uint32_t kd = host_run(c, &s, SEG_ES, idx(c, &s, EDI), in->size, true, &dst);
    if (kd < k) k = kd;
    if (k > n) k = n;
    if (!k) break;
    size_t bytes = (size_t)k * in->size;
    if (dst > src && dst < src + bytes) {
      for (size_t i = 0; i < bytes; i++) dst[i] = src[i]; /* overlap replicates, as element by element */
    } else {
      memmove(dst, src, bytes);
    }
    rep_advance(c, &s, ESI, k);
    rep_advance(c, &s, EDI, k);
    c->r[ECX] = (c->r[ECX] & ~s.amask) | ((c->r[ECX] - k) & s.amask);
    n -= k;
  }
  for (; n; n--) {
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
  uint32_t n = rep_budget(c, in, &s);
  while (in->rep && s.step > 0 && n) {
    uint8_t *dst;
    uint32_t k = host_run(c, &s, SEG_ES, idx(c, &s, EDI), in->size, true, &dst);
    if (k > n) k = n;
    if (!k) break;
    if (in->size == 1) memset(dst, (int)(v & 0xFF), k);
    else if (in->size == 2) for (uint32_t i = 0; i < k; i++) st16(dst + 2 * i, (uint16_t)v);
    else for (uint32_t i = 0; i < k; i++) st32(dst + 4 * i, v);
    rep_advance(c, &s, EDI, k);
    c->r[ECX] = (c->r[ECX] & ~s.amask) | ((c->r[ECX] - k) & s.amask);
    n -= k;
  }
  for (; n; n--) {
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

/* REPE/REPNE fast path: skip the leading elements that do not end the
 * loop, compared in host memory; the element that ends it (or the last
 * one) goes through the ordinary path, which sets the flags. b is NULL for
 * SCAS, which compares with the accumulator. Returns elements skipped. */
static uint32_t rep_scan(Cpu *c, const Insn *in, const StrCtx *s, const uint8_t *a,
                         const uint8_t *b, uint32_t k) {
  int size = in->size;
  uint32_t acc = reg_get(c, EAX, size);
  uint32_t i = 0;
  for (; i + 1 < k; i++) {
    uint32_t x = size == 1 ? a[i] : size == 2 ? ld16(a + 2 * i) : ld32(a + 4 * i);
    uint32_t y = !b ? acc : size == 1 ? b[i] : size == 2 ? ld16(b + 2 * i) : ld32(b + 4 * i);
    if ((x == y) != (in->rep == 0xF3)) break;
  }
  if (b) rep_advance(c, s, ESI, i);
  rep_advance(c, s, EDI, i);
  c->r[ECX] = (c->r[ECX] & ~s->amask) | ((c->r[ECX] - i) & s->amask);
  return i;
}

void cmps(Cpu *c, const Insn *in) {
  StrCtx s = str_ctx(c, in);
  uint32_t n = rep_budget(c, in, &s);
  if (in->rep && s.step > 0 && n > 1) {
    uint8_t *a, *b;
    uint32_t k = host_run(c, &s, in->seg, idx(c, &s, ESI), in->size, false, &a);
    uint32_t kb = host_run(c, &s, SEG_ES, idx(c, &s, EDI), in->size, false, &b);
    if (kb < k) k = kb;
    if (k > n) k = n;
    if (k > 1) n -= rep_scan(c, in, &s, a, b, k);
  }
  for (; n; n--) {
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
  uint32_t n = rep_budget(c, in, &s);
  if (in->rep && s.step > 0 && n > 1) {
    uint8_t *p;
    uint32_t k = host_run(c, &s, SEG_ES, idx(c, &s, EDI), in->size, false, &p);
    if (k > n) k = n;
    if (k > 1) n -= rep_scan(c, in, &s, p, NULL, k);
  }
  for (; n; n--) {
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
  io_check(c, port, in->size);
  for (uint32_t n = rep_budget(c, in, &s); n; n--) {
    uint32_t lin = seg_linear(c, SEG_ES, idx(c, &s, EDI), in->size, SEG_OK_W);
    lin_write(c, lin, in->size, io_in(c->io, port, in->size));
    advance(c, &s, EDI);
    rep_done_one(c, in, &s);
  }
  rep_continue(c, in, &s);
}

void outs(Cpu *c, const Insn *in) {
  StrCtx s = str_ctx(c, in);
  uint16_t port = (uint16_t)c->r[EDX];
  io_check(c, port, in->size);
  for (uint32_t n = rep_budget(c, in, &s); n; n--) {
    io_out(c->io, port, in->size, mem_read(c, in->seg, idx(c, &s, ESI), in->size));
    advance(c, &s, ESI);
    rep_done_one(c, in, &s);
  }
  rep_continue(c, in, &s);
}
