; tests/gdb/target.asm — the guest that tests/gdb/run.sh debugs through the
; gdb stub. A 64 KiB firmware image (nasm -f bin) assembled at ORG 0xF0000,
; the address of its copy below 1 MiB, so labels are linear addresses.
;
; It enters 32-bit protected mode with flat segments, builds page tables
; (0-4 MiB identity mapped; the page at linear 0x40000000 mapped to
; physical 0x200000; linear 0x50000000 unmapped), enables paging, loads
; 1.0 on the x87 stack and loops forever:
;     ESI = ESI + 1; EAX = ESI; call func; [COUNTER] = EAX
; where func stores 2 * EAX at WATCHED (linear 0x40000020). The test sets
; breakpoints at the fixed addresses below.

            bits 16
            org 0xF0000

LOOP_ADDR   equ 0xF0180         ; main_loop
FUNC_ADDR   equ 0xF0200         ; func: mov ebx,eax / add ebx,ebx / mov [WATCHED],ebx / ret
MAPPED      equ 0x40000000      ; linear, backed by physical PHYS_DATA
PHYS_DATA   equ 0x200000
COUNTER     equ MAPPED + 0x10
WATCHED     equ MAPPED + 0x20
PAGE_DIR    equ 0x10000
PT_LOW      equ 0x11000
PT_HIGH     equ 0x12000

start:
            cli
            o32 lgdt [cs:gdt_ptr - $$]
            mov eax, cr0
            or al, 1
            mov cr0, eax
            jmp dword 0x08:pm32

            bits 32
pm32:
            mov ax, 0x10
            mov ds, ax
            mov es, ax
            mov ss, ax
            mov fs, ax
            mov gs, ax
            mov esp, 0x90000
            cld
            mov edi, PAGE_DIR           ; clear the directory and both tables
            mov ecx, 3 * 1024
            xor eax, eax
            rep stosd
            mov dword [PAGE_DIR], PT_LOW | 3
            mov dword [PAGE_DIR + (MAPPED >> 22) * 4], PT_HIGH | 3
            mov edi, PT_LOW
            mov eax, 3
.fill:      mov [edi], eax
            add eax, 0x1000
            add edi, 4
            cmp edi, PT_LOW + 0x1000
            jb .fill
            mov dword [PT_HIGH], PHYS_DATA | 3
            mov dword [PHYS_DATA], 0x12345678
            mov dword [PHYS_DATA + 4], 0x9abcdef0
            mov dword [PHYS_DATA + 8], 0xcafebabe
            mov dword [PHYS_DATA + 12], 0x0badf00d
            mov eax, PAGE_DIR
            mov cr3, eax
            mov eax, cr0
            or eax, 0x80000000
            mov cr0, eax
            jmp paged
paged:
            fninit
            fld1
            xor esi, esi
            jmp main_loop

            align 8
gdt:        dq 0
            dq 0x00CF9A000000FFFF       ; 0x08 flat 32-bit code
            dq 0x00CF92000000FFFF       ; 0x10 flat 32-bit data
gdt_ptr:    dw gdt_ptr - gdt - 1
            dd gdt

            times (LOOP_ADDR - 0xF0000) - ($ - $$) db 0x90
main_loop:
            inc esi
            mov eax, esi
            call func
            mov [COUNTER], eax
            jmp main_loop

            times (FUNC_ADDR - 0xF0000) - ($ - $$) db 0x90
func:
            mov ebx, eax
            add ebx, ebx
            mov [WATCHED], ebx
            ret

            bits 16
            times 0xFFF0 - ($ - $$) db 0xFF
            jmp 0xF000:(start - 0xF0000)
            times 0x10000 - ($ - $$) db 0xFF
