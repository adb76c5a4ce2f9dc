/* The guest CPU: architectural state and the interface the rest of holo86
 * uses to drive it. One Cpu is one x86 processor; it owns its registers,
 * its lazy-flags state, its soft TLB and its decoded-block cache, and talks
 * to the world only through the Machine's physical memory and port I/O. */
#ifndef HOLO86_CPU_H
#define HOLO86_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/fpu/x87.h"
#include "mmu/tlb.h"

struct PhysMem;
struct IoBus;
struct BlockCache;

/* General registers in encoding order. Index 8 is a register that is
 * always zero: the decoder points absent base/index registers at it so an
 * effective address is computed without branches. */
enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI, REG_ZERO };
/* Segment registers in encoding order. */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_COUNT };

/* EFLAGS bits. */
enum {
  F_CF = 1u << 0, F_PF = 1u << 2, F_AF = 1u << 4, F_ZF = 1u << 6,
  F_SF = 1u << 7, F_TF = 1u << 8, F_IF = 1u << 9, F_DF = 1u << 10,
  F_OF = 1u << 11, F_IOPL = 3u << 12, F_NT = 1u << 14, F_RF = 1u << 16,
  F_VM = 1u << 17, F_AC = 1u << 18, F_VIF = 1u << 19, F_VIP = 1u << 20,
  F_ID = 1u << 21,
};
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

/* Exception vectors. */
enum {
  EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5,
  EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12,
  EXC_GP = 13, EXC_PF = 14, EXC_MF = 16, EXC_AC = 17,
};

/* A segment register with its hidden descriptor cache. In real mode the
 * base is selector*16 and the limit stays what it was (normally 0xFFFF). */
typedef struct Segment {
  _Alignas(32) uint16_t sel; /* 32 bytes a segment: c->seg[i] is a shift away */
  uint32_t base;
  uint32_t limit; /* in bytes, granularity applied */
  uint16_t attr;  /* descriptor bits 40..55: type, S, DPL, P, AVL, L, D/B, G */
  /* Derived by seg_refresh(): the valid offset range (expand-down aware)
   * and which accesses the segment allows in the current mode. */
  uint32_t lo, hi;
  uint8_t ok; /* SEG_OK_* */
  /* ok when the segment is flat (base 0, every offset valid), else 0: the
   * JIT checks an access against this one byte before the general checks. */
  uint8_t flat;
} Segment;

enum { SEG_OK_R = 1, SEG_OK_W = 2, SEG_OK_RW = 3 };

/* Descriptor attribute bits (Segment.attr). */
enum {
  DESC_TYPE = 0xF, DESC_A = 1, DESC_RW = 2, DESC_DC = 4, DESC_CODE = 8,
  DESC_S = 1 << 4, DESC_DPL_SHIFT = 5, DESC_P = 1 << 7, DESC_DB = 1 << 14,
  DESC_G = 1 << 15,
};

/* Control register bits. */
enum {
  CR0_PE = 1u << 0, CR0_MP = 1u << 1, CR0_EM = 1u << 2, CR0_TS = 1u << 3,
  CR0_ET = 1u << 4, CR0_NE = 1u << 5, CR0_WP = 1u << 16, CR0_AM = 1u << 18,
  CR0_NW = 1u << 29, CR0_CD = 1u << 30, CR0_PG = 1u << 31,
  CR4_VME = 1u << 0, CR4_PVI = 1u << 1, CR4_TSD = 1u << 2, CR4_DE = 1u << 3,
  CR4_PSE = 1u << 4, CR4_PAE = 1u << 5, CR4_MCE = 1u << 6, CR4_PGE = 1u << 7,
  CR4_PCE = 1u << 8, CR4_OSFXSR = 1u << 9,
  /* OSFXSR only tells FXSAVE/FXRSTOR that the OS knows the SSE state; with
   * no SSE here, it changes nothing, but the bit must be writable on a CPU
   * that reports FXSR. */
  CR4_SUPPORTED = CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE | CR4_PCE | CR4_OSFXSR,
};

/* Lazy flags: arithmetic instructions record their operands and result;
 * the six arithmetic flags are derived only when something reads them. */
typedef enum LazyOp {
  LF_NONE, /* cpu.flags holds the arithmetic flags */
  LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_LOGIC, LF_INC, LF_DEC,
  LF_SHL, LF_SHR, LF_SAR, /* a = operand, b = count (1-31), res = result */
  LF_MUL,                 /* res = low half, b = 1 if the high half is significant */
} LazyOp;

typedef struct LazyFlags {
  uint32_t res, a, b;
  uint8_t op;     /* LazyOp */
  uint8_t size;   /* operand size in bytes */
  uint8_t carry;  /* ADC/SBB carry-in; INC/DEC: CF preserved from before */
} LazyFlags;

/* Reasons the execution loop must look up from straight-line execution. */
enum {
  EV_IRQ = 1u << 0,    /* an interrupt line may be asserted */
  EV_STOP = 1u << 1,   /* cpu_run() should return */
  EV_SMC = 1u << 2,    /* code of a cached block was written */
  EV_BLOCK = 1u << 3,  /* mode changed: the next block must be looked up */
};

/* The architectural registers an observer compares before and after. */
typedef struct CpuRegs {
  uint32_t r[8], eip, flags;
  uint16_t sel[SEG_COUNT];
  uint32_t cs_base;
  uint8_t cpl;
} CpuRegs;

struct Cpu;
struct Insn;

/* An observer of execution (the tracer, the gdb stub). While one with a
 * `before` or `insn` hook is attached the CPU runs one instruction at a
 * time and reports each that retires; every interrupt or exception it
 * delivers is reported either way. */
typedef struct CpuTracer {
  /* Before the instruction at CS:EIP runs: return false to stop there
   * (cpu_run returns with EIP at it; a debugger's breakpoint). */
  bool (*before)(void *opaque, struct Cpu *c);
  void (*insn)(void *opaque, struct Cpu *c, const struct Insn *in, uint32_t phys,
               const CpuRegs *before);
  void (*interrupt)(void *opaque, struct Cpu *c, int vector, int err, int kind);
  /* Every data access by linear address (a debugger's watchpoints), before
   * it is translated. With it set, cpu_update_slow_mem() (call it after
   * attaching) sends every access through the slow path. */
  void (*access)(void *opaque, struct Cpu *c, uint32_t lin, int size, bool write);
  /* Optional: does the tracer care about the block of len bytes at linear
   * address lin (a breakpoint, a traced address range)? If set, only such
   * blocks run one instruction at a time, and the rest at full speed in
   * the interpreter or the JIT. Asked at every block entry. */
  bool (*wants)(void *opaque, struct Cpu *c, uint32_t lin, uint32_t len);
  void *opaque;
} CpuTracer;

typedef struct Cpu {
  uint32_t r[9]; /* EAX..EDI, then REG_ZERO (always 0) */
  uint32_t eip;
  uint32_t flags; /* EFLAGS; arithmetic bits stale while lf.op != LF_NONE */
  LazyFlags lf;
  Segment seg[SEG_COUNT];
  uint32_t cr[5];
  uint32_t dr[8];
  struct { uint32_t base; uint16_t limit; } gdtr, idtr;
  Segment ldtr, tr;
  /* The time stamp counter is tsc + the machine's virtual clock in ns (a
   * 1 GHz TSC that keeps pace with the timers the guest calibrates it
   * against), or tsc + retired instructions with no clock (unit tests). */
  uint64_t tsc;
  uint64_t (*clock_ns)(void *opaque);
  void *clock_opaque;
  uint64_t msr_sysenter_cs, msr_sysenter_esp, msr_sysenter_eip;
  /* P6 performance monitoring: PerfEvtSel0/1 and PerfCtr0/1 hold what is
   * written (counters 40 bits wide, written as 32 bits sign-extended),
   * but nothing counts. */
  uint64_t msr_evntsel[2], msr_perfctr[2];
  /* IA32_APIC_BASE belongs to the local APIC beside the core, a device:
   * RDMSR/WRMSR of it go through these (a write returning false is #GP).
   * Unset: no APIC, so no such MSR, and CPUID claims none. CPUID also
   * claims none while the MSR's global enable (bit 11) is clear. */
  uint64_t (*apic_base_read)(void *opaque);
  bool (*apic_base_write)(void *opaque, uint64_t value);
  void *apic_opaque;
  uint8_t cpl;
  bool sys_access;    /* a descriptor-table/TSS access: supervisor rights */
  /* Memory accesses must take the slow path (data breakpoints armed, or
   * alignment checking on): the TLB then holds no entries. */
  bool slow_mem;
  uint32_t db_hits;   /* DR6 B0-B3 bits of data breakpoints hit this instruction */
  bool code32;        /* CS.D: default operand and address size is 32 */
  bool stack32;       /* SS.B: stack pointer is ESP, not SP */
  bool halted;
  bool a20;           /* A20 gate: false wraps linear addresses at 1 MiB */
  uint8_t intr_shadow; /* set by STI / MOV SS / POP SS for one instruction */

  volatile uint32_t events; /* EV_* bits */
  /* The interrupt controller's INTR line, and how to acknowledge it
   * (returns the vector). Set by the machine; the CPU knows no device. */
  bool intr;
  int (*intr_ack)(void *opaque);
  void *intr_opaque;
  bool shutdown;      /* triple fault: the machine must reset or stop */
  bool delivering;    /* inside exception delivery (for #DF / shutdown) */
  int delivering_vector;
  bool deliver_ext;   /* delivering an exception or external interrupt */
  uint64_t icount;          /* instructions retired */
  /* Translated code may go on to the next block without returning to
   * cpu_run() while icount is below this (0: never; see jit/jit.h). */
  uint64_t icount_stop;
  uint64_t tlb_fills;       /* accesses that missed the TLB (--stats) */

  /* Precise faults: the state every fault restores before delivery. */
  uint32_t insn_eip, insn_esp;
  jmp_buf fault_jmp;
  int pending_vector, pending_error; /* fault being delivered, error or -1 */

  /* Bumped whenever the mapping from CS:EIP to decoded blocks may have
   * changed (code written, TLB flushed, CS, mode or CPL changed): block
   * links made under an older epoch are not followed. */
  uint32_t code_epoch;
  const struct Block *last_block; /* the block that ran last, for linking */
  /* Soft TLBs for supervisor (CPL 0-2) and user (CPL 3) accesses; tlb
   * points at the one for the current CPL. */
  Tlb tlbs[2];
  Tlb *tlb;
  uint64_t pdpte[4]; /* PAE page-directory pointers, loaded with CR3 */
  uint64_t efer;
  struct X87 fpu; /* x87/MMX state (cpu/fpu/x87.h) */
  struct BlockCache *blocks;
  const CpuTracer *tracer; /* NULL unless tracing */
  uint8_t accel;      /* ACCEL_* (jit/jit.h): interpreter, JIT or lockstep */
  struct Jit *jit;    /* the JIT's state, NULL until jit_enable() */
  struct PhysMem *mem;
  struct IoBus *io;
} Cpu;

/* Lifecycle. cpu_reset() puts the CPU in its power-on state (CS:IP =
 * F000:FFF0 with CS base 0xFFFF0000, real mode). */
Cpu *cpu_new(struct PhysMem *mem, struct IoBus *io);
void cpu_free(Cpu *c);
void cpu_reset(Cpu *c);

struct Block;
/* Execute one decoded block in the interpreter (the reference the JIT and
 * its lockstep mode compare against). */
void cpu_run_block(Cpu *c, const struct Block *b);

/* Run until EV_STOP, HLT with interrupts off, or max instructions retired.
 * Returns the number of instructions retired. */
uint64_t cpu_run(Cpu *c, uint64_t max);

/* Raise an exception from inside an instruction: restores EIP/ESP to the
 * start of the instruction and unwinds to the run loop, which delivers it.
 * err < 0 means the vector has no error code. Never returns. */
_Noreturn void cpu_fault(Cpu *c, int vector, int err);

/* Where an interrupt comes from: an exception (error codes get the EXT
 * bit), a device through the interrupt controller (EXT too), INT n (gate
 * DPL checked, IOPL-sensitive in virtual-8086 mode), or INT3/INTO (gate
 * DPL checked only). */
enum IntKind { INT_EXTERNAL, INT_SOFTWARE, INT_SOFTWARE_EXC, INT_IRQ };
/* Deliver an interrupt or exception now, pushing CS:EIP as they stand
 * (err < 0: no error code). */
void cpu_interrupt(Cpu *c, int vector, int err, enum IntKind kind);
/* Deliver the exception cpu_fault() recorded (the run loop calls it). */
void cpu_deliver_pending(Cpu *c);

/* Open or close the A20 gate (port 0x92, keyboard controller). */
void cpu_set_a20(Cpu *c, bool enabled);
/* Assert or clear the maskable interrupt line. */
void cpu_set_intr(Cpu *c, bool level);

/* Segment register load in the current mode, with every protected-mode
 * check (may fault). */
void cpu_load_seg(Cpu *c, int seg, uint16_t sel);
/* Recompute a segment's derived fields (lo, hi, ok) from base/limit/attr. */
void seg_refresh(Cpu *c, Segment *s);
/* Write CR0 (mode switches, TLB flushes). */
void cpu_write_cr0(Cpu *c, uint32_t v);
/* Re-derive slow_mem after DR7, CR0.AM, EFLAGS.AC or CPL changed. */
void cpu_update_slow_mem(Cpu *c);
/* Change CPL (selects the TLB). */
void cpu_set_cpl(Cpu *c, int cpl);
/* Protected mode (CR0.PE) and not virtual-8086. */
static inline bool cpu_pm(const Cpu *c) { return (c->cr[0] & 1) && !(c->flags & (1u << 17)); }
static inline bool cpu_v86(const Cpu *c) { return (c->cr[0] & 1) && (c->flags & (1u << 17)); }
/* Mode-dependent derived state after CR0/CS/SS/EFLAGS change. */
void cpu_update_mode(Cpu *c);

/* Snapshot of the registers (EFLAGS materialised). */
void cpu_get_regs(struct Cpu *c, CpuRegs *out);

/* EFLAGS as software sees it (materialises lazy flags). */
uint32_t cpu_get_flags(Cpu *c);
/* Write EFLAGS bits selected by mask. */
void cpu_set_flags(Cpu *c, uint32_t value, uint32_t mask);

/* Register accessors by size (1, 2, 4 bytes). Byte registers 4..7 are
 * AH, CH, DH, BH. */
static inline uint32_t reg_get(const Cpu *c, int r, int size) {
  if (size == 4) return c->r[r];
  if (size == 2) return c->r[r] & 0xFFFF;
  return r < 4 ? c->r[r] & 0xFF : (c->r[r - 4] >> 8) & 0xFF;
}

static inline void reg_set(Cpu *c, int r, int size, uint32_t v) {
  if (size == 4) c->r[r] = v;
  else if (size == 2) c->r[r] = (c->r[r] & 0xFFFF0000u) | (v & 0xFFFF);
  else if (r < 4) c->r[r] = (c->r[r] & 0xFFFFFF00u) | (v & 0xFF);
  else c->r[r - 4] = (c->r[r - 4] & 0xFFFF00FFu) | ((v & 0xFF) << 8);
}

static inline uint32_t size_mask(int size) {
  return size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
}

/* What the time stamp counter counts (see Cpu.tsc). */
static inline uint64_t cpu_tsc_clock(const Cpu *c) {
  return c->clock_ns ? c->clock_ns(c->clock_opaque) : c->icount;
}

#endif
