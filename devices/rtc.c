/* MC146818 real-time clock and CMOS RAM; see rtc.h.
 *
 * Written from the Motorola MC146818A datasheet, for the 32.768 kHz time
 * base a PC uses (register A divider bits 010). Everything is counted on
 * that divider chain:
 *   - an update cycle (time advances one second, then the alarm is
 *     compared and UF/AF set) happens every 32768 ticks;
 *   - UIP reads 1 during the 8 ticks (244 us) before each update, so a
 *     guest that sees UIP = 0 has at least 244 us to read the time;
 *   - the periodic flag PF is set each time the divider tap chosen by
 *     the rate bits RS3-0 ticks over (rate 6: every 32 ticks, 1024 Hz).
 * Flags are computed lazily: whenever the guest or timer() looks, the
 * clock catches up from sync_ns to now. Flags are set whatever the enable
 * bits say; IRQF and the IRQ line follow flags AND enables. */
#include "devices/rtc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define RTC_TICK_HZ 32768u
#define RTC_UIP_TICKS 8u /* 244.1 us */

enum {
  RTC_SEC = 0, RTC_SEC_ALARM = 1, RTC_MIN = 2, RTC_MIN_ALARM = 3, RTC_HOUR = 4, RTC_HOUR_ALARM = 5,
  RTC_DOW = 6, RTC_DAY = 7, RTC_MONTH = 8, RTC_YEAR = 9,
};

/* Register A: divider bits 6-4, rate bits 3-0. */
#define RTC_A_UIP 0x80
#define RTC_DV_RUN 0x20
/* Register B. */
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_SQWE 0x08
#define RTC_B_DM 0x04   /* binary (1) or BCD (0) */
#define RTC_B_24H 0x02
#define RTC_B_DSE 0x01
/* Register C. */
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10

#define RTC_NEVER UINT64_MAX

static uint64_t rtc_now(Rtc *r) {
  if (r->now) {
    uint64_t t = r->now(r->opaque);
    if (t > r->sync_ns) return t;
  }
  return r->sync_ns;
}

/* --- the divider chain ------------------------------------------------- */

static bool rtc_divider_running(const Rtc *r) { return (r->cmos[RTC_REG_A] & 0x70) == RTC_DV_RUN; }

static uint64_t rtc_div_at(const Rtc *r, uint64_t ns) {
  if (!rtc_divider_running(r) || ns <= r->div_origin_ns) return r->div_base;
  return r->div_base + (uint64_t)((unsigned __int128)(ns - r->div_origin_ns) * RTC_TICK_HZ / 1000000000u);
}

/* The time at which the divider reaches tick d (d > div_base). */
static uint64_t rtc_div_ns(const Rtc *r, uint64_t d) {
  unsigned __int128 ns = ((unsigned __int128)(d - r->div_base) * 1000000000u + RTC_TICK_HZ - 1) / RTC_TICK_HZ;
  ns += r->div_origin_ns;
  return ns > RTC_NEVER ? RTC_NEVER : (uint64_t)ns;
}

/* Divider ticks per periodic interrupt for rate bits rs, 0 = none. Rates
 * 1 and 2 repeat 8 and 9 (256 and 128 Hz) on a 32.768 kHz time base. */
static uint64_t rtc_periodic_ticks(const Rtc *r) {
  unsigned rs = r->cmos[RTC_REG_A] & 15;
  if (rs == 0) return 0;
  if (rs <= 2) rs += 7;
  return 1ull << (rs - 1);
}

/* --- time registers --------------------------------------------------- */

typedef struct RtcTime {
  int sec, min, hour, dow, day, month, year, century;
} RtcTime;

static bool rtc_binary(const Rtc *r) { return r->cmos[RTC_REG_B] & RTC_B_DM; }

static int rtc_decode(const Rtc *r, uint8_t v) {
  return rtc_binary(r) ? v : (v >> 4) * 10 + (v & 15);
}

static uint8_t rtc_encode(const Rtc *r, int v) {
  return (uint8_t)(rtc_binary(r) ? v : (v / 10) << 4 | v % 10);
}

/* The hours byte in the current mode: 12-hour mode keeps 1..12 with the
 * PM flag in bit 7. */
static uint8_t rtc_encode_hour(const Rtc *r, int h24) {
  if (r->cmos[RTC_REG_B] & RTC_B_24H) return rtc_encode(r, h24);
  int h12 = h24 % 12 ? h24 % 12 : 12;
  return (uint8_t)(rtc_encode(r, h12) | (h24 >= 12 ? 0x80 : 0));
}

static int rtc_decode_hour(const Rtc *r, uint8_t v) {
  if (r->cmos[RTC_REG_B] & RTC_B_24H) return rtc_decode(r, v);
  return rtc_decode(r, v & 0x7F) % 12 + (v & 0x80 ? 12 : 0);
}

static RtcTime rtc_get_time(const Rtc *r) {
  const uint8_t *c = r->cmos;
  return (RtcTime){.sec = rtc_decode(r, c[RTC_SEC]), .min = rtc_decode(r, c[RTC_MIN]),
                   .hour = rtc_decode_hour(r, c[RTC_HOUR]), .dow = rtc_decode(r, c[RTC_DOW]),
                   .day = rtc_decode(r, c[RTC_DAY]), .month = rtc_decode(r, c[RTC_MONTH]),
                   .year = rtc_decode(r, c[RTC_YEAR]), .century = rtc_decode(r, c[RTC_CMOS_CENTURY])};
}

static void rtc_put_time(Rtc *r, const RtcTime *t) {
  uint8_t *c = r->cmos;
  c[RTC_SEC] = rtc_encode(r, t->sec);
  c[RTC_MIN] = rtc_encode(r, t->min);
  c[RTC_HOUR] = rtc_encode_hour(r, t->hour);
  c[RTC_DOW] = rtc_encode(r, t->dow);
  c[RTC_DAY] = rtc_encode(r, t->day);
  c[RTC_MONTH] = rtc_encode(r, t->month);
  c[RTC_YEAR] = rtc_encode(r, t->year);
  c[RTC_CMOS_CENTURY] = rtc_encode(r, t->century);
}

/* The chip's leap year rule: every year divisible by 4. */
static int rtc_month_days(int month, int year) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 31;
  return days[month - 1] + (month == 2 && year % 4 == 0);
}

/* One second later. Out-of-range values the guest wrote roll over at the
 * next carry instead of counting forever. */
static void rtc_tick_second(RtcTime *t) {
  if (++t->sec < 60) return;
  t->sec = 0;
  if (++t->min < 60) return;
  t->min = 0;
  if (++t->hour < 24) return;
  t->hour = 0;
  t->dow = t->dow >= 7 || t->dow < 1 ? 1 : t->dow + 1;
  if (++t->day <= rtc_month_days(t->month, t->year)) return;
  t->day = 1;
  if (++t->month <= 12) return;
  t->month = 1;
  if (++t->year < 100) return;
  t->year = 0;
  t->century = (t->century + 1) % 100;
}

/* Days since 0000-03-01 in the proleptic calendar of the chip's rule
 * (only used to skip over long idle periods). */
static int64_t rtc_days(const RtcTime *t) {
  int64_t y = (int64_t)t->century * 100 + t->year, m = t->month;
  if (m < 1 || m > 12) m = 1;
  if (m <= 2) {
    y--;
    m += 12;
  }
  return 365 * y + y / 4 + (153 * (m - 3) + 2) / 5 + t->day - 1;
}

static void rtc_from_days(RtcTime *t, int64_t days) {
  int64_t y = (4 * days + 3) / 1461; /* years of 365.25 days from 0000-03-01 */
  int64_t doy = days - (365 * y + y / 4);
  int64_t m = (5 * doy + 2) / 153;
  t->day = (int)(doy - (153 * m + 2) / 5 + 1);
  t->month = (int)(m < 10 ? m + 3 : m - 9);
  if (t->month <= 2) y++;
  t->year = (int)(y % 100);
  t->century = (int)(y / 100 % 100);
}

/* Alarm bytes match the time bytes, or are "don't care" (0xC0-0xFF). */
static bool rtc_alarm_matches(const Rtc *r) {
  static const int pairs[3][2] = {{RTC_SEC_ALARM, RTC_SEC}, {RTC_MIN_ALARM, RTC_MIN}, {RTC_HOUR_ALARM, RTC_HOUR}};
  for (int i = 0; i < 3; i++) {
    uint8_t alarm = r->cmos[pairs[i][0]];
    if ((alarm & 0xC0) != 0xC0 && alarm != r->cmos[pairs[i][1]]) return false;
  }
  return true;
}

/* n update cycles: the time advances n seconds, and each cycle ends with
 * UF and possibly AF. Past a day, whole days are skipped first: in any
 * day a matching alarm has had its chance. */
static void rtc_run_updates(Rtc *r, uint64_t n) {
  RtcTime t = rtc_get_time(r);
  if (n > 86400) {
    uint64_t skip = n - 86400;
    int64_t secs = (int64_t)t.hour * 3600 + t.min * 60 + t.sec + (int64_t)(skip % 86400);
    int64_t days = (int64_t)(skip / 86400) + secs / 86400;
    secs %= 86400;
    rtc_from_days(&t, rtc_days(&t) + days);
    t.dow = (int)(((t.dow - 1 + days) % 7 + 7) % 7 + 1);
    t.hour = (int)(secs / 3600);
    t.min = (int)(secs / 60 % 60);
    t.sec = (int)(secs % 60);
    n = 86400;
  }
  for (uint64_t i = 0; i < n; i++) {
    rtc_tick_second(&t);
    rtc_put_time(r, &t);
    r->cmos[RTC_REG_C] |= RTC_C_UF;
    if (rtc_alarm_matches(r)) r->cmos[RTC_REG_C] |= RTC_C_AF;
  }
}

/* --- flags and the IRQ line --------------------------------------------- */

static bool rtc_irqf(const Rtc *r) {
  uint8_t c = r->cmos[RTC_REG_C], b = r->cmos[RTC_REG_B];
  return ((c & RTC_C_PF) && (b & RTC_B_PIE)) || ((c & RTC_C_AF) && (b & RTC_B_AIE)) ||
         ((c & RTC_C_UF) && (b & RTC_B_UIE));
}

static void rtc_update_irq(Rtc *r) {
  bool level = rtc_irqf(r);
  if (level) r->cmos[RTC_REG_C] |= RTC_C_IRQF;
  else r->cmos[RTC_REG_C] &= (uint8_t)~RTC_C_IRQF;
  if (level != r->irq_level) {
    r->irq_level = level;
    if (r->set_irq) r->set_irq(r->opaque, r->irq, level);
  }
}

/* Bring time and flags from sync_ns up to now. */
static void rtc_catch_up(Rtc *r, uint64_t now) {
  if (now <= r->sync_ns) return;
  uint64_t d0 = rtc_div_at(r, r->sync_ns), d1 = rtc_div_at(r, now);
  r->sync_ns = now;
  if (d1 == d0) return;
  uint64_t period = rtc_periodic_ticks(r);
  if (period && d1 / period != d0 / period) r->cmos[RTC_REG_C] |= RTC_C_PF;
  uint64_t updates = d1 / RTC_TICK_HZ - d0 / RTC_TICK_HZ;
  if (updates && !(r->cmos[RTC_REG_B] & RTC_B_SET)) rtc_run_updates(r, updates);
  rtc_update_irq(r);
}

static bool rtc_uip(const Rtc *r, uint64_t now) {
  if (!rtc_divider_running(r) || (r->cmos[RTC_REG_B] & RTC_B_SET)) return false;
  return rtc_div_at(r, now) % RTC_TICK_HZ >= RTC_TICK_HZ - RTC_UIP_TICKS;
}

/* Register A write: the divider bits start, stop or reset the chain. */
static void rtc_write_a(Rtc *r, uint8_t v, uint64_t now) {
  bool was_running = rtc_divider_running(r);
  bool was_reset = (r->cmos[RTC_REG_A] & 0x60) == 0x60;
  uint64_t d = rtc_div_at(r, now);
  r->cmos[RTC_REG_A] = v & 0x7F;
  if (rtc_divider_running(r) && !was_running) {
    /* Out of reset, the first update comes 500 ms later: start the
     * chain half a second into its cycle. */
    r->div_base = was_reset ? RTC_TICK_HZ / 2 : d;
    r->div_origin_ns = now;
  } else if (!rtc_divider_running(r)) {
    r->div_base = (v & 0x60) == 0x60 ? 0 : d;
    r->div_origin_ns = now;
  }
}

static void rtc_write_b(Rtc *r, uint8_t v) {
  /* Setting SET aborts any update and clears UIE (datasheet). */
  if (v & RTC_B_SET) v &= (uint8_t)~RTC_B_UIE;
  r->cmos[RTC_REG_B] = v;
}

/* --- ports ------------------------------------------------------------ */

static uint8_t rtc_read_data(Rtc *r) {
  uint64_t now = rtc_now(r);
  rtc_catch_up(r, now);
  uint8_t v;
  switch (r->index) {
  case RTC_REG_A: v = (uint8_t)(r->cmos[RTC_REG_A] | (rtc_uip(r, now) ? RTC_A_UIP : 0)); break;
  case RTC_REG_C:
    v = r->cmos[RTC_REG_C];
    r->cmos[RTC_REG_C] = 0;
    rtc_update_irq(r);
    if (r->resched) r->resched(r->opaque); /* deadlines matter again */
    break;
  case RTC_REG_D: v = 0x80; break; /* VRT: the battery is fine */
  default: v = r->cmos[r->index]; break;
  }
  return v;
}

static void rtc_write_data(Rtc *r, uint8_t v) {
  uint64_t now = rtc_now(r);
  rtc_catch_up(r, now);
  switch (r->index) {
  case RTC_REG_A: rtc_write_a(r, v, now); break;
  case RTC_REG_B: rtc_write_b(r, v); break;
  case RTC_REG_C:
  case RTC_REG_D: return; /* read-only */
  default: r->cmos[r->index] = v; break;
  }
  rtc_update_irq(r);
  if (r->resched) r->resched(r->opaque);
}

static uint32_t rtc_io_in(void *opaque, uint16_t port, int size) {
  Rtc *r = opaque;
  uint32_t v = 0;
  for (int i = 0; i < size; i++) {
    uint16_t p = (uint16_t)(port + i);
    /* The index port is write-only on the chip; reading gives the last
     * value written, which is what most chipsets return. */
    uint8_t b = p == 0x70 ? (uint8_t)(r->index | (r->nmi_masked ? 0x80 : 0)) : p == 0x71 ? rtc_read_data(r) : 0xFF;
    v |= (uint32_t)b << (8 * i);
  }
  return v;
}

static void rtc_io_out(void *opaque, uint16_t port, int size, uint32_t value) {
  Rtc *r = opaque;
  for (int i = 0; i < size; i++) {
    uint16_t p = (uint16_t)(port + i);
    uint8_t b = (uint8_t)(value >> (8 * i));
    if (p == 0x70) {
      r->index = b & 0x7F;
      r->nmi_masked = b & 0x80;
    } else if (p == 0x71) {
      rtc_write_data(r, b);
    }
  }
}

static const IoPortOps rtc_ops = {rtc_io_in, rtc_io_out};

/* --- public API --------------------------------------------------------- */

bool rtc_nmi_masked(const Rtc *r) { return r->nmi_masked; }

void rtc_cmos_set(Rtc *r, int index, uint8_t value) {
  if (index >= 0 && index < 128) r->cmos[index] = value;
}

uint8_t rtc_cmos_get(Rtc *r, int index) {
  if (index < 0 || index >= 128) return 0xFF;
  rtc_catch_up(r, rtc_now(r));
  return r->cmos[index];
}

int rtc_cmos_load(Rtc *r, const char *path) {
  uint8_t buf[129];
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf, f);
  int err = ferror(f);
  fclose(f);
  if (err) {
    errno = EIO;
    return -1;
  }
  if (n != 128) {
    errno = EINVAL;
    return -1;
  }
  rtc_catch_up(r, rtc_now(r));
  RtcTime t = rtc_get_time(r); /* the host's time wins over the file's */
  memcpy(r->cmos + 0x0E, buf + 0x0E, 128 - 0x0E);
  r->cmos[RTC_SEC_ALARM] = buf[RTC_SEC_ALARM];
  r->cmos[RTC_MIN_ALARM] = buf[RTC_MIN_ALARM];
  r->cmos[RTC_HOUR_ALARM] = buf[RTC_HOUR_ALARM];
  /* Rate and data mode persist; the divider stays running and interrupt
   * enables start off as after a reset. */
  r->cmos[RTC_REG_A] = (uint8_t)((r->cmos[RTC_REG_A] & 0x70) | (buf[RTC_REG_A] & 0x0F));
  r->cmos[RTC_REG_B] = buf[RTC_REG_B] & (RTC_B_DM | RTC_B_24H | RTC_B_DSE);
  rtc_put_time(r, &t);
  rtc_update_irq(r);
  return 0;
}

int rtc_cmos_save(Rtc *r, const char *path) {
  rtc_catch_up(r, rtc_now(r));
  uint8_t buf[128];
  memcpy(buf, r->cmos, sizeof buf);
  buf[RTC_REG_C] = 0;
  buf[RTC_REG_D] = 0x80;
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t n = fwrite(buf, 1, sizeof buf, f);
  if (fclose(f) != 0 || n != sizeof buf) {
    if (!errno) errno = EIO;
    return -1;
  }
  return 0;
}

/* --- Device hooks -------------------------------------------------------- */

/* The next time the IRQ line could rise: only enabled events matter, and
 * only while the line is low (a raised line stays up until C is read). */
static uint64_t rtc_timer(Device *d, uint64_t now_ns) {
  Rtc *r = (Rtc *)d;
  rtc_catch_up(r, now_ns);
  if (r->irq_level || !rtc_divider_running(r)) return RTC_NEVER;
  uint8_t b = r->cmos[RTC_REG_B];
  uint64_t dnow = rtc_div_at(r, r->sync_ns), next = RTC_NEVER;
  uint64_t period = rtc_periodic_ticks(r);
  if ((b & RTC_B_PIE) && period) next = rtc_div_ns(r, (dnow / period + 1) * period);
  if ((b & (RTC_B_UIE | RTC_B_AIE)) && !(b & RTC_B_SET)) {
    uint64_t u = rtc_div_ns(r, (dnow / RTC_TICK_HZ + 1) * RTC_TICK_HZ);
    if (u < next) next = u;
  }
  return next;
}

/* The RESET pin: interrupt enables, square wave and flags are cleared;
 * time, divider and RAM are untouched (they are battery-backed). */
static void rtc_reset(Device *d) {
  Rtc *r = (Rtc *)d;
  rtc_catch_up(r, rtc_now(r));
  r->cmos[RTC_REG_B] &= (uint8_t)~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
  r->cmos[RTC_REG_C] = 0;
  rtc_update_irq(r);
}

#define RTC_STATE_VERSION 1

static void rtc_save(Device *d, StateBuf *s) {
  Rtc *r = (Rtc *)d;
  uint8_t head[4] = {RTC_STATE_VERSION, r->index, r->nmi_masked, r->irq_level};
  uint64_t q[3] = {r->sync_ns, r->div_origin_ns, r->div_base};
  state_put(s, head, sizeof head);
  state_put(s, r->cmos, sizeof r->cmos);
  state_put(s, q, sizeof q);
}

static void rtc_load(Device *d, StateBuf *s) {
  Rtc *r = (Rtc *)d;
  uint8_t head[4], cmos[128];
  uint64_t q[3];
  state_get(s, head, sizeof head);
  state_get(s, cmos, sizeof cmos);
  state_get(s, q, sizeof q);
  if (s->error || head[0] != RTC_STATE_VERSION) {
    s->error = true;
    return;
  }
  r->index = head[1] & 0x7F;
  r->nmi_masked = head[2] & 1;
  r->irq_level = head[3] & 1;
  memcpy(r->cmos, cmos, sizeof cmos);
  r->sync_ns = q[0];
  r->div_origin_ns = q[1];
  r->div_base = q[2];
  if (r->resched) r->resched(r->opaque);
}

void rtc_init(Rtc *r, IoBus *bus, const struct tm *start) {
  *r = (Rtc){.dev = {.name = "rtc", .reset = rtc_reset, .save = rtc_save, .load = rtc_load, .timer = rtc_timer},
             .irq = RTC_IRQ};
  r->cmos[RTC_REG_A] = RTC_DV_RUN | 6;
  r->cmos[RTC_REG_B] = RTC_B_24H;
  r->cmos[RTC_REG_D] = 0x80;
  int year = start->tm_year + 1900;
  RtcTime t = {.sec = start->tm_sec > 59 ? 59 : start->tm_sec, .min = start->tm_min, .hour = start->tm_hour,
               .dow = start->tm_wday + 1, .day = start->tm_mday, .month = start->tm_mon + 1,
               .year = year % 100, .century = year / 100 % 100};
  rtc_put_time(r, &t);
  iobus_register(bus, 0x70, 2, &rtc_ops, r, "rtc");
}
