/* Decoded-block cache; see blocks.h. Blocks live in one arena; the table
 * in front is direct-mapped. A displaced block stays in the arena and on
 * its pages' lists (chained JIT code or links may still reach it), so its
 * code stays watched; an invalid one is simply never found. When the arena
 * fills, everything is flushed at once. */
#include "cpu/blocks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit/jit.h"
#include "mmu/linear.h"
#include "mmu/physmem.h"

#define TABLE_BITS 16
#define ARENA_SIZE (32u << 20)

/* A page's code map has one bit per 64-byte granule, 64 per 4 KiB page: a
 * single uint64_t, so testing a write costs one AND. Blocks are mostly
 * 10-60 bytes, so a block covers one or two granules, and data that shares
 * a granule with code (rare outside hand-written real-mode programs) only
 * costs a walk of the page's list: the overlap test there is exact. */
#define GRANULE_SHIFT 6
_Static_assert(PAGE_SIZE >> GRANULE_SHIFT == 64, "one code-map bit per granule");

/* Per physical page: the blocks with bytes on it and their granules. */
typedef struct CodePage {
  uint64_t map;
  Block *blocks; /* linked through Block.next[] */
} CodePage;

struct BlockCache {
  Cpu *cpu;
  Block *table[1u << TABLE_BITS];
  uint8_t *arena;
  size_t used;
  /* Per physical page; calloc'd, so only pages that ever held code use
   * host memory. */
  CodePage *pages;
  /* Blocks whose code was written since the last lookup, and a block a
   * flush caught about to run: writes to their bytes still post EV_SMC.
   * Lockstep (jit/lockstep.c) re-runs in the interpreter a block that its
   * JIT run saw invalidate code, and jit_translate()'s caller may still
   * interpret a block a full code cache flushed: both must stop after the
   * same instruction as a first run would. */
  Block *written;
  BlockStats stats;
};

/* The granules of [off, off + n) of a page, n >= 1. */
static uint64_t granules(uint32_t off, uint32_t n) {
  uint32_t first = off >> GRANULE_SHIFT, last = (off + n - 1) >> GRANULE_SHIFT;
  return ((2ull << last) - 1) & ~((1ull << first) - 1); /* 2 << 63 wraps to 0 */
}

/* The bytes of b on its page i: their length, and their offset in *off.
 * Only a block whose first instruction crosses into the next linear page
 * has bytes on page[1], from its start; page[1] may even be page[0] again
 * (two linear pages mapped to one physical page). */
static uint32_t span(const Block *b, int i, uint32_t *off) {
  uint32_t start = b->phys & (PAGE_SIZE - 1);
  uint32_t first = b->bytes < PAGE_SIZE - start ? b->bytes : PAGE_SIZE - start;
  *off = i ? 0 : start;
  return i ? b->bytes - first : first;
}

/* Does b have bytes in [off, off + n) of page? */
static bool overlaps(const Block *b, uint32_t page, uint32_t off, uint32_t n) {
  for (int i = 0; i < 2; i++) {
    uint32_t at, len = span(b, i, &at);
    if (b->page[i] == page && len && at < off + n && off < at + len) return true;
  }
  return false;
}

static uint64_t block_granules(const Block *b, uint32_t page) {
  uint64_t g = 0;
  for (int i = 0; i < 2; i++) {
    uint32_t at, len = span(b, i, &at);
    if (b->page[i] == page && len) g |= granules(at, len);
  }
  return g;
}

/* The link to the block after b on page's list. */
static Block **next_on(Block *b, uint32_t page) { return &b->next[b->page[0] == page ? 0 : 1]; }

/* Put b on the lists of its pages. */
static void list_block(BlockCache *bc, Block *b) {
  int pages = b->page[1] != b->page[0] ? 2 : 1;
  for (int i = 0; i < pages; i++) {
    CodePage *p = &bc->pages[b->page[i]];
    b->next[i] = p->blocks;
    p->blocks = b;
    p->map |= block_granules(b, b->page[i]);
  }
}

/* Recompute page's map from the blocks on its list. */
static void remap(BlockCache *bc, uint32_t page) {
  CodePage *p = &bc->pages[page];
  p->map = 0;
  for (Block *b = p->blocks; b; b = *next_on(b, page)) p->map |= block_granules(b, page);
}

/* b's code was written: it is never found again and leaves the lists of
 * its pages (the caller has taken it off the list of `page`). */
static void invalidate(BlockCache *bc, Block *b, uint32_t page) {
  b->invalid = true;
  b->next_written = bc->written;
  bc->written = b;
  uint32_t other = b->page[0] == page ? b->page[1] : b->page[0];
  if (other == page) return;
  for (Block **link = &bc->pages[other].blocks; *link; link = next_on(*link, other))
    if (*link == b) {
      *link = *next_on(b, other);
      break;
    }
  remap(bc, other);
}

/* Invalidate the blocks with bytes in [off, off + n) of page; true if
 * there were any. */
static bool invalidate_range(BlockCache *bc, uint32_t page, uint32_t off, uint32_t n) {
  bool hit = false;
  for (Block **link = &bc->pages[page].blocks, *b; (b = *link);) {
    if (!overlaps(b, page, off, n)) {
      link = next_on(b, page);
      continue;
    }
    *link = *next_on(b, page);
    invalidate(bc, b, page);
    hit = true;
  }
  if (hit) remap(bc, page);
  return hit;
}

/* Does a block on the written list have bytes in [off, off + n) of page? */
static bool written_overlaps(const BlockCache *bc, uint32_t page, uint32_t off, uint32_t n) {
  for (const Block *b = bc->written; b; b = b->next_written)
    if (overlaps(b, page, off, n)) return true;
  return false;
}

/* Does a block on the written list have bytes on page? */
static bool written_on(const BlockCache *bc, uint32_t page) {
  return written_overlaps(bc, page, 0, PAGE_SIZE);
}

/* PhysMem.code_written: [addr, addr + n) of a PG_CODE page is about to be
 * written. */
static void code_written(void *opaque, uint32_t addr, uint32_t n) {
  BlockCache *bc = opaque;
  Cpu *c = bc->cpu;
  uint32_t page = addr >> PAGE_SHIFT, off = addr & (PAGE_SIZE - 1);
  CodePage *p = &bc->pages[page];
  bool hit = (p->map & granules(off, n)) && invalidate_range(bc, page, off, n);
  if (hit) {
    bc->stats.code_writes++;
    c->code_epoch++; /* links and the jump cache may lead to the blocks */
    if (c->jit) jit_page_written(c, page);
  }
  if (written_overlaps(bc, page, off, n)) c->events |= EV_SMC;
  /* A page without blocks may be mapped writable again; but not while a
   * block on the written list has bytes there, since its re-run must see
   * its writes to them. */
  if (!p->blocks && (hit || !written_on(bc, page))) c->mem->pflags[page] &= (uint8_t)~PG_CODE;
}

BlockCache *blocks_new(Cpu *c) {
  BlockCache *bc = calloc(1, sizeof *bc);
  if (bc) bc->arena = malloc(ARENA_SIZE);
  if (bc) bc->pages = calloc(PHYS_PAGES, sizeof *bc->pages);
  if (!bc || !bc->arena || !bc->pages) {
    fprintf(stderr, "holo86: out of memory\n");
    exit(1);
  }
  bc->cpu = c;
  c->mem->code_written = code_written;
  c->mem->code_opaque = bc;
  return bc;
}

void blocks_free(BlockCache *bc) {
  if (!bc) return;
  free(bc->arena);
  free(bc->pages);
  free(bc);
}

BlockStats blocks_stats(const BlockCache *bc) { return bc->stats; }

/* The arena space of a block of n instructions. */
static size_t block_size(uint32_t n) {
  return (sizeof(Block) + n * sizeof(Insn) + 15) & ~(size_t)15;
}

void blocks_flush(BlockCache *bc) {
  Cpu *c = bc->cpu;
  bc->stats.flushes++;
  /* Empty the pages the blocks were on. They stay PG_CODE until their next
   * write finds them empty. */
  for (size_t at = 0; at < bc->used;) {
    const Block *b = (const Block *)(bc->arena + at);
    bc->pages[b->page[0]] = bc->pages[b->page[1]] = (CodePage){0, NULL};
    at += block_size(b->n);
  }
  memset(bc->table, 0, sizeof bc->table);
  bc->used = 0;
  /* The block about to run may still be run (jit_exec() interprets the
   * block whose translation filled the code cache): its bytes stay intact
   * until the next block is built, and writes to them must still stop it. */
  bc->written = (Block *)c->last_block;
  if (bc->written) bc->written->next_written = NULL;
  c->code_epoch++;
  c->events |= EV_BLOCK; /* translated code running now must stop */
  c->last_block = NULL;
}

static uint32_t block_mode(const Cpu *c) { return c->code32; }

static unsigned slot_of(uint32_t phys, uint32_t mode) {
  return (phys ^ (phys >> TABLE_BITS) ^ mode) & ((1u << TABLE_BITS) - 1);
}

static void note_code_page(Cpu *c, uint32_t page) {
  if (!(c->mem->pflags[page] & PG_CODE)) {
    phys_mark_code(c->mem, page);
    tlb_protect_page(&c->tlbs[0], page);
    tlb_protect_page(&c->tlbs[1], page);
  }
}

/* Decode a new block at CS:EIP whose first byte is at phys. */
static Block *build(Cpu *c, BlockCache *bc, uint32_t phys) {
  if (bc->used + block_size(BLOCK_MAX_INSNS) > ARENA_SIZE) {
    blocks_flush(bc);
    bc->written = NULL; /* the block built next runs instead */
  }
  Block *b = (Block *)(bc->arena + bc->used);
  const Segment *cs = &c->seg[SEG_CS];
  uint32_t eip = c->eip;
  if (eip > cs->limit) cpu_fault(c, EXC_GP, 0);

  /* The bytes this block may use: to the end of the page and the CS limit.
   * Only the first instruction may continue on the next page. */
  uint8_t buf[PAGE_SIZE + 16];
  uint32_t in_page = PAGE_SIZE - (phys & (PAGE_SIZE - 1));
  uint64_t in_limit = (uint64_t)cs->limit - eip + 1;
  uint32_t avail = in_limit < in_page ? (uint32_t)in_limit : in_page;
  phys_read_buf(c->mem, phys, buf, avail);

  bc->stats.decoded++;
  b->phys = phys;
  b->mode = block_mode(c);
  b->link_epoch = c->code_epoch - 1; /* no links yet */
  b->jit_code = NULL;
  b->jit_runs = 0;
  b->page[0] = b->page[1] = phys >> PAGE_SHIFT;
  b->n = 0;
  uint32_t pos = 0;
  while (b->n < BLOCK_MAX_INSNS) {
    Insn *in = &b->insn[b->n];
    int r = decode(in, buf + pos, (int)(avail - pos), c->code32);
    if (r == DECODE_MORE && b->n == 0 && avail == in_page && in_limit > in_page) {
      /* The first instruction crosses into the next page. */
      uint32_t more = in_limit - in_page < 15 ? (uint32_t)(in_limit - in_page) : 15;
      uint32_t next = lin_fetch_phys(c, cs->base + eip + in_page);
      phys_read_buf(c->mem, next, buf + avail, more);
      avail += more;
      b->page[1] = next >> PAGE_SHIFT;
      r = decode(in, buf, (int)avail, c->code32);
    }
    if (r != DECODE_OK) {
      if (b->n == 0) cpu_fault(c, EXC_GP, 0);
      break;
    }
    pos += in->len;
    b->n++;
    if ((in->dflags & D_END) || pos >= avail || b->page[1] != b->page[0]) break;
  }
  b->bytes = pos;
  b->invalid = false;
  note_code_page(c, b->page[0]);
  note_code_page(c, b->page[1]);
  list_block(bc, b);
  bc->used += block_size(b->n);
  bc->table[slot_of(phys, b->mode)] = b;
  return b;
}

const Block *blocks_lookup(Cpu *c) {
  BlockCache *bc = c->blocks;
  bc->written = NULL;
  /* A fetch fault (#PF, #GP) belongs to the instruction at CS:EIP. */
  c->insn_eip = c->eip;
  c->insn_esp = c->r[ESP];
  uint32_t lin = c->seg[SEG_CS].base + c->eip;
  TlbEntry *e = &c->tlb->e[(lin >> 12) & (TLB_SIZE - 1)];
  uint32_t phys = e->tag_read == (lin & ~0xFFFu)
                      ? (e->ppage << PAGE_SHIFT) | (lin & 0xFFF)
                      : lin_fetch_phys(c, lin);
  const Block *b = blocks_find(c, phys);
  return b ? b : build(c, bc, phys);
}

const Block *blocks_find(Cpu *c, uint32_t phys) {
  BlockCache *bc = c->blocks;
  uint32_t mode = block_mode(c);
  Block *b = bc->table[slot_of(phys, mode)];
  return b && !b->invalid && b->phys == phys && b->mode == mode ? b : NULL;
}

const Block *blocks_next_lookup(Cpu *c) {
  Block *prev = (Block *)c->last_block;
  uint32_t epoch = c->code_epoch;
  const Block *b = blocks_lookup(c);
  /* Link only if nothing was flushed or remapped meanwhile (prev may even
   * be gone if the arena was recycled). */
  if (prev && c->code_epoch == epoch) {
    if (prev->link_epoch != epoch) {
      prev->link_epoch = epoch;
      prev->link[0] = prev->link[1] = NULL;
    }
    int slot = prev->link[0] ? 1 : 0;
    prev->link_eip[slot] = c->eip;
    prev->link[slot] = b;
  }
  return c->last_block = b;
}
