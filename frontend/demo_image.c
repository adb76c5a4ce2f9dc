/* The built-in demo firmware (bios/demo.asm), linked into the binary so
 * that `./holo86` with no arguments shows something. */
#include "frontend/demo_image.h"

__asm__(".section .rodata\n"
        ".balign 16\n"
        ".global holo86_demo_image\n"
        "holo86_demo_image:\n"
        ".incbin \"" DEMO_BIN "\"\n"
        ".global holo86_demo_image_end\n"
        "holo86_demo_image_end:\n"
        ".previous\n");
