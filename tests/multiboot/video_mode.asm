; tests/multiboot/video_mode.asm — a Multiboot kernel that requests a video
; mode (header flag 2); holo86 cannot set one and must say so (exit 1).

%include "mb.inc"

            org 0x200000
mb_load_start:
            MB_AOUT_HEADER 0x00010006, 0
            dd 0, 1024, 768, 32     ; mode_type (linear), width, height, depth
mb_entry:   PRINT "FAIL: a kernel that wants a video mode was booted"
            call newline
            EXIT 1
            MB_HELPERS
mb_load_end:
mb_bss_end  equ 0
