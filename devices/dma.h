/* The two Intel 8237A DMA controllers of the PC/AT and their page
 * registers.
 *
 *   0x00-0x0F  DMA1: channels 0-3, 8-bit transfers (byte addresses)
 *   0xC0-0xDF  DMA2: channels 4-7, the same registers at even ports;
 *              channel 4 is the cascade from DMA1; channels 5-7 move
 *              16-bit words (address and count registers count words)
 *   0x80-0x8F  page registers (ch 0: 0x87, 1: 0x83, 2: 0x81, 3: 0x82,
 *              5: 0x8B, 6: 0x89, 7: 0x8A; the others are plain storage)
 *
 * Registers per controller (offset; DMA2 at 0xC0 + 2*offset):
 *   0-7  base/current address and count of each channel (byte flip-flop)
 *   8    read status (TC bits 0-3, request bits 4-7; TC bits clear on
 *        read) / write command
 *   9    write request    A  write single mask bit    B  write mode
 *   C    clear byte pointer flip-flop   D  read temporary / master clear
 *   E    clear mask register            F  write all mask bits (reads
 *        back the mask, as the PIIX does)
 *
 * Devices do not see any of this: a device with a DREQ line calls
 * dma_transfer, which behaves as the channel's programming says
 * (direction, increment/decrement, auto-initialise, count, mask, TC). */
#ifndef HOLO86_DMA_H
#define HOLO86_DMA_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"
#include "devices/iobus.h"
#include "mmu/physmem.h"

typedef struct DmaChannel {
  uint16_t base_addr, base_count; /* what the CPU wrote */
  uint16_t cur_addr, cur_count;   /* what the channel is at */
  uint8_t mode;                   /* mode register bits 7:2 (bits 1:0 = channel) */
  uint8_t page;                   /* page register */
  bool tc_last;                   /* the last dma_transfer reached terminal count */
} DmaChannel;

typedef struct DmaChip {
  uint8_t command;
  uint8_t status;   /* TC bits 3:0 (request bits are computed) */
  uint8_t mask;     /* bits 3:0 */
  uint8_t request;  /* software requests, bits 3:0 */
  uint8_t temp;
  bool flipflop;    /* false: next byte is the low byte */
} DmaChip;

typedef struct Dma {
  Device dev;
  DmaChannel ch[8];
  DmaChip chip[2];
  uint8_t pagereg[16]; /* 0x80-0x8F as written */
  PhysMem *mem;
} Dma;

/* Mode register fields. */
enum {
  DMA_MODE_VERIFY = 0x00,
  DMA_MODE_WRITE = 0x04,   /* device -> memory */
  DMA_MODE_READ = 0x08,    /* memory -> device */
  DMA_MODE_XFER_MASK = 0x0C,
  DMA_MODE_AUTOINIT = 0x10,
  DMA_MODE_DECREMENT = 0x20,
  DMA_MODE_DEMAND = 0x00,
  DMA_MODE_SINGLE = 0x40,
  DMA_MODE_BLOCK = 0x80,
  DMA_MODE_CASCADE = 0xC0,
};

/* Power-on state (all channels masked); ports registered on bus. */
void dma_init(Dma *d, IoBus *bus, PhysMem *mem);

/* A device on channel (0-3, 5-7) has len bytes to move: to_memory = the
 * device writes guest memory (e.g. a disk read), else it reads memory into
 * buf. Moves as many bytes as the channel allows (up to its terminal
 * count; len must be even on 16-bit channels) and returns that number; 0
 * when the channel is masked, the controller disabled or the channel in
 * cascade mode. A verify-mode channel, or one programmed for the opposite
 * direction, counts and advances without touching memory (buf is then left
 * as it was). At terminal count the channel's TC status bit is set and it
 * either re-initialises (auto-init) or masks itself. */
int dma_transfer(Dma *d, int channel, void *buf, int len, bool to_memory);
/* Whether the last dma_transfer on channel reached terminal count (the
 * TC/EOP signal devices such as the FDC end a transfer on). */
bool dma_terminal_count(const Dma *d, int channel);
/* Bytes the channel can still move before terminal count. */
uint32_t dma_remaining(const Dma *d, int channel);
/* Whether the channel would accept a DREQ now (unmasked, enabled, not
 * cascade). */
bool dma_channel_ready(const Dma *d, int channel);

#endif
