/* PIIX4 power management function; see acpi_pm.h. Registers after the
 * 82371AB PIIX4 datasheet (function 3). */
#include "devices/acpi_pm.h"

#include <string.h>

#define NS_PER_S 1000000000ull
#define SCI_SOURCES (PMSTS_TMROF | PMSTS_GBL | PMSTS_PWRBTN | PMSTS_RTC)

enum {
  CFG_PMBA = 0x40,
  CFG_DEVACTB = 0x58,
  CFG_PMREGMISC = 0x80,
  CFG_SMBBA = 0x90,
  CFG_SMBHSTCFG = 0xD2,
  REG_PMSTS = 0x00,
  REG_PMEN = 0x02,
  REG_PMCNTRL = 0x04,
  REG_PMTMR = 0x08,
  REG_GPSTS = 0x0C,
  REG_GLBSTS = 0x18,
  PM_BLOCK_SIZE = 64,
};

static uint64_t ticks_at(uint64_t ns) {
  return ns / NS_PER_S * ACPI_PM_TIMER_HZ + ns % NS_PER_S * ACPI_PM_TIMER_HZ / NS_PER_S;
}

/* The first time at which the counter reads at least t. */
static uint64_t ns_of_tick(uint64_t t) {
  return t / ACPI_PM_TIMER_HZ * NS_PER_S +
         (t % ACPI_PM_TIMER_HZ * NS_PER_S + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
}

uint32_t acpi_pm_timer(uint64_t now_ns) { return (uint32_t)(ticks_at(now_ns) & 0xFFFFFF); }

static uint16_t reg16(const AcpiPm *pm, int o) { return (uint16_t)(pm->regs[o] | pm->regs[o + 1] << 8); }

static uint64_t now_ns(AcpiPm *pm) {
  if (pm->now) {
    uint64_t t = pm->now(pm->opaque);
    if (t > pm->last_now) pm->last_now = t;
  }
  return pm->last_now;
}

static void update_sci(AcpiPm *pm) {
  bool level = false;
  if (reg16(pm, REG_PMCNTRL) & PMCNTRL_SCI_EN) {
    if (reg16(pm, REG_PMSTS) & reg16(pm, REG_PMEN) & SCI_SOURCES) level = true;
    if ((pm->gpe[0] & pm->gpe[2]) || (pm->gpe[1] & pm->gpe[3])) level = true;
  }
  if (level == pm->sci) return;
  pm->sci = level;
  if (pm->set_irq) pm->set_irq(pm->opaque, ACPI_PM_IRQ, level);
}

/* Bring TMROF_STS up to time now: set if bit 23 changed since last seen. */
static void catch_up(AcpiPm *pm, uint64_t now) {
  uint64_t t = ticks_at(now);
  if (t < pm->last_ticks) return;
  if ((t >> 23) != (pm->last_ticks >> 23)) pm->regs[REG_PMSTS] |= PMSTS_TMROF;
  pm->last_ticks = t;
}

static void sleep_request(AcpiPm *pm, int typ) {
  if (typ == ACPI_PM_SLP_TYP_S5 && pm->power_off) pm->power_off(pm->opaque);
  /* S1-S4 are not modelled: the machine just keeps running. */
}

static uint8_t pm_read_byte(AcpiPm *pm, int o, uint64_t now) {
  if (o >= REG_PMTMR && o < REG_PMTMR + 4) {
    uint32_t t = acpi_pm_timer(now);
    return (uint8_t)(t >> (8 * (o - REG_PMTMR)));
  }
  if (o == REG_PMCNTRL + 1) return pm->regs[o] & 0x1C; /* SUS_EN reads 0 */
  if (o == 0x14 || o == 0x15) return 0;                /* PLVL2/PLVL3 */
  return pm->regs[o];
}

static void pm_write_byte(AcpiPm *pm, int o, uint8_t v) {
  switch (o) {
  case REG_PMSTS:
  case REG_PMSTS + 1:
  case REG_GPSTS:
  case REG_GPSTS + 1:
  case REG_GLBSTS:
  case REG_GLBSTS + 1:
    pm->regs[o] &= (uint8_t)~v;
    break;
  case REG_PMEN:
    pm->regs[o] = v & 0x21;
    break;
  case REG_PMEN + 1:
    pm->regs[o] = v & 0x05;
    break;
  case REG_PMCNTRL:
    pm->regs[o] = v & 0x03;
    if (v & 0x04) pm->regs[REG_GLBSTS] |= 0x01; /* GBL_RLS sets BIOS_STS */
    break;
  case REG_PMCNTRL + 1:
    pm->regs[o] = v & 0x1C;
    if (v & 0x20) sleep_request(pm, (v >> 2) & 7);
    break;
  case REG_PMTMR:
  case REG_PMTMR + 1:
  case REG_PMTMR + 2:
  case REG_PMTMR + 3:
  case 0x14:
  case 0x15:
  case 0x30:
  case 0x31:
  case 0x32:
  case 0x33:
    break; /* read-only */
  default:
    pm->regs[o] = v;
  }
}

static uint32_t pm_in(void *opaque, uint16_t port, int size) {
  AcpiPm *pm = opaque;
  uint64_t now = now_ns(pm);
  catch_up(pm, now);
  update_sci(pm);
  int o = port - pm->io_base;
  uint32_t v = 0;
  for (int i = size - 1; i >= 0; i--)
    v = v << 8 | (o + i < PM_BLOCK_SIZE ? pm_read_byte(pm, o + i, now) : 0xFF);
  return v;
}

static void pm_out(void *opaque, uint16_t port, int size, uint32_t value) {
  AcpiPm *pm = opaque;
  catch_up(pm, now_ns(pm));
  int o = port - pm->io_base;
  for (int i = 0; i < size && o + i < PM_BLOCK_SIZE; i++) pm_write_byte(pm, o + i, (uint8_t)(value >> (8 * i)));
  update_sci(pm);
}

static const IoPortOps pm_ops = {pm_in, pm_out};

static uint32_t gpe_in(void *opaque, uint16_t port, int size) {
  AcpiPm *pm = opaque;
  int o = port - ACPI_PM_GPE0_BASE;
  uint32_t v = 0;
  for (int i = size - 1; i >= 0; i--) v = v << 8 | (o + i < 4 ? pm->gpe[o + i] : 0xFF);
  return v;
}

static void gpe_out(void *opaque, uint16_t port, int size, uint32_t value) {
  AcpiPm *pm = opaque;
  int o = port - ACPI_PM_GPE0_BASE;
  for (int i = 0; i < size && o + i < 4; i++) {
    uint8_t v = (uint8_t)(value >> (8 * i));
    if (o + i < 2) pm->gpe[o + i] &= (uint8_t)~v;
    else pm->gpe[o + i] = v;
  }
  update_sci(pm);
}

static const IoPortOps gpe_ops = {gpe_in, gpe_out};

static uint32_t apm_in(void *opaque, uint16_t port, int size) {
  AcpiPm *pm = opaque;
  uint32_t v = port == 0xB2 ? (uint32_t)(pm->apmc | pm->apms << 8) : 0xFF00u | pm->apms;
  if (size == 1) return v & 0xFF;
  return size == 2 ? v : v | 0xFFFF0000u;
}

static void apm_out(void *opaque, uint16_t port, int size, uint32_t value) {
  AcpiPm *pm = opaque;
  if (port == 0xB3) {
    pm->apms = (uint8_t)value;
    return;
  }
  pm->apmc = (uint8_t)value;
  if (size > 1) pm->apms = (uint8_t)(value >> 8);
  /* What the SMI handler of the firmware would do for the FADT's
   * ACPI_ENABLE / ACPI_DISABLE commands. */
  if (pm->apmc == 0xF1) pm->regs[REG_PMCNTRL] |= PMCNTRL_SCI_EN;
  else if (pm->apmc == 0xF0) pm->regs[REG_PMCNTRL] &= (uint8_t)~PMCNTRL_SCI_EN;
  update_sci(pm);
}

static const IoPortOps apm_ops = {apm_in, apm_out};

/* Decode the PM block where PMBA and PMIOSE say. */
static void update_io(AcpiPm *pm) {
  uint16_t base = (uint16_t)((pm->pci.config[CFG_PMBA] | pm->pci.config[CFG_PMBA + 1] << 8) & 0xFFC0);
  if (!(pm->pci.config[CFG_PMREGMISC] & 1)) base = 0;
  if (base == pm->io_base) return;
  if (pm->io_base) iobus_unregister(pm->io, pm->io_base, PM_BLOCK_SIZE);
  pm->io_base = base;
  if (base) iobus_register(pm->io, base, PM_BLOCK_SIZE, &pm_ops, pm, "acpi-pm");
}

static void config_written(PciDevice *d, int offset, int size, uint32_t value) {
  (void)value;
  AcpiPm *pm = d->opaque;
  int end = offset + size;
  if ((offset < CFG_PMBA + 4 && end > CFG_PMBA) || (offset <= CFG_PMREGMISC && end > CFG_PMREGMISC))
    update_io(pm);
}

static void config_defaults(AcpiPm *pm) {
  PciDevice *d = &pm->pci;
  memset(d->config, 0, sizeof d->config);
  memset(d->wmask, 0, sizeof d->wmask);
  pci_set_ids(d, 0x8086, 0x7113, 0x06800003); /* other bridge, revision 03 */
  d->wmask[0x04] = 0x01;                      /* I/O space (SMBus) */
  d->wmask[0x05] = 0;
  d->config[0x07] = 0x02;                     /* DEVSEL# medium */
  d->config[0x3D] = 0x01;                     /* INTA# */
  d->config[CFG_PMBA] = 0x01;                 /* I/O space indicator */
  d->config[CFG_DEVACTB + 3] = 0x02;          /* APMC_EN: no SMM to set up */
  d->config[CFG_SMBBA] = 0x01;
  for (int o = 0x44; o < 0x100; o++) d->wmask[o] = 0xFF;
  d->wmask[CFG_PMBA] = 0xC0;
  d->wmask[CFG_PMBA + 1] = 0xFF;
  d->wmask[CFG_PMREGMISC] = 0x01;
  d->wmask[CFG_SMBBA] = 0xF0;
  d->wmask[CFG_SMBBA + 1] = 0xFF;
  d->wmask[CFG_SMBBA + 2] = d->wmask[CFG_SMBBA + 3] = 0;
  d->wmask[CFG_SMBHSTCFG] = 0x0F;
}

void acpi_pm_power_button(AcpiPm *pm) {
  pm->regs[REG_PMSTS + 1] |= PMSTS_PWRBTN >> 8;
  update_sci(pm);
}

static void dev_reset(Device *dev) {
  AcpiPm *pm = (AcpiPm *)dev;
  config_defaults(pm);
  update_io(pm);
  memset(pm->regs, 0, sizeof pm->regs);
  memset(pm->gpe, 0, sizeof pm->gpe);
  pm->apmc = pm->apms = 0;
  pm->last_ticks = ticks_at(pm->last_now);
  update_sci(pm);
}

static uint64_t dev_timer(Device *dev, uint64_t now) {
  AcpiPm *pm = (AcpiPm *)dev;
  if (now > pm->last_now) pm->last_now = now;
  catch_up(pm, pm->last_now);
  update_sci(pm);
  return ns_of_tick(((pm->last_ticks >> 23) + 1) << 23);
}

static void dev_save(Device *dev, StateBuf *s) {
  AcpiPm *pm = (AcpiPm *)dev;
  pci_device_save(&pm->pci, s);
  state_put(s, pm->regs, sizeof pm->regs);
  state_put(s, pm->gpe, sizeof pm->gpe);
  state_put(s, &pm->apmc, 1);
  state_put(s, &pm->apms, 1);
  state_put(s, &pm->last_ticks, sizeof pm->last_ticks);
  state_put(s, &pm->last_now, sizeof pm->last_now);
  state_put(s, &pm->sci, sizeof pm->sci);
}

static void dev_load(Device *dev, StateBuf *s) {
  AcpiPm *pm = (AcpiPm *)dev;
  pci_device_load(&pm->pci, s);
  state_get(s, pm->regs, sizeof pm->regs);
  state_get(s, pm->gpe, sizeof pm->gpe);
  state_get(s, &pm->apmc, 1);
  state_get(s, &pm->apms, 1);
  state_get(s, &pm->last_ticks, sizeof pm->last_ticks);
  state_get(s, &pm->last_now, sizeof pm->last_now);
  state_get(s, &pm->sci, sizeof pm->sci);
  update_io(pm);
}

void acpi_pm_init(AcpiPm *pm, PciBus *bus, IoBus *io) {
  memset(pm, 0, sizeof *pm);
  pm->dev.name = "acpi-pm";
  pm->dev.reset = dev_reset;
  pm->dev.save = dev_save;
  pm->dev.load = dev_load;
  pm->dev.timer = dev_timer;
  pm->io = io;
  pm->pci.name = "piix4-pm";
  pm->pci.devfn = ACPI_PM_DEVFN;
  pm->pci.opaque = pm;
  pm->pci.config_written = config_written;
  config_defaults(pm);
  pci_register(bus, &pm->pci);
  iobus_register(io, 0xB2, 2, &apm_ops, pm, "apm");
  iobus_register(io, ACPI_PM_GPE0_BASE, 4, &gpe_ops, pm, "acpi-gpe0");
}
