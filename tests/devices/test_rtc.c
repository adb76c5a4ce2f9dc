/* MC146818 RTC/CMOS: behaviour expected from the Motorola MC146818A
 * datasheet with a 32.768 kHz time base, driven through ports 0x70/0x71,
 * timer() and a fake virtual clock. The clock starts at virtual time 0;
 * its update cycles complete at 1 s, 2 s, ... */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/iobus.h"
#include "devices/rtc.h"

static IoBus *rtct_bus;
static Rtc rtct_rtc;
static uint64_t rtct_ns;
static int rtct_level;
static int rtct_rises;
static uint64_t rtct_first_rise;

#define RTCT_S 1000000000ull
#define RTCT_MS 1000000ull

static uint64_t rtct_now(void *opaque) {
  (void)opaque;
  return rtct_ns;
}

static void rtct_set_irq(void *opaque, int irq, int level) {
  (void)opaque;
  cr_assert_eq(irq, 8);
  if (level && !rtct_level) {
    if (!rtct_rises) rtct_first_rise = rtct_ns;
    rtct_rises++;
  }
  rtct_level = level;
}

/* 2024-02-29 (a Thursday, day of week 5) 23:59:58. */
static struct tm rtct_start(void) {
  return (struct tm){.tm_year = 124, .tm_mon = 1, .tm_mday = 29, .tm_hour = 23, .tm_min = 59, .tm_sec = 58,
                     .tm_wday = 4};
}

static void rtct_setup(void) {
  rtct_ns = 0;
  rtct_level = 0;
  rtct_rises = 0;
  rtct_bus = iobus_new();
  struct tm start = rtct_start();
  rtc_init(&rtct_rtc, rtct_bus, &start);
  rtct_rtc.set_irq = rtct_set_irq;
  rtct_rtc.now = rtct_now;
}

static void rtct_teardown(void) { iobus_free(rtct_bus); }

static uint8_t rtct_read(uint8_t reg) {
  io_out(rtct_bus, 0x70, 1, reg);
  return (uint8_t)io_in(rtct_bus, 0x71, 1);
}

static void rtct_write(uint8_t reg, uint8_t v) {
  io_out(rtct_bus, 0x70, 1, reg);
  io_out(rtct_bus, 0x71, 1, v);
}

/* Advance virtual time to ns, calling timer() at every deadline. If ack,
 * read register C on each interrupt, as a handler does. */
static void rtct_run_to(uint64_t ns, bool ack) {
  uint64_t next = rtct_rtc.dev.timer(&rtct_rtc.dev, rtct_ns);
  while (next <= ns) {
    cr_assert_gt(next, rtct_ns, "deadlines move forward");
    rtct_ns = next;
    int before = rtct_rises;
    next = rtct_rtc.dev.timer(&rtct_rtc.dev, rtct_ns);
    if (ack && rtct_rises != before) {
      rtct_read(0x0C);
      next = rtct_rtc.dev.timer(&rtct_rtc.dev, rtct_ns);
    }
  }
  rtct_ns = ns;
  rtct_rtc.dev.timer(&rtct_rtc.dev, ns);
}

/* Stop updates, write a time, restart: the datasheet's set procedure. */
static void rtct_set_time(uint8_t b, uint8_t hour, uint8_t min, uint8_t sec) {
  rtct_write(0x0B, (uint8_t)(b | 0x80));
  rtct_write(0x04, hour);
  rtct_write(0x02, min);
  rtct_write(0x00, sec);
  rtct_write(0x0B, b);
}

TestSuite(dev_rtc, .init = rtct_setup, .fini = rtct_teardown);

Test(dev_rtc, bcd_time_at_start) {
  cr_assert_eq(rtct_read(0x00), 0x58);
  cr_assert_eq(rtct_read(0x02), 0x59);
  cr_assert_eq(rtct_read(0x04), 0x23);
  cr_assert_eq(rtct_read(0x06), 0x05);
  cr_assert_eq(rtct_read(0x07), 0x29);
  cr_assert_eq(rtct_read(0x08), 0x02);
  cr_assert_eq(rtct_read(0x09), 0x24);
  cr_assert_eq(rtct_read(0x32), 0x20);
  cr_assert_eq(rtct_read(0x0A), 0x26);
  cr_assert_eq(rtct_read(0x0B), 0x02);
  cr_assert_eq(rtct_read(0x0D), 0x80, "VRT");
}

Test(dev_rtc, leap_day_rolls_into_march) {
  rtct_ns = 2 * RTCT_S;
  cr_assert_eq(rtct_read(0x00), 0x00);
  cr_assert_eq(rtct_read(0x02), 0x00);
  cr_assert_eq(rtct_read(0x04), 0x00);
  cr_assert_eq(rtct_read(0x06), 0x06, "Friday");
  cr_assert_eq(rtct_read(0x07), 0x01);
  cr_assert_eq(rtct_read(0x08), 0x03);
  cr_assert_eq(rtct_read(0x09), 0x24);
}

Test(dev_rtc, year_and_century_roll_over) {
  rtct_write(0x0B, 0x82);
  rtct_write(0x09, 0x99);
  rtct_write(0x08, 0x12);
  rtct_write(0x07, 0x31);
  rtct_write(0x06, 0x07);
  rtct_write(0x0B, 0x02);
  rtct_ns = 2 * RTCT_S;
  cr_assert_eq(rtct_read(0x09), 0x00);
  cr_assert_eq(rtct_read(0x08), 0x01);
  cr_assert_eq(rtct_read(0x07), 0x01);
  cr_assert_eq(rtct_read(0x06), 0x01, "Saturday wraps to Sunday");
  cr_assert_eq(rtct_read(0x32), 0x21);
}

Test(dev_rtc, binary_mode) {
  rtct_write(0x0B, 0x86); /* SET, binary, 24 h */
  rtct_write(0x04, 13);
  rtct_write(0x02, 59);
  rtct_write(0x00, 59);
  rtct_write(0x07, 28);
  rtct_write(0x08, 2);
  rtct_write(0x09, 23);
  rtct_write(0x0B, 0x06);
  rtct_ns = 1 * RTCT_S;
  cr_assert_eq(rtct_read(0x00), 0);
  cr_assert_eq(rtct_read(0x02), 0);
  cr_assert_eq(rtct_read(0x04), 14);
  rtct_write(0x0B, 0x86);
  rtct_write(0x04, 23);
  rtct_write(0x02, 59);
  rtct_write(0x00, 59);
  rtct_write(0x0B, 0x06);
  rtct_ns = 2 * RTCT_S;
  cr_assert_eq(rtct_read(0x07), 1, "2023 is not a leap year");
  cr_assert_eq(rtct_read(0x08), 3);
}

Test(dev_rtc, twelve_hour_mode) {
  rtct_set_time(0x00, 0x91, 0x59, 0x59); /* BCD, 12 h: 11:59:59 PM */
  rtct_ns = 1 * RTCT_S;
  cr_assert_eq(rtct_read(0x04), 0x12, "midnight is 12 AM");
  rtct_set_time(0x00, 0x11, 0x59, 0x59); /* 11:59:59 AM */
  rtct_ns = 2 * RTCT_S;
  cr_assert_eq(rtct_read(0x04), 0x92, "noon is 12 PM");
  rtct_set_time(0x00, 0x92, 0x59, 0x59); /* 12:59:59 PM */
  rtct_ns = 3 * RTCT_S;
  cr_assert_eq(rtct_read(0x04), 0x81, "then 1 PM");
  rtct_set_time(0x04, 0x8B, 0x3B, 0x3B); /* binary 12 h: 11:59:59 PM */
  rtct_ns = 4 * RTCT_S;
  cr_assert_eq(rtct_read(0x04), 12);
}

Test(dev_rtc, uip_window_before_update) {
  rtct_ns = RTCT_S - 245000;
  cr_assert_eq(rtct_read(0x0A) & 0x80, 0);
  rtct_ns = RTCT_S - 244000;
  cr_assert_eq(rtct_read(0x0A) & 0x80, 0x80, "UIP 244 us before the update");
  cr_assert_eq(rtct_read(0x00), 0x58, "the time is still the old one");
  rtct_ns = RTCT_S - 1;
  cr_assert_eq(rtct_read(0x0A) & 0x80, 0x80);
  rtct_ns = RTCT_S;
  cr_assert_eq(rtct_read(0x0A) & 0x80, 0);
  cr_assert_eq(rtct_read(0x00), 0x59);
}

Test(dev_rtc, set_freezes_updates) {
  rtct_write(0x0B, 0x82);
  cr_assert_eq(rtct_read(0x0A) & 0x80, 0);
  rtct_ns = 5 * RTCT_S - 100000;
  cr_assert_eq(rtct_read(0x0A) & 0x80, 0, "no UIP while SET");
  cr_assert_eq(rtct_read(0x00), 0x58);
  rtct_write(0x0B, 0x02);
  rtct_ns = 5 * RTCT_S;
  cr_assert_eq(rtct_read(0x00), 0x59, "updates resume on the next second");
}

Test(dev_rtc, set_clears_uie) {
  rtct_write(0x0B, 0x12);
  rtct_write(0x0B, 0x92);
  cr_assert_eq(rtct_read(0x0B), 0x82);
}

Test(dev_rtc, periodic_1024hz) {
  rtct_write(0x0B, 0x42); /* PIE; register A is 0x26: rate 6 */
  rtct_run_to(RTCT_S, true);
  cr_assert_eq(rtct_rises, 1024);
  cr_assert_eq(rtct_first_rise, 976563, "the first after 1/1024 s (976562.5 ns)");
}

Test(dev_rtc, periodic_rates) {
  rtct_write(0x0B, 0x42);
  rtct_write(0x0A, 0x2F); /* rate 15: 2 Hz */
  rtct_run_to(RTCT_S, true);
  cr_assert_eq(rtct_rises, 2);
  rtct_rises = 0;
  rtct_write(0x0A, 0x23); /* rate 3: 8192 Hz */
  rtct_run_to(2 * RTCT_S, true);
  cr_assert_eq(rtct_rises, 8192);
  rtct_rises = 0;
  rtct_write(0x0A, 0x21); /* rate 1 on a 32 kHz base: 256 Hz */
  rtct_run_to(3 * RTCT_S, true);
  cr_assert_eq(rtct_rises, 256);
  rtct_rises = 0;
  rtct_write(0x0A, 0x20); /* rate 0: none */
  rtct_run_to(4 * RTCT_S, true);
  cr_assert_eq(rtct_rises, 0);
}

Test(dev_rtc, unacknowledged_interrupt_stays_single) {
  rtct_write(0x0B, 0x42);
  rtct_run_to(RTCT_S, false);
  cr_assert_eq(rtct_rises, 1, "IRQ8 stays high until register C is read");
  cr_assert_eq(rtct_read(0x0C), 0xD0, "IRQF, PF and UF");
  cr_assert_eq(rtct_level, 0);
  cr_assert_eq(rtct_read(0x0C), 0x00, "reading C cleared it");
}

Test(dev_rtc, flags_set_without_enables) {
  rtct_ns = 10 * RTCT_MS;
  cr_assert_eq(rtct_read(0x0C), 0x40, "PF without PIE, no IRQF");
  rtct_ns = RTCT_S;
  cr_assert_eq(rtct_read(0x0C), 0x50, "UF after the update");
  cr_assert_eq(rtct_rises, 0);
}

Test(dev_rtc, update_ended_interrupt) {
  rtct_write(0x0A, 0x20);
  rtct_write(0x0B, 0x12); /* UIE */
  rtct_run_to(RTCT_S - 1, true);
  cr_assert_eq(rtct_rises, 0);
  rtct_run_to(RTCT_S, false);
  cr_assert_eq(rtct_rises, 1);
  cr_assert_eq(rtct_first_rise, RTCT_S);
  cr_assert_eq(rtct_read(0x0C), 0x90);
  rtct_run_to(10 * RTCT_S + 1, true);
  cr_assert_eq(rtct_rises, 10);
}

Test(dev_rtc, alarm) {
  rtct_write(0x0A, 0x20);
  rtct_set_time(0x02, 0x12, 0x00, 0x00);
  rtct_write(0x01, 0x05);
  rtct_write(0x03, 0x00);
  rtct_write(0x05, 0x12);
  rtct_write(0x0B, 0x22); /* AIE */
  rtct_run_to(60 * RTCT_S, true);
  cr_assert_eq(rtct_rises, 1);
  cr_assert_eq(rtct_first_rise, 5 * RTCT_S, "at 12:00:05");
}

Test(dev_rtc, alarm_flag_value) {
  rtct_write(0x0A, 0x20);
  rtct_set_time(0x02, 0x12, 0x00, 0x00);
  rtct_write(0x01, 0x02);
  rtct_write(0x03, 0x00);
  rtct_write(0x05, 0x12);
  rtct_write(0x0B, 0x22);
  rtct_run_to(2 * RTCT_S, false);
  cr_assert_eq(rtct_read(0x0C), 0xB0, "IRQF, AF, and UF (set by every update)");
}

Test(dev_rtc, alarm_dont_care) {
  rtct_write(0x0A, 0x20);
  rtct_set_time(0x02, 0x12, 0x00, 0x00);
  rtct_write(0x01, 0x30);
  rtct_write(0x03, 0xC0);
  rtct_write(0x05, 0xFF); /* every minute at :30 */
  rtct_write(0x0B, 0x22);
  rtct_run_to(181 * RTCT_S, true);
  cr_assert_eq(rtct_rises, 3);
  cr_assert_eq(rtct_first_rise, 30 * RTCT_S);
}

Test(dev_rtc, alarm_every_second) {
  rtct_write(0x0A, 0x20);
  rtct_write(0x01, 0xC0);
  rtct_write(0x03, 0xC0);
  rtct_write(0x05, 0xC0);
  rtct_write(0x0B, 0x22);
  rtct_run_to(5 * RTCT_S, true);
  cr_assert_eq(rtct_rises, 5);
}

Test(dev_rtc, divider_reset) {
  rtct_write(0x0A, 0x76); /* divider held in reset */
  rtct_ns = 3 * RTCT_S;
  cr_assert_eq(rtct_read(0x00), 0x58, "no updates while in reset");
  rtct_write(0x0A, 0x26);
  rtct_ns = 3 * RTCT_S + 499 * RTCT_MS;
  cr_assert_eq(rtct_read(0x00), 0x58);
  rtct_ns = 3 * RTCT_S + 500 * RTCT_MS;
  cr_assert_eq(rtct_read(0x00), 0x59, "first update 500 ms after leaving reset");
  rtct_ns = 4 * RTCT_S + 500 * RTCT_MS;
  cr_assert_eq(rtct_read(0x00), 0x00);
}

Test(dev_rtc, long_idle_skips_days) {
  /* 400 days and 3 s after 2024-02-29 23:59:58 (Thursday): by the
   * Gregorian calendar 2025-04-05 00:00:01, a Saturday. */
  rtct_ns = (400ull * 86400 + 3) * RTCT_S;
  cr_assert_eq(rtct_read(0x09), 0x25);
  cr_assert_eq(rtct_read(0x08), 0x04);
  cr_assert_eq(rtct_read(0x07), 0x05);
  cr_assert_eq(rtct_read(0x04), 0x00);
  cr_assert_eq(rtct_read(0x02), 0x00);
  cr_assert_eq(rtct_read(0x00), 0x01);
  cr_assert_eq(rtct_read(0x06), 0x07);
}

Test(dev_rtc, registers_c_d_read_only_and_a_uip_read_only) {
  rtct_write(0x0C, 0xFF);
  rtct_write(0x0D, 0x00);
  cr_assert_eq(rtct_read(0x0C), 0x00);
  cr_assert_eq(rtct_read(0x0D), 0x80);
  rtct_write(0x0A, 0xA6);
  cr_assert_eq(rtct_read(0x0A), 0x26);
}

Test(dev_rtc, nmi_mask_bit) {
  cr_assert_not(rtc_nmi_masked(&rtct_rtc));
  io_out(rtct_bus, 0x70, 1, 0x8F);
  cr_assert(rtc_nmi_masked(&rtct_rtc));
  cr_assert_eq(io_in(rtct_bus, 0x71, 1), 0x00, "register 0x0F selected");
  io_out(rtct_bus, 0x70, 1, 0x0F);
  cr_assert_not(rtc_nmi_masked(&rtct_rtc));
}

Test(dev_rtc, cmos_ram_and_api) {
  rtc_cmos_set(&rtct_rtc, 0x10, 0x40); /* floppy A: 1.44 MB */
  rtc_cmos_set(&rtct_rtc, 0x3D, 0x21);
  cr_assert_eq(rtct_read(0x10), 0x40);
  cr_assert_eq(rtct_read(0x3D), 0x21);
  rtct_write(0x7F, 0xAA);
  cr_assert_eq(rtc_cmos_get(&rtct_rtc, 0x7F), 0xAA);
  cr_assert_eq(rtc_cmos_get(&rtct_rtc, 0x00), 0x58);
}

Test(dev_rtc, cmos_file_round_trip) {
  char path[] = "/tmp/holo86-cmos-XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  close(fd);
  rtc_cmos_set(&rtct_rtc, 0x10, 0x44);
  rtc_cmos_set(&rtct_rtc, 0x2D, 0x99);
  rtct_write(0x0B, 0x06); /* binary */
  cr_assert_eq(rtc_cmos_save(&rtct_rtc, path), 0);

  IoBus *bus2 = iobus_new();
  Rtc r2;
  struct tm start = {.tm_year = 101, .tm_mon = 8, .tm_mday = 9, .tm_hour = 10, .tm_min = 11, .tm_sec = 12,
                     .tm_wday = 0};
  rtc_init(&r2, bus2, &start);
  cr_assert_eq(rtc_cmos_load(&r2, path), 0);
  cr_assert_eq(rtc_cmos_get(&r2, 0x10), 0x44);
  cr_assert_eq(rtc_cmos_get(&r2, 0x2D), 0x99);
  cr_assert_eq(rtc_cmos_get(&r2, 0x0B), 0x06, "data mode from the file");
  cr_assert_eq(rtc_cmos_get(&r2, 0x00), 12, "time from the creator, now binary");
  cr_assert_eq(rtc_cmos_get(&r2, 0x09), 1);
  cr_assert_eq(rtc_cmos_get(&r2, 0x32), 20);
  iobus_free(bus2);

  FILE *f = fopen(path, "ab");
  fputc(0, f);
  fclose(f);
  cr_assert_eq(rtc_cmos_load(&rtct_rtc, path), -1, "129 bytes is not a CMOS image");
  unlink(path);
  cr_assert_eq(rtc_cmos_load(&rtct_rtc, path), -1);
}

Test(dev_rtc, reset_clears_enables_and_flags) {
  rtct_write(0x0B, 0x7A);
  rtct_run_to(RTCT_S, false);
  cr_assert_eq(rtct_level, 1);
  rtct_rtc.dev.reset(&rtct_rtc.dev);
  cr_assert_eq(rtct_level, 0);
  cr_assert_eq(rtct_read(0x0B), 0x02);
  cr_assert_eq(rtct_read(0x00), 0x59, "the time is kept");
}

Test(dev_rtc, save_and_load) {
  rtct_write(0x0B, 0x42);
  rtc_cmos_set(&rtct_rtc, 0x40, 0x5A);
  rtct_ns = 1500 * RTCT_MS;
  StateBuf s = {0};
  rtct_rtc.dev.save(&rtct_rtc.dev, &s);

  IoBus *bus2 = iobus_new();
  Rtc r2;
  struct tm start = {.tm_year = 100, .tm_mday = 1};
  rtc_init(&r2, bus2, &start);
  r2.now = rtct_now;
  r2.dev.load(&r2.dev, &s);
  cr_assert_not(s.error);
  rtct_ns = 2 * RTCT_S;
  io_out(bus2, 0x70, 1, 0x00);
  cr_assert_eq(io_in(bus2, 0x71, 1), 0x00, "two updates after 23:59:58");
  io_out(bus2, 0x70, 1, 0x40);
  cr_assert_eq(io_in(bus2, 0x71, 1), 0x5A);
  iobus_free(bus2);
  free(s.data);
}
