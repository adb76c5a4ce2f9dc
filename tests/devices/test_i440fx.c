/* 82441FX PAM/SMRAM and PIIX3 PIRQ routing and reset control, through
 * configuration cycles on ports 0xCF8/0xCFC and physical memory reads
 * (82441FX and 82371SB datasheets). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "devices/i440fx.h"
#include "devices/iobus.h"
#include "devices/pci.h"
#include "devices/pic.h"
#include "mmu/physmem.h"

#define IXT_BIOS_SIZE 0x40000

static IoBus *ixt_io;
static PhysMem *ixt_mem;
static PciBus ixt_bus;
static I440fx ixt_ix;
static uint8_t *ixt_bios;
static int ixt_irq_level[16], ixt_irq_calls;
static int ixt_resets;
static uint32_t ixt_changed_lo, ixt_changed_hi;
static int ixt_changes;

static void ixt_set_irq(void *opaque, int irq, int level) {
  (void)opaque;
  ixt_irq_level[irq] = level;
  ixt_irq_calls++;
}

static void ixt_reset(void *opaque) {
  (void)opaque;
  ixt_resets++;
}

static void ixt_mem_changed(void *opaque, uint32_t addr, uint32_t size) {
  (void)opaque;
  if (addr < ixt_changed_lo) ixt_changed_lo = addr;
  if (addr + size > ixt_changed_hi) ixt_changed_hi = addr + size;
  ixt_changes++;
}

static uint32_t ixt_rd(int devfn, int reg, int size) {
  io_out(ixt_io, 0xCF8, 4, 0x80000000u | (uint32_t)devfn << 8 | (uint32_t)(reg & 0xFC));
  return io_in(ixt_io, (uint16_t)(0xCFC + (reg & 3)), size);
}

static void ixt_wr(int devfn, int reg, int size, uint32_t v) {
  io_out(ixt_io, 0xCF8, 4, 0x80000000u | (uint32_t)devfn << 8 | (uint32_t)(reg & 0xFC));
  io_out(ixt_io, (uint16_t)(0xCFC + (reg & 3)), size, v);
}

static void ixt_setup(void) {
  ixt_io = iobus_new();
  ixt_mem = phys_new(16u << 20);
  ixt_bios = malloc(IXT_BIOS_SIZE);
  for (uint32_t i = 0; i < IXT_BIOS_SIZE; i++) ixt_bios[i] = (uint8_t)(i * 7 + (i >> 12));
  pci_bus_init(&ixt_bus, ixt_io);
  i440fx_init(&ixt_ix, &ixt_bus, ixt_mem, ixt_io, ixt_bios, IXT_BIOS_SIZE);
  ixt_ix.set_irq = ixt_set_irq;
  ixt_ix.reset = ixt_reset;
  ixt_ix.mem_changed = ixt_mem_changed;
  memset(ixt_irq_level, 0, sizeof ixt_irq_level);
  ixt_irq_calls = ixt_resets = ixt_changes = 0;
  ixt_changed_lo = 0xFFFFFFFFu;
  ixt_changed_hi = 0;
}

static void ixt_teardown(void) {
  phys_free(ixt_mem);
  iobus_free(ixt_io);
  free(ixt_bios);
}

/* The byte the firmware image has at a low-memory address (its last
 * 128 KiB end at 0xFFFFF). */
static uint8_t ixt_rom_at(uint32_t addr) { return ixt_bios[IXT_BIOS_SIZE - (0x100000 - addr)]; }

TestSuite(i440fx, .init = ixt_setup, .fini = ixt_teardown);

Test(i440fx, identification) {
  cr_expect_eq(ixt_rd(0, 0, 4), 0x12378086u);
  cr_expect_eq(ixt_rd(0, 8, 4) >> 8, 0x060000u, "host bridge class");
  cr_expect_eq(ixt_rd(0, 8, 1), 0x02, "revision");
  cr_expect_eq(ixt_rd(0, 0x0E, 1), 0x00);
  cr_expect_eq(ixt_rd(1 << 3, 0, 4), 0x70008086u);
  cr_expect_eq(ixt_rd(1 << 3, 0x0A, 2), 0x0601, "ISA bridge class");
  cr_expect_eq(ixt_rd(1 << 3, 0x0E, 1), 0x80, "multi-function");
  cr_expect_eq(ixt_rd(0, 0x72, 1), 0x02, "SMRAM reset value");
  cr_expect_eq(ixt_rd(0, 0x58, 4), 0x10, "DRAMT 0x10, PAM0-2 zero");
  cr_expect_eq(ixt_rd(0, 0x5C, 4), 0, "PAM3-6 zero");
  for (int p = 0; p < 4; p++) cr_expect_eq(ixt_rd(1 << 3, 0x60 + p, 1), 0x80);
  cr_expect_eq(ixt_rd(0, 0x60, 1), 2, "DRB: 16 MiB in 8 MiB units");
}

Test(i440fx, power_on_low_bios_is_the_rom_image) {
  cr_expect_eq(phys_read(ixt_mem, 0xFFFF0, 1), ixt_rom_at(0xFFFF0));
  cr_expect_eq(phys_read(ixt_mem, 0xE0000, 4),
               (uint32_t)(ixt_rom_at(0xE0000) | ixt_rom_at(0xE0001) << 8 | ixt_rom_at(0xE0002) << 16 |
                          ixt_rom_at(0xE0003) << 24));
  cr_expect_eq(phys_read(ixt_mem, 0xC0000, 2), 0xFFFF, "nothing on the ISA side at C0000");
  phys_write(ixt_mem, 0xF1234, 1, (uint8_t)~ixt_rom_at(0xF1234));
  cr_expect_eq(phys_read(ixt_mem, 0xF1234, 1), ixt_rom_at(0xF1234), "ROM ignores writes");
}

Test(i440fx, pam0_read_write_dram) {
  ixt_wr(0, 0x59, 1, 0x30);
  cr_expect_eq(ixt_rd(0, 0x59, 1), 0x30);
  cr_expect_eq(ixt_changed_lo, 0xF0000u);
  cr_expect_eq(ixt_changed_hi, 0x100000u);
  phys_write(ixt_mem, 0xFFFF0, 4, 0x12345678);
  cr_expect_eq(phys_read(ixt_mem, 0xFFFF0, 4), 0x12345678u);
  cr_expect_eq(ixt_mem->ram[0xFFFF0], 0x78, "the DRAM behind the segment");
}

Test(i440fx, pam0_read_only_shadow) {
  ixt_mem->ram[0xF0010] = 0x5A;
  ixt_wr(0, 0x59, 1, 0x10);
  cr_expect_eq(phys_read(ixt_mem, 0xF0010, 1), 0x5A);
  phys_write(ixt_mem, 0xF0010, 1, 0x99);
  cr_expect_eq(phys_read(ixt_mem, 0xF0010, 1), 0x5A, "write protected");
}

Test(i440fx, pam0_write_only_copies_rom_to_shadow) {
  /* The classic shadowing sequence: reads from ROM, writes to DRAM. */
  ixt_wr(0, 0x59, 1, 0x20);
  for (uint32_t a = 0xF0000; a < 0x100000; a += 4) phys_write(ixt_mem, a, 4, phys_read(ixt_mem, a, 4));
  cr_expect_eq(phys_read(ixt_mem, 0xF8000, 1), ixt_rom_at(0xF8000), "still reading the ROM");
  ixt_wr(0, 0x59, 1, 0x10);
  for (uint32_t a = 0xF0000; a < 0x100000; a += 0x1111)
    cr_expect_eq(phys_read(ixt_mem, a, 1), ixt_rom_at(a), "shadow copy at %x", a);
}

Test(i440fx, pam_back_to_rom) {
  ixt_wr(0, 0x59, 1, 0x30);
  phys_write(ixt_mem, 0xF0000, 1, (uint8_t)~ixt_rom_at(0xF0000));
  ixt_wr(0, 0x59, 1, 0x00);
  cr_expect_eq(phys_read(ixt_mem, 0xF0000, 1), ixt_rom_at(0xF0000));
}

Test(i440fx, pam_segments_are_16k_and_independent) {
  ixt_wr(0, 0x5A, 1, 0x03); /* PAM1 low: C0000-C3FFF read/write DRAM */
  phys_write(ixt_mem, 0xC3FFC, 4, 0xCAFEBABE);
  cr_expect_eq(phys_read(ixt_mem, 0xC3FFC, 4), 0xCAFEBABEu);
  cr_expect_eq(phys_read(ixt_mem, 0xC4000, 1), 0xFF, "C4000 still on the ISA side");
  ixt_wr(0, 0x5F, 1, 0x30); /* PAM6 high: EC000-EFFFF */
  phys_write(ixt_mem, 0xEC000, 1, 0x42);
  cr_expect_eq(phys_read(ixt_mem, 0xEC000, 1), 0x42);
  cr_expect_eq(phys_read(ixt_mem, 0xE8000, 1), ixt_rom_at(0xE8000));
}

Test(i440fx, seabios_style_dword_pam_writes) {
  /* Read-modify-write of the dwords at 0x58 and 0x5C: DRAMT and PAM0-6. */
  uint32_t lo = ixt_rd(0, 0x58, 4), hi = ixt_rd(0, 0x5C, 4);
  lo = (lo & 0xFF) | 0x33333000u; /* PAM0 = 0x30, PAM1-2 = 0x33 */
  hi = (hi & 0) | 0x33333333u;     /* PAM3-6 */
  ixt_wr(0, 0x58, 4, lo);
  ixt_wr(0, 0x5C, 4, hi);
  cr_expect_eq(ixt_rd(0, 0x58, 1), 0x10, "DRAMT kept");
  cr_expect_eq(ixt_rd(0, 0x59, 1), 0x30);
  for (uint32_t a = 0xC0000; a < 0x100000; a += 0x4000) {
    phys_write(ixt_mem, a + 8, 2, 0xA55A);
    cr_expect_eq(phys_read(ixt_mem, a + 8, 2), 0xA55A, "segment %x writable", a);
  }
}

Test(i440fx, smram_lock_rules) {
  ixt_wr(0, 0x72, 1, 0x4A); /* D_OPEN | G_SMRAME */
  cr_expect_eq(ixt_rd(0, 0x72, 1), 0x4A);
  ixt_wr(0, 0x72, 1, 0x07); /* C_BASE_SEG is read-only 010 */
  cr_expect_eq(ixt_rd(0, 0x72, 1), 0x02);
  ixt_wr(0, 0x72, 1, 0x5A); /* lock: D_OPEN cleared */
  cr_expect_eq(ixt_rd(0, 0x72, 1), 0x1A);
  ixt_wr(0, 0x72, 1, 0x62); /* locked: only D_CLS moves */
  cr_expect_eq(ixt_rd(0, 0x72, 1), 0x3A);
}

Test(i440fx, pirq_routing_is_level_and_shared) {
  /* Device 3 INTA# -> PIRQ (3 - 1 + 0) & 3 = PIRQC; device 4 INTD# too. */
  ixt_wr(1 << 3, 0x62, 1, 0x0B);
  cr_expect_eq(piix3_pci_irq(&ixt_ix, 3 << 3, 0), 11);
  cr_expect_eq(piix3_pci_irq(&ixt_ix, 4 << 3, 3), 11);
  cr_expect_eq(piix3_pci_irq(&ixt_ix, 1 << 3, 0), -1, "PIRQA still disabled");
  piix3_set_pci_irq(&ixt_ix, 3 << 3, 0, 1);
  cr_expect_eq(ixt_irq_level[11], 1);
  piix3_set_pci_irq(&ixt_ix, 4 << 3, 3, 1);
  piix3_set_pci_irq(&ixt_ix, 3 << 3, 0, 0);
  cr_expect_eq(ixt_irq_level[11], 1, "still held by the other device");
  piix3_set_pci_irq(&ixt_ix, 4 << 3, 3, 0);
  cr_expect_eq(ixt_irq_level[11], 0);
}

Test(i440fx, pirq_rerouting_moves_the_line) {
  ixt_wr(1 << 3, 0x60, 1, 0x0A); /* PIRQA -> IRQ 10 */
  PciDevice d = {0};
  d.devfn = 1 << 3 | 2; /* device 1: INTA# on PIRQA */
  d.config[0x3D] = 1;
  pci_register(&ixt_bus, &d);
  pci_set_irq(&d, 1);
  cr_expect_eq(ixt_irq_level[10], 1);
  ixt_wr(1 << 3, 0x60, 1, 0x05);
  cr_expect_eq(ixt_irq_level[10], 0);
  cr_expect_eq(ixt_irq_level[5], 1);
  ixt_wr(1 << 3, 0x60, 1, 0x85); /* routing disabled */
  cr_expect_eq(ixt_irq_level[5], 0);
  ixt_wr(1 << 3, 0x60, 1, 0x02); /* IRQ 2 is not a valid target */
  for (int i = 0; i < 16; i++) cr_expect_eq(ixt_irq_level[i], 0);
  ixt_bus.devices[d.devfn] = NULL;
}

Test(i440fx, pirq_through_a_pic_with_elcr) {
  Pic pic;
  pic_init(&pic, ixt_io);
  ixt_ix.set_irq = pic_irq_callback;
  ixt_ix.opaque = &pic;
  /* ICW1-4 for both chips, everything unmasked, IRQ 11 level triggered. */
  io_out(ixt_io, 0x20, 1, 0x11); io_out(ixt_io, 0x21, 1, 0x08);
  io_out(ixt_io, 0x21, 1, 0x04); io_out(ixt_io, 0x21, 1, 0x01);
  io_out(ixt_io, 0xA0, 1, 0x11); io_out(ixt_io, 0xA1, 1, 0x70);
  io_out(ixt_io, 0xA1, 1, 0x02); io_out(ixt_io, 0xA1, 1, 0x01);
  io_out(ixt_io, 0x21, 1, 0x00); io_out(ixt_io, 0xA1, 1, 0x00);
  io_out(ixt_io, 0x4D1, 1, 0x08);
  ixt_wr(1 << 3, 0x62, 1, 0x0B);
  piix3_set_pci_irq(&ixt_ix, 3 << 3, 0, 1);
  cr_expect(pic_intr(&pic));
  cr_expect_eq(pic_ack(&pic), 0x73);
  io_out(ixt_io, 0xA0, 1, 0x20);
  io_out(ixt_io, 0x20, 1, 0x20);
  cr_expect(pic_intr(&pic), "level still high: requested again after EOI");
  piix3_set_pci_irq(&ixt_ix, 3 << 3, 0, 0);
  cr_expect(!pic_intr(&pic));
}

Test(i440fx, reset_control_register) {
  io_out(ixt_io, 0xCF9, 1, 0x02);
  cr_expect_eq(io_in(ixt_io, 0xCF9, 1), 0x02);
  cr_expect_eq(ixt_resets, 0);
  io_out(ixt_io, 0xCF9, 1, 0x06);
  cr_expect_eq(ixt_resets, 1, "RCPU 0 -> 1 resets");
  io_out(ixt_io, 0xCF9, 1, 0x06);
  cr_expect_eq(ixt_resets, 1);
  /* CONFIG_ADDRESS is unaffected by the byte port inside it. */
  io_out(ixt_io, 0xCF8, 4, 0x80000800u);
  cr_expect_eq(io_in(ixt_io, 0xCF8, 4), 0x80000800u);
}

Test(i440fx, device_reset_returns_to_rom) {
  ixt_wr(0, 0x59, 1, 0x30);
  phys_write(ixt_mem, 0xF0000, 1, (uint8_t)~ixt_rom_at(0xF0000));
  ixt_wr(1 << 3, 0x60, 1, 0x0A);
  ixt_ix.dev.reset(&ixt_ix.dev);
  cr_expect_eq(ixt_rd(0, 0x59, 1), 0);
  cr_expect_eq(phys_read(ixt_mem, 0xF0000, 1), ixt_rom_at(0xF0000));
  cr_expect_eq(ixt_rd(1 << 3, 0x60, 1), 0x80);
  /* The shadow RAM keeps what was written (SeaBIOS checks PAM0 on resume). */
  cr_expect_eq(ixt_mem->ram[0xF0000], (uint8_t)~ixt_rom_at(0xF0000));
}

Test(i440fx, save_load_restores_mappings) {
  ixt_wr(0, 0x59, 1, 0x30);
  StateBuf s = {0};
  ixt_ix.dev.save(&ixt_ix.dev, &s);
  ixt_wr(0, 0x59, 1, 0x00);
  ixt_ix.dev.load(&ixt_ix.dev, &s);
  cr_expect(!s.error);
  cr_expect_eq(ixt_rd(0, 0x59, 1), 0x30);
  phys_write(ixt_mem, 0xF0000, 1, 0x77);
  cr_expect_eq(phys_read(ixt_mem, 0xF0000, 1), 0x77);
  free(s.data);
}

Test(i440fx, isa_option_rom) {
  static uint8_t vga[0x8000];
  vga[0] = 0x55;
  vga[1] = 0xAA;
  i440fx_set_isa_rom(&ixt_ix, 0xC0000, sizeof vga, vga);
  cr_expect_eq(phys_read(ixt_mem, 0xC0000, 2), 0xAA55);
  ixt_wr(0, 0x5A, 1, 0x22); /* write-only shadow over it */
  phys_write(ixt_mem, 0xC0000, 2, 0x1234);
  cr_expect_eq(phys_read(ixt_mem, 0xC0000, 2), 0xAA55, "reads still from the ROM");
  cr_expect_eq(ixt_mem->ram[0xC0000], 0x34);
}
