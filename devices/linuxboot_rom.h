#ifndef HOLO86_LINUXBOOT_ROM_H
#define HOLO86_LINUXBOOT_ROM_H

#include <stdint.h>

extern const uint8_t holo86_linuxboot_rom[];
extern const uint8_t holo86_linuxboot_rom_end[];

#endif
