/* The option ROM bios/linuxboot.asm, linked into the binary (see
 * linuxboot.h). */
#include "devices/linuxboot_rom.h"

__asm__(".section .rodata\n"
        ".balign 16\n"
        ".global holo86_linuxboot_rom\n"
        "holo86_linuxboot_rom:\n"
        ".incbin \"" LINUXBOOT_BIN "\"\n"
        ".global holo86_linuxboot_rom_end\n"
        "holo86_linuxboot_rom_end:\n"
        ".previous\n");
