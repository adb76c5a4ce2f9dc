/* 16550A UART: behaviour expected from the NS PC16550D datasheet, driven
 * through the ports, the backend hooks, timer() and a fake virtual clock.
 * The port under test is COM2 (0x2F8, IRQ3), to check that base and IRQ
 * really are parameters. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "devices/iobus.h"
#include "devices/uart.h"

#define UT_BASE 0x2F8
enum { UT_RBR = 0, UT_IER = 1, UT_IIR = 2, UT_FCR = 2, UT_LCR = 3, UT_MCR = 4, UT_LSR = 5, UT_MSR = 6, UT_SCR = 7 };

static IoBus *ut_bus;
static Uart ut_uart;
static uint64_t ut_ns;
static int ut_level;
static char ut_sent[256];
static int ut_nsent;

/* 8 data bits, no parity, 1 stop bit = 10 bits; at divisor 12 (9600
 * baud) a bit is 12 * 16 / 1843200 s = 104.1667 us. */
#define UT_CHAR_NS 1041667ull

static uint64_t ut_now(void *opaque) {
  (void)opaque;
  return ut_ns;
}

static void ut_set_irq(void *opaque, int irq, int level) {
  (void)opaque;
  cr_assert_eq(irq, 3);
  ut_level = level;
}

static void ut_write(void *opaque, uint8_t byte) {
  (void)opaque;
  if (ut_nsent < (int)sizeof ut_sent - 1) ut_sent[ut_nsent++] = (char)byte;
}

static uint8_t ut_in(int reg) { return (uint8_t)io_in(ut_bus, (uint16_t)(UT_BASE + reg), 1); }
static void ut_out(int reg, uint8_t v) { io_out(ut_bus, (uint16_t)(UT_BASE + reg), 1, v); }

static void ut_setup(void) {
  ut_ns = 0;
  ut_level = 0;
  ut_nsent = 0;
  memset(ut_sent, 0, sizeof ut_sent);
  ut_bus = iobus_new();
  uart_init(&ut_uart, ut_bus, UT_BASE, 3);
  ut_uart.set_irq = ut_set_irq;
  ut_uart.now = ut_now;
  ut_uart.backend = (UartBackend){ut_write, NULL};
  ut_out(UT_LCR, 0x03); /* 8N1 */
}

static void ut_teardown(void) { iobus_free(ut_bus); }

static void ut_run_to(uint64_t ns) {
  uint64_t next = ut_uart.dev.timer(&ut_uart.dev, ut_ns);
  while (next <= ns) {
    cr_assert_gt(next, ut_ns, "deadlines move forward");
    ut_ns = next;
    next = ut_uart.dev.timer(&ut_uart.dev, ut_ns);
  }
  ut_ns = ns;
  ut_uart.dev.timer(&ut_uart.dev, ns);
}

TestSuite(dev_uart, .init = ut_setup, .fini = ut_teardown);

Test(dev_uart, reset_values) {
  cr_assert_eq(ut_in(UT_IER), 0x00);
  cr_assert_eq(ut_in(UT_IIR), 0x01, "no interrupt pending, FIFOs off");
  cr_assert_eq(ut_in(UT_MCR), 0x00);
  cr_assert_eq(ut_in(UT_LSR), 0x60, "THRE and TEMT");
  cr_assert_eq(ut_in(UT_MSR), 0xB0, "CTS, DSR and DCD of an attached terminal, no deltas");
  cr_assert_eq(io_in(ut_bus, 0x3F8, 1), 0xFF, "nothing at COM1");
}

Test(dev_uart, divisor_latch) {
  ut_out(UT_LCR, 0x83);
  ut_out(UT_RBR, 0x01);
  ut_out(UT_IER, 0x02);
  cr_assert_eq(ut_in(UT_RBR), 0x01);
  cr_assert_eq(ut_in(UT_IER), 0x02);
  ut_out(UT_LCR, 0x03);
  cr_assert_eq(ut_in(UT_IER), 0x00, "IER is untouched by divisor writes");
  ut_out(UT_IER, 0xFF);
  cr_assert_eq(ut_in(UT_IER), 0x0F, "IER bits 4-7 are always 0");
  ut_out(UT_IER, 0x00);
  ut_out(UT_LCR, 0x80);
  cr_assert_eq(ut_in(UT_RBR), 0x01);
  cr_assert_eq(ut_in(UT_IER), 0x02);
  cr_assert_eq(ut_in(UT_LCR), 0x80);
}

Test(dev_uart, scratch_register) {
  ut_out(UT_SCR, 0x5A);
  cr_assert_eq(ut_in(UT_SCR), 0x5A);
}

Test(dev_uart, transmit_paced_by_baud_rate) {
  ut_out(UT_RBR, 'H');
  cr_assert_eq(ut_nsent, 1, "the byte is on the wire");
  cr_assert_eq(ut_in(UT_LSR) & 0x60, 0x20, "THR empty, transmitter busy");
  ut_out(UT_RBR, 'i');
  cr_assert_eq(ut_in(UT_LSR) & 0x60, 0x00, "THR full");
  ut_run_to(UT_CHAR_NS - 1);
  cr_assert_eq(ut_nsent, 1);
  cr_assert_eq(ut_in(UT_LSR) & 0x60, 0x00);
  ut_run_to(UT_CHAR_NS);
  cr_assert_eq(ut_nsent, 2);
  cr_assert_eq(ut_in(UT_LSR) & 0x60, 0x20);
  ut_run_to(2 * UT_CHAR_NS);
  cr_assert_eq(ut_in(UT_LSR) & 0x60, 0x60, "all sent");
  cr_assert_str_eq(ut_sent, "Hi");
}

Test(dev_uart, character_time_follows_format) {
  /* 115200 baud, 7 data bits, even parity, 2 stop bits: 11 bits. */
  ut_out(UT_LCR, 0x80);
  ut_out(UT_RBR, 1);
  ut_out(UT_IER, 0);
  ut_out(UT_LCR, 0x1E);
  ut_out(UT_RBR, 'x');
  uint64_t char_ns = (11ull * 16 * 1000000000ull + 1843200 / 2) / 1843200; /* 95486 ns */
  ut_ns = char_ns - 1;
  cr_assert_eq(ut_in(UT_LSR) & 0x40, 0);
  ut_ns = char_ns;
  cr_assert_eq(ut_in(UT_LSR) & 0x40, 0x40);
}

Test(dev_uart, no_output_lost_on_overrun) {
  ut_out(UT_FCR, 0x01);
  const char *msg = "The quick brown fox jumps over the lazy dog";
  for (const char *p = msg; *p; p++) ut_out(UT_RBR, (uint8_t)*p); /* never looks at THRE */
  ut_run_to(100 * UT_CHAR_NS);
  cr_assert_str_eq(ut_sent, msg);
}

Test(dev_uart, fifo_transmit_drains_at_line_rate) {
  ut_out(UT_FCR, 0x07);
  for (int i = 0; i < 17; i++) ut_out(UT_RBR, (uint8_t)('a' + i));
  cr_assert_eq(ut_nsent, 1, "one in the shift register, 16 in the FIFO");
  ut_run_to(8 * UT_CHAR_NS);
  cr_assert_eq(ut_nsent, 9);
  ut_run_to(17 * UT_CHAR_NS);
  cr_assert_eq(ut_nsent, 17);
  cr_assert_eq(ut_in(UT_LSR) & 0x60, 0x60);
  cr_assert_str_eq(ut_sent, "abcdefghijklmnopq");
}

Test(dev_uart, loopback) {
  ut_out(UT_MCR, 0x10);
  ut_out(UT_RBR, 0x55);
  cr_assert_eq(ut_nsent, 0, "loopback keeps the byte off the line");
  cr_assert_eq(ut_in(UT_LSR) & 0x01, 0);
  ut_run_to(UT_CHAR_NS);
  cr_assert_eq(ut_in(UT_LSR) & 0x01, 0x01, "received one character time later");
  cr_assert_eq(ut_in(UT_RBR), 0x55);
  cr_assert_eq(ut_in(UT_LSR) & 0x01, 0);
  uart_receive(&ut_uart, 0x77);
  cr_assert_eq(ut_in(UT_LSR) & 0x01, 0, "the serial input is disconnected");
}

Test(dev_uart, loopback_modem_lines) {
  ut_out(UT_MCR, 0x10);
  cr_assert_eq(ut_in(UT_MSR), 0x0B, "CTS, DSR, DCD dropped: their deltas");
  ut_out(UT_MCR, 0x1F);
  cr_assert_eq(ut_in(UT_MSR), 0xFB, "RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD");
  ut_out(UT_MCR, 0x1B); /* OUT1 off: RI trailing edge */
  cr_assert_eq(ut_in(UT_MSR), 0xB4);
  ut_out(UT_MCR, 0x1F);
  cr_assert_eq(ut_in(UT_MSR), 0xF0, "a rising RI sets no TERI");
}

Test(dev_uart, loopback_interrupt_is_internal) {
  ut_out(UT_MCR, 0x18);
  ut_out(UT_IER, 0x01);
  ut_out(UT_RBR, 0x42);
  ut_run_to(UT_CHAR_NS);
  cr_assert_eq(ut_in(UT_IIR), 0x04, "the interrupt is pending");
  cr_assert_eq(ut_level, 0, "but OUT2 is forced off in loopback");
}

Test(dev_uart, receive_non_fifo_and_overrun) {
  ut_out(UT_MCR, 0x08);
  ut_out(UT_IER, 0x05);
  uart_receive(&ut_uart, 'a');
  cr_assert_eq(ut_in(UT_IIR), 0x04);
  cr_assert_eq(ut_level, 1);
  uart_receive(&ut_uart, 'b');
  cr_assert_eq(ut_in(UT_IIR), 0x06, "overrun outranks received data");
  cr_assert_eq(ut_in(UT_LSR), 0x63, "DR and OE");
  cr_assert_eq(ut_in(UT_LSR), 0x61, "OE is cleared by reading LSR");
  cr_assert_eq(ut_in(UT_IIR), 0x04);
  cr_assert_eq(ut_in(UT_RBR), 'b', "16450 mode: the new character replaced the old");
  cr_assert_eq(ut_in(UT_IIR), 0x01);
  cr_assert_eq(ut_level, 0);
}

Test(dev_uart, fifo_trigger_level) {
  ut_out(UT_FCR, 0x81); /* FIFO on, trigger 8 */
  ut_out(UT_MCR, 0x08);
  ut_out(UT_IER, 0x01);
  cr_assert_eq(ut_in(UT_IIR), 0xC1);
  for (int i = 0; i < 7; i++) uart_receive(&ut_uart, (uint8_t)('0' + i));
  cr_assert_eq(ut_in(UT_IIR), 0xC1, "7 is below the trigger level");
  cr_assert_eq(ut_level, 0);
  uart_receive(&ut_uart, '7');
  cr_assert_eq(ut_in(UT_IIR), 0xC4);
  cr_assert_eq(ut_level, 1);
  cr_assert_eq(ut_in(UT_RBR), '0');
  cr_assert_eq(ut_in(UT_IIR), 0xC1, "below the level again");
  cr_assert_eq(ut_level, 0);
  cr_assert_eq(uart_rx_room(&ut_uart), 9);
}

Test(dev_uart, fifo_trigger_levels) {
  static const uint8_t fcr[4] = {0x01, 0x41, 0x81, 0xC1};
  static const int level[4] = {1, 4, 8, 14};
  ut_out(UT_IER, 0x01);
  for (int k = 0; k < 4; k++) {
    ut_out(UT_FCR, (uint8_t)(fcr[k] | 0x02));
    for (int i = 0; i < level[k] - 1; i++) uart_receive(&ut_uart, 0);
    cr_assert_eq(ut_in(UT_IIR), 0xC1, "level %d", level[k]);
    uart_receive(&ut_uart, 0);
    cr_assert_eq(ut_in(UT_IIR), 0xC4, "level %d", level[k]);
  }
}

Test(dev_uart, character_timeout) {
  ut_out(UT_FCR, 0xC1); /* trigger 14 */
  ut_out(UT_MCR, 0x08);
  ut_out(UT_IER, 0x01);
  uart_receive(&ut_uart, 'x');
  uart_receive(&ut_uart, 'y');
  ut_run_to(4 * UT_CHAR_NS - 1);
  cr_assert_eq(ut_in(UT_IIR), 0xC1);
  ut_run_to(4 * UT_CHAR_NS);
  cr_assert_eq(ut_level, 1, "4 character times without activity");
  cr_assert_eq(ut_in(UT_IIR), 0xCC);
  cr_assert_eq(ut_in(UT_RBR), 'x');
  cr_assert_eq(ut_in(UT_IIR), 0xC1, "reading RBR restarts the timer");
  cr_assert_eq(ut_level, 0);
  ut_run_to(8 * UT_CHAR_NS);
  cr_assert_eq(ut_in(UT_IIR), 0xCC);
  cr_assert_eq(ut_in(UT_RBR), 'y');
  ut_run_to(20 * UT_CHAR_NS);
  cr_assert_eq(ut_in(UT_IIR), 0xC1, "no timeout with an empty FIFO");
}

Test(dev_uart, thre_interrupt) {
  ut_out(UT_MCR, 0x08);
  ut_out(UT_IER, 0x02);
  cr_assert_eq(ut_level, 1, "enabling it with THR empty interrupts at once");
  cr_assert_eq(ut_in(UT_IIR), 0x02);
  cr_assert_eq(ut_in(UT_IIR), 0x01, "reading IIR cleared it");
  cr_assert_eq(ut_level, 0);
  ut_out(UT_RBR, 'a');
  cr_assert_eq(ut_in(UT_IIR), 0x02, "THR emptied into the idle shift register");
  ut_out(UT_RBR, 'b');
  cr_assert_eq(ut_level, 0, "writing THR cleared it");
  cr_assert_eq(ut_in(UT_IIR), 0x01);
  ut_run_to(UT_CHAR_NS);
  cr_assert_eq(ut_level, 1, "THR empties when 'a' is out");
  ut_out(UT_RBR, 'c');
  cr_assert_eq(ut_level, 0);
  ut_run_to(3 * UT_CHAR_NS);
  cr_assert_eq(ut_in(UT_IIR), 0x02);
  cr_assert_str_eq(ut_sent, "abc");
}

Test(dev_uart, interrupt_priorities) {
  ut_out(UT_FCR, 0x01); /* FIFO, trigger 1 */
  ut_out(UT_MCR, 0x08);
  for (int i = 0; i < 17; i++) uart_receive(&ut_uart, (uint8_t)i); /* the 17th overruns */
  uart_set_modem_inputs(&ut_uart, UART_CTS | UART_DSR);             /* DCD drops: DDCD */
  ut_out(UT_IER, 0x0F);
  cr_assert_eq(ut_in(UT_IIR), 0xC6, "line status first");
  cr_assert_eq(ut_in(UT_LSR) & 0x03, 0x03);
  cr_assert_eq(ut_in(UT_IIR), 0xC4, "then received data");
  for (int i = 0; i < 16; i++) cr_assert_eq(ut_in(UT_RBR), i);
  cr_assert_eq(ut_in(UT_IIR), 0xC2, "then THR empty");
  cr_assert_eq(ut_in(UT_IIR), 0xC0, "then modem status");
  cr_assert_eq(ut_in(UT_MSR), 0x38, "DDCD with CTS and DSR up");
  cr_assert_eq(ut_in(UT_IIR), 0xC1);
  cr_assert_eq(ut_level, 0);
}

Test(dev_uart, out2_gates_the_irq) {
  ut_out(UT_IER, 0x02);
  cr_assert_eq(ut_level, 0);
  ut_out(UT_MCR, 0x08);
  cr_assert_eq(ut_level, 1);
  ut_out(UT_MCR, 0x00);
  cr_assert_eq(ut_level, 0);
}

Test(dev_uart, fifo_resets) {
  ut_out(UT_FCR, 0x01);
  uart_receive(&ut_uart, 1);
  uart_receive(&ut_uart, 2);
  ut_out(UT_FCR, 0x03);
  cr_assert_eq(ut_in(UT_LSR) & 0x01, 0, "RX FIFO reset");
  uart_receive(&ut_uart, 3);
  ut_out(UT_FCR, 0x00);
  cr_assert_eq(ut_in(UT_LSR) & 0x01, 0, "disabling the FIFOs empties them");
  cr_assert_eq(ut_in(UT_IIR), 0x01);
}

Test(dev_uart, save_and_load) {
  ut_out(UT_FCR, 0x01);
  ut_out(UT_SCR, 0x99);
  uart_receive(&ut_uart, 'q');
  ut_out(UT_RBR, 'A');
  ut_out(UT_RBR, 'B');
  StateBuf s = {0};
  ut_uart.dev.save(&ut_uart.dev, &s);

  IoBus *bus2 = iobus_new();
  Uart u2;
  uart_init(&u2, bus2, UART_COM1_BASE, UART_COM1_IRQ);
  u2.now = ut_now;
  u2.backend = (UartBackend){ut_write, NULL};
  u2.dev.load(&u2.dev, &s);
  cr_assert_not(s.error);
  cr_assert_eq(io_in(bus2, 0x3FF, 1), 0x99);
  cr_assert_eq(io_in(bus2, 0x3F8, 1), 'q');
  ut_ns = UT_CHAR_NS;
  cr_assert_eq(u2.dev.timer(&u2.dev, ut_ns), 2 * UT_CHAR_NS);
  cr_assert_str_eq(ut_sent, "AB", "B left the restored FIFO on time");
  iobus_free(bus2);
  free(s.data);
}
