/* The JIT: decoded blocks (cpu/blocks.h) translated into x86-64 host code.
 *
 * The interpreter is the reference semantics. A translated block does what
 * run_block() (cpu/cpu.c) does, instruction by instruction: it records
 * insn_eip/insn_esp, advances EIP (wrapping at 64 KiB in 16-bit code),
 * calls the instruction's interpreter handler with (Cpu *, const Insn *),
 * counts it in icount and leaves for the dispatcher when c->events is set.
 * The most common register-only instructions (MOV, ADD/SUB/CMP/AND/OR/XOR,
 * INC/DEC, Jcc after a known flags producer, JMP) are emitted inline,
 * writing exactly the state their handlers write (see translate.c).
 *
 * Host state: the code keeps the Cpu pointer in RBX (callee-saved) and
 * nothing else across a handler call; all guest state lives in the Cpu.
 * A faulting handler calls cpu_fault(), which longjmps straight to
 * cpu_run()'s setjmp: the translated code's frame (one push of RBX) is
 * simply abandoned, longjmp restores RSP/RBX/RBP/R12-R15 to cpu_run()'s
 * values, and EIP/ESP come from insn_eip/insn_esp as for the interpreter.
 * Nothing in the JIT needs unwinding (no locks, no allocations in flight).
 *
 * Self-modifying code: a translation belongs to its Block (Block.jit_code).
 * When a block's page is written the block cache re-decodes a new Block
 * (with jit_code NULL) and the old translation is never reached again; a
 * write from inside a translated block posts EV_SMC, which ends the block
 * after that instruction exactly as in the interpreter. Blocks are
 * translated lazily, once they have run `threshold` times. */
#ifndef HOLO86_JIT_JIT_H
#define HOLO86_JIT_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/blocks.h"
#include "cpu/cpu.h"
#include "jit/codecache.h"

/* Cpu.accel: how blocks are executed. */
enum {
  ACCEL_INTERP = 0, /* the interpreter (run_block) */
  ACCEL_JIT,        /* translated host code */
  ACCEL_LOCKSTEP,   /* JIT, checked against the interpreter (see jit.c) */
};

#define JIT_DEFAULT_THRESHOLD 2

/* What a translation knows about itself; the host code follows it. */
typedef struct JitCode {
  uint32_t safe;     /* register-only: lockstep can re-run it in the interpreter */
  uint32_t n_inline; /* instructions emitted inline (the rest call handlers) */
  uint32_t size;     /* bytes of host code */
  uint32_t pad;
  uint8_t code[];    /* void code(Cpu *c) */
} JitCode;

typedef struct Jit {
  CodeCache cache;
  uint32_t threshold; /* runs of a block before it is translated */
  /* Statistics. */
  uint64_t translated, inline_insns, handler_insns, failed;
  uint64_t lockstep_checked, lockstep_skipped, divergences;
  /* Lockstep: the state before the block, and the interpreter's copy. */
  Cpu *snap, *shadow;
  uint8_t scratch[64 << 10]; /* code is assembled here, then committed */
} Jit;

/* Select the engine (ACCEL_*) and create the JIT's state if needed.
 * cache_size 0 means CODECACHE_DEFAULT_SIZE. Returns 0, or -1 if the
 * executable memory cannot be mapped or the host is not x86-64 (the CPU
 * stays on the interpreter). */
int jit_enable(Cpu *c, int accel, size_t cache_size);
void jit_free(struct Jit *j);
/* Parse "interp", "jit" or "lockstep"; -1 if none of them. */
int jit_parse_accel(const char *name);

/* Run block b through the JIT if it is (or now gets) translated. Returns
 * false when the caller must run it in the interpreter instead. */
bool jit_exec(Cpu *c, const Block *b);

/* Translate b into the code cache. NULL if it cannot be (the cache was
 * full: it has been reset and every Block flushed; or the block is too
 * big for the scratch buffer). */
JitCode *jit_translate(Cpu *c, Block *b);

/* Run a translated block. */
static inline void jit_run_code(Cpu *c, JitCode *jc) { ((void (*)(Cpu *))(void *)jc->code)(c); }

/* Run b's translation jc, then check it against the interpreter (lockstep.c). */
void jit_lockstep(Cpu *c, const Block *b, JitCode *jc);

/* Print the statistics to stderr. */
void jit_print_stats(const Cpu *c);

#endif
