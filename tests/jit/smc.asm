; smc.asm — self-modifying code against translated blocks.
;
; A translation is made from the bytes a block had when it was decoded;
; every way those bytes can change afterwards must reach the JIT before
; the old host code runs again. The rule on a P6 (SDM vol. 3, 11.6 and
; 8.1.3): a store to an instruction already fetched, through the same
; linear address, is detected and the instruction executes as modified;
; other changes (another linear alias, another bus agent) are seen after
; a jump to the code or a serializing instruction. Checked here:
;   (a) a store into a later instruction of the same, translated, block;
;   (b) a block that ran (translated) many times, patched by another
;       block, through the same address and through a linear alias; a
;       loop patching its own first instruction; a chained JMP given a
;       new target; a RET returning onto an instruction its callee patched;
;   (c) an instruction straddling two pages patched on either page or
;       across the boundary, a block ending at a page's last byte, and a
;       store split between a data page and the code on the next page;
;   (d) code overwritten by devices: the fw_cfg DMA interface (also over
;       the rest of the very block that started the transfer, followed
;       by CPUID) and the floppy controller through ISA DMA channel 2.
; Every routine runs a few times first with a harmless target, so the
; patch meets translated code (the JIT translates a block on its third
; run); each one sits on a page nothing else writes, so only the patch
; discards its translation.
;
; run-args: -fda @dma_floppy

%include "harness.inc"

SCRATCH     equ FREE_RAM        ; harmless store target during warm-up
FW_DESC     equ FREE_RAM + 0x100 ; fw_cfg DMA descriptor (big endian)
ALIAS       equ 0x600000        ; a second linear address of page_b's frame
FLOPPY_EAX  equ 0x600DC0DE      ; what media/dma_floppy.asm's sector 1 returns
WARM        equ 10              ; calls before a patch

test_main:
    call paging_on
    mov eax, page_b
    or eax, PG_P | PG_RW | PG_US
    mov [PTE_OF(ALIAS)], eax
    mov eax, cr3
    mov cr3, eax
    call same_block
    call other_block
    call page_boundary
    call dma_fwcfg
    call dma_floppy
    ret

; CALLS n, routine — call the routine n times; ECX is kept.
%macro CALLS 2
    push ecx
    mov ecx, %1
%%l:
    push ecx
    call %2
    pop ecx
    loop %%l
    pop ecx
%endmacro

; ---- (a) ------------------------------------------------------------------------------
same_block:
    GROUP "(a) byte store into the next instruction's immediate"
    mov edi, SCRATCH
    mov eax, 0x99
    CALLS WARM, a1
    CHECK eax, 0x11111111, "before the patch"
    mov edi, a1_insn + 4
    mov eax, 0x77
    call a1
    CHECK eax, 0x77111111, "the patched MOV runs as modified at once"
    mov edi, SCRATCH
    CALLS WARM, a1
    CHECK eax, 0x77111111, "and on later calls"

    GROUP "(a) byte store turning the next MOV into an ADD"
    mov edi, SCRATCH
    mov eax, 0x05
    CALLS WARM, a2
    CHECK eax, 0x01000000, "before the patch"
    mov edi, a2_insn
    mov eax, 0x05               ; AL = 05: ADD EAX, imm32 (EAX is 5 then)
    call a2
    CHECK eax, 0x01000005, "ADD EAX, 01000000 ran instead of MOV"

    GROUP "(a) dword store over an immediate two instructions ahead"
    mov edi, SCRATCH
    xor edx, edx
    CALLS WARM, a3
    CHECK eax, 0x22222222, "before the patch"
    CHECK edx, WARM, "the instruction in between ran every time"
    mov edi, a3_insn + 1
    mov ecx, 0xC0DEBABE
    call a3
    CHECK eax, 0xC0DEBABE, "the new immediate is used at once"
    CHECK edx, WARM + 1, "the instruction in between still ran"

    GROUP "(a) ADD to memory turning MOV EAX into MOV ECX"
    mov edi, SCRATCH
    CALLS WARM, a4
    CHECK eax, 0x33333333, "before the patch"
    mov edi, a4_insn
    mov eax, 0x5A5A5A5A
    mov ecx, 0
    call a4                     ; B8 + 1 = B9: MOV ECX, 33333333
    CHECK eax, 0x5A5A5A5A, "EAX untouched by the patched instruction"
    CHECK ecx, 0x33333333, "ECX loaded by it"
    ret

; ---- (b) ------------------------------------------------------------------------------
other_block:
    GROUP "(b) patching a block that ran translated, from another page"
    xor eax, eax
    CALLS WARM, b1
    CHECK eax, WARM, "ADD EAX, 1 ran WARM times"
    mov byte [b1 + 2], 5        ; ADD EAX, 1 -> ADD EAX, 5
    CALLS WARM, b1
    CHECK eax, WARM + 5 * WARM, "then ADD EAX, 5"
    mov dword [b1], 0xC3404040  ; INC EAX x3 ; RET: a different block shape
    CALLS WARM, b1
    CHECK eax, WARM + 8 * WARM, "then three INC EAX"

    GROUP "(b) patching a translated block from a translated block on its page"
    xor eax, eax
    CALLS WARM, b2
    CHECK eax, WARM, "ADD EAX, 1 ran WARM times"
    mov edi, SCRATCH
    CALLS WARM, b2_patch        ; translated, storing elsewhere
    mov edi, b2 + 2
    mov bl, 7
    xor edx, edx
    call b2_patch               ; its own page: the rest of its block must still run
    CHECK edx, 0xB2B2B2B2, "the patching block ran to its end"
    CALLS WARM, b2
    CHECK eax, WARM + 7 * WARM, "then ADD EAX, 7"

    GROUP "(b) one frame at two linear addresses, patched through each"
    xor eax, eax
    CALLS WARM, b3
    CALLS WARM, ALIAS + (b3 - page_b)
    CHECK eax, 2 * WARM, "the same code ran at both addresses"
    mov byte [ALIAS + (b3 - page_b) + 2], 3
    CALLS WARM, b3              ; the CALL is the jump SDM 8.1.3 asks for
    CHECK eax, 2 * WARM + 3 * WARM, "patched through the alias, run at the original"
    mov byte [b3 + 2], 4
    CALLS WARM, ALIAS + (b3 - page_b)
    CHECK eax, 2 * WARM + 7 * WARM, "patched at the original, run through the alias"

    GROUP "(b) a loop patching its own first instruction halfway"
    xor eax, eax
    mov edi, SCRATCH
    mov ecx, WARM
    call b5
    mov ecx, WARM
    call b5
    CHECK eax, 2 * WARM, "ADD EAX, 1 in every iteration"
    xor eax, eax
    mov ecx, 10
    mov edi, b5 + 2
    mov bl, 3
    call b5                     ; iterations ECX = 10..5 add 1, then ECX = 4..1 add 3
    CHECK eax, 6 * 1 + 4 * 3, "the iterations after the patch added 3"

    GROUP "(b) a chained JMP whose displacement is patched"
    CALLS WARM, b6
    CHECK eax, 1, "before the patch"
    mov byte [b6 + 1], b6.y - (b6 + 2)
    call b6
    CHECK eax, 2, "the JMP goes to its new target"

    GROUP "(b) a subroutine patching the instruction its RET returns to"
    mov edi, SCRATCH
    CALLS WARM, b7
    CHECK eax, 0x1111, "before the patch"
    mov edi, b7.site + 1
    mov bl, 0x22
    call b7
    CHECK eax, 0x1122, "the RET lands on the new instruction"
    mov edi, SCRATCH
    CALLS WARM, b7
    CHECK eax, 0x1122, "and so do later calls"
    ret

; ---- (c) ------------------------------------------------------------------------------
page_boundary:
    GROUP "(c) MOV straddling a page boundary"
    xor edx, edx
    CALLS WARM, c1
    CHECK eax, 0x44332211, "before the patch"
    CHECK edx, WARM, "the instruction before it ran every time"
    mov byte [c1_insn + 3], 0x99        ; on the second page only
    call c1
    CHECK eax, 0x44992211, "a byte changed on the second page"
    CALLS WARM, c1
    CHECK eax, 0x44992211, "still so once translated again"
    mov byte [c1_insn + 1], 0x55        ; on the first page only
    call c1
    CHECK eax, 0x44992255, "a byte changed on the first page"
    CALLS WARM, c1
    mov dword [c1_insn + 1], 0xA1B2C3D4 ; one store across the boundary
    call c1
    CHECK eax, 0xA1B2C3D4, "a dword store across the boundary"
    CHECK edx, 3 * WARM + 3, "the instruction before it ran every time"

    GROUP "(c) block ending at the last byte of a page, patched from another page"
    CALLS WARM, c2
    CHECK eax, 0x12345678, "before the patch"
    mov byte [c2 + 1], 0xEE
    call c2
    CHECK eax, 0x123456EE, "the patched immediate is used"

    GROUP "(c) a store split between a data page and the next page's code"
    CALLS WARM, c3
    CHECK eax, 0x55555555, "before the patch"
    mov dword [c3 - 2], 0x77B8AAAA      ; AA AA on the data page, B8 77 over c3
    call c3
    CHECK eax, 0x55555577, "the byte on the code page is seen"
    CHECK [c3 - 4], 0xAAAA0000, "and the data page got its two bytes"
    ret

; ---- (d) ------------------------------------------------------------------------------
; fw_cfg_dma: EAX = descriptor address; the transfer completes within the OUT.
fw_cfg_dma:
    push edx
    bswap eax                   ; the address halves are big endian
    mov dx, 0x518
    out dx, eax
    pop edx
    ret

; fw_desc: EDI = descriptor, EAX = destination. Item 0 (the signature
; "QEMU"), 4 bytes, select + read.
fw_desc:
    mov dword [edi], 0x0A000000         ; control 0000000A, big endian
    mov dword [edi + 4], 0x04000000     ; length 4
    mov dword [edi + 8], 0              ; address, high half
    bswap eax
    mov [edi + 12], eax
    ret

QEMU        equ 0x554D4551      ; "QEMU" as a little-endian dword
GENU        equ 0x756E6547      ; CPUID leaf 0: EBX "Genu"
NTEL        equ 0x6C65746E      ;               ECX "ntel"

dma_fwcfg:
    mov dx, 0x514               ; high half of the descriptor address: 0
    xor eax, eax
    out dx, eax

    GROUP "(d) fw_cfg DMA over a routine that ran translated"
    mov ebx, 0xB0B0B0B0
    mov ecx, 0xC1C1C1C1
    mov ebp, 0xE5E5E5E5
    CALLS WARM, d1
    CHECK eax, 0xB0B0B0B0, "before the DMA: EAX from the first PUSH EBX"
    CHECK edx, 0xB0B0B0B0, "before the DMA: EDX from the second PUSH EBX"
    mov edi, FW_DESC
    mov eax, d1
    call fw_desc
    mov eax, FW_DESC
    call fw_cfg_dma
    CHECK [FW_DESC], 0, "the device reports success"
    CHECK [d1], QEMU, "the device wrote the signature over the code"
    call d1
    CHECK eax, 0xE5E5E5E5, "the new code pushed EBP last"
    CHECK edx, 0xC1C1C1C1, "and ECX first"
    CHECK ebp, 0xE5E5E5E5, "INC EBP; DEC EBP left EBP alone"

    GROUP "(d) fw_cfg DMA over the rest of the block that started it"
    mov edi, FW_DESC
    mov eax, SCRATCH
    call fw_desc
    mov eax, FW_DESC
    bswap eax
    mov esi, eax
    mov ebp, 0xE6E6E6E6
    CALLS WARM, d2              ; the transfers land in SCRATCH
    CHECK eax, GENU, "before: EAX from the first PUSH EBX (CPUID's EBX)"
    CHECK [SCRATCH], QEMU, "the warm-up transfers went to SCRATCH"
    mov edi, FW_DESC
    mov eax, d2_target
    call fw_desc
    call d2
    CHECK [FW_DESC], 0, "the device reports success"
    CHECK eax, 0xE6E6E6E6, "after OUT and CPUID the new code pushed EBP last"
    CHECK edx, NTEL, "and CPUID's ECX first"
    ret

; ---- floppy controller + 8237 channel 2 --------------------------------------------------
; fdc_out: AL to the FIFO once the controller wants a command byte.
fdc_out:
    push edx
    push eax
    mov dx, 0x3F4
.wait:
    in al, dx
    and al, 0xC0
    cmp al, 0x80                ; RQM, DIO = to the controller
    jne .wait
    pop eax
    mov dx, 0x3F5
    out dx, al
    pop edx
    ret

; fdc_results: read the result phase into [EDI]; ECX = bytes read.
fdc_results:
    push eax
    push edx
    xor ecx, ecx
    mov dx, 0x3F4
.busy:
    in al, dx
    test al, 0x80               ; RQM: the result phase has begun
    jz .busy
.next:
    mov dx, 0x3F4
    in al, dx
    and al, 0xC0
    cmp al, 0xC0                ; RQM, DIO = to the CPU: a result byte
    jne .done
    mov dx, 0x3F5
    in al, dx
    mov [edi + ecx], al
    inc ecx
    cmp ecx, 16
    jb .next
.done:
    pop edx
    pop eax
    ret

%macro FDC 1-*
%rep %0
    mov al, %1
    call fdc_out
%rotate 1
%endrep
%endmacro

FDC_RES     equ FREE_RAM + 0x200

; fdc_read_lba0: drive 0, C0 H0 R1 (512 bytes) into physical EBX (below
; 16 MiB, not crossing 64 KiB) by DMA, the controller polled.
fdc_read_lba0:
    mov dx, 0x3F2
    mov al, 0x00                ; reset
    out dx, al
    mov al, 0x1C                ; motor A, DMA and IRQ enabled, drive 0
    out dx, al
    mov edi, FDC_RES
    mov esi, 4                  ; the reset's four interrupt statuses
.sense:
    FDC 0x08
    call fdc_results
    dec esi
    jnz .sense
    FDC 0x03, 0xAF, 0x02        ; SPECIFY, DMA mode
    mov dx, 0x3F7
    mov al, 0                   ; 500 kbit/s: a 1.44 MB disk
    out dx, al
    FDC 0x07, 0x00              ; RECALIBRATE drive 0
    FDC 0x08
    call fdc_results
    ; channel 2: masked, flip-flop cleared, single mode, increment, write
    ; to memory; address, page, count - 1; unmasked
    mov al, 0x06
    out 0x0A, al
    out 0x0C, al
    mov al, 0x46
    out 0x0B, al
    mov eax, ebx
    out 0x04, al
    mov al, ah
    out 0x04, al
    shr eax, 16
    out 0x81, al
    mov al, 0xFF
    out 0x05, al
    mov al, 0x01
    out 0x05, al
    mov al, 0x02
    out 0x0A, al
    FDC 0x46, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF   ; READ DATA, MFM, C0 H0 R1, 512-byte sectors
    call fdc_results
    ret

dma_floppy:
    GROUP "(d) floppy DMA over a routine that ran translated"
    CALLS WARM, d3
    CHECK eax, 0x0BAD0BAD, "before the transfer"
    mov ebx, d3
    call fdc_read_lba0
    CHECK ecx, 7, "READ DATA result bytes"
    ; ST0 0 (normal end, head 0, drive 0), ST1 0, ST2 0, then C H R N of
    ; the next sector: terminal count came after sector 1 of cylinder 0
    CHECK [FDC_RES], 0, "ST0 ST1 ST2 C"
    CHECK [FDC_RES + 3], 0x02020000, "C H R N"
    call d3
    CHECK eax, FLOPPY_EAX, "the code read from the disk runs"
    ret

; ---- the routines under test, each on pages nothing else writes ---------------------------
    align 4096
a1:                             ; EDI: where AL goes
    mov [edi], al
a1_insn:
    mov eax, 0x11111111
    ret
a2:                             ; EDI: where AL goes
    mov [edi], al
a2_insn:
    mov eax, 0x01000000
    ret
a3:                             ; EDI: where ECX goes
    mov [edi], ecx
    inc edx
a3_insn:
    mov eax, 0x22222222
    ret
a4:                             ; EDI: the byte to increment
    add byte [edi], 1
a4_insn:
    mov eax, 0x33333333
    ret

    align 4096
page_b:
b1:
    add eax, 1                  ; 83 C0 01
    ret
b2:
    add eax, 1
    ret
b2_patch:                       ; BL to [EDI]
    mov [edi], bl
    mov edx, 0xB2B2B2B2
    ret
b3:
    add eax, 1
    ret
b5:                             ; ECX iterations; at ECX = 5 BL goes to [EDI]
    add eax, 1
    cmp ecx, 5
    jne .next
    mov [edi], bl
.next:
    dec ecx
    jnz b5
    ret
b6:
    jmp short .x                ; patched to .y
.x: mov eax, 1
    ret
.y: mov eax, 2
    ret
b7:                             ; BL to [EDI] from a subroutine
    call .sub
.site:
    mov eax, 0x1111
    ret
.sub:
    mov [edi], bl
    ret

    align 4096
    times 4096 - 6 db 0xCC
c2:                             ; the page's last 6 bytes
    mov eax, 0x12345678
    ret
    times 4096 - 3 db 0xCC
c1:
    inc edx
c1_insn:                        ; B8 and the first immediate byte end this page
    mov eax, 0x44332211
    ret

    align 4096
    times 4096 db 0             ; a page of data (never executed)
c3:                             ; starts the next page
    mov eax, 0x55555555
    ret

    align 4096
d1:                             ; the signature "QEMU" replaces its first 4 bytes:
    push ebx                    ;   51 PUSH ECX
    push ebx                    ;   45 INC EBP
    nop                         ;   4D DEC EBP
    nop                         ;   55 PUSH EBP
    pop eax
    pop edx
    ret
d2:                             ; ESI: the descriptor address, byte-swapped
    mov dx, 0x518
    mov eax, esi
    out dx, eax                 ; the device writes now
    xor eax, eax
    cpuid                       ; serializing: the new bytes must run
d2_target:
    push ebx
    push ebx
    nop
    nop
    pop eax
    pop edx
    ret

    align 4096
d3:                             ; the floppy's first sector replaces these 512 bytes
    mov eax, 0x0BAD0BAD
    ret
    times 512 - ($ - d3) db 0xCC

END_IMAGE
