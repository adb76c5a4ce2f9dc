/* JIT dispatch, engine selection and statistics; see jit.h. Lockstep
 * checking is in lockstep.c. */
#include "jit/jit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmu/physmem.h"
#include "mmu/tlb.h"

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
    j->page_links = calloc(PHYS_PAGES, sizeof *j->page_links);
    if (!j->page_links) {
      jit_free(j);
      return -1;
    }
    c->jit = j;
  }
  if (accel == ACCEL_LOCKSTEP && !c->jit->lockstep && !(c->jit->lockstep = lockstep_new(c)))
    return -1;
  c->accel = (uint8_t)accel;
  return 0;
}

int jit_open_perf_map(Jit *j) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
  j->perf_map = fopen(path, "w");
  return j->perf_map ? 0 : -1;
}

void jit_free(Jit *j) {
  if (!j) return;
  if (j->perf_map) fclose(j->perf_map);
  codecache_free(&j->cache);
  free(j->links);
  free(j->page_links);
  lockstep_free(j->lockstep);
  free(j);
}

void jit_flush(Cpu *c) {
  Jit *j = c->jit;
  codecache_reset(&j->cache);
  j->n_links = 0;
  memset(j->page_links, 0, PHYS_PAGES * sizeof *j->page_links);
  j->exit_slot = NULL;
  memset(j->jump, 0, sizeof j->jump);
  blocks_flush(c->blocks);
}

/* Point a slot's jmp at `to` (a block's body, or the slot's own next
 * instruction to unlink it). */
static void patch_slot(Jit *j, const uint8_t *slot, const uint8_t *to) {
  int32_t rel = (int32_t)(to - (slot + JIT_SLOT_REL + 4));
  codecache_patch(&j->cache, (uint8_t *)slot + JIT_SLOT_REL, &rel, sizeof rel);
}

/* Link the slot the previous block left through to jc, which runs b, if
 * that is where the slot leads whenever it is taken: nothing ran or
 * changed since it was taken, and b lies wholly on the slot's page (the
 * slot's target is a fixed distance from its own block's start, and
 * writes to the page unlink every slot on it). */
static void link_exit(Cpu *c, Jit *j, const Block *b, const JitCode *jc) {
  const uint8_t *slot = j->exit_slot;
  j->exit_slot = NULL;
  if (!slot || c->icount != j->exit_icount || c->eip != j->exit_eip ||
      c->code_epoch != j->exit_epoch)
    return;
  uint32_t page;
  memcpy(&page, slot + JIT_SLOT_PAGE, sizeof page);
  if (b->page[0] != page || b->page[1] != page) return;
  if (j->n_links == j->cap_links) {
    uint32_t cap = j->cap_links ? 2 * j->cap_links : 4096;
    JitLink *links = realloc(j->links, cap * sizeof *links);
    if (!links) return;
    j->links = links;
    j->cap_links = cap;
  }
  patch_slot(j, slot, jc->code + jc->body);
  j->links[j->n_links] = (JitLink){(uint8_t *)slot, j->page_links[page]};
  j->page_links[page] = ++j->n_links;
  j->linked++;
}

void jit_page_written(Cpu *c, uint32_t page) {
  Jit *j = c->jit;
  for (uint32_t i = j->page_links[page]; i; i = j->links[i - 1].next) {
    const uint8_t *slot = j->links[i - 1].slot;
    patch_slot(j, slot, slot + JIT_SLOT_REL + 4);
    j->unlinked++;
  }
  j->page_links[page] = 0;
}

const uint8_t *jit_lookup(Cpu *c) {
  Jit *j = c->jit;
  j->lookups++;
  if (!c->halted) {
    uint32_t lin = c->seg[SEG_CS].base + c->eip;
    const TlbEntry *e = &c->tlb->e[(lin >> 12) & (TLB_SIZE - 1)];
    if (e->tag_read == (lin & ~0xFFFu)) {
      const Block *b = blocks_find(c, (e->ppage << PAGE_SHIFT) | (lin & 0xFFF));
      if (b && b->jit_code) {
        const JitCode *jc = b->jit_code;
        c->last_block = b;
        j->jump[jit_jump_index(lin)] = (JitJump){lin, c->code_epoch, jc->code + jc->body};
        return jc->code + jc->body;
      }
    }
  }
  j->lookup_misses++;
  return NULL;
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
    jit_lockstep(c, b, jc);
    return true;
  }
  link_exit(c, j, b, jc);
  j->exit_slot = jit_run_code(c, jc);
  j->exit_icount = c->icount;
  j->exit_eip = c->eip;
  j->exit_epoch = c->code_epoch;
  return true;
}

/* The name opcodes.def gives a handler. */
static const char *handler_name(Handler fn) {
  static const struct {
    Handler fn;
    const char *name;
  } names[] = {
#define OP(opcode, sel, shape, imm, handler, aux) {handler, #handler},
#include "cpu/opcodes.def"
#undef OP
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].fn == fn) return names[i].name;
  return "?";
}

/* The opcodes whose handlers translated code called most. */
static void print_helper_calls(const Jit *j) {
  enum { TOP = 12 };
  int top[TOP], n = 0;
  uint64_t total = 0;
  for (int op = 0; op < 0x400; op++) {
    total += j->helper_calls[op];
    if (!j->helper_calls[op]) continue;
    int k;
    if (n < TOP) k = n++;
    else if (j->helper_calls[top[TOP - 1]] >= j->helper_calls[op]) continue;
    else k = TOP - 1;
    while (k > 0 && j->helper_calls[top[k - 1]] < j->helper_calls[op]) top[k] = top[k - 1], k--;
    top[k] = op;
  }
  fprintf(stderr, "jit: %" PRIu64 " handler calls from translated code; most called:", total);
  for (int i = 0; i < n; i++)
    fprintf(stderr, "%s %s%02X %s %" PRIu64, i ? "," : "", top[i] >= 0x100 ? "0F " : "",
            top[i] & 0xFF, handler_name(j->helper_fn[top[i]]), j->helper_calls[top[i]]);
  fprintf(stderr, "\n");
  uint64_t mem = j->mem_fast + j->mem_slow;
  fprintf(stderr,
          "jit: %" PRIu64 " memory accesses through the inline soft-TLB path, %.2f%% hit (%" PRIu64
          " took the slow path)\n",
          mem, mem ? 100.0 * (double)j->mem_fast / (double)mem : 0.0, j->mem_slow);
}

void jit_print_stats(const Cpu *c) {
  const Jit *j = c->jit;
  if (!j) return;
  fprintf(stderr,
          "jit: %" PRIu64 " blocks translated (%" PRIu64 " insns inline, %" PRIu64
          " via handlers), %" PRIu64 " failed, %zu KiB code, %" PRIu64 " cache flushes\n",
          j->translated, j->inline_insns, j->handler_insns, j->failed, j->cache.used >> 10,
          j->cache.flushes);
  fprintf(stderr,
          "jit: %" PRIu64 " jumps chained, %" PRIu64 " unlinked by code writes; %" PRIu64
          " indirect lookups, %" PRIu64 " missed\n",
          j->linked, j->unlinked, j->lookups, j->lookup_misses);
  if (j->counting) print_helper_calls(j);
  if (c->accel == ACCEL_LOCKSTEP)
    fprintf(stderr,
            "jit lockstep: %" PRIu64 " block runs compared, %" PRIu64
            " not comparable (reached a device), %" PRIu64 " divergences\n",
            j->lockstep_checked, j->lockstep_skipped, j->divergences);
}
