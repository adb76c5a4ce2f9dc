/* 8237A DMA: registers through the ports, transfers through dma_transfer. */
#include <criterion/criterion.h>
#include <string.h>

#include "devices/dma.h"
#include "devices/iobus.h"
#include "mmu/physmem.h"

static IoBus *dmat_bus;
static PhysMem *dmat_mem;
static Dma dmat;

static void dmat_setup(void) {
  dmat_bus = iobus_new();
  dmat_mem = phys_new(2u << 20);
  dma_init(&dmat, dmat_bus, dmat_mem);
}
static void dmat_teardown(void) {
  iobus_free(dmat_bus);
  phys_free(dmat_mem);
}
static uint8_t dmat_in(uint16_t p) { return (uint8_t)io_in(dmat_bus, p, 1); }
static void dmat_out(uint16_t p, uint8_t v) { io_out(dmat_bus, p, 1, v); }
/* A 16-bit register read low byte first (the flip-flop order). */
static unsigned dmat_in16(uint16_t p) {
  unsigned lo = dmat_in(p);
  unsigned hi = dmat_in(p);
  return lo | hi << 8;
}

/* Program an 8-bit channel (0-3). */
static void dmat_prog8(int ch, uint8_t mode, uint32_t addr, uint16_t count) {
  static const uint16_t page[4] = {0x87, 0x83, 0x81, 0x82};
  dmat_out(0x0A, (uint8_t)(4 | ch));
  dmat_out(0x0C, 0);
  dmat_out(0x0B, (uint8_t)(mode | ch));
  dmat_out((uint16_t)(ch * 2), (uint8_t)addr);
  dmat_out((uint16_t)(ch * 2), (uint8_t)(addr >> 8));
  dmat_out(page[ch], (uint8_t)(addr >> 16));
  dmat_out((uint16_t)(ch * 2 + 1), (uint8_t)count);
  dmat_out((uint16_t)(ch * 2 + 1), (uint8_t)(count >> 8));
  dmat_out(0x0A, (uint8_t)ch);
}

TestSuite(dma, .init = dmat_setup, .fini = dmat_teardown);

Test(dma, power_on_masks_all_and_readback_uses_flipflop) {
  cr_assert_eq(dmat_in(0x0F) & 0x0F, 0x0F);
  cr_assert(!dma_channel_ready(&dmat, 2));
  dmat_out(0x0C, 0);
  dmat_out(0x04, 0x34);
  dmat_out(0x04, 0x12);
  dmat_out(0x05, 0xFF);
  dmat_out(0x05, 0x01);
  dmat_out(0x0C, 0);
  cr_assert_eq(dmat_in(0x04), 0x34);
  cr_assert_eq(dmat_in(0x04), 0x12);
  cr_assert_eq(dmat_in(0x05), 0xFF);
  cr_assert_eq(dmat_in(0x05), 0x01);
  dmat_out(0x81, 0x07);
  cr_assert_eq(dmat_in(0x81), 0x07);
}

Test(dma, write_transfer_to_memory_reaches_tc_and_masks) {
  dmat_prog8(2, DMA_MODE_SINGLE | DMA_MODE_WRITE, 0x23000, 99);
  cr_assert(dma_channel_ready(&dmat, 2));
  uint8_t buf[256];
  for (int i = 0; i < 256; i++) buf[i] = (uint8_t)i;
  cr_assert_eq(dma_transfer(&dmat, 2, buf, 256, true), 100);
  cr_assert(dma_terminal_count(&dmat, 2));
  uint8_t got[101];
  phys_read_buf(dmat_mem, 0x23000, got, 101);
  cr_assert_eq(memcmp(got, buf, 100), 0);
  cr_assert_eq(got[100], 0);
  /* Status: TC bit 2, cleared by reading. */
  cr_assert_eq(dmat_in(0x08) & 0x0F, 0x04);
  cr_assert_eq(dmat_in(0x08) & 0x0F, 0x00);
  /* Masked at TC (no auto-init); counters rolled: address +100, count FFFF. */
  cr_assert(!dma_channel_ready(&dmat, 2));
  dmat_out(0x0C, 0);
  cr_assert_eq(dmat_in16(0x04), 0x3000 + 100);
  cr_assert_eq(dmat_in16(0x05), 0xFFFF);
}

Test(dma, read_transfer_from_memory_partial) {
  uint8_t src[64];
  for (int i = 0; i < 64; i++) src[i] = (uint8_t)(0x80 + i);
  phys_write_buf(dmat_mem, 0x5000, src, 64);
  dmat_prog8(1, DMA_MODE_SINGLE | DMA_MODE_READ, 0x5000, 63);
  uint8_t buf[32];
  cr_assert_eq(dma_transfer(&dmat, 1, buf, 32, false), 32);
  cr_assert(!dma_terminal_count(&dmat, 1));
  cr_assert_eq(memcmp(buf, src, 32), 0);
  cr_assert_eq(dma_remaining(&dmat, 1), 32);
  cr_assert_eq(dma_transfer(&dmat, 1, buf, 32, false), 32);
  cr_assert(dma_terminal_count(&dmat, 1));
  cr_assert_eq(memcmp(buf, src + 32, 32), 0);
}

Test(dma, wrong_direction_and_verify_do_not_touch_memory) {
  dmat_prog8(2, DMA_MODE_SINGLE | DMA_MODE_READ, 0x6000, 15);
  uint8_t buf[16];
  memset(buf, 0x55, 16);
  cr_assert_eq(dma_transfer(&dmat, 2, buf, 16, true), 16);
  cr_assert_eq(phys_read(dmat_mem, 0x6000, 1), 0);
  dmat_prog8(3, DMA_MODE_SINGLE | DMA_MODE_VERIFY, 0x6000, 15);
  cr_assert_eq(dma_transfer(&dmat, 3, buf, 16, true), 16);
  cr_assert_eq(phys_read(dmat_mem, 0x6000, 1), 0);
}

Test(dma, autoinit_reloads_and_stays_unmasked) {
  dmat_prog8(2, DMA_MODE_SINGLE | DMA_MODE_WRITE | DMA_MODE_AUTOINIT, 0x7000, 7);
  uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  cr_assert_eq(dma_transfer(&dmat, 2, buf, 8, true), 8);
  cr_assert(dma_terminal_count(&dmat, 2));
  cr_assert(dma_channel_ready(&dmat, 2));
  dmat_out(0x0C, 0);
  cr_assert_eq(dmat_in16(0x04), 0x7000);
  cr_assert_eq(dmat_in16(0x05), 7);
}

Test(dma, decrement_mode_goes_down) {
  dmat_prog8(2, DMA_MODE_SINGLE | DMA_MODE_WRITE | DMA_MODE_DECREMENT, 0x8003, 3);
  uint8_t buf[4] = {0xA, 0xB, 0xC, 0xD};
  cr_assert_eq(dma_transfer(&dmat, 2, buf, 4, true), 4);
  cr_assert_eq(phys_read(dmat_mem, 0x8000, 4), 0x0A0B0C0Du);
}

Test(dma, address_wraps_within_64k_page) {
  dmat_prog8(2, DMA_MODE_SINGLE | DMA_MODE_WRITE, 0x1FFFE, 3);
  uint8_t buf[4] = {1, 2, 3, 4};
  cr_assert_eq(dma_transfer(&dmat, 2, buf, 4, true), 4);
  cr_assert_eq(phys_read(dmat_mem, 0x1FFFE, 2), 0x0201);
  cr_assert_eq(phys_read(dmat_mem, 0x10000, 2), 0x0403);
  cr_assert_eq(phys_read(dmat_mem, 0x20000, 2), 0);
}

Test(dma, word_channel_uses_word_addresses) {
  /* Channel 5: address register holds a word address, count is in words. */
  dmat_out(0xD4, 0x05);      /* mask ch 5 */
  dmat_out(0xD8, 0);         /* clear flip-flop */
  dmat_out(0xD6, 0x45);      /* single, write, ch 5 */
  dmat_out(0xC4, 0x00);
  dmat_out(0xC4, 0x08);      /* word address 0x0800 -> byte 0x1000 */
  dmat_out(0x8B, 0x03);      /* page: bits 7:1 -> A23:A17; 0x03 -> 0x20000 */
  dmat_out(0xC6, 0x01);
  dmat_out(0xC6, 0x00);      /* 2 words */
  dmat_out(0xD4, 0x01);      /* unmask */
  uint8_t buf[6] = {1, 2, 3, 4, 5, 6};
  cr_assert_eq(dma_transfer(&dmat, 5, buf, 6, true), 4);
  cr_assert(dma_terminal_count(&dmat, 5));
  cr_assert_eq(phys_read(dmat_mem, 0x21000, 4), 0x04030201u);
  cr_assert_eq(dmat_in(0xD0) & 0x02, 0x02); /* TC status of channel 5 */
}

Test(dma, master_clear_masks_everything) {
  dmat_out(0x0E, 0); /* clear mask register */
  cr_assert_eq(dmat_in(0x0F) & 0x0F, 0);
  dmat_out(0x0D, 0);
  cr_assert_eq(dmat_in(0x0F) & 0x0F, 0x0F);
  dmat_out(0x0F, 0x0B);
  cr_assert_eq(dmat_in(0x0F) & 0x0F, 0x0B);
}

Test(dma, request_register_shows_in_status_and_disable_blocks) {
  dmat_out(0x09, 0x04 | 1);
  cr_assert_eq(dmat_in(0x08) & 0xF0, 0x20);
  dmat_prog8(2, DMA_MODE_SINGLE | DMA_MODE_WRITE, 0x9000, 0);
  dmat_out(0x08, 0x04); /* controller disable */
  uint8_t b = 1;
  cr_assert_eq(dma_transfer(&dmat, 2, &b, 1, true), 0);
}
