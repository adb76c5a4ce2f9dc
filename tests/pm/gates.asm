; gates.asm — control transfers between privilege levels, against the Intel
; SDM vol. 3 chapter 5 (5.8 privilege level checking when transferring
; program control, call gates, stack switching, returns) and chapter 6
; (interrupt and trap gates, error codes, #DF), plus the CALL, JMP, RET,
; IRET, INT n, POPF, CLI/STI, IN/OUT pages of vol. 2.
%include "lib.inc"

C_CONF0  equ 0x80       ; conforming code execute/read, DPL 0, flat
C_CONF3  equ 0x88       ; conforming code execute/read, DPL 3, flat
G32      equ 0x90       ; 32-bit call gate, DPL 3 -> SEL_CODE0:gate32_target, 2 params
G16      equ 0x98       ; 16-bit call gate, DPL 3 -> SEL_CODEF0:gate16_target, 2 params
G_DPL0   equ 0xA0       ; 32-bit call gate, DPL 0 -> SEL_CODE0:gate32_target
G_R1     equ 0xA8       ; 32-bit call gate, DPL 3 -> SEL_CODE1:ring1_target
C_NP     equ 0xB0       ; code, not present
C3_F0    equ 0xB8       ; 32-bit code, DPL 3, base 0xF0000 limit 0xFFFF
D_NP1    equ 0xC0       ; data RW, DPL 1, not present
STACK16  equ 0xF000     ; a ring-3 stack below 64 KiB for the 16-bit gate

V_INT3   equ 0x40       ; 32-bit interrupt gate, DPL 3 (lib stub)
V_TRAP3  equ 0x41       ; 32-bit trap gate, DPL 3 (lib stub)
V_IRET   equ 0x42       ; 32-bit interrupt gate, DPL 3 -> iret_handler
V_DPL0   equ 0x43       ; 32-bit interrupt gate, DPL 0 (lib stub)
V_NP     equ 0x44       ; 32-bit interrupt gate, DPL 3, not present

test_main:
    GDESC C_CONF0, 0, 0xFFFFF, 0x9E, FL_G|FL_D
    GDESC C_CONF3, 0, 0xFFFFF, 0xFE, FL_G|FL_D
    GATE GDT_ENTRY(G32), SEL_CODE0, gate32_target, 0xEC02
    GATE GDT_ENTRY(G16), SEL_CODEF0, gate16_target - ORG_BASE, 0xE402
    GATE GDT_ENTRY(G_DPL0), SEL_CODE0, gate32_target, 0x8C00
    GATE GDT_ENTRY(G_R1), SEL_CODE1, ring1_target, 0xEC00
    GDESC C_NP, 0, 0xFFFFF, 0x1A, FL_G|FL_D
    GDESC C3_F0, ORG_BASE, 0xFFFF, 0xFA, FL_D
    GDESC D_NP1, 0, 0xFFFFF, 0x32, FL_G|FL_D
    mov word [IDT_ENTRY(V_INT3)+4], INTGATE3
    mov word [IDT_ENTRY(V_TRAP3)+4], TRAPGATE3
    IDTGATE V_IRET, SEL_CODE0, iret_handler, INTGATE3
    mov word [IDT_ENTRY(V_NP)+4], INTGATE3 & 0x7FFF
    mov word [IDT_ENTRY(0x31)+4], INTGATE3     ; ring1_target's way out

; ---------------------------------------------------------------- IRET to ring 3
    ; IRET to an outer level pops SS:ESP and nulls DS/ES/FS/GS when they
    ; hold data or non-conforming code segments with DPL < new CPL;
    ; conforming code segments are kept.
    TEST "IRET to ring 3: CS, SS, ESP, segment registers"
    mov [REC_ESP], esp
    mov ax, SEL_DATA0
    mov ds, ax
    mov ax, SEL_DATA3
    mov es, ax
    mov ax, C_CONF0
    mov fs, ax
    mov ax, SEL_DATA0
    mov gs, ax
    push dword SEL_DATA3
    push dword STACK3_TOP - 0x100
    push dword 2
    push dword SEL_CODE3
    push dword .iret3
    iretd
.iret3:
    xor ebx, ebx
    mov bx, cs
    xor ecx, ecx
    mov cx, ss
    xor edx, edx
    mov dx, ds
    xor esi, esi
    mov si, es
    xor edi, edi
    mov di, fs
    xor ebp, ebp
    mov bp, gs
    mov ax, SEL_DATA3
    mov ds, ax
    RING0
    EXPECT_EQ [EXC_EBX], SEL_CODE3, "CS"
    EXPECT_EQ [EXC_ECX], SEL_DATA3, "SS"
    EXPECT_EQ [EXC_ESP], STACK3_TOP - 0x100, "ESP"
    EXPECT_EQ [EXC_EDX], 0, "DS (DPL 0 data: nulled)"
    EXPECT_EQ [EXC_ESI], SEL_DATA3, "ES (DPL 3 data: kept)"
    EXPECT_EQ [EXC_EDI], C_CONF0, "FS (conforming code: kept)"
    EXPECT_EQ [EXC_EBP], 0, "GS (DPL 0 data: nulled)"

; ---------------------------------------------------------------- direct far transfers
    ; CALL to a conforming segment with DPL <= CPL: CPL unchanged, CS.RPL = CPL.
    TEST "CPL 3: far CALL to conforming DPL 0 code keeps CPL 3"
    RING3
    mov ebp, esp
    call C_CONF0:conf_target
    sub ebp, esp
    RING0
    EXPECT_EQ [EXC_VEC], 0x30, "vector (no fault before INT 0x30)"
    EXPECT_EQ [EXC_EBX], C_CONF0 | 3, "CS in the conforming segment"
    EXPECT_EQ [EXC_ECX], SEL_DATA3, "SS (no stack switch)"
    EXPECT_EQ [EXC_EDX], 8, "bytes pushed by the call"
    EXPECT_EQ [EXC_EBP], 0, "ESP after RETF"

    TEST "CPL 0: far JMP to conforming DPL 3 code -> #GP(sel)"
    FAULT 13, C_CONF3, jmp C_CONF3:conf_target
    TEST "CPL 3: far CALL to non-conforming DPL 0 code -> #GP(sel)"
    RING3
    FAULT3 13, SEL_CODE0, call SEL_CODE0:conf_target
    TEST "CPL 0: far CALL with RPL 3 to non-conforming DPL 0 -> #GP(sel)"
    FAULT 13, SEL_CODE0, call (SEL_CODE0 | 3):conf_target
    TEST "far CALL to a not-present code segment -> #NP(sel)"
    FAULT 11, C_NP, call C_NP:conf_target
    TEST "CPL 0: far CALL and RETF to non-conforming DPL 0 code"
    mov ebp, esp
    call SEL_CODE0:conf_target
    sub ebp, esp
    EXPECT_EQ ebx, SEL_CODE0, "CS in the callee"
    EXPECT_EQ edx, 8, "bytes pushed by the call"
    EXPECT_EQ ebp, 0, "ESP after RETF"

; ---------------------------------------------------------------- 32-bit call gate
    ; CALL through a call gate to a more privileged non-conforming segment:
    ; new SS:ESP from the TSS (SS0:ESP0), pushes caller SS, ESP, copies
    ; param-count dwords, pushes CS, EIP. CPL = target DPL, CS.RPL = CPL.
    ; RETF n to the outer level releases n bytes on both stacks and nulls
    ; data segment registers whose DPL < CPL (conforming code kept).
    TEST "CPL 3 -> 0 through a 32-bit call gate with 2 parameters"
    RING3
    push dword 0x11111111
    push dword 0x22222222
    call G32:0x0BAD
.g32_ret:
    mov ebp, esp
    xor ebx, ebx
    mov bx, es
    xor ecx, ecx
    mov cx, fs
    xor edx, edx
    mov dx, gs
    xor esi, esi
    mov si, cs
    xor edi, edi
    mov di, ds
    RING0
    EXPECT_EQ [EXC_VEC], 0x30, "vector (no fault before INT 0x30)"
    EXPECT_EQ [TVAR+0x00], ESP0_TOP - 24, "ESP in the callee (ESP0 - 6 dwords)"
    EXPECT_EQ [TVAR+0x04], SEL_DATA0, "SS in the callee (TSS.SS0)"
    EXPECT_EQ [TVAR+0x08], SEL_CODE0, "CS in the callee (RPL 0)"
    EXPECT_EQ [TVAR+0x0C], .g32_ret, "pushed EIP"
    EXPECT_EQ [TVAR+0x10], SEL_CODE3, "pushed CS"
    EXPECT_EQ [TVAR+0x14], 0x22222222, "copied parameter at ESP+8"
    EXPECT_EQ [TVAR+0x18], 0x11111111, "copied parameter at ESP+12"
    EXPECT_EQ [TVAR+0x1C], STACK3_TOP - 8, "pushed caller ESP"
    EXPECT_EQ [TVAR+0x20], SEL_DATA3, "pushed caller SS"
    TEST "RETF 8 back to ring 3 through the 32-bit gate"
    EXPECT_EQ [EXC_EBP], STACK3_TOP, "ESP after RETF 8 (parameters released)"
    EXPECT_EQ [EXC_SS], SEL_DATA3, "SS after RETF"
    EXPECT_EQ [EXC_ESI], SEL_CODE3, "CS after RETF"
    EXPECT_EQ [EXC_EBX], 0, "ES (DPL 0 data loaded by the callee: nulled)"
    EXPECT_EQ [EXC_ECX], 0, "FS (DPL 0 data loaded by the callee: nulled)"
    EXPECT_EQ [EXC_EDX], C_CONF0, "GS (conforming code: kept)"
    EXPECT_EQ [EXC_EDI], SEL_DATA3, "DS (DPL 3 data: kept)"

; ---------------------------------------------------------------- 16-bit call gate
    ; A 16-bit gate pushes 16-bit values: SS, SP, the parameter words, CS, IP.
    ; The caller runs in a DPL 3 segment based at 0xF0000 so its IP fits.
    TEST "CPL 3 -> 0 through a 16-bit call gate with 2 parameter words"
    mov [REC_ESP], esp
    push dword SEL_DATA3
    push dword STACK16
    push dword 2
    push dword C3_F0 | 3
    push dword .r3_16 - ORG_BASE
    iretd
.r3_16:                                 ; CS = C3_F0 (base 0xF0000)
    mov ax, SEL_DATA3
    mov ds, ax
    push word 0x1111
    push word 0x2222
    call G16:0x0BAD
.g16_ret:
    mov ebx, esp
    xor ecx, ecx
    mov cx, cs
    RING0
    EXPECT_EQ [EXC_VEC], 0x30, "vector (no fault before INT 0x30)"
    EXPECT_EQ [TVAR+0x40], ESP0_TOP - 12, "ESP in the callee (ESP0 - 6 words)"
    EXPECT_EQ [TVAR+0x44], SEL_DATA0, "SS in the callee"
    EXPECT_EQ [TVAR+0x48], SEL_CODEF0, "CS in the callee"
    EXPECT_EQ [TVAR+0x4C], .g16_ret - ORG_BASE, "pushed IP"
    EXPECT_EQ [TVAR+0x50], C3_F0 | 3, "pushed CS"
    EXPECT_EQ [TVAR+0x54], 0x2222, "copied word at SP+4"
    EXPECT_EQ [TVAR+0x58], 0x1111, "copied word at SP+6"
    EXPECT_EQ [TVAR+0x5C], STACK16 - 4, "pushed caller SP"
    EXPECT_EQ [TVAR+0x60], SEL_DATA3, "pushed caller SS"
    TEST "16-bit RETF 4 back to ring 3"
    EXPECT_EQ [EXC_EBX], STACK16, "ESP after RETF 4"
    EXPECT_EQ [EXC_ECX], C3_F0 | 3, "CS after RETF"
    EXPECT_EQ [EXC_SS], SEL_DATA3, "SS after RETF"

; ---------------------------------------------------------------- call gate faults
    ; CALL: gate DPL must be >= CPL and >= RPL, else #GP(gate selector).
    TEST "CPL 3: call gate with DPL 0 -> #GP(gate selector)"
    RING3
    FAULT3 13, G_DPL0, call G_DPL0:0
    ; JMP through a call gate cannot change privilege: a non-conforming
    ; target with DPL != CPL -> #GP(code segment selector).
    TEST "CPL 3: JMP through a call gate to ring 0 -> #GP(code selector)"
    RING3
    FAULT3 13, SEL_CODE0, jmp G32:0
    ; The new stack selector from the TSS must have RPL = DPL = new CPL and
    ; be writable data, else #TS(SS selector). Target ring 1 so the #TS
    ; itself is delivered on the (valid) ring-0 stack.
    TEST "CPL 3 -> 1 with TSS.SS1 of RPL 0 -> #TS(SS1)"
    mov dword [TSS_BASE+0x10], SEL_DATA0
    RING3
    FAULT3 10, SEL_DATA0, call G_R1:0
    TEST "CPL 3 -> 1 with TSS.SS1 a code segment -> #TS(SS1)"
    mov dword [TSS_BASE+0x10], SEL_CODE1
    RING3
    FAULT3 10, SEL_CODE1 & ~3, call G_R1:0
    ; A valid but not-present new stack segment -> #SS(SS selector).
    TEST "CPL 3 -> 1 with TSS.SS1 not present -> #SS(SS1)"
    mov dword [TSS_BASE+0x10], D_NP1 | 1
    RING3
    FAULT3 12, D_NP1, call G_R1:0
    TEST "CPL 3 -> 1 with a valid TSS.SS1 reaches ring 1"
    mov dword [TSS_BASE+0x10], SEL_DATA1
    RING3
    mov dword [REC_EIP], .r1_rec
    call G_R1:0
    int 0x30
.r1_rec:
    EXPECT_EQ [EXC_VEC], 0x31, "vector raised in ring 1"
    EXPECT_EQ [EXC_CS], SEL_CODE1, "CS in ring 1"
    EXPECT_EQ [EXC_SS], SEL_DATA1, "SS in ring 1 (TSS.SS1)"
    EXPECT_EQ [EXC_ESP], STACK1_TOP - 16, "ESP in ring 1 (TSS.ESP1 - 4 dwords)"

; ---------------------------------------------------------------- INT n
    ; INT n through an interrupt gate from ring 3: stack switch to SS0:ESP0,
    ; pushes SS, ESP, EFLAGS, CS, EIP (the next instruction); IF cleared.
    TEST "CPL 3: INT n through a DPL 3 interrupt gate"
    RING3 0x202
    mov dword [REC_EIP], .int_rec
    int V_INT3
.int_next:
    int 0x30
.int_rec:
    EXPECT_EQ [EXC_VEC], V_INT3, "vector"
    EXPECT_EQ [EXC_EIP], .int_next, "pushed EIP (next instruction)"
    EXPECT_EQ [EXC_CS], SEL_CODE3, "pushed CS"
    EXPECT_EQ [EXC_SS], SEL_DATA3, "pushed SS"
    EXPECT_EQ [EXC_ESP], STACK3_TOP, "pushed ESP"
    mov eax, [EXC_EFLAGS]
    and eax, 0x200
    EXPECT_EQ eax, 0x200, "pushed EFLAGS.IF"
    mov eax, [EXC_HFLAGS]
    and eax, 0x200
    EXPECT_EQ eax, 0, "handler EFLAGS.IF (interrupt gate clears IF)"
    EXPECT_EQ [EXC_HSS], SEL_DATA0, "handler SS (TSS.SS0)"
    EXPECT_EQ [EXC_HESP], ESP0_TOP - 20, "handler ESP (ESP0 - 5 dwords)"
    TEST "CPL 3: INT n through a DPL 3 trap gate keeps IF"
    RING3 0x202
    mov dword [REC_EIP], .trap_rec
    int V_TRAP3
.trap_next:
    int 0x30
.trap_rec:
    EXPECT_EQ [EXC_VEC], V_TRAP3, "vector"
    EXPECT_EQ [EXC_EIP], .trap_next, "pushed EIP"
    mov eax, [EXC_HFLAGS]
    and eax, 0x200
    EXPECT_EQ eax, 0x200, "handler EFLAGS.IF (trap gate keeps IF)"
    EXPECT_EQ [EXC_HESP], ESP0_TOP - 20, "handler ESP"
    TEST "CPL 0: INT n through an interrupt gate, no stack switch"
    mov dword [REC_EIP], .int0_rec
    mov [REC_ESP], esp
    lea ebx, [esp - 12]
    sti
    int V_INT3
.int0_next:
    NO_FAULT V_INT3
.int0_rec:
    EXPECT_EQ [EXC_EIP], .int0_next, "pushed EIP"
    EXPECT_EQ [EXC_CS], SEL_CODE0, "pushed CS"
    EXPECT_EQ [EXC_ESP], NO_VALUE, "no SS:ESP pushed (harness saw CS.RPL 0)"
    mov ecx, [EXC_EBX]
    EXPECT_EQ [EXC_HESP], ecx, "handler ESP (3 dwords below)"
    mov eax, [EXC_EFLAGS]
    and eax, 0x200
    EXPECT_EQ eax, 0x200, "pushed EFLAGS.IF"
    TEST "IRET from a ring-0 handler back to ring 3"
    RING3 0x202
    mov ebx, 0x1234
    int V_IRET
    mov edx, esp
    pushfd
    pop ecx
    xor esi, esi
    mov si, cs
    RING0
    EXPECT_EQ [EXC_VEC], 0x30, "vector (no fault before INT 0x30)"
    EXPECT_EQ [EXC_EBX], 0x4321, "EBX set by the handler"
    EXPECT_EQ [EXC_EDX], STACK3_TOP, "ESP after IRET"
    EXPECT_EQ [EXC_ESI], SEL_CODE3, "CS after IRET"
    mov eax, [EXC_ECX]
    and eax, 0x3200
    EXPECT_EQ eax, 0x0200, "EFLAGS IF restored, IOPL 0"
    EXPECT_EQ [TVAR+0x70], SEL_DATA3, "SS pushed by INT"
    EXPECT_EQ [TVAR+0x74], STACK3_TOP, "ESP pushed by INT"

    ; INT n with gate DPL < CPL: #GP(vector * 8 + 2) (IDT bit set).
    TEST "CPL 3: INT n to a DPL 0 gate -> #GP(vec*8+2)"
    RING3
    FAULT3 13, V_DPL0 * 8 + 2, int V_DPL0
    TEST "CPL 3: INT3 to a DPL 0 gate -> #GP(3*8+2)"
    RING3
    FAULT3 13, 3 * 8 + 2, int3
    ; A not-present gate: #NP(vector * 8 + 2).
    TEST "CPL 3: INT n to a not-present gate -> #NP(vec*8+2)"
    RING3
    FAULT3 11, V_NP * 8 + 2, int V_NP

; ---------------------------------------------------------------- #DF
    ; #NP while delivering #GP (both contributory) -> #DF with error code 0.
    TEST "#GP with a not-present #GP gate -> #DF(0)"
    mov word [IDT_ENTRY(13)+4], INTGATE0 & 0x7FFF
    EXPECT_EXC .df_rec
    mov ax, 0x800
    mov ds, ax
    NO_FAULT 8
.df_rec:
    mov word [IDT_ENTRY(13)+4], INTGATE0
    EXPECT_EQ [EXC_VEC], 8, "vector"
    EXPECT_EQ [EXC_ERR], 0, "error code"

; ---------------------------------------------------------------- IOPL-sensitive
    ; CPL > IOPL: CLI, STI -> #GP(0); IN/OUT consult the I/O map, which is
    ; outside the TSS limit (0x67) here -> #GP(0).
    TEST "CPL 3 IOPL 0: CLI -> #GP(0)"
    RING3
    FAULT3 13, 0, cli
    TEST "CPL 3 IOPL 0: STI -> #GP(0)"
    RING3
    FAULT3 13, 0, sti
    TEST "CPL 3 IOPL 0: IN -> #GP(0)"
    RING3
    FAULT3 13, 0, in al, 0x80
    TEST "CPL 3 IOPL 0: OUT -> #GP(0)"
    RING3
    mov dx, DEBUGCON
    FAULT3 13, 0, out dx, al
    TEST "CPL 3 IOPL 3: CLI, IN allowed"
    RING3 0x3202
    cli
    pushfd
    pop ebx
    in al, 0x80
    RING0
    EXPECT_EQ [EXC_VEC], 0x30, "vector (no fault before INT 0x30)"
    mov eax, [EXC_EBX]
    and eax, 0x3200
    EXPECT_EQ eax, 0x3000, "EFLAGS after CLI"

    ; POPF at CPL > IOPL leaves IF unchanged, and at CPL > 0 leaves IOPL
    ; unchanged, without a fault; other flags are loaded.
    TEST "CPL 3 IOPL 0: POPF cannot change IF or IOPL"
    RING3 0x002
    push dword 0x3203
    popfd
    pushfd
    pop ebx
    RING0
    EXPECT_EQ [EXC_VEC], 0x30, "vector (no fault before INT 0x30)"
    mov eax, [EXC_EBX]
    and eax, 0x3201
    EXPECT_EQ eax, 0x0001, "IOPL, IF, CF after POPF"
    TEST "CPL 3 IOPL 3: POPF changes IF but not IOPL"
    RING3 0x3002
    push dword 0x0203
    popfd
    pushfd
    pop ebx
    RING0
    mov eax, [EXC_EBX]
    and eax, 0x3201
    EXPECT_EQ eax, 0x3201, "IOPL, IF, CF after POPF"
    TEST "CPL 0: POPF changes IOPL"
    push dword 0x3002
    popfd
    pushfd
    pop ebx
    push dword 2
    popfd
    and ebx, 0x3000
    EXPECT_EQ ebx, 0x3000, "IOPL after POPF"

    PASS

; ---------------------------------------------------------------- targets
conf_target:                    ; reached by far CALL; RETF
    xor ebx, ebx
    mov bx, cs
    xor ecx, ecx
    mov cx, ss
    lea edx, [ebp]
    sub edx, esp
    retf

gate32_target:                  ; ring 0 through G32; DS is the caller's
    mov [TVAR+0x00], esp
    xor eax, eax
    mov ax, ss
    mov [TVAR+0x04], eax
    mov ax, cs
    mov [TVAR+0x08], eax
    mov eax, [esp]
    mov [TVAR+0x0C], eax
    movzx eax, word [esp+4]
    mov [TVAR+0x10], eax
    mov eax, [esp+8]
    mov [TVAR+0x14], eax
    mov eax, [esp+12]
    mov [TVAR+0x18], eax
    mov eax, [esp+16]
    mov [TVAR+0x1C], eax
    movzx eax, word [esp+20]
    mov [TVAR+0x20], eax
    mov ax, SEL_DATA0
    mov es, ax
    mov fs, ax
    mov ax, C_CONF0
    mov gs, ax
    retf 8

gate16_target:                  ; ring 0 through G16, CS = SEL_CODEF0
    mov [TVAR+0x40], esp
    xor eax, eax
    mov ax, ss
    mov [TVAR+0x44], eax
    mov ax, cs
    mov [TVAR+0x48], eax
    movzx eax, word [esp]
    mov [TVAR+0x4C], eax
    movzx eax, word [esp+2]
    mov [TVAR+0x50], eax
    movzx eax, word [esp+4]
    mov [TVAR+0x54], eax
    movzx eax, word [esp+6]
    mov [TVAR+0x58], eax
    movzx eax, word [esp+8]
    mov [TVAR+0x5C], eax
    movzx eax, word [esp+10]
    mov [TVAR+0x60], eax
    o16 retf 4

ring1_target:                   ; ring 1 through G_R1
    int 0x31                    ; DPL 3 gate to the harness: records CS, SS:ESP

iret_handler:                   ; ring 0 through V_IRET: change EBX, IRET
    mov ebx, 0x4321
    movzx eax, word [esp+16]
    mov [TVAR+0x70], eax
    mov eax, [esp+12]
    mov [TVAR+0x74], eax
    iretd

END_IMAGE
