/* Control transfer: jumps, calls, returns, loops, software interrupts,
 * IRET and BOUND. Far transfers are in far.c. */
#include "cpu/exec.h"
#include "cpu/far.h"

void jcc(Cpu *c, const Insn *in) {
  if (flags_cond(c, in->aux)) jump_near(c, c->eip + in->imm, in->size);
}

/* Jcc with a 32-bit operand size, one handler per condition
 * (cpu/forms.def). */
#define JCC_FORM(cc, name)                                    \
  void jcc_##name(Cpu *c, const Insn *in) {                   \
    if (flags_test(c, cc)) jump_near(c, c->eip + in->imm, 4); \
  }
EACH_CONDITION(JCC_FORM)

void jmp_rel(Cpu *c, const Insn *in) { jump_near(c, c->eip + in->imm, in->size); }

void call_rel(Cpu *c, const Insn *in) {
  push(c, in->size, c->eip);
  jump_near(c, c->eip + in->imm, in->size);
}

/* CALL rel32 and RET (C3) on a 32-bit stack (cpu/forms.def): a target
 * beyond the CS limit goes to the generic handler, which faults. */
void call_rel_r32(Cpu *c, const Insn *in) {
  uint8_t *p = push32_host(c);
  uint32_t target = c->eip + in->imm;
  if (UNLIKELY(!p || target > c->seg[SEG_CS].limit)) {
    call_rel(c, in);
    return;
  }
  st32(p, c->eip);
  c->r[ESP] -= 4;
  c->eip = target;
}

void ret_near_r32(Cpu *c, const Insn *in) {
  const uint8_t *p = pop32_host(c);
  uint32_t target = p ? ld32(p) : 0;
  if (UNLIKELY(!p || target > c->seg[SEG_CS].limit)) {
    ret_near(c, in);
    return;
  }
  c->r[ESP] += 4;
  c->eip = target;
}

void jmp_E(Cpu *c, const Insn *in) { jump_near(c, read_E(c, in), in->size); }

void call_E(Cpu *c, const Insn *in) {
  uint32_t target = read_E(c, in);
  push(c, in->size, c->eip);
  jump_near(c, target, in->size);
}

void ret_near(Cpu *c, const Insn *in) {
  uint32_t target = pop(c, in->size);
  if (in->op == 0xC2) set_sp(c, c->r[ESP] + (in->imm & 0xFFFF));
  jump_near(c, target, in->size);
}

void jmp_far(Cpu *c, const Insn *in) { far_jump(c, in->imm2, in->imm, in->size); }
void call_far(Cpu *c, const Insn *in) { far_call(c, in->imm2, in->imm, in->size); }

/* The far pointer in memory: offset, then selector. */
static void read_far_ptr(Cpu *c, const Insn *in, uint16_t *sel, uint32_t *off) {
  uint32_t ea = ea_offset(c, in);
  *off = mem_read(c, in->seg, ea, in->size);
  *sel = (uint16_t)mem_read(c, in->seg, (ea + in->size) & (in->a32 ? ~0u : 0xFFFF), 2);
}

void jmp_far_E(Cpu *c, const Insn *in) {
  uint16_t sel;
  uint32_t off;
  read_far_ptr(c, in, &sel, &off);
  far_jump(c, sel, off, in->size);
}

void call_far_E(Cpu *c, const Insn *in) {
  uint16_t sel;
  uint32_t off;
  read_far_ptr(c, in, &sel, &off);
  far_call(c, sel, off, in->size);
}

void ret_far(Cpu *c, const Insn *in) {
  far_return(c, in->size, in->op == 0xCA ? (uint16_t)in->imm : 0);
}

void iret(Cpu *c, const Insn *in) { iret_far(c, in->size); }

/* LOOPNE LOOPE LOOP JCXZ: the counter is CX or ECX by address size. */
void loop_jcxz(Cpu *c, const Insn *in) {
  uint32_t m = in->a32 ? 0xFFFFFFFFu : 0xFFFF;
  uint32_t count = c->r[ECX] & m;
  bool taken;
  if (in->aux == 3) {
    taken = count == 0;
  } else {
    count = (count - 1) & m;
    c->r[ECX] = (c->r[ECX] & ~m) | count;
    taken = count != 0;
    if (in->aux == 0) taken = taken && !flags_cond(c, 4);
    else if (in->aux == 1) taken = taken && flags_cond(c, 4);
  }
  if (taken) jump_near(c, c->eip + in->imm, in->size);
}

void int_n(Cpu *c, const Insn *in) { cpu_interrupt(c, in->imm & 0xFF, -1, INT_SOFTWARE); }
void int3(Cpu *c, const Insn *in) { (void)in; cpu_interrupt(c, EXC_BP, -1, INT_SOFTWARE_EXC); }
void int1(Cpu *c, const Insn *in) { (void)in; cpu_interrupt(c, EXC_DB, -1, INT_EXTERNAL); }

void into(Cpu *c, const Insn *in) {
  (void)in;
  if (cpu_get_flags(c) & F_OF) cpu_interrupt(c, EXC_OF, -1, INT_SOFTWARE_EXC);
}

/* BOUND: #BR unless lower <= index <= upper (signed). */
void bound(Cpu *c, const Insn *in) {
  int size = in->size, shift = 32 - size * 8;
  uint32_t ea = ea_offset(c, in);
  int32_t lo = (int32_t)(mem_read(c, in->seg, ea, size) << shift) >> shift;
  int32_t hi = (int32_t)(mem_read(c, in->seg, (ea + size) & (in->a32 ? ~0u : 0xFFFF), size) << shift) >> shift;
  int32_t idx = (int32_t)(reg_get(c, in->reg, size) << shift) >> shift;
  if (idx < lo || idx > hi) cpu_fault(c, EXC_BR, -1);
}
