/* Decimal adjust instructions, written after the SDM's pseudo-code. */
#include "cpu/exec.h"

static uint8_t al(const Cpu *c) { return (uint8_t)c->r[EAX]; }

void daa(Cpu *c, const Insn *in) {
  (void)in;
  uint32_t f = cpu_get_flags(c);
  uint8_t old = al(c), a = old;
  uint32_t out = 0;
  if ((a & 0xF) > 9 || (f & F_AF)) {
    a += 6;
    out |= F_AF;
  }
  if (old > 0x99 || (f & F_CF)) {
    a += 0x60;
    out |= F_CF;
  }
  reg_set(c, EAX, 1, a);
  flags_set_arith(c, F_ARITH & ~F_OF, out | szp_flags(a, 1));
}

void das(Cpu *c, const Insn *in) {
  (void)in;
  uint32_t f = cpu_get_flags(c);
  uint8_t old = al(c), a = old;
  uint32_t out = 0;
  if ((a & 0xF) > 9 || (f & F_AF)) {
    if (a < 6 || (f & F_CF)) out |= F_CF;
    a -= 6;
    out |= F_AF;
  }
  if (old > 0x99 || (f & F_CF)) {
    a -= 0x60;
    out |= F_CF;
  }
  reg_set(c, EAX, 1, a);
  flags_set_arith(c, F_ARITH & ~F_OF, out | szp_flags(a, 1));
}

/* AAA/AAS: AF and CF report the adjustment; AL keeps its low nibble. */
static void ascii_adjust(Cpu *c, bool sub) {
  uint32_t f = cpu_get_flags(c);
  uint32_t ax = c->r[EAX] & 0xFFFF;
  bool adjust = (ax & 0xF) > 9 || (f & F_AF);
  /* SDM: AX = AX + 106h, or AX = AX - 6 then AH = AH - 1 (so a borrow out
   * of AL decrements AH twice). */
  if (adjust) ax = sub ? (ax - 6 - 0x100) & 0xFFFF : ax + 0x106;
  reg_set(c, EAX, 2, ax & 0xFF0F);
  flags_set_arith(c, F_AF | F_CF, adjust ? F_AF | F_CF : 0);
}

void aaa(Cpu *c, const Insn *in) { (void)in; ascii_adjust(c, false); }
void aas(Cpu *c, const Insn *in) { (void)in; ascii_adjust(c, true); }

void aam(Cpu *c, const Insn *in) {
  uint8_t base = (uint8_t)in->imm;
  if (!base) cpu_fault(c, EXC_DE, -1);
  uint8_t a = al(c);
  uint8_t lo = a % base;
  reg_set(c, EAX, 2, (uint32_t)(a / base) << 8 | lo);
  c->lf = (LazyFlags){.res = lo, .op = LF_LOGIC, .size = 1};
}

/* AAD's flags are those of the 8-bit addition AL + AH*base it performs. */
void aad(Cpu *c, const Insn *in) {
  uint8_t prod = (uint8_t)(((c->r[EAX] >> 8) & 0xFF) * (in->imm & 0xFF));
  uint8_t a = al(c);
  uint8_t r = (uint8_t)(a + prod);
  reg_set(c, EAX, 2, r);
  c->lf = (LazyFlags){.res = r, .a = a, .b = prod, .op = LF_ADD, .size = 1};
}
