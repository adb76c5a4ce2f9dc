/* Segmentation: descriptor tables, segment register loads with the
 * protected-mode checks, and each segment's derived access rights. */
#include "cpu/segment.h"

#include "cpu/exec.h"

void cpu_set_cpl(Cpu *c, int cpl) {
  bool changed = c->cpl != cpl;
  c->cpl = (uint8_t)cpl;
  c->tlb = &c->tlbs[cpl == 3];
  if (changed) {
    c->code_epoch++;
    cpu_update_slow_mem(c);
  }
}

/* In real and virtual-8086 mode no type checks apply, only the limit. */
void seg_refresh(Cpu *c, Segment *s) {
  uint16_t a = s->attr;
  s->lo = 0;
  s->hi = s->limit;
  if (!(c->cr[0] & CR0_PE) || (c->flags & F_VM)) {
    s->ok = SEG_OK_RW;
  } else if (!(a & DESC_P)) {
    s->ok = 0; /* null selector or not present: every access is #GP(0) */
  } else if (a & DESC_CODE) {
    s->ok = (a & DESC_RW) ? SEG_OK_R : 0;
  } else {
    s->ok = SEG_OK_R | ((a & DESC_RW) ? SEG_OK_W : 0);
    if (a & DESC_DC) { /* expand-down: valid offsets lie above the limit */
      s->hi = (a & DESC_DB) ? 0xFFFFFFFFu : 0xFFFF;
      if (s->limit >= s->hi) s->ok = 0;
      else s->lo = s->limit + 1;
    }
  }
  s->flat = s->base == 0 && s->lo == 0 && s->hi == 0xFFFFFFFFu ? s->ok : 0;
}

_Noreturn void seg_fault(Cpu *c, int seg) {
  cpu_fault(c, seg == SEG_SS ? EXC_SS : EXC_GP, 0);
}

uint32_t sys_read(Cpu *c, uint32_t lin, int size) {
  c->sys_access = true;
  c->tlb = &c->tlbs[0];
  uint32_t v = lin_read(c, lin, size);
  c->sys_access = false;
  c->tlb = &c->tlbs[c->cpl == 3];
  return v;
}

void sys_write(Cpu *c, uint32_t lin, int size, uint32_t v) {
  c->sys_access = true;
  c->tlb = &c->tlbs[0];
  lin_write(c, lin, size, v);
  c->sys_access = false;
  c->tlb = &c->tlbs[c->cpl == 3];
}

bool desc_fetch(Cpu *c, uint16_t sel, Desc *d, uint32_t *addr) {
  uint32_t base, limit;
  if (sel & 4) {
    if ((c->ldtr.sel & 0xFFFC) == 0) return false;
    base = c->ldtr.base;
    limit = c->ldtr.limit;
  } else {
    base = c->gdtr.base;
    limit = c->gdtr.limit;
  }
  uint32_t off = sel & ~7u;
  if (off + 7 > limit) return false;
  *addr = base + off;
  d->lo = sys_read(c, *addr, 4);
  d->hi = sys_read(c, *addr + 4, 4);
  return true;
}

void desc_store_hi(Cpu *c, uint32_t addr, uint32_t hi) { sys_write(c, addr + 4, 4, hi); }

static void set_accessed(Cpu *c, uint32_t addr, Desc *d) {
  if (!(d->hi & (1u << 8))) {
    d->hi |= 1u << 8;
    desc_store_hi(c, addr, d->hi);
  }
}

void seg_load_desc(Cpu *c, int seg, uint16_t sel, Desc d) {
  Segment *s = &c->seg[seg];
  s->sel = sel;
  s->base = desc_base(d);
  s->limit = desc_limit(d);
  s->attr = desc_attr(d);
  seg_refresh(c, s);
  if (seg == SEG_CS || seg == SEG_SS) cpu_update_mode(c);
}

void seg_load_cs(Cpu *c, uint16_t sel, Desc d, int cpl) {
  seg_load_desc(c, SEG_CS, (uint16_t)((sel & ~3) | cpl), d);
  cpu_set_cpl(c, cpl);
}

/* Real and virtual-8086 mode: the selector is the paragraph. */
static void load_paragraph(Cpu *c, int seg, uint16_t sel) {
  Segment *s = &c->seg[seg];
  s->sel = sel;
  s->base = (uint32_t)sel << 4;
  if (c->flags & F_VM) {
    s->limit = 0xFFFF;
    s->attr = seg == SEG_CS ? 0xFB : 0xF3; /* DPL 3, present, accessed */
  }
  seg_refresh(c, s);
  if (seg == SEG_CS || seg == SEG_SS) cpu_update_mode(c);
}

void cpu_load_seg(Cpu *c, int seg, uint16_t sel) {
  if (!cpu_pm(c)) {
    load_paragraph(c, seg, sel);
    return;
  }
  Desc d;
  uint32_t addr;
  int rpl = sel & 3, err = sel_err(sel);
  if ((sel & 0xFFFC) == 0) {
    if (seg == SEG_SS) cpu_fault(c, EXC_GP, 0);
    Segment *s = &c->seg[seg];
    *s = (Segment){.sel = sel};
    seg_refresh(c, s);
    return;
  }
  if (!desc_fetch(c, sel, &d, &addr)) cpu_fault(c, EXC_GP, err);
  int dpl = desc_dpl(d);
  if (seg == SEG_SS) {
    bool writable_data = desc_is_seg(d) && !desc_is_code(d) && (d.hi & (1u << 9));
    if (rpl != c->cpl || dpl != c->cpl || !writable_data) cpu_fault(c, EXC_GP, err);
    if (!desc_present(d)) cpu_fault(c, EXC_SS, err);
  } else {
    bool readable = desc_is_seg(d) && (!desc_is_code(d) || (d.hi & (1u << 9)));
    bool conforming_code = desc_is_code(d) && (d.hi & (1u << 10));
    if (!readable) cpu_fault(c, EXC_GP, err);
    if (!conforming_code && (rpl > dpl || c->cpl > dpl)) cpu_fault(c, EXC_GP, err);
    if (!desc_present(d)) cpu_fault(c, EXC_NP, err);
  }
  set_accessed(c, addr, &d);
  seg_load_desc(c, seg, sel, d);
}

/* After a return to an outer privilege level, DS/ES/FS/GS holding a data
 * or non-conforming code segment more privileged than the new CPL become
 * null (SDM: RET and IRET to an outer level). */
void seg_validate_outer(Cpu *c) {
  static const int segs[] = {SEG_ES, SEG_DS, SEG_FS, SEG_GS};
  for (int i = 0; i < 4; i++) {
    Segment *s = &c->seg[segs[i]];
    bool conforming_code = (s->attr & DESC_CODE) && (s->attr & DESC_DC);
    int dpl = (s->attr >> DESC_DPL_SHIFT) & 3;
    if ((s->attr & DESC_S) && !conforming_code && dpl < c->cpl) {
      *s = (Segment){.sel = 0};
      seg_refresh(c, s);
    }
  }
}
