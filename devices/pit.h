/* The Intel 8254 programmable interval timer at ports 0x40-0x43, clocked
 * at 1.193182 MHz, plus the AT system control port 0x61 that goes with it
 * (channel 2 gate and speaker data in, channel 2 output and the refresh
 * toggle out).
 *
 *   channel 0  IRQ0 on every rising edge of its output
 *   channel 1  (DRAM refresh on old PCs; counts, drives nothing)
 *   channel 2  gate = port 0x61 bit 0, output = port 0x61 bit 5 (speaker)
 *
 * Counting is computed from virtual time: a channel remembers the clock
 * tick its count was loaded at and derives the counter and output from
 * the current tick, so nothing drifts however rarely the device is
 * called. The current time comes from the creator's now() hook (port
 * reads need it); without one, the time of the last timer() call is used.
 */
#ifndef HOLO86_PIT_H
#define HOLO86_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"
#include "devices/iobus.h"

#define PIT_HZ 1193182u

typedef struct PitChannel {
  /* Programming (control word). */
  uint8_t ctrl;       /* RW1 RW0 M2 M1 M0 BCD as written, for read-back */
  uint8_t mode;       /* 0..5 (6 and 7 are aliases of 2 and 3) */
  uint8_t rw;         /* 1 LSB only, 2 MSB only, 3 LSB then MSB */
  bool bcd;
  bool gate;
  /* Count register and the byte flip-flops. */
  uint32_t cr;        /* initial count, decoded: 1..65536 (10000 in BCD) */
  bool have_count;    /* a count was written since the control word */
  bool write_msb_next;
  uint8_t write_lsb;
  bool read_msb_next;
  /* Counting element. While counting, CE and OUT are functions of the
   * tick: CE was loaded with n at load_tick (phase: modes 2/3 start that
   * far into the cycle). Before load_tick, and whenever not counting,
   * ce_hold/out_hold are the values. */
  bool counting;
  uint64_t load_tick;
  uint32_t n;
  uint32_t phase;
  uint32_t ce_hold;
  bool out_hold;
  /* Gate low in modes 0/4 suspends counting at frozen_tick. */
  bool frozen;
  uint64_t frozen_tick;
  /* Modes 2/3: a new count written while counting takes over at the end
   * of the current period (mode 2) or half-period (mode 3). */
  bool pending;
  uint64_t pend_tick;
  uint32_t pend_n;
  uint32_t pend_phase;
  /* Null count (read-back status bit 6) until null_clear_tick. */
  bool null_count;
  uint64_t null_clear_tick;
  /* Latches. */
  bool count_latched;
  uint16_t latch;
  bool latch_msb_next;
  bool status_latched;
  uint8_t status;
} PitChannel;

typedef struct Pit {
  Device dev;
  PitChannel ch[3];
  uint8_t port61;       /* bits 0-3 as last written */
  bool irq_level;       /* level last driven on IRQ0 */
  uint64_t irq_tick;    /* channel 0 output followed up to this tick */
  uint64_t last_now;    /* latest virtual time seen */
  /* Wiring, set by the creator after pit_init (all optional). */
  void (*set_irq)(void *opaque, int irq, int level);
  uint64_t (*now)(void *opaque);    /* current virtual time, ns */
  void (*resched)(void *opaque);    /* the next deadline may have moved */
  void *opaque;
} Pit;

void pit_init(Pit *p, IoBus *bus);
/* Output pin level of channel ch now (e.g. channel 2 for a speaker). */
bool pit_output(Pit *p, int ch);

#endif
