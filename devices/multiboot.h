/* Direct kernel boot with -kernel: a Multiboot (version 1, specification
 * 0.6.96) loader, as GRUB and `qemu-system-i386 -kernel` provide.
 *
 * holo86 does not run a firmware first: after the machine is built,
 * multiboot_load() copies the kernel and its modules into RAM, writes the
 * Multiboot information structure, a flat GDT and a small stack into free
 * low RAM, and puts the CPU directly in the state the specification
 * prescribes at the kernel's entry point (32-bit protected mode, flat
 * segments, paging and interrupts off, A20 on, EAX = 0x2BADB002, EBX =
 * the information structure). The firmware image stays mapped so the reset
 * vector exists; a machine reset (triple fault) boots the kernel again, as
 * QEMU does. Kernels that call the BIOS (back in real mode) find no BIOS
 * set up: the interrupt vector table is empty.
 *
 * Choices where the specification leaves freedom (QEMU and GRUB agree):
 * - the command line is the kernel's path, then a space and the -append
 *   text if given ("kernel.elf root=x"); a module's string is its whole
 *   -initrd entry ("file1 arg");
 * - the information structure, memory map, module list and strings, a GDT
 *   (0x08 flat code, 0x10 flat data: CS = 0x08, the others 0x10) and a
 *   4 KiB stack (ESP at its top) are at the lowest free page from 0x1000;
 *   IDTR has limit 0, so a fault before the kernel loads its own IDT is a
 *   clean triple fault;
 * - the memory map: RAM 0-0x9FC00, reserved 0x9FC00-1 MiB, RAM from 1 MiB
 *   to the top of RAM, reserved for the firmware image below 4 GiB; boot
 *   device, symbols, drives, APM and VBE are not given;
 * - every loaded byte must lie in what that map calls RAM.
 *
 * Files that are not Multiboot kernels are diagnosed. (Linux bzImages
 * never come here: they boot through SeaBIOS, see linuxboot.h.) */
#ifndef HOLO86_MULTIBOOT_H
#define HOLO86_MULTIBOOT_H

#include <stddef.h>

#include "devices/machine.h"

typedef struct Multiboot Multiboot;

/* Load the kernel at kernel_path with the command line append (NULL:
 * none) and the modules listed in initrd (NULL: none; "file1 arg,file2":
 * comma-separated, ",," is a literal comma, each entry's file name is its
 * first word and the whole entry is the module's string), and set the CPU
 * up at the kernel's entry. Returns NULL with a message in err when the
 * kernel cannot be booted (the machine is then unchanged apart from RAM).
 * The returned object is registered with the machine as a device (its
 * reset boots the kernel again) and must outlive it: free it with
 * multiboot_free() after machine_free(). */
Multiboot *multiboot_load(Machine *m, const char *kernel_path, const char *append,
                          const char *initrd, char *err, size_t errlen);
void multiboot_free(Multiboot *mb);

#endif
