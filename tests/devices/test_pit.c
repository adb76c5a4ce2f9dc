/* 8254 PIT: behaviour expected from the Intel 8254 datasheet, driven only
 * through the ports, timer() and a fake virtual clock.
 *
 * Time base for the expectations: the clock is 1.193182 MHz and its k-th
 * rising edge after time 0 is at ceil(k * 1e9 / 1193182) ns (pitt_at(k)).
 * A count written at time 0 is loaded by the first edge (tick 1), the
 * datasheet's "next CLK pulse"; the counter decrements on every edge
 * after that. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "devices/iobus.h"
#include "devices/pit.h"

static IoBus *pitt_bus;
static Pit pitt_pit;
static uint64_t pitt_ns;
static int pitt_level;
static int pitt_rises;
static uint64_t pitt_rise_ns[64];
static int pitt_rescheds;

static uint64_t pitt_now(void *opaque) {
  (void)opaque;
  return pitt_ns;
}

static void pitt_set_irq(void *opaque, int irq, int level) {
  (void)opaque;
  cr_assert_eq(irq, 0);
  if (level && !pitt_level) {
    if (pitt_rises < 64) pitt_rise_ns[pitt_rises] = pitt_ns;
    pitt_rises++;
  }
  pitt_level = level;
}

static void pitt_resched(void *opaque) {
  (void)opaque;
  pitt_rescheds++;
}

static uint64_t pitt_at(uint64_t tick) { return (tick * 1000000000ull + 1193181) / 1193182; }

static void pitt_setup(void) {
  pitt_ns = 0;
  pitt_rises = 0;
  pitt_rescheds = 0;
  pitt_bus = iobus_new();
  pit_init(&pitt_pit, pitt_bus);
  pitt_level = pitt_pit.irq_level;
  pitt_pit.set_irq = pitt_set_irq;
  pitt_pit.now = pitt_now;
  pitt_pit.resched = pitt_resched;
  pitt_pit.opaque = NULL;
}

static void pitt_teardown(void) { iobus_free(pitt_bus); }

static uint8_t pitt_in(uint16_t port) { return (uint8_t)io_in(pitt_bus, port, 1); }
static void pitt_out(uint16_t port, uint8_t v) { io_out(pitt_bus, port, 1, v); }

/* Advance virtual time to ns, calling timer() at every deadline it asks
 * for on the way, as the machine would. */
static void pitt_run_to(uint64_t ns) {
  uint64_t next = pitt_pit.dev.timer(&pitt_pit.dev, pitt_ns);
  while (next <= ns) {
    cr_assert_gt(next, pitt_ns, "deadlines move forward");
    pitt_ns = next;
    next = pitt_pit.dev.timer(&pitt_pit.dev, pitt_ns);
  }
  pitt_ns = ns;
  pitt_pit.dev.timer(&pitt_pit.dev, ns);
}

static void pitt_program(int ch, uint8_t ctrl, uint16_t count) {
  pitt_out(0x43, ctrl);
  uint16_t port = (uint16_t)(0x40 + ch);
  if ((ctrl >> 4 & 3) == 1) {
    pitt_out(port, (uint8_t)count);
  } else if ((ctrl >> 4 & 3) == 2) {
    pitt_out(port, (uint8_t)(count >> 8));
  } else {
    pitt_out(port, (uint8_t)count);
    pitt_out(port, (uint8_t)(count >> 8));
  }
}

/* Two reads of a lo/hi counter on bus, LSB first (sequenced: the order
 * of evaluation inside an expression is unspecified). */
static uint16_t pitt_read16(IoBus *bus, uint16_t port) {
  uint8_t lo = (uint8_t)io_in(bus, port, 1);
  uint8_t hi = (uint8_t)io_in(bus, port, 1);
  return (uint16_t)(lo | hi << 8);
}

/* Counter latch command, then two reads (lo/hi access). */
static uint16_t pitt_latch_read(int ch) {
  pitt_out(0x43, (uint8_t)(ch << 6));
  uint8_t lo = pitt_in((uint16_t)(0x40 + ch));
  uint8_t hi = pitt_in((uint16_t)(0x40 + ch));
  return (uint16_t)(lo | hi << 8);
}

static bool pitt_out2(void) { return pitt_in(0x61) & 0x20; }

TestSuite(dev_pit, .init = pitt_setup, .fini = pitt_teardown);

Test(dev_pit, mode2_irq_period_is_exact) {
  pitt_program(0, 0x34, 1000); /* channel 0, lo/hi, mode 2, binary */
  pitt_run_to(pitt_at(3500));
  /* OUT drops when CE reaches 1 (tick 1000) and rises with the reload one
   * tick later: IRQ0 edges at 1001, 2001, 3001. */
  cr_assert_eq(pitt_rises, 3);
  cr_assert_eq(pitt_rise_ns[0], pitt_at(1001));
  cr_assert_eq(pitt_rise_ns[1], pitt_at(2001));
  cr_assert_eq(pitt_rise_ns[2], pitt_at(3001));
}

Test(dev_pit, mode2_counter_values) {
  pitt_program(0, 0x34, 1000);
  pitt_ns = pitt_at(1);
  cr_assert_eq(pitt_latch_read(0), 1000);
  pitt_ns = pitt_at(501);
  cr_assert_eq(pitt_latch_read(0), 500);
  pitt_ns = pitt_at(1000);
  cr_assert_eq(pitt_latch_read(0), 1);
  cr_assert_not(pit_output(&pitt_pit, 0), "OUT is low while CE = 1");
  pitt_ns = pitt_at(1001);
  cr_assert_eq(pitt_latch_read(0), 1000);
  cr_assert(pit_output(&pitt_pit, 0));
  pitt_ns = pitt_at(1001) + 500; /* between two edges: unchanged */
  cr_assert_eq(pitt_latch_read(0), 1000);
}

Test(dev_pit, mode2_no_drift_over_a_minute) {
  pitt_program(0, 0x34, 0); /* count 0 = 65536 */
  uint64_t end = 60ull * 1000000000ull;
  pitt_run_to(end);
  /* Edges at ticks 1 + 65536k; 60 s hold 71590920 ticks: k = 1..1092. */
  cr_assert_eq(pitt_rises, 1092);
  cr_assert_eq(pitt_rise_ns[63], pitt_at(1 + 64 * 65536ull));
  /* CE = 65536 - (71590920 - 1) mod 65536 = 65536 - 25607 */
  cr_assert_eq(pitt_latch_read(0), 39929);
}

Test(dev_pit, mode3_even_square_wave) {
  pitt_out(0x61, 0x01); /* channel 2 gate on */
  pitt_program(2, 0xB6, 10); /* channel 2, lo/hi, mode 3 */
  static const bool out[] = {1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1};
  static const uint16_t ce[] = {10, 8, 6, 4, 2, 10, 8, 6, 4, 2, 10, 8};
  for (int i = 0; i < 12; i++) {
    pitt_ns = pitt_at(1 + (uint64_t)i);
    cr_assert_eq(pitt_out2(), out[i], "tick %d", 1 + i);
    cr_assert_eq(pitt_latch_read(2), ce[i], "tick %d", 1 + i);
  }
}

Test(dev_pit, mode3_odd_square_wave) {
  pitt_out(0x61, 0x01);
  pitt_program(2, 0xB6, 9);
  /* Odd N: high for (N + 1) / 2 = 5 ticks, low for (N - 1) / 2 = 4. */
  static const bool out[] = {1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1};
  for (int i = 0; i < 11; i++) {
    pitt_ns = pitt_at(1 + (uint64_t)i);
    cr_assert_eq(pitt_out2(), out[i], "tick %d", 1 + i);
  }
}

Test(dev_pit, mode3_18hz_with_count_0) {
  pitt_program(0, 0x36, 0);
  pitt_run_to(1000000000ull);
  /* High for 32768 ticks, low for 32768: rising edges at 1 + 65536k. */
  cr_assert_eq(pitt_rises, 18);
  cr_assert_eq(pitt_rise_ns[0], pitt_at(65537));
}

Test(dev_pit, mode3_new_count_at_half_cycle) {
  pitt_out(0x61, 0x01);
  pitt_program(2, 0xB6, 10);
  pitt_ns = pitt_at(3);
  pitt_out(0x42, 20);
  pitt_out(0x42, 0);
  pitt_ns = pitt_at(5);
  cr_assert(pitt_out2(), "the current half-cycle finishes with the old count");
  pitt_ns = pitt_at(6);
  cr_assert_not(pitt_out2());
  cr_assert_eq(pitt_latch_read(2), 20, "the new count is loaded for the low half");
  pitt_ns = pitt_at(15);
  cr_assert_not(pitt_out2(), "low half of 20 lasts 10 ticks");
  pitt_ns = pitt_at(16);
  cr_assert(pitt_out2());
}

Test(dev_pit, mode2_new_count_at_end_of_period) {
  pitt_program(0, 0x34, 100);
  pitt_ns = pitt_at(30);
  pitt_out(0x40, 50);
  pitt_out(0x40, 0);
  pitt_run_to(pitt_at(260));
  cr_assert_eq(pitt_rises, 4);
  cr_assert_eq(pitt_rise_ns[0], pitt_at(101), "current period unaffected");
  cr_assert_eq(pitt_rise_ns[1], pitt_at(151));
  cr_assert_eq(pitt_rise_ns[2], pitt_at(201));
  cr_assert_eq(pitt_rise_ns[3], pitt_at(251));
}

Test(dev_pit, mode0_terminal_count) {
  pitt_program(0, 0x30, 100); /* mode 0 */
  cr_assert_not(pit_output(&pitt_pit, 0), "OUT low after the control word");
  pitt_run_to(pitt_at(100));
  cr_assert_eq(pitt_rises, 0);
  cr_assert_eq(pitt_latch_read(0), 1);
  pitt_run_to(pitt_at(102));
  cr_assert_eq(pitt_latch_read(0), 0xFFFF, "the counter wraps and keeps counting");
  pitt_run_to(pitt_at(5000));
  cr_assert_eq(pitt_rises, 1, "one interrupt, N + 1 ticks after the write");
  cr_assert_eq(pitt_rise_ns[0], pitt_at(101));
  cr_assert(pit_output(&pitt_pit, 0));
}

Test(dev_pit, mode0_first_byte_stops_count) {
  pitt_program(0, 0x30, 100);
  pitt_ns = pitt_at(40);
  pitt_out(0x40, 10);
  pitt_ns = pitt_at(60);
  cr_assert_eq(pitt_latch_read(0), 61, "counting stopped at tick 40 (CE 61)");
  pitt_out(0x40, 0);
  pitt_ns = pitt_at(61);
  cr_assert_eq(pitt_latch_read(0), 10);
  pitt_run_to(pitt_at(200));
  cr_assert_eq(pitt_rises, 1);
  cr_assert_eq(pitt_rise_ns[0], pitt_at(71));
}

Test(dev_pit, mode4_strobe) {
  pitt_program(0, 0x38, 50);
  cr_assert(pit_output(&pitt_pit, 0));
  pitt_ns = pitt_at(51);
  cr_assert_not(pit_output(&pitt_pit, 0), "one tick low when CE reaches 0");
  pitt_ns = pitt_at(50);
  pitt_run_to(pitt_at(1000));
  cr_assert_eq(pitt_rises, 1);
  cr_assert_eq(pitt_rise_ns[0], pitt_at(52));
}

Test(dev_pit, mode1_gate_triggers_one_shot) {
  pitt_program(2, 0xB2, 20); /* channel 2, mode 1, gate low */
  pitt_ns = pitt_at(100);
  cr_assert(pitt_out2(), "nothing happens before the trigger");
  pitt_out(0x61, 0x01); /* gate rising edge */
  pitt_ns = pitt_at(101);
  cr_assert_not(pitt_out2());
  cr_assert_eq(pitt_latch_read(2), 20);
  pitt_ns = pitt_at(120);
  cr_assert_not(pitt_out2());
  pitt_ns = pitt_at(121);
  cr_assert(pitt_out2(), "high again N ticks after the load");
  pitt_out(0x61, 0x00);
  pitt_ns = pitt_at(130);
  cr_assert(pitt_out2());
  pitt_out(0x61, 0x01); /* retrigger */
  pitt_ns = pitt_at(131);
  cr_assert_not(pitt_out2());
}

Test(dev_pit, mode5_gate_triggered_strobe) {
  pitt_program(2, 0xBA, 5);
  pitt_ns = pitt_at(10);
  pitt_out(0x61, 0x01);
  pitt_ns = pitt_at(15);
  cr_assert(pitt_out2());
  pitt_ns = pitt_at(16);
  cr_assert_not(pitt_out2());
  pitt_ns = pitt_at(17);
  cr_assert(pitt_out2());
}

Test(dev_pit, mode0_gate_low_suspends) {
  pitt_program(2, 0xB0, 30); /* gate is low (port 0x61 = 0) */
  pitt_ns = pitt_at(50);
  cr_assert_eq(pitt_latch_read(2), 30);
  pitt_out(0x61, 0x01);
  pitt_ns = pitt_at(60);
  cr_assert_eq(pitt_latch_read(2), 20);
  pitt_out(0x61, 0x00);
  pitt_ns = pitt_at(90);
  cr_assert_eq(pitt_latch_read(2), 20);
  pitt_out(0x61, 0x01);
  pitt_ns = pitt_at(109);
  cr_assert_not(pitt_out2());
  pitt_ns = pitt_at(110);
  cr_assert(pitt_out2());
}

Test(dev_pit, mode2_gate_low_forces_out_high_and_reloads) {
  pitt_out(0x61, 0x01);
  pitt_program(2, 0xB4, 10);
  pitt_ns = pitt_at(10);
  cr_assert_not(pitt_out2());
  pitt_out(0x61, 0x00);
  cr_assert(pitt_out2(), "gate low forces OUT high at once");
  pitt_ns = pitt_at(20);
  pitt_out(0x61, 0x01);
  pitt_ns = pitt_at(21);
  cr_assert_eq(pitt_latch_read(2), 10, "the gate rising edge reloads");
  pitt_ns = pitt_at(30);
  cr_assert_not(pitt_out2());
}

Test(dev_pit, latch_holds_until_read) {
  pitt_program(0, 0x34, 1000);
  pitt_ns = pitt_at(101);
  pitt_out(0x43, 0x00);
  pitt_ns = pitt_at(201);
  pitt_out(0x43, 0x00); /* ignored: the first latch is unread */
  pitt_ns = pitt_at(400);
  cr_assert_eq(pitt_in(0x40), 0x84);
  pitt_ns = pitt_at(600);
  cr_assert_eq(pitt_in(0x40), 0x03, "900 = 0x384 latched at tick 101");
  cr_assert_eq(pitt_latch_read(0), 401, "a new latch: 1000 - (600 - 1)");
}

Test(dev_pit, lsb_and_msb_only_access) {
  pitt_program(0, 0x14, 0x20); /* LSB only, mode 2: count 0x20 */
  pitt_ns = pitt_at(1 + 4);
  cr_assert_eq(pitt_in(0x40), 0x1C);
  pitt_program(1, 0x64, 0x0200); /* channel 1, MSB only: count 0x200, loaded at tick 6 */
  pitt_ns = pitt_at(6 + 3);
  cr_assert_eq(pitt_in(0x41), 0x01, "0x1FD");
}

Test(dev_pit, unlatched_reads_use_the_flipflop) {
  pitt_program(0, 0x34, 0x1234);
  pitt_ns = pitt_at(1);
  cr_assert_eq(pitt_in(0x40), 0x34);
  cr_assert_eq(pitt_in(0x40), 0x12);
  cr_assert_eq(pitt_in(0x40), 0x34);
}

Test(dev_pit, readback_status_and_count) {
  pitt_out(0x43, 0x34);
  pitt_out(0x43, 0xE2); /* read-back: status of channel 0 */
  cr_assert_eq(pitt_in(0x40), 0xF4, "OUT high, null count, control 0x34");
  pitt_out(0x40, 0xE8);
  pitt_out(0x40, 0x03);
  pitt_out(0x43, 0xE2);
  cr_assert_eq(pitt_in(0x40), 0xF4, "not loaded yet: still null count");
  pitt_ns = pitt_at(201);
  pitt_out(0x43, 0xC2); /* latch status and count */
  pitt_ns = pitt_at(300);
  cr_assert_eq(pitt_in(0x40), 0xB4, "status first");
  cr_assert_eq(pitt_in(0x40), 0x20, "then 800 = 0x320");
  cr_assert_eq(pitt_in(0x40), 0x03);
  pitt_out(0x43, 0x30); /* mode 0 */
  pitt_out(0x43, 0xE2);
  cr_assert_eq(pitt_in(0x40), 0x70, "mode 0: OUT low after the control word");
}

Test(dev_pit, readback_several_channels) {
  pitt_program(0, 0x34, 100);
  pitt_program(1, 0x74, 200);
  pitt_ns = pitt_at(11);
  pitt_out(0x43, 0xD6); /* latch counts of channels 0 and 1 */
  pitt_ns = pitt_at(50);
  cr_assert_eq(pitt_read16(pitt_bus, 0x40), 90);
  cr_assert_eq(pitt_read16(pitt_bus, 0x41), 190);
}

Test(dev_pit, bcd_counting) {
  pitt_program(0, 0x35, 0x0100); /* mode 2, BCD 100 */
  pitt_ns = pitt_at(31);
  cr_assert_eq(pitt_latch_read(0), 0x0070);
  pitt_run_to(pitt_at(350));
  cr_assert_eq(pitt_rises, 3);
  cr_assert_eq(pitt_rise_ns[0], pitt_at(101));
  pitt_program(1, 0x71, 0); /* mode 0, BCD, count 0 = 10000, loaded at tick 351 */
  pitt_ns = pitt_at(352);
  cr_assert_eq(pitt_latch_read(1), 0x9999);
}

Test(dev_pit, refresh_toggle) {
  /* Port 0x61 bit 4 toggles every 18 ticks (about 15 us). */
  pitt_ns = pitt_at(5);
  uint8_t a = pitt_in(0x61) & 0x10;
  pitt_ns = pitt_at(20);
  uint8_t b = pitt_in(0x61) & 0x10;
  pitt_ns = pitt_at(38);
  uint8_t c = pitt_in(0x61) & 0x10;
  cr_assert_neq(a, b);
  cr_assert_eq(a, c);
  int toggles = 0;
  uint8_t last = c;
  uint64_t start = pitt_ns;
  for (uint64_t ns = start; ns < start + 1000000; ns += 1000) {
    pitt_ns = ns;
    uint8_t v = pitt_in(0x61) & 0x10;
    toggles += v != last;
    last = v;
  }
  cr_assert(toggles >= 65 && toggles <= 67, "%d toggles in 1 ms", toggles);
}

Test(dev_pit, port61_bits) {
  pitt_out(0x61, 0xFF);
  cr_assert_eq(pitt_in(0x61) & 0x0F, 0x0F, "gate, speaker and the two enables read back");
  cr_assert_eq(pitt_in(0x61) & 0xC0, 0x00);
  pitt_out(0x61, 0x02);
  cr_assert_eq(pitt_in(0x61) & 0x0F, 0x02);
}

Test(dev_pit, save_and_load) {
  pitt_program(0, 0x34, 1000);
  pitt_out(0x61, 0x01);
  pitt_program(2, 0xB6, 300);
  pitt_ns = pitt_at(123);
  pitt_out(0x43, 0x80); /* latch channel 2, leave it unread */
  StateBuf s = {0};
  pitt_pit.dev.save(&pitt_pit.dev, &s);

  IoBus *bus2 = iobus_new();
  Pit p2;
  pit_init(&p2, bus2);
  p2.now = pitt_now;
  p2.dev.load(&p2.dev, &s);
  cr_assert_not(s.error);
  pitt_ns = pitt_at(700);
  /* Latched at tick 123: 122 ticks into the high half, CE = 300 - 2 * 122. */
  cr_assert_eq(pitt_read16(bus2, 0x42), 56, "the latch survives");
  io_out(bus2, 0x43, 1, 0x00);
  cr_assert_eq(pitt_read16(bus2, 0x40), 1000 - 699);
  cr_assert_eq(io_in(bus2, 0x61, 1) & 0x01, 1);
  iobus_free(bus2);
  free(s.data);
}
