/* The task-state segment; see tss.h. */
#include "cpu/tss.h"

#include "cpu/exec.h"
#include "devices/iobus.h"
#include "mmu/paging.h"

static bool tss32(const Cpu *c) { return (c->tr.attr & DESC_TYPE) >= SYS_TSS32_AVAIL; }

static uint32_t tss_read(Cpu *c, uint32_t off, int size) {
  if (off + (uint32_t)size - 1 > c->tr.limit) cpu_fault(c, EXC_TS, sel_err(c->tr.sel));
  return sys_read(c, c->tr.base + off, size);
}

void newstack_from_selector(Cpu *c, uint16_t sel, uint32_t esp, int rpl, int exc, NewStack *ns) {
  Desc d;
  uint32_t addr;
  int err = sel_err(sel);
  if ((sel & 0xFFFC) == 0) cpu_fault(c, exc, 0);
  if (!desc_fetch(c, sel, &d, &addr)) cpu_fault(c, exc, err);
  bool writable_data = desc_is_seg(d) && !desc_is_code(d) && (d.hi & (1u << 9));
  if ((sel & 3) != rpl || desc_dpl(d) != rpl || !writable_data) cpu_fault(c, exc, err);
  if (!desc_present(d)) cpu_fault(c, EXC_SS, err);
  if (!(d.hi & (1u << 8))) desc_store_hi(c, addr, d.hi | (1u << 8));
  ns->ss = (Segment){.sel = sel, .base = desc_base(d), .limit = desc_limit(d), .attr = desc_attr(d) | DESC_A};
  seg_refresh(c, &ns->ss);
  ns->esp = esp;
}

void tss_inner_stack(Cpu *c, int dpl, NewStack *ns) {
  uint16_t ss;
  uint32_t esp;
  if (tss32(c)) {
    esp = tss_read(c, 4 + (uint32_t)dpl * 8, 4);
    ss = (uint16_t)tss_read(c, 8 + (uint32_t)dpl * 8, 2);
  } else {
    esp = tss_read(c, 2 + (uint32_t)dpl * 4, 2);
    ss = (uint16_t)tss_read(c, 4 + (uint32_t)dpl * 4, 2);
  }
  newstack_from_selector(c, ss, esp, dpl, EXC_TS, ns);
}

void newstack_push(Cpu *c, NewStack *ns, int size, uint32_t v) {
  Segment *s = &ns->ss;
  uint32_t mask = (s->attr & DESC_DB) ? 0xFFFFFFFFu : 0xFFFF;
  uint32_t esp = (ns->esp & ~mask) | ((ns->esp - (uint32_t)size) & mask);
  uint32_t off = esp & mask, last = off + (uint32_t)size - 1;
  if (!(s->ok & SEG_OK_W) || off < s->lo || last > s->hi || last < off)
    cpu_fault(c, EXC_SS, sel_err(s->sel));
  sys_write(c, s->base + off, size, v);
  ns->esp = esp;
}

void newstack_commit(Cpu *c, NewStack *ns) {
  c->seg[SEG_SS] = ns->ss;
  cpu_update_mode(c);
  c->r[ESP] = c->stack32 ? ns->esp : (c->r[ESP] & 0xFFFF0000u) | (ns->esp & 0xFFFF);
}

void io_check(Cpu *c, uint16_t port, int size) {
  if (!(c->cr[0] & CR0_PE)) return;
  bool v86 = c->flags & F_VM;
  if (!v86 && c->cpl <= ((c->flags >> 12) & 3)) return;
  /* The bitmap: only a 32-bit TSS has one; every bit for the ports must
   * be clear, and reading past the TSS limit denies access. */
  if (!tss32(c) || c->tr.limit < 0x67) cpu_fault(c, EXC_GP, 0);
  uint32_t base = sys_read(c, c->tr.base + 0x66, 2);
  uint32_t off = base + port / 8;
  if (off + 1 > c->tr.limit) cpu_fault(c, EXC_GP, 0);
  uint32_t bits = sys_read(c, c->tr.base + off, 2);
  uint32_t want = ((1u << size) - 1) << (port & 7);
  if (bits & want) cpu_fault(c, EXC_GP, 0);
}

/* Offsets of the saved state in 32-bit and 16-bit TSSes. */
typedef struct TssLayout {
  uint32_t eip, eflags, regs, segs, ldt, min_limit;
  int size, seg_stride;
} TssLayout;

static const TssLayout layout32 = {0x20, 0x24, 0x28, 0x48, 0x60, 0x67, 4, 4};
static const TssLayout layout16 = {0x0E, 0x10, 0x12, 0x22, 0x2A, 0x2B, 2, 2};

static bool tss_type_is32(int type) { return type >= SYS_TSS32_AVAIL; }

static void set_busy(Cpu *c, uint16_t sel, bool busy) {
  Desc d;
  uint32_t addr;
  if (!desc_fetch(c, sel, &d, &addr)) return;
  d.hi = busy ? d.hi | (2u << 8) : d.hi & ~(2u << 8);
  desc_store_hi(c, addr, d.hi);
}

void task_switch(Cpu *c, uint16_t sel, enum TaskSource src, int err) {
  int exc = src == TASK_IRET ? EXC_TS : EXC_GP, e = sel_err(sel);
  Desc nd;
  uint32_t naddr;
  if ((sel & 4) || !desc_fetch(c, sel, &nd, &naddr)) cpu_fault(c, exc, e);
  int t = desc_type(nd);
  bool valid = !desc_is_seg(nd) && (t == SYS_TSS16_AVAIL || t == SYS_TSS16_BUSY ||
                                    t == SYS_TSS32_AVAIL || t == SYS_TSS32_BUSY);
  bool busy = t == SYS_TSS16_BUSY || t == SYS_TSS32_BUSY;
  if (!valid || busy != (src == TASK_IRET)) cpu_fault(c, exc, e);
  if (!desc_present(nd)) cpu_fault(c, EXC_NP, e);
  const TssLayout *nl = tss_type_is32(t) ? &layout32 : &layout16;
  uint32_t nbase = desc_base(nd);
  if (desc_limit(nd) < nl->min_limit) cpu_fault(c, EXC_TS, e);

  /* Read the incoming state first: a fault here changes nothing. */
  int n = nl->size;
  uint32_t cr3 = n == 4 ? sys_read(c, nbase + 0x1C, 4) : c->cr[3];
  uint32_t eip = sys_read(c, nbase + nl->eip, n);
  uint32_t eflags = sys_read(c, nbase + nl->eflags, n);
  uint32_t regs[8];
  uint16_t segs[SEG_COUNT];
  for (int r = 0; r < 8; r++) regs[r] = sys_read(c, nbase + nl->regs + (uint32_t)(r * n), n);
  int nsegs = n == 4 ? SEG_COUNT : 4;
  for (int s = 0; s < nsegs; s++) segs[s] = (uint16_t)sys_read(c, nbase + nl->segs + (uint32_t)(s * nl->seg_stride), 2);
  if (n == 2) segs[SEG_FS] = segs[SEG_GS] = 0;
  uint16_t ldt = (uint16_t)sys_read(c, nbase + nl->ldt, 2);

  /* Save the outgoing task. */
  const TssLayout *ol = tss32(c) ? &layout32 : &layout16;
  int o = ol->size;
  uint32_t flags = cpu_get_flags(c);
  if (src == TASK_IRET) flags &= ~F_NT;
  sys_write(c, c->tr.base + ol->eip, o, c->eip);
  sys_write(c, c->tr.base + ol->eflags, o, flags);
  for (int r = 0; r < 8; r++) sys_write(c, c->tr.base + ol->regs + (uint32_t)(r * o), o, c->r[r]);
  for (int s = 0; s < (o == 4 ? SEG_COUNT : 4); s++)
    sys_write(c, c->tr.base + ol->segs + (uint32_t)(s * ol->seg_stride), 2, c->seg[s].sel);
  if (src == TASK_JMP || src == TASK_IRET) set_busy(c, c->tr.sel, false);

  /* Link and mark the incoming task. */
  if (src == TASK_CALL || src == TASK_INT) {
    sys_write(c, nbase, 2, c->tr.sel);
    eflags |= F_NT;
  }
  if (src != TASK_IRET) set_busy(c, sel, true);
  nd.hi |= 2u << 8;
  c->tr = (Segment){.sel = sel, .base = nbase, .limit = desc_limit(nd), .attr = desc_attr(nd)};
  c->cr[0] |= CR0_TS;

  /* Load the incoming state. */
  if (n == 4 && (c->cr[0] & CR0_PG)) paging_write_cr3(c, cr3);
  for (int r = 0; r < 8; r++) c->r[r] = n == 4 ? regs[r] : (c->r[r] & 0xFFFF0000u) | regs[r];
  c->lf.op = LF_NONE;
  c->flags = (n == 4 ? eflags : (c->flags & 0xFFFF0000u) | eflags) | 2;
  if (ldt & 4) cpu_fault(c, EXC_TS, sel_err(ldt));
  if ((ldt & 0xFFFC) == 0) {
    c->ldtr = (Segment){.sel = ldt};
  } else {
    Desc ld;
    uint32_t la;
    if (!desc_fetch(c, ldt, &ld, &la) || desc_is_seg(ld) || desc_type(ld) != SYS_LDT)
      cpu_fault(c, EXC_TS, sel_err(ldt));
    if (!desc_present(ld)) cpu_fault(c, EXC_TS, sel_err(ldt));
    c->ldtr = (Segment){.sel = ldt, .base = desc_base(ld), .limit = desc_limit(ld), .attr = desc_attr(ld)};
  }
  if (c->flags & F_VM) {
    cpu_set_cpl(c, 3);
    for (int s = 0; s < SEG_COUNT; s++) cpu_load_seg(c, s, segs[s]);
  } else {
    Desc cd;
    uint32_t ca;
    uint16_t cs = segs[SEG_CS];
    if ((cs & 0xFFFC) == 0 || !desc_fetch(c, cs, &cd, &ca) || !desc_is_code(cd))
      cpu_fault(c, EXC_TS, sel_err(cs));
    bool conforming = cd.hi & (1u << 10);
    if (conforming ? desc_dpl(cd) > (cs & 3) : desc_dpl(cd) != (cs & 3)) cpu_fault(c, EXC_TS, sel_err(cs));
    if (!desc_present(cd)) cpu_fault(c, EXC_NP, sel_err(cs));
    seg_load_cs(c, cs, cd, cs & 3);
    cpu_load_seg(c, SEG_SS, segs[SEG_SS]);
    static const int data[] = {SEG_ES, SEG_DS, SEG_FS, SEG_GS};
    for (int i = 0; i < 4; i++) cpu_load_seg(c, data[i], segs[data[i]]);
  }
  c->eip = n == 4 ? eip : eip & 0xFFFF;
  if (err >= 0) push(c, n, (uint32_t)err);
  if (c->eip > c->seg[SEG_CS].limit) cpu_fault(c, EXC_GP, 0);
  cpu_update_mode(c);
}
