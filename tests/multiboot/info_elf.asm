; tests/multiboot/info_elf.asm — a Multiboot ELF kernel (nasm -f elf32,
; ld -m elf_i386 at 0x100000) that checks the machine state at entry and
; the Multiboot information structure, printing the memory map and the
; command line. run.sh boots it with -m 32 -append "hello world=1 -x".

%include "mb.inc"

MB_FLAGS    equ 0x00000003          ; page-aligned modules, memory information

            section .text
            align 4
mb_header:  dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

            global start
start:      mov [saved_eax], eax
            mov [saved_ebx], ebx
            pushfd                      ; on the loader's stack
            pop dword [saved_flags]
            mov esp, stack_top
            PRINT "EAX = "
            PRINT_HEX [saved_eax]
            call newline
            CHECK_EQ [saved_eax], BOOT_MAGIC, "EAX (boot magic)"

            ; CR0.PE = 1, CR0.PG = 0; EFLAGS.IF = 0
            mov eax, cr0
            and eax, 0x80000001
            CHECK_EQ eax, 1, "CR0 PG and PE bits"
            mov eax, [saved_flags]
            and eax, 0x200
            CHECK_EQ eax, 0, "EFLAGS.IF"

            ; Flat segments: limit 4 GiB; CS 32-bit execute/read, the
            ; others 32-bit read/write data (LAR/LSL read the loader's GDT).
            mov eax, cs
            call check_code
            mov eax, ds
            call check_data
            mov eax, es
            call check_data
            mov eax, fs
            call check_data
            mov eax, gs
            call check_data
            mov eax, ss
            call check_data
            ; The GDT is usable: reload every segment register from it.
            sgdt [gdtr]
            movzx eax, word [gdtr]
            FAIL_IF b, "GDT limit below 23"
            mov ax, ds
            mov ds, ax
            mov es, ax
            mov ss, ax
            mov ax, cs
            mov [far_ptr + 4], ax
            jmp far [far_ptr]
reloaded:
            ; A20: 0x300000 and 0x200000 are distinct.
            mov dword [0x200000], 0
            mov dword [0x300000], 0x12345678
            CHECK_EQ [0x200000], 0, "A20 (0x300000 wrapped to 0x200000)"

            ; The information structure.
            mov ebx, [saved_ebx]
            PRINT "info at "
            PRINT_HEX ebx
            call newline
            cmp ebx, 0x1000
            FAIL_IF b, "information structure below 0x1000"
            cmp ebx, 0x9FC00 - 116
            FAIL_IF a, "information structure not in low RAM"
            mov eax, [ebx]
            and eax, 0x24D
            CHECK_EQ eax, 0x24D, "info flags bits 0, 2, 3, 6, 9"
            CHECK_EQ [ebx + 4], 639, "mem_lower"
            CHECK_EQ [ebx + 8], 31744, "mem_upper (-m 32)"
            CHECK_EQ [ebx + 20], 0, "mods_count"

            PRINT "cmdline: "
            mov esi, [ebx + 16]
            call puts
            call newline
            mov edi, want_cmdline
            call ends_with
            FAIL_IF ne, "cmdline is not the kernel path followed by the -append text"
            mov esi, [ebx + 16]
            mov edi, kernel_name
            call strlen
            cmp eax, kernel_name_len + 1 + append_len
            FAIL_IF b, "cmdline too short"

            mov esi, [ebx + 64]
            mov edi, loader_name
            mov ecx, loader_name_len
            repe cmpsb
            FAIL_IF ne, "boot_loader_name is not holo86"

            ; The memory map.
            CHECK_EQ [ebx + 44], 4 * 24, "mmap_length"
            mov esi, [ebx + 48]
            mov ecx, 4
            mov edi, want_map
.entry:     PRINT "mmap base "
            PRINT_HEX [esi + 8]
            PRINT_HEX [esi + 4]
            PRINT " length "
            PRINT_HEX [esi + 16]
            PRINT_HEX [esi + 12]
            PRINT " type "
            PRINT_HEX [esi + 20]
            call newline
            CHECK_EQ [esi], 20, "mmap entry size field"
            CHECK_EQ [esi + 20], [edi + 12], "mmap type"
            cmp ecx, 1
            je .last
            CHECK_EQ [esi + 4], [edi], "mmap base"
            CHECK_EQ [esi + 8], 0, "mmap base (high)"
            CHECK_EQ [esi + 12], [edi + 4], "mmap length"
            CHECK_EQ [esi + 16], 0, "mmap length (high)"
            jmp .next
.last:      ; the firmware: up to exactly 4 GiB
            mov eax, [esi + 4]
            add eax, [esi + 12]
            mov edx, [esi + 8]
            adc edx, [esi + 16]
            CHECK_EQ eax, 0, "firmware entry ends at 4 GiB (low)"
            CHECK_EQ edx, 1, "firmware entry ends at 4 GiB (high)"
.next:      add esi, 24
            add edi, 16
            dec ecx
            jnz .entry

            PRINT "multiboot info: all checks passed"
            call newline
            EXIT 0

; eax = selector: a flat 32-bit execute/read code segment at DPL 0
check_code: lsl ecx, eax
            CHECK_EQ ecx, 0xFFFFFFFF, "CS limit"
            lar ecx, eax
            and ecx, 0x00C0FE00
            CHECK_EQ ecx, 0x00C09A00, "CS access rights"
            ret
check_data: lsl ecx, eax
            CHECK_EQ ecx, 0xFFFFFFFF, "data segment limit"
            lar ecx, eax
            and ecx, 0x00C0FE00
            CHECK_EQ ecx, 0x00C09200, "data segment access rights"
            ret

            MB_HELPERS

kernel_name: db "info_elf.elf"
kernel_name_len equ $ - kernel_name
want_cmdline: db "info_elf.elf "
append:     db "hello world=1 -x", 0
append_len  equ $ - append - 1
loader_name: db "holo86", 0
loader_name_len equ $ - loader_name
            ; base, length, (unused), type — the last entry's base depends
            ; on the firmware's size
want_map:   dd 0, 0x9FC00, 0, 1
            dd 0x9FC00, 0x60400, 0, 2
            dd 0x100000, 0x1F00000, 0, 1
            dd 0, 0, 0, 2

            section .data
far_ptr:    dd reloaded, 0

            section .bss
saved_eax:  resd 1
saved_ebx:  resd 1
saved_flags: resd 1
gdtr:       resb 6
            alignb 16
stack:      resb 8192
stack_top:
