/* The Motorola MC146818 real-time clock and its 128 bytes of battery-backed
 * CMOS RAM, at ports 0x70 (index; bit 7 masks NMI) and 0x71 (data).
 *
 *   0x00-0x09  seconds, alarm seconds, minutes, alarm minutes, hours,
 *              alarm hours, day of week (1 = Sunday), day, month, year
 *   0x0A-0x0D  registers A (UIP, divider, periodic rate), B (SET, PIE,
 *              AIE, UIE, SQWE, DM, 24/12, DSE), C (IRQF, PF, AF, UF;
 *              read-only, cleared by reading) and D (VRT; read-only)
 *   0x0E-0x7F  general RAM; 0x32 holds the century, which this clock
 *              advances when the year wraps from 99 to 00 (PC convention)
 *
 * The clock starts from a time its creator gives (usually the host's
 * local time; tests and deterministic runs pass a fixed one) and then
 * advances with virtual time only. The time registers hold the time in
 * the format register B selects, exactly as the chip stores it. */
#ifndef HOLO86_RTC_H
#define HOLO86_RTC_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "devices/device.h"
#include "devices/iobus.h"

#define RTC_IRQ 8

/* CMOS locations the PC firmware uses (IBM AT layout). */
enum {
  RTC_REG_A = 0x0A,
  RTC_REG_B = 0x0B,
  RTC_REG_C = 0x0C,
  RTC_REG_D = 0x0D,
  RTC_CMOS_CENTURY = 0x32,
};

typedef struct Rtc {
  Device dev;
  uint8_t cmos[128];   /* registers and RAM; C holds the flags */
  uint8_t index;       /* register selected at port 0x70 */
  bool nmi_masked;     /* port 0x70 bit 7 */
  bool irq_level;      /* level last driven on the IRQ line */
  uint64_t sync_ns;    /* flags and time are brought up to this time */
  /* The divider chain, counted in 32.768 kHz ticks: at time t >= origin
   * it reads div_base + (t - origin) * 32768 / 1e9. An update cycle
   * ends at every multiple of 32768 ticks. While the divider is held in
   * reset or stopped it stays at div_base. */
  uint64_t div_origin_ns;
  uint64_t div_base;
  int irq;
  /* Wiring, set by the creator after rtc_init (all optional). */
  void (*set_irq)(void *opaque, int irq, int level);
  uint64_t (*now)(void *opaque);  /* current virtual time, ns */
  void (*resched)(void *opaque);  /* the next deadline may have moved */
  void *opaque;
} Rtc;

/* Power-on state with the time *start (tm_sec, tm_min, tm_hour, tm_mday,
 * tm_mon, tm_year, tm_wday are used) at virtual time 0, 24-hour BCD mode,
 * divider running with the 1024 Hz rate (register A = 0x26). */
void rtc_init(Rtc *r, IoBus *bus, const struct tm *start);

/* Whether the guest has masked NMI (port 0x70 bit 7). */
bool rtc_nmi_masked(const Rtc *r);

/* CMOS contents as the machine sees them (configuration bytes: memory
 * sizes, equipment, floppy types, boot order...). Indexes 0..127; the
 * clock registers are accessed raw, without side effects. */
void rtc_cmos_set(Rtc *r, int index, uint8_t value);
uint8_t rtc_cmos_get(Rtc *r, int index);

/* Battery-backed contents: a file of exactly 128 bytes. Loading keeps the
 * current time (re-encoded in the loaded data mode) and takes the RAM,
 * alarm bytes, rate and data mode from the file. Return 0, or -1 with
 * errno set (EINVAL for a file of the wrong size). */
int rtc_cmos_load(Rtc *r, const char *path);
int rtc_cmos_save(Rtc *r, const char *path);

#endif
