/* PCI configuration mechanism #1 and bus 0; see pci.h.
 *
 * CONFIG_ADDRESS (0xCF8, dword accesses only): bit 31 enable, 23:16 bus,
 * 15:11 device, 10:8 function, 7:2 register. CONFIG_DATA (0xCFC-0xCFF)
 * reaches the register selected, at the byte lane of the port used. Other
 * accesses to 0xCF8-0xCFB are not configuration cycles (0xCF9 belongs to
 * the PIIX3 reset control register, which registers that port itself). */
#include "devices/pci.h"

#include <string.h>

static uint32_t ones(int size) { return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static int bar_offset(int bar) { return bar == PCI_ROM_BAR ? 0x30 : 0x10 + 4 * bar; }

/* The base the BAR decodes now, or PCI_UNMAPPED. */
static uint32_t bar_decoded(const PciDevice *d, int bar) {
  const PciBar *b = &d->bars[bar];
  if (!b->size) return PCI_UNMAPPED;
  uint16_t cmd = (uint16_t)(d->config[4] | d->config[5] << 8);
  uint32_t raw = get32(d->config + bar_offset(bar));
  uint32_t base;
  if (bar == PCI_ROM_BAR) {
    if (!(cmd & 2) || !(raw & 1)) return PCI_UNMAPPED;
    base = raw & ~(b->size - 1) & 0xFFFFF800u;
  } else if (b->io) {
    if (!(cmd & 1)) return PCI_UNMAPPED;
    base = raw & ~(b->size - 1) & 0xFFFFFFFCu;
  } else {
    if (!(cmd & 2)) return PCI_UNMAPPED;
    base = raw & ~(b->size - 1) & 0xFFFFFFF0u;
  }
  if (base == 0) return PCI_UNMAPPED;
  if (b->io) {
    if ((uint64_t)base + b->size > 0x10000) return PCI_UNMAPPED;
  } else {
    const PciBus *bus = d->bus;
    if ((uint64_t)base + b->size > PCI_MMIO_END) return PCI_UNMAPPED;
    if (bus && base < bus->ram_top) return PCI_UNMAPPED;
  }
  return base;
}

void pci_update_mappings(PciDevice *d) {
  for (int i = 0; i < PCI_BAR_COUNT; i++) {
    PciBar *b = &d->bars[i];
    if (!b->size) continue;
    uint32_t now = bar_decoded(d, i);
    if (now == b->mapped) continue;
    if (b->mapped != PCI_UNMAPPED) {
      if (b->map) b->map(d, i, PCI_UNMAPPED);
      b->mapped = PCI_UNMAPPED;
    }
    if (now != PCI_UNMAPPED) {
      if (b->map) b->map(d, i, now);
      b->mapped = now;
    }
  }
}

/* Bring a BAR register back to what the hardware can hold: address bits
 * above its size, the read-only type bits, the ROM enable bit. */
static void bar_normalise(PciDevice *d, int bar) {
  PciBar *b = &d->bars[bar];
  uint8_t *p = d->config + bar_offset(bar);
  uint32_t raw = get32(p);
  if (!b->size) {
    put32(p, 0);
    return;
  }
  uint32_t v;
  if (bar == PCI_ROM_BAR) v = (raw & ~(b->size - 1) & 0xFFFFF800u) | (raw & 1);
  else if (b->io) v = (raw & ~(b->size - 1) & 0xFFFFFFFCu) | 1;
  else v = (raw & ~(b->size - 1) & 0xFFFFFFF0u) | (raw & 0x0F);
  put32(p, v);
}

uint32_t pci_config_read(PciBus *bus, int devfn, int offset, int size) {
  if (devfn < 0 || devfn > 255 || offset < 0 || offset + size > 256) return ones(size);
  PciDevice *d = bus->devices[devfn];
  if (!d) return ones(size);
  uint32_t v;
  if (d->config_read && d->config_read(d, offset, size, &v)) return v & ones(size);
  v = 0;
  for (int i = size - 1; i >= 0; i--) v = v << 8 | d->config[offset + i];
  return v;
}

void pci_config_write(PciBus *bus, int devfn, int offset, int size, uint32_t value) {
  if (devfn < 0 || devfn > 255 || offset < 0 || offset + size > 256) return;
  PciDevice *d = bus->devices[devfn];
  if (!d) return;
  bool remap = false;
  uint8_t bars_touched = 0;
  for (int i = 0; i < size; i++) {
    int o = offset + i;
    uint8_t v = (uint8_t)(value >> (8 * i));
    if ((o >= 0x10 && o < 0x28) || (o >= 0x30 && o < 0x34)) {
      int bar = o >= 0x30 ? PCI_ROM_BAR : (o - 0x10) / 4;
      /* For memory BARs the type bits stay as the device set them. */
      uint8_t keep = 0;
      if (o == bar_offset(bar) && bar != PCI_ROM_BAR && d->bars[bar].size && !d->bars[bar].io)
        keep = 0x0F;
      d->config[o] = (uint8_t)((d->config[o] & keep) | (v & ~keep));
      bars_touched |= (uint8_t)(1u << bar);
      remap = true;
    } else if (o == 6 || o == 7) {
      /* Status: error bits are write-one-to-clear; the rest read-only. */
      uint8_t w1c = o == 7 ? 0xF9 : 0x00;
      d->config[o] = (uint8_t)(d->config[o] & ~(v & w1c));
    } else {
      d->config[o] = (uint8_t)((d->config[o] & ~d->wmask[o]) | (v & d->wmask[o]));
      if (o == 4 || o == 5) remap = true;
    }
  }
  for (int bar = 0; bar < PCI_BAR_COUNT; bar++)
    if (bars_touched & (1u << bar)) bar_normalise(d, bar);
  if (remap) pci_update_mappings(d);
  if (d->config_written) d->config_written(d, offset, size, value & ones(size));
}

static uint32_t addr_in(void *opaque, uint16_t port, int size) {
  PciBus *bus = opaque;
  if (port == 0xCF8 && size == 4) return bus->address;
  return ones(size);
}

static void addr_out(void *opaque, uint16_t port, int size, uint32_t value) {
  PciBus *bus = opaque;
  if (port == 0xCF8 && size == 4) bus->address = value & 0x80FFFFFCu;
}

/* The configuration register a data-port access reaches, or -1 when the
 * access is not a configuration cycle on bus 0. */
static int data_target(PciBus *bus, uint16_t port, int size, int *devfn) {
  uint32_t a = bus->address;
  if (!(a & 0x80000000u) || ((a >> 16) & 0xFF) != 0) return -1;
  int offset = (int)(a & 0xFC) + (port - 0xCFC);
  if ((port - 0xCFC) + size > 4) return -1; /* would run past the dword */
  *devfn = (int)((a >> 8) & 0xFF);
  return offset;
}

static uint32_t data_in(void *opaque, uint16_t port, int size) {
  PciBus *bus = opaque;
  int devfn;
  int offset = data_target(bus, port, size, &devfn);
  if (offset < 0) return ones(size);
  return pci_config_read(bus, devfn, offset, size);
}

static void data_out(void *opaque, uint16_t port, int size, uint32_t value) {
  PciBus *bus = opaque;
  int devfn;
  int offset = data_target(bus, port, size, &devfn);
  if (offset < 0) return;
  pci_config_write(bus, devfn, offset, size, value);
}

static const IoPortOps addr_ops = {addr_in, addr_out};
static const IoPortOps data_ops = {data_in, data_out};

void pci_bus_init(PciBus *bus, IoBus *io) {
  memset(bus, 0, sizeof *bus);
  iobus_register(io, 0xCF8, 1, &addr_ops, bus, "pci-addr");
  iobus_register(io, 0xCFC, 4, &data_ops, bus, "pci-data");
}

void pci_register(PciBus *bus, PciDevice *d) {
  d->bus = bus;
  bus->devices[d->devfn & 0xFF] = d;
  for (int i = 0; i < PCI_BAR_COUNT; i++) d->bars[i].mapped = PCI_UNMAPPED;
  pci_update_mappings(d);
}

void pci_set_ids(PciDevice *d, uint16_t vendor, uint16_t device, uint32_t class_rev) {
  d->config[0] = (uint8_t)vendor;
  d->config[1] = (uint8_t)(vendor >> 8);
  d->config[2] = (uint8_t)device;
  d->config[3] = (uint8_t)(device >> 8);
  put32(d->config + 8, class_rev);
  d->wmask[0x04] = 0x07; /* I/O space, memory space, bus master */
  d->wmask[0x05] = 0x05; /* SERR# enable, interrupt disable */
  d->wmask[0x0C] = 0xFF; /* cache line size */
  d->wmask[0x0D] = 0xFF; /* latency timer */
  d->wmask[0x3C] = 0xFF; /* interrupt line */
}

void pci_set_bar(PciDevice *d, int bar, uint32_t size, bool io,
                 void (*map)(PciDevice *d, int bar, uint32_t addr)) {
  if (bar < 0 || bar >= PCI_BAR_COUNT) return;
  uint32_t min = bar == PCI_ROM_BAR ? 0x800 : io ? 4 : 16;
  uint32_t s = min;
  while (s < size && s < 0x80000000u) s <<= 1;
  PciBar *b = &d->bars[bar];
  b->size = size ? s : 0;
  b->io = bar == PCI_ROM_BAR ? false : io;
  b->map = map;
  b->mapped = PCI_UNMAPPED;
  uint8_t *p = d->config + bar_offset(bar);
  uint32_t raw = get32(p);
  if (bar == PCI_ROM_BAR) put32(p, raw & ~(b->size - 1) & 0xFFFFF801u);
  else if (b->io) put32(p, (raw & ~(b->size - 1) & 0xFFFFFFFCu) | 1);
  else put32(p, (raw & ~(b->size - 1) & 0xFFFFFFF0u) | (raw & 0x0F));
}

void pci_set_irq(PciDevice *d, int level) {
  int pin = d->config[0x3D];
  if (pin < 1 || pin > 4 || !d->bus || !d->bus->set_intx) return;
  d->bus->set_intx(d->bus->intx_opaque, d->devfn, pin - 1, level ? 1 : 0);
}

void pci_device_save(PciDevice *d, StateBuf *s) { state_put(s, d->config, sizeof d->config); }

void pci_device_load(PciDevice *d, StateBuf *s) {
  state_get(s, d->config, sizeof d->config);
  pci_update_mappings(d);
}
