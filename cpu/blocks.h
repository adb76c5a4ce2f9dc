/* The decoded-block cache. A block is a run of decoded instructions that
 * starts at one physical address and ends at a control transfer, a
 * mode-changing instruction, the end of the page or a size cap. Blocks are
 * keyed by physical address plus the CPU mode the decoding depends on. The
 * JIT translates the same blocks.
 *
 * Self-modifying code: every physical page with blocks on it is PG_CODE
 * (mmu/physmem.h), so each write to it reaches code_written() with its
 * physical range, whether a CPU store, DMA or a debugger made it. The page
 * keeps a bitmap of the 64-byte granules its blocks' bytes cover, and a
 * list of those blocks. A write that misses the granules changes nothing;
 * one that hits them invalidates exactly the blocks whose bytes it
 * overlaps (never found again: re-decoded on their next run) and posts
 * EV_SMC, so a block that wrote into its own code stops after that
 * instruction. The page stays PG_CODE while any block on it survives. */
#ifndef HOLO86_BLOCKS_H
#define HOLO86_BLOCKS_H

#include "cpu/decode.h"

#define BLOCK_MAX_INSNS 64

typedef struct Block {
  uint32_t phys;       /* physical address of the first byte */
  uint32_t mode;       /* block_mode() at decode time */
  uint32_t page[2];    /* physical pages the bytes came from */
  uint32_t n;          /* instructions */
  uint32_t bytes;      /* their total length */
  bool invalid;        /* its code was written since it was decoded */
  /* The next block on the list of page[i] (page[1]: only when it differs),
   * and on the list of blocks written since the last lookup (blocks.c). */
  struct Block *next[2];
  struct Block *next_written;
  /* The blocks that followed this one last (taken and not taken), valid
   * while the CPU's code_epoch equals link_epoch. */
  uint32_t link_epoch;
  uint32_t link_eip[2];
  const struct Block *link[2];
  /* The JIT's translation (a JitCode, jit/jit.h) or NULL, and how often the
   * block ran untranslated; both reset when the block is built. */
  void *jit_code;
  uint32_t jit_runs;
  Insn insn[];
} Block;

typedef struct BlockCache BlockCache;

BlockCache *blocks_new(Cpu *c);
void blocks_free(BlockCache *bc);
void blocks_flush(BlockCache *bc);
/* Counts since blocks_new (--stats). */
typedef struct BlockStats {
  uint64_t decoded;     /* blocks decoded */
  uint64_t code_writes; /* writes that invalidated cached blocks (SMC, DMA) */
  uint64_t flushes;     /* whole-cache flushes (full arena, PAM, paging mode) */
} BlockStats;
BlockStats blocks_stats(const BlockCache *bc);
/* The valid block decoded at physical address phys for the current mode,
 * or NULL. */
const Block *blocks_find(Cpu *c, uint32_t phys);
/* The block at CS:EIP, decoded now if absent or stale. May fault (fetch
 * beyond the CS limit, an instruction over 15 bytes). */
const Block *blocks_lookup(Cpu *c);
/* blocks_next() when c->last_block has no link for CS:EIP: blocks_lookup(),
 * and the link is recorded. */
const Block *blocks_next_lookup(Cpu *c);
/* The block at CS:EIP, through c->last_block's links when they still hold,
 * else blocks_next_lookup(). Inline, since linked blocks are most block
 * changes. A link holds only while code_epoch is what it was when the
 * link was recorded, right after a lookup emptied the list of written
 * blocks (blocks.c); every addition to that list bumps the epoch, so the
 * list is still empty here and needs no emptying. */
static inline const Block *blocks_next(Cpu *c) {
  const Block *prev = c->last_block;
  if (prev && prev->link_epoch == c->code_epoch) {
    if (prev->link_eip[0] == c->eip && prev->link[0]) return c->last_block = prev->link[0];
    if (prev->link_eip[1] == c->eip && prev->link[1]) return c->last_block = prev->link[1];
  }
  return blocks_next_lookup(c);
}

#endif
