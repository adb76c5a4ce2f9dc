/* System instructions: descriptor-table registers, control and debug
 * registers, LLDT/LTR, the descriptor probes LAR/LSL/VERR/VERW, ARPL,
 * INVLPG, SYSENTER/SYSEXIT. */
#include "cpu/exec.h"
#include "cpu/segment.h"
#include "mmu/paging.h"

/* Instructions that exist only in protected mode: #UD in real and V86. */
static void require_pm(Cpu *c) {
  if (!cpu_pm(c)) cpu_fault(c, EXC_UD, -1);
}

/* Privileged instructions: CPL 0 (V86 runs at CPL 3, so #GP there). */
static void require_cpl0(Cpu *c) {
  if (c->cpl) cpu_fault(c, EXC_GP, 0);
}

/* Store a selector or control word: a register takes it zero-extended to
 * the operand size, memory gets 16 bits. */
static void store_word(Cpu *c, const Insn *in, uint32_t v) {
  if (in->mod == 3) reg_set(c, in->rm, in->size == 1 ? 2 : (in->op == 0x100 ? 4 : in->size), v);
  else mem_write(c, in->seg, ea_offset(c, in), 2, v & 0xFFFF);
}

void sldt(Cpu *c, const Insn *in) { require_pm(c); store_word(c, in, c->ldtr.sel); }
void str_tr(Cpu *c, const Insn *in) { require_pm(c); store_word(c, in, c->tr.sel); }

void lldt(Cpu *c, const Insn *in) {
  require_pm(c);
  require_cpl0(c);
  uint16_t sel = (uint16_t)read_E(c, in);
  if ((sel & 0xFFFC) == 0) {
    c->ldtr = (Segment){.sel = sel};
    return;
  }
  Desc d;
  uint32_t addr;
  if ((sel & 4) || !desc_fetch(c, sel, &d, &addr)) cpu_fault(c, EXC_GP, sel_err(sel));
  if (desc_is_seg(d) || desc_type(d) != SYS_LDT) cpu_fault(c, EXC_GP, sel_err(sel));
  if (!desc_present(d)) cpu_fault(c, EXC_NP, sel_err(sel));
  c->ldtr = (Segment){.sel = sel, .base = desc_base(d), .limit = desc_limit(d), .attr = desc_attr(d)};
}

void ltr(Cpu *c, const Insn *in) {
  require_pm(c);
  require_cpl0(c);
  uint16_t sel = (uint16_t)read_E(c, in);
  if ((sel & 0xFFFC) == 0) cpu_fault(c, EXC_GP, 0);
  Desc d;
  uint32_t addr;
  if ((sel & 4) || !desc_fetch(c, sel, &d, &addr)) cpu_fault(c, EXC_GP, sel_err(sel));
  int t = desc_type(d);
  if (desc_is_seg(d) || (t != SYS_TSS16_AVAIL && t != SYS_TSS32_AVAIL)) cpu_fault(c, EXC_GP, sel_err(sel));
  if (!desc_present(d)) cpu_fault(c, EXC_NP, sel_err(sel));
  d.hi |= 2u << 8; /* busy */
  desc_store_hi(c, addr, d.hi);
  c->tr = (Segment){.sel = sel, .base = desc_base(d), .limit = desc_limit(d), .attr = desc_attr(d)};
}

/* VERR/VERW/LAR/LSL: may the current CPL and the selector's RPL see the
 * descriptor? Conforming code is visible at any level. */
static bool probe(Cpu *c, uint16_t sel, Desc *d) {
  uint32_t addr;
  if ((sel & 0xFFFC) == 0 || !desc_fetch(c, sel, d, &addr)) return false;
  bool conforming_code = desc_is_code(*d) && (d->hi & (1u << 10));
  int dpl = desc_dpl(*d);
  return conforming_code || (dpl >= c->cpl && dpl >= (sel & 3));
}

static void verify(Cpu *c, const Insn *in, bool write) {
  require_pm(c);
  Desc d;
  uint16_t sel = (uint16_t)read_E(c, in);
  bool ok = probe(c, sel, &d) && desc_is_seg(d);
  if (ok) ok = write ? !desc_is_code(d) && (d.hi & (1u << 9)) : !desc_is_code(d) || (d.hi & (1u << 9));
  flags_set_arith(c, F_ZF, ok ? F_ZF : 0);
}

void verr(Cpu *c, const Insn *in) { verify(c, in, false); }
void verw(Cpu *c, const Insn *in) { verify(c, in, true); }

/* Which system descriptor types LAR (all but gates for LSL) reports. */
static bool sys_type_visible(int type, bool for_lsl) {
  switch (type) {
  case SYS_TSS16_AVAIL: case SYS_LDT: case SYS_TSS16_BUSY: case SYS_TSS32_AVAIL:
  case SYS_TSS32_BUSY:
    return true;
  case SYS_CALL16: case SYS_TASK: case SYS_CALL32:
    return !for_lsl;
  default:
    return false;
  }
}

static void lar_lsl(Cpu *c, const Insn *in, bool lsl) {
  require_pm(c);
  Desc d;
  uint16_t sel = (uint16_t)loc_read(c, loc_E(c, in, 2, SEG_OK_R), 2);
  bool ok = probe(c, sel, &d) && (desc_is_seg(d) || sys_type_visible(desc_type(d), lsl));
  if (ok) reg_set(c, in->reg, in->size, lsl ? desc_limit(d) : d.hi & 0x00F0FF00u);
  flags_set_arith(c, F_ZF, ok ? F_ZF : 0);
}

void lar(Cpu *c, const Insn *in) { lar_lsl(c, in, false); }
void lsl(Cpu *c, const Insn *in) { lar_lsl(c, in, true); }

void arpl(Cpu *c, const Insn *in) {
  require_pm(c);
  Loc l = loc_E(c, in, 2, SEG_OK_RW);
  uint32_t dst = loc_read(c, l, 2), src = reg_get(c, in->reg, 2);
  bool adjust = (dst & 3) < (src & 3);
  if (adjust) loc_write(c, l, 2, (dst & ~3u) | (src & 3));
  flags_set_arith(c, F_ZF, adjust ? F_ZF : 0);
}

/* SGDT/SIDT: limit, then base; a 16-bit operand stores a 24-bit base. */
void sgdt_sidt(Cpu *c, const Insn *in) {
  uint32_t off = ea_offset(c, in);
  uint32_t base = in->reg == 0 ? c->gdtr.base : c->idtr.base;
  uint16_t limit = in->reg == 0 ? c->gdtr.limit : c->idtr.limit;
  if (in->size == 2) base &= 0xFFFFFF;
  mem_write(c, in->seg, off, 2, limit);
  mem_write(c, in->seg, (off + 2) & (in->a32 ? ~0u : 0xFFFF), 4, base);
}

void lgdt_lidt(Cpu *c, const Insn *in) {
  require_cpl0(c);
  uint32_t off = ea_offset(c, in);
  uint16_t limit = (uint16_t)mem_read(c, in->seg, off, 2);
  uint32_t base = mem_read(c, in->seg, (off + 2) & (in->a32 ? ~0u : 0xFFFF), 4);
  if (in->size == 2) base &= 0xFFFFFF;
  if (in->reg == 2) {
    c->gdtr.base = base;
    c->gdtr.limit = limit;
  } else {
    c->idtr.base = base;
    c->idtr.limit = limit;
  }
}

void smsw(Cpu *c, const Insn *in) {
  if (in->mod == 3) reg_set(c, in->rm, in->size, c->cr[0]);
  else mem_write(c, in->seg, ea_offset(c, in), 2, c->cr[0] & 0xFFFF);
}

/* LMSW loads PE, MP, EM, TS and cannot clear PE. */
void lmsw(Cpu *c, const Insn *in) {
  require_cpl0(c);
  uint32_t v = loc_read(c, loc_E(c, in, 2, SEG_OK_R), 2) & 0xF;
  cpu_write_cr0(c, (c->cr[0] & ~0xEu) | v | (c->cr[0] & CR0_PE));
}

void clts(Cpu *c, const Insn *in) {
  (void)in;
  require_cpl0(c);
  c->cr[0] &= ~CR0_TS;
}

void invd(Cpu *c, const Insn *in) {
  (void)in;
  require_cpl0(c);
}

void invlpg(Cpu *c, const Insn *in) {
  require_cpl0(c);
  paging_invalidate(c, c->seg[in->seg].base + ea_offset(c, in));
}

/* MOV to/from control registers: CR0, CR2, CR3, CR4 exist. */
void mov_r_cr(Cpu *c, const Insn *in) {
  if (in->reg == 1 || in->reg > 4) cpu_fault(c, EXC_UD, -1);
  require_cpl0(c);
  c->r[in->rm] = c->cr[in->reg];
}

void mov_cr_r(Cpu *c, const Insn *in) {
  if (in->reg == 1 || in->reg > 4) cpu_fault(c, EXC_UD, -1);
  require_cpl0(c);
  uint32_t v = c->r[in->rm];
  switch (in->reg) {
  case 0:
    if (((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD)))
      cpu_fault(c, EXC_GP, 0);
    cpu_write_cr0(c, v);
    break;
  case 2: c->cr[2] = v; break;
  case 3: paging_write_cr3(c, v); break;
  default:
    if (v & ~CR4_SUPPORTED) cpu_fault(c, EXC_GP, 0);
    paging_write_cr4(c, v);
    break;
  }
}

/* Debug registers; DR4/DR5 alias DR6/DR7 unless CR4.DE. */
static int dr_index(Cpu *c, int r) {
  if (r == 4 || r == 5) {
    if (c->cr[4] & CR4_DE) cpu_fault(c, EXC_UD, -1);
    r += 2;
  }
  return r;
}

void mov_r_dr(Cpu *c, const Insn *in) {
  require_cpl0(c);
  c->r[in->rm] = c->dr[dr_index(c, in->reg)];
}

void mov_dr_r(Cpu *c, const Insn *in) {
  require_cpl0(c);
  int r = dr_index(c, in->reg);
  uint32_t v = c->r[in->rm];
  if (r == 6) v = (v & 0xE00F) | 0xFFFF0FF0u;
  else if (r == 7) v = (v & 0xFFFF2BFFu) | 0x400;
  c->dr[r] = v;
  c->events |= EV_BLOCK;
  if (r == 7) cpu_update_slow_mem(c);
}

/* SYSENTER/SYSEXIT: flat segments derived from SYSENTER_CS. */
static Desc flat_desc(bool code, int dpl) {
  uint32_t type = code ? 0xB : 0x3;
  return (Desc){0x0000FFFF, 0x00CF9000u | type << 8 | (uint32_t)dpl << 13};
}

void sysenter(Cpu *c, const Insn *in) {
  (void)in;
  uint16_t cs = (uint16_t)c->msr_sysenter_cs;
  if (!(c->cr[0] & CR0_PE) || (cs & 0xFFFC) == 0) cpu_fault(c, EXC_GP, 0);
  c->flags &= ~(F_VM | F_IF | F_RF);
  seg_load_cs(c, cs & 0xFFFC, flat_desc(true, 0), 0);
  seg_load_desc(c, SEG_SS, (uint16_t)((cs & 0xFFFC) + 8), flat_desc(false, 0));
  c->r[ESP] = (uint32_t)c->msr_sysenter_esp;
  c->eip = (uint32_t)c->msr_sysenter_eip;
}

void sysexit(Cpu *c, const Insn *in) {
  (void)in;
  uint16_t cs = (uint16_t)c->msr_sysenter_cs;
  if (!cpu_pm(c) || c->cpl || (cs & 0xFFFC) == 0) cpu_fault(c, EXC_GP, 0);
  seg_load_cs(c, (uint16_t)((cs + 16) | 3), flat_desc(true, 3), 3);
  seg_load_desc(c, SEG_SS, (uint16_t)((cs + 24) | 3), flat_desc(false, 3));
  c->r[ESP] = c->r[ECX];
  c->eip = c->r[EDX];
}
