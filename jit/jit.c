/* JIT dispatch, engine selection and lockstep checking; see jit.h.
 *
 * Lockstep (ACCEL_LOCKSTEP) runs every translated block in the JIT and,
 * when the block is register-only (JitCode.safe: no instruction can write
 * memory, do I/O or change modes), runs it again in the interpreter on a
 * copy of the CPU taken before the JIT ran, then compares EAX..EDI, EIP,
 * EFLAGS (materialised) and the instruction count. The first divergence
 * is printed with the block's address and the differing register, and the
 * interpreter's result is kept (it is the reference). Blocks that touch
 * memory run in the JIT only: re-running them would repeat their memory
 * side effects (a snapshot of the touched memory would be needed), which
 * is the documented limit of this mode. */
#include "jit/jit.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int jit_parse_accel(const char *name) {
  if (!strcmp(name, "interp") || !strcmp(name, "tci")) return ACCEL_INTERP;
  if (!strcmp(name, "jit")) return ACCEL_JIT;
  if (!strcmp(name, "lockstep")) return ACCEL_LOCKSTEP;
  return -1;
}

int jit_enable(Cpu *c, int accel, size_t cache_size) {
#ifndef __x86_64__
  if (accel != ACCEL_INTERP) return -1; /* the emitter writes x86-64 code only */
#endif
  if (accel != ACCEL_INTERP && !c->jit) {
    Jit *j = calloc(1, sizeof *j);
    if (!j) return -1;
    if (codecache_init(&j->cache, cache_size) != 0) {
      free(j);
      return -1;
    }
    j->threshold = JIT_DEFAULT_THRESHOLD;
    c->jit = j;
  }
  if (accel == ACCEL_LOCKSTEP && !c->jit->snap) {
    c->jit->snap = malloc(sizeof(Cpu));
    c->jit->shadow = malloc(sizeof(Cpu));
    if (!c->jit->snap || !c->jit->shadow) return -1;
  }
  c->accel = (uint8_t)accel;
  return 0;
}

void jit_free(Jit *j) {
  if (!j) return;
  codecache_free(&j->cache);
  free(j->snap);
  free(j->shadow);
  free(j);
}

static void run_code(Cpu *c, JitCode *jc) { ((void (*)(Cpu *))(void *)jc->code)(c); }

static void diverged(Cpu *c, const Block *b, const char *what, uint32_t jit, uint32_t ref) {
  Jit *j = c->jit;
  if (j->divergences++ == 0)
    fprintf(stderr,
            "holo86: jit lockstep: first divergence in the block at physical %08" PRIX32
            " (CS:EIP %04X:%08" PRIX32 " before it): %s is %08" PRIX32
            " after the JIT, %08" PRIX32 " after the interpreter\n",
            b->phys, j->snap->seg[SEG_CS].sel, j->snap->eip, what, jit, ref);
}

static void lockstep(Cpu *c, const Block *b, JitCode *jc) {
  Jit *j = c->jit;
  memcpy(j->snap, c, sizeof *c);
  run_code(c, jc); /* a fault longjmps to cpu_run: nothing to compare */
  Cpu *s = j->shadow;
  memcpy(s, j->snap, sizeof *s);
  j->lockstep_checked++;
  if (setjmp(s->fault_jmp)) {
    diverged(c, b, "fault vector (interpreter faulted, JIT did not)", 0xFFFFFFFFu,
             (uint32_t)s->pending_vector);
    return;
  }
  cpu_run_block(s, b);
  static const char *const names[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
  bool bad = false;
  for (int r = 0; r < 8 && !bad; r++)
    if (c->r[r] != s->r[r]) {
      diverged(c, b, names[r], c->r[r], s->r[r]);
      bad = true;
    }
  uint32_t fj = cpu_get_flags(c), fi = cpu_get_flags(s);
  if (!bad && c->eip != s->eip) diverged(c, b, "EIP", c->eip, s->eip), bad = true;
  if (!bad && fj != fi) diverged(c, b, "EFLAGS", fj, fi), bad = true;
  if (!bad && c->icount != s->icount)
    diverged(c, b, "icount", (uint32_t)(c->icount - j->snap->icount),
             (uint32_t)(s->icount - j->snap->icount)), bad = true;
  if (bad) {
    /* Continue from the reference state. */
    memcpy(c->r, s->r, sizeof c->r);
    c->eip = s->eip;
    c->flags = s->flags;
    c->lf = s->lf;
    c->icount = s->icount;
  }
}

bool jit_exec(Cpu *c, const Block *cb) {
  Block *b = (Block *)cb;
  Jit *j = c->jit;
  /* A posted event (the instruction after STI/MOV SS, a pending IRQ)
   * makes run_block() stop after one instruction: leave that to it. */
  if (!j || c->events) return false;
  JitCode *jc = b->jit_code;
  if (!jc) {
    if (b->jit_runs < j->threshold) {
      b->jit_runs++;
      return false;
    }
    if (b->jit_runs == UINT32_MAX || !(jc = jit_translate(c, b))) {
      b->jit_runs = UINT32_MAX; /* never try again (or b was flushed) */
      return false;
    }
  }
  if (c->accel == ACCEL_LOCKSTEP) {
    if (jc->safe) {
      lockstep(c, b, jc);
      return true;
    }
    j->lockstep_skipped++;
  }
  run_code(c, jc);
  return true;
}

void jit_print_stats(const Cpu *c) {
  const Jit *j = c->jit;
  if (!j) return;
  fprintf(stderr,
          "jit: %" PRIu64 " blocks translated (%" PRIu64 " insns inline, %" PRIu64
          " via handlers), %" PRIu64 " failed, %zu KiB code, %" PRIu64 " cache flushes\n",
          j->translated, j->inline_insns, j->handler_insns, j->failed, j->cache.used >> 10,
          j->cache.flushes);
  if (c->accel == ACCEL_LOCKSTEP)
    fprintf(stderr,
            "jit lockstep: %" PRIu64 " block runs compared, %" PRIu64
            " not comparable (touch memory), %" PRIu64 " divergences\n",
            j->lockstep_checked, j->lockstep_skipped, j->divergences);
}
