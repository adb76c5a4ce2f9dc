; v86.asm — virtual-8086 mode, against the Intel SDM vol. 3 chapter 20
; (20.2 virtual-8086 mode: entering by IRET with VM=1, segment arithmetic,
; sensitive instructions and IOPL, 20.3 interrupt and exception handling in
; V86 mode: the stack frame, zeroed data segment registers, IRET back) and
; vol. 1 19.5 (I/O permission bitmap) — CR4.VME is 0 (a Pentium II CPUID
; without VME), so the classic rules apply.
%include "lib.inc"

V86_SS   equ 0x5000
V86_SP   equ 0xFFF0
V86_DS   equ 0x1234
V86_ES   equ 0x3000
V86_FS   equ 0x2000
V86_GS   equ 0x0000
V86_CS   equ 0xF000         ; the image's copy below 1 MiB

V_V86INT equ 0x60           ; DPL 3 interrupt gate -> v86_int_handler
EFL_VM   equ 0x20000

; V86_ENTER eflags, entry, recovery — IRETD from ring 0 into V86 mode
; (VM added to eflags) at F000:entry; the first exception or INT to the
; harness resumes at recovery.
%macro V86_ENTER 3
    mov dword [REC_EIP], %3
    mov [REC_ESP], esp
    mov dword [EXC_VEC], -1
    push dword V86_GS
    push dword V86_FS
    push dword V86_DS
    push dword V86_ES
    push dword V86_SS
    push dword V86_SP
    push dword EFL_VM | (%1)
    push dword V86_CS
    push dword (%2) - ORG_BASE
    iretd
%endmacro

; V86_FAULT eflags, entry — the instruction at entry must fault with #GP(0)
%macro V86_FAULT 2
    V86_ENTER %1, %2, %%rec
%%rec:
    EXPECT_FAULT 13, 0, (%2) - ORG_BASE
    EXPECT_EQ [EXC_CS], V86_CS, "pushed CS"
    mov eax, [EXC_EFLAGS]
    and eax, EFL_VM
    EXPECT_EQ eax, EFL_VM, "pushed EFLAGS.VM"
%endmacro

%macro LOW16 2          ; reg32, m32: reg32 = low word of m32
    movzx %1, word [%2]
%endmacro

test_main:
    IDTGATE V_V86INT, SEL_CODE0, v86_int_handler, INTGATE3
    mov byte [V86_DS * 16 + 5], 0xA5

; ---------------------------------------------------------------- entering V86
    ; IRET with VM=1 in the popped EFLAGS (at CPL 0) enters V86 mode: pops
    ; EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS; segment bases are sel*16.
    ; INT n with IOPL=3 goes through the protected-mode IDT to a ring-0
    ; handler on the TSS ring-0 stack, which gets GS, FS, DS, ES, SS, ESP,
    ; EFLAGS, CS, EIP and runs with DS, ES, FS, GS = 0.
    TEST "enter V86 mode by IRET, segment arithmetic"
    V86_ENTER 0x3002, v86_basic, .basic_rec
.basic_rec:
    EXPECT_EQ [EXC_VEC], 0x30, "vector (INT 0x30 from V86 mode)"
    mov eax, [EXC_EAX]
    and eax, 0xFF
    EXPECT_EQ eax, 0xA5, "byte read at DS:5 (linear 0x12345)"
    movzx eax, word [V86_ES * 16 + 0x10]
    EXPECT_EQ eax, 0xBEEF, "word written at ES:10 (linear 0x30010)"
    LOW16 eax, EXC_ECX
    EXPECT_EQ eax, V86_SS, "SS in V86 mode"
    LOW16 eax, EXC_EDX
    EXPECT_EQ eax, V86_SP, "SP in V86 mode"
    LOW16 eax, EXC_EDI
    EXPECT_EQ eax, V86_CS, "CS in V86 mode"
    LOW16 eax, EXC_ESI
    and eax, 0x3000
    EXPECT_EQ eax, 0x3000, "IOPL seen by PUSHF in V86 mode"
    LOW16 eax, EXC_EBX
    EXPECT_EQ eax, 0x0A5A5, "word read through FS:0 (linear 0x20000)"
    TEST "INT n from V86 mode: the stack frame"
    EXPECT_EQ [EXC_EIP], v86_basic.next - ORG_BASE, "pushed EIP"
    EXPECT_EQ [EXC_CS], V86_CS, "pushed CS"
    mov eax, [EXC_EFLAGS]
    and eax, EFL_VM | 0x3000
    EXPECT_EQ eax, EFL_VM | 0x3000, "pushed EFLAGS (VM, IOPL 3)"
    EXPECT_EQ [EXC_ESP], V86_SP, "pushed ESP"
    EXPECT_EQ [EXC_SS], V86_SS, "pushed SS"
    EXPECT_EQ [EXC_ES], V86_ES, "pushed ES"
    EXPECT_EQ [EXC_DS], V86_DS, "pushed DS"
    EXPECT_EQ [EXC_FS], V86_FS, "pushed FS"
    EXPECT_EQ [EXC_GS], V86_GS, "pushed GS"
    EXPECT_EQ [EXC_HSS], SEL_DATA0, "handler SS (TSS.SS0)"
    EXPECT_EQ [EXC_HESP], ESP0_TOP - 36, "handler ESP (ESP0 - 9 dwords)"
    TEST "INT n from V86 mode: handler's data segment registers are null"
    EXPECT_EQ [EXC_HDS], 0, "DS"
    EXPECT_EQ [EXC_HES], 0, "ES"
    EXPECT_EQ [EXC_HFS], 0, "FS"
    EXPECT_EQ [EXC_HGS], 0, "GS"

    ; A handler that returns with IRETD to V86 mode.
    TEST "INT n to a ring-0 handler and IRET back to V86 mode"
    mov dword [TVAR+0x24], 0xFFFF
    V86_ENTER 0x3002, v86_int, .int_rec
.int_rec:
    EXPECT_EQ [EXC_VEC], 0x30, "vector (INT 0x30 after the IRET)"
    EXPECT_EQ [TVAR+0x00], v86_int.back - ORG_BASE, "EIP seen by the handler"
    EXPECT_EQ [TVAR+0x04], V86_CS, "CS seen by the handler"
    mov eax, [TVAR+0x08]
    and eax, EFL_VM | 0x3000
    EXPECT_EQ eax, EFL_VM | 0x3000, "EFLAGS seen by the handler"
    EXPECT_EQ [TVAR+0x0C], V86_SP, "ESP seen by the handler"
    EXPECT_EQ [TVAR+0x10], V86_SS, "SS seen by the handler"
    EXPECT_EQ [TVAR+0x14], V86_ES, "ES seen by the handler"
    EXPECT_EQ [TVAR+0x18], V86_DS, "DS seen by the handler"
    EXPECT_EQ [TVAR+0x1C], V86_FS, "FS seen by the handler"
    EXPECT_EQ [TVAR+0x20], V86_GS, "GS seen by the handler"
    EXPECT_EQ [TVAR+0x24], 0, "DS in the handler"
    EXPECT_EQ [TVAR+0x28], 0, "ES in the handler"
    EXPECT_EQ [TVAR+0x34], ESP0_TOP - 36, "ESP in the handler"
    LOW16 eax, EXC_EBX
    EXPECT_EQ eax, 0x600D, "BX set by the handler, seen after IRET"
    mov eax, [EXC_EAX]
    and eax, 0xFF
    EXPECT_EQ eax, 0xA5, "byte at DS:5 after IRET (DS restored)"
    EXPECT_EQ [EXC_EIP], v86_int.next - ORG_BASE, "EIP of the following INT 0x30"
    EXPECT_EQ [EXC_DS], V86_DS, "DS pushed by the following INT"
    EXPECT_EQ [EXC_ESP], V86_SP, "SP after IRET"

; ---------------------------------------------------------------- IOPL < 3
    ; With IOPL < 3, INT n, CLI, STI, PUSHF, POPF and IRET in V86 mode
    ; raise #GP(0) (no VME).
    TEST "V86 IOPL 0: INT n -> #GP(0)"
    V86_FAULT 0x0002, v86_int_only
    EXPECT_EQ [EXC_ESP], V86_SP, "pushed ESP"
    EXPECT_EQ [EXC_HESP], ESP0_TOP - 36, "handler ESP (error code below EIP)"
    EXPECT_EQ [EXC_HDS], 0, "handler DS"
    TEST "V86 IOPL 2: INT n -> #GP(0)"
    V86_FAULT 0x2002, v86_int_only
    TEST "V86 IOPL 0: CLI -> #GP(0)"
    V86_FAULT 0x0002, v86_cli
    TEST "V86 IOPL 0: STI -> #GP(0)"
    V86_FAULT 0x0002, v86_sti
    TEST "V86 IOPL 0: PUSHF -> #GP(0)"
    V86_FAULT 0x0002, v86_pushf
    TEST "V86 IOPL 1: PUSHFD -> #GP(0)"
    V86_FAULT 0x1002, v86_pushfd
    TEST "V86 IOPL 0: POPF -> #GP(0)"
    V86_FAULT 0x0002, v86_popf
    TEST "V86 IOPL 0: IRET -> #GP(0)"
    V86_FAULT 0x0002, v86_iret

; ---------------------------------------------------------------- IOPL = 3
    ; With IOPL 3: CLI/STI change IF, PUSHF works, POPF loads IF but not
    ; IOPL, IRET works like in real mode.
    TEST "V86 IOPL 3: CLI, STI, PUSHF, POPF, IRET"
    V86_ENTER 0x3202, v86_flags, .flags_rec
.flags_rec:
    EXPECT_EQ [EXC_VEC], 0x30, "vector (no fault before INT 0x30)"
    LOW16 eax, EXC_EAX
    and eax, 0x3200
    EXPECT_EQ eax, 0x3000, "FLAGS after CLI (IF 0, IOPL 3)"
    LOW16 eax, EXC_EBX
    and eax, 0x3200
    EXPECT_EQ eax, 0x3200, "FLAGS after STI (IF 1)"
    LOW16 eax, EXC_ECX
    and eax, 0x3201
    EXPECT_EQ eax, 0x3001, "FLAGS after POPF 0x0001 (IF, CF loaded; IOPL kept)"
    LOW16 eax, EXC_EDX
    EXPECT_EQ eax, 0x1234, "DX set at the IRET target"
    EXPECT_EQ [EXC_EIP], v86_flags.next - ORG_BASE, "EIP after the IRET"
    mov eax, [EXC_EFLAGS]
    and eax, EFL_VM | 0x3000
    EXPECT_EQ eax, EFL_VM | 0x3000, "still in V86 mode with IOPL 3"

    ; Offsets beyond 0xFFFF: V86 segments have a 64 KiB limit -> #GP(0).
    TEST "V86: offset 0x10000 through DS -> #GP(0)"
    mov ebx, 0x10000
    V86_FAULT 0x3002, v86_limit

; ---------------------------------------------------------------- I/O bitmap
    ; IN/OUT in V86 mode always consult the I/O permission bitmap, whatever
    ; IOPL is: clear bit -> allowed, set bit or outside the TSS -> #GP(0).
    TEST "V86: set up the I/O bitmap (port 0x80 allowed, 0x81 not)"
    mov byte [TSS_BASE+TSS_IOPB+0x80/8], 0xFE
    mov ecx, TSS_IOPB + 0x20
    call set_tss_limit
    TEST "V86 IOPL 0: IN from a port whose bit is clear"
    V86_ENTER 0x0002, v86_in_ok, .in0_rec
.in0_rec:
    EXPECT_EQ [EXC_VEC], 13, "vector (the INT 0x30 after the IN)"
    EXPECT_EQ [EXC_EIP], v86_in_ok.int - ORG_BASE, "EIP (the IN passed, INT 0x30 faults)"
    TEST "V86 IOPL 3: IN from a port whose bit is clear"
    V86_ENTER 0x3002, v86_in_ok, .in3_rec
.in3_rec:
    EXPECT_EQ [EXC_VEC], 0x30, "vector (the INT 0x30 after the IN)"
    TEST "V86 IOPL 3: IN from a port whose bit is set -> #GP(0)"
    V86_FAULT 0x3002, v86_in_bad
    TEST "V86 IOPL 0: OUT to a port whose bit is set -> #GP(0)"
    V86_FAULT 0x0002, v86_out_bad
    TEST "V86 IOPL 3: port past the end of the map -> #GP(0)"
    mov edx, 0x400
    V86_FAULT 0x3002, v86_in_far
    mov ecx, 0x67
    call set_tss_limit
    TEST "V86 IOPL 3: TSS without a map -> #GP(0)"
    V86_FAULT 0x3002, v86_in_ok

    PASS

; ---------------------------------------------------------------- ring-0 handler
v86_int_handler:                ; DS..GS are null here: write through SS
    mov eax, [esp]
    mov [ss:TVAR+0x00], eax
    movzx eax, word [esp+4]
    mov [ss:TVAR+0x04], eax
    mov eax, [esp+8]
    mov [ss:TVAR+0x08], eax
    mov eax, [esp+12]
    mov [ss:TVAR+0x0C], eax
    movzx eax, word [esp+16]
    mov [ss:TVAR+0x10], eax
    movzx eax, word [esp+20]
    mov [ss:TVAR+0x14], eax
    movzx eax, word [esp+24]
    mov [ss:TVAR+0x18], eax
    movzx eax, word [esp+28]
    mov [ss:TVAR+0x1C], eax
    movzx eax, word [esp+32]
    mov [ss:TVAR+0x20], eax
    xor eax, eax
    mov ax, ds
    mov [ss:TVAR+0x24], eax
    mov ax, es
    mov [ss:TVAR+0x28], eax
    mov [ss:TVAR+0x34], esp
    mov bx, 0x600D
    iretd

; ---------------------------------------------------------------- V86 code
            bits 16
v86_basic:
    mov al, [0x0005]            ; DS = 0x1234
    mov word [es:0x0010], 0xBEEF
    mov word [fs:0x0000], 0xA5A5
    mov bx, [fs:0x0000]
    mov cx, ss
    mov dx, sp
    mov di, cs
    pushf
    pop si
    int 0x30
.next:
    jmp .next

v86_int:
    xor bx, bx
    int V_V86INT
.back:
    mov al, [0x0005]
    int 0x30
.next:
    jmp .next

v86_int_only:
    int V_V86INT
    jmp v86_int_only
v86_cli:
    cli
    int 0x30
v86_sti:
    sti
    int 0x30
v86_pushf:
    pushf
    int 0x30
v86_pushfd:
    pushfd
    int 0x30
v86_popf:
    popf
    int 0x30
v86_iret:
    iret
    int 0x30

v86_flags:                      ; IOPL 3, IF 1
    cli
    pushf
    pop ax
    sti
    pushf
    pop bx
    push word 0x0001            ; IF 0 IOPL 0 CF 1 ...
    popf
    pushf                       ; ... IF and CF loaded, IOPL stays 3
    pop cx
    sti
    pushf                       ; real-mode style IRET to .target
    push cs
    push word .target - ORG_BASE
    iret
    int 0x31                    ; not reached
.target:
    mov dx, 0x1234
    int 0x30
.next:
    jmp .next

v86_limit:
    mov al, [ebx]               ; EBX = 0x10000 (set below)
    int 0x30

v86_in_ok:
    in al, 0x80
.int:
    int 0x30
.next:
    jmp .next
v86_in_bad:
    in al, 0x81
    int 0x30
v86_out_bad:
    out 0x81, al
    int 0x30
v86_in_far:
    in al, dx                   ; DX = 0x400 (set below)
    int 0x30
            bits 32

END_IMAGE
