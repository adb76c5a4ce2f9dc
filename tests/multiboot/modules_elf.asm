; tests/multiboot/modules_elf.asm — a Multiboot ELF kernel that checks the
; two modules run.sh passes with
;     -initrd "DIR/module1.txt alpha,,beta 42,DIR/module2.bin"
; their contents (against copies included here), their strings ("file
; args", ",," being a literal comma), their page alignment and placement
; after the kernel.

%include "mb.inc"

MB_FLAGS    equ 0x00000003          ; page-aligned modules, memory information

            section .text
            align 4
mb_header:  dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

            global start
start:      mov esp, stack_top
            CHECK_EQ eax, BOOT_MAGIC, "EAX (boot magic)"
            test byte [ebx], 8
            FAIL_IF z, "info flags bit 3 (mods) clear"
            CHECK_EQ [ebx + 20], 2, "mods_count"
            mov ebp, [ebx + 24]             ; the module list

            ; Module 1.
            mov esi, [ebp + 8]
            PRINT "module 1: "
            call puts
            call newline
            mov edi, want_str1
            call ends_with
            FAIL_IF ne, "module 1's string is not 'PATH/module1.txt alpha,beta 42'"
            mov esi, [ebp]
            mov edi, data1
            mov ecx, data1_len
            call check_module

            ; Module 2.
            add ebp, 16
            mov esi, [ebp + 8]
            PRINT "module 2: "
            call puts
            call newline
            mov edi, want_str2
            call ends_with
            FAIL_IF ne, "module 2's string is not 'PATH/module2.bin'"
            mov esi, [ebp]
            mov edi, data2
            mov ecx, data2_len
            call check_module
            mov eax, [ebp - 16 + 4]         ; module 1's end
            cmp [ebp], eax
            FAIL_IF b, "module 2 overlaps module 1"

            PRINT "multiboot modules: all checks passed"
            call newline
            EXIT 0

; ebp -> module entry, esi = its start, edi = expected bytes, ecx = length
check_module:
            PRINT "  at "
            PRINT_HEX [ebp]
            PRINT "-"
            PRINT_HEX [ebp + 4]
            call newline
            test esi, 0xFFF
            FAIL_IF nz, "module not page-aligned"
            cmp esi, kernel_end
            FAIL_IF b, "module loaded inside the kernel"
            mov eax, [ebp + 4]
            sub eax, esi
            CHECK_EQ eax, ecx, "module size (mod_end - mod_start)"
            cld
            repe cmpsb
            FAIL_IF ne, "module contents differ"
            ret

            MB_HELPERS

want_str1:  db "/module1.txt alpha,beta 42", 0
want_str2:  db "/module2.bin", 0
data1:      incbin "module1.txt"
data1_len   equ $ - data1
data2:      incbin "module2.bin"
data2_len   equ $ - data2

            section .bss
            alignb 16
stack:      resb 8192
stack_top:
kernel_end:
