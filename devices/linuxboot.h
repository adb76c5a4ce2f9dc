/* Direct Linux boot with -kernel bzImage [-initrd FILE] [-append TEXT],
 * the way QEMU does it: through the firmware, not around it.
 *
 * linuxboot_setup() reads the kernel, checks its boot-protocol header
 * ("HdrS" at 0x202, protocol 2.02 or later, loaded high) and fills in the
 * fields a boot loader owns (Documentation/arch/x86/boot.rst):
 * type_of_loader, CAN_USE_HEAP and heap_end_ptr, cmd_line_ptr,
 * ramdisk_image and ramdisk_size. Then it publishes, through fw_cfg, each
 * piece with its load address and size:
 *
 *   setup (the real-mode part, header included)   at 0x10000
 *   command line (NUL-terminated)                 at 0x20000
 *   protected-mode kernel                          at 0x100000
 *   initrd   at the highest page-aligned address below both the kernel's
 *            initrd_addr_max and the top of RAM minus 1 MiB (the top of
 *            RAM is where SeaBIOS keeps its tables)
 *
 * plus the option ROM bios/linuxboot.asm as "genroms/linuxboot.bin" and a
 * "bootorder" file naming it first. SeaBIOS boots as usual, calls the
 * ROM, and the ROM has fw_cfg copy the pieces into place by DMA and jumps
 * to the kernel's real-mode entry. Nothing is written to guest RAM here,
 * so a machine reset boots the kernel again the same way. */
#ifndef HOLO86_LINUXBOOT_H
#define HOLO86_LINUXBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/fwcfg.h"

/* The first bytes of a file (at least 0x206 of them) are a Linux kernel
 * with a boot-protocol header. */
bool linuxboot_is_linux(const uint8_t *head, size_t n);
/* The same for a host file (false when unreadable). */
bool linuxboot_file_is_linux(const char *path);

/* Prepare fw_cfg to boot kernel_path with initrd_path (NULL: none) and
 * the command line append (NULL: empty), on a machine with ram_size bytes
 * of RAM. Returns false with a message in err. */
bool linuxboot_setup(FwCfg *f, uint32_t ram_size, const char *kernel_path,
                     const char *initrd_path, const char *append, char *err,
                     size_t errlen);

#endif
