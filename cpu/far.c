/* Far control transfers: JMP, CALL, RET and IRET between code segments,
 * through call gates (with the stack switch and parameter copy of a
 * privilege change) and into other tasks. Real and virtual-8086 mode take
 * the selector as a paragraph. */
#include "cpu/far.h"

#include "cpu/exec.h"
#include "cpu/segment.h"
#include "cpu/tss.h"

static bool conforming(Desc d) { return d.hi & (1u << 10); }

static void set_eip_checked(Cpu *c, uint32_t off) {
  if (off > c->seg[SEG_CS].limit) cpu_fault(c, EXC_GP, 0);
  c->eip = off;
}

/* Fetch and check the code segment a far transfer goes to directly. */
static Desc code_target(Cpu *c, uint16_t sel) {
  Desc d;
  uint32_t addr;
  int e = sel_err(sel);
  if (!desc_fetch(c, sel, &d, &addr)) cpu_fault(c, EXC_GP, e);
  if (conforming(d) ? desc_dpl(d) > c->cpl : ((sel & 3) > c->cpl || desc_dpl(d) != c->cpl))
    cpu_fault(c, EXC_GP, e);
  if (!desc_present(d)) cpu_fault(c, EXC_NP, e);
  if (!(d.hi & (1u << 8))) desc_store_hi(c, addr, d.hi | (1u << 8));
  return d;
}

/* Resolve a call gate: the gate's checks and its target code segment. */
static Desc gate_target(Cpu *c, uint16_t sel, Desc gate, uint16_t *tsel) {
  if (desc_dpl(gate) < c->cpl || desc_dpl(gate) < (sel & 3)) cpu_fault(c, EXC_GP, sel_err(sel));
  if (!desc_present(gate)) cpu_fault(c, EXC_NP, sel_err(sel));
  *tsel = gate_selector(gate);
  Desc d;
  uint32_t addr;
  if ((*tsel & 0xFFFC) == 0) cpu_fault(c, EXC_GP, 0);
  if (!desc_fetch(c, *tsel, &d, &addr) || !desc_is_code(d) || desc_dpl(d) > c->cpl)
    cpu_fault(c, EXC_GP, sel_err(*tsel));
  if (!desc_present(d)) cpu_fault(c, EXC_NP, sel_err(*tsel));
  return d;
}

static void task_target(Cpu *c, uint16_t sel, Desc d, enum TaskSource src) {
  if (desc_dpl(d) < c->cpl || desc_dpl(d) < (sel & 3)) cpu_fault(c, EXC_GP, sel_err(sel));
  if (!desc_present(d)) cpu_fault(c, EXC_NP, sel_err(sel));
  task_switch(c, desc_type(d) == SYS_TASK ? gate_selector(d) : sel, src, -1);
}

/* The descriptor a far JMP/CALL names: #GP(0) for null, #GP(sel) when
 * outside its table. */
static Desc far_descriptor(Cpu *c, uint16_t sel) {
  Desc d;
  uint32_t addr;
  if ((sel & 0xFFFC) == 0) cpu_fault(c, EXC_GP, 0);
  if (!desc_fetch(c, sel, &d, &addr)) cpu_fault(c, EXC_GP, sel_err(sel));
  return d;
}

static void real_far(Cpu *c, uint16_t sel, uint32_t off, int size) {
  cpu_load_seg(c, SEG_CS, sel);
  c->eip = size == 2 ? off & 0xFFFF : off;
}

void far_jump(Cpu *c, uint16_t sel, uint32_t off, int size) {
  if (!cpu_pm(c)) {
    real_far(c, sel, off, size);
    return;
  }
  Desc d = far_descriptor(c, sel);
  if (desc_is_code(d)) {
    d = code_target(c, sel);
    seg_load_cs(c, sel, d, c->cpl);
    set_eip_checked(c, size == 2 ? off & 0xFFFF : off);
    return;
  }
  switch (desc_is_seg(d) ? -1 : desc_type(d)) {
  case SYS_CALL16: case SYS_CALL32: {
    uint16_t tsel;
    Desc t = gate_target(c, sel, d, &tsel);
    /* JMP through a gate never changes privilege. */
    if (conforming(t) ? desc_dpl(t) > c->cpl : desc_dpl(t) != c->cpl)
      cpu_fault(c, EXC_GP, sel_err(tsel));
    seg_load_cs(c, tsel, t, c->cpl);
    set_eip_checked(c, desc_type(d) == SYS_CALL16 ? gate_offset(d) & 0xFFFF : gate_offset(d));
    return;
  }
  case SYS_TASK: case SYS_TSS16_AVAIL: case SYS_TSS32_AVAIL:
    task_target(c, sel, d, TASK_JMP);
    return;
  default:
    cpu_fault(c, EXC_GP, sel_err(sel));
  }
}

void far_call(Cpu *c, uint16_t sel, uint32_t off, int size) {
  if (!cpu_pm(c)) {
    push(c, size, c->seg[SEG_CS].sel);
    push(c, size, c->eip);
    real_far(c, sel, off, size);
    return;
  }
  Desc d = far_descriptor(c, sel);
  if (desc_is_code(d)) {
    d = code_target(c, sel);
    push(c, size, c->seg[SEG_CS].sel);
    push(c, size, c->eip);
    seg_load_cs(c, sel, d, c->cpl);
    set_eip_checked(c, size == 2 ? off & 0xFFFF : off);
    return;
  }
  int type = desc_is_seg(d) ? -1 : desc_type(d);
  if (type == SYS_TASK || type == SYS_TSS16_AVAIL || type == SYS_TSS32_AVAIL) {
    task_target(c, sel, d, TASK_CALL);
    return;
  }
  if (type != SYS_CALL16 && type != SYS_CALL32) cpu_fault(c, EXC_GP, sel_err(sel));

  uint16_t tsel;
  Desc t = gate_target(c, sel, d, &tsel);
  int gsize = type == SYS_CALL32 ? 4 : 2;
  uint32_t target = gsize == 4 ? gate_offset(d) : gate_offset(d) & 0xFFFF;
  int dpl = desc_dpl(t);
  if (!conforming(t) && dpl < c->cpl) {
    /* To an inner ring: new stack from the TSS; the old SS:ESP and the
     * gate's parameter count of words/dwords copied across. */
    NewStack ns;
    tss_inner_stack(c, dpl, &ns);
    unsigned params = d.hi & 0x1F;
    uint32_t old_esp = c->r[ESP], old_ss = c->seg[SEG_SS].sel;
    newstack_push(c, &ns, gsize, old_ss);
    newstack_push(c, &ns, gsize, old_esp);
    for (unsigned i = params; i > 0; i--)
      newstack_push(c, &ns, gsize, stack_peek(c, (i - 1) * (uint32_t)gsize, gsize));
    newstack_push(c, &ns, gsize, c->seg[SEG_CS].sel);
    newstack_push(c, &ns, gsize, c->eip);
    newstack_commit(c, &ns);
    seg_load_cs(c, tsel, t, dpl);
  } else {
    push(c, gsize, c->seg[SEG_CS].sel);
    push(c, gsize, c->eip);
    seg_load_cs(c, tsel, t, c->cpl);
  }
  set_eip_checked(c, target);
}

/* The code segment a RET or IRET returns to, at privilege rpl. */
static Desc return_target(Cpu *c, uint16_t sel) {
  Desc d;
  uint32_t addr;
  int rpl = sel & 3;
  if ((sel & 0xFFFC) == 0) cpu_fault(c, EXC_GP, 0);
  if (!desc_fetch(c, sel, &d, &addr) || !desc_is_code(d) || rpl < c->cpl)
    cpu_fault(c, EXC_GP, sel_err(sel));
  if (conforming(d) ? desc_dpl(d) > rpl : desc_dpl(d) != rpl) cpu_fault(c, EXC_GP, sel_err(sel));
  if (!desc_present(d)) cpu_fault(c, EXC_NP, sel_err(sel));
  return d;
}

/* Pop SS:ESP for a return to the outer level rpl (at offset `at` on the
 * current stack) and switch to it. */
static void return_to_outer(Cpu *c, uint16_t sel, Desc cs, uint32_t off, int size, uint32_t at) {
  uint32_t esp = stack_peek(c, at, size);
  uint16_t ss = (uint16_t)stack_peek(c, at + (uint32_t)size, 2);
  int rpl = sel & 3;
  NewStack ns;
  newstack_from_selector(c, ss, esp, rpl, EXC_GP, &ns);
  seg_load_cs(c, sel, cs, rpl);
  set_eip_checked(c, off);
  newstack_commit(c, &ns);
  seg_validate_outer(c);
}

void far_return(Cpu *c, int size, uint16_t imm) {
  uint32_t off = stack_peek(c, 0, size);
  uint16_t sel = (uint16_t)stack_peek(c, (uint32_t)size, 2);
  if (size == 2) off &= 0xFFFF;
  if (!cpu_pm(c)) {
    set_sp(c, c->r[ESP] + 2u * size + imm);
    real_far(c, sel, off, size);
    return;
  }
  Desc d = return_target(c, sel);
  if ((sel & 3) == c->cpl) {
    set_sp(c, c->r[ESP] + 2u * size + imm);
    seg_load_cs(c, sel, d, c->cpl);
    set_eip_checked(c, off);
    return;
  }
  return_to_outer(c, sel, d, off, size, 2u * size + imm);
  set_sp(c, c->r[ESP] + imm);
}

static int iopl_of(const Cpu *c) { return (c->flags >> 12) & 3; }

/* The EFLAGS bits IRET/POPF may change: IOPL only at CPL 0, IF only when
 * CPL <= IOPL; VM, VIF and VIP are IRET's business at CPL 0. */
uint32_t eflags_writable(const Cpu *c, int size) {
  uint32_t mask = F_ARITH | F_TF | F_DF | F_NT;
  if (size == 4) mask |= F_AC | F_ID | F_RF;
  if (!(c->cr[0] & CR0_PE) || c->cpl == 0) mask |= F_IOPL;
  if (!(c->cr[0] & CR0_PE) || c->cpl <= iopl_of(c)) mask |= F_IF;
  return mask;
}

void iret_far(Cpu *c, int size) {
  if (!(c->cr[0] & CR0_PE)) {
    uint32_t off = stack_peek(c, 0, size);
    uint16_t sel = (uint16_t)stack_peek(c, (uint32_t)size, 2);
    uint32_t fl = stack_peek(c, 2u * size, size);
    set_sp(c, c->r[ESP] + 3u * size);
    real_far(c, sel, off, size);
    cpu_set_flags(c, fl, eflags_writable(c, size));
    return;
  }
  if (c->flags & F_VM) {
    /* In virtual-8086 mode IRET is IOPL-sensitive. */
    if (iopl_of(c) < 3) cpu_fault(c, EXC_GP, 0);
    uint32_t off = stack_peek(c, 0, size);
    uint16_t sel = (uint16_t)stack_peek(c, (uint32_t)size, 2);
    uint32_t fl = stack_peek(c, 2u * size, size);
    set_sp(c, c->r[ESP] + 3u * size);
    real_far(c, sel, off, size);
    cpu_set_flags(c, fl, (F_ARITH | F_TF | F_DF | F_NT | F_IF | (size == 4 ? F_AC | F_ID | F_RF : 0)));
    return;
  }
  if (c->flags & F_NT) {
    /* Return to the task that called this one. */
    uint16_t back = (uint16_t)sys_read(c, c->tr.base, 2);
    task_switch(c, back, TASK_IRET, -1);
    return;
  }
  uint32_t off = stack_peek(c, 0, size);
  uint16_t sel = (uint16_t)stack_peek(c, (uint32_t)size, 2);
  uint32_t fl = stack_peek(c, 2u * size, size);
  if (size == 2) off &= 0xFFFF;
  if (size == 4 && (fl & F_VM) && c->cpl == 0) {
    /* Back to virtual-8086 mode: the frame holds ESP, SS, ES, DS, FS, GS. */
    uint32_t esp = stack_peek(c, 12, 4);
    uint16_t segs[5];
    for (int i = 0; i < 5; i++) segs[i] = (uint16_t)stack_peek(c, 16 + 4u * i, 2);
    c->flags = (fl & ~(F_RF)) | 2 | F_VM;
    c->lf.op = LF_NONE;
    cpu_set_cpl(c, 3);
    cpu_load_seg(c, SEG_CS, sel);
    cpu_load_seg(c, SEG_SS, segs[0]);
    cpu_load_seg(c, SEG_ES, segs[1]);
    cpu_load_seg(c, SEG_DS, segs[2]);
    cpu_load_seg(c, SEG_FS, segs[3]);
    cpu_load_seg(c, SEG_GS, segs[4]);
    c->r[ESP] = esp;
    c->eip = off & 0xFFFF;
    cpu_update_mode(c);
    return;
  }
  Desc d = return_target(c, sel);
  uint32_t mask = eflags_writable(c, size);
  if ((sel & 3) == c->cpl) {
    set_sp(c, c->r[ESP] + 3u * size);
    seg_load_cs(c, sel, d, c->cpl);
    set_eip_checked(c, off);
  } else {
    return_to_outer(c, sel, d, off, size, 3u * size);
  }
  cpu_set_flags(c, fl, mask);
}
