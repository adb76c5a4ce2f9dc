/* The Intel 440FX chipset as a PC of 1996 (and QEMU's "pc" machine) has
 * it: the 82441FX PCI and memory controller (host bridge, 00.0, 8086:1237)
 * and the 82371SB PIIX3 PCI-to-ISA bridge (01.0, 8086:7000).
 *
 * Host bridge:
 *   0x59-0x5F  PAM0-PAM6: for each segment of 0xC0000-0xFFFFF, whether
 *              reads (RE, bit 0/4) and writes (WE, bit 1/5) go to DRAM
 *              ("shadow RAM", the guest RAM at those addresses) or to the
 *              PCI/ISA side (the firmware ROM image for 0xE0000-0xFFFFF).
 *              PAM0 bits 5:4 cover 0xF0000-0xFFFFF; PAMn (n = 1..6) bits
 *              1:0 cover 0xC0000 + (n - 1) * 0x8000 and bits 5:4 the
 *              16 KiB above it.
 *   0x72       SMRAM (D_OPEN, D_CLS, D_LCK, G_SMRAME; C_BASE_SEG = 010);
 *              stored with its lock rules, nothing is remapped (no SMM).
 *   0x60-0x67  DRB, filled from the RAM size.
 * The 4 GiB alias of the firmware (0xFFFxxxxx) is not affected by PAM.
 *
 * PIIX3:
 *   0x60-0x63  PIRQRC[A:D]: bit 7 disables routing, bits 3:0 the ISA IRQ.
 *              PCI INTx of device d goes to PIRQ (d - 1 + x) & 3 (the
 *              board wiring SeaBIOS and QEMU's ACPI tables describe). A
 *              PIRQ is level triggered, active while any INTx routed to it
 *              is asserted; the guest sets the PIC's ELCR (0x4D0/0x4D1) to
 *              match, as on the real chipset.
 *   port 0xCF9 reset control: RCPU (bit 2) going from 0 to 1 resets.
 */
#ifndef HOLO86_I440FX_H
#define HOLO86_I440FX_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"
#include "devices/iobus.h"
#include "devices/pci.h"
#include "mmu/physmem.h"

#define I440FX_PAM_SEGMENTS 13
#define I440FX_LOW_PAGES (0x40000 / PAGE_SIZE) /* 0xC0000-0xFFFFF */

typedef struct I440fx {
  Device dev;
  PciDevice host; /* 00.0 82441FX */
  PciDevice isa;  /* 01.0 PIIX3 function 0 */
  PciBus *bus;
  PhysMem *mem;
  IoBus *io;
  /* What the PCI/ISA side shows in 0xC0000-0xFFFFF, per 4 KiB page: a
   * read-only host page (firmware, ISA option ROM) or NULL (open bus). */
  const uint8_t *isa_rom[I440FX_LOW_PAGES];
  uint8_t seg_mode[I440FX_PAM_SEGMENTS]; /* RE | WE << 1 as mapped now */
  uint8_t rc;                            /* port 0xCF9 */
  uint8_t intx[256];                     /* asserted INTx pins by devfn, bits 0-3 */
  uint16_t pirq_count[4];                /* asserted INTx per PIRQ */
  uint16_t irq_out;                      /* ISA IRQ lines driven high */
  /* Wiring (all optional; set after i440fx_init). */
  void (*set_irq)(void *opaque, int irq, int level); /* ISA IRQ lines */
  /* The mapping of [addr, addr + size) changed: the CPU's TLBs and any
   * code decoded from there must be dropped. */
  void (*mem_changed)(void *opaque, uint32_t addr, uint32_t size);
  void (*reset)(void *opaque); /* reset control register asked for a reset */
  void *opaque;
} I440fx;

/* Creates both functions on bus (whose ports must be registered already),
 * registers port 0xCF9, and maps 0xC0000-0xFFFFF in the power-on state
 * (PAM all zero: everything on the ISA side, where the last 128 KiB of the
 * firmware image, or all of it if smaller, ends at 0xFFFFF). bios must
 * outlive the chipset. Sets bus->ram_top from the RAM size. */
void i440fx_init(I440fx *ix, PciBus *bus, PhysMem *mem, IoBus *io, const uint8_t *bios,
                 uint32_t bios_size);
/* Put a read-only image on the ISA side at addr (page aligned, inside
 * 0xC0000-0xFFFFF), e.g. an ISA VGA BIOS at 0xC0000. */
void i440fx_set_isa_rom(I440fx *ix, uint32_t addr, uint32_t size, const uint8_t *host);

/* The ISA IRQ a device's INTx (0..3 = INTA#..INTD#) is routed to now, or
 * -1 when its PIRQ is disabled. */
int piix3_pci_irq(const I440fx *ix, int devfn, int intx);
/* Drive a device's INTx line (also reachable as pci_set_irq through the
 * bus, where i440fx_init installs it). */
void piix3_set_pci_irq(I440fx *ix, int devfn, int intx, int level);

#endif
