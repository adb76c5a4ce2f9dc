/* The x87 FPU (and the MMX registers that alias it) as part of the CPU's
 * architectural state. The arithmetic itself is the portable soft-float core
 * in float80.h; this is the register stack, tags, control/status words and
 * the last-instruction/operand pointers the instructions maintain. */
#ifndef HOLO86_CPU_FPU_X87_H
#define HOLO86_CPU_FPU_X87_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/fpu/float80.h"

/* FSW bits beyond the exceptions and condition codes of float80.h. */
enum {
  X87_SW_SF = 0x0040,   /* stack fault (with IE; C1 = 1 overflow, 0 underflow) */
  X87_SW_ES = 0x0080,   /* error summary: an unmasked exception is pending */
  X87_SW_TOP_SHIFT = 11,
  X87_SW_TOP = 0x3800,
  X87_SW_B = 0x8000,    /* busy: mirrors ES */
};

/* Tags as FSTENV/FSAVE report them. */
enum { X87_TAG_VALID = 0, X87_TAG_ZERO = 1, X87_TAG_SPECIAL = 2, X87_TAG_EMPTY = 3 };

typedef struct X87 {
  F80 st[8];      /* physical registers R0..R7; ST(i) is R[(TOP + i) & 7] */
  uint8_t full;   /* bit n set: R[n] is not empty (the abridged tag word) */
  uint16_t cw;    /* control word */
  uint16_t sw;    /* status word, TOP in bits 11-13 */
  uint16_t fop;   /* last non-control instruction's opcode (11 bits) */
  uint16_t fcs, fds;
  uint32_t fip, fdp; /* offsets (real mode: as the instruction used them) */
  /* FERR# output for CR0.NE = 0 (PC: IRQ 13). NULL: not wired. */
  void (*ferr)(void *opaque, bool level);
  void *ferr_opaque;
  bool ferr_level;
} X87;

struct Cpu;
struct Insn;
/* Execute an x87 escape (D8-DF) once fpu_escape has done the #NM checks. */
void x87_exec(struct Cpu *c, const struct Insn *in);
/* FNINIT state (the CPU's reset calls it; the FERR# wiring survives). */
void x87_reset(struct Cpu *c);
/* Is an unmasked x87 exception pending (for WAIT/FWAIT and MMX)? Raises #MF
 * (CR0.NE = 1) or drives FERR# (CR0.NE = 0); returns false when the
 * instruction must be retried after the FERR# interrupt. */
bool x87_check_pending(struct Cpu *c);

#endif
