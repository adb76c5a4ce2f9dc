/* The four devices wired as on a PC: PIT on IRQ0, COM1 on IRQ4, RTC on
 * IRQ8 through the slave PIC, all on one I/O bus, each handed
 * pic_irq_callback as its set_irq. Checks the vectors a CPU would get. */
#include <criterion/criterion.h>

#include "devices/iobus.h"
#include "devices/pic.h"
#include "devices/pit.h"
#include "devices/rtc.h"
#include "devices/uart.h"

static IoBus *wt_bus;
static Pic wt_pic;
static Pit wt_pit;
static Rtc wt_rtc;
static Uart wt_uart;
static uint64_t wt_ns;

static uint64_t wt_now(void *opaque) {
  (void)opaque;
  return wt_ns;
}

static void wt_out(uint16_t port, uint8_t v) { io_out(wt_bus, port, 1, v); }

static void wt_setup(void) {
  wt_ns = 0;
  wt_bus = iobus_new();
  pic_init(&wt_pic, wt_bus);
  pit_init(&wt_pit, wt_bus);
  struct tm start = {.tm_year = 124, .tm_mday = 1};
  rtc_init(&wt_rtc, wt_bus, &start);
  uart_init(&wt_uart, wt_bus, UART_COM1_BASE, UART_COM1_IRQ);
  wt_pit.set_irq = wt_rtc.set_irq = wt_uart.set_irq = pic_irq_callback;
  wt_pit.opaque = wt_rtc.opaque = wt_uart.opaque = &wt_pic;
  wt_pit.now = wt_rtc.now = wt_uart.now = wt_now;
  /* BIOS-style PIC setup. */
  wt_out(0x20, 0x11);
  wt_out(0x21, 0x08);
  wt_out(0x21, 0x04);
  wt_out(0x21, 0x01);
  wt_out(0xA0, 0x11);
  wt_out(0xA1, 0x70);
  wt_out(0xA1, 0x02);
  wt_out(0xA1, 0x01);
  wt_out(0x21, 0x00);
  wt_out(0xA1, 0x00);
}

static void wt_teardown(void) { iobus_free(wt_bus); }

/* Run every device's timer at its deadlines up to ns. */
static void wt_run_to(uint64_t ns) {
  Device *devs[3] = {&wt_pit.dev, &wt_rtc.dev, &wt_uart.dev};
  for (;;) {
    uint64_t next = UINT64_MAX;
    for (int i = 0; i < 3; i++) {
      uint64_t d = devs[i]->timer(devs[i], wt_ns);
      if (d < next) next = d;
    }
    if (next > ns) break;
    wt_ns = next;
  }
  wt_ns = ns;
  for (int i = 0; i < 3; i++) devs[i]->timer(devs[i], ns);
}

TestSuite(dev_wiring, .init = wt_setup, .fini = wt_teardown);

Test(dev_wiring, timer_tick_vector) {
  wt_out(0x43, 0x34);
  wt_out(0x40, 0x00);
  wt_out(0x40, 0x10); /* 4096 ticks */
  wt_run_to(1000000); /* 1 ms: 1193 ticks */
  cr_assert_not(pic_intr(&wt_pic));
  wt_run_to(4000000); /* 4772 ticks: one period done */
  cr_assert(pic_intr(&wt_pic));
  cr_assert_eq(pic_ack(&wt_pic), 0x08);
  wt_out(0x20, 0x20);
  cr_assert_not(pic_intr(&wt_pic));
}

Test(dev_wiring, late_ack_still_one_tick_per_period) {
  wt_out(0x43, 0x34);
  wt_out(0x40, 0xE8);
  wt_out(0x40, 0x03); /* 1000 ticks, 838 us */
  int ticks = 0;
  /* A CPU that only looks every 2 ms sees one pending tick each time. */
  for (int ms = 2; ms <= 20; ms += 2) {
    wt_run_to((uint64_t)ms * 1000000);
    if (pic_intr(&wt_pic)) {
      cr_assert_eq(pic_ack(&wt_pic), 0x08);
      wt_out(0x20, 0x20);
      ticks++;
    }
  }
  cr_assert_eq(ticks, 10);
}

Test(dev_wiring, rtc_through_the_slave) {
  wt_out(0x70, 0x0B);
  wt_out(0x71, 0x42); /* PIE at 1024 Hz */
  wt_run_to(1000000);
  cr_assert(pic_intr(&wt_pic));
  cr_assert_eq(pic_ack(&wt_pic), 0x70);
  wt_out(0x70, 0x0C);
  cr_assert_eq(io_in(wt_bus, 0x71, 1) & 0xC0, 0xC0);
  wt_out(0xA0, 0x20);
  wt_out(0x20, 0x20);
  cr_assert_not(pic_intr(&wt_pic));
  wt_run_to(2000000);
  cr_assert_eq(pic_ack(&wt_pic), 0x70, "the next periodic interrupt");
}

Test(dev_wiring, com1_receive_interrupt) {
  wt_out(0x3FC, 0x08); /* OUT2 */
  wt_out(0x3F9, 0x01);
  uart_receive(&wt_uart, 'k');
  cr_assert(pic_intr(&wt_pic));
  cr_assert_eq(pic_ack(&wt_pic), 0x0C);
  cr_assert_eq(io_in(wt_bus, 0x3F8, 1), 'k');
  wt_out(0x20, 0x20);
  cr_assert_not(pic_intr(&wt_pic));
}
