/* PIIX4 power management function: configuration, PM I/O block, PM
 * timer, SCI and soft-off (82371AB datasheet; ACPI 1.0 fixed hardware). */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "devices/acpi_pm.h"
#include "devices/iobus.h"
#include "devices/pci.h"

#define ACT_BASE 0x600

static IoBus *act_io;
static PciBus act_bus;
static AcpiPm act_pm;
static uint64_t act_ns;
static int act_sci, act_sci_irq, act_power_offs;

static uint64_t act_now(void *opaque) {
  (void)opaque;
  return act_ns;
}

static void act_set_irq(void *opaque, int irq, int level) {
  (void)opaque;
  act_sci_irq = irq;
  act_sci = level;
}

static void act_power_off(void *opaque) {
  (void)opaque;
  act_power_offs++;
}

static uint32_t act_cfg_rd(int reg, int size) {
  io_out(act_io, 0xCF8, 4, 0x80000000u | ACPI_PM_DEVFN << 8 | (uint32_t)(reg & 0xFC));
  return io_in(act_io, (uint16_t)(0xCFC + (reg & 3)), size);
}

static void act_cfg_wr(int reg, int size, uint32_t v) {
  io_out(act_io, 0xCF8, 4, 0x80000000u | ACPI_PM_DEVFN << 8 | (uint32_t)(reg & 0xFC));
  io_out(act_io, (uint16_t)(0xCFC + (reg & 3)), size, v);
}

/* What SeaBIOS does: PMBA = 0x600 | 1, then PMREGMISC bit 0. */
static void act_enable_block(void) {
  act_cfg_wr(0x40, 4, ACT_BASE | 1);
  act_cfg_wr(0x80, 1, 0x01);
}

static void act_setup(void) {
  act_io = iobus_new();
  pci_bus_init(&act_bus, act_io);
  acpi_pm_init(&act_pm, &act_bus, act_io);
  act_pm.set_irq = act_set_irq;
  act_pm.now = act_now;
  act_pm.power_off = act_power_off;
  act_ns = 0;
  act_sci = 0;
  act_sci_irq = -1;
  act_power_offs = 0;
}

static void act_teardown(void) { iobus_free(act_io); }

TestSuite(acpi, .init = act_setup, .fini = act_teardown);

Test(acpi, identification) {
  cr_expect_eq(act_cfg_rd(0, 4), 0x71138086u);
  cr_expect_eq(act_cfg_rd(0x0A, 2), 0x0680);
  cr_expect_eq(act_cfg_rd(0x40, 4), 0x00000001u, "PMBA: I/O space indicator");
  cr_expect(act_cfg_rd(0x58, 4) & (1u << 25), "DEVACTB.APMC_EN: no SMM setup needed");
  cr_expect_eq(act_cfg_rd(0x90, 4), 0x00000001u, "SMBBA");
}

Test(acpi, pm_block_decoded_only_when_enabled) {
  cr_expect_eq(io_in(act_io, ACT_BASE + 8, 4), 0xFFFFFFFFu);
  act_cfg_wr(0x40, 4, ACT_BASE | 1);
  cr_expect_eq(act_cfg_rd(0x40, 4), ACT_BASE | 1u);
  cr_expect_eq(io_in(act_io, ACT_BASE + 4, 2), 0xFFFF, "PMIOSE still off");
  act_cfg_wr(0x80, 1, 0x01);
  cr_expect_eq(io_in(act_io, ACT_BASE + 4, 2), 0x0000);
  /* Moving the block. */
  act_cfg_wr(0x40, 4, 0xB001);
  cr_expect_eq(io_in(act_io, ACT_BASE + 4, 2), 0xFFFF);
  cr_expect_eq(io_in(act_io, 0xB004, 2), 0x0000);
  act_cfg_wr(0x80, 1, 0x00);
  cr_expect_eq(io_in(act_io, 0xB004, 2), 0xFFFF);
}

Test(acpi, pm_timer_runs_at_3_579545_mhz) {
  act_enable_block();
  cr_expect_eq(io_in(act_io, ACT_BASE + 8, 4), 0);
  act_ns = 1000000; /* 1 ms */
  cr_expect_eq(io_in(act_io, ACT_BASE + 8, 4), 3579);
  act_ns = 1000000000ull; /* 1 s */
  cr_expect_eq(io_in(act_io, ACT_BASE + 8, 4), 3579545u);
  act_ns = 10ull * 1000000000ull; /* wraps at 24 bits */
  cr_expect_eq(io_in(act_io, ACT_BASE + 8, 4), 35795450u & 0xFFFFFF);
  cr_expect_eq(acpi_pm_timer(3600ull * 1000000000ull), (uint32_t)(3600ull * 3579545u & 0xFFFFFF));
  /* Word reads of the halves. */
  act_ns = 11ull * 1000000000ull;
  uint32_t t = 11u * 3579545u & 0xFFFFFF;
  cr_expect_eq(io_in(act_io, ACT_BASE + 8, 2), t & 0xFFFF);
  cr_expect_eq(io_in(act_io, ACT_BASE + 10, 2), t >> 16);
}

Test(acpi, timer_overflow_status_and_sci) {
  act_enable_block();
  /* Bit 23 first changes after 2^23 ticks = 2.343 s. */
  act_ns = 2343000000ull;
  cr_expect_eq(io_in(act_io, ACT_BASE + 0, 2) & PMSTS_TMROF, 0);
  act_ns = 2344000000ull;
  cr_expect_eq(io_in(act_io, ACT_BASE + 0, 2) & PMSTS_TMROF, PMSTS_TMROF);
  cr_expect_eq(act_sci, 0, "not enabled");
  io_out(act_io, ACT_BASE + 2, 2, PMSTS_TMROF); /* TMROF_EN */
  cr_expect_eq(act_sci, 0, "SCI_EN still off");
  io_out(act_io, ACT_BASE + 4, 2, PMCNTRL_SCI_EN);
  cr_expect_eq(act_sci, 1);
  cr_expect_eq(act_sci_irq, 9);
  io_out(act_io, ACT_BASE + 0, 2, 0); /* writing 0 clears nothing */
  cr_expect_eq(act_sci, 1);
  io_out(act_io, ACT_BASE + 0, 2, PMSTS_TMROF);
  cr_expect_eq(act_sci, 0);
  cr_expect_eq(io_in(act_io, ACT_BASE + 0, 2) & PMSTS_TMROF, 0);
}

Test(acpi, timer_hook_names_the_next_overflow) {
  act_enable_block();
  uint64_t next = act_pm.dev.timer(&act_pm.dev, 0);
  cr_expect(next > 2343000000ull && next < 2344000000ull, "next = %llu", (unsigned long long)next);
  io_out(act_io, ACT_BASE + 2, 2, PMSTS_TMROF);
  io_out(act_io, ACT_BASE + 4, 2, PMCNTRL_SCI_EN);
  act_pm.now = NULL; /* the timer hook alone drives time */
  act_pm.dev.timer(&act_pm.dev, next);
  cr_expect_eq(act_sci, 1);
}

Test(acpi, power_button) {
  act_enable_block();
  io_out(act_io, ACT_BASE + 4, 2, PMCNTRL_SCI_EN);
  io_out(act_io, ACT_BASE + 2, 2, PMSTS_PWRBTN);
  acpi_pm_power_button(&act_pm);
  cr_expect_eq(io_in(act_io, ACT_BASE, 2) & PMSTS_PWRBTN, PMSTS_PWRBTN);
  cr_expect_eq(act_sci, 1);
  io_out(act_io, ACT_BASE + 1, 1, PMSTS_PWRBTN >> 8);
  cr_expect_eq(act_sci, 0);
}

Test(acpi, soft_off_with_s5_sleep_type) {
  act_enable_block();
  io_out(act_io, ACT_BASE + 4, 2, (1 << 10) | 1); /* SLP_TYP 1 without SLP_EN */
  cr_expect_eq(io_in(act_io, ACT_BASE + 4, 2), (1 << 10) | 1);
  io_out(act_io, ACT_BASE + 4, 2, (1 << 10) | PMCNTRL_SUS_EN | 1); /* S3: not modelled */
  cr_expect_eq(act_power_offs, 0);
  cr_expect_eq(io_in(act_io, ACT_BASE + 4, 2) & PMCNTRL_SUS_EN, 0, "SUS_EN reads 0");
  io_out(act_io, ACT_BASE + 4, 2, (ACPI_PM_SLP_TYP_S5 << 10) | PMCNTRL_SUS_EN | 1);
  cr_expect_eq(act_power_offs, 1);
}

Test(acpi, apm_port_enables_acpi_mode) {
  act_enable_block();
  io_out(act_io, 0xB3, 1, 0x5A);
  cr_expect_eq(io_in(act_io, 0xB3, 1), 0x5A);
  io_out(act_io, 0xB2, 1, 0xF1);
  cr_expect_eq(io_in(act_io, 0xB2, 1), 0xF1);
  cr_expect_eq(io_in(act_io, ACT_BASE + 4, 2) & PMCNTRL_SCI_EN, PMCNTRL_SCI_EN);
  io_out(act_io, 0xB2, 1, 0xF0);
  cr_expect_eq(io_in(act_io, ACT_BASE + 4, 2) & PMCNTRL_SCI_EN, 0);
}

Test(acpi, gpe0_block) {
  cr_expect_eq(io_in(act_io, ACPI_PM_GPE0_BASE, 4), 0);
  io_out(act_io, ACPI_PM_GPE0_BASE + 2, 2, 0x0003);
  cr_expect_eq(io_in(act_io, ACPI_PM_GPE0_BASE, 4), 0x00030000u);
  io_out(act_io, ACPI_PM_GPE0_BASE, 2, 0xFFFF);
  cr_expect_eq(io_in(act_io, ACPI_PM_GPE0_BASE, 2), 0);
}

Test(acpi, reset_and_save_load) {
  act_enable_block();
  io_out(act_io, ACT_BASE + 2, 2, PMSTS_TMROF);
  StateBuf s = {0};
  act_pm.dev.save(&act_pm.dev, &s);
  act_pm.dev.reset(&act_pm.dev);
  cr_expect_eq(io_in(act_io, ACT_BASE + 2, 2), 0xFFFF, "block off after reset");
  act_pm.dev.load(&act_pm.dev, &s);
  cr_expect(!s.error);
  cr_expect_eq(io_in(act_io, ACT_BASE + 2, 2), PMSTS_TMROF);
  free(s.data);
}
