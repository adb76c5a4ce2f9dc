/* 82441FX host bridge (PAM, SMRAM) and 82371SB PIIX3 ISA bridge (PIRQ
 * routing, reset control); see i440fx.h. Register layouts and reset values
 * follow the 82441FX and 82371SB datasheets. */
#include "devices/i440fx.h"

#include <string.h>

enum {
  HOST_PAM0 = 0x59,
  HOST_DRB0 = 0x60,
  HOST_SMRAM = 0x72,
  PIIX_PIRQRC = 0x60,
  SMRAM_D_OPEN = 0x40,
  SMRAM_D_CLS = 0x20,
  SMRAM_D_LCK = 0x10,
  SMRAM_G_SMRAME = 0x08,
  SMRAM_BASE_SEG = 0x02, /* C_BASE_SEG = 010: SMRAM at 0xA0000 */
  PIIX_IRQ_VALID = 0xDEF8, /* IRQ 3-7, 9-12, 14, 15 */
};

/* Segment i of the PAM map: where it is and which register bits hold its
 * RE/WE pair. Segment 0 is 0xF0000-0xFFFFF (PAM0 bits 5:4); segments
 * 1..12 are the 16 KiB pieces of 0xC0000-0xEFFFF. */
static void seg_info(int i, uint32_t *base, uint32_t *size, int *reg, int *shift) {
  if (i == 0) {
    *base = 0xF0000;
    *size = 0x10000;
    *reg = HOST_PAM0;
    *shift = 4;
    return;
  }
  *base = 0xC0000 + (uint32_t)(i - 1) * 0x4000;
  *size = 0x4000;
  *reg = HOST_PAM0 + 1 + (i - 1) / 2;
  *shift = (i - 1) % 2 ? 4 : 0;
}

static uint8_t seg_wanted(const I440fx *ix, int i) {
  uint32_t base, size;
  int reg, shift;
  seg_info(i, &base, &size, &reg, &shift);
  return (uint8_t)((ix->host.config[reg] >> shift) & 3);
}

/* Write-only shadowing: reads come from the ISA side, writes go to RAM. */
static uint8_t isa_byte(I440fx *ix, uint32_t addr) {
  if (addr < 0xC0000 || addr >= 0x100000) return 0xFF;
  const uint8_t *p = ix->isa_rom[(addr - 0xC0000) >> PAGE_SHIFT];
  return p ? p[addr & (PAGE_SIZE - 1)] : 0xFF;
}

static uint32_t wo_read(void *opaque, uint32_t addr, int size) {
  uint32_t v = 0;
  for (int i = size - 1; i >= 0; i--) v = v << 8 | isa_byte(opaque, addr + (uint32_t)i);
  return v;
}

static void wo_write(void *opaque, uint32_t addr, int size, uint32_t value) {
  I440fx *ix = opaque;
  for (int i = 0; i < size; i++) {
    uint32_t a = addr + (uint32_t)i;
    if (a < ix->mem->ram_size) ix->mem->ram[a] = (uint8_t)(value >> (8 * i));
  }
}

static const MmioOps wo_ops = {wo_read, wo_write, "pam"};

static void apply_segment(I440fx *ix, int i, bool force) {
  uint8_t mode = seg_wanted(ix, i);
  if (!force && mode == ix->seg_mode[i]) return;
  ix->seg_mode[i] = mode;
  uint32_t base, size;
  int reg, shift;
  seg_info(i, &base, &size, &reg, &shift);
  PhysMem *pm = ix->mem;
  bool ram_ok = pm->ram_size >= base + size;
  if ((mode & 1) && ram_ok) {
    /* RE: reads (and, with WE, writes) go to DRAM. */
    phys_map_host(pm, base, size, pm->ram + base, !(mode & 2));
  } else if (mode == 2 && ram_ok) {
    phys_map_mmio(pm, base, size, &wo_ops, ix);
  } else {
    for (uint32_t off = 0; off < size; off += PAGE_SIZE) {
      const uint8_t *p = ix->isa_rom[(base + off - 0xC0000) >> PAGE_SHIFT];
      if (p) phys_map_host(pm, base + off, PAGE_SIZE, (uint8_t *)p, true);
      else phys_unmap(pm, base + off, PAGE_SIZE);
    }
  }
  if (ix->mem_changed) ix->mem_changed(ix->opaque, base, size);
}

static void apply_all(I440fx *ix, bool force) {
  for (int i = 0; i < I440FX_PAM_SEGMENTS; i++) apply_segment(ix, i, force);
}

void i440fx_set_isa_rom(I440fx *ix, uint32_t addr, uint32_t size, const uint8_t *host) {
  for (uint32_t off = 0; off < size; off += PAGE_SIZE) {
    uint32_t a = addr + off;
    if (a < 0xC0000 || a >= 0x100000) continue;
    ix->isa_rom[(a - 0xC0000) >> PAGE_SHIFT] = host ? host + off : NULL;
  }
  apply_all(ix, true);
}

/* ---- PIIX3 interrupt routing ---------------------------------------- */

static int pirq_of(int devfn, int intx) { return ((devfn >> 3) - 1 + intx) & 3; }

static void update_irqs(I440fx *ix) {
  uint16_t want = 0;
  for (int p = 0; p < 4; p++) {
    uint8_t r = ix->isa.config[PIIX_PIRQRC + p];
    int irq = r & 0x0F;
    if (!(r & 0x80) && ix->pirq_count[p] && (PIIX_IRQ_VALID >> irq & 1)) want |= (uint16_t)(1u << irq);
  }
  uint16_t diff = want ^ ix->irq_out;
  ix->irq_out = want;
  for (int irq = 0; irq < 16; irq++)
    if ((diff >> irq & 1) && ix->set_irq) ix->set_irq(ix->opaque, irq, want >> irq & 1);
}

int piix3_pci_irq(const I440fx *ix, int devfn, int intx) {
  uint8_t r = ix->isa.config[PIIX_PIRQRC + pirq_of(devfn, intx & 3)];
  int irq = r & 0x0F;
  if ((r & 0x80) || !(PIIX_IRQ_VALID >> irq & 1)) return -1;
  return irq;
}

void piix3_set_pci_irq(I440fx *ix, int devfn, int intx, int level) {
  if (devfn < 0 || devfn > 255 || intx < 0 || intx > 3) return;
  uint8_t bit = (uint8_t)(1u << intx);
  bool was = ix->intx[devfn] & bit;
  if (!!level == was) return;
  int p = pirq_of(devfn, intx);
  if (level) {
    ix->intx[devfn] |= bit;
    ix->pirq_count[p]++;
  } else {
    ix->intx[devfn] &= (uint8_t)~bit;
    ix->pirq_count[p]--;
  }
  update_irqs(ix);
}

static void bus_set_intx(void *opaque, int devfn, int pin, int level) {
  piix3_set_pci_irq(opaque, devfn, pin, level);
}

/* ---- configuration spaces -------------------------------------------- */

static void host_defaults(I440fx *ix) {
  PciDevice *d = &ix->host;
  memset(d->config, 0, sizeof d->config);
  pci_set_ids(d, 0x8086, 0x1237, 0x06000002); /* host bridge, revision 02 */
  d->wmask[0x04] = 0x06;                      /* memory and master only */
  d->config[0x04] = 0x06;
  d->config[0x06] = 0x80; /* fast back-to-back capable */
  d->config[0x07] = 0x02; /* DEVSEL# medium */
  d->config[0x51] = 0x80; /* DETURBO */
  d->config[0x57] = 0x01; /* DRAMC */
  d->config[0x58] = 0x10; /* DRAMT */
  uint32_t rows = ix->mem->ram_size >> 23; /* DRB counts 8 MiB units */
  for (int i = 0; i < 8; i++) d->config[HOST_DRB0 + i] = (uint8_t)(rows > 0xFF ? 0xFF : rows ? rows : 1);
  d->config[0x70] = 0x20; /* MTT */
  d->config[0x71] = 0x10; /* CLT */
  d->config[HOST_SMRAM] = SMRAM_BASE_SEG;
}

static void host_wmask(PciDevice *d) {
  for (int o = 0x50; o <= 0x58; o++) d->wmask[o] = 0xFF;
  d->wmask[HOST_PAM0] = 0x30;
  for (int o = HOST_PAM0 + 1; o <= HOST_PAM0 + 6; o++) d->wmask[o] = 0x33;
  for (int o = HOST_DRB0; o <= 0x68; o++) d->wmask[o] = 0xFF;
  d->wmask[0x70] = 0xF8;
  d->wmask[0x71] = 0xFF;
  d->wmask[HOST_SMRAM] = 0; /* the hook applies the lock rules */
  d->wmask[0x90] = 0xFF;
  d->wmask[0x93] = 0xFF;
}

static void smram_write(I440fx *ix, uint8_t v) {
  uint8_t old = ix->host.config[HOST_SMRAM];
  uint8_t n;
  if (old & SMRAM_D_LCK) {
    /* Locked: only D_CLS may change; D_OPEN stays 0 until power-on. */
    n = (uint8_t)((old & ~(SMRAM_D_CLS | SMRAM_D_OPEN)) | (v & SMRAM_D_CLS));
  } else {
    n = (uint8_t)((v & (SMRAM_D_OPEN | SMRAM_D_CLS | SMRAM_D_LCK | SMRAM_G_SMRAME)) | SMRAM_BASE_SEG);
    if (n & SMRAM_D_LCK) n &= (uint8_t)~SMRAM_D_OPEN;
  }
  ix->host.config[HOST_SMRAM] = n;
}

static void host_written(PciDevice *d, int offset, int size, uint32_t value) {
  I440fx *ix = d->opaque;
  bool pam = false;
  for (int i = 0; i < size; i++) {
    int o = offset + i;
    if (o >= HOST_PAM0 && o <= HOST_PAM0 + 6) pam = true;
    if (o == HOST_SMRAM) smram_write(ix, (uint8_t)(value >> (8 * i)));
  }
  if (pam) apply_all(ix, false);
}

static void isa_defaults(I440fx *ix) {
  PciDevice *d = &ix->isa;
  uint8_t wm[256];
  memcpy(wm, d->wmask, sizeof wm);
  memset(d->config, 0, sizeof d->config);
  pci_set_ids(d, 0x8086, 0x7000, 0x06010000); /* ISA bridge, revision 00 */
  memcpy(d->wmask, wm, sizeof wm);
  d->config[0x04] = 0x07;
  d->config[0x07] = 0x02; /* DEVSEL# medium */
  d->config[0x0E] = 0x80; /* multi-function */
  d->config[0x4C] = 0x4D; /* IORT */
  d->config[0x4E] = 0x03; /* XBCS */
  for (int p = 0; p < 4; p++) d->config[PIIX_PIRQRC + p] = 0x80;
  d->config[0x69] = 0x02; /* TOM */
  d->config[0x70] = 0x80; /* MBIRQ0 */
  d->config[0x71] = 0x80; /* MBIRQ1 */
  d->config[0x76] = 0x0C; /* MBDMA0 */
  d->config[0x77] = 0x0C; /* MBDMA1 */
  d->config[0x78] = 0x02; /* PCSC */
  d->config[0xA0] = 0x08; /* SMICNTL */
  d->config[0xA8] = 0x0F; /* FTMR */
}

static void isa_wmask(PciDevice *d) {
  d->wmask[0x04] = 0x08; /* only special cycle enable is writable-ish */
  d->wmask[0x05] = 0;
  d->wmask[0x0C] = d->wmask[0x0D] = d->wmask[0x3C] = 0;
  d->wmask[0x4C] = 0x7F;
  d->wmask[0x4E] = 0xFF;
  d->wmask[0x4F] = 0x03;
  for (int p = 0; p < 4; p++) d->wmask[PIIX_PIRQRC + p] = 0x8F;
  d->wmask[0x69] = 0xFE;
  d->wmask[0x6A] = 0xFF;
  d->wmask[0x6B] = 0x80;
  d->wmask[0x70] = d->wmask[0x71] = 0xEF;
  d->wmask[0x76] = d->wmask[0x77] = 0x87;
  d->wmask[0x78] = d->wmask[0x79] = 0xFF;
  d->wmask[0x80] = 0x7F;
  d->wmask[0x82] = 0x0F;
  for (int o = 0xA0; o <= 0xAF; o++) d->wmask[o] = 0xFF;
}

static void isa_written(PciDevice *d, int offset, int size, uint32_t value) {
  (void)value;
  if (offset < PIIX_PIRQRC + 4 && offset + size > PIIX_PIRQRC) update_irqs(d->opaque);
}

/* ---- reset control (port 0xCF9) --------------------------------------- */

static uint32_t rc_in(void *opaque, uint16_t port, int size) {
  (void)port;
  I440fx *ix = opaque;
  return size == 1 ? ix->rc : (size == 4 ? 0xFFFFFFFFu : 0xFFFFu);
}

static void rc_out(void *opaque, uint16_t port, int size, uint32_t value) {
  (void)port;
  I440fx *ix = opaque;
  if (size != 1) return;
  uint8_t old = ix->rc;
  ix->rc = (uint8_t)(value & 0x06);
  if ((value & 0x04) && !(old & 0x04) && ix->reset) ix->reset(ix->opaque);
}

static const IoPortOps rc_ops = {rc_in, rc_out};

/* ---- Device ----------------------------------------------------------- */

static void dev_reset(Device *dev) {
  I440fx *ix = (I440fx *)dev;
  host_defaults(ix);
  isa_defaults(ix);
  ix->rc = 0;
  ix->bus->address = 0;
  apply_all(ix, true);
  update_irqs(ix);
}

static void dev_save(Device *dev, StateBuf *s) {
  I440fx *ix = (I440fx *)dev;
  pci_device_save(&ix->host, s);
  pci_device_save(&ix->isa, s);
  state_put(s, &ix->rc, sizeof ix->rc);
  state_put(s, ix->intx, sizeof ix->intx);
  state_put(s, ix->pirq_count, sizeof ix->pirq_count);
  state_put(s, &ix->irq_out, sizeof ix->irq_out);
  state_put(s, &ix->bus->address, sizeof ix->bus->address);
}

static void dev_load(Device *dev, StateBuf *s) {
  I440fx *ix = (I440fx *)dev;
  pci_device_load(&ix->host, s);
  pci_device_load(&ix->isa, s);
  state_get(s, &ix->rc, sizeof ix->rc);
  state_get(s, ix->intx, sizeof ix->intx);
  state_get(s, ix->pirq_count, sizeof ix->pirq_count);
  state_get(s, &ix->irq_out, sizeof ix->irq_out);
  state_get(s, &ix->bus->address, sizeof ix->bus->address);
  apply_all(ix, true);
}

void i440fx_init(I440fx *ix, PciBus *bus, PhysMem *mem, IoBus *io, const uint8_t *bios,
                 uint32_t bios_size) {
  memset(ix, 0, sizeof *ix);
  ix->dev.name = "i440fx";
  ix->dev.reset = dev_reset;
  ix->dev.save = dev_save;
  ix->dev.load = dev_load;
  ix->bus = bus;
  ix->mem = mem;
  ix->io = io;
  bus->ram_top = mem->ram_size;
  bus->set_intx = bus_set_intx;
  bus->intx_opaque = ix;

  if (bios && bios_size) {
    uint32_t low = bios_size < 0x20000 ? bios_size & ~(PAGE_SIZE - 1) : 0x20000;
    const uint8_t *src = bios + bios_size - low;
    for (uint32_t off = 0; off < low; off += PAGE_SIZE)
      ix->isa_rom[(0x100000 - low + off - 0xC0000) >> PAGE_SHIFT] = src + off;
  }

  ix->host.name = "i440fx";
  ix->host.devfn = 0;
  ix->host.opaque = ix;
  ix->host.config_written = host_written;
  host_defaults(ix);
  host_wmask(&ix->host);

  ix->isa.name = "piix3";
  ix->isa.devfn = 1 << 3;
  ix->isa.opaque = ix;
  ix->isa.config_written = isa_written;
  isa_defaults(ix);
  isa_wmask(&ix->isa);

  pci_register(bus, &ix->host);
  pci_register(bus, &ix->isa);
  iobus_register(io, 0xCF9, 1, &rc_ops, ix, "piix3-rc");
  apply_all(ix, true);
}
