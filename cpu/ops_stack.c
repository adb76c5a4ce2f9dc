/* PUSH and POP in every form, PUSHA/POPA, PUSHF/POPF, ENTER/LEAVE. */
#include "cpu/exec.h"
#include "cpu/far.h"

/* PUSH SP pushes the value SP had before the push (80286 and later). */
void push_r(Cpu *c, const Insn *in) { push(c, in->size, reg_get(c, in->aux, in->size)); }

void pop_r(Cpu *c, const Insn *in) {
  uint32_t v = pop(c, in->size);
  reg_set(c, in->aux, in->size, v);
}

/* PUSH/POP r32 (cpu/forms.def). */
void push_r_r32(Cpu *c, const Insn *in) {
  uint8_t *p = push32_host(c);
  if (UNLIKELY(!p)) {
    push_r(c, in);
    return;
  }
  st32(p, c->r[in->aux]);
  c->r[ESP] -= 4;
}

void pop_r_r32(Cpu *c, const Insn *in) {
  const uint8_t *p = pop32_host(c);
  if (UNLIKELY(!p)) {
    pop_r(c, in);
    return;
  }
  c->r[ESP] += 4;
  c->r[in->aux] = ld32(p);
}

void push_i(Cpu *c, const Insn *in) { push(c, in->size, in->imm); }
void push_E(Cpu *c, const Insn *in) { push(c, in->size, read_E(c, in)); }

/* POP E: the address is computed after ESP has been incremented. */
void pop_E(Cpu *c, const Insn *in) {
  uint32_t v = pop(c, in->size);
  write_E(c, in, v);
}

/* A 32-bit push of a segment register moves ESP by 4 but writes only the
 * 16-bit selector, as P6-family CPUs do. */
void push_seg(Cpu *c, const Insn *in) {
  uint32_t sp = (c->r[ESP] - in->size) & sp_mask(c);
  mem_write(c, SEG_SS, sp, 2, c->seg[in->aux].sel);
  set_sp(c, sp);
}

void pop_seg(Cpu *c, const Insn *in) {
  uint16_t sel = (uint16_t)stack_peek(c, 0, 2);
  cpu_load_seg(c, in->aux, sel);
  set_sp(c, c->r[ESP] + in->size);
  if (in->aux == SEG_SS) {
    c->intr_shadow = 1;
    c->events |= EV_IRQ;
  }
}

void pusha(Cpu *c, const Insn *in) {
  uint32_t sp = c->r[ESP];
  for (int r = EAX; r <= EDI; r++) push(c, in->size, r == ESP ? sp : c->r[r]);
}

/* POPA skips the saved SP. */
void popa(Cpu *c, const Insn *in) {
  uint32_t v[8];
  for (int r = EDI; r >= EAX; r--) v[r] = stack_peek(c, (uint32_t)(EDI - r) * in->size, in->size);
  for (int r = EAX; r <= EDI; r++)
    if (r != ESP) reg_set(c, r, in->size, v[r]);
  set_sp(c, c->r[ESP] + 8u * in->size);
}

/* Virtual-8086 mode: PUSHF/POPF are IOPL-sensitive (no VME). */
static void v86_iopl_check(Cpu *c) {
  if ((c->flags & F_VM) && ((c->flags >> 12) & 3) < 3) cpu_fault(c, EXC_GP, 0);
}

/* PUSHF: VM and RF are never pushed. */
void pushf(Cpu *c, const Insn *in) {
  v86_iopl_check(c);
  push(c, in->size, cpu_get_flags(c) & ~(F_VM | F_RF));
}

/* POPF changes what the privilege rules allow and silently keeps the rest;
 * it never touches VM, RF, VIF or VIP. */
void popf(Cpu *c, const Insn *in) {
  v86_iopl_check(c);
  uint32_t v = pop(c, in->size);
  uint32_t mask = eflags_writable(c, in->size) & ~F_RF;
  if (c->flags & F_VM) mask &= ~F_IOPL;
  cpu_set_flags(c, v, mask);
}

/* ENTER alloc, level: push BP, copy level-1 outer frame pointers, push
 * the new frame pointer, then reserve alloc bytes. */
void enter(Cpu *c, const Insn *in) {
  int size = in->size;
  unsigned level = in->imm2 & 31;
  uint32_t m = sp_mask(c);
  push(c, size, reg_get(c, EBP, size));
  uint32_t frame = c->r[ESP] & m;
  if (level) {
    uint32_t bp = c->r[EBP];
    for (unsigned i = 1; i < level; i++) {
      bp = (bp & ~m) | ((bp - (uint32_t)size) & m);
      push(c, size, mem_read(c, SEG_SS, bp & m, size));
    }
    push(c, size, frame);
  }
  uint32_t sp = (c->r[ESP] - in->imm) & m;
  /* The reserved area's top must be writable, as on hardware. */
  if (in->imm) seg_linear(c, SEG_SS, sp, 1, SEG_OK_W);
  reg_set(c, EBP, size, frame);
  set_sp(c, sp);
}

void leave(Cpu *c, const Insn *in) {
  uint32_t m = sp_mask(c);
  uint32_t v = mem_read(c, SEG_SS, c->r[EBP] & m, in->size);
  set_sp(c, (c->r[EBP] & m) + in->size);
  reg_set(c, EBP, in->size, v);
}
