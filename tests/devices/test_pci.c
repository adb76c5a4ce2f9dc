/* PCI configuration mechanism #1 and BAR handling, driven through ports
 * 0xCF8/0xCFC as firmware does (PCI Local Bus Specification 2.1). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "devices/iobus.h"
#include "devices/pci.h"

static IoBus *pcit_io;
static PciBus pcit_bus;
static PciDevice pcit_dev;
static struct { int bar; uint32_t addr; } pcit_maps[32];
static int pcit_nmaps;
static int pcit_written_off, pcit_written_size, pcit_written_calls;
static uint32_t pcit_written_val;
static int pcit_intx_devfn, pcit_intx_pin, pcit_intx_level;

static void pcit_map(PciDevice *d, int bar, uint32_t addr) {
  (void)d;
  if (pcit_nmaps == 32) return;
  pcit_maps[pcit_nmaps].bar = bar;
  pcit_maps[pcit_nmaps++].addr = addr;
}

static void pcit_written(PciDevice *d, int offset, int size, uint32_t value) {
  (void)d;
  pcit_written_off = offset;
  pcit_written_size = size;
  pcit_written_val = value;
  pcit_written_calls++;
}

static void pcit_set_intx(void *opaque, int devfn, int pin, int level) {
  (void)opaque;
  pcit_intx_devfn = devfn;
  pcit_intx_pin = pin;
  pcit_intx_level = level;
}

static uint32_t pcit_addr(int devfn, int reg) { return 0x80000000u | (uint32_t)devfn << 8 | (uint32_t)reg; }

static uint32_t pcit_rd(int devfn, int reg, int size) {
  io_out(pcit_io, 0xCF8, 4, pcit_addr(devfn, reg & 0xFC));
  return io_in(pcit_io, (uint16_t)(0xCFC + (reg & 3)), size);
}

static void pcit_wr(int devfn, int reg, int size, uint32_t v) {
  io_out(pcit_io, 0xCF8, 4, pcit_addr(devfn, reg & 0xFC));
  io_out(pcit_io, (uint16_t)(0xCFC + (reg & 3)), size, v);
}

/* Device 3 function 0: I/O BAR0 of 32 bytes, memory BAR1 of 4 KiB, no
 * BAR2, a 32 KiB expansion ROM. */
static void pcit_setup(void) {
  pcit_io = iobus_new();
  pci_bus_init(&pcit_bus, pcit_io);
  memset(&pcit_dev, 0, sizeof pcit_dev);
  pcit_dev.devfn = 3 << 3;
  pci_set_ids(&pcit_dev, 0x1234, 0x5678, 0x01018001);
  pcit_dev.config[0x3D] = 1;
  pci_set_bar(&pcit_dev, 0, 0x20, true, pcit_map);
  pci_set_bar(&pcit_dev, 1, 0x1000, false, pcit_map);
  pci_set_bar(&pcit_dev, PCI_ROM_BAR, 0x8000, false, pcit_map);
  pcit_dev.config_written = pcit_written;
  pci_register(&pcit_bus, &pcit_dev);
  pcit_nmaps = 0;
  pcit_written_calls = 0;
}

static void pcit_teardown(void) { iobus_free(pcit_io); }

TestSuite(pci, .init = pcit_setup, .fini = pcit_teardown);

Test(pci, address_register_reads_back_dword_only) {
  io_out(pcit_io, 0xCF8, 4, 0x80001A54u);
  cr_expect_eq(io_in(pcit_io, 0xCF8, 4), 0x80001A54u);
  /* Byte and word accesses are not CONFIG_ADDRESS cycles. */
  io_out(pcit_io, 0xCF8, 1, 0x00);
  cr_expect_eq(io_in(pcit_io, 0xCF8, 4), 0x80001A54u);
  /* Reserved bits 30:24 and 1:0 read as zero. */
  io_out(pcit_io, 0xCF8, 4, 0xFF000003u);
  cr_expect_eq(io_in(pcit_io, 0xCF8, 4), 0x80000000u);
}

Test(pci, ids_through_every_data_port_offset) {
  cr_expect_eq(pcit_rd(3 << 3, 0, 4), 0x56781234u);
  cr_expect_eq(pcit_rd(3 << 3, 0, 2), 0x1234);
  cr_expect_eq(pcit_rd(3 << 3, 2, 2), 0x5678);
  cr_expect_eq(pcit_rd(3 << 3, 1, 1), 0x12);
  cr_expect_eq(pcit_rd(3 << 3, 3, 1), 0x56);
  cr_expect_eq(pcit_rd(3 << 3, 8, 4), 0x01018001u);
  cr_expect_eq(pcit_rd(3 << 3, 0x0B, 1), 0x01);
}

Test(pci, enable_bit_clear_is_no_config_cycle) {
  io_out(pcit_io, 0xCF8, 4, (3u << 11));
  cr_expect_eq(io_in(pcit_io, 0xCFC, 4), 0xFFFFFFFFu);
  io_out(pcit_io, 0xCFC, 4, 0);
  cr_expect_eq(pcit_rd(3 << 3, 0, 4), 0x56781234u);
}

Test(pci, absent_functions_and_other_buses_read_all_ones) {
  cr_expect_eq(pcit_rd(4 << 3, 0, 4), 0xFFFFFFFFu);
  cr_expect_eq(pcit_rd((3 << 3) | 1, 0, 2), 0xFFFF);
  io_out(pcit_io, 0xCF8, 4, 0x80010000u | (3u << 11));
  cr_expect_eq(io_in(pcit_io, 0xCFC, 4), 0xFFFFFFFFu);
  cr_expect_eq(io_in(pcit_io, 0xCFE, 1), 0xFF);
}

Test(pci, bar_sizing) {
  pcit_wr(3 << 3, 0x10, 4, 0xFFFFFFFFu);
  cr_expect_eq(pcit_rd(3 << 3, 0x10, 4), 0xFFFFFFE1u, "I/O BAR of 32 bytes");
  pcit_wr(3 << 3, 0x14, 4, 0xFFFFFFFFu);
  cr_expect_eq(pcit_rd(3 << 3, 0x14, 4), 0xFFFFF000u, "memory BAR of 4 KiB");
  pcit_wr(3 << 3, 0x18, 4, 0xFFFFFFFFu);
  cr_expect_eq(pcit_rd(3 << 3, 0x18, 4), 0, "no BAR2");
  pcit_wr(3 << 3, 0x30, 4, 0xFFFFFFFEu);
  cr_expect_eq(pcit_rd(3 << 3, 0x30, 4), 0xFFFF8000u, "32 KiB ROM, enable off");
  cr_expect_eq(pcit_nmaps, 0, "decoding is off: nothing mapped");
}

Test(pci, io_bar_mapped_when_io_decoding_on_and_moved) {
  pcit_wr(3 << 3, 0x10, 4, 0xC000);
  cr_expect_eq(pcit_nmaps, 0);
  pcit_wr(3 << 3, 0x04, 2, 0x0001);
  cr_assert_eq(pcit_nmaps, 1);
  cr_expect_eq(pcit_maps[0].bar, 0);
  cr_expect_eq(pcit_maps[0].addr, 0xC000u);
  cr_expect_eq(pcit_dev.bars[0].mapped, 0xC000u);
  /* Moving: first unmapped, then at the new base. */
  pcit_wr(3 << 3, 0x10, 4, 0xC101);
  cr_assert_eq(pcit_nmaps, 3);
  cr_expect_eq(pcit_maps[1].addr, PCI_UNMAPPED);
  cr_expect_eq(pcit_maps[2].addr, 0xC100u);
  cr_expect_eq(pcit_rd(3 << 3, 0x10, 4), 0xC101u);
  /* Decoding off. */
  pcit_wr(3 << 3, 0x04, 2, 0x0000);
  cr_assert_eq(pcit_nmaps, 4);
  cr_expect_eq(pcit_maps[3].addr, PCI_UNMAPPED);
  cr_expect_eq(pcit_dev.bars[0].mapped, PCI_UNMAPPED);
}

Test(pci, memory_bar_needs_memory_decoding) {
  pcit_wr(3 << 3, 0x14, 4, 0xE0001000u);
  pcit_wr(3 << 3, 0x04, 2, 0x0001);
  cr_expect_eq(pcit_nmaps, 0, "I/O enable does not decode a memory BAR");
  pcit_wr(3 << 3, 0x04, 2, 0x0002);
  cr_assert_eq(pcit_nmaps, 1);
  cr_expect_eq(pcit_maps[0].bar, 1);
  cr_expect_eq(pcit_maps[0].addr, 0xE0001000u);
}

Test(pci, memory_bar_being_sized_is_not_decoded) {
  pcit_wr(3 << 3, 0x14, 4, 0xE0000000u);
  pcit_wr(3 << 3, 0x04, 2, 0x0002);
  cr_assert_eq(pcit_nmaps, 1);
  /* All ones with decoding on would cover the firmware: not decoded. */
  pcit_wr(3 << 3, 0x14, 4, 0xFFFFFFFFu);
  cr_assert_eq(pcit_nmaps, 2);
  cr_expect_eq(pcit_maps[1].addr, PCI_UNMAPPED);
  pcit_wr(3 << 3, 0x14, 4, 0xE0000000u);
  cr_expect_eq(pcit_maps[2].addr, 0xE0000000u);
}

Test(pci, memory_bar_below_ram_top_is_shadowed_by_dram) {
  pcit_bus.ram_top = 0x08000000;
  pcit_wr(3 << 3, 0x14, 4, 0x04000000u);
  pcit_wr(3 << 3, 0x04, 2, 0x0002);
  cr_expect_eq(pcit_nmaps, 0);
  pcit_wr(3 << 3, 0x14, 4, 0x08000000u);
  cr_assert_eq(pcit_nmaps, 1);
  cr_expect_eq(pcit_maps[0].addr, 0x08000000u);
}

Test(pci, rom_bar_needs_its_enable_bit) {
  pcit_wr(3 << 3, 0x04, 2, 0x0002);
  pcit_wr(3 << 3, 0x30, 4, 0xFEB00000u);
  cr_expect_eq(pcit_nmaps, 0);
  pcit_wr(3 << 3, 0x30, 4, 0xFEB00001u);
  cr_assert_eq(pcit_nmaps, 1);
  cr_expect_eq(pcit_maps[0].bar, PCI_ROM_BAR);
  cr_expect_eq(pcit_maps[0].addr, 0xFEB00000u);
  cr_expect_eq(pcit_rd(3 << 3, 0x30, 4), 0xFEB00001u);
}

Test(pci, bar_byte_writes) {
  pcit_wr(3 << 3, 0x04, 2, 0x0001);
  pcit_wr(3 << 3, 0x11, 1, 0xD0); /* 0xD000 */
  cr_expect_eq(pcit_rd(3 << 3, 0x10, 4), 0xD001u);
  cr_assert_eq(pcit_nmaps, 1);
  cr_expect_eq(pcit_maps[0].addr, 0xD000u);
}

Test(pci, wmask_protects_read_only_registers) {
  pcit_wr(3 << 3, 0x00, 4, 0);
  cr_expect_eq(pcit_rd(3 << 3, 0, 4), 0x56781234u);
  pcit_wr(3 << 3, 0x08, 4, 0);
  cr_expect_eq(pcit_rd(3 << 3, 8, 4), 0x01018001u);
  pcit_wr(3 << 3, 0x3C, 1, 11);
  cr_expect_eq(pcit_rd(3 << 3, 0x3C, 1), 11);
  pcit_wr(3 << 3, 0x3D, 1, 4);
  cr_expect_eq(pcit_rd(3 << 3, 0x3D, 1), 1, "interrupt pin is read-only");
  pcit_wr(3 << 3, 0x04, 2, 0xFFFF);
  cr_expect_eq(pcit_rd(3 << 3, 0x04, 2), 0x0507);
}

Test(pci, status_error_bits_are_write_one_to_clear) {
  pcit_dev.config[6] = 0x10;
  pcit_dev.config[7] = 0x22; /* received master abort, DEVSEL medium */
  pcit_wr(3 << 3, 0x06, 2, 0x0010);
  cr_expect_eq(pcit_rd(3 << 3, 0x06, 2), 0x2210, "writing 0 changes nothing");
  pcit_wr(3 << 3, 0x06, 2, 0x2000);
  cr_expect_eq(pcit_rd(3 << 3, 0x06, 2), 0x0210);
}

Test(pci, config_written_hook) {
  pcit_wr(3 << 3, 0x42, 2, 0xBEEF);
  cr_expect_eq(pcit_written_calls, 1);
  cr_expect_eq(pcit_written_off, 0x42);
  cr_expect_eq(pcit_written_size, 2);
  cr_expect_eq(pcit_written_val, 0xBEEF);
}

static bool pcit_read_hook(PciDevice *d, int offset, int size, uint32_t *value) {
  (void)d;
  (void)size;
  if (offset != 0x50) return false;
  *value = 0xA5A5A5A5u;
  return true;
}

Test(pci, config_read_hook) {
  pcit_dev.config_read = pcit_read_hook;
  cr_expect_eq(pcit_rd(3 << 3, 0x50, 4), 0xA5A5A5A5u);
  cr_expect_eq(pcit_rd(3 << 3, 0x00, 2), 0x1234);
}

Test(pci, intx_goes_to_the_router) {
  pcit_bus.set_intx = pcit_set_intx;
  pci_set_irq(&pcit_dev, 1);
  cr_expect_eq(pcit_intx_devfn, 3 << 3);
  cr_expect_eq(pcit_intx_pin, 0);
  cr_expect_eq(pcit_intx_level, 1);
  pci_set_irq(&pcit_dev, 0);
  cr_expect_eq(pcit_intx_level, 0);
}

Test(pci, save_and_load_remaps) {
  pcit_wr(3 << 3, 0x10, 4, 0xC000);
  pcit_wr(3 << 3, 0x04, 2, 0x0001);
  StateBuf s = {0};
  pci_device_save(&pcit_dev, &s);
  pcit_wr(3 << 3, 0x04, 2, 0x0000);
  pcit_nmaps = 0;
  pci_device_load(&pcit_dev, &s);
  cr_expect(!s.error);
  cr_assert_eq(pcit_nmaps, 1);
  cr_expect_eq(pcit_maps[0].addr, 0xC000u);
  free(s.data);
}
