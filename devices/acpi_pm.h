/* The power management function of an Intel 82371AB PIIX4 (8086:7113,
 * PCI function 01.3), as QEMU's i440FX machine has it beside a PIIX3.
 *
 * Configuration space:
 *   0x40  PMBA: I/O base of the 64-byte PM register block (bits 15:6;
 *         bit 0 reads 1), decoded when PMREGMISC (0x80) bit 0 is set
 *   0x58  DEVACTB: bit 25 APMC_EN reads 1 from reset. holo86 has no SMM,
 *         and firmware (SeaBIOS) takes this bit as "SMM already set up"
 *   0x90  SMBBA, 0xD2 SMBHSTCFG: stored; no SMBus controller answers
 *
 * PM I/O block (PMBA + ...):
 *   0x00  PMSTS  TMROF_STS(0) BM_STS(4) GBL_STS(5) PWRBTN_STS(8)
 *                RTC_STS(10) WAK_STS(15), write 1 to clear
 *   0x02  PMEN   TMROF_EN(0) GBL_EN(5) PWRBTN_EN(8) RTC_EN(10)
 *   0x04  PMCNTRL SCI_EN(0) BRLD_EN_BM(1) GBL_RLS(2, write-only)
 *                SUS_TYP(12:10) SUS_EN(13, write-only)
 *   0x08  PMTMR  24-bit counter at 3.579545 MHz from virtual time;
 *                TMROF_STS is set whenever its bit 23 changes
 *   0x0C  GPSTS (write 1 to clear), 0x0E GPEN, 0x10 PCNTRL,
 *   0x18  GLBSTS (write 1 to clear), 0x1C DEVSTS, 0x20 GLBEN,
 *   0x28  GLBCTL, 0x2C DEVCTL, 0x34 GPOREG: stored
 * SCI is IRQ 9, level: high while SCI_EN and any enabled status bit.
 * Writing SUS_EN with SUS_TYP = ACPI_PM_SLP_TYP_S5 calls power_off: that
 * is the S5 value of the _S5 package in the tables SeaBIOS builds for this
 * chipset ({0, 0}; S3 is 1, S4 is 2).
 *
 * Also on this chip: the APM control/status ports 0xB2/0xB3. Writing
 * 0xF1/0xF0 to 0xB2 (the FADT's ACPI_ENABLE/ACPI_DISABLE values) sets or
 * clears SCI_EN, which is what the firmware's SMI handler does on a real
 * board; and the GPE0 block QEMU's FADT names at 0xAFE0 (4 bytes: status,
 * write 1 to clear, then enable), with no event sources. */
#ifndef HOLO86_ACPI_PM_H
#define HOLO86_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"
#include "devices/iobus.h"
#include "devices/pci.h"

#define ACPI_PM_DEVFN ((1 << 3) | 3)
#define ACPI_PM_IRQ 9
#define ACPI_PM_TIMER_HZ 3579545u
#define ACPI_PM_SLP_TYP_S5 0
#define ACPI_PM_GPE0_BASE 0xAFE0

enum {
  PMSTS_TMROF = 1u << 0,
  PMSTS_BM = 1u << 4,
  PMSTS_GBL = 1u << 5,
  PMSTS_PWRBTN = 1u << 8,
  PMSTS_RTC = 1u << 10,
  PMSTS_WAK = 1u << 15,
  PMCNTRL_SCI_EN = 1u << 0,
  PMCNTRL_SUS_EN = 1u << 13,
};

typedef struct AcpiPm {
  Device dev;
  PciDevice pci;
  IoBus *io;
  uint16_t io_base;      /* PM block decoded at, 0 when off */
  uint8_t regs[64];      /* PM register block (PMTMR computed) */
  uint8_t gpe[4];        /* GPE0 status, enable */
  uint8_t apmc, apms;    /* ports 0xB2, 0xB3 */
  uint64_t last_ticks;   /* PM timer ticks at the last overflow check */
  uint64_t last_now;     /* latest virtual time seen */
  bool sci;              /* level driven on IRQ 9 */
  /* Wiring (all optional; set after acpi_pm_init). */
  void (*set_irq)(void *opaque, int irq, int level);
  uint64_t (*now)(void *opaque);  /* current virtual time, ns */
  void (*power_off)(void *opaque); /* the guest entered S5 */
  void *opaque;
} AcpiPm;

/* Registers function 01.3 on bus and ports 0xB2-0xB3 and 0xAFE0-0xAFE3
 * on io. The PM block appears when the guest programs PMBA and PMIOSE. */
void acpi_pm_init(AcpiPm *pm, PciBus *bus, IoBus *io);
/* The 24-bit PM timer at virtual time now_ns. */
uint32_t acpi_pm_timer(uint64_t now_ns);
/* Press the power button: sets PWRBTN_STS (an SCI if enabled). */
void acpi_pm_power_button(AcpiPm *pm);

#endif
