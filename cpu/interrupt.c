/* Interrupt and exception delivery: through the IVT in real mode, through
 * IDT gates in protected and virtual-8086 mode (with the stack switch of
 * a privilege change and task gates), and the exception classes that turn
 * a fault during delivery into #DF and then a shutdown. */
#include "cpu/exec.h"
#include "cpu/segment.h"
#include "cpu/tss.h"

static void real_mode_interrupt(Cpu *c, int vector) {
  uint32_t entry = (uint32_t)vector * 4;
  if (entry + 3 > c->idtr.limit) cpu_fault(c, EXC_GP, vector * 8 + 2);
  uint16_t ip = (uint16_t)lin_read(c, c->idtr.base + entry, 2);
  uint16_t cs = (uint16_t)lin_read(c, c->idtr.base + entry + 2, 2);
  push(c, 2, cpu_get_flags(c));
  push(c, 2, c->seg[SEG_CS].sel);
  push(c, 2, c->eip);
  c->flags &= ~(F_IF | F_TF | F_AC | F_RF);
  cpu_load_seg(c, SEG_CS, cs);
  c->eip = ip;
}

static int iopl(const Cpu *c) { return (c->flags >> 12) & 3; }

void cpu_interrupt(Cpu *c, int vector, int err, enum IntKind kind) {
  c->halted = false;
  if (c->tracer && c->tracer->interrupt) c->tracer->interrupt(c->tracer->opaque, c, vector, err, kind);
  if (!(c->cr[0] & CR0_PE)) {
    real_mode_interrupt(c, vector);
    return;
  }
  bool v86 = c->flags & F_VM;
  if (kind == INT_SOFTWARE && v86 && iopl(c) < 3) cpu_fault(c, EXC_GP, 0);
  int ext = kind == INT_EXTERNAL || kind == INT_IRQ; /* error codes name an external event */
  c->deliver_ext = ext;
  int idt_err = vector * 8 + 2 + ext;

  if ((uint32_t)vector * 8 + 7 > c->idtr.limit) cpu_fault(c, EXC_GP, idt_err);
  Desc gate;
  gate.lo = sys_read(c, c->idtr.base + (uint32_t)vector * 8, 4);
  gate.hi = sys_read(c, c->idtr.base + (uint32_t)vector * 8 + 4, 4);
  int type = desc_type(gate);
  bool valid = !desc_is_seg(gate) && (type == SYS_TASK || type == SYS_INT16 ||
                                      type == SYS_TRAP16 || type == SYS_INT32 || type == SYS_TRAP32);
  if (!valid) cpu_fault(c, EXC_GP, idt_err);
  if ((kind == INT_SOFTWARE || kind == INT_SOFTWARE_EXC) && desc_dpl(gate) < c->cpl) cpu_fault(c, EXC_GP, vector * 8 + 2);
  if (!desc_present(gate)) cpu_fault(c, EXC_NP, idt_err);

  if (type == SYS_TASK) {
    task_switch(c, gate_selector(gate), TASK_INT, err);
    c->deliver_ext = false;
    return;
  }

  int size = (type == SYS_INT32 || type == SYS_TRAP32) ? 4 : 2;
  uint16_t sel = gate_selector(gate);
  uint32_t off = size == 4 ? gate_offset(gate) : gate_offset(gate) & 0xFFFF;
  Desc cs;
  uint32_t cs_addr;
  if ((sel & 0xFFFC) == 0) cpu_fault(c, EXC_GP, ext);
  if (!desc_fetch(c, sel, &cs, &cs_addr) || !desc_is_code(cs) || desc_dpl(cs) > c->cpl)
    cpu_fault(c, EXC_GP, sel_err(sel) + ext);
  if (!desc_present(cs)) cpu_fault(c, EXC_NP, sel_err(sel) + ext);

  int dpl = desc_dpl(cs);
  bool conforming = cs.hi & (1u << 10);
  uint32_t flags = cpu_get_flags(c);
  if (!conforming && dpl < c->cpl) {
    /* To an inner ring: a fresh stack from the TSS, the old one saved on it. */
    if (v86 && dpl != 0) cpu_fault(c, EXC_GP, sel_err(sel) + ext);
    NewStack ns;
    tss_inner_stack(c, dpl, &ns);
    if (v86) {
      newstack_push(c, &ns, size, c->seg[SEG_GS].sel);
      newstack_push(c, &ns, size, c->seg[SEG_FS].sel);
      newstack_push(c, &ns, size, c->seg[SEG_DS].sel);
      newstack_push(c, &ns, size, c->seg[SEG_ES].sel);
    }
    newstack_push(c, &ns, size, c->seg[SEG_SS].sel);
    newstack_push(c, &ns, size, c->r[ESP]);
    newstack_push(c, &ns, size, flags);
    newstack_push(c, &ns, size, c->seg[SEG_CS].sel);
    newstack_push(c, &ns, size, c->eip);
    if (err >= 0) newstack_push(c, &ns, size, (uint32_t)err);
    c->flags &= ~F_VM;
    if (v86) {
      static const int segs[] = {SEG_ES, SEG_DS, SEG_FS, SEG_GS};
      for (int i = 0; i < 4; i++) {
        c->seg[segs[i]] = (Segment){.sel = 0};
        seg_refresh(c, &c->seg[segs[i]]);
      }
    }
    newstack_commit(c, &ns);
    seg_load_cs(c, sel, cs, dpl);
  } else if (conforming || dpl == c->cpl) {
    if (v86) cpu_fault(c, EXC_GP, sel_err(sel) + ext);
    push(c, size, flags);
    push(c, size, c->seg[SEG_CS].sel);
    push(c, size, c->eip);
    if (err >= 0) push(c, size, (uint32_t)err);
    seg_load_cs(c, sel, cs, c->cpl);
  } else {
    cpu_fault(c, EXC_GP, sel_err(sel) + ext);
  }
  c->deliver_ext = false;
  c->eip = off;
  c->flags &= ~(F_TF | F_NT | F_RF | F_VM);
  if (type == SYS_INT16 || type == SYS_INT32) c->flags &= ~F_IF;
  cpu_update_mode(c);
}

/* Exceptions that push an error code. */
static bool has_error_code(int vector) {
  switch (vector) {
  case EXC_DF: case EXC_TS: case EXC_NP: case EXC_SS: case EXC_GP: case EXC_PF: case EXC_AC:
    return true;
  default:
    return false;
  }
}

/* SDM table "Conditions for generating a double fault". */
static bool contributory(int v) { return v == EXC_DE || (v >= EXC_TS && v <= EXC_GP); }

static bool makes_double_fault(int first, int second) {
  if (first == EXC_PF) return second == EXC_PF || contributory(second);
  return contributory(first) && contributory(second);
}

/* Deliver the fault cpu_fault() recorded. A fault while delivering
 * becomes #DF where the classes say so (else the new one is delivered
 * instead); a fault while delivering #DF shuts the machine down. */
void cpu_deliver_pending(Cpu *c) {
  int vector = c->pending_vector, err = c->pending_error;
  if (c->delivering) {
    if (c->delivering_vector == EXC_DF) {
      c->shutdown = true;
      c->events |= EV_STOP;
      c->delivering = false;
      return;
    }
    if (makes_double_fault(c->delivering_vector, vector)) {
      vector = EXC_DF;
      err = 0;
    }
  }
  if (!has_error_code(vector) || !(c->cr[0] & CR0_PE)) err = -1;
  /* A fault's pushed EFLAGS has RF set, so the restarted instruction does
   * not hit its own instruction breakpoint again (#DB sets its own). */
  if (vector != EXC_DB && vector != EXC_BP && vector != EXC_OF) c->flags |= F_RF;
  c->delivering = true;
  c->delivering_vector = vector;
  c->insn_esp = c->r[ESP];
  c->insn_eip = c->eip;
  cpu_interrupt(c, vector, err, INT_EXTERNAL);
  c->delivering = false;
}
