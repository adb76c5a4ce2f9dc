/* Direct Linux boot through SeaBIOS; see linuxboot.h. Written from the
 * Linux x86 boot protocol (Documentation/arch/x86/boot.rst). */
#include "devices/linuxboot.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/hostfile.h"
#include "devices/linuxboot_rom.h"
#include "mmu/endian.h"

/* Setup header fields (offsets in the kernel file). */
enum {
  HDR_SETUP_SECTS = 0x1F1, HDR_MAGIC = 0x202, HDR_VERSION = 0x206,
  HDR_TYPE_OF_LOADER = 0x210, HDR_LOADFLAGS = 0x211, HDR_RAMDISK_IMAGE = 0x218,
  HDR_RAMDISK_SIZE = 0x21C, HDR_HEAP_END_PTR = 0x224, HDR_CMD_LINE_PTR = 0x228,
  HDR_INITRD_ADDR_MAX = 0x22C, HDR_CMDLINE_SIZE = 0x238, HDR_INIT_SIZE = 0x260,
  HDR_END = 0x264,
};
enum { LOADED_HIGH = 0x01, CAN_USE_HEAP = 0x80 };
#define LOADER_TYPE 0xB0 /* "Qemu", as QEMU identifies itself */

#define SETUP_ADDR 0x10000u
#define CMDLINE_ADDR 0x20000u
#define KERNEL_ADDR 0x100000u
#define FIRMWARE_TOP_RESERVE 0x100000u

static bool fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return false;
}

bool linuxboot_is_linux(const uint8_t *head, size_t n) {
  return n >= HDR_VERSION && !memcmp(head + HDR_MAGIC, "HdrS", 4);
}

bool linuxboot_file_is_linux(const char *path) {
  uint8_t head[HDR_VERSION];
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  size_t n = fread(head, 1, sizeof head, f);
  fclose(f);
  return linuxboot_is_linux(head, n);
}

/* Publish one piece: its address, size and bytes. */
static bool publish(FwCfg *f, uint16_t addr_key, uint32_t addr, uint16_t size_key,
                    uint16_t data_key, const uint8_t *data, uint32_t len) {
  return fwcfg_add_u32(f, addr_key, addr) == 0 && fwcfg_add_u32(f, size_key, len) == 0 &&
         fwcfg_add_bytes(f, data_key, data, len) == 0;
}

/* The option ROM with its checksum byte set so that all bytes sum to 0. */
static bool publish_rom(FwCfg *f) {
  size_t n = (size_t)(holo86_linuxboot_rom_end - holo86_linuxboot_rom);
  uint8_t *rom = malloc(n);
  if (!rom) return false;
  memcpy(rom, holo86_linuxboot_rom, n);
  uint8_t sum = 0;
  for (size_t i = 0; i + 1 < n; i++) sum = (uint8_t)(sum + rom[i]);
  rom[n - 1] = (uint8_t)-sum;
  static const char order[] = "/rom@genroms/linuxboot.bin\n";
  bool ok = fwcfg_add_file(f, "genroms/linuxboot.bin", rom, (uint32_t)n) >= 0 &&
            fwcfg_add_file(f, "bootorder", order, sizeof order - 1) >= 0;
  free(rom);
  return ok;
}

bool linuxboot_setup(FwCfg *f, uint32_t ram_size, const char *kernel_path,
                     const char *initrd_path, const char *append, char *err,
                     size_t errlen) {
  size_t ksize = 0, isize = 0;
  uint8_t *k = hostfile_read(kernel_path, &ksize, err, errlen);
  if (!k) return false;
  uint8_t *initrd = NULL;
  bool ok = false;
  if (!linuxboot_is_linux(k, ksize) || ksize < HDR_END) {
    fail(err, errlen, "%s: not a Linux kernel with a boot-protocol header (or truncated)",
         kernel_path);
    goto out;
  }
  uint32_t version = ld16(k + HDR_VERSION);
  if (version < 0x202 || !(k[HDR_LOADFLAGS] & LOADED_HIGH)) {
    fail(err, errlen, "%s: boot protocol %u.%02u %s; holo86 boots bzImage kernels with protocol "
         "2.02 or later", kernel_path, version >> 8, version & 0xFF,
         k[HDR_LOADFLAGS] & LOADED_HIGH ? "" : "(a zImage, loaded low)");
    goto out;
  }
  uint32_t setup_size = ((k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4u) + 1) * 512;
  if (setup_size >= ksize) {
    fail(err, errlen, "%s: truncated: %zu bytes, but its setup alone is %u", kernel_path,
         ksize, setup_size);
    goto out;
  }
  uint32_t kernel_size = (uint32_t)(ksize - setup_size);

  const char *cmdline = append ? append : "";
  uint32_t cmdline_len = (uint32_t)strlen(cmdline) + 1;
  uint32_t cmdline_max = version >= 0x206 ? ld32(k + HDR_CMDLINE_SIZE) : 255;
  if (cmdline_len - 1 > cmdline_max) {
    fail(err, errlen, "-append: the command line is %u bytes; this kernel takes at most %u",
         cmdline_len - 1, cmdline_max);
    goto out;
  }

  /* The kernel decompresses itself in place: it needs init_size bytes
   * from its load address (protocol 2.10), else assume 4 times its size. */
  uint32_t need = version >= 0x20A ? ld32(k + HDR_INIT_SIZE) : 4 * kernel_size;
  if (need < kernel_size) need = kernel_size;
  uint32_t kernel_end = KERNEL_ADDR + need;
  uint32_t initrd_addr = 0;
  if (initrd_path) {
    initrd = hostfile_read(initrd_path, &isize, err, errlen);
    if (!initrd) goto out;
    uint32_t max = version >= 0x203 ? ld32(k + HDR_INITRD_ADDR_MAX) : 0x37FFFFFFu;
    uint32_t top = ram_size > FIRMWARE_TOP_RESERVE ? ram_size - FIRMWARE_TOP_RESERVE : 0;
    if (max > top - 1) max = top - 1;
    if (isize > max || ((max + 1 - (uint32_t)isize) & ~0xFFFu) < kernel_end) {
      fail(err, errlen, "%s: %zu bytes do not fit in RAM above the kernel; give more memory "
           "with -m", initrd_path, isize);
      goto out;
    }
    initrd_addr = (max + 1 - (uint32_t)isize) & ~0xFFFu;
  } else if (kernel_end + FIRMWARE_TOP_RESERVE > ram_size) {
    fail(err, errlen, "%s needs %u MiB of RAM to decompress itself; give more with -m",
         kernel_path, (kernel_end + FIRMWARE_TOP_RESERVE + 0xFFFFF) >> 20);
    goto out;
  }

  k[HDR_TYPE_OF_LOADER] = LOADER_TYPE;
  k[HDR_LOADFLAGS] |= CAN_USE_HEAP;
  st16(k + HDR_HEAP_END_PTR, CMDLINE_ADDR - SETUP_ADDR - 0x200);
  st32(k + HDR_CMD_LINE_PTR, CMDLINE_ADDR);
  st32(k + HDR_RAMDISK_IMAGE, initrd_addr);
  st32(k + HDR_RAMDISK_SIZE, (uint32_t)isize);

  ok = publish(f, FW_CFG_SETUP_ADDR, SETUP_ADDR, FW_CFG_SETUP_SIZE, FW_CFG_SETUP_DATA, k,
               setup_size) &&
       publish(f, FW_CFG_KERNEL_ADDR, KERNEL_ADDR, FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA,
               k + setup_size, kernel_size) &&
       publish(f, FW_CFG_INITRD_ADDR, initrd_addr, FW_CFG_INITRD_SIZE, FW_CFG_INITRD_DATA,
               initrd, (uint32_t)isize) &&
       publish(f, FW_CFG_CMDLINE_ADDR, CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE, FW_CFG_CMDLINE_DATA,
               (const uint8_t *)cmdline, cmdline_len) &&
       publish_rom(f);
  if (!ok) fail(err, errlen, "fw_cfg is full");
out:
  free(k);
  free(initrd);
  return ok;
}
