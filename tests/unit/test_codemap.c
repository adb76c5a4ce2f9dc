/* Self-modifying code at sub-page granularity (cpu/blocks.h): a write to a
 * page holding decoded code invalidates exactly the blocks whose bytes it
 * overlaps, whoever writes (the CPU, phys_write_buf, a DMA transfer), and
 * nothing at all when it misses them. */
#include <string.h>

#include "cpu/blocks.h"
#include "devices/dma.h"
#include "tests/unit/harness.h"

/* Two subroutines on the code page, each a block of its own. */
#define SUB1 0x0100u
#define SUB2 0x0200u
static const uint8_t two_subs[] = {
  0xE8, 0xFD, 0x00,                        /* 0000: call SUB1 */
  0xE8, 0xFA, 0x01,                        /* 0003: call SUB2 */
  0xF4,                                    /* 0006: hlt */
};
static const uint8_t sub1[] = {
  0xB0, 0x01,                              /* 0100: mov al, 1 */
  0xC3,                                    /* 0102: ret */
};
static const uint8_t sub2[] = {
  0xB3, 0x02,                              /* 0200: mov bl, 2 */
  0xC3,                                    /* 0202: ret */
};

/* The program run once, so its blocks are cached; events cleared. */
static Machine *ran_two_subs(void) {
  Machine *m = PREPARE(two_subs);
  h_poke(m, H_CODE + SUB1, sub1, sizeof sub1);
  h_poke(m, H_CODE + SUB2, sub2, sizeof sub2);
  h_run_ok(m);
  CHECK_REG8(m, EAX, 1);
  CHECK_REG8(m, EBX, 2);
  cr_assert_not_null(blocks_find(m->c, H_CODE + SUB1));
  cr_assert_not_null(blocks_find(m->c, H_CODE + SUB2));
  m->c->events = 0;
  return m;
}

/* Run the program again from the start. */
static void rerun(Machine *m) {
  m->c->eip = 0;
  m->c->r[ESP] = H_SP;
  m->c->halted = false;
  h_run_ok(m);
}

static uint64_t code_writes(Machine *m) { return blocks_stats(m->c->blocks).code_writes; }
static bool is_code_page(Machine *m, uint32_t phys) {
  return m->pm->pflags[phys >> PAGE_SHIFT] & PG_CODE;
}

Test(codemap, data_write_outside_the_code_changes_nothing) {
  Machine *m = ran_two_subs();
  const Block *b1 = blocks_find(m->c, H_CODE + SUB1), *b2 = blocks_find(m->c, H_CODE + SUB2);
  uint32_t epoch = m->c->code_epoch;
  h_wr32(m, H_CODE + 0x800, 0x12345678);   /* a granule without code */
  h_wr8(m, H_CODE + SUB2 + 3, 0x55);       /* right after SUB2's RET, in its granule */
  CHECK_EQ("writes that invalidated code", code_writes(m), 0);
  CHECK_EQ("EV_SMC", m->c->events & EV_SMC, 0);
  CHECK_EQ("code_epoch", m->c->code_epoch, epoch);
  cr_expect_eq(blocks_find(m->c, H_CODE + SUB1), b1, "SUB1's block survives");
  cr_expect_eq(blocks_find(m->c, H_CODE + SUB2), b2, "SUB2's block survives");
  cr_expect(is_code_page(m, H_CODE), "the page is still watched");
  h_free(m);
}

Test(codemap, write_into_one_block_spares_the_other) {
  Machine *m = ran_two_subs();
  const Block *b2 = blocks_find(m->c, H_CODE + SUB2);
  uint32_t epoch = m->c->code_epoch;
  h_wr8(m, H_CODE + SUB1 + 1, 5);          /* mov al, 5 */
  CHECK_EQ("writes that invalidated code", code_writes(m), 1);
  cr_expect(m->c->events & EV_SMC, "EV_SMC posted");
  cr_expect_neq(m->c->code_epoch, epoch, "code_epoch bumped");
  cr_expect_null(blocks_find(m->c, H_CODE + SUB1), "SUB1's block is invalid");
  cr_expect_eq(blocks_find(m->c, H_CODE + SUB2), b2, "SUB2's block survives");
  cr_expect(is_code_page(m, H_CODE), "the page still holds code");
  rerun(m);
  CHECK_REG8(m, EAX, 5);
  cr_expect_eq(blocks_find(m->c, H_CODE + SUB2), b2, "SUB2 was not decoded again");
  h_free(m);
}

Test(codemap, write_spanning_into_code_invalidates) {
  Machine *m = ran_two_subs();
  const Block *b1 = blocks_find(m->c, H_CODE + SUB1);
  h_wr16(m, H_CODE + SUB2 - 2, 0xFFFF);    /* ends just before SUB2: nothing */
  CHECK_EQ("writes that invalidated code", code_writes(m), 0);
  h_wr32(m, H_CODE + SUB2 - 2, 0x09B3FFFF); /* and SUB2's first two: mov bl, 9 */
  CHECK_EQ("writes that invalidated code", code_writes(m), 1);
  cr_expect(m->c->events & EV_SMC, "EV_SMC posted");
  cr_expect_null(blocks_find(m->c, H_CODE + SUB2), "SUB2's block is invalid");
  cr_expect_eq(blocks_find(m->c, H_CODE + SUB1), b1, "SUB1's block survives");
  rerun(m);
  CHECK_REG8(m, EBX, 9);
  h_free(m);
}

Test(codemap, device_buffer_write_invalidates) {
  Machine *m = ran_two_subs();
  const Block *b1 = blocks_find(m->c, H_CODE + SUB1);
  static const uint8_t mov_bl_7[] = {0xB3, 0x07};
  phys_write_buf(m->pm, H_CODE + SUB2, mov_bl_7, sizeof mov_bl_7);
  CHECK_EQ("writes that invalidated code", code_writes(m), 1);
  cr_expect_null(blocks_find(m->c, H_CODE + SUB2), "SUB2's block is invalid");
  cr_expect_eq(blocks_find(m->c, H_CODE + SUB1), b1, "SUB1's block survives");
  rerun(m);
  CHECK_REG8(m, EBX, 7);
  h_free(m);
}

/* A floppy-style transfer: DMA channel 2, device to memory, over SUB1. */
Test(codemap, dma_transfer_invalidates) {
  Machine *m = ran_two_subs();
  const Block *b2 = blocks_find(m->c, H_CODE + SUB2);
  Dma dma;
  dma_init(&dma, m->io, m->pm);
  uint32_t addr = H_CODE + SUB1;
  io_out(m->io, 0x0A, 1, 4 | 2);           /* mask channel 2 */
  io_out(m->io, 0x0C, 1, 0);               /* flip-flop: low byte next */
  io_out(m->io, 0x0B, 1, DMA_MODE_SINGLE | DMA_MODE_WRITE | 2);
  io_out(m->io, 0x04, 1, addr & 0xFF);
  io_out(m->io, 0x04, 1, (addr >> 8) & 0xFF);
  io_out(m->io, 0x81, 1, addr >> 16);
  io_out(m->io, 0x05, 1, 1);               /* count - 1: two bytes */
  io_out(m->io, 0x05, 1, 0);
  io_out(m->io, 0x0A, 1, 2);               /* unmask */
  uint8_t mov_al_3[] = {0xB0, 0x03};
  cr_assert_eq(dma_transfer(&dma, 2, mov_al_3, sizeof mov_al_3, true), 2);
  CHECK_EQ("writes that invalidated code", code_writes(m), 1);
  cr_expect(m->c->events & EV_SMC, "EV_SMC posted");
  cr_expect_null(blocks_find(m->c, H_CODE + SUB1), "SUB1's block is invalid");
  cr_expect_eq(blocks_find(m->c, H_CODE + SUB2), b2, "SUB2's block survives");
  rerun(m);
  CHECK_REG8(m, EAX, 3);
  h_free(m);
}

/* A routine alone on the next page, whose first instruction starts on the
 * code page: once its block is invalid the next page holds no code and is
 * no longer watched, while the code page (the caller) still is. */
static const uint8_t straddle_main[] = {
  0xE8, 0xFB, 0x0F,                        /* 0000: call 0x0FFE */
  0xF4,                                    /* 0003: hlt */
};
static const uint8_t straddle_sub[] = {
  0xB8, 0x11, 0x11,                        /* 0FFE: mov ax, 0x1111 (its last byte on the next page) */
  0xC3,                                    /* 1001: ret */
};

Test(codemap, page_without_code_is_no_longer_watched) {
  Machine *m = PREPARE(straddle_main);
  h_poke(m, H_CODE + 0x0FFE, straddle_sub, sizeof straddle_sub);
  h_run_ok(m);
  CHECK_REG16(m, EAX, 0x1111);
  uint32_t next = H_CODE + 0x1000;
  cr_assert(is_code_page(m, next), "the next page holds code");
  h_wr8(m, next + 0x800, 0);               /* data on it: still watched */
  cr_expect(is_code_page(m, next));
  CHECK_EQ("writes that invalidated code", code_writes(m), 0);
  h_wr8(m, next, 0x22);                    /* the straddling immediate's high byte */
  CHECK_EQ("writes that invalidated code", code_writes(m), 1);
  cr_expect_null(blocks_find(m->c, H_CODE + 0x0FFE), "the straddling block is invalid");
  cr_expect(is_code_page(m, next), "the RET's block is left on it");
  h_wr8(m, next + 1, 0xC3);                /* the RET (same byte) */
  CHECK_EQ("writes that invalidated code", code_writes(m), 2);
  cr_expect(!is_code_page(m, next), "no code left on the next page");
  cr_expect(is_code_page(m, H_CODE), "the caller's page still holds code");
  rerun(m);
  CHECK_REG16(m, EAX, 0x2211);
  h_free(m);
}
