; tests/multiboot/unknown_flag.asm — a Multiboot kernel whose header sets
; a required flag bit (bit 3) this version of the specification does not
; define: the loader must refuse it (exit 1).

%include "mb.inc"

            org 0x200000
mb_load_start:
            MB_AOUT_HEADER 0x0001000A, 0
mb_entry:   PRINT "FAIL: a kernel with an unknown required flag was booted"
            call newline
            EXIT 1
            MB_HELPERS
mb_load_end:
mb_bss_end  equ 0
