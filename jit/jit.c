/* JIT dispatch, engine selection and statistics; see jit.h. Lockstep
 * checking is in lockstep.c. */
#include "jit/jit.h"

#include <inttypes.h>
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
      jit_lockstep(c, b, jc);
      return true;
    }
    j->lockstep_skipped++;
  }
  jit_run_code(c, jc);
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
