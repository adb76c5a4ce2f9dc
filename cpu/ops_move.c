/* Data movement: MOV in all forms, XCHG, XADD, CMPXCHG(8B), MOVZX/MOVSX,
 * CMOVcc, SETcc, BSWAP, LEA, XLAT, segment register moves and far-pointer
 * loads (LDS LES LSS LFS LGS). */
#include "cpu/exec.h"

void mov_EG(Cpu *c, const Insn *in) { write_E(c, in, reg_get(c, in->reg, in->size)); }
void mov_GE(Cpu *c, const Insn *in) { reg_set(c, in->reg, in->size, read_E(c, in)); }
void mov_EI(Cpu *c, const Insn *in) { write_E(c, in, in->imm); }
void mov_rI(Cpu *c, const Insn *in) { reg_set(c, in->aux, in->size, in->imm); }

/* Forms (cpu/forms.def). A memory form that cannot take the fast path
 * runs the generic handler. */
void mov_EG_r32(Cpu *c, const Insn *in) { c->r[in->rm] = c->r[in->reg]; }
void mov_GE_r32(Cpu *c, const Insn *in) { c->r[in->reg] = c->r[in->rm]; }
void mov_EI_r32(Cpu *c, const Insn *in) { c->r[in->rm] = in->imm; }
void mov_rI_r32(Cpu *c, const Insn *in) { c->r[in->aux] = in->imm; }

/* MOV E,G and G,E with a memory operand of size bytes. */
static inline void mov_EG_mem(Cpu *c, const Insn *in, int size) {
  uint8_t *p = ea32_host(c, in, size, SEG_OK_W);
  if (UNLIKELY(!p)) mov_EG(c, in);
  else if (size == 4) st32(p, c->r[in->reg]);
  else if (size == 2) st16(p, (uint16_t)c->r[in->reg]);
  else *p = (uint8_t)reg_get(c, in->reg, 1);
}
void mov_EG_m32(Cpu *c, const Insn *in) { mov_EG_mem(c, in, 4); }
void mov_EG_m16(Cpu *c, const Insn *in) { mov_EG_mem(c, in, 2); }
void mov_EG_m8(Cpu *c, const Insn *in) { mov_EG_mem(c, in, 1); }

static inline void mov_GE_mem(Cpu *c, const Insn *in, int size) {
  const uint8_t *p = ea32_host(c, in, size, SEG_OK_R);
  if (UNLIKELY(!p)) mov_GE(c, in);
  else if (size == 4) c->r[in->reg] = ld32(p);
  else reg_set(c, in->reg, size, size == 2 ? ld16(p) : *p);
}
void mov_GE_m32(Cpu *c, const Insn *in) { mov_GE_mem(c, in, 4); }
void mov_GE_m16(Cpu *c, const Insn *in) { mov_GE_mem(c, in, 2); }
void mov_GE_m8(Cpu *c, const Insn *in) { mov_GE_mem(c, in, 1); }

void mov_EI_m32(Cpu *c, const Insn *in) {
  uint8_t *p = ea32_host(c, in, 4, SEG_OK_W);
  if (UNLIKELY(!p)) mov_EI(c, in);
  else st32(p, in->imm);
}

/* MOV AL/eAX, [moffs] and back: the offset is in->disp. */
void mov_AO(Cpu *c, const Insn *in) {
  reg_set(c, EAX, in->size, mem_read(c, in->seg, in->disp, in->size));
}
void mov_OA(Cpu *c, const Insn *in) {
  mem_write(c, in->seg, in->disp, in->size, reg_get(c, EAX, in->size));
}

/* MOV E, Sreg: a register destination takes the zero-extended selector at
 * the operand size; memory always receives 16 bits. */
void mov_E_sreg(Cpu *c, const Insn *in) {
  if (in->reg >= SEG_COUNT) cpu_fault(c, EXC_UD, -1);
  uint16_t sel = c->seg[in->reg].sel;
  if (in->mod == 3) reg_set(c, in->rm, in->size, sel);
  else mem_write(c, in->seg, ea_offset(c, in), 2, sel);
}

/* MOV Sreg, E. Loading CS this way is #UD; loading SS holds off
 * interrupts for one instruction so SS:SP can be set as a pair. */
void mov_sreg_E(Cpu *c, const Insn *in) {
  if (in->reg >= SEG_COUNT || in->reg == SEG_CS) cpu_fault(c, EXC_UD, -1);
  cpu_load_seg(c, in->reg, (uint16_t)read_E(c, in));
  if (in->reg == SEG_SS) {
    c->intr_shadow = 1;
    c->events |= EV_IRQ;
  }
}

void lea(Cpu *c, const Insn *in) { reg_set(c, in->reg, in->size, ea_offset(c, in)); }
void lea_m32(Cpu *c, const Insn *in) { c->r[in->reg] = ea32(c, in); }

void xchg_EG(Cpu *c, const Insn *in) {
  Loc l = loc_E(c, in, in->size, SEG_OK_RW);
  uint32_t a = loc_read(c, l, in->size);
  loc_write(c, l, in->size, reg_get(c, in->reg, in->size));
  reg_set(c, in->reg, in->size, a);
}

void xchg_r(Cpu *c, const Insn *in) {
  uint32_t a = reg_get(c, EAX, in->size);
  reg_set(c, EAX, in->size, reg_get(c, in->aux, in->size));
  reg_set(c, in->aux, in->size, a);
}

/* XADD: the destination gets the sum, the source register the old value
 * (in that order, so XADD r, r with the same register yields the sum). */
void xadd(Cpu *c, const Insn *in) {
  int size = in->size;
  Loc l = loc_E(c, in, size, SEG_OK_RW);
  uint32_t a = loc_read(c, l, size), b = reg_get(c, in->reg, size);
  uint32_t r = (a + b) & size_mask(size);
  loc_write(c, l, size, r);
  reg_set(c, in->reg, size, a);
  if (l.reg >= 0) reg_set(c, l.reg, size, r);
  lazy_set(c, LF_ADD, size, a, b, r);
}

/* CMPXCHG: the destination is written in both cases (with its own value
 * when unequal), as the locked bus cycle on hardware does. */
void cmpxchg(Cpu *c, const Insn *in) {
  int size = in->size;
  Loc l = loc_E(c, in, size, SEG_OK_RW);
  uint32_t d = loc_read(c, l, size), acc = reg_get(c, EAX, size);
  bool equal = d == acc;
  loc_write(c, l, size, equal ? reg_get(c, in->reg, size) : d);
  if (!equal) reg_set(c, EAX, size, d);
  lazy_set(c, LF_SUB, size, acc, d, (acc - d) & size_mask(size));
}

void cmpxchg8b(Cpu *c, const Insn *in) {
  Loc lo = loc_E(c, in, 8, SEG_OK_RW);
  uint32_t d0 = lin_read(c, lo.lin, 4), d1 = lin_read(c, lo.lin + 4, 4);
  bool equal = d0 == c->r[EAX] && d1 == c->r[EDX];
  uint32_t w0 = equal ? c->r[EBX] : d0, w1 = equal ? c->r[ECX] : d1;
  lin_write(c, lo.lin + 4, 4, w1);
  lin_write(c, lo.lin, 4, w0);
  if (!equal) {
    c->r[EAX] = d0;
    c->r[EDX] = d1;
  }
  flags_set_arith(c, F_ZF, equal ? F_ZF : 0);
}

/* MOVZX/MOVSX: the source size is the table's aux (1 or 2 bytes). */
static uint32_t read_src(Cpu *c, const Insn *in, int size) {
  return loc_read(c, loc_E(c, in, size, SEG_OK_R), size);
}

void movzx(Cpu *c, const Insn *in) { reg_set(c, in->reg, in->size, read_src(c, in, in->aux)); }

void movsx(Cpu *c, const Insn *in) {
  int shift = 32 - in->aux * 8;
  uint32_t v = (uint32_t)((int32_t)(read_src(c, in, in->aux) << shift) >> shift);
  reg_set(c, in->reg, in->size, v);
}

/* Their forms with a 32-bit destination (cpu/forms.def), by source. */
void movzx_r32_b(Cpu *c, const Insn *in) { c->r[in->reg] = reg_get(c, in->rm, 1); }
void movzx_r32_w(Cpu *c, const Insn *in) { c->r[in->reg] = c->r[in->rm] & 0xFFFF; }
void movsx_r32_b(Cpu *c, const Insn *in) { c->r[in->reg] = (uint32_t)(int8_t)reg_get(c, in->rm, 1); }
void movsx_r32_w(Cpu *c, const Insn *in) { c->r[in->reg] = (uint32_t)(int16_t)c->r[in->rm]; }

void movzx_m32_b(Cpu *c, const Insn *in) {
  const uint8_t *p = ea32_host(c, in, 1, SEG_OK_R);
  if (UNLIKELY(!p)) movzx(c, in);
  else c->r[in->reg] = *p;
}
void movzx_m32_w(Cpu *c, const Insn *in) {
  const uint8_t *p = ea32_host(c, in, 2, SEG_OK_R);
  if (UNLIKELY(!p)) movzx(c, in);
  else c->r[in->reg] = ld16(p);
}
void movsx_m32_b(Cpu *c, const Insn *in) {
  const uint8_t *p = ea32_host(c, in, 1, SEG_OK_R);
  if (UNLIKELY(!p)) movsx(c, in);
  else c->r[in->reg] = (uint32_t)(int8_t)*p;
}
void movsx_m32_w(Cpu *c, const Insn *in) {
  const uint8_t *p = ea32_host(c, in, 2, SEG_OK_R);
  if (UNLIKELY(!p)) movsx(c, in);
  else c->r[in->reg] = (uint32_t)(int16_t)ld16(p);
}

/* CMOVcc reads its source even when the condition is false. */
void cmov(Cpu *c, const Insn *in) {
  uint32_t v = read_E(c, in);
  if (flags_cond(c, in->aux)) reg_set(c, in->reg, in->size, v);
}

void setcc(Cpu *c, const Insn *in) { write_E(c, in, flags_cond(c, in->aux)); }

/* SETcc r8 and CMOVcc r32, one handler per condition and form
 * (cpu/forms.def). */
#define CC_FORMS(cc, name)                                                \
  void setcc_r8_##name(Cpu *c, const Insn *in) {                          \
    reg_set(c, in->rm, 1, flags_test(c, cc));                             \
  }                                                                       \
  void cmov_r32_##name(Cpu *c, const Insn *in) {                          \
    if (flags_test(c, cc)) c->r[in->reg] = c->r[in->rm];                  \
  }                                                                       \
  void cmov_m32_##name(Cpu *c, const Insn *in) {                          \
    const uint8_t *p = ea32_host(c, in, 4, SEG_OK_R);                     \
    if (UNLIKELY(!p)) cmov(c, in);                                        \
    else if (flags_test(c, cc)) c->r[in->reg] = ld32(p);                  \
  }
EACH_CONDITION(CC_FORMS)

/* BSWAP of a 16-bit register is undefined; the P6 leaves zero there. */
void bswap(Cpu *c, const Insn *in) {
  uint32_t v = c->r[in->aux];
  if (in->size == 2) reg_set(c, in->aux, 2, 0);
  else c->r[in->aux] = (v >> 24) | ((v >> 8) & 0xFF00) | ((v << 8) & 0xFF0000) | (v << 24);
}

void xlat(Cpu *c, const Insn *in) {
  uint32_t off = c->r[EBX] + (c->r[EAX] & 0xFF);
  if (!in->a32) off &= 0xFFFF;
  reg_set(c, EAX, 1, mem_read(c, in->seg, off, 1));
}

/* LDS/LES/LSS/LFS/LGS: offset then selector from memory. */
void load_far_ptr(Cpu *c, const Insn *in) {
  uint32_t off = ea_offset(c, in);
  uint32_t v = mem_read(c, in->seg, off, in->size);
  uint16_t sel = (uint16_t)mem_read(c, in->seg, (off + in->size) & (in->a32 ? ~0u : 0xFFFF), 2);
  cpu_load_seg(c, in->aux, sel);
  reg_set(c, in->reg, in->size, v);
}
