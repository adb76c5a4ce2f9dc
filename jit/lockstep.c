/* Lockstep checking (-accel lockstep, --jit-check); see jit.h.
 *
 * Every translated block runs from the same state as JIT code, then in the
 * interpreter (cpu_run_block, the reference). The state before the block
 * is kept so it can be put back in between:
 *
 *  - the Cpu, copied without its TLBs (1 KiB instead of 13);
 *  - the TLBs through their undo journals (mmu/tlb.h): each entry is saved
 *    before its first change. The TLB must be exact, because whether an
 *    access hits decides whether a page walk sets accessed/dirty bits;
 *  - memory through PhysMem.write_watch (mmu/physmem.h): a RAM page is
 *    copied before the first write to it. The TLB maps a page writable only
 *    once it is saved (an entry that would be writable is TLB_WPROT until
 *    then): the first store to a page takes the slow path, which saves it,
 *    the next ones the TLB's fast paths (the JIT's inline stores among
 *    them), which need no watch. So that first stores too run as they
 *    would without lockstep, a block whose first run saved pages behind
 *    TLB_WPROT entries runs in the JIT again, those entries writable, and
 *    that run is the one compared.
 *
 * After the JIT's run its registers and the pages it wrote are kept, the
 * old state is put back (a page that held code gets PG_CODE back, so the
 * interpreter's writes to it reach the block cache as the JIT's did), the
 * interpreter runs, and the two results are compared: general,
 * segment, control and x87 registers, EIP, EFLAGS, the instruction count,
 * the exception raised if any, and every page either engine wrote. A fault
 * in either run longjmps back here (cpu_fault), so faulting blocks are
 * compared too; afterwards the interpreter's fault goes on to cpu_run() to
 * be delivered. The run continues from the interpreter's state.
 *
 * A block that reached a device (a port access or MMIO, counted by IoBus
 * and PhysMem) cannot be repeated: its JIT run is kept as it is and counted
 * as not comparable; so is one that wrote the local APIC's base MSR or
 * raised FERR# (the Cpu's device hooks are wrapped during the block to
 * see that). RDTSC reads the machine's clock, which follows host time:
 * the JIT run's readings are recorded and replayed to the interpreter.
 * At the first divergence the block is listed and re-checked one prefix
 * at a time (each prefix translated on its own) to name the first
 * instruction after which the engines differ; with Jit.stop_on_divergence
 * the CPU then stops (EV_STOP). */
#include "jit/jit.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/iobus.h"
#include "mmu/paging.h"
#include "mmu/physmem.h"

/* A RAM page one of the engines wrote (or was allowed to) during the
 * block. Whole pages: a 4 KiB copy costs about what finding the few lines
 * a block changed does, if the copies are aligned as the pages are (a
 * misaligned buffer made lockstep 1.6 times slower). */
typedef struct SavedPage {
  _Alignas(64) uint8_t before[PAGE_SIZE]; /* before the block */
  _Alignas(64) uint8_t jit[PAGE_SIZE];    /* after the JIT's run */
  uint32_t page;
  bool code; /* it had PG_CODE before the first write */
} SavedPage;

/* What the watch does with a first write to a page. */
enum { IDLE, RECORD_JIT, RECORD_INTERP };

/* A TLB entry made writable for the block's runs: Cpu.tlbs[tlb].e[index]. */
typedef struct Grant {
  uint8_t tlb, index;
} Grant;
#define GRANTS_MAX 16
_Static_assert(TLB_SIZE <= 256, "Grant.index is a byte");

struct Lockstep {
  PhysMem *mem;
  Cpu snap;      /* the Cpu before the block (its TLBs: undo) */
  Cpu jit;       /* the Cpu after the JIT's run (its TLBs unused) */
  TlbUndo undo[2];
  int phase;
  SavedPage *pages;
  uint32_t n_pages, cap_pages;
  SavedPage *last;    /* the page the watch saw last */
  Grant grants[GRANTS_MAX];
  uint32_t n_grants;
  uint64_t io_accesses, mmio_accesses; /* before the block */
  uint32_t device_calls; /* through the Cpu's device hooks, in the block */
  /* The Cpu's hooks into the machine, replaced during the block. */
  uint64_t (*clock_ns)(void *opaque);
  void *clock_opaque;
  uint64_t (*apic_base_read)(void *opaque);
  bool (*apic_base_write)(void *opaque, uint64_t value);
  void *apic_opaque;
  void (*ferr)(void *opaque, bool level);
  void *ferr_opaque;
  /* What the JIT's run read from the clock. */
  uint64_t clock_log[BLOCK_MAX_INSNS];
  uint32_t n_clock, clock_pos;
};

/* Where the engines first differ. */
typedef struct Diff {
  char what[48];
  uint64_t jit, ref;
  bool memory;   /* a byte at physical addr (what is unused) */
  uint32_t addr;
  uint8_t before;
} Diff;

/* The Cpu but its TLBs, which lockstep restores through their journals. */
#define TLBS_START offsetof(Cpu, tlbs)
#define TLBS_END (offsetof(Cpu, tlbs) + sizeof(((Cpu *)0)->tlbs))

static void copy_cpu(Cpu *dst, const Cpu *src) {
  memcpy(dst, src, TLBS_START);
  memcpy((char *)dst + TLBS_END, (const char *)src + TLBS_END, sizeof(Cpu) - TLBS_END);
}

/* ------------------------------------------------------------------------
 * Recording: the watch and the clock. */

/* PhysMem.write_watch: save the page the first time it may change in the
 * block, and let the TLB map it writable from then on. */
static bool page_written(void *opaque, uint32_t page) {
  Lockstep *ls = opaque;
  if (ls->phase == IDLE) return false;
  if (ls->last && ls->last->page == page) return true;
  for (uint32_t i = 0; i < ls->n_pages; i++)
    if (ls->pages[i].page == page) {
      ls->last = &ls->pages[i];
      return true;
    }
  if (ls->n_pages == ls->cap_pages) {
    uint32_t cap = ls->cap_pages ? 2 * ls->cap_pages : 8;
    SavedPage *p = aligned_alloc(_Alignof(SavedPage), cap * sizeof *p);
    if (!p) {
      fprintf(stderr, "holo86: out of memory\n");
      exit(1);
    }
    if (ls->n_pages) memcpy(p, ls->pages, ls->n_pages * sizeof *p);
    free(ls->pages);
    ls->pages = p;
    ls->cap_pages = cap;
  }
  SavedPage *p = ls->last = &ls->pages[ls->n_pages++];
  p->page = page;
  p->code = ls->mem->pflags[page] & PG_CODE;
  memcpy(p->before, ls->mem->host[page], PAGE_SIZE);
  /* Written by the interpreter only: the JIT left it as it was. */
  if (ls->phase == RECORD_INTERP) memcpy(p->jit, p->before, PAGE_SIZE);
  return true;
}

/* Cpu.clock_ns during a block: the JIT's run reads the clock, the
 * interpreter's run gets the same values in the same order. */
static uint64_t clock_replay(void *opaque) {
  Lockstep *ls = opaque;
  if (ls->phase == RECORD_INTERP && ls->clock_pos < ls->n_clock) return ls->clock_log[ls->clock_pos++];
  uint64_t t = ls->clock_ns(ls->clock_opaque);
  if (ls->phase == RECORD_JIT && ls->n_clock < BLOCK_MAX_INSNS) ls->clock_log[ls->n_clock++] = t;
  return t;
}

/* The local APIC's base MSR and FERR# (IRQ 13) reach devices: a block
 * that used them cannot be repeated. */
static uint64_t apic_base_read(void *opaque) {
  Lockstep *ls = opaque;
  return ls->apic_base_read(ls->apic_opaque);
}

static bool apic_base_write(void *opaque, uint64_t value) {
  Lockstep *ls = opaque;
  ls->device_calls++;
  return ls->apic_base_write(ls->apic_opaque, value);
}

static void ferr(void *opaque, bool level) {
  Lockstep *ls = opaque;
  ls->device_calls++;
  ls->ferr(ls->ferr_opaque, level);
}

/* Route the Cpu's hooks that are set through the wrappers above. */
static void hook_devices(Lockstep *ls, Cpu *c) {
  ls->clock_ns = c->clock_ns;
  ls->clock_opaque = c->clock_opaque;
  ls->apic_base_read = c->apic_base_read;
  ls->apic_base_write = c->apic_base_write;
  ls->apic_opaque = c->apic_opaque;
  ls->ferr = c->fpu.ferr;
  ls->ferr_opaque = c->fpu.ferr_opaque;
  if (c->clock_ns) c->clock_ns = clock_replay, c->clock_opaque = ls;
  if (c->apic_base_read) c->apic_base_read = apic_base_read;
  if (c->apic_base_write) c->apic_base_write = apic_base_write;
  c->apic_opaque = ls;
  if (c->fpu.ferr) c->fpu.ferr = ferr, c->fpu.ferr_opaque = ls;
}

static void unhook_devices(const Lockstep *ls, Cpu *c) {
  c->clock_ns = ls->clock_ns;
  c->clock_opaque = ls->clock_opaque;
  c->apic_base_read = ls->apic_base_read;
  c->apic_base_write = ls->apic_base_write;
  c->apic_opaque = ls->apic_opaque;
  c->fpu.ferr = ls->ferr;
  c->fpu.ferr_opaque = ls->ferr_opaque;
}

Lockstep *lockstep_new(Cpu *c) {
  Lockstep *ls = calloc(1, sizeof *ls);
  if (!ls) return NULL;
  ls->mem = c->mem;
  c->mem->write_watch = page_written;
  c->mem->watch_opaque = ls;
  paging_flush_all(c); /* no TLB entry may be writable before its page is saved */
  return ls;
}

void lockstep_free(Lockstep *ls) {
  if (!ls) return;
  if (ls->mem->watch_opaque == ls) ls->mem->write_watch = NULL;
  free(ls->pages);
  free(ls);
}

/* ------------------------------------------------------------------------
 * The window around one block. */

static void open_window(Lockstep *ls, Cpu *c) {
  hook_devices(ls, c); /* before the snapshot: rewinds keep them */
  copy_cpu(&ls->snap, c);
  c->tlbs[0].undo = &ls->undo[0];
  c->tlbs[1].undo = &ls->undo[1];
  ls->n_pages = 0;
  ls->last = NULL;
  ls->n_clock = ls->clock_pos = 0;
  ls->device_calls = 0;
  ls->io_accesses = c->io->accesses;
  ls->mmio_accesses = c->mem->mmio_accesses;
  ls->n_grants = 0;
  ls->phase = RECORD_JIT;
}

/* Run b in one engine (jc: its translation; NULL: the interpreter). A
 * fault longjmps back here instead of to cpu_run(): true if it faulted. */
static bool run_caught(Cpu *c, const Block *b, JitCode *jc) {
  if (setjmp(c->fault_jmp)) return true;
  if (jc) jit_run_code(c, jc);
  else cpu_run_block(c, b);
  return false;
}

/* Did the run reach a device? Then it cannot be repeated. */
static bool reached_device(const Lockstep *ls, const Cpu *c) {
  return c->io->accesses != ls->io_accesses || c->mem->mmio_accesses != ls->mmio_accesses ||
         ls->device_calls;
}

/* Put memory, the TLBs and the Cpu back as they were before the block,
 * after the JIT's run (jit: keep the pages as it left them first) or the
 * interpreter's, with the granted entries writable. code_epoch and
 * last_block stay as the run left them: they describe the block cache,
 * which is not rewound (a write to code invalidated blocks, a flush
 * recycled them). The tracer sees the first run only. */
static void rewind_state(Lockstep *ls, Cpu *c, bool jit) {
  for (uint32_t i = 0; i < ls->n_pages; i++) {
    SavedPage *p = &ls->pages[i];
    uint8_t *host = ls->mem->host[p->page];
    if (jit) memcpy(p->jit, host, PAGE_SIZE);
    memcpy(host, p->before, PAGE_SIZE);
    if (p->code) ls->mem->pflags[p->page] |= PG_CODE;
  }
  tlb_undo_restore(&c->tlbs[0]);
  tlb_undo_restore(&c->tlbs[1]);
  for (uint32_t g = 0; g < ls->n_grants; g++) {
    Tlb *t = &c->tlbs[ls->grants[g].tlb];
    tlb_will_change(t, ls->grants[g].index);
    t->e[ls->grants[g].index].tag_write &= ~TLB_WPROT;
  }
  uint32_t epoch = c->code_epoch;
  const struct Block *last = c->last_block;
  copy_cpu(c, &ls->snap);
  c->code_epoch = epoch;
  c->last_block = last;
  c->tracer = NULL;
  ls->clock_pos = 0;
}

/* The entries the first run refilled (the journal names them) that were
 * TLB_WPROT before the block, for a page it saved: without lockstep its
 * stores would have gone through them. */
static void find_grants(Lockstep *ls) {
  for (int t = 0; t < 2; t++)
    for (unsigned w = 0; w < TLB_SIZE / 64; w++)
      for (uint64_t m = ls->undo[t].saved[w]; m; m &= m - 1) {
        unsigned i = w * 64 + (unsigned)__builtin_ctzll(m);
        const TlbEntry *old = &ls->undo[t].old[i];
        if ((old->tag_write & 0xFFF) != TLB_WPROT || ls->n_grants == GRANTS_MAX) continue;
        for (uint32_t k = 0; k < ls->n_pages; k++)
          if (ls->pages[k].page == old->ppage) {
            ls->grants[ls->n_grants++] = (Grant){(uint8_t)t, (uint8_t)i};
            break;
          }
      }
}

/* Run the translation again from the state before the block. */
static bool rerun_jit(Lockstep *ls, Cpu *c, const Block *b, JitCode *jc) {
  rewind_state(ls, c, false);
  ls->phase = RECORD_JIT;
  ls->n_clock = 0;
  return run_caught(c, b, jc);
}

/* No entry may stay writable after the block (the next one has not saved
 * its page): those the block made writable, all among the entries it
 * changed, become TLB_WPROT again. */
static void settle_tlb(Lockstep *ls, Cpu *c) {
  for (int t = 0; t < 2; t++) {
    TlbUndo *u = &ls->undo[t];
    for (unsigned w = 0; w < TLB_SIZE / 64; w++) {
      for (uint64_t m = u->saved[w]; m; m &= m - 1) {
        TlbEntry *e = &c->tlbs[t].e[w * 64 + (unsigned)__builtin_ctzll(m)];
        if (!(e->tag_write & 0xFFF)) e->tag_write |= TLB_WPROT;
      }
      u->saved[w] = 0;
    }
    c->tlbs[t].undo = NULL;
  }
}

/* Stop recording and leave c as the last run left it, with cpu_run()'s
 * fault handler back in place. */
static void close_window(Lockstep *ls, Cpu *c) {
  ls->phase = IDLE;
  settle_tlb(ls, c);
  unhook_devices(ls, c);
  c->tracer = ls->snap.tracer;
  memcpy(c->fault_jmp, ls->snap.fault_jmp, sizeof c->fault_jmp);
}

/* ------------------------------------------------------------------------
 * Comparison. */

static bool found(Diff *d, const char *what, uint64_t jit, uint64_t ref) {
  snprintf(d->what, sizeof d->what, "%s", what);
  d->jit = jit;
  d->ref = ref;
  d->memory = false;
  return true;
}

#define SAME(what, field) \
  if (a->field != r->field) return found(d, what, a->field, r->field)

static bool segments_differ(const Cpu *a, const Cpu *r, Diff *d) {
  static const char *const names[SEG_COUNT] = {"ES", "CS", "SS", "DS", "FS", "GS"};
  static const char *const fields[4] = {"selector", "base", "limit", "attributes"};
  char what[32];
  for (int i = 0; i < SEG_COUNT; i++) {
    const Segment *x = &a->seg[i], *y = &r->seg[i];
    if (x->sel == y->sel && x->base == y->base && x->limit == y->limit && x->attr == y->attr)
      continue;
    uint32_t xs[4] = {x->sel, x->base, x->limit, x->attr}, ys[4] = {y->sel, y->base, y->limit, y->attr};
    for (int f = 0; f < 4; f++)
      if (xs[f] != ys[f]) {
        snprintf(what, sizeof what, "%s %s", names[i], fields[f]);
        return found(d, what, xs[f], ys[f]);
      }
  }
  SAME("LDTR selector", ldtr.sel);
  SAME("TR selector", tr.sel);
  SAME("GDTR base", gdtr.base);
  SAME("GDTR limit", gdtr.limit);
  SAME("IDTR base", idtr.base);
  SAME("IDTR limit", idtr.limit);
  return false;
}

static bool x87_differs(const Cpu *a, const Cpu *r, Diff *d) {
  char what[32];
  for (int i = 0; i < 8; i++) {
    const F80 *x = &a->fpu.st[i], *y = &r->fpu.st[i];
    if (x->mant == y->mant && x->sign_exp == y->sign_exp) continue;
    bool mant = x->mant != y->mant;
    snprintf(what, sizeof what, "x87 R%d %s", i, mant ? "mantissa" : "sign/exponent");
    return found(d, what, mant ? x->mant : x->sign_exp, mant ? y->mant : y->sign_exp);
  }
  SAME("x87 control word", fpu.cw);
  SAME("x87 status word", fpu.sw);
  SAME("x87 tags (full)", fpu.full);
  SAME("x87 opcode", fpu.fop);
  SAME("x87 FCS", fpu.fcs);
  SAME("x87 FIP", fpu.fip);
  SAME("x87 FDS", fpu.fds);
  SAME("x87 FDP", fpu.fdp);
  return false;
}

/* a: after the JIT, r: after the interpreter; af/rf: whether they faulted. */
static bool cpu_differs(Cpu *a, Cpu *r, bool af, bool rf, Diff *d) {
  static const char *const regs[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
  if (af != rf || (af && a->pending_vector != r->pending_vector))
    return found(d, "the exception vector (FFFFFFFF: none)", af ? (uint32_t)a->pending_vector : ~0u,
                 rf ? (uint32_t)r->pending_vector : ~0u);
  if (af) SAME("the exception's error code", pending_error);
  for (int i = 0; i < 8; i++) SAME(regs[i], r[i]);
  SAME("EIP", eip);
  uint32_t fa = cpu_get_flags(a), fr = cpu_get_flags(r);
  if (fa != fr) return found(d, "EFLAGS", fa, fr);
  SAME("icount", icount);
  SAME("CPL", cpl);
  SAME("CR0", cr[0]);
  SAME("CR2", cr[2]);
  SAME("CR3", cr[3]);
  SAME("CR4", cr[4]);
  SAME("DR6", dr[6]);
  SAME("DR7", dr[7]);
  SAME("halted", halted);
  SAME("shutdown", shutdown);
  SAME("interrupt shadow", intr_shadow);
  SAME("TSC offset", tsc);
  return segments_differ(a, r, d) || x87_differs(a, r, d);
}

static bool memory_differs(const Lockstep *ls, Diff *d) {
  for (uint32_t i = 0; i < ls->n_pages; i++) {
    const SavedPage *p = &ls->pages[i];
    const uint8_t *now = ls->mem->host[p->page];
    if (!memcmp(now, p->jit, PAGE_SIZE)) continue;
    uint32_t k = 0;
    while (now[k] == p->jit[k]) k++;
    *d = (Diff){.jit = p->jit[k], .ref = now[k], .memory = true,
                .addr = (p->page << PAGE_SHIFT) | k, .before = p->before[k]};
    return true;
  }
  return false;
}

/* After the JIT's run (jf: it faulted): keep its result, rewind, run the
 * interpreter and compare. Leaves the interpreter's state; *rf says
 * whether it faulted. */
static bool interp_and_compare(Lockstep *ls, Cpu *c, const Block *b, bool jf, bool *rf, Diff *d) {
  copy_cpu(&ls->jit, c);
  rewind_state(ls, c, true);
  ls->phase = RECORD_INTERP;
  *rf = run_caught(c, b, NULL);
  return cpu_differs(&ls->jit, c, jf, *rf, d) || memory_differs(ls, d);
}

/* ------------------------------------------------------------------------
 * The report of the first divergence. */

/* A byte of the block's code as it was before the block ran. */
static uint8_t code_byte(const Lockstep *ls, const Block *b, uint32_t off) {
  uint32_t in_page = PAGE_SIZE - (b->phys & (PAGE_SIZE - 1));
  uint32_t addr = off < in_page ? b->phys + off : (b->page[1] << PAGE_SHIFT) + (off - in_page);
  for (uint32_t i = 0; i < ls->n_pages; i++)
    if (ls->pages[i].page == addr >> PAGE_SHIFT) return ls->pages[i].before[addr & (PAGE_SIZE - 1)];
  return (uint8_t)phys_read(ls->mem, addr, 1);
}

/* The block's instructions, the one at index mark pointed at. */
static void print_block(const Lockstep *ls, const Jit *j, const Block *b, int mark) {
  bool code32 = b->mode & 1;
  uint32_t eip = ls->snap.eip, off = 0;
  for (uint32_t i = 0; i < b->n; i++) {
    const Insn *in = &b->insn[i];
    uint8_t bytes[16];
    char hex[48] = "", text[160] = "";
    for (int k = 0; k < in->len; k++) {
      bytes[k] = code_byte(ls, b, off + (uint32_t)k);
      snprintf(hex + 3 * k, sizeof hex - 3 * (size_t)k, "%02X ", bytes[k]);
    }
    if (j->disasm) j->disasm(bytes, in->len, eip, code32, text, sizeof text);
    fprintf(stderr, "  %s %04X:%08" PRIX32 "  %-33s %s\n", (int)i == mark ? "->" : "  ",
            ls->snap.seg[SEG_CS].sel, eip, hex, text);
    off += in->len;
    eip = code32 ? eip + in->len : (eip + in->len) & 0xFFFF;
  }
}

/* The first instruction after which the engines differ: each prefix of b
 * is translated on its own and compared from the state before the block.
 * -1 if a prefix cannot be translated. Leaves c in some prefix's state. */
static int first_bad_insn(Lockstep *ls, Cpu *c, const Block *b) {
  size_t size = sizeof(Block) + b->n * sizeof(Insn);
  Block *t = malloc(size);
  if (!t) return -1;
  int bad = (int)b->n - 1;
  for (uint32_t k = 1; k < b->n; k++) {
    memcpy(t, b, size);
    t->n = k;
    t->bytes = 0;
    for (uint32_t i = 0; i < k; i++) t->bytes += t->insn[i].len;
    t->jit_code = NULL;
    JitCode *jc = jit_translate(c, t);
    if (!jc) {
      bad = -1;
      break;
    }
    bool jf = rerun_jit(ls, c, t, jc), rf;
    Diff d;
    if (interp_and_compare(ls, c, t, jf, &rf, &d)) {
      bad = (int)k - 1;
      break;
    }
  }
  free(t);
  return bad;
}

static void report(Lockstep *ls, Cpu *c, const Block *b, const Diff *d, int bad) {
  fprintf(stderr,
          "holo86: jit lockstep: the JIT and the interpreter differ after the block at physical "
          "%08" PRIX32 " (CS:EIP %04X:%08" PRIX32 ", %s code, %" PRIu32 " instructions):\n",
          b->phys, ls->snap.seg[SEG_CS].sel, ls->snap.eip, b->mode & 1 ? "32-bit" : "16-bit", b->n);
  print_block(ls, c->jit, b, bad);
  if (bad >= 0) fprintf(stderr, "holo86: jit lockstep: they first differ after the instruction marked ->\n");
  if (d->memory)
    fprintf(stderr,
            "holo86: jit lockstep: the byte at physical %08" PRIX32 " is %02" PRIX64
            " after the JIT, %02" PRIX64 " after the interpreter (%02X before the block)\n",
            d->addr, d->jit, d->ref, d->before);
  else
    fprintf(stderr,
            "holo86: jit lockstep: %s is %08" PRIX64 " after the JIT, %08" PRIX64
            " after the interpreter\n",
            d->what, d->jit, d->ref);
}

/* ------------------------------------------------------------------------ */

void jit_lockstep(Cpu *c, const Block *b, JitCode *jc) {
  Jit *j = c->jit;
  Lockstep *ls = j->lockstep;
  open_window(ls, c);
  bool jf = run_caught(c, b, jc), rf = jf;
  if (reached_device(ls, c)) {
    j->lockstep_skipped++;
  } else {
    j->lockstep_checked++;
    find_grants(ls);
    if (ls->n_grants) jf = rerun_jit(ls, c, b, jc);
    Diff d;
    if (interp_and_compare(ls, c, b, jf, &rf, &d) && j->divergences++ == 0) {
      /* Name the instruction, then redo the interpreter's run: the run
       * continues from the reference state. */
      int bad = b->n > 1 ? first_bad_insn(ls, c, b) : 0;
      report(ls, c, b, &d, bad);
      rewind_state(ls, c, false);
      ls->phase = RECORD_INTERP;
      rf = run_caught(c, b, NULL);
    }
    if (j->divergences && j->stop_on_divergence) c->events |= EV_STOP;
  }
  close_window(ls, c);
  if (rf) longjmp(c->fault_jmp, 1); /* cpu_run() delivers the exception */
}
