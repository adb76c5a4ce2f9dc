/* CPU lifecycle, the execution loop, faults and segment loads. */
#include "cpu/cpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/blocks.h"
#include "cpu/exec.h"
#include "jit/jit.h"
#include "mmu/paging.h"
#include "mmu/physmem.h"

Cpu *cpu_new(struct PhysMem *mem, struct IoBus *io) {
  decode_init();
  Cpu *c = calloc(1, sizeof *c);
  if (!c) {
    fprintf(stderr, "holo86: out of memory\n");
    exit(1);
  }
  c->mem = mem;
  c->io = io;
  c->blocks = blocks_new(c);
  cpu_reset(c);
  return c;
}

void cpu_free(Cpu *c) {
  if (!c) return;
  blocks_free(c->blocks);
  jit_free(c->jit);
  free(c);
}

void cpu_reset(Cpu *c) {
  memset(c->r, 0, sizeof c->r);
  c->r[EDX] = 0x0633; /* family 6, model 3, stepping 3: a Pentium II */
  c->flags = 0x2;
  c->lf.op = LF_NONE;
  memset(c->cr, 0, sizeof c->cr);
  c->cr[0] = CR0_CD | CR0_NW | CR0_ET;
  for (int i = 0; i < SEG_COUNT; i++) {
    c->seg[i] = (Segment){.limit = 0xFFFF, .attr = 0x93}; /* present, writable data */
    seg_refresh(c, &c->seg[i]);
  }
  c->seg[SEG_CS].sel = 0xF000;
  c->seg[SEG_CS].base = 0xFFFF0000u;
  c->seg[SEG_CS].attr = 0x9B;
  seg_refresh(c, &c->seg[SEG_CS]);
  c->eip = 0xFFF0;
  memset(c->dr, 0, sizeof c->dr);
  c->dr[6] = 0xFFFF0FF0;
  c->dr[7] = 0x400;
  c->gdtr.base = c->idtr.base = 0;
  c->gdtr.limit = c->idtr.limit = 0xFFFF;
  c->ldtr = c->tr = (Segment){.limit = 0xFFFF, .attr = 0x82};
  c->tr.attr = 0x8B;
  c->tsc = -cpu_tsc_clock(c); /* the TSC restarts from 0 */
  c->efer = 0;
  memset(c->msr_evntsel, 0, sizeof c->msr_evntsel);
  memset(c->msr_perfctr, 0, sizeof c->msr_perfctr);
  x87_reset(c);
  memset(c->pdpte, 0, sizeof c->pdpte);
  c->halted = false;
  c->shutdown = false;
  c->delivering = false;
  c->intr_shadow = 0;
  c->a20 = true;
  c->events = 0;
  cpu_update_mode(c);
  tlb_flush(&c->tlbs[0]);
  tlb_flush(&c->tlbs[1]);
  cpu_set_cpl(c, 0);
}

void cpu_update_mode(Cpu *c) {
  c->code_epoch++;
  c->code32 = (c->seg[SEG_CS].attr >> 14) & 1;
  c->stack32 = (c->seg[SEG_SS].attr >> 14) & 1;
  c->events |= EV_BLOCK;
}

/* CR0: PE switches real/protected mode (segment rights are re-derived);
 * PE, PG and WP change translations, so the TLBs go. ET is hardwired. */
void cpu_write_cr0(Cpu *c, uint32_t v) {
  v |= CR0_ET;
  uint32_t changed = c->cr[0] ^ v;
  if ((v & CR0_PG) && (c->cr[4] & CR4_PAE) && (changed & CR0_PG)) paging_load_pdptes(c, c->cr[3]);
  c->cr[0] = v;
  if (changed & (CR0_PE | CR0_PG | CR0_WP)) paging_flush_all(c);
  if (changed & CR0_AM) cpu_update_slow_mem(c);
  if (changed & CR0_PE) {
    for (int i = 0; i < SEG_COUNT; i++) seg_refresh(c, &c->seg[i]);
    cpu_update_mode(c);
  }
}

uint32_t cpu_get_flags(Cpu *c) {
  flags_materialize(c);
  return c->flags | 2;
}

void cpu_set_flags(Cpu *c, uint32_t value, uint32_t mask) {
  flags_materialize(c);
  uint32_t old = c->flags;
  c->flags = ((c->flags & ~mask) | (value & mask) | 2) & ~0x8028u;
  if (mask & (F_IF | F_TF)) c->events |= EV_IRQ;
  if ((old ^ c->flags) & F_AC) cpu_update_slow_mem(c);
}

void cpu_update_slow_mem(Cpu *c) {
  bool data_bp = false;
  for (int i = 0; i < 4; i++)
    if ((c->dr[7] >> (2 * i)) & 3 && ((c->dr[7] >> (16 + 4 * i)) & 3) != 0) data_bp = true;
  bool ac = (c->cr[0] & CR0_AM) && (c->flags & F_AC) && c->cpl == 3;
  bool slow = data_bp || ac || (c->tracer && c->tracer->access);
  if (slow && !c->slow_mem) paging_flush_all(c);
  c->slow_mem = slow;
}

/* A20 applies after paging, so every cached translation may change. */
void cpu_set_a20(Cpu *c, bool enabled) {
  if (c->a20 == enabled) return;
  c->a20 = enabled;
  paging_flush_all(c);
}

void cpu_set_intr(Cpu *c, bool level) {
  c->intr = level;
  if (level) c->events |= EV_IRQ;
}

_Noreturn void cpu_fault(Cpu *c, int vector, int err) {
  /* A fault while delivering an exception or external interrupt names
   * that event in its error code (EXT). */
  if (c->deliver_ext && err >= 0) err |= 1;
  c->deliver_ext = false;
  c->sys_access = false;
  c->tlb = &c->tlbs[c->cpl == 3];
  c->eip = c->insn_eip;
  c->r[ESP] = c->insn_esp;
  c->pending_vector = vector;
  c->pending_error = err;
  longjmp(c->fault_jmp, 1);
}

_Noreturn void unimplemented(Cpu *c, const Insn *in, const char *what) {
  static uint8_t seen[0x400];
  if (!seen[in->op]) {
    seen[in->op] = 1;
    uint8_t bytes[15];
    uint32_t lin = c->seg[SEG_CS].base + c->insn_eip;
    for (int i = 0; i < in->len; i++) bytes[i] = (uint8_t)lin_read(c, lin + (uint32_t)i, 1);
    fprintf(stderr, "holo86: unimplemented %s at %04X:%08X, bytes", what,
            c->seg[SEG_CS].sel, c->insn_eip);
    for (int i = 0; i < in->len; i++) fprintf(stderr, " %02X", bytes[i]);
    fprintf(stderr, "; raising #UD\n");
  }
  cpu_fault(c, EXC_UD, -1);
}

/* One instruction: record the state a fault restores, advance EIP past it
 * (wrapping at 64 KiB in 16-bit code), run its handler, count it. */
static inline void exec_insn(Cpu *c, const Insn *in) {
  c->insn_eip = c->eip;
  c->insn_esp = c->r[ESP];
  c->eip = c->code32 ? c->eip + in->len : (c->eip + in->len) & 0xFFFF;
  in->fn(c, in);
  c->icount++;
}

/* A block's instructions; stops early when an event is posted. This is
 * exec_insn() unrolled over the block with EIP and the instruction count
 * kept in registers: c->eip and c->icount are only stored, never loaded
 * back, so no instruction waits on the previous one's store of them. That
 * holds because a block's instructions fall through to each other: only
 * its last one (a D_END control transfer) or a handler that posts an
 * event moves EIP, and a fault leaves by longjmp with insn_eip and icount
 * exact. Inlined into the interpreter's loop (interpret()), which saves a
 * call per block.
 *
 * c->icount is the number retired before the running instruction, which
 * is what a handler reading the clock (RDTSC, a device in --deterministic
 * time) must see. The last instruction's count is added to whatever its
 * handler left there: a REP slice that runs again takes its own count
 * back (ops_string.c). */
static inline __attribute__((always_inline)) void run_block(Cpu *c, const Block *b) {
  const Insn *in = b->insn, *end = b->insn + b->n;
  const uint32_t wrap = c->code32 ? 0xFFFFFFFFu : 0xFFFFu;
  uint32_t eip = c->eip;
  uint64_t n = c->icount;
  for (;;) {
    c->icount = n;
    c->insn_eip = eip;
    c->insn_esp = c->r[ESP];
    eip = (eip + in->len) & wrap;
    c->eip = eip;
    in->fn(c, in);
    if (++in == end || c->events) break;
    n++;
  }
  c->icount++;
}

void cpu_run_block(Cpu *c, const Block *b) { run_block(c, b); }

/* Between blocks: take a pending interrupt if IF allows. After STI, MOV SS
 * or POP SS one more instruction runs first: EV_IRQ stays posted, which
 * makes run_block() stop after that single instruction. */
static void check_interrupts(Cpu *c) {
  c->events &= ~(EV_IRQ | EV_SMC | EV_BLOCK);
  if (!c->intr || !(c->flags & F_IF)) {
    c->intr_shadow = 0;
    return;
  }
  if (c->intr_shadow) {
    c->intr_shadow = 0;
    c->events |= EV_IRQ;
    return;
  }
  if (!c->intr_ack) return;
  int vector = c->intr_ack(c->intr_opaque);
  /* A fault while delivering it is handled like one during an exception. */
  c->insn_eip = c->eip;
  c->insn_esp = c->r[ESP];
  c->delivering = true;
  c->delivering_vector = -1; /* benign: never part of a double fault */
  cpu_interrupt(c, vector, -1, INT_IRQ);
  c->delivering = false;
}

void cpu_get_regs(Cpu *c, CpuRegs *out) {
  for (int i = 0; i < 8; i++) out->r[i] = c->r[i];
  out->eip = c->eip;
  out->flags = cpu_get_flags(c);
  for (int i = 0; i < SEG_COUNT; i++) out->sel[i] = c->seg[i].sel;
  out->cs_base = c->seg[SEG_CS].base;
  out->cpl = c->cpl;
}

/* TF or a DR7-enabled breakpoint: the guest's own debugging. */
static inline bool debug_armed(const Cpu *c) { return (c->flags & F_TF) || (c->dr[7] & 0xFF); }

/* One instruction at a time: the guest's debugging, or a tracer that
 * watches every instruction. */
static bool debug_active(const Cpu *c) {
  return debug_armed(c) || (c->tracer && (c->tracer->insn || c->tracer->before) && !c->tracer->wants);
}

/* A tracer with a `wants` hook steps only through the blocks it names. */
static bool tracer_wants(const Cpu *c, const Block *b) {
  const CpuTracer *t = c->tracer;
  return t && t->wants && t->wants(t->opaque, (Cpu *)c, c->seg[SEG_CS].base + c->eip, b->bytes);
}

/* Instruction breakpoints matching CS:EIP (DR7 R/W = 00), as DR6 bits. */
static uint32_t code_breakpoints(const Cpu *c) {
  uint32_t lin = c->seg[SEG_CS].base + c->eip, hits = 0;
  for (int i = 0; i < 4; i++)
    if (((c->dr[7] >> (2 * i)) & 3) && ((c->dr[7] >> (16 + 4 * i)) & 0xF) == 0 && c->dr[i] == lin)
      hits |= 1u << i;
  return hits;
}

/* One instruction with the debug checks around it: an instruction
 * breakpoint faults before it runs (unless RF), single-step and data
 * breakpoints trap after it. */
static void step_debug(Cpu *c) {
  if (c->tracer && c->tracer->before && !c->tracer->before(c->tracer->opaque, c)) {
    c->events |= EV_STOP;
    return;
  }
  if (!(c->flags & F_RF)) {
    uint32_t hits = code_breakpoints(c);
    if (hits) {
      c->dr[6] = (c->dr[6] & ~0xFu) | hits;
      c->insn_eip = c->eip;
      c->insn_esp = c->r[ESP];
      cpu_fault(c, EXC_DB, -1);
    }
  }
  bool tf = c->flags & F_TF, rf = c->flags & F_RF;
  const Block *b = blocks_lookup(c);
  const Insn *in = &b->insn[0];
  c->last_block = NULL;
  CpuRegs before;
  if (c->tracer) cpu_get_regs(c, &before);
  c->db_hits = 0;
  exec_insn(c, in);
  /* RF lasts one instruction, unless that instruction (IRET) loaded it. */
  if (rf && in->op != 0xCF) c->flags &= ~F_RF;
  if (c->tracer && c->tracer->insn) c->tracer->insn(c->tracer->opaque, c, in, b->phys, &before);
  uint32_t dr6 = c->db_hits | (tf ? 1u << 14 : 0);
  if (dr6) {
    c->dr[6] = (c->dr[6] & ~0x400Fu) | dr6;
    c->insn_eip = c->eip;
    c->insn_esp = c->r[ESP];
    cpu_interrupt(c, EXC_DB, -1, INT_EXTERNAL);
  }
}

/* The interpreter's inner loop when no tracer is attached: block after
 * block while nothing needs the checks between blocks of run_blocks() (an
 * event, the budget, a debug trap armed by the block just run: POPF, IRET
 * and MOV DRn end blocks). */
static void interpret(Cpu *c, uint64_t start, uint64_t max) {
  do run_block(c, blocks_next(c));
  while (!c->events && c->icount - start < max && !debug_armed(c));
}

/* The loop of cpu_run, kept out of the function that calls setjmp (hence
 * noinline): there the compiler must keep every local in memory, here c
 * and the counts stay in registers. */
__attribute__((noinline)) static void run_blocks(Cpu *c, uint64_t start, uint64_t max) {
  while (!(c->events & EV_STOP) && c->icount - start < max) {
    if (c->events) check_interrupts(c);
    if (c->halted) break;
    if (debug_active(c)) step_debug(c);
    else if (c->accel == ACCEL_INTERP && !c->tracer) interpret(c, start, max);
    else {
      /* Chained JIT code keeps to the budget, and leaves each block to this
       * loop while something must look at every block. */
      c->icount_stop = c->accel == ACCEL_JIT && !c->tracer ? start + max : 0;
      const Block *b = blocks_next(c);
      /* A block is the unit the JIT runs, so the check stays exact as long
       * as jit_exec runs no more than the block it is given. */
      if (tracer_wants(c, b)) step_debug(c);
      else if (c->accel == ACCEL_INTERP || !jit_exec(c, b)) cpu_run_block(c, b);
    }
  }
}

uint64_t cpu_run(Cpu *c, uint64_t max) {
  const uint64_t start = c->icount;
  c->events &= ~EV_STOP;
  if (setjmp(c->fault_jmp)) {
    c->last_block = NULL;
    cpu_deliver_pending(c);
  }
  run_blocks(c, start, max);
  return c->icount - start;
}
