; tests/multiboot/aout_kludge.asm — a flat-binary Multiboot kernel loaded
; at 2 MiB through the header's address fields (flag 16, the "a.out
; kludge"). The file starts with 0x200 bytes that are not part of the image
; (load_addr lies 4 bytes before header_addr, the header at file offset
; 0x204), and ends with bytes past load_end_addr that must not be loaded:
; they would land in the BSS, which must read as zeros.
;
; It also checks that a machine reset boots the kernel again: on the first
; boot it leaves a mark in low RAM, dirties its BSS and an initialised
; variable and triple-faults (the loader's IDT is empty); holo86 resets the
; machine, the loader copies the kernel in again, and the second boot
; checks the variable and the BSS are as in the file before passing.

%include "mb.inc"

MB_FLAGS    equ 0x00010002          ; address fields valid, memory information
LOAD_ADDR   equ 0x200000
PREFIX      equ 0x200
BSS_SIZE    equ 0x3000
MARK        equ 0x600               ; free low RAM: the first boot's mark
MARK_VALUE  equ 0x600D600D

            org LOAD_ADDR - PREFIX
            times PREFIX db 0xCC    ; not loaded
mb_load_start:
            db "LOAD"               ; what the file has at load_addr
            MB_AOUT_HEADER MB_FLAGS, 0

mb_entry:   mov esp, mb_bss_end
            CHECK_EQ eax, BOOT_MAGIC, "EAX (boot magic)"
            CHECK_EQ [mb_header], MB_MAGIC, "the header at header_addr"
            CHECK_EQ [mb_load_start], 'LOAD', "the image at load_addr"
            test byte [ebx], 1
            FAIL_IF z, "info flags bit 0 (memory) clear"
            ; the BSS (below the stack's page) reads as zeros
            mov edi, mb_load_end
            mov ecx, (BSS_SIZE - 0x1000) / 4
            xor eax, eax
            cld
            repe scasd
            FAIL_IF ne, "BSS not zero (bytes past load_end_addr loaded, or not cleared)"

            cmp dword [MARK], MARK_VALUE
            je second_boot
            PRINT "first boot at "
            PRINT_HEX mb_entry
            PRINT ": dirtying the kernel, then a triple fault"
            call newline
            mov dword [MARK], MARK_VALUE
            mov dword [variable], 0xDEADBEEF
            mov edi, mb_load_end
            mov ecx, (BSS_SIZE - 0x1000) / 4
            mov eax, 0xABABABAB
            rep stosd
            int3                    ; no IDT: #GP, #DF, shutdown

second_boot:
            CHECK_EQ [variable], 0x11223344, "initialised variable after the reset"
            PRINT "second boot after the reset: a.out kludge checks passed"
            call newline
            EXIT 0

            MB_HELPERS

            align 4
variable:   dd 0x11223344
mb_load_end:
            times 256 db 0xEE       ; in the file, past load_end_addr
mb_bss_end  equ mb_load_end + BSS_SIZE
