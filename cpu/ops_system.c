/* Port I/O, CPUID, time stamp and model-specific registers, HLT, CLI/STI,
 * NOPs and #UD. */
#include <stddef.h>

#include "cpu/exec.h"
#include "cpu/tss.h"
#include "devices/iobus.h"

void nop(Cpu *c, const Insn *in) { (void)c; (void)in; }

void op_ud(Cpu *c, const Insn *in) {
  (void)in;
  cpu_fault(c, EXC_UD, -1);
}

/* x87 escapes: #NM when CR0.EM (no coprocessor) or CR0.TS (its state
 * belongs to another task); the instructions are in cpu/fpu/x87.c. */
void fpu_escape(Cpu *c, const Insn *in) {
  if (c->cr[0] & (CR0_EM | CR0_TS)) cpu_fault(c, EXC_NM, -1);
  x87_exec(c, in);
}

/* WAIT: #NM when CR0.MP and CR0.TS; then a pending unmasked x87
 * exception is reported (#MF, or FERR# when CR0.NE = 0). */
void fwait(Cpu *c, const Insn *in) {
  (void)in;
  if ((c->cr[0] & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) cpu_fault(c, EXC_NM, -1);
  x87_check_pending(c);
}

void hlt(Cpu *c, const Insn *in) {
  (void)in;
  if (c->cpl) cpu_fault(c, EXC_GP, 0);
  c->halted = true;
  c->events |= EV_BLOCK; /* back to cpu_run(), also from chained JIT code */
}

/* CLI/STI: protected mode needs CPL <= IOPL, virtual-8086 mode IOPL 3. */
static void if_check(Cpu *c) {
  if (!(c->cr[0] & CR0_PE)) return;
  int iopl = (c->flags >> 12) & 3;
  if ((c->flags & F_VM) ? iopl < 3 : c->cpl > iopl) cpu_fault(c, EXC_GP, 0);
}

void cli(Cpu *c, const Insn *in) {
  (void)in;
  if_check(c);
  c->flags &= ~F_IF;
}

/* STI enables interrupts after the next instruction. */
void sti(Cpu *c, const Insn *in) {
  (void)in;
  if_check(c);
  if (!(c->flags & F_IF)) c->intr_shadow = 1;
  c->flags |= F_IF;
  c->events |= EV_IRQ;
}

void in_port(Cpu *c, const Insn *in) {
  uint16_t port = in->aux ? (uint16_t)c->r[EDX] : (uint16_t)in->imm;
  io_check(c, port, in->size);
  reg_set(c, EAX, in->size, io_in(c->io, port, in->size));
}

void out_port(Cpu *c, const Insn *in) {
  uint16_t port = in->aux ? (uint16_t)c->r[EDX] : (uint16_t)in->imm;
  io_check(c, port, in->size);
  io_out(c->io, port, in->size, reg_get(c, EAX, in->size));
}

/* CPUID: a Pentium II (family 6, model 3) that claims only what holo86
 * implements: FPU, DE, PSE, TSC, MSR, PAE, CMPXCHG8B, APIC (while the
 * machine's local APIC is globally enabled), SEP, PGE, CMOV, MMX, FXSR.
 * VME, MCE/MCA and MTRR are added as those arrive. Leaf 1 EBX[31:24] is
 * the initial APIC ID, 0 on the one CPU. */
#define CPUID_FEATURES                                                                      \
  ((1u << 0) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 8) |   \
   (1u << 11) | (1u << 13) | (1u << 15) | (1u << 23) | (1u << 24))
#define CPUID_APIC (1u << 9)

void cpuid(Cpu *c, const Insn *in) {
  (void)in;
  switch (c->r[EAX]) {
  case 0:
    c->r[EAX] = 2;
    c->r[EBX] = 0x756E6547; /* "Genu" */
    c->r[EDX] = 0x49656E69; /* "ineI" */
    c->r[ECX] = 0x6C65746E; /* "ntel" */
    break;
  case 1:
    c->r[EAX] = 0x0633;
    c->r[EBX] = 0;
    c->r[ECX] = 0;
    c->r[EDX] = CPUID_FEATURES;
    if (c->apic_base_read && (c->apic_base_read(c->apic_opaque) & (1u << 11))) c->r[EDX] |= CPUID_APIC;
    break;
  default: /* leaf 2, cache and TLB descriptors of a Pentium II; Intel
            * answers leaves above the highest with the highest's data */
    c->r[EAX] = 0x03020101;
    c->r[EBX] = 0;
    c->r[ECX] = 0;
    c->r[EDX] = 0x0C040843;
    break;
  }
}

static uint64_t tsc_now(const Cpu *c) { return c->tsc + cpu_tsc_clock(c); }

void rdtsc(Cpu *c, const Insn *in) {
  (void)in;
  if ((c->cr[4] & CR4_TSD) && c->cpl && (c->cr[0] & CR0_PE)) cpu_fault(c, EXC_GP, 0);
  uint64_t t = tsc_now(c);
  c->r[EAX] = (uint32_t)t;
  c->r[EDX] = (uint32_t)(t >> 32);
}

enum {
  MSR_TSC = 0x10, MSR_APIC_BASE = 0x1B, MSR_BIOS_SIGN = 0x8B,
  MSR_PERFCTR0 = 0xC1, MSR_PERFCTR1 = 0xC2,
  MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175, MSR_SYSENTER_EIP = 0x176,
  MSR_EVNTSEL0 = 0x186, MSR_EVNTSEL1 = 0x187,
};

#define PERFCTR_MASK 0xFFFFFFFFFFull /* 40 bits */

static uint64_t *msr_slot(Cpu *c, uint32_t index) {
  switch (index) {
  case MSR_SYSENTER_CS: return &c->msr_sysenter_cs;
  case MSR_SYSENTER_ESP: return &c->msr_sysenter_esp;
  case MSR_SYSENTER_EIP: return &c->msr_sysenter_eip;
  case MSR_EVNTSEL0: return &c->msr_evntsel[0];
  case MSR_EVNTSEL1: return &c->msr_evntsel[1];
  case MSR_PERFCTR0: return &c->msr_perfctr[0];
  case MSR_PERFCTR1: return &c->msr_perfctr[1];
  default: return NULL;
  }
}

void rdmsr(Cpu *c, const Insn *in) {
  (void)in;
  if (c->cpl) cpu_fault(c, EXC_GP, 0);
  uint32_t index = c->r[ECX];
  uint64_t v;
  uint64_t *slot = msr_slot(c, index);
  if (index == MSR_TSC) v = tsc_now(c);
  else if (index == MSR_BIOS_SIGN) v = 0;
  else if (index == MSR_APIC_BASE && c->apic_base_read) v = c->apic_base_read(c->apic_opaque);
  else if (slot) v = *slot;
  else cpu_fault(c, EXC_GP, 0);
  c->r[EAX] = (uint32_t)v;
  c->r[EDX] = (uint32_t)(v >> 32);
}

void wrmsr(Cpu *c, const Insn *in) {
  (void)in;
  if (c->cpl) cpu_fault(c, EXC_GP, 0);
  uint32_t index = c->r[ECX];
  uint64_t v = (uint64_t)c->r[EDX] << 32 | c->r[EAX];
  uint64_t *slot = msr_slot(c, index);
  if (index == MSR_TSC) c->tsc = v - cpu_tsc_clock(c);
  else if (index == MSR_BIOS_SIGN) return;
  else if (index == MSR_APIC_BASE && c->apic_base_write) {
    if (!c->apic_base_write(c->apic_opaque, v)) cpu_fault(c, EXC_GP, 0);
  } else if (index == MSR_PERFCTR0 || index == MSR_PERFCTR1) {
    /* P6: the low 32 bits are written, sign-extended to the 40 bits. */
    *slot = (uint64_t)(int64_t)(int32_t)c->r[EAX] & PERFCTR_MASK;
  } else if (index == MSR_EVNTSEL0 || index == MSR_EVNTSEL1) {
    if (c->r[EDX]) cpu_fault(c, EXC_GP, 0); /* a 32-bit register */
    *slot = c->r[EAX];
  } else if (slot) *slot = v;
  else cpu_fault(c, EXC_GP, 0);
}

/* Performance counters 0 and 1: what was last written (nothing counts). */
void rdpmc(Cpu *c, const Insn *in) {
  (void)in;
  if (c->r[ECX] > 1 || (c->cpl && !(c->cr[4] & CR4_PCE))) cpu_fault(c, EXC_GP, 0);
  uint64_t v = c->msr_perfctr[c->r[ECX]];
  c->r[EAX] = (uint32_t)v;
  c->r[EDX] = (uint32_t)(v >> 32);
}
