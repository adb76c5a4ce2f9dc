/* 8042 controller, PS/2 keyboard and mouse through ports 0x60/0x64, and
 * System Control Port A (0x92), as firmware and drivers use them. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "devices/iobus.h"
#include "devices/kbc.h"
#include "devices/port92.h"

static IoBus *kbt_io;
static Kbc kbt_k;
static Port92 kbt_p92;
static int kbt_irq[16], kbt_irq_rises[16];
static int kbt_a20 = -1, kbt_resets;

static void kbt_set_irq(void *opaque, int irq, int level) {
  (void)opaque;
  if (level && !kbt_irq[irq]) kbt_irq_rises[irq]++;
  kbt_irq[irq] = level;
}

static void kbt_set_a20(void *opaque, bool on) {
  (void)opaque;
  kbt_a20 = on;
}

static void kbt_reset(void *opaque) {
  (void)opaque;
  kbt_resets++;
}

static void kbt_setup(void) {
  kbt_io = iobus_new();
  kbc_init(&kbt_k, kbt_io);
  kbt_k.set_irq = kbt_set_irq;
  kbt_k.set_a20 = kbt_set_a20;
  kbt_k.reset = kbt_reset;
  port92_init(&kbt_p92, kbt_io);
  kbt_p92.set_a20 = kbt_set_a20;
  kbt_p92.reset = kbt_reset;
  for (int i = 0; i < 16; i++) kbt_irq[i] = kbt_irq_rises[i] = 0;
  kbt_a20 = -1;
  kbt_resets = 0;
}

static void kbt_teardown(void) { iobus_free(kbt_io); }

static uint8_t kbt_status(void) { return (uint8_t)io_in(kbt_io, 0x64, 1); }
static void kbt_cmd(uint8_t c) { io_out(kbt_io, 0x64, 1, c); }
static void kbt_data(uint8_t v) { io_out(kbt_io, 0x60, 1, v); }

/* Read one byte the way a driver does: wait for OBF (here: it must be set). */
static int kbt_read(void) {
  if (!(kbt_status() & 0x01)) return -1;
  return (int)io_in(kbt_io, 0x60, 1);
}

static void kbt_expect_bytes(const int *want, int n) {
  for (int i = 0; i < n; i++) cr_expect_eq(kbt_read(), want[i], "byte %d", i);
  cr_expect_eq(kbt_read(), -1, "nothing more");
}

#define EXPECT_BYTES(...)                               \
  do {                                                  \
    static const int w_[] = {__VA_ARGS__};              \
    kbt_expect_bytes(w_, (int)(sizeof w_ / sizeof w_[0])); \
  } while (0)

static void kbt_set_cmd_byte(uint8_t v) {
  kbt_cmd(0x60);
  kbt_data(v);
}

TestSuite(kbc, .init = kbt_setup, .fini = kbt_teardown);

Test(kbc, status_after_power_on) {
  uint8_t st = kbt_status();
  cr_expect_eq(st & 0x01, 0, "output buffer empty");
  cr_expect_eq(st & 0x02, 0, "input buffer empty");
  cr_expect_eq(st & 0x04, 0, "SYS clear after power-on");
  cr_expect_eq(st & 0x10, 0x10, "keyboard not inhibited");
}

Test(kbc, self_test_and_interface_tests) {
  kbt_cmd(0xAA);
  uint8_t st = kbt_status();
  cr_expect_eq(st & 0x01, 0x01);
  cr_expect_eq(st & 0x08, 0x08, "A2: last write was a command");
  cr_expect_eq(st & 0x20, 0, "not mouse data");
  EXPECT_BYTES(0x55);
  cr_expect_eq(kbt_status() & 0x04, 0x04, "SYS set by the self-test");
  kbt_cmd(0xAB);
  EXPECT_BYTES(0x00);
  kbt_cmd(0xA9);
  EXPECT_BYTES(0x00);
  kbt_cmd(0xA4);
  EXPECT_BYTES(0xF1);
}

Test(kbc, command_byte_read_write) {
  kbt_set_cmd_byte(0x65);
  cr_expect_eq(kbt_status() & 0x08, 0, "A2 clear after a data write");
  kbt_cmd(0x20);
  EXPECT_BYTES(0x65);
  cr_expect_eq(kbt_status() & 0x04, 0x04, "SYS follows command byte bit 2");
  kbt_cmd(0xAD);
  kbt_cmd(0xA7);
  kbt_cmd(0x20);
  EXPECT_BYTES(0x75);
  kbt_cmd(0xAE);
  kbt_cmd(0xA8);
  kbt_cmd(0x20);
  EXPECT_BYTES(0x45);
  /* Controller RAM beyond the command byte. */
  kbt_cmd(0x65);
  kbt_data(0x99);
  kbt_cmd(0x25);
  EXPECT_BYTES(0x99);
}

Test(kbc, keyboard_reset_and_identify) {
  kbt_data(0xFF);
  EXPECT_BYTES(0xFA, 0xAA);
  kbt_data(0xF2);
  EXPECT_BYTES(0xFA, 0xAB, 0x83);
  kbt_data(0xEE);
  EXPECT_BYTES(0xEE);
  kbt_data(0xED);
  kbt_data(0x07);
  EXPECT_BYTES(0xFA, 0xFA);
  cr_expect_eq(kbt_k.kbd.leds, 7);
  kbt_data(0xF3);
  kbt_data(0x20);
  EXPECT_BYTES(0xFA, 0xFA);
  kbt_data(0x01); /* not a command */
  EXPECT_BYTES(0xFE);
  kbt_data(0xFE); /* resend */
  EXPECT_BYTES(0xFA);
}

Test(kbc, identify_is_translated_with_xlat) {
  kbt_set_cmd_byte(0x40);
  kbt_data(0xF2);
  EXPECT_BYTES(0xFA, 0xAB, 0x41);
}

Test(kbc, scancode_set_get_set) {
  kbt_data(0xF0);
  kbt_data(0x00);
  EXPECT_BYTES(0xFA, 0xFA, 0x02);
  kbt_data(0xF0);
  kbt_data(0x01);
  EXPECT_BYTES(0xFA, 0xFA);
  kbt_data(0xF0);
  kbt_data(0x00);
  EXPECT_BYTES(0xFA, 0xFA, 0x01);
  /* Set 1 selected, no translation: the keyboard sends set 1 itself. */
  static const uint8_t a_break[] = {0xF0, 0x1C};
  kbd_key(&kbt_k, a_break, 2);
  EXPECT_BYTES(0x9E);
}

Test(kbc, keys_are_translated_to_set_1) {
  kbt_set_cmd_byte(0x41); /* XLAT, IRQ1 */
  static const uint8_t a[] = {0x1C}, a_up[] = {0xF0, 0x1C}, up[] = {0xE0, 0x75},
                       up_up[] = {0xE0, 0xF0, 0x75}, f7[] = {0x83};
  kbd_key(&kbt_k, a, 1);
  kbd_key(&kbt_k, a_up, 2);
  kbd_key(&kbt_k, up, 2);
  kbd_key(&kbt_k, up_up, 3);
  kbd_key(&kbt_k, f7, 1);
  EXPECT_BYTES(0x1E, 0x9E, 0xE0, 0x48, 0xE0, 0xC8, 0x41);
  cr_expect_eq(kbc_translate(0x76), 0x01, "Esc");
  cr_expect_eq(kbc_translate(0x5A), 0x1C, "Enter");
  cr_expect_eq(kbc_translate(0x29), 0x39, "Space");
}

Test(kbc, keys_untranslated_without_xlat) {
  static const uint8_t a_up[] = {0xF0, 0x1C};
  kbd_key(&kbt_k, a_up, 2);
  EXPECT_BYTES(0xF0, 0x1C);
}

Test(kbc, irq1_follows_the_output_buffer) {
  kbt_set_cmd_byte(0x01);
  static const uint8_t a[] = {0x1C, 0xF0, 0x1C};
  kbd_key(&kbt_k, a, 3);
  cr_expect_eq(kbt_irq[1], 1);
  cr_expect_eq(kbt_irq_rises[1], 1);
  io_in(kbt_io, 0x60, 1);
  cr_expect_eq(kbt_irq[1], 1, "next byte loaded");
  cr_expect_eq(kbt_irq_rises[1], 2, "a new edge for it");
  io_in(kbt_io, 0x60, 1);
  io_in(kbt_io, 0x60, 1);
  cr_expect_eq(kbt_irq[1], 0);
  cr_expect_eq(kbt_irq_rises[1], 3);
  cr_expect_eq(kbt_irq[12], 0);
}

Test(kbc, disabled_keyboard_interface_holds_data) {
  kbt_cmd(0xAD);
  static const uint8_t a[] = {0x1C};
  kbd_key(&kbt_k, a, 1);
  cr_expect_eq(kbt_status() & 1, 0);
  kbt_cmd(0xAE);
  EXPECT_BYTES(0x1C);
}

Test(kbc, keyboard_disable_drops_keys) {
  kbt_data(0xF5);
  EXPECT_BYTES(0xFA);
  static const uint8_t a[] = {0x1C};
  kbd_key(&kbt_k, a, 1);
  cr_expect_eq(kbt_read(), -1);
  kbt_data(0xF4);
  EXPECT_BYTES(0xFA);
  kbd_key(&kbt_k, a, 1);
  EXPECT_BYTES(0x1C);
}

Test(kbc, output_port_a20_and_reset) {
  kbt_cmd(0xD0);
  int op = kbt_read();
  cr_expect_eq(op & 0x03, 0x03, "reset inactive, A20 on");
  kbt_cmd(0xD1);
  kbt_data((uint8_t)(op & ~0x02));
  cr_expect_eq(kbt_a20, 0);
  cr_expect(!kbc_a20(&kbt_k));
  kbt_cmd(0xD0);
  cr_expect_eq(kbt_read() & 0x02, 0);
  kbt_cmd(0xDF);
  cr_expect_eq(kbt_a20, 1);
  kbt_cmd(0xDD);
  cr_expect_eq(kbt_a20, 0);
  cr_expect_eq(kbt_resets, 0);
  kbt_cmd(0xD1);
  kbt_data(0xCE); /* bit 0 low: system reset */
  cr_expect_eq(kbt_resets, 1);
}

Test(kbc, pulse_reset) {
  kbt_cmd(0xFF); /* pulses nothing */
  cr_expect_eq(kbt_resets, 0);
  kbt_cmd(0xFE);
  cr_expect_eq(kbt_resets, 1);
}

Test(kbc, write_output_buffer_commands) {
  kbt_cmd(0xD2);
  kbt_data(0x42);
  cr_expect_eq(kbt_status() & 0x21, 0x01);
  EXPECT_BYTES(0x42);
  kbt_cmd(0xD3);
  kbt_data(0x43);
  cr_expect_eq(kbt_status() & 0x21, 0x21, "as if from the mouse");
  EXPECT_BYTES(0x43);
}

static void kbt_mouse(uint8_t b) {
  kbt_cmd(0xD4);
  kbt_data(b);
}

Test(kbc, mouse_reset_identify_and_wheel) {
  kbt_mouse(0xFF);
  cr_expect_eq(kbt_status() & 0x21, 0x21);
  EXPECT_BYTES(0xFA, 0xAA, 0x00);
  kbt_mouse(0xF2);
  EXPECT_BYTES(0xFA, 0x00);
  static const uint8_t rates[] = {200, 100, 80};
  for (int i = 0; i < 3; i++) {
    kbt_mouse(0xF3);
    kbt_mouse(rates[i]);
  }
  EXPECT_BYTES(0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA);
  kbt_mouse(0xF2);
  EXPECT_BYTES(0xFA, 0x03);
}

Test(kbc, mouse_status_and_resolution) {
  kbt_mouse(0xE8);
  kbt_mouse(0x03);
  kbt_mouse(0xF3);
  kbt_mouse(40);
  kbt_mouse(0xE7);
  kbt_mouse(0xF4);
  EXPECT_BYTES(0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA);
  mouse_event(&kbt_k, 0, 0, 0, MOUSE_LEFT | MOUSE_RIGHT);
  EXPECT_BYTES(0x0B, 0x00, 0x00);
  kbt_mouse(0xE9);
  EXPECT_BYTES(0xFA, 0x20 | 0x10 | 0x04 | 0x01, 0x03, 40);
}

Test(kbc, mouse_stream_packets_and_irq12) {
  kbt_set_cmd_byte(0x03);
  kbt_mouse(0xF4);
  EXPECT_BYTES(0xFA);
  cr_expect_eq(kbt_irq_rises[12], 1);
  mouse_event(&kbt_k, 5, -3, 0, MOUSE_LEFT); /* 3 up */
  cr_expect_eq(kbt_irq[12], 1);
  cr_expect_eq(kbt_irq[1], 0);
  EXPECT_BYTES(0x09, 0x05, 0x03);
  mouse_event(&kbt_k, -2, 4, 0, 0);
  EXPECT_BYTES(0x08 | 0x10 | 0x20, 0xFE, 0xFC);
  cr_expect_eq(kbt_irq[12], 0);
}

Test(kbc, mouse_wheel_packets) {
  static const uint8_t rates[] = {200, 100, 80};
  for (int i = 0; i < 3; i++) {
    kbt_mouse(0xF3);
    kbt_mouse(rates[i]);
  }
  kbt_mouse(0xF2);
  kbt_mouse(0xF4);
  EXPECT_BYTES(0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0x03, 0xFA);
  mouse_event(&kbt_k, 1, 0, -1, MOUSE_MIDDLE);
  EXPECT_BYTES(0x0C, 0x01, 0x00, 0xFF);
}

Test(kbc, mouse_disabled_reports_nothing_large_moves_split) {
  mouse_event(&kbt_k, 10, 0, 0, 0);
  cr_expect_eq(kbt_read(), -1);
  kbt_mouse(0xF4);
  EXPECT_BYTES(0xFA);
  mouse_event(&kbt_k, 300, 0, 0, 0);
  EXPECT_BYTES(0x08, 0xFF, 0x00, 0x08, 45, 0x00);
}

Test(kbc, mouse_disabled_interface_holds_data) {
  kbt_cmd(0xA7);
  kbt_mouse(0xF2);
  cr_expect_eq(kbt_read(), -1);
  kbt_cmd(0xA8);
  EXPECT_BYTES(0xFA, 0x00);
}

Test(kbc, mouse_wrap_mode) {
  kbt_mouse(0xEE);
  kbt_mouse(0x12);
  kbt_mouse(0xEC);
  kbt_mouse(0xF2);
  EXPECT_BYTES(0xFA, 0x12, 0xFA, 0xFA, 0x00);
}

Test(kbc, reset_and_save_load) {
  kbt_set_cmd_byte(0x41);
  static const uint8_t a[] = {0x1C, 0x32};
  kbd_key(&kbt_k, a, 2);
  StateBuf s = {0};
  kbt_k.dev.save(&kbt_k.dev, &s);
  kbt_k.dev.reset(&kbt_k.dev);
  cr_expect_eq(kbt_read(), -1);
  kbt_k.dev.load(&kbt_k.dev, &s);
  cr_expect(!s.error);
  EXPECT_BYTES(0x1E, 0x30);
  free(s.data);
}

Test(kbc, port92_fast_a20_and_reset) {
  cr_expect_eq(io_in(kbt_io, 0x92, 1), 0x00);
  io_out(kbt_io, 0x92, 1, 0x02);
  cr_expect_eq(kbt_a20, 1);
  cr_expect(port92_a20(&kbt_p92));
  cr_expect_eq(io_in(kbt_io, 0x92, 1), 0x02);
  cr_expect_eq(kbt_resets, 0);
  io_out(kbt_io, 0x92, 1, 0x03);
  cr_expect_eq(kbt_resets, 1, "bit 0 from 0 to 1 resets");
  io_out(kbt_io, 0x92, 1, 0x03);
  cr_expect_eq(kbt_resets, 1);
  io_out(kbt_io, 0x92, 1, 0x00);
  cr_expect_eq(kbt_a20, 0);
  io_out(kbt_io, 0x92, 1, 0x08); /* lock latches */
  io_out(kbt_io, 0x92, 1, 0x00);
  cr_expect_eq(io_in(kbt_io, 0x92, 1), 0x08);
}
