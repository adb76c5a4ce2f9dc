/* Local APIC: behaviour expected from the Intel SDM vol. 3 APIC chapter,
 * driven through its MMIO page, IA32_APIC_BASE, the LINT0 input, bus
 * messages and the CPU's acknowledge, with a fake clock and a fake 8259. */
#include <criterion/criterion.h>

#include "devices/lapic.h"

static PhysMem *lat_mem;
static Lapic lat_apic;
static uint64_t lat_ns;
static int lat_pic_acks, lat_eoi_vector;
static bool lat_line;

static uint64_t lat_now(void *opaque) {
  (void)opaque;
  return lat_ns;
}
static int lat_pic_ack(void *opaque) {
  (void)opaque;
  lat_pic_acks++;
  return 0x08; /* what an 8259 would answer for IRQ0 */
}
static void lat_eoi(void *opaque, uint8_t vector) {
  (void)opaque;
  lat_eoi_vector = vector;
}
static void lat_intr(void *opaque, bool level) {
  (void)opaque;
  lat_line = level;
}

static uint32_t lat_rd(uint32_t reg) { return phys_read(lat_mem, LAPIC_DEFAULT_BASE + reg, 4); }
static void lat_wr(uint32_t reg, uint32_t v) { phys_write(lat_mem, LAPIC_DEFAULT_BASE + reg, 4, v); }

/* Bit v of the 256-bit register at reg (ISR 0x100, TMR 0x180, IRR 0x200). */
static bool lat_bit(uint32_t reg, int v) { return lat_rd(reg + 0x10 * (uint32_t)(v >> 5)) >> (v & 31) & 1; }

/* Run the device's timer hook at time ns, as the machine loop does. */
static void lat_run_to(uint64_t ns) {
  lat_ns = ns;
  lat_apic.dev.timer(&lat_apic.dev, ns);
}

static void lat_setup(void) {
  lat_mem = phys_new(1u << 20);
  lapic_init(&lat_apic, lat_mem);
  lat_apic.now = lat_now;
  lat_apic.extint_ack = lat_pic_ack;
  lat_apic.eoi = lat_eoi;
  lat_apic.intr_changed = lat_intr;
  lat_ns = 0;
  lat_pic_acks = 0;
  lat_eoi_vector = -1;
  lat_line = false;
}

static void lat_teardown(void) { phys_free(lat_mem); }

static void lat_enable(void) { lat_wr(0x0F0, 0x1FF); /* software enable, spurious vector 0xFF */ }

/* A fixed, edge-triggered message to this APIC (physical ID 0). */
static void lat_send(uint8_t vector) { cr_assert(lapic_deliver(&lat_apic, 0, false, APIC_DM_FIXED, vector, false)); }

TestSuite(dev_lapic, .init = lat_setup, .fini = lat_teardown);

Test(dev_lapic, reset_values) {
  cr_assert_eq(lapic_base_msr(&lat_apic), 0xFEE00900u);
  cr_assert_eq(lat_rd(0x020), 0, "ID");
  cr_assert_eq(lat_rd(0x030), 0x00050014u, "version: 0x14, max LVT 5");
  cr_assert_eq(lat_rd(0x080), 0, "TPR");
  cr_assert_eq(lat_rd(0x090), 0, "APR");
  cr_assert_eq(lat_rd(0x0A0), 0, "PPR");
  cr_assert_eq(lat_rd(0x0D0), 0, "LDR");
  cr_assert_eq(lat_rd(0x0E0), 0xFFFFFFFFu, "DFR");
  cr_assert_eq(lat_rd(0x0F0), 0xFF, "SVR: disabled, vector 0xFF");
  for (uint32_t r = 0x100; r < 0x280; r += 0x10) cr_assert_eq(lat_rd(r), 0, "ISR/TMR/IRR at %#x", r);
  cr_assert_eq(lat_rd(0x280), 0, "ESR");
  cr_assert_eq(lat_rd(0x300), 0, "ICR low");
  cr_assert_eq(lat_rd(0x310), 0, "ICR high");
  for (uint32_t r = 0x320; r <= 0x370; r += 0x10) cr_assert_eq(lat_rd(r), 0x10000u, "LVT %#x masked", r);
  cr_assert_eq(lat_rd(0x380), 0, "initial count");
  cr_assert_eq(lat_rd(0x390), 0, "current count");
  cr_assert_eq(lat_rd(0x3E0), 0, "divide configuration");
  cr_assert_not(lapic_intr(&lat_apic));
}

Test(dev_lapic, software_disabled_keeps_lvt_masked) {
  lat_wr(0x350, 0x700);
  cr_assert_eq(lat_rd(0x350), 0x10700u, "mask bit cannot be cleared while disabled");
  lat_enable();
  lat_wr(0x350, 0x700);
  cr_assert_eq(lat_rd(0x350), 0x700u);
  lat_wr(0x0F0, 0xFF);
  cr_assert_eq(lat_rd(0x350), 0x10700u, "disabling masks every entry");
}

Test(dev_lapic, one_shot_timer) {
  lat_enable();
  lat_wr(0x3E0, 0xB); /* divide by 1: one tick per ns */
  lat_wr(0x320, 0x40);
  lat_wr(0x380, 1000);
  cr_assert_eq(lat_rd(0x390), 1000);
  lat_run_to(400);
  cr_assert_eq(lat_rd(0x390), 600);
  cr_assert_not(lat_line);
  lat_run_to(1000);
  cr_assert_eq(lat_rd(0x390), 0);
  cr_assert(lat_line, "count reached 0: INTR");
  cr_assert_eq(lapic_ack(&lat_apic), 0x40);
  cr_assert(lat_bit(0x100, 0x40), "in service");
  cr_assert_not(lat_line);
  lat_wr(0x0B0, 0);
  cr_assert_not(lat_bit(0x100, 0x40));
  lat_run_to(5000);
  cr_assert_not(lat_line, "one-shot: no second interrupt");
  cr_assert_eq(lat_rd(0x390), 0);
}

Test(dev_lapic, periodic_timer_and_divider) {
  lat_enable();
  lat_wr(0x3E0, 0x3); /* divide by 16 */
  lat_wr(0x320, 0x20000 | 0x41);
  lat_wr(0x380, 100); /* a period of 1600 ns */
  lat_run_to(800);
  cr_assert_eq(lat_rd(0x390), 50);
  lat_run_to(1600);
  cr_assert(lat_line);
  cr_assert_eq(lat_rd(0x390), 100, "reloaded");
  cr_assert_eq(lapic_ack(&lat_apic), 0x41);
  lat_wr(0x0B0, 0);
  lat_run_to(2400);
  cr_assert_eq(lat_rd(0x390), 50);
  cr_assert_not(lat_line);
  lat_run_to(3200);
  cr_assert(lat_line, "second period");
  cr_assert_eq(lapic_ack(&lat_apic), 0x41);
  lat_wr(0x0B0, 0);
  /* Halfway through the next period, divide by 2: the 50 ticks left
   * take 100 ns. */
  lat_run_to(4000);
  lat_wr(0x3E0, 0x0);
  cr_assert_eq(lat_rd(0x390), 50);
  lat_run_to(4099);
  cr_assert_not(lat_line);
  lat_run_to(4100);
  cr_assert(lat_line);
}

Test(dev_lapic, masked_timer_counts_silently) {
  lat_enable();
  lat_wr(0x3E0, 0xB);
  lat_wr(0x320, 0x10042);
  lat_wr(0x380, 10);
  lat_run_to(10);
  cr_assert_not(lat_line);
  cr_assert_not(lat_bit(0x200, 0x42));
  cr_assert_eq(lat_rd(0x390), 0);
  lat_wr(0x380, 0); /* writing 0 stops it */
  cr_assert_eq(lat_apic.dev.timer(&lat_apic.dev, 20), UINT64_MAX);
}

Test(dev_lapic, tpr_and_ppr) {
  lat_enable();
  lat_wr(0x080, 0x50);
  cr_assert_eq(lat_rd(0x0A0), 0x50);
  lat_send(0x45);
  cr_assert(lat_bit(0x200, 0x45), "accepted into IRR");
  cr_assert_not(lat_line, "class 4 is not above TPR class 5");
  lat_send(0x61);
  cr_assert(lat_line);
  cr_assert_eq(lapic_ack(&lat_apic), 0x61);
  cr_assert_eq(lat_rd(0x0A0), 0x60, "PPR follows the vector in service");
  lat_wr(0x080, 0x00);
  cr_assert_eq(lat_rd(0x0A0), 0x60);
  cr_assert_not(lat_line, "0x45 is held off by 0x61 in service");
  lat_wr(0x0B0, 0);
  cr_assert_eq(lat_rd(0x0A0), 0x00);
  cr_assert(lat_line);
  cr_assert_eq(lapic_ack(&lat_apic), 0x45);
  lat_wr(0x080, 0x7F);
  cr_assert_eq(lat_rd(0x0A0), 0x7F, "TPR above ISRV: PPR is TPR");
}

Test(dev_lapic, isr_nesting_and_eoi_order) {
  lat_enable();
  lat_send(0x40);
  cr_assert_eq(lapic_ack(&lat_apic), 0x40);
  lat_send(0x80);
  cr_assert(lat_line, "a higher class interrupts the handler");
  cr_assert_eq(lapic_ack(&lat_apic), 0x80);
  lat_send(0x50);
  cr_assert_not(lat_line, "class 5 waits below 0x80 in service");
  cr_assert(lat_bit(0x100, 0x40) && lat_bit(0x100, 0x80));
  lat_wr(0x0B0, 0); /* ends 0x80, the highest in service */
  cr_assert_not(lat_bit(0x100, 0x80));
  cr_assert(lat_bit(0x100, 0x40));
  cr_assert(lat_line, "0x50 outranks 0x40 in service");
  cr_assert_eq(lapic_ack(&lat_apic), 0x50);
  lat_wr(0x0B0, 0);
  lat_wr(0x0B0, 0);
  for (uint32_t r = 0x100; r < 0x180; r += 0x10) cr_assert_eq(lat_rd(r), 0);
  cr_assert_eq(lat_eoi_vector, -1, "edge interrupts broadcast no EOI");
}

Test(dev_lapic, same_class_waits) {
  lat_enable();
  lat_send(0x42);
  cr_assert_eq(lapic_ack(&lat_apic), 0x42);
  lat_send(0x4F);
  cr_assert_not(lat_line, "same class as the one in service");
  lat_wr(0x0B0, 0);
  cr_assert_eq(lapic_ack(&lat_apic), 0x4F);
}

Test(dev_lapic, spurious_when_masked_before_ack) {
  lat_enable();
  lat_send(0x40);
  cr_assert(lat_line);
  lat_wr(0x080, 0xF0);
  cr_assert_not(lat_line);
  /* A CPU that sampled INTR before the TPR write still acknowledges. */
  cr_assert_eq(lapic_ack(&lat_apic), 0xFF, "the spurious vector");
  cr_assert_not(lat_bit(0x100, 0x40));
  cr_assert(lat_bit(0x200, 0x40), "still requested");
}

Test(dev_lapic, level_interrupt_broadcasts_eoi) {
  lat_enable();
  cr_assert(lapic_deliver(&lat_apic, 0, false, APIC_DM_FIXED, 0x39, true));
  cr_assert(lat_bit(0x180, 0x39), "TMR marks it level triggered");
  cr_assert_eq(lapic_ack(&lat_apic), 0x39);
  lat_wr(0x0B0, 0);
  cr_assert_eq(lat_eoi_vector, 0x39);
}

Test(dev_lapic, destinations) {
  lat_enable();
  lat_wr(0x020, 0x03000000);
  cr_assert_not(lapic_deliver(&lat_apic, 0, false, APIC_DM_FIXED, 0x40, false), "physical 0 is not us");
  cr_assert(lapic_deliver(&lat_apic, 3, false, APIC_DM_FIXED, 0x40, false));
  cr_assert(lapic_deliver(&lat_apic, 0xFF, false, APIC_DM_FIXED, 0x41, false), "broadcast");
  lat_wr(0x0D0, 0x02000000); /* flat model, logical bit 1 */
  cr_assert(lapic_deliver(&lat_apic, 0x06, true, APIC_DM_LOWEST, 0x42, false));
  cr_assert_not(lapic_deliver(&lat_apic, 0x01, true, APIC_DM_FIXED, 0x43, false));
  lat_wr(0x0E0, 0x0FFFFFFF); /* cluster model */
  lat_wr(0x0D0, 0x52000000); /* cluster 5, member bit 1 */
  cr_assert(lapic_deliver(&lat_apic, 0x53, true, APIC_DM_FIXED, 0x44, false));
  cr_assert_not(lapic_deliver(&lat_apic, 0x43, true, APIC_DM_FIXED, 0x45, false), "other cluster");
  cr_assert_not(lapic_deliver(&lat_apic, 0x54, true, APIC_DM_FIXED, 0x46, false), "other member");
  lat_wr(0x0F0, 0xFF);
  cr_assert_not(lapic_deliver(&lat_apic, 0xFF, false, APIC_DM_FIXED, 0x47, false),
                "software-disabled: fixed messages are refused");
}

Test(dev_lapic, self_ipi_and_errors) {
  lat_enable();
  lat_wr(0x300, 0x40000 | 0x55); /* shorthand self, fixed */
  cr_assert(lat_bit(0x200, 0x55));
  cr_assert_eq(lat_rd(0x300) & 0x1000, 0, "delivery status idle");
  lat_wr(0x310, 0x01000000);
  lat_wr(0x300, 0x56); /* to APIC 1, which does not exist */
  cr_assert_not(lat_bit(0x200, 0x56));
  lat_wr(0x300, 0xC4500); /* INIT to all others: nobody there */
  lat_wr(0x300, 0x40000 | 0x05); /* an illegal vector */
  lat_wr(0x370, 0xFE); /* error LVT, unmasked */
  lat_wr(0x300, 0x40000 | 0x06);
  cr_assert(lat_bit(0x200, 0xFE), "error interrupt");
  cr_assert_eq(lat_rd(0x280), 0, "ESR shows errors only after a write");
  lat_wr(0x280, 0);
  cr_assert_eq(lat_rd(0x280), 0x20, "send illegal vector");
  lat_wr(0x280, 0);
  cr_assert_eq(lat_rd(0x280), 0);
  lat_rd(0x3F0); /* reserved */
  lat_wr(0x280, 0);
  cr_assert_eq(lat_rd(0x280), 0x80, "illegal register address");
}

Test(dev_lapic, extint_passthrough) {
  /* Reset state: software disabled, the 8259 reaches the CPU as ever. */
  lapic_set_lint(&lat_apic, 0, true);
  cr_assert(lat_line);
  cr_assert_eq(lapic_ack(&lat_apic), 0x08);
  cr_assert_eq(lat_pic_acks, 1);
  /* Enabled with LINT0 masked: the 8259 is cut off. */
  lat_enable();
  cr_assert_not(lat_line);
  /* LINT0 as ExtINT (virtual wire): through again. */
  lat_wr(0x350, 0x8700);
  cr_assert(lat_line);
  cr_assert_eq(lapic_ack(&lat_apic), 0x08);
  cr_assert_eq(lat_pic_acks, 2);
  cr_assert_eq(lat_rd(0x100), 0, "ExtINT bypasses ISR");
  lapic_set_lint(&lat_apic, 0, false);
  cr_assert_not(lat_line);
  /* LINT0 in fixed mode: a rising edge is an interrupt with its vector. */
  lat_wr(0x350, 0x0060);
  lapic_set_lint(&lat_apic, 0, true);
  cr_assert(lat_bit(0x200, 0x60));
  cr_assert_eq(lapic_ack(&lat_apic), 0x60);
  cr_assert_eq(lat_pic_acks, 2);
}

Test(dev_lapic, global_disable_and_relocation) {
  lat_enable();
  lat_send(0x40);
  cr_assert_not(lapic_set_base_msr(&lat_apic, 0xFEE00900u | 0x200), "reserved bit 9");
  cr_assert_not(lapic_set_base_msr(&lat_apic, 0xFEE00900u | 1ull << 40), "beyond 36 bits");
  /* Moving the page. */
  cr_assert(lapic_set_base_msr(&lat_apic, 0xFED00800u));
  cr_assert_eq(lapic_base_msr(&lat_apic), 0xFED00900u, "BSP is read-only");
  cr_assert_eq(lat_rd(0x030), 0xFFFFFFFFu, "old page: open bus");
  cr_assert_eq(phys_read(lat_mem, 0xFED00030u, 4), 0x00050014u);
  /* Globally disabled: registers gone, the 8259 wired straight through. */
  cr_assert(lapic_set_base_msr(&lat_apic, 0xFED00100u));
  cr_assert_eq(phys_read(lat_mem, 0xFED00030u, 4), 0xFFFFFFFFu);
  cr_assert_not(lat_line, "IRR cleared");
  lapic_set_lint(&lat_apic, 0, true);
  cr_assert(lat_line);
  cr_assert_eq(lapic_ack(&lat_apic), 0x08);
  cr_assert_not(lapic_deliver(&lat_apic, 0xFF, false, APIC_DM_FIXED, 0x40, false));
  /* Enabled again: in its reset state. */
  cr_assert(lapic_set_base_msr(&lat_apic, 0xFEE00800u));
  cr_assert_eq(lat_rd(0x0F0), 0xFF);
  /* Over RAM and away: the RAM comes back. */
  phys_write(lat_mem, 0x80000, 4, 0x12345678);
  cr_assert(lapic_set_base_msr(&lat_apic, 0x80800u));
  cr_assert_eq(phys_read(lat_mem, 0x80030, 4), 0x00050014u);
  cr_assert(lapic_set_base_msr(&lat_apic, 0xFEE00800u));
  cr_assert_eq(phys_read(lat_mem, 0x80000, 4), 0x12345678u);
}

Test(dev_lapic, save_load_roundtrip) {
  lat_enable();
  lat_wr(0x080, 0x20);
  lat_wr(0x3E0, 0xB);
  lat_wr(0x320, 0x20050);
  lat_wr(0x380, 500);
  lat_send(0x70);
  cr_assert_eq(lapic_ack(&lat_apic), 0x70);
  StateBuf s = {0};
  lat_apic.dev.save(&lat_apic.dev, &s);
  lat_apic.dev.reset(&lat_apic.dev);
  cr_assert_eq(lat_rd(0x080), 0);
  lat_apic.dev.load(&lat_apic.dev, &s);
  cr_assert_not(s.error);
  cr_assert_eq(lat_rd(0x080), 0x20);
  cr_assert_eq(lat_rd(0x320), 0x20050);
  cr_assert(lat_bit(0x100, 0x70));
  lat_run_to(500);
  cr_assert(lat_bit(0x200, 0x50), "the timer runs on");
  free(s.data);
}
