/* I/O APIC: behaviour expected from the 82093AA datasheet, through its
 * IOREGSEL/IOWIN window, its input pins and the EOI path; messages go to
 * a recorder, or to a real local APIC for the whole path. */
#include <criterion/criterion.h>

#include "devices/ioapic.h"
#include "devices/lapic.h"

static PhysMem *iot_mem;
static IoApic iot_io;
static int iot_sent;
static uint8_t iot_vector, iot_dest;
static bool iot_level, iot_logical, iot_refuse;
static int iot_mode;

static bool iot_deliver(void *opaque, uint8_t dest, bool logical, int mode, uint8_t vector, bool level) {
  (void)opaque;
  iot_sent++;
  iot_dest = dest;
  iot_logical = logical;
  iot_mode = mode;
  iot_vector = vector;
  iot_level = level;
  return !iot_refuse;
}

static uint32_t iot_rd(uint8_t reg) {
  phys_write(iot_mem, IOAPIC_BASE, 4, reg);
  return phys_read(iot_mem, IOAPIC_BASE + 0x10, 4);
}

static void iot_wr(uint8_t reg, uint32_t v) {
  phys_write(iot_mem, IOAPIC_BASE, 4, reg);
  phys_write(iot_mem, IOAPIC_BASE + 0x10, 4, v);
}

static void iot_rte(int pin, uint32_t lo, uint32_t hi) {
  iot_wr((uint8_t)(0x11 + 2 * pin), hi);
  iot_wr((uint8_t)(0x10 + 2 * pin), lo);
}

static uint32_t iot_rte_lo(int pin) { return iot_rd((uint8_t)(0x10 + 2 * pin)); }

static void iot_setup(void) {
  iot_mem = phys_new(1u << 20);
  ioapic_init(&iot_io, iot_mem);
  iot_io.deliver = iot_deliver;
  iot_sent = 0;
  iot_refuse = false;
}

static void iot_teardown(void) { phys_free(iot_mem); }

enum { LEVEL = 1u << 15, MASK = 1u << 16, REMOTE_IRR = 1u << 14, PENDING = 1u << 12, LOW = 1u << 13 };

TestSuite(dev_ioapic, .init = iot_setup, .fini = iot_teardown);

Test(dev_ioapic, reset_values) {
  cr_assert_eq(iot_rd(0x00), 0, "ID");
  cr_assert_eq(iot_rd(0x01), 0x00170011u, "24 pins, version 0x11");
  cr_assert_eq(iot_rd(0x02), 0, "arbitration ID");
  for (int pin = 0; pin < 24; pin++) {
    cr_assert_eq(iot_rte_lo(pin), MASK, "pin %d masked", pin);
    cr_assert_eq(iot_rd((uint8_t)(0x11 + 2 * pin)), 0);
  }
  phys_write(iot_mem, IOAPIC_BASE, 1, 0x01);
  cr_assert_eq(phys_read(iot_mem, IOAPIC_BASE, 4), 0x01, "IOREGSEL reads back");
}

Test(dev_ioapic, id_and_read_only_registers) {
  iot_wr(0x00, 0x0A000000);
  cr_assert_eq(iot_rd(0x00), 0x0A000000u);
  cr_assert_eq(iot_rd(0x02), 0x0A000000u, "arbitration ID follows");
  iot_wr(0x01, 0);
  cr_assert_eq(iot_rd(0x01), 0x00170011u);
  iot_rte(3, 0xFFFFFFFF, 0xFFFFFFFF);
  cr_assert_eq(iot_rte_lo(3), 0x1AFFFu, "delivery status and remote IRR are read-only");
  cr_assert_eq(iot_rd(0x17), 0xFF000000u, "destination is bits 63:56");
}

Test(dev_ioapic, edge_pin_fires_on_rising_edge) {
  iot_rte(1, 0x31, 0x05000000);
  ioapic_set_irq(&iot_io, 1, 1);
  cr_assert_eq(iot_sent, 1);
  cr_assert_eq(iot_vector, 0x31);
  cr_assert_eq(iot_dest, 5);
  cr_assert_not(iot_level);
  cr_assert_not(iot_logical);
  cr_assert_eq(iot_mode, APIC_DM_FIXED);
  ioapic_set_irq(&iot_io, 1, 1);
  cr_assert_eq(iot_sent, 1, "a held level is no new edge");
  ioapic_set_irq(&iot_io, 1, 0);
  ioapic_set_irq(&iot_io, 1, 1);
  cr_assert_eq(iot_sent, 2);
}

Test(dev_ioapic, masked_pins_send_nothing) {
  iot_rte(4, MASK | 0x34, 0);
  ioapic_set_irq(&iot_io, 4, 1);
  cr_assert_eq(iot_sent, 0);
  iot_rte(4, 0x34, 0);
  cr_assert_eq(iot_sent, 0, "an edge seen while masked is lost");
  iot_rte(9, MASK | LEVEL | 0x39, 0);
  ioapic_set_irq(&iot_io, 9, 1);
  cr_assert_eq(iot_sent, 0);
  iot_rte(9, LEVEL | 0x39, 0);
  cr_assert_eq(iot_sent, 1, "a level still asserted is sent on unmask");
  cr_assert(iot_level);
}

Test(dev_ioapic, level_pin_and_remote_irr) {
  iot_rte(10, LEVEL | 0x3A | 0x800 | 0x100, 0x01000000); /* logical, lowest priority */
  ioapic_set_irq(&iot_io, 10, 1);
  cr_assert_eq(iot_sent, 1);
  cr_assert(iot_logical);
  cr_assert_eq(iot_mode, APIC_DM_LOWEST);
  cr_assert(iot_rte_lo(10) & REMOTE_IRR);
  ioapic_set_irq(&iot_io, 10, 1);
  cr_assert_eq(iot_sent, 1, "held off while in service");
  ioapic_eoi(&iot_io, 0x3B);
  cr_assert_eq(iot_sent, 1, "another vector's EOI");
  ioapic_eoi(&iot_io, 0x3A);
  cr_assert_eq(iot_sent, 2, "still asserted after the EOI: again");
  cr_assert(iot_rte_lo(10) & REMOTE_IRR);
  ioapic_set_irq(&iot_io, 10, 0);
  ioapic_eoi(&iot_io, 0x3A);
  cr_assert_eq(iot_sent, 2);
  cr_assert_not(iot_rte_lo(10) & REMOTE_IRR);
}

Test(dev_ioapic, edge_write_clears_remote_irr) {
  iot_rte(11, LEVEL | 0x3B, 0);
  ioapic_set_irq(&iot_io, 11, 1);
  cr_assert(iot_rte_lo(11) & REMOTE_IRR);
  iot_rte(11, MASK | 0x3B, 0);
  cr_assert_not(iot_rte_lo(11) & REMOTE_IRR);
  iot_rte(11, MASK | LEVEL | 0x3B, 0);
  cr_assert_not(iot_rte_lo(11) & REMOTE_IRR);
}

Test(dev_ioapic, polarity_low) {
  iot_rte(5, LOW | LEVEL | 0x35, 0);
  cr_assert_eq(iot_sent, 1, "an active-low input at 0 is asserted");
  ioapic_set_irq(&iot_io, 5, 1);
  ioapic_eoi(&iot_io, 0x35);
  cr_assert_eq(iot_sent, 1);
  ioapic_set_irq(&iot_io, 5, 0);
  cr_assert_eq(iot_sent, 2);
}

Test(dev_ioapic, delivery_status_while_refused) {
  iot_refuse = true;
  iot_rte(12, LEVEL | 0x3C, 0);
  ioapic_set_irq(&iot_io, 12, 1);
  cr_assert_eq(iot_rte_lo(12) & (PENDING | REMOTE_IRR), PENDING);
  iot_refuse = false;
  iot_rte(12, LEVEL | 0x3C, 0);
  cr_assert_eq(iot_rte_lo(12) & (PENDING | REMOTE_IRR), REMOTE_IRR);
}

/* The whole path: pin -> I/O APIC -> local APIC -> CPU acknowledge ->
 * EOI -> remote IRR cleared. */
static Lapic iot_apic;
static bool iot_apic_deliver(void *opaque, uint8_t dest, bool logical, int mode, uint8_t vector,
                             bool level) {
  return lapic_deliver(opaque, dest, logical, mode, vector, level);
}
static void iot_apic_eoi(void *opaque, uint8_t vector) { ioapic_eoi(opaque, vector); }

Test(dev_ioapic, through_local_apic) {
  lapic_init(&iot_apic, iot_mem);
  iot_apic.eoi = iot_apic_eoi;
  iot_apic.opaque = &iot_io;
  iot_io.deliver = iot_apic_deliver;
  iot_io.opaque = &iot_apic;
  phys_write(iot_mem, LAPIC_DEFAULT_BASE + 0xF0, 4, 0x1FF);
  iot_rte(9, LEVEL | 0x49, 0);
  ioapic_set_irq(&iot_io, 9, 1);
  cr_assert(lapic_intr(&iot_apic));
  cr_assert_eq(lapic_ack(&iot_apic), 0x49);
  ioapic_set_irq(&iot_io, 9, 0);
  cr_assert(iot_rte_lo(9) & REMOTE_IRR);
  phys_write(iot_mem, LAPIC_DEFAULT_BASE + 0xB0, 4, 0);
  cr_assert_not(iot_rte_lo(9) & REMOTE_IRR, "the local APIC's EOI reached the pin");
  cr_assert_not(lapic_intr(&iot_apic));
}
