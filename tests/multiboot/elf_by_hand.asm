; tests/multiboot/elf_by_hand.asm — an ELF32 Multiboot kernel written by hand
; (nasm -f bin with its own ELF and program headers): one PT_LOAD segment
; holding the whole file at physical 256 MiB, plus 4 KiB of BSS. With
; -m 512 it boots and passes; with -m 32 the segment is outside RAM and
; holo86 must refuse it with a clear error (exit 1).

%include "mb.inc"

LOAD        equ 0x10000000
BSS         equ 0x1000

            org LOAD
ehdr:       db 0x7F, "ELF", 1, 1, 1, 0      ; ELFCLASS32, little-endian, version 1
            times 8 db 0
            dw 2                    ; e_type: ET_EXEC
            dw 3                    ; e_machine: EM_386
            dd 1                    ; e_version
            dd start                ; e_entry
            dd phdr - ehdr          ; e_phoff
            dd 0                    ; e_shoff
            dd 0                    ; e_flags
            dw 52                   ; e_ehsize
            dw 32                   ; e_phentsize
            dw 1                    ; e_phnum
            dw 40                   ; e_shentsize
            dw 0                    ; e_shnum
            dw 0                    ; e_shstrndx
phdr:       dd 1                    ; p_type: PT_LOAD
            dd 0                    ; p_offset
            dd LOAD                 ; p_vaddr
            dd LOAD                 ; p_paddr
            dd file_end - ehdr      ; p_filesz
            dd file_end - ehdr + BSS ; p_memsz
            dd 7                    ; p_flags: RWX
            dd 0x1000               ; p_align

            align 4
            dd MB_MAGIC, 3, -(MB_MAGIC + 3)

start:      mov esp, file_end + BSS
            CHECK_EQ eax, BOOT_MAGIC, "EAX (boot magic)"
            CHECK_EQ [ebx + 8], (512 - 1) * 1024, "mem_upper (-m 512)"
            PRINT "ELF kernel at 256 MiB: passed"
            call newline
            EXIT 0
            MB_HELPERS
file_end:
