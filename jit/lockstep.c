/* Lockstep checking (-accel lockstep, --jit-check); see jit.h.
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
#include <string.h>

static void diverged(Cpu *c, const Block *b, const char *what, uint32_t jit, uint32_t ref) {
  Jit *j = c->jit;
  if (j->divergences++ == 0)
    fprintf(stderr,
            "holo86: jit lockstep: first divergence in the block at physical %08" PRIX32
            " (CS:EIP %04X:%08" PRIX32 " before it): %s is %08" PRIX32
            " after the JIT, %08" PRIX32 " after the interpreter\n",
            b->phys, j->snap->seg[SEG_CS].sel, j->snap->eip, what, jit, ref);
}

void jit_lockstep(Cpu *c, const Block *b, JitCode *jc) {
  Jit *j = c->jit;
  memcpy(j->snap, c, sizeof *c);
  jit_run_code(c, jc); /* a fault longjmps to cpu_run: nothing to compare */
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
