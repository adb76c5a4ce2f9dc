/* PCI: configuration mechanism #1 (ports 0xCF8/0xCFC) and the one bus a
 * PC of the i440FX era has. A device fills a PciDevice (its 256-byte
 * configuration space, which bits the guest may write, its BARs) and
 * registers it; the bus answers configuration cycles and tells the device
 * when the guest moves or enables one of its BARs. */
#ifndef HOLO86_PCI_H
#define HOLO86_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"
#include "devices/iobus.h"

#define PCI_BAR_COUNT 7      /* BAR0..BAR5, then the expansion ROM */
#define PCI_ROM_BAR 6
#define PCI_UNMAPPED 0xFFFFFFFFu

typedef struct PciDevice PciDevice;

typedef struct PciBar {
  uint32_t size;  /* power of two; 0 = the BAR does not exist */
  bool io;        /* I/O space (else memory) */
  /* Called when the BAR's decoded address changes: addr is the new base,
   * or PCI_UNMAPPED when decoding is off or the BAR is being moved. */
  void (*map)(PciDevice *d, int bar, uint32_t addr);
  uint32_t mapped; /* current decoded base, PCI_UNMAPPED if none */
} PciBar;

struct PciDevice {
  const char *name;
  int devfn;                /* device << 3 | function */
  uint8_t config[256];      /* little-endian configuration space */
  uint8_t wmask[256];       /* bits the guest may change (BARs are handled by the bus) */
  PciBar bars[PCI_BAR_COUNT];
  /* Optional: called after the bus applied a configuration write (for
   * registers with side effects: PAM, PIRQ routing, PM base...). */
  void (*config_written)(PciDevice *d, int offset, int size, uint32_t value);
  /* Optional: a configuration read with side effects or computed values. */
  bool (*config_read)(PciDevice *d, int offset, int size, uint32_t *value);
  void *opaque;             /* the device model that owns this function */
  struct PciBus *bus;       /* set by pci_register */
};

typedef struct PciBus {
  uint32_t address;         /* the 0xCF8 register */
  PciDevice *devices[256];  /* by devfn */
  /* Memory below ram_top is DRAM, which the host bridge claims first: a
   * memory BAR placed there is not decoded (set by the host bridge). */
  uint32_t ram_top;
  /* Where PCI INTA#..INTD# go (the PIIX3 installs itself here); pin is
   * 0..3 for INTA..INTD. */
  void (*set_intx)(void *opaque, int devfn, int pin, int level);
  void *intx_opaque;
} PciBus;

/* Memory BARs must end at or below this to be decoded: the I/O APIC,
 * local APIC and firmware ROM live above it. A BAR being sized (all ones
 * written) with decoding on therefore never covers the firmware. */
#define PCI_MMIO_END 0xFEC00000u

void pci_bus_init(PciBus *bus, IoBus *io);
/* Register a function; its config[0..3] must hold vendor and device IDs. */
void pci_register(PciBus *bus, PciDevice *d);
/* Helpers to fill a configuration space. */
void pci_set_ids(PciDevice *d, uint16_t vendor, uint16_t device, uint32_t class_rev);
void pci_set_bar(PciDevice *d, int bar, uint32_t size, bool io,
                 void (*map)(PciDevice *d, int bar, uint32_t addr));
/* Configuration access as the CPU sees it through 0xCF8/0xCFC (for tests
 * and for firmware loaders). */
uint32_t pci_config_read(PciBus *bus, int devfn, int offset, int size);
void pci_config_write(PciBus *bus, int devfn, int offset, int size, uint32_t value);

/* pci_set_ids also makes the standard registers writable: command (I/O,
 * memory, bus master, SERR#, INTx disable), cache line size, latency
 * timer and interrupt line. pci_set_bar rounds size up to a power of two
 * (at least 4 for I/O, 16 for memory, 2 KiB for the ROM); for memory BARs
 * the low four bits (type, prefetchable) the device puts in config[] are
 * kept read-only.
 *
 * A BAR is decoded when the command register enables its space (I/O bit 0,
 * memory bit 1; the ROM also needs its own bit 0) and its base is not 0,
 * fits below 64 KiB (I/O) or lies between ram_top and PCI_MMIO_END
 * (memory). The bus calls map(d, bar, addr) on every change: first with
 * PCI_UNMAPPED if it was decoded, then with the new base. During the
 * call, d->bars[bar].mapped still holds the previous base. */

/* Re-evaluate every BAR of d against its config space (after the device
 * rewrote config[] itself, e.g. on reset or load). */
void pci_update_mappings(PciDevice *d);
/* Drive the device's interrupt pin (config 0x3D: 1 = INTA#..4 = INTD#). */
void pci_set_irq(PciDevice *d, int level);
/* Save/restore a function's configuration space; load re-maps its BARs. */
void pci_device_save(PciDevice *d, StateBuf *s);
void pci_device_load(PciDevice *d, StateBuf *s);

#endif
