/* The QEMU firmware configuration interface (fw_cfg), I/O port flavour,
 * as SeaBIOS and other firmware built for QEMU expect it:
 *
 *   port 0x510 (16-bit write)  selector: picks an item, rewinds to byte 0
 *   port 0x511 (8-bit read)    data: the next byte of the item; past its
 *                              end, or for an item that does not exist, 0
 *   port 0x514 (32-bit write)  DMA address, high half, big endian; reads
 *                              of 0x514-0x51B give the signature "QEMU CFG"
 *   port 0x518 (32-bit write)  DMA address, low half: starts the transfer
 *
 * A DMA transfer is described in guest memory by a big-endian
 *   { u32 control; u32 length; u64 address; }
 * control bits: 0x01 error, 0x02 read, 0x04 skip, 0x08 select (key in the
 * upper 16 bits), 0x10 write. The device selects (if asked), then copies
 * `length` bytes of the item to guest physical `address` (read; zeros past
 * the item's end) or skips them, and writes control back as 0, or as 0x01
 * when it cannot do what was asked (writes: no item here is writable). The
 * transfer completes before the OUT instruction does, as in QEMU.
 *
 * Items by selector key (the QEMU fw_cfg specification):
 *   0x0000 signature "QEMU"            0x0001 ID: 3 (ports and DMA)
 *   0x0002 UUID (16 bytes)             0x0003 RAM size (u64, little endian)
 *   0x0004 no-graphic flag (u16)       0x0005 CPU count (u16) = 1
 *   0x000C boot device (u16)           0x000E boot menu (u16)
 *   0x000F max CPU count (u16) = 1     0x0019 file directory
 *   0x0020.. named files, in the order they were added
 * The file directory is a big-endian u32 count followed by one
 * { u32 size; u16 select; u16 reserved; char name[56]; } per file, all
 * big-endian. Writes to the data port are ignored (no item is writable).
 * Direct Linux boot (-kernel) adds the kernel/setup/initrd/cmdline items
 * 0x07-0x18 (see linuxboot.h). */
#ifndef HOLO86_FWCFG_H
#define HOLO86_FWCFG_H

#include <stddef.h>
#include <stdint.h>

#include "devices/device.h"
#include "devices/iobus.h"
#include "mmu/physmem.h"

#define FWCFG_PORT_SEL 0x510
#define FWCFG_PORT_DATA 0x511
#define FWCFG_PORT_DMA 0x514

enum {
  FW_CFG_SIGNATURE = 0x00,
  FW_CFG_ID = 0x01,
  FW_CFG_UUID = 0x02,
  FW_CFG_RAM_SIZE = 0x03,
  FW_CFG_NOGRAPHIC = 0x04,
  FW_CFG_NB_CPUS = 0x05,
  FW_CFG_KERNEL_ADDR = 0x07,
  FW_CFG_KERNEL_SIZE = 0x08,
  FW_CFG_INITRD_ADDR = 0x0A,
  FW_CFG_INITRD_SIZE = 0x0B,
  FW_CFG_BOOT_DEVICE = 0x0C,
  FW_CFG_BOOT_MENU = 0x0E,
  FW_CFG_MAX_CPUS = 0x0F,
  FW_CFG_KERNEL_ENTRY = 0x10,
  FW_CFG_KERNEL_DATA = 0x11,
  FW_CFG_INITRD_DATA = 0x12,
  FW_CFG_CMDLINE_ADDR = 0x13,
  FW_CFG_CMDLINE_SIZE = 0x14,
  FW_CFG_CMDLINE_DATA = 0x15,
  FW_CFG_SETUP_ADDR = 0x16,
  FW_CFG_SETUP_SIZE = 0x17,
  FW_CFG_SETUP_DATA = 0x18,
  FW_CFG_FILE_DIR = 0x19,
  FW_CFG_FILE_FIRST = 0x20,
};

#define FWCFG_MAX_ITEMS 64
#define FWCFG_NAME_LEN 56

/* E820 entry types. */
enum { E820_RAM = 1, E820_RESERVED = 2, E820_ACPI = 3, E820_NVS = 4 };
#define FWCFG_E820_ENTRY_SIZE 20 /* u64 address, u64 length, u32 type; LE */

typedef struct FwCfgItem {
  uint16_t key;
  char name[FWCFG_NAME_LEN]; /* "" for numbered items */
  uint8_t *data;             /* owned copy */
  uint32_t len;
} FwCfgItem;

typedef struct FwCfg {
  Device dev;
  FwCfgItem items[FWCFG_MAX_ITEMS];
  int count;
  uint16_t next_file_key;
  uint16_t selector;
  int current;     /* index of the selected item, -1 if none */
  uint32_t offset; /* next byte of it */
  uint32_t dma_high; /* DMA address, high half, until the low half comes */
  PhysMem *mem;      /* where DMA transfers go */
} FwCfg;

/* Registers ports 0x510-0x511 and 0x514-0x51B (DMA into mem) and creates the fixed items (signature,
 * ID, zero UUID, one CPU, RAM size 0, an empty file directory). */
void fwcfg_init(FwCfg *f, IoBus *io, PhysMem *mem);
void fwcfg_free(FwCfg *f);
/* Set a numbered item (data is copied). Returns 0, or -1 when full. */
int fwcfg_add_bytes(FwCfg *f, uint16_t key, const void *data, uint32_t len);
int fwcfg_add_u16(FwCfg *f, uint16_t key, uint16_t value);
int fwcfg_add_u32(FwCfg *f, uint16_t key, uint32_t value);
int fwcfg_add_u64(FwCfg *f, uint16_t key, uint64_t value);
/* Add or replace a named file (data is copied). Returns its selector
 * key, or -1 when full or the name is longer than 55 characters. */
int fwcfg_add_file(FwCfg *f, const char *name, const void *data, uint32_t len);
/* Convenience for the machine: key 0x0003 and the "etc/e820" file for a
 * PC with ram_size bytes of RAM (below 4 GiB: one E820_RAM entry from 0,
 * which SeaBIOS carves its own reserved ranges from). */
void fwcfg_set_ram(FwCfg *f, uint64_t ram_size);
/* Build an "etc/e820" table: entries of {u64 address, u64 length, u32
 * type}, little endian, packed. Returns the bytes written (0 if cap is too
 * small). below_4g is RAM from 0; above_4g is RAM from 4 GiB (0: none). */
size_t fwcfg_build_e820(uint8_t *buf, size_t cap, uint64_t below_4g, uint64_t above_4g);

#endif
