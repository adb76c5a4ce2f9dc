/* The JIT: decoded blocks (cpu/blocks.h) translated into x86-64 host code.
 *
 * The interpreter is the reference semantics. A translated block does what
 * run_block() (cpu/cpu.c) does, instruction by instruction: it records
 * insn_eip/insn_esp, advances EIP (wrapping at 64 KiB in 16-bit code),
 * calls the instruction's interpreter handler with (Cpu *, const Insn *),
 * counts it in icount and leaves for the dispatcher when c->events is set.
 * The common instructions are emitted inline instead, register forms
 * directly and memory forms through an inline segment and soft-TLB fast
 * path with the handler as the slow path, writing exactly the state their
 * handlers write (see translate.c).
 *
 * Host state: the code keeps the Cpu pointer in RBX (callee-saved) and
 * nothing else across a handler call; all guest state lives in the Cpu.
 * A faulting handler calls cpu_fault(), which longjmps straight to
 * cpu_run()'s setjmp: the translated code's frame (one push of RBX) is
 * simply abandoned, longjmp restores RSP/RBX/RBP/R12-R15 to cpu_run()'s
 * values, and EIP/ESP come from insn_eip/insn_esp as for the interpreter.
 * Nothing in the JIT needs unwinding (no locks, no allocations in flight).
 *
 * Block chaining (32-bit code): a path out of a block whose next EIP is a
 * fixed distance from the block's start on the same page (a Jcc taken or
 * not, JMP/CALL rel, falling through) ends in an exit slot:
 *
 *   cmp  dword [rbx+events], 0 ; jne exit      ; interrupts, mode changes...
 *   mov  rax, [rbx+icount] ; cmp rax, [rbx+icount_stop] ; jae exit
 *   slot: jmp rel32                      ; unlinked: to the next instruction
 *         lea rax, [rip+slot] ; jmp ret  ; return the slot to the dispatcher
 *         dd  physical page              ; (data, never executed)
 *
 * The dispatcher (jit_exec) patches the rel32 to the body of the block that
 * ran next, if it is on the same physical page, so hot paths run block to
 * block without leaving host code; cpu_run() sets icount_stop to its
 * instruction budget, or to 0 (never chain) while a tracer, a debugger or
 * lockstep needs every block to come back. Other exits (RET, JMP r/m,
 * targets on other pages) look the next EIP up in a jump cache (JitJump)
 * inline and, on a miss, call jit_lookup(), which finds a translated block
 * through the TLB and the block table, fills the jump cache and returns
 * the block's body, or NULL to go back to the dispatcher. Links are recorded per physical page;
 * a write to code on a page (jit_page_written) unlinks every slot of the
 * page, and a full code cache (jit_flush) forgets them all.
 *
 * Self-modifying code: a translation belongs to its Block (Block.jit_code).
 * A write that overlaps a block's bytes invalidates exactly the blocks it
 * overlaps (cpu/blocks.h); the block cache re-decodes a new Block (with
 * jit_code NULL) and the old translation is never reached again: the
 * write bumps code_epoch (the jump cache) and unlinks every slot on the
 * page (surviving blocks there are linked again as they run). Writes that
 * miss every block's bytes change nothing. A write into code from inside a
 * translated block posts EV_SMC, which ends the block after that
 * instruction exactly as in the interpreter. Blocks are translated lazily,
 * once they have run `threshold` times. */
#ifndef HOLO86_JIT_JIT_H
#define HOLO86_JIT_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/blocks.h"
#include "cpu/cpu.h"
#include "jit/codecache.h"

/* Cpu.accel: how blocks are executed. */
enum {
  ACCEL_INTERP = 0, /* the interpreter (run_block) */
  ACCEL_JIT,        /* translated host code */
  ACCEL_LOCKSTEP,   /* JIT, checked against the interpreter (lockstep.c) */
};

#define JIT_DEFAULT_THRESHOLD 2

/* What a translation knows about itself; the host code follows it. */
typedef struct JitCode {
  uint32_t n_inline; /* instructions emitted inline (the rest call handlers) */
  uint32_t size;     /* bytes of host code */
  uint32_t body;     /* offset in code of the body (after the prologue): chained
                        jumps enter there, with RBX = Cpu and RBX pushed */
  uint8_t code[];    /* const uint8_t *code(Cpu *c): returns an exit slot or NULL */
} JitCode;

/* The exit slot: E9 rel32 | 48 8D 05 disp32 | E9 rel32 | page. */
enum { JIT_SLOT_REL = 1, JIT_SLOT_PAGE = 17, JIT_SLOT_SIZE = 21 };

/* The jump cache in front of jit_lookup(): translated code reads it inline.
 * An entry holds for the code_epoch it was made in (any change to what
 * linear code addresses mean bumps the epoch). */
typedef struct JitJump {
  uint32_t lin;   /* CS.base + EIP */
  uint32_t epoch; /* code_epoch when it was filled */
  const uint8_t *body;
} JitJump;
#define JIT_JUMP_BITS 12

/* A linked slot, on its page's list (for unlinking). */
typedef struct JitLink {
  uint8_t *slot;
  uint32_t next; /* index + 1 of the next link on the page, 0 ends */
} JitLink;

typedef struct Jit {
  CodeCache cache;
  uint32_t threshold; /* runs of a block before it is translated */
  /* Statistics. */
  uint64_t translated, inline_insns, handler_insns, failed;
  uint64_t lockstep_checked, lockstep_skipped, divergences;
  uint64_t linked, unlinked, lookups, lookup_misses;
  /* --stats: code translated while `counting` counts, at run time, its
   * handler calls per opcode (Insn.op) and its inline memory accesses that
   * hit the soft TLB or took the slow path. */
  bool counting;
  uint64_t helper_calls[0x400];
  Handler helper_fn[0x400];
  uint64_t mem_fast, mem_slow;
  /* The slot the last block left through, and the state it left: it is
   * linked to the next block only if nothing else ran or changed since. */
  const uint8_t *exit_slot;
  uint64_t exit_icount;
  uint32_t exit_eip, exit_epoch;
  /* Links, and per physical page the index + 1 of its first link. */
  JitLink *links;
  uint32_t n_links, cap_links;
  uint32_t *page_links;
  JitJump jump[1u << JIT_JUMP_BITS];
  FILE *perf_map; /* --perf-map: "address size name" per translation */
  /* Lockstep (lockstep.c): its state; whether the first divergence stops
   * the CPU (--jit-check); the frontend's disassembler for the report, if
   * any (capstone is not linked into the core): the text of the
   * instruction in bytes[0..len) at eip, false if it has none. */
  struct Lockstep *lockstep;
  bool stop_on_divergence;
  bool (*disasm)(const uint8_t *bytes, int len, uint32_t eip, bool code32, char *out, size_t size);
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

/* The jump cache entry for a linear address. */
static inline uint32_t jit_jump_index(uint32_t lin) {
  return (lin ^ (lin >> JIT_JUMP_BITS)) & ((1u << JIT_JUMP_BITS) - 1);
}

/* Run a translated block (and whatever it chains to); returns the exit slot
 * it left through, or NULL. */
static inline const uint8_t *jit_run_code(Cpu *c, JitCode *jc) {
  return ((const uint8_t *(*)(Cpu *))(void *)jc->code)(c);
}

/* For translated code: the body of the translated block at CS:EIP if there
 * is one, else NULL. Never faults. */
const uint8_t *jit_lookup(Cpu *c);

/* Code on physical page `page` was written (blocks on it were
 * invalidated): unlink every slot on it. */
void jit_page_written(Cpu *c, uint32_t page);

/* Empty the code cache, forget every link and flush the block cache (which
 * owns the pointers into the code cache). */
void jit_flush(Cpu *c);

/* Run b's translation jc, then check it against the interpreter (lockstep.c). */
void jit_lockstep(Cpu *c, const Block *b, JitCode *jc);
/* Lockstep's state, for c's memory (it installs PhysMem.write_watch). NULL
 * if out of memory. */
typedef struct Lockstep Lockstep;
Lockstep *lockstep_new(Cpu *c);
void lockstep_free(Lockstep *ls);

/* Name every translation from now on in /tmp/perf-PID.map, where perf(1)
 * looks for symbols of JIT code: guest_LLLLLLLL, its linear address.
 * Returns 0 or -1. */
int jit_open_perf_map(Jit *j);

/* Print the statistics to stderr. */
void jit_print_stats(const Cpu *c);

#endif
