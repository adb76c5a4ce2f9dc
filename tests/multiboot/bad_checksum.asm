; tests/multiboot/bad_checksum.asm — a Multiboot kernel whose header
; checksum is off by one: holo86 must refuse it with a clear error
; (exit status 1) rather than boot it.

%include "mb.inc"

            org 0x200000
mb_load_start:
            MB_AOUT_HEADER 0x00010002, 1
mb_entry:   PRINT "FAIL: a kernel with a bad checksum was booted"
            call newline
            EXIT 1
            MB_HELPERS
mb_load_end:
mb_bss_end  equ 0
