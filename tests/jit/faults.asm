; faults.asm — precise exceptions at every position inside one block.
;
; The JIT keeps EIP, the instruction count and the flags of inline
; instructions pending and emits memory accesses inline with the
; interpreter's handler as the slow path; an exception in the middle of a
; translated block must still look exactly as on hardware: the saved EIP
; is the faulting instruction, every register, EFLAGS and memory hold the
; results of the instructions before it and nothing of it or after it,
; and the error code and CR2 describe the access. The same straight-line
; block (register ALU, loads, stores, PUSH/POP, ALU with memory, LEA,
; MOVZX, TEST, SHL, DIV, CMP) runs at CPL 3 once per case,
; each case making another instruction fault (every one that can, at
; least once) through data only: a not-present or read-only page, a short
; FS limit, a zero divisor. The code never changes, so after the warm-up
; runs every case runs translated code. Then: faults in the Nth iteration
; of loops whose block jumps to itself (which the JIT may chain), a store
; split across a page boundary, and a 16-bit real-mode block with #DE and
; #GP (REAL_PART).
;
; Expected values are derived by hand from the initial state below (SDM
; vol. 2 for the flags); the comments next to each state say how.

%define REAL_PART
%include "harness.inc"

D           equ 0x400000        ; data page k (D + k * 0x1000) belongs to instruction k
SEL_FS_OK   equ SEL_FREE | 3    ; DPL 3 data, base D + 0x7000, limit 0xFFF
SEL_FS_SHORT equ (SEL_FREE + 8) | 3  ; same base, limit 0xFF: [fs:0x100] is beyond it
CR2_MARK    equ 0xC2C2C2C2      ; CR2 before a run: only a #PF may change it

; ---- the state the block starts from (CPL 3, EFLAGS.CF = 1) ----------------------
I_EAX       equ 0x11111111
I_ECX       equ 0x7FFFFFFF
I_EDX       equ 0x22222222
I_EBX       equ 0x0F0F0F0F
I_ESP       equ D + 0x3000      ; PUSH writes the top dword of page 2
I_EBP       equ 0x44444444
I_ESI       equ D + 0x20
I_EDI       equ 0x55555555
I_FLAGS     equ 0x00000003
M0          equ 0x12345678      ; [D+0x0020]  loaded by i0
M1          equ 0xAAAAAAAA      ; [D+0x1020]  overwritten by i2
M2          equ 0xBBBBBBBB      ; [D+0x2FFC]  overwritten by i3 (PUSH)
M3          equ 0x7FFFFFF0      ; [D+0x3020]  i5 adds ECX to it
M4          equ 0x00000003      ; [D+0x4004]  popped by i7
M5          equ 0x9C            ; [D+0x5021]  zero-extended by i8
M6          equ 0x00000100      ; [D+0x6020]  subtracted by i9
M7          equ 0x12345679      ; [D+0x7100]  = [FS:0x100], loaded by i11
M8          equ 0x00000100      ; [D+0x8020]  the divisor of i12
M9          equ 0x7FFFFF87      ; [D+0x9020]  loaded by i14, equal to ECX then

; ---- what each instruction leaves ----------------------------------------------
; EFLAGS images: bit 1 is always set; CF 0x1, PF 0x4, AF 0x10, ZF 0x40,
; SF 0x80, OF 0x800.
EAX1        equ (M0 + I_EBX) & 0xFFFFFFFF       ; 0x21436587
FL1         equ 0x016   ; ADD: no carry out, AF (8+F), PF (0x87: 4 ones), no overflow
ESP3        equ I_ESP - 4
ECX4        equ (I_ECX + 1) & 0xFFFFFFFF        ; 0x80000000
FL4         equ 0x896   ; INC 7FFFFFFF: OF, SF, AF (F+1), PF (0x00); CF kept from i1 (0)
MEM3        equ (M3 + ECX4) & 0xFFFFFFFF        ; 0xFFFFFFF0
ESP6        equ ESP3 + 0x1008                   ; D + 0x4004: the pop reads page 4
FL6         equ 0x012   ; ADD ESP: AF (C+8), PF clear (0x04: 1 one)
ESP7        equ ESP6 + 4
EDX7        equ M4 * 5 + 2                      ; LEA: 0x11
FL8         equ 0x006   ; TEST 9C, 18 = 18: PF (2 ones), ZF = SF = CF = OF = 0; AF undefined
EBX9        equ I_EBX - M6                      ; 0x0F0F0E0F
EBP10       equ ((I_EBP ^ EAX1) << 6) & 0xFFFFFFFF  ; XOR gives 0x650721C3, SHL 6: 0x41C870C0
FL10        equ 0x007   ; SHL 6: CF (bit 26 of 650721C3), PF (0xC0: 2 ones); OF, AF undefined
DIVIDEND    equ (EDX7 << 32) | M7               ; EDX:EAX at i12
EAX12       equ DIVIDEND / M8                   ; 0x11123456
EDX12       equ DIVIDEND % M8                   ; 0x79
ECX13       equ ECX4 - EDX12                    ; 0x7FFFFF87
FL13        equ 0x816   ; SUB 80000000-79: OF, AF (0-9 borrows), PF (0x87: 4 ones)
FL15        equ 0x046   ; CMP equal: ZF, PF
%if M9 != ECX13
%error "M9 must equal ECX at i15"
%endif

FM          equ 0xFFFF          ; EFLAGS bits compared (RF, bit 16, is not)
FM_NOAF     equ 0xFFEF          ; after TEST, whose AF is undefined
FM_SHIFT    equ 0xF7EF          ; after a shift by more than 1: OF and AF undefined

; ---- the block --------------------------------------------------------------------
    align 4096                  ; one page, one block
blk:
i0:  mov eax, [esi]             ; page 0, read
i1:  add eax, ebx
i2:  mov [esi + 0x1000], eax    ; page 1, write
i3:  push eax                   ; page 2, write
i4:  inc ecx
i5:  add [esi + 0x3000], ecx    ; page 3, read-modify-write
i6:  add esp, 0x1008
i7:  pop edx                    ; page 4, read
     lea edx, [edx + edx * 4 + 2]
i8:  movzx edi, byte [esi + 0x5001]  ; page 5, read
     test edi, 0x18
i9:  sub ebx, [esi + 0x6000]    ; page 6, read
i10: xor ebp, eax
     shl ebp, 6
i11: db 0x64, 0x8B, 0x05         ; mov eax, [fs:0x100] in its ModRM form (not
     dd 0x100                   ; moffs): page 7 through FS, read
i12: div dword [esi + 0x8000]   ; page 8, read; #DE when it holds 0
i13: sub ecx, edx
i14: mov eax, [esi + 0x9000]    ; page 9, read; the flags of i13 are overwritten
i15: cmp eax, ecx               ;   right after it, yet must be exact if it faults
     int 0x80                   ; no fault: the run ends here
blk_end:
    align 4096                  ; nothing else on the block's page, so no store invalidates it

; ---- expected states ----------------------------------------------------------------
struc ST
.eax:   resd 1
.ecx:   resd 1
.edx:   resd 1
.ebx:   resd 1
.esp:   resd 1
.ebp:   resd 1
.esi:   resd 1
.edi:   resd 1
.fl:    resd 1
.fm:    resd 1
.m1:    resd 1                  ; [D+0x1020]
.m2:    resd 1                  ; [D+0x2FFC]
.m3:    resd 1                  ; [D+0x3020]
endstruc

; Sk: the state before instruction ik (S16: at the INT); mask: the EFLAGS
; bits compared; M1..M3: [D+0x1020], [D+0x2FFC], [D+0x3020].
;        EAX    ECX    EDX    EBX    ESP    EBP    ESI    EDI    EFLAGS   mask      M1    M2    M3
S0:  dd I_EAX, I_ECX, I_EDX, I_EBX, I_ESP, I_EBP, I_ESI, I_EDI, I_FLAGS, FM,       M1,   M2,   M3
S2:  dd EAX1,  I_ECX, I_EDX, I_EBX, I_ESP, I_EBP, I_ESI, I_EDI, FL1,     FM,       M1,   M2,   M3
S3:  dd EAX1,  I_ECX, I_EDX, I_EBX, I_ESP, I_EBP, I_ESI, I_EDI, FL1,     FM,       EAX1, M2,   M3
S5:  dd EAX1,  ECX4,  I_EDX, I_EBX, ESP3,  I_EBP, I_ESI, I_EDI, FL4,     FM,       EAX1, EAX1, M3
S7:  dd EAX1,  ECX4,  I_EDX, I_EBX, ESP6,  I_EBP, I_ESI, I_EDI, FL6,     FM,       EAX1, EAX1, MEM3
S8:  dd EAX1,  ECX4,  EDX7,  I_EBX, ESP7,  I_EBP, I_ESI, I_EDI, FL6,     FM,       EAX1, EAX1, MEM3
S9:  dd EAX1,  ECX4,  EDX7,  I_EBX, ESP7,  I_EBP, I_ESI, M5,    FL8,     FM_NOAF,  EAX1, EAX1, MEM3
S11: dd EAX1,  ECX4,  EDX7,  EBX9,  ESP7,  EBP10, I_ESI, M5,    FL10,    FM_SHIFT, EAX1, EAX1, MEM3
S12: dd M7,    ECX4,  EDX7,  EBX9,  ESP7,  EBP10, I_ESI, M5,    FL10,    FM_SHIFT, EAX1, EAX1, MEM3
S14: dd EAX12, ECX13, EDX12, EBX9,  ESP7,  EBP10, I_ESI, M5,    FL13,    FM,       EAX1, EAX1, MEM3
S16: dd M9,    ECX13, EDX12, EBX9,  ESP7,  EBP10, I_ESI, M5,    FL15,    FM,       EAX1, EAX1, MEM3

; ---- cases: what makes which instruction fault ----------------------------------
K_NONE      equ 0
K_NP        equ 1               ; page `arg` not present
K_RO        equ 2               ; page `arg` read-only
K_FS        equ 3               ; FS = SEL_FS_SHORT
K_DE        equ 4               ; the divisor is 0

struc CASE
.kind:  resd 1
.arg:   resd 1
.eip:   resd 1                  ; the saved EIP
.vec:   resd 1
.err:   resd 1
.cr2:   resd 1
.st:    resd 1                  ; the state the exception must see
.name:  resb 48
endstruc

%macro CASE_ROW 8
    dd %2, %3, %4, %5, %6, %7, %8
%%name: db %1, 0
    times CASE_size - ($ - %%name) - CASE.name db 0
%endmacro

; #PF error codes: P 1, W/R 2, U/S 4
cases:
    CASE_ROW "no fault (INT 0x80)", K_NONE, 0, blk_end, 0x80, 0, CR2_MARK, S16
    CASE_ROW "#PF at i0 (load)", K_NP, D, i0, 14, 4, D + 0x20, S0
    CASE_ROW "#PF at i2 (store)", K_NP, D + 0x1000, i2, 14, 6, D + 0x1020, S2
    CASE_ROW "#PF at i3 (push)", K_NP, D + 0x2000, i3, 14, 6, D + 0x2FFC, S3
    CASE_ROW "#PF at i5 (add to a read-only page)", K_RO, D + 0x3000, i5, 14, 7, D + 0x3020, S5
    CASE_ROW "#PF at i7 (pop)", K_NP, D + 0x4000, i7, 14, 4, D + 0x4004, S7
    CASE_ROW "#PF at i8 (movzx)", K_NP, D + 0x5000, i8, 14, 4, D + 0x5021, S8
    CASE_ROW "#PF at i9 (sub from memory)", K_NP, D + 0x6000, i9, 14, 4, D + 0x6020, S9
    CASE_ROW "#PF at i11 (load through FS)", K_NP, D + 0x7000, i11, 14, 4, D + 0x7100, S11
    CASE_ROW "#GP at i11 (FS limit)", K_FS, 0, i11, 13, 0, CR2_MARK, S11
    CASE_ROW "#PF at i12 (div operand)", K_NP, D + 0x8000, i12, 14, 4, D + 0x8020, S12
    CASE_ROW "#DE at i12 (divide by 0)", K_DE, 0, i12, 0, 0, CR2_MARK, S12
    CASE_ROW "#PF at i14 (load between flag writers)", K_NP, D + 0x9000, i14, 14, 4, D + 0x9020, S14
cases_end:

cur_case    equ FREE_RAM        ; (a store to the block's page would discard its translation)

test_main:
    call paging_on
    mov dword [GDT_RAM + SEL_FS_OK - 3], 0x70000FFF
    mov dword [GDT_RAM + SEL_FS_OK - 3 + 4], 0x0040F240
    mov dword [GDT_RAM + SEL_FS_SHORT - 3], 0x700000FF
    mov dword [GDT_RAM + SEL_FS_SHORT - 3 + 4], 0x0040F240
    ; The no-fault case three times: the block is translated after two runs.
    mov ebx, cases
    call run_case
    call run_case
    call run_case
    ; Every case, twice: the second pass runs code that already faulted.
    mov ecx, 2
.pass:
    push ecx
    mov ebx, cases
.case:
    call run_case
    add ebx, CASE_size
    cmp ebx, cases_end
    jb .case
    pop ecx
    loop .pass
    call loop_faults
    jmp real_checks

; data_reset: every data page present and writable, the initial memory.
data_reset:
    call data_map
    mov dword [D + 0x0020], M0
    mov dword [D + 0x1020], M1
    mov dword [D + 0x2FFC], M2
    mov dword [D + 0x3020], M3
    mov dword [D + 0x4004], M4
    mov byte [D + 0x5021], M5
    mov dword [D + 0x6020], M6
    mov dword [D + 0x7100], M7
    mov dword [D + 0x8020], M8
    mov dword [D + 0x9020], M9
    ret

; run_case: EBX -> CASE. Runs the block at CPL 3 and checks what the
; exception (or INT 0x80) saw. Keeps EBX.
run_case:
    mov [cur_case], ebx
    lea eax, [ebx + CASE.name]
    mov [cur_group], eax
    call data_reset
    mov eax, [ebx + CASE.arg]
    shr eax, 12
    mov ecx, [ebx + CASE.kind]
    cmp ecx, K_NP
    jne .not_np
    and dword [PT_RAM + eax * 4], ~PG_P
.not_np:
    cmp ecx, K_RO
    jne .not_ro
    and dword [PT_RAM + eax * 4], ~PG_RW
.not_ro:
    cmp ecx, K_DE
    jne .not_de
    mov dword [D + 0x8020], 0
.not_de:
    mov eax, cr3                ; flush the TLB
    mov cr3, eax
    mov eax, CR2_MARK
    mov cr2, eax
    mov ax, SEL_FS_OK
    cmp ecx, K_FS
    jne .fs
    mov ax, SEL_FS_SHORT
.fs:
    mov fs, ax
    mov ax, SEL_DATA3
    mov ds, ax
    mov es, ax
    mov gs, ax
    RECOVER .back
    push dword SEL_DATA3
    push dword I_ESP
    push dword I_FLAGS
    push dword SEL_CODE3
    push dword blk
    mov eax, I_EAX
    mov ecx, I_ECX
    mov edx, I_EDX
    mov ebx, I_EBX
    mov ebp, I_EBP
    mov esi, I_ESI
    mov edi, I_EDI
    iretd
.back:
    mov ax, SEL_DATA0
    mov ds, ax
    mov es, ax
    mov ebx, [cur_case]
    push ebx
    call data_map                ; to read what the run left in memory
    pop ebx
    mov esi, [ebx + CASE.st]
    CHECK [EXC_VEC], [ebx + CASE.vec], "vector"
    CHECK [EXC_ERR], [ebx + CASE.err], "error code"
    CHECK [EXC_EIP], [ebx + CASE.eip], "saved EIP"
    CHECK [EXC_CS], SEL_CODE3, "saved CS"
    CHECK [EXC_SS], SEL_DATA3, "saved SS"
    CHECK [EXC_CR2], [ebx + CASE.cr2], "CR2"
    CHECK [EXC_EAX], [esi + ST.eax], "EAX"
    CHECK [EXC_ECX], [esi + ST.ecx], "ECX"
    CHECK [EXC_EDX], [esi + ST.edx], "EDX"
    CHECK [EXC_EBX], [esi + ST.ebx], "EBX"
    CHECK [EXC_ESP], [esi + ST.esp], "ESP"
    CHECK [EXC_EBP], [esi + ST.ebp], "EBP"
    CHECK [EXC_ESI], [esi + ST.esi], "ESI"
    CHECK [EXC_EDI], [esi + ST.edi], "EDI"
    mov eax, [EXC_EFLAGS]
    and eax, [esi + ST.fm]
    mov edx, [esi + ST.fl]
    and edx, [esi + ST.fm]
    CHECK eax, edx, "EFLAGS"
    CHECK [D + 0x1020], [esi + ST.m1], "memory written by i2"
    CHECK [D + 0x2FFC], [esi + ST.m2], "memory written by i3 (push)"
    CHECK [D + 0x3020], [esi + ST.m3], "memory written by i5"
    ret

; data_map: the data pages present and writable again, memory untouched.
data_map:
    mov edi, PTE_OF(D)
    mov eax, D | PG_P | PG_RW | PG_US
    mov ecx, 12
.pte:
    stosd
    add eax, 0x1000
    loop .pte
    mov eax, cr3
    mov cr3, eax
    ret

; ---- loops that run as one block jumping to itself ----------------------------------
; The JIT may run such a block many times without returning to its
; dispatcher (chaining); an exception in the Nth iteration must still see
; exactly N - 1 iterations. At CPL 0, page D + 0xB000 not present. Also a
; store split across the boundary into that page: it must fault before
; writing anything, CR2 naming the first byte on the missing page.
loop_faults:
    call data_reset
    and dword [PTE_OF(D + 0xB000)], ~PG_P
    mov eax, cr3
    mov cr3, eax
    mov dword [D + 0xAFFC], 0x1234ABCD

    GROUP "#PF in iteration 17 of a loop block"
    mov esi, D + 0xB000 - 16 * 4
    xor ecx, ecx
    xor eax, eax
    RECOVER .r1
.l1: mov eax, [esi]
    add esi, 4
    inc ecx
    jmp .l1
.r1:
    CHECK [EXC_VEC], 14, "vector"
    CHECK [EXC_ERR], 0, "error code (read, not present, CPL 0)"
    CHECK [EXC_CR2], D + 0xB000, "CR2"
    CHECK [EXC_EIP], .l1, "saved EIP"
    CHECK [EXC_ECX], 16, "ECX: iterations before"
    CHECK [EXC_ESI], D + 0xB000, "ESI"
    CHECK [EXC_EAX], 0x1234ABCD, "EAX: the last dword loaded"
    mov eax, [EXC_EFLAGS]
    and eax, FM
    CHECK eax, 0x012, "EFLAGS: INC 15 -> 16 (AF, PF clear), CF 0 from ADD ESI"
    mov eax, esp
    CHECK [EXC_ESP], eax, "ESP"

    GROUP "#DE in iteration 11 of a loop block"
    mov ebx, 10
    xor edi, edi
    RECOVER .r2
.l2: mov edx, 0
    mov eax, 100
.div:
    div ebx                     ; EBX = 10, 9, ..., 1, then 0
    add edi, eax
    dec ebx
    jmp .l2
.r2:
    CHECK [EXC_VEC], 0, "vector"
    CHECK [EXC_EIP], .div, "saved EIP"
    CHECK [EXC_EBX], 0, "EBX"
    ; 100/10 + 100/9 + ... + 100/1 = 10+11+12+14+16+20+25+33+50+100
    CHECK [EXC_EDI], 291, "EDI: the sum of the quotients before"
    CHECK [EXC_EAX], 100, "EAX"
    CHECK [EXC_EDX], 0, "EDX"
    mov eax, [EXC_EFLAGS]
    and eax, FM
    CHECK eax, 0x046, "EFLAGS: DEC 1 -> 0 (ZF, PF), CF 0 from ADD EDI"

    GROUP "store split across a page boundary into a not-present page"
    mov eax, 0xAABBCCDD
    mov edx, D + 0xAFFE
    RECOVER .r3
.st: mov [edx], eax
.r3:
    CHECK [EXC_VEC], 14, "vector"
    CHECK [EXC_ERR], 2, "error code (write, not present, CPL 0)"
    CHECK [EXC_CR2], D + 0xB000, "CR2: the first byte on the missing page"
    CHECK [EXC_EIP], .st, "saved EIP"
    CHECK [D + 0xAFFC], 0x1234ABCD, "nothing written on the present page"
    call data_map
    ret

; ---- real mode ------------------------------------------------------------------------
; The same idea in 16-bit code (CS = 0x1000, DS = SS = 0): a block with two
; divisions and a load that can fault. Cases: none (INT 0x60 ends the
; block), #DE at rb3 (word divisor 0), #GP at rb5 (a word at DS:FFFF
; crosses the 64 KiB limit; BX = FFFF also changes rb1..rb4), #DE at rb7
; (quotient 400 does not fit a signed byte).
%define RM(x) ((x) - CODE_RAM)
RM_REC      equ 0x6800          ; one 32-byte record per case (survives until PM)
RM_REC_PTR  equ 0x67F0
RM_SAVED_SP equ 0x67F2
R_AX equ 0
R_BX equ 2
R_CX equ 4
R_DX equ 6
R_SI equ 8
R_DI equ 10
R_BP equ 12
R_SP equ 14
R_FL equ 16
R_IP equ 18
R_CS equ 20
R_VEC equ 22
R_STK equ 24                    ; [0x5FFE], written by rb2 (push)
R_MEM equ 26                    ; [0x5012], written by rb6
RM_SI       equ 0x5000          ; [SI] = RM0, [SI+4] = the byte divisor of rb7
RM_DI       equ 0x5010          ; [DI] = the word divisor of rb3, [DI+2] = RM_M
RM_BP       equ 0x7777          ; (unused by the block)
RM_BX       equ 0x5100          ; [BX] = 0xBEEF
RM0         equ 0x3F4B          ; [0x5000]
RM_M        equ 0x1111          ; [0x5012] before rb6
RM_STK      equ 0x2222          ; [0x5FFE] before rb2

            bits 16
    align 64
rblk:
rb0: mov ax, [si]
rb1: add ax, bx
rb2: push ax
rb3: div word [di]
rb4: sub cx, ax
rb5: mov dx, [bx]
rb6: mov [di + 2], dx
rb7: idiv byte [si + 4]
rb8: add bx, cx
rb9: int 0x60
rblk_end:

; rm_run: AL = case (0 none, 1 #DE at rb3, 2 #GP at rb5, 3 #DE at rb7);
; the record goes to RM_REC + 32 * case. Clobbers every register.
rm_run:
    movzx di, al
    shl di, 5
    add di, RM_REC
    mov [RM_REC_PTR], di
    mov word [RM_SI], RM0
    mov byte [RM_SI + 4], 4
    mov word [RM_DI], 0x0100
    mov word [RM_DI + 2], RM_M
    mov word [RM_BX], 0xBEEF
    mov word [0x5FFE], RM_STK
    mov bx, RM_BX
    cmp al, 1
    jne .a
    mov word [RM_DI], 0
.a: cmp al, 2
    jne .b
    mov bx, 0xFFFF
.b: cmp al, 3
    jne .c
    mov byte [RM_SI + 4], 1
.c: mov [RM_SAVED_SP], sp
    mov sp, 0x6000
    push word 0x0003            ; CF set: the block must overwrite it
    popf
    mov ax, 0x1234
    mov cx, 0x7FFF
    mov dx, 0x0001
    mov si, RM_SI
    mov di, RM_DI
    mov bp, RM_BP
    jmp rblk
.back:
    ret

rm_de: push word 0
    jmp rm_common
rm_gp: push word 13
    jmp rm_common
rm_end: push word 0x60
rm_common:                      ; stack: vector, IP, CS, FLAGS
    push di
    mov di, [RM_REC_PTR]
    mov [di + R_AX], ax
    mov [di + R_BX], bx
    mov [di + R_CX], cx
    mov [di + R_DX], dx
    mov [di + R_SI], si
    mov [di + R_BP], bp
    pop ax
    mov [di + R_DI], ax
    pop ax
    mov [di + R_VEC], ax
    pop ax
    mov [di + R_IP], ax
    pop ax
    mov [di + R_CS], ax
    pop ax
    mov [di + R_FL], ax
    mov [di + R_SP], sp
    mov ax, [0x5FFE]
    mov [di + R_STK], ax
    mov ax, [RM_DI + 2]
    mov [di + R_MEM], ax
    mov sp, [RM_SAVED_SP]
    jmp rm_run.back

real_part:
    mov word [0 * 4], RM(rm_de)
    mov word [0 * 4 + 2], CODE_RAM >> 4
    mov word [13 * 4], RM(rm_gp)
    mov word [13 * 4 + 2], CODE_RAM >> 4
    mov word [0x60 * 4], RM(rm_end)
    mov word [0x60 * 4 + 2], CODE_RAM >> 4
    mov cx, 3                   ; warm-up: no fault, three times
.warm:
    push cx
    mov al, 0
    call rm_run
    pop cx
    loop .warm
    mov cx, 0
.case:
    push cx
    mov al, cl
    call rm_run
    pop cx
    inc cx
    cmp cx, 4
    jb .case
    retf

            bits 32
; Expected records. rb1..rb4 with BX = 5100: 3F4B + 5100 = 904B (OF, SF, PF:
; 4B has 4 ones); 1_904B / 100 = 190 rem 4B; 7FFF - 190 = 7E6F (PF: 6F has
; 6 ones). rb7: 190 / 4 = 64 rem 0. rb8: 5100 + 7E6F = CF6F (OF, SF, PF).
; With BX = FFFF: 3F4B + FFFF = 1_3F4A (CF, AF: B+F; 4A has 3 ones);
; 1_3F4A / 100 = 13F rem 4A; 7FFF - 13F = 7EC0 (PF: C0 has 2 ones).
; SI, DI, BP (RM_SI, RM_DI, RM_BP) and SP (5FFE, after the push) stay.
;       AX      BX      CX      DX      FLAGS   IP            vector [5FFE]  [5012]
rm_exp:
    dd  0x0064, 0xCF6F, 0x7E6F, 0xBEEF, 0x0886, RM(rblk_end), 0x60,  0x904B, 0xBEEF
    dd  0x904B, RM_BX,  0x7FFF, 0x0001, 0x0886, RM(rb3),      0,     0x904B, RM_M
    dd  0x013F, 0xFFFF, 0x7EC0, 0x004A, 0x0006, RM(rb5),      13,    0x3F4A, RM_M
    dd  0x0190, RM_BX,  0x7E6F, 0xBEEF, 0x0006, RM(rb7),      0,     0x904B, 0xBEEF
rm_names:
    dd .n0, .n1, .n2, .n3
.n0: db "real mode: no fault (INT 0x60)", 0
.n1: db "real mode: #DE at rb3 (divide by 0)", 0
.n2: db "real mode: #GP at rb5 (word at DS:FFFF)", 0
.n3: db "real mode: #DE at rb7 (quotient overflow)", 0

; CHECK_RM field, expected, "what" — a record's word
%macro CHECK_RM 3
    movzx eax, word [esi + %1]
    CHECK eax, %2, %3
%endmacro

real_checks:
    xor ebx, ebx
.case:
    mov eax, [rm_names + ebx * 4]
    mov [cur_group], eax
    mov esi, ebx
    shl esi, 5
    add esi, RM_REC
    imul edi, ebx, 9 * 4
    add edi, rm_exp
    CHECK_RM R_VEC, [edi + 6 * 4], "vector"
    CHECK_RM R_IP, [edi + 5 * 4], "saved IP"
    CHECK_RM R_CS, CODE_RAM >> 4, "saved CS"
    CHECK_RM R_AX, [edi], "AX"
    CHECK_RM R_BX, [edi + 4], "BX"
    CHECK_RM R_CX, [edi + 2 * 4], "CX"
    CHECK_RM R_DX, [edi + 3 * 4], "DX"
    CHECK_RM R_SI, RM_SI, "SI"
    CHECK_RM R_DI, RM_DI, "DI"
    CHECK_RM R_BP, RM_BP, "BP"
    CHECK_RM R_SP, 0x5FFE, "SP"
    CHECK_RM R_FL, [edi + 4 * 4], "FLAGS"
    CHECK_RM R_STK, [edi + 7 * 4], "memory written by rb2 (push)"
    CHECK_RM R_MEM, [edi + 8 * 4], "memory written by rb6"
    inc ebx
    cmp ebx, 4
    jb .case
    ret

END_IMAGE
