/* 8259A pair: behaviour expected from the Intel 8259A datasheet, driven
 * only through the I/O ports, the IRQ inputs and the INTA cycle. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "devices/iobus.h"
#include "devices/pic.h"

static IoBus *pict_bus;
static Pic pict_pic;
static int pict_intr_changes;

static void pict_intr_changed(void *opaque, bool level) {
  (void)opaque;
  (void)level;
  pict_intr_changes++;
}

static uint8_t pict_in(uint16_t port) { return (uint8_t)io_in(pict_bus, port, 1); }
static void pict_out(uint16_t port, uint8_t v) { io_out(pict_bus, port, 1, v); }

/* The PC BIOS initialisation: edge triggered, cascade, ICW4 8086 mode;
 * master vectors 0x08, slave 0x70, slave on IR2; everything unmasked. */
static void pict_init_pc(uint8_t icw4) {
  pict_out(0x20, 0x11);
  pict_out(0x21, 0x08);
  pict_out(0x21, 0x04);
  pict_out(0x21, icw4);
  pict_out(0xA0, 0x11);
  pict_out(0xA1, 0x70);
  pict_out(0xA1, 0x02);
  pict_out(0xA1, icw4);
  pict_out(0x21, 0x00);
  pict_out(0xA1, 0x00);
}

static void pict_setup(void) {
  pict_bus = iobus_new();
  pic_init(&pict_pic, pict_bus);
  pict_pic.intr_changed = pict_intr_changed;
  pict_intr_changes = 0;
  pict_init_pc(0x01);
}

static void pict_teardown(void) { iobus_free(pict_bus); }

/* A short edge-triggered pulse that stays high through the acknowledge. */
static void pict_raise(int irq) { pic_set_irq(&pict_pic, irq, 1); }
static void pict_lower(int irq) { pic_set_irq(&pict_pic, irq, 0); }

static uint8_t pict_read_isr(uint16_t base) {
  pict_out(base, 0x0B); /* OCW3: read ISR */
  return pict_in(base);
}

static uint8_t pict_read_irr(uint16_t base) {
  pict_out(base, 0x0A); /* OCW3: read IRR */
  return pict_in(base);
}

TestSuite(dev_pic, .init = pict_setup, .fini = pict_teardown);

Test(dev_pic, idle_after_init) {
  cr_assert_not(pic_intr(&pict_pic));
  cr_assert_eq(pict_in(0x21), 0x00);
  cr_assert_eq(pict_in(0xA1), 0x00);
  cr_assert_eq(pict_read_irr(0x20), 0);
  cr_assert_eq(pict_read_isr(0x20), 0);
}

Test(dev_pic, priority_and_eoi) {
  pict_raise(3);
  pict_raise(1);
  cr_assert(pic_intr(&pict_pic));
  cr_assert_eq(pict_read_irr(0x20), 0x0A);
  cr_assert_eq(pic_ack(&pict_pic), 0x09, "IR1 outranks IR3");
  cr_assert_eq(pict_read_isr(0x20), 0x02);
  cr_assert_eq(pict_read_irr(0x20), 0x08);
  cr_assert_not(pic_intr(&pict_pic), "IR3 is held off while IR1 is in service");
  pict_out(0x20, 0x20); /* non-specific EOI */
  cr_assert_eq(pict_read_isr(0x20), 0);
  cr_assert(pic_intr(&pict_pic));
  cr_assert_eq(pic_ack(&pict_pic), 0x0B);
  pict_out(0x20, 0x20);
  cr_assert_not(pic_intr(&pict_pic));
  cr_assert_eq(pict_read_isr(0x20), 0);
}

Test(dev_pic, higher_priority_nests) {
  pict_raise(4);
  cr_assert_eq(pic_ack(&pict_pic), 0x0C);
  pict_raise(0);
  cr_assert(pic_intr(&pict_pic), "IR0 outranks the IR4 in service");
  cr_assert_eq(pic_ack(&pict_pic), 0x08);
  cr_assert_eq(pict_read_isr(0x20), 0x11);
  pict_out(0x20, 0x20); /* clears the highest in service: IR0 */
  cr_assert_eq(pict_read_isr(0x20), 0x10);
}

Test(dev_pic, imr_masks) {
  pict_out(0x21, 0x02);
  cr_assert_eq(pict_in(0x21), 0x02);
  pict_raise(1);
  cr_assert_not(pic_intr(&pict_pic));
  cr_assert_eq(pict_read_irr(0x20), 0x02, "a masked request still shows in IRR");
  pict_out(0x21, 0x00);
  cr_assert(pic_intr(&pict_pic));
  cr_assert_eq(pic_ack(&pict_pic), 0x09);
}

Test(dev_pic, cascade_vectors) {
  pict_raise(10);
  cr_assert(pic_intr(&pict_pic));
  cr_assert_eq(pic_ack(&pict_pic), 0x72);
  cr_assert_eq(pict_read_isr(0x20), 0x04, "master has IR2 (the slave) in service");
  cr_assert_eq(pict_read_isr(0xA0), 0x04, "slave has its IR2 (IRQ10) in service");
  pict_lower(10);
  pict_raise(15);
  cr_assert_not(pic_intr(&pict_pic), "IRQ15 waits for IRQ10's EOI on the slave");
  pict_out(0xA0, 0x20);
  cr_assert_not(pic_intr(&pict_pic), "and for the master's EOI of IR2");
  pict_out(0x20, 0x20);
  cr_assert(pic_intr(&pict_pic));
  cr_assert_eq(pic_ack(&pict_pic), 0x77);
  pict_raise(8);
  pict_out(0xA0, 0x20);
  pict_out(0x20, 0x20);
  cr_assert_eq(pic_ack(&pict_pic), 0x70);
}

Test(dev_pic, slave_masked_by_master_ir2) {
  pict_out(0x21, 0x04);
  pict_raise(12);
  cr_assert_not(pic_intr(&pict_pic));
  pict_out(0x21, 0x00);
  cr_assert_eq(pic_ack(&pict_pic), 0x74);
}

Test(dev_pic, spurious_irq7) {
  pict_raise(5);
  cr_assert(pic_intr(&pict_pic));
  pict_lower(5); /* the request vanishes before the INTA cycle */
  cr_assert_eq(pic_ack(&pict_pic), 0x0F);
  cr_assert_eq(pict_read_isr(0x20), 0, "a spurious IR7 sets no ISR bit");
}

Test(dev_pic, slave_request_vanishing_is_spurious) {
  pict_raise(9);
  pict_lower(9);
  int v = pic_ack(&pict_pic);
  cr_assert(v == 0x0F || v == 0x77, "vector %#x is one of the spurious vectors", v);
  cr_assert_eq(pict_read_isr(0xA0), 0);
}

Test(dev_pic, edge_needs_new_rising_edge) {
  pict_raise(6);
  cr_assert_eq(pic_ack(&pict_pic), 0x0E);
  pict_out(0x20, 0x20);
  cr_assert_not(pic_intr(&pict_pic), "an edge input still high does not request again");
  pict_lower(6);
  pict_raise(6);
  cr_assert(pic_intr(&pict_pic));
}

Test(dev_pic, level_triggered_reasserts) {
  pict_out(0x4D0, 0x20); /* ELCR: IRQ5 level triggered */
  cr_assert_eq(pict_in(0x4D0), 0x20);
  pict_raise(5);
  cr_assert_eq(pic_ack(&pict_pic), 0x0D);
  cr_assert_not(pic_intr(&pict_pic));
  pict_out(0x20, 0x20);
  cr_assert(pic_intr(&pict_pic), "the line is still high after the EOI");
  cr_assert_eq(pic_ack(&pict_pic), 0x0D);
  pict_lower(5);
  pict_out(0x20, 0x20);
  cr_assert_not(pic_intr(&pict_pic));
}

Test(dev_pic, elcr_reserved_bits_and_word_access) {
  io_out(pict_bus, 0x4D0, 2, 0xFFFF);
  cr_assert_eq(io_in(pict_bus, 0x4D0, 2), 0xDEF8, "IRQ0-2, 8 and 13 are always edge");
}

Test(dev_pic, ltim_level_mode) {
  pict_out(0x20, 0x19); /* ICW1 with LTIM */
  pict_out(0x21, 0x08);
  pict_out(0x21, 0x04);
  pict_out(0x21, 0x01);
  pict_raise(3);
  cr_assert_eq(pic_ack(&pict_pic), 0x0B);
  pict_out(0x20, 0x63); /* specific EOI for IR3 */
  cr_assert(pic_intr(&pict_pic));
}

Test(dev_pic, icw1_resets_edge_sense_and_imr) {
  pict_out(0x21, 0xFF);
  pict_raise(3);
  pict_out(0x20, 0x11);
  pict_out(0x21, 0x08);
  pict_out(0x21, 0x04);
  pict_out(0x21, 0x01);
  cr_assert_eq(pict_in(0x21), 0x00, "ICW1 clears IMR");
  cr_assert_not(pic_intr(&pict_pic), "IR3 was already high: it needs a new edge");
  pict_lower(3);
  pict_raise(3);
  cr_assert_eq(pic_ack(&pict_pic), 0x0B);
}

Test(dev_pic, no_interrupt_during_initialisation) {
  pict_raise(1);
  pict_out(0x20, 0x11);
  pict_lower(1);
  pict_raise(1);
  cr_assert_not(pic_intr(&pict_pic));
  pict_out(0x21, 0x20);
  pict_out(0x21, 0x04);
  pict_out(0x21, 0x01);
  cr_assert(pic_intr(&pict_pic));
  cr_assert_eq(pic_ack(&pict_pic), 0x21, "new ICW2 base");
}

Test(dev_pic, specific_eoi) {
  pict_raise(1);
  cr_assert_eq(pic_ack(&pict_pic), 0x09);
  pict_raise(0);
  cr_assert_eq(pic_ack(&pict_pic), 0x08);
  pict_out(0x20, 0x61); /* specific EOI IR1, leaving IR0 in service */
  cr_assert_eq(pict_read_isr(0x20), 0x01);
}

Test(dev_pic, rotate_on_nonspecific_eoi) {
  pict_raise(1);
  cr_assert_eq(pic_ack(&pict_pic), 0x09);
  pict_out(0x20, 0xA0); /* rotate on non-specific EOI: IR1 becomes lowest */
  pict_raise(0);
  pict_raise(3);
  cr_assert_eq(pic_ack(&pict_pic), 0x0B, "order is now 2,3,4,5,6,7,0,1");
  pict_out(0x20, 0x20);
  cr_assert_eq(pic_ack(&pict_pic), 0x08);
}

Test(dev_pic, set_priority_and_rotate_specific) {
  pict_out(0x20, 0xC4); /* IR4 lowest: IR5 highest */
  pict_raise(3);
  pict_raise(6);
  cr_assert_eq(pic_ack(&pict_pic), 0x0E);
  pict_out(0x20, 0xE6); /* rotate on specific EOI 6: IR6 lowest, IR7 highest */
  pict_raise(7);
  cr_assert_eq(pic_ack(&pict_pic), 0x0F);
  pict_out(0x20, 0x20);
  cr_assert_eq(pic_ack(&pict_pic), 0x0B);
}

Test(dev_pic, auto_eoi) {
  pict_init_pc(0x03);
  pict_raise(4);
  cr_assert_eq(pic_ack(&pict_pic), 0x0C);
  cr_assert_eq(pict_read_isr(0x20), 0, "AEOI leaves nothing in service");
  pict_raise(6);
  cr_assert(pic_intr(&pict_pic), "so a lower priority request gets through");
}

Test(dev_pic, rotate_in_auto_eoi) {
  pict_init_pc(0x03);
  pict_out(0x20, 0x80); /* rotate in AEOI mode */
  pict_raise(3);
  cr_assert_eq(pic_ack(&pict_pic), 0x0B);
  pict_raise(1);
  pict_raise(4);
  cr_assert_eq(pic_ack(&pict_pic), 0x0C, "IR3 became the lowest: IR4..7 outrank IR1");
  cr_assert_eq(pic_ack(&pict_pic), 0x09);
  pict_out(0x20, 0x00); /* leave the rotating mode */
}

Test(dev_pic, poll_mode) {
  pict_out(0x20, 0x0C); /* OCW3 poll */
  cr_assert_eq(pict_in(0x20), 0x00, "nothing pending");
  pict_raise(5);
  pict_out(0x20, 0x0C);
  cr_assert_eq(pict_in(0x20), 0x85);
  cr_assert_eq(pict_read_isr(0x20), 0x20, "a poll read acknowledges");
  cr_assert_eq(pict_read_irr(0x20), 0x00);
}

Test(dev_pic, special_mask_mode) {
  pict_raise(3);
  cr_assert_eq(pic_ack(&pict_pic), 0x0B);
  pict_raise(5);
  cr_assert_not(pic_intr(&pict_pic));
  pict_out(0x21, 0x08); /* mask the level in service... */
  pict_out(0x20, 0x68); /* ...and enter special mask mode */
  cr_assert(pic_intr(&pict_pic), "lower IR5 is enabled");
  cr_assert_eq(pic_ack(&pict_pic), 0x0D);
  pict_out(0x20, 0x65);
  pict_out(0x20, 0x48); /* leave special mask mode */
  pict_out(0x21, 0x00);
  pict_out(0x20, 0x63);
  cr_assert_eq(pict_read_isr(0x20), 0);
}

Test(dev_pic, intr_changed_callback) {
  pict_intr_changes = 0;
  pict_raise(1);
  cr_assert_eq(pict_intr_changes, 1);
  pic_ack(&pict_pic);
  cr_assert_eq(pict_intr_changes, 2);
}

Test(dev_pic, save_and_load) {
  pict_raise(3);
  cr_assert_eq(pic_ack(&pict_pic), 0x0B);
  pict_raise(12);
  pict_out(0xA1, 0x40);
  StateBuf s = {0};
  pict_pic.dev.save(&pict_pic.dev, &s);

  IoBus *bus2 = iobus_new();
  Pic p2;
  pic_init(&p2, bus2);
  p2.dev.load(&p2.dev, &s);
  cr_assert_not(s.error);
  cr_assert_eq(io_in(bus2, 0xA1, 1), 0x40);
  cr_assert(pic_intr(&p2), "IRQ12 (via IR2) outranks IR3 in service");
  cr_assert_eq(pic_ack(&p2), 0x74);
  pic_set_irq(&p2, 12, 0);
  io_out(bus2, 0xA0, 1, 0x20);
  io_out(bus2, 0x20, 1, 0x20);
  io_out(bus2, 0x20, 1, 0x0B);
  cr_assert_eq(io_in(bus2, 0x20, 1), 0x08, "IR3 still in service after load");
  iobus_free(bus2);
  free(s.data);
}

Test(dev_pic, load_rejects_bad_version) {
  uint8_t junk = 99;
  StateBuf s = {.data = &junk, .len = 1, .cap = 1};
  pict_pic.dev.load(&pict_pic.dev, &s);
  cr_assert(s.error);
}
