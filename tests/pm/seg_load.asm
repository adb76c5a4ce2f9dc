; seg_load.asm — protected-mode segment register loads, descriptor checks,
; limits and the segment/system-table instructions, against the Intel SDM
; vol. 3 (chapters 3 and 5) and the instruction pages of vol. 2 (MOV, LAR,
; LSL, VERR/VERW, ARPL, LLDT, SGDT/SIDT/SLDT/STR/SMSW, MOV CRn).
%include "lib.inc"

; test descriptors (GDT)
D_NP     equ 0x80       ; data RW, DPL 0, not present
C_XO     equ 0x88       ; code execute-only, DPL 0
C_XR     equ 0x90       ; code execute/read, DPL 0
D_RO     equ 0x98       ; data read-only, DPL 0
D_ACC    equ 0xA0       ; data RW, DPL 0, accessed bit clear, never loaded
D_BASE   equ 0xA8       ; data RW base 0x100000 limit 0xFFF (byte granular)
D_ED32   equ 0xB0       ; expand-down RW base 0x200000 limit 0xFFF, B=1
D_ED16   equ 0xB8       ; expand-down RW base 0x200000 limit 0xFFF, B=0
D_G1     equ 0xC0       ; data RW base 0x300000 limit 0 G=1 (0xFFF)
D_G1B    equ 0xC8       ; data RW limit 0x12 G=1 (0x12FFF), never loaded
D_SNP    equ 0xD0       ; data RW DPL 0, not present (for SS)
C_CONF   equ 0xD8       ; conforming code execute/read, DPL 0
C_CONFXO equ 0xE0       ; conforming code execute-only, DPL 0
G_CALL   equ 0xE8       ; 32-bit call gate DPL 3, offset 0
G_INT    equ 0xF0       ; interrupt gate (not valid for LAR)
D_DPL1   equ 0xF8       ; data RW DPL 1
D_AVL    equ 0x100      ; data RW G D AVL, never loaded (LAR value)
C_NP     equ 0x108      ; code, not present
S_LIM    equ 0x110      ; data RW DPL 0 base 0x200000 limit 0xFFF
S3_LIM   equ 0x118      ; data RW DPL 3 base 0x200000 limit 0xFFF
S3_ED    equ 0x120      ; expand-down RW DPL 3 base 0x200000 limit 0xFFF, B=1
LDT_SMALL equ 0x128     ; LDT at LDT_BASE, limit 0x0F (two entries)
D_DPL3   equ 0x130      ; data RW DPL 3 flat
; LDT descriptors
L_DATA   equ 0x0C       ; LDT index 1, TI=1: data RW base 0x400000 limit 0xFFFF
L_BEYOND equ 0x14       ; LDT index 2: beyond LDT_SMALL's limit

test_main:
    GDESC D_NP,   0, 0xFFFFF, 0x12, FL_G|FL_D
    GDESC C_XO,   0, 0xFFFFF, 0x98, FL_G|FL_D
    GDESC C_XR,   0, 0xFFFFF, 0x9A, FL_G|FL_D
    GDESC D_RO,   0, 0xFFFFF, 0x90, FL_G|FL_D
    GDESC D_ACC,  0, 0xFFFFF, 0x92, FL_G|FL_D
    GDESC D_BASE, 0x100000, 0xFFF, 0x92, FL_D
    GDESC D_ED32, 0x200000, 0xFFF, 0x96, FL_D
    GDESC D_ED16, 0x200000, 0xFFF, 0x96, 0
    GDESC D_G1,   0x300000, 0, 0x92, FL_G|FL_D
    GDESC D_G1B,  0, 0x12, 0x92, FL_G|FL_D
    GDESC D_SNP,  0, 0xFFFFF, 0x12, FL_G|FL_D
    GDESC C_CONF, 0, 0xFFFFF, 0x9E, FL_G|FL_D
    GDESC C_CONFXO, 0, 0xFFFFF, 0x9C, FL_G|FL_D
    mov dword [GDT_ENTRY(G_CALL)], SEL_CODE0 << 16      ; offset 0
    mov dword [GDT_ENTRY(G_CALL)+4], 0x0000EC00
    mov dword [GDT_ENTRY(G_INT)], SEL_CODE0 << 16
    mov dword [GDT_ENTRY(G_INT)+4], 0x00008E00
    GDESC D_DPL1, 0, 0xFFFFF, 0xB2, FL_G|FL_D
    GDESC D_AVL,  0, 0xFFFFF, 0x92, FL_G|FL_D|1
    GDESC C_NP,   0, 0xFFFFF, 0x1A, FL_G|FL_D
    GDESC S_LIM,  0x200000, 0xFFF, 0x92, FL_D
    GDESC S3_LIM, 0x200000, 0xFFF, 0xF2, FL_D
    GDESC S3_ED,  0x200000, 0xFFF, 0xF6, FL_D
    GDESC LDT_SMALL, LDT_BASE, 0x0F, 0x82, 0
    GDESC D_DPL3, 0, 0xFFFFF, 0xF2, FL_G|FL_D
    LDESC L_DATA, 0x400000, 0xFFFF, 0x92, FL_D

; ---------------------------------------------------------------- null selectors
    ; MOV DS: a null selector may be loaded into DS/ES/FS/GS without a fault.
    TEST "null selector into DS loads without fault"
    xor eax, eax
    mov ds, ax
    mov bx, ds
    movzx ebx, bx
    mov ax, SEL_DATA0
    mov ds, ax
    EXPECT_EQ ebx, 0, "DS after load"

    ; A memory reference through a null DS raises #GP(0).
    TEST "access through null ES -> #GP(0)"
    xor eax, eax
    mov es, ax
    FAULT 13, 0, mov eax, [es:0x1000]

    ; MOV SS: a null selector raises #GP(0).
    TEST "null selector into SS -> #GP(0)"
    xor eax, eax
    FAULT 13, 0, mov ss, ax

; ---------------------------------------------------------------- table limits
    ; A selector whose index is past the GDT limit: #GP(selector). The error
    ; code is the selector with bits 1:0 replaced by IDT=0, EXT=0.
    TEST "selector beyond GDT limit into DS -> #GP(sel)"
    mov ax, 0x800
    FAULT 13, 0x800, mov ds, ax
    TEST "selector beyond GDT limit with RPL 3 -> #GP(sel & ~3)"
    mov ax, 0x803
    FAULT 13, 0x800, mov fs, ax
    TEST "selector beyond GDT limit into SS -> #GP(sel)"
    mov ax, 0x800
    FAULT 13, 0x800, mov ss, ax
    ; The last descriptor inside the limit (0x7F8..0x7FF) is reachable:
    ; it is zero (a null descriptor in the table), so it is a type error.
    TEST "last descriptor within the GDT limit is read (#GP for type 0)"
    mov ax, 0x7F8
    FAULT 13, 0x7F8, mov gs, ax

; ---------------------------------------------------------------- present bit
    ; MOV DS/ES/FS/GS: segment not present -> #NP(selector)
    TEST "not-present data into DS -> #NP(sel)"
    mov ax, D_NP
    FAULT 11, D_NP, mov ds, ax
    TEST "not-present data into GS -> #NP(sel)"
    mov ax, D_NP
    FAULT 11, D_NP, mov gs, ax
    ; MOV SS: segment not present -> #SS(selector)
    TEST "not-present data into SS -> #SS(sel)"
    mov ax, D_SNP
    FAULT 12, D_SNP, mov ss, ax

; ---------------------------------------------------------------- type checks
    ; DS/ES/FS/GS accept data and readable code only.
    TEST "execute-only code into DS -> #GP(sel)"
    mov ax, C_XO
    FAULT 13, C_XO, mov ds, ax
    TEST "LDT descriptor into ES -> #GP(sel)"
    mov ax, SEL_LDT
    FAULT 13, SEL_LDT, mov es, ax
    TEST "TSS descriptor into FS -> #GP(sel)"
    mov ax, SEL_TSS
    FAULT 13, SEL_TSS, mov fs, ax
    TEST "call gate into GS -> #GP(sel)"
    mov ax, G_CALL
    FAULT 13, G_CALL, mov gs, ax

    ; Readable code may be loaded into ES and read through it ...
    TEST "readable code into ES, read through it"
    mov ax, C_XR
    mov es, ax
    mov eax, [es:known_value]
    mov bx, SEL_DATA0
    mov es, bx
    EXPECT_EQ eax, 0x12345678, "value read through ES"
    ; ... but code segments are never writable: #GP(0)
    TEST "write through a code segment in ES -> #GP(0)"
    mov ax, C_XR
    mov es, ax
    FAULT 13, 0, mov [es:DATA_AREA], eax
    ; a read-only data segment can be read but not written: #GP(0)
    TEST "read through read-only data segment"
    mov dword [DATA_AREA], 0xCAFE0001
    mov ax, D_RO
    mov es, ax
    mov eax, [es:DATA_AREA]
    EXPECT_EQ eax, 0xCAFE0001, "value read"
    TEST "MOVZX/MOVSX read through a read-only data segment"
    movzx eax, word [es:DATA_AREA]
    EXPECT_EQ eax, 0x0001, "movzx value"
    movsx eax, byte [es:DATA_AREA+3]
    EXPECT_EQ eax, 0xFFFFFFCA, "movsx value"
    TEST "write through read-only data segment -> #GP(0)"
    mov ax, D_RO
    mov es, ax
    FAULT 13, 0, mov [es:DATA_AREA], eax

    ; SS accepts only writable data segments: #GP(selector) otherwise.
    TEST "read-only data into SS -> #GP(sel)"
    mov ax, D_RO
    FAULT 13, D_RO, mov ss, ax
    TEST "readable code into SS -> #GP(sel)"
    mov ax, C_XR
    FAULT 13, C_XR, mov ss, ax

    ; Far JMP: the target must be a code segment (or gate/TSS).
    TEST "far JMP to a data segment -> #GP(sel)"
    FAULT 13, SEL_DATA0, jmp SEL_DATA0:0x1234
    TEST "far JMP to a null selector -> #GP(0)"
    FAULT 13, 0, jmp 0:0x1234
    TEST "far JMP to a not-present code segment -> #NP(sel)"
    FAULT 11, C_NP, jmp C_NP:0x1234
    TEST "far JMP to an execute-only code segment works"
    jmp C_XO:.xo_target
.xo_target:
    xor eax, eax
    mov ax, cs
    jmp SEL_CODE0:.back_flat
.back_flat:
    EXPECT_EQ eax, C_XO, "CS"

; ---------------------------------------------------------------- privilege
    ; Data loads: #GP(selector) if RPL > DPL or CPL > DPL.
    TEST "CPL 0, RPL 3 selector to DPL 0 data into DS -> #GP(sel)"
    mov ax, SEL_DATA0 | 3
    FAULT 13, SEL_DATA0, mov ds, ax
    TEST "CPL 0, RPL 3 selector to DPL 3 data into ES: ok"
    mov ax, D_DPL3 | 3
    mov es, ax
    xor ebx, ebx
    mov bx, es
    mov ax, SEL_DATA0
    mov es, ax
    EXPECT_EQ ebx, D_DPL3 | 3, "ES"
    TEST "CPL 0, RPL 2 selector to DPL 1 data into FS -> #GP(sel)"
    mov ax, D_DPL1 | 2
    FAULT 13, D_DPL1, mov fs, ax
    ; SS: RPL and DPL must both equal CPL.
    TEST "CPL 0: SS with RPL 3 (DPL 3 data) -> #GP(sel)"
    mov ax, D_DPL3 | 3
    FAULT 13, D_DPL3, mov ss, ax
    TEST "CPL 0: SS with RPL 0, DPL 3 data -> #GP(sel)"
    mov ax, D_DPL3
    FAULT 13, D_DPL3, mov ss, ax
    TEST "CPL 0: SS with RPL 0, DPL 1 data -> #GP(sel)"
    mov ax, D_DPL1 & ~3
    FAULT 13, D_DPL1 & ~3, mov ss, ax
    TEST "CPL 0: SS with RPL 1 (DPL 0 data) -> #GP(sel)"
    mov ax, SEL_DATA0 | 1
    FAULT 13, SEL_DATA0, mov ss, ax

    ; At CPL 3
    TEST "CPL 3: DPL 0 data into FS -> #GP(sel)"
    RING3
    mov ax, SEL_DATA0
    FAULT3 13, SEL_DATA0, mov fs, ax
    TEST "CPL 3: non-conforming readable code (DPL 0) into ES -> #GP(sel)"
    RING3
    mov ax, C_XR | 3
    FAULT3 13, C_XR, mov es, ax
    TEST "CPL 3: conforming readable code (DPL 0) into ES: no privilege check"
    RING3
    mov ax, C_CONF | 3
    mov es, ax
    mov ebx, [es:known_value]
    xor ecx, ecx
    mov cx, es
    RING0
    EXPECT_EQ [EXC_VEC], 0x30, "vector (no fault before INT 0x30)"
    EXPECT_EQ [EXC_EBX], 0x12345678, "value read through ES"
    EXPECT_EQ [EXC_ECX], C_CONF | 3, "ES"
    TEST "CPL 3: SS with RPL 0 (DPL 3 data) -> #GP(sel)"
    RING3
    mov ax, D_DPL3
    FAULT3 13, D_DPL3, mov ss, ax
    TEST "CPL 3: SS with DPL 1 data, RPL 3 -> #GP(sel)"
    RING3
    mov ax, D_DPL1 | 3
    FAULT3 13, D_DPL1, mov ss, ax
    TEST "CPL 3: privileged instructions -> #GP(0): MOV CR0"
    RING3
    FAULT3 13, 0, mov eax, cr0
    TEST "CPL 3: LGDT -> #GP(0)"
    RING3
    FAULT3 13, 0, lgdt [gdtr_ram]
    TEST "CPL 3: LLDT -> #GP(0)"
    RING3
    xor eax, eax
    FAULT3 13, 0, lldt ax
    TEST "CPL 3: exception frame has the ring-3 SS:ESP and CS"
    EXPECT_EQ [EXC_CS], SEL_CODE3, "pushed CS"
    EXPECT_EQ [EXC_SS], SEL_DATA3, "pushed SS"
    EXPECT_EQ [EXC_ESP], STACK3_TOP, "pushed ESP"
    EXPECT_EQ [EXC_HSS], SEL_DATA0, "handler SS (TSS.SS0)"
    EXPECT_EQ [EXC_HESP], ESP0_TOP - 20, "handler ESP (TSS.ESP0 - 5 dwords)"

; ---------------------------------------------------------------- accessed bit
    ; Loading a segment register sets the accessed bit of its descriptor.
    TEST "accessed bit clear before the load"
    movzx eax, byte [GDT_ENTRY(D_ACC)+5]
    EXPECT_EQ eax, 0x92, "access byte"
    TEST "accessed bit set in the GDT by MOV ES"
    mov ax, D_ACC
    mov es, ax
    movzx eax, byte [GDT_ENTRY(D_ACC)+5]
    mov bx, SEL_DATA0
    mov es, bx
    EXPECT_EQ eax, 0x93, "access byte"

; ---------------------------------------------------------------- LDT
    TEST "LLDT, then a TI=1 selector loads from the LDT"
    mov ax, SEL_LDT
    lldt ax
    mov dword [0x400010], 0
    mov ax, L_DATA
    mov es, ax
    mov dword [es:0x10], 0xABCD0123
    mov eax, [0x400010]
    EXPECT_EQ eax, 0xABCD0123, "value at LDT segment base + 0x10"
    movzx eax, byte [LDT_ENTRY(L_DATA)+5]
    EXPECT_EQ eax, 0x93, "LDT descriptor accessed bit"
    xor eax, eax
    sldt ax
    EXPECT_EQ eax, SEL_LDT, "SLDT"
    mov ax, SEL_DATA0
    mov es, ax

    TEST "LDT selector beyond the LDT limit -> #GP(sel) with TI"
    mov ax, LDT_SMALL
    lldt ax
    mov ax, L_BEYOND
    FAULT 13, L_BEYOND, mov es, ax
    TEST "LDT selector within LDT_SMALL's limit still loads"
    mov ax, L_DATA
    mov fs, ax
    mov ax, SEL_DATA0
    mov fs, ax

    ; LLDT accepts only LDT descriptors in the GDT.
    TEST "LLDT with a data segment -> #GP(sel)"
    mov ax, SEL_DATA0
    FAULT 13, SEL_DATA0, lldt ax
    TEST "LLDT with a TI=1 selector -> #GP(sel)"
    mov ax, SEL_LDT | 4
    FAULT 13, SEL_LDT | 4, lldt ax
    ; LLDT 0 marks the LDTR invalid; TI=1 references then raise #GP.
    TEST "after LLDT 0, a TI=1 selector -> #GP"
    xor eax, eax
    lldt ax
    mov ax, L_DATA
    FAULT 13, NOERR, mov es, ax

; ---------------------------------------------------------------- hidden cache
    ; The descriptor cache keeps the old base until the register is reloaded.
    TEST "segment cache keeps old base until reload"
    GDESC D_BASE, 0x100000, 0xFFF, 0x92, FL_D
    mov dword [0x100000], 0x11111111
    mov dword [0x110000], 0x22222222
    mov ax, D_BASE
    mov fs, ax
    GDESC D_BASE, 0x110000, 0xFFF, 0x92, FL_D
    mov eax, [fs:0]
    EXPECT_EQ eax, 0x11111111, "read before reload"
    mov ax, D_BASE
    mov fs, ax
    mov eax, [fs:0]
    EXPECT_EQ eax, 0x22222222, "read after reload"
    GDESC D_BASE, 0x100000, 0xFFF, 0x92, FL_D
    mov ax, SEL_DATA0
    mov fs, ax

; ---------------------------------------------------------------- limits
    ; Byte-granular limit 0xFFF: offsets 0..0xFFF; every byte of the access
    ; must be within the limit, else #GP(0) for DS/ES/FS/GS.
    TEST "limit 0xFFF: byte at 0xFFF and dword at 0xFFC are within"
    mov ax, D_BASE
    mov es, ax
    mov byte [es:0xFFF], 0x5A
    mov dword [es:0xFFC], 0x5A010203
    mov eax, [0x100FFC]
    EXPECT_EQ eax, 0x5A010203, "memory at base + 0xFFC"
    TEST "limit 0xFFF: word at 0xFFF -> #GP(0)"
    FAULT 13, 0, mov ax, [es:0xFFF]
    TEST "limit 0xFFF: dword at 0xFFD -> #GP(0)"
    mov ax, D_BASE
    mov es, ax
    FAULT 13, 0, mov eax, [es:0xFFD]
    TEST "limit 0xFFF: byte at 0x1000 -> #GP(0)"
    mov ax, D_BASE
    mov gs, ax
    FAULT 13, 0, mov byte [gs:0x1000], 1

    ; G=1: the limit is scaled, limit 0 means offsets 0..0xFFF.
    TEST "G=1 limit 0: dword at 0xFFC ok"
    mov dword [0x300FFC], 0x600DF00D
    mov ax, D_G1
    mov es, ax
    mov eax, [es:0xFFC]
    EXPECT_EQ eax, 0x600DF00D, "value"
    TEST "G=1 limit 0: dword at 0xFFD -> #GP(0)"
    FAULT 13, 0, mov eax, [es:0xFFD]
    TEST "G=1 limit 0: byte at 0x1000 -> #GP(0)"
    mov ax, D_G1
    mov es, ax
    FAULT 13, 0, mov al, [es:0x1000]

    ; Expand-down, B=1: valid offsets are limit+1 .. 0xFFFFFFFF.
    TEST "expand-down B=1: offset limit+1 is valid"
    mov ax, D_ED32
    mov es, ax
    mov dword [es:0x1000], 0xED320001
    mov eax, [0x201000]
    EXPECT_EQ eax, 0xED320001, "memory at base + 0x1000"
    TEST "expand-down B=1: dword at 0xFFFFFFFC is valid"
    mov dword [es:0xFFFFFFFC], 0xED320002
    mov eax, [0x1FFFFC]                     ; base + offset wraps at 4 GiB
    EXPECT_EQ eax, 0xED320002, "memory at base - 4"
    TEST "expand-down B=1: byte at the limit -> #GP(0)"
    FAULT 13, 0, mov al, [es:0xFFF]
    TEST "expand-down B=1: offset 0 -> #GP(0)"
    mov ax, D_ED32
    mov es, ax
    FAULT 13, 0, mov al, [es:0]
    TEST "expand-down B=1: dword at 0xFFE straddling the limit -> #GP(0)"
    mov ax, D_ED32
    mov es, ax
    FAULT 13, 0, mov eax, [es:0xFFE]

    ; Expand-down, B=0: valid offsets are limit+1 .. 0xFFFF.
    TEST "expand-down B=0: dword at 0xFFFC is valid"
    mov ax, D_ED16
    mov es, ax
    mov dword [es:0xFFFC], 0xED160001
    mov eax, [0x20FFFC]
    EXPECT_EQ eax, 0xED160001, "memory at base + 0xFFFC"
    TEST "expand-down B=0: dword at 0xFFFE crossing 0xFFFF -> #GP(0)"
    FAULT 13, 0, mov eax, [es:0xFFFE]
    TEST "expand-down B=0: byte at 0x10000 -> #GP(0)"
    mov ax, D_ED16
    mov es, ax
    FAULT 13, 0, mov al, [es:0x10000]
    TEST "expand-down B=0: byte at the limit -> #GP(0)"
    mov ax, D_ED16
    mov es, ax
    FAULT 13, 0, mov al, [es:0xFFF]
    mov ax, SEL_DATA0
    mov es, ax

    ; Stack segment limits: #SS(0). Memory references through SS at CPL 0
    ; (the exception frame still fits on the stack).
    TEST "SS limit 0xFFF: [ebp+0x1000] -> #SS(0)"
    EXPECT_EXC .ss_rec
    mov ax, S_LIM
    mov ss, ax
    mov esp, 0x800
    mov ebp, 0x1000
.ss_at:
    mov eax, [ebp]
    NO_FAULT 12
.ss_rec:
    EXPECT_FAULT 12, 0, .ss_at
    TEST "SS limit 0xFFF: [ebp+0xFFC] readable"
    mov dword [0x200FFC], 0x55AA55AA
    mov ebx, esp
    mov ax, S_LIM
    mov ss, ax
    mov esp, 0x800
    mov ebp, 0xFFC
    mov eax, [ebp]
    mov cx, SEL_DATA0
    mov ss, cx
    mov esp, ebx
    EXPECT_EQ eax, 0x55AA55AA, "value read through SS"

    ; Pushes that leave the stack segment: #SS(0). Done at CPL 3 so the
    ; exception is delivered on the ring-0 stack from the TSS.
    TEST "CPL 3: PUSH below offset 0 of a limit-0xFFF stack -> #SS(0)"
    RING3
    mov ax, S3_LIM | 3
    mov ss, ax
    mov esp, 2
    FAULT3 12, 0, push eax
    EXPECT_EQ [EXC_ESP], 2, "pushed ESP (unchanged by the faulting push)"
    EXPECT_EQ [EXC_SS], S3_LIM | 3, "pushed SS"
    TEST "CPL 3: PUSH straddling the limit -> #SS(0)"
    RING3
    mov ax, S3_LIM | 3
    mov ss, ax
    mov esp, 0x1002
    FAULT3 12, 0, push eax
    TEST "CPL 3: expand-down stack: push at limit+1 ok, below it -> #SS(0)"
    RING3
    mov ax, S3_ED | 3
    mov ss, ax
    mov esp, 0x1004
    mov eax, 0xED5ED5ED
    push eax
    FAULT3 12, 0, push eax
    EXPECT_EQ [EXC_ESP], 0x1000, "pushed ESP"
    mov eax, [0x201000]
    EXPECT_EQ eax, 0xED5ED5ED, "first push at base + 0x1000"
    TEST "CPL 3: expand-down B=1 stack: push at ESP=0 wraps to 0xFFFFFFFC"
    RING3
    mov ax, S3_ED | 3
    mov ss, ax
    xor esp, esp
    mov eax, 0xED5E0000
    push eax
    mov ebx, esp
    mov ax, SEL_DATA3
    mov ss, ax
    mov esp, STACK3_TOP
    RING0
    EXPECT_EQ [EXC_EBX], 0xFFFFFFFC, "ESP after push"
    mov eax, [0x1FFFFC]
    EXPECT_EQ eax, 0xED5E0000, "value at base - 4"

; ---------------------------------------------------------------- LAR
    ; LAR: ZF=1 and dest = second descriptor dword AND 00FxFF00H (bits
    ; 19:16 undefined, masked out here) for code/data segments, LDT, TSS,
    ; call and task gates whose DPL passes the CPL/RPL check (conforming
    ; code: no check). Otherwise ZF=0 and the destination is unchanged.
%macro LAR_CASE 3       ; selector, expected ZF, expected value (masked)
    mov ax, %1
    mov ecx, 0xAAAAAAAA
    lar ecx, ax
    ZF_TO ebx
    EXPECT_EQ ebx, %2, "ZF"
%if %2
    and ecx, 0x00F0FF00
%endif
    EXPECT_EQ ecx, %3, "destination"
%endmacro
    TEST "LAR of a never-loaded data segment with G, D, AVL"
    LAR_CASE D_AVL, 1, 0x00D09200
    TEST "LAR of the loaded flat data segment (accessed)"
    LAR_CASE SEL_DATA0, 1, 0x00C09300
    TEST "LAR of a 16-bit code segment"
    LAR_CASE SEL_CODE16, 1, 0x00009A00
    TEST "LAR of the busy TSS"
    LAR_CASE SEL_TSS, 1, 0x00008B00
    TEST "LAR of the LDT descriptor"
    LAR_CASE SEL_LDT, 1, 0x00008200
    TEST "LAR of a call gate"
    LAR_CASE G_CALL, 1, 0x0000EC00
    TEST "LAR of an interrupt gate in the GDT: ZF=0"
    LAR_CASE G_INT, 0, 0xAAAAAAAA
    TEST "LAR of the null selector: ZF=0"
    LAR_CASE 0, 0, 0xAAAAAAAA
    TEST "LAR beyond the GDT limit: ZF=0, no fault"
    LAR_CASE 0x1000, 0, 0xAAAAAAAA
    TEST "LAR with RPL 3 of DPL 0 data: ZF=0"
    LAR_CASE SEL_DATA0 | 3, 0, 0xAAAAAAAA
    TEST "LAR with RPL 3 of DPL 0 conforming code (accessed): ZF=1"
    LAR_CASE C_CONF | 3, 1, 0x00C09F00

; ---------------------------------------------------------------- LSL
%macro LSL_CASE 3       ; selector, expected ZF, expected value
    mov ax, %1
    mov ecx, 0xAAAAAAAA
    lsl ecx, ax
    ZF_TO ebx
    EXPECT_EQ ebx, %2, "ZF"
    EXPECT_EQ ecx, %3, "destination"
%endmacro
    ; LSL: the byte-granular limit (scaled when G=1).
    TEST "LSL of a G=1 limit 0x12 segment -> 0x12FFF"
    LSL_CASE D_G1B, 1, 0x12FFF
    TEST "LSL of the flat data segment -> 0xFFFFFFFF"
    LSL_CASE SEL_DATA0, 1, 0xFFFFFFFF
    TEST "LSL of an expand-down segment returns the raw limit"
    LSL_CASE D_ED32, 1, 0xFFF
    TEST "LSL of the TSS -> 0x67"
    LSL_CASE SEL_TSS, 1, 0x67
    TEST "LSL of the LDT descriptor"
    LSL_CASE SEL_LDT, 1, LDT_LIMIT
    TEST "LSL of a call gate: ZF=0"
    LSL_CASE G_CALL, 0, 0xAAAAAAAA
    TEST "LSL with RPL 3 of DPL 0 data: ZF=0"
    LSL_CASE SEL_DATA0 | 3, 0, 0xAAAAAAAA

; ---------------------------------------------------------------- VERR/VERW
%macro VER_CASE 3       ; verr|verw, selector, expected ZF
    mov ax, %2
    %1 ax
    ZF_TO ebx
    EXPECT_EQ ebx, %3, "ZF"
%endmacro
    ; VERR: ZF=1 for readable data/code the CPL and RPL may access.
    TEST "VERR of flat data: ZF=1"
    VER_CASE verr, SEL_DATA0, 1
    TEST "VERR of readable code: ZF=1"
    VER_CASE verr, C_XR, 1
    TEST "VERR of execute-only code: ZF=0"
    VER_CASE verr, C_XO, 0
    TEST "VERR of the null selector: ZF=0"
    VER_CASE verr, 0, 0
    TEST "VERR of a system descriptor (TSS): ZF=0"
    VER_CASE verr, SEL_TSS, 0
    TEST "VERR with RPL 3 of DPL 0 data: ZF=0"
    VER_CASE verr, SEL_DATA0 | 3, 0
    TEST "VERR with RPL 3 of DPL 0 conforming readable code: ZF=1"
    VER_CASE verr, C_CONF | 3, 1
    ; VERW: ZF=1 only for writable data segments.
    TEST "VERW of flat data: ZF=1"
    VER_CASE verw, SEL_DATA0, 1
    TEST "VERW of read-only data: ZF=0"
    VER_CASE verw, D_RO, 0
    TEST "VERW of readable code: ZF=0"
    VER_CASE verw, C_XR, 0
    TEST "VERW with RPL 3 of DPL 0 data: ZF=0"
    VER_CASE verw, SEL_DATA0 | 3, 0

; ---------------------------------------------------------------- ARPL
    ; ARPL dest, src: if dest.RPL < src.RPL, dest.RPL = src.RPL and ZF=1.
    TEST "ARPL raises the RPL"
    mov dx, 0x0010
    mov ax, 0x0003
    arpl dx, ax
    ZF_TO ebx
    movzx edx, dx
    EXPECT_EQ ebx, 1, "ZF"
    EXPECT_EQ edx, 0x0013, "destination"
    TEST "ARPL keeps a higher RPL"
    mov dx, 0x0012
    mov ax, 0xFFF9
    arpl dx, ax
    ZF_TO ebx
    movzx edx, dx
    EXPECT_EQ ebx, 0, "ZF"
    EXPECT_EQ edx, 0x0012, "destination"

; ---------------------------------------------------------------- table registers
    TEST "SGDT stores limit and 32-bit base"
    sgdt [TVAR]
    movzx eax, word [TVAR]
    EXPECT_EQ eax, GDT_LIMIT, "limit"
    EXPECT_EQ [TVAR+2], GDT_BASE, "base"
    TEST "SIDT stores limit and 32-bit base"
    sidt [TVAR]
    movzx eax, word [TVAR]
    EXPECT_EQ eax, IDT_LIMIT, "limit"
    EXPECT_EQ [TVAR+2], IDT_BASE, "base"
    TEST "SLDT after LLDT 0 stores 0"
    mov eax, 0xFFFF
    sldt ax
    EXPECT_EQ eax, 0, "SLDT"
    TEST "STR stores the TR selector"
    mov word [TVAR], 0xFFFF
    str [TVAR]
    movzx eax, word [TVAR]
    EXPECT_EQ eax, SEL_TSS, "STR"
    TEST "SGDT works at CPL 3"
    RING3
    sgdt [TVAR+0x10]
    RING0
    EXPECT_EQ [EXC_VEC], 0x30, "vector (no fault before INT 0x30)"
    EXPECT_EQ [TVAR+0x12], GDT_BASE, "base"

    ; CR0 after reset is 60000010H (CD, NW, ET); start-up set PE.
    TEST "CR0 = 60000011H after setting PE"
    mov eax, cr0
    EXPECT_EQ eax, 0x60000011, "CR0"
    TEST "SMSW returns CR0[15:0]"
    mov word [TVAR], 0xFFFF
    smsw [TVAR]
    movzx eax, word [TVAR]
    EXPECT_EQ eax, 0x0011, "SMSW"
    TEST "MOV CR0 round trip (MP, TS set and cleared)"
    mov eax, cr0
    or eax, 0x0000000A
    mov cr0, eax
    mov ebx, cr0
    xor ax, ax
    smsw ax
    movzx ecx, ax
    EXPECT_EQ ebx, 0x6000001B, "CR0 with MP and TS"
    EXPECT_EQ ecx, 0x001B, "SMSW with MP and TS"
    clts
    mov ebx, cr0
    EXPECT_EQ ebx, 0x60000013, "CR0 after CLTS"
    mov eax, 0x60000011
    mov cr0, eax
    mov ebx, cr0
    EXPECT_EQ ebx, 0x60000011, "CR0 restored"
    TEST "LMSW cannot clear PE"
    xor eax, eax
    lmsw ax
    mov ebx, cr0
    EXPECT_EQ ebx, 0x60000011, "CR0 after LMSW 0"

    PASS

known_value: dd 0x12345678

END_IMAGE
