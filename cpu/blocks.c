/* Decoded-block cache; see blocks.h. Blocks live in one arena; the table
 * in front is direct-mapped. A stale or displaced block is simply
 * forgotten; when the arena fills, everything is flushed at once. */
#include "cpu/blocks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit/jit.h"
#include "mmu/linear.h"
#include "mmu/physmem.h"

#define TABLE_BITS 16
#define ARENA_SIZE (32u << 20)

struct BlockCache {
  Cpu *cpu;
  Block *table[1u << TABLE_BITS];
  uint8_t *arena;
  size_t used;
  uint32_t *gen; /* per physical page: bumped when cached code is written */
  BlockStats stats;
};

static void code_written(void *opaque, uint32_t page) {
  BlockCache *bc = opaque;
  bc->stats.code_writes++;
  bc->gen[page]++;
  bc->cpu->events |= EV_SMC;
  bc->cpu->code_epoch++;
  if (bc->cpu->jit) jit_page_written(bc->cpu, page);
}

BlockCache *blocks_new(Cpu *c) {
  BlockCache *bc = calloc(1, sizeof *bc);
  if (bc) bc->arena = malloc(ARENA_SIZE);
  if (bc) bc->gen = calloc(PHYS_PAGES, sizeof *bc->gen);
  if (!bc || !bc->arena || !bc->gen) {
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
  free(bc->gen);
  free(bc);
}

BlockStats blocks_stats(const BlockCache *bc) { return bc->stats; }

void blocks_flush(BlockCache *bc) {
  bc->stats.flushes++;
  memset(bc->table, 0, sizeof bc->table);
  bc->used = 0;
  bc->cpu->code_epoch++;
  bc->cpu->events |= EV_BLOCK; /* translated code running now must stop */
  bc->cpu->last_block = NULL;
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
  size_t need = sizeof(Block) + BLOCK_MAX_INSNS * sizeof(Insn);
  if (bc->used + need > ARENA_SIZE) blocks_flush(bc);
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
  for (int i = 0; i < 2; i++) {
    note_code_page(c, b->page[i]);
    b->gen[i] = bc->gen[b->page[i]];
  }
  bc->used += sizeof(Block) + b->n * sizeof(Insn);
  bc->used = (bc->used + 15) & ~(size_t)15;
  bc->table[slot_of(phys, b->mode)] = b;
  return b;
}

const Block *blocks_lookup(Cpu *c) {
  BlockCache *bc = c->blocks;
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
  if (b && b->phys == phys && b->mode == mode && b->gen[0] == bc->gen[b->page[0]] &&
      b->gen[1] == bc->gen[b->page[1]])
    return b;
  return NULL;
}

const Block *blocks_next(Cpu *c) {
  Block *prev = (Block *)c->last_block;
  uint32_t epoch = c->code_epoch;
  if (prev && prev->link_epoch == epoch) {
    if (prev->link_eip[0] == c->eip && prev->link[0]) return c->last_block = prev->link[0];
    if (prev->link_eip[1] == c->eip && prev->link[1]) return c->last_block = prev->link[1];
  }
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
