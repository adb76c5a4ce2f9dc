; task_switch.asm — hardware task switching and the I/O permission bitmap,
; against the Intel SDM vol. 3 chapter 7 (7.2 TSS format, 7.3 task switching,
; table 7-2 busy flag / NT flag / previous task link, 7.4 task linking,
; 7.6 16-bit TSS) and chapter 19 / 20.5 of vol. 1 (I/O permission bit map),
; plus the JMP, CALL, IRET, INT n and LTR pages of vol. 2.
%include "lib.inc"

; 32-bit TSS fields
T_LINK   equ 0x00
T_ESP0   equ 0x04
T_SS0    equ 0x08
T_CR3    equ 0x1C
T_EIP    equ 0x20
T_EFLAGS equ 0x24
T_EAX    equ 0x28
T_ECX    equ 0x2C
T_EDX    equ 0x30
T_EBX    equ 0x34
T_ESP    equ 0x38
T_EBP    equ 0x3C
T_ESI    equ 0x40
T_EDI    equ 0x44
T_ES     equ 0x48
T_CS     equ 0x4C
T_SS     equ 0x50
T_DS     equ 0x54
T_FS     equ 0x58
T_GS     equ 0x5C
T_LDT    equ 0x60
T_IOMAP  equ 0x66
; 16-bit TSS fields
T16_IP    equ 0x0E
T16_FLAGS equ 0x10
T16_AX    equ 0x12
T16_BX    equ 0x18
T16_SP    equ 0x1A
T16_ES    equ 0x22
T16_CS    equ 0x24
T16_SS    equ 0x26
T16_DS    equ 0x28

TSS_B    equ SCRATCH_TSS + 0x000
TSS_C    equ SCRATCH_TSS + 0x100
TSS_D    equ SCRATCH_TSS + 0x200       ; 16-bit
TSS_E    equ SCRATCH_TSS + 0x300
TSS_F    equ SCRATCH_TSS + 0x400

SEL_TB   equ 0x80       ; 32-bit TSS B
SEL_TC   equ 0x88       ; 32-bit TSS C
TG_C     equ 0x90       ; task gate -> SEL_TC, DPL 0
SEL_TD   equ 0x98       ; 16-bit TSS D
SEL_TE   equ 0xA0       ; 32-bit TSS E (interrupt through a task gate)
SEL_TF   equ 0xA8       ; 32-bit TSS F (#GP through a task gate)
TG_A     equ 0xB0       ; task gate -> SEL_TSS (the main, running task)

V_TASK   equ 0x50       ; IDT task gate -> SEL_TE

%macro INIT_TSS32 3     ; base, eip, esp
    mov edi, %1
    xor eax, eax
    mov ecx, 0x68 / 4
    rep stosd
    mov dword [(%1)+T_EIP], %2
    mov dword [(%1)+T_EFLAGS], 2
    mov dword [(%1)+T_ESP], %3
    mov dword [(%1)+T_ESP0], (%3) - 0x800
    mov dword [(%1)+T_SS0], SEL_DATA0
    mov dword [(%1)+T_CS], SEL_CODE0
    mov dword [(%1)+T_SS], SEL_DATA0
    mov dword [(%1)+T_DS], SEL_DATA0
    mov dword [(%1)+T_ES], SEL_DATA0
    mov dword [(%1)+T_FS], SEL_DATA0
    mov dword [(%1)+T_GS], SEL_DATA0
    mov word [(%1)+T_IOMAP], 0x68
%endmacro

%macro TYPE_OF 2        ; reg32, selector: the access byte of a GDT entry
    movzx %1, byte [GDT_ENTRY(%2)+5]
%endmacro

test_main:
    GDESC SEL_TB, TSS_B, 0x67, 0x89, 0
    GDESC SEL_TC, TSS_C, 0x67, 0x89, 0
    mov dword [GDT_ENTRY(TG_C)], SEL_TC << 16
    mov dword [GDT_ENTRY(TG_C)+4], 0x8500
    GDESC SEL_TD, TSS_D, 0x2B, 0x81, 0
    GDESC SEL_TE, TSS_E, 0x67, 0x89, 0
    GDESC SEL_TF, TSS_F, 0x67, 0x89, 0
    mov dword [GDT_ENTRY(TG_A)], SEL_TSS << 16
    mov dword [GDT_ENTRY(TG_A)+4], 0x8500
    mov dword [IDT_ENTRY(V_TASK)], SEL_TE << 16
    mov dword [IDT_ENTRY(V_TASK)+4], 0x8500

; ---------------------------------------------------------------- JMP to a TSS
    ; JMP to an available TSS: the current state is saved in the current
    ; TSS, the old task's busy flag is cleared, the new one's set, NT and the
    ; previous task link are not changed, the new state (EIP, EFLAGS, general
    ; and segment registers) is loaded from the new TSS and CR0.TS is set.
    TEST "JMP to a 32-bit TSS loads the new task's state"
    INIT_TSS32 TSS_B, task_b, 0x3F000
    mov dword [TSS_B+T_EFLAGS], 0x00000803     ; OF, CF
    mov dword [TSS_B+T_EAX], 0xB0000001
    mov dword [TSS_B+T_ECX], 0xB0000002
    mov dword [TSS_B+T_EDX], 0xB0000003
    mov dword [TSS_B+T_EBX], 0xB0000004
    mov dword [TSS_B+T_EBP], 0xB0000005
    mov dword [TSS_B+T_ESI], 0xB0000006
    mov dword [TSS_B+T_EDI], 0xB0000007
    mov dword [TSS_B+T_ES], SEL_DATA16
    mov dword [TSS_B+T_GS], SEL_DATA3
    mov word [TSS_B+T_LINK], 0x5555
    clts
    mov ebx, 0x12345678
    mov esi, 0x9ABCDEF0
    mov ebp, 0x0F1E2D3C
    mov [TVAR+0x7C], esp
    stc
    jmp SEL_TB:0x0BAD
.jb_ret:
    setc dl
    movzx edx, dl
    mov eax, cr0
    mov [TVAR+0x78], eax
    clts
    EXPECT_EQ [TVAR+0x00], 0xB0000001, "EAX in task B"
    EXPECT_EQ [TVAR+0x04], 0xB0000002, "ECX in task B"
    EXPECT_EQ [TVAR+0x08], 0xB0000003, "EDX in task B"
    EXPECT_EQ [TVAR+0x0C], 0xB0000004, "EBX in task B"
    EXPECT_EQ [TVAR+0x10], 0xB0000005, "EBP in task B"
    EXPECT_EQ [TVAR+0x14], 0xB0000006, "ESI in task B"
    EXPECT_EQ [TVAR+0x18], 0xB0000007, "EDI in task B"
    EXPECT_EQ [TVAR+0x1C], 0x3F000, "ESP in task B"
    EXPECT_EQ [TVAR+0x20], 0x00000803, "EFLAGS in task B (NT clear after JMP)"
    EXPECT_EQ [TVAR+0x24], SEL_TB, "TR in task B"
    EXPECT_EQ [TVAR+0x28], SEL_DATA16, "ES in task B"
    EXPECT_EQ [TVAR+0x2C], SEL_DATA3, "GS in task B"
    EXPECT_EQ [TVAR+0x30], 0x89, "old task's TSS type (busy cleared by JMP)"
    EXPECT_EQ [TVAR+0x34], 0x8B, "new task's TSS type (busy)"
    mov eax, [TVAR+0x38]
    and eax, 8
    EXPECT_EQ eax, 8, "CR0.TS in task B"
    EXPECT_EQ [TVAR+0x3C], 0x5555, "task B's previous task link (JMP: unchanged)"
    TEST "JMP back: the outgoing TSS holds the saved state"
    EXPECT_EQ [TSS_BASE+T_EIP], .jb_ret, "A's saved EIP (after the JMP)"
    EXPECT_EQ [TSS_BASE+T_EBX], 0x12345678, "A's saved EBX"
    EXPECT_EQ [TSS_BASE+T_ESI], 0x9ABCDEF0, "A's saved ESI"
    EXPECT_EQ [TSS_BASE+T_EBP], 0x0F1E2D3C, "A's saved EBP"
    mov ecx, [TVAR+0x7C]
    EXPECT_EQ [TSS_BASE+T_ESP], ecx, "A's saved ESP"
    mov eax, [TSS_BASE+T_EFLAGS]
    and eax, 0x4701
    EXPECT_EQ eax, 0x0001, "A's saved EFLAGS (NT, DF, IF, TF clear, CF set)"
    movzx eax, word [TSS_BASE+T_CS]
    EXPECT_EQ eax, SEL_CODE0, "A's saved CS"
    movzx eax, word [TSS_BASE+T_SS]
    EXPECT_EQ eax, SEL_DATA0, "A's saved SS"
    movzx eax, word [TSS_BASE+T_DS]
    EXPECT_EQ eax, SEL_DATA0, "A's saved DS"
    EXPECT_EQ [TSS_B+T_EIP], task_b.jmp_back_next, "B's saved EIP"
    EXPECT_EQ [TSS_B+T_EAX], 0xBBBB0001, "B's saved EAX"
    EXPECT_EQ [TSS_B+T_EDI], 0xBBBB0002, "B's saved EDI"
    movzx eax, word [TSS_B+T_ES]
    EXPECT_EQ eax, SEL_DATA16, "B's saved ES"
    TEST "JMP back: A's registers restored from its TSS"
    EXPECT_EQ ebx, 0x12345678, "EBX"
    EXPECT_EQ esi, 0x9ABCDEF0, "ESI"
    EXPECT_EQ ebp, 0x0F1E2D3C, "EBP"
    EXPECT_EQ edx, 1, "CF"
    mov edi, esp
    mov ecx, [TVAR+0x7C]
    EXPECT_EQ edi, ecx, "ESP"
    mov eax, [TVAR+0x78]
    and eax, 8
    EXPECT_EQ eax, 8, "CR0.TS after the switch back"
    TEST "JMP back: busy flags"
    TYPE_OF eax, SEL_TSS
    EXPECT_EQ eax, 0x8B, "A's TSS type"
    TYPE_OF eax, SEL_TB
    EXPECT_EQ eax, 0x89, "B's TSS type"
    xor eax, eax
    str ax
    EXPECT_EQ eax, SEL_TSS, "TR"

; ---------------------------------------------------------------- CALL via a task gate
    ; CALL through a task gate: the new task gets NT=1 and its previous task
    ; link = the old TSS selector; the old task stays busy. IRET with NT=1
    ; returns to the linked task, clears the returning task's busy flag and
    ; the NT flag in its saved EFLAGS.
    TEST "CALL through a task gate: NT, back link, busy flags"
    INIT_TSS32 TSS_C, task_c, 0x3E000
    mov dword [TVAR+0x54], 0
    mov edx, 0xAAAA5555
    call TG_C:0x0BAD
.tc_ret:
    pushfd
    pop ebx
    EXPECT_EQ [TVAR+0x40], 0x4002, "EFLAGS in task C (NT set)"
    EXPECT_EQ [TVAR+0x44], SEL_TSS, "task C's previous task link"
    EXPECT_EQ [TVAR+0x48], 0x8B, "A's TSS type during the call (still busy)"
    EXPECT_EQ [TVAR+0x4C], 0x8B, "C's TSS type during the call (busy)"
    EXPECT_EQ [TVAR+0x50], SEL_TC, "TR in task C"
    TEST "IRET through the back link"
    and ebx, 0x4000
    EXPECT_EQ ebx, 0, "A's NT after the return"
    EXPECT_EQ edx, 0xAAAA5555, "A's EDX restored"
    EXPECT_EQ [TSS_BASE+T_EIP], .tc_ret, "A's saved EIP (after the CALL)"
    TYPE_OF eax, SEL_TC
    EXPECT_EQ eax, 0x89, "C's TSS type after IRET (not busy)"
    TYPE_OF eax, SEL_TSS
    EXPECT_EQ eax, 0x8B, "A's TSS type after IRET"
    mov eax, [TSS_C+T_EFLAGS]
    and eax, 0x4000
    EXPECT_EQ eax, 0, "NT in C's saved EFLAGS (cleared by IRET)"
    EXPECT_EQ [TSS_C+T_EIP], task_c.after_iret, "C's saved EIP (after its IRET)"
    EXPECT_EQ [TSS_C+T_EDX], 0xC0C0C0C0, "C's saved EDX"
    TEST "second CALL resumes task C after its IRET"
    call TG_C:0
    EXPECT_EQ [TVAR+0x54], 2, "times task C ran"
    mov eax, [TVAR+0x40]
    and eax, 0x4000
    EXPECT_EQ eax, 0x4000, "NT in task C (set again)"
    clts

; ---------------------------------------------------------------- busy TSS, LTR
    ; JMP/CALL to a busy TSS: #GP(TSS selector).
    TEST "JMP to the running (busy) TSS -> #GP(sel)"
    FAULT 13, SEL_TSS, jmp SEL_TSS:0
    TEST "CALL to the running (busy) TSS -> #GP(sel)"
    FAULT 13, SEL_TSS, call SEL_TSS:0
    TEST "JMP through a task gate to a busy TSS -> #GP(TSS sel)"
    FAULT 13, SEL_TSS, jmp TG_A:0
    ; IRET with NT=1 to a task that is not busy: #TS(TSS selector).
    TEST "IRET with NT=1 to a non-busy task -> #TS(sel)"
    mov word [TSS_BASE+T_LINK], SEL_TB
    EXPECT_EXC .nt_rec
    pushfd
    or dword [esp], 0x4000
    popfd
.nt_at:
    iretd
    NO_FAULT 10
.nt_rec:
    mov word [TSS_BASE+T_LINK], 0
    EXPECT_FAULT 10, SEL_TB, .nt_at
    ; LTR: the selector must name an available TSS in the GDT.
    TEST "LTR of a data segment -> #GP(sel)"
    mov ax, SEL_DATA0
    FAULT 13, SEL_DATA0, ltr ax
    TEST "LTR of a busy TSS -> #GP(sel)"
    mov ax, SEL_TSS
    FAULT 13, SEL_TSS, ltr ax
    TEST "LTR of a task gate -> #GP(sel)"
    mov ax, TG_C
    FAULT 13, TG_C, ltr ax
    TEST "LTR of an available TSS marks it busy"
    mov ax, SEL_TB
    ltr ax
    TYPE_OF ebx, SEL_TB
    xor ecx, ecx
    str cx
    mov byte [GDT_ENTRY(SEL_TSS)+5], 0x89       ; back to the main TSS
    mov ax, SEL_TSS
    ltr ax
    mov byte [GDT_ENTRY(SEL_TB)+5], 0x89
    EXPECT_EQ ebx, 0x8B, "TSS type after LTR"
    EXPECT_EQ ecx, SEL_TB, "TR after LTR"

; ---------------------------------------------------------------- 16-bit TSS
    ; A 16-bit TSS (type 1/3): 16-bit IP, FLAGS, registers and selectors.
    TEST "JMP to a 16-bit TSS and back"
    mov edi, TSS_D
    xor eax, eax
    mov ecx, 0x2C / 4
    rep stosd
    mov word [TSS_D+T16_IP], task_d - ORG_BASE
    mov word [TSS_D+T16_FLAGS], 0x0003
    mov word [TSS_D+T16_AX], 0xD001
    mov word [TSS_D+T16_BX], 0xD002
    mov word [TSS_D+T16_SP], 0xE000
    mov word [TSS_D+T16_CS], SEL_CODEF0
    mov word [TSS_D+T16_SS], SEL_DATA0
    mov word [TSS_D+T16_DS], SEL_DATA0
    mov word [TSS_D+T16_ES], SEL_DATA3
    jmp SEL_TD:0
.td_ret:
    clts
    EXPECT_EQ [TVAR+0x60], 0xD001, "AX in task D"
    EXPECT_EQ [TVAR+0x64], 0xD002, "BX in task D"
    EXPECT_EQ [TVAR+0x68], 1, "CF in task D"
    EXPECT_EQ [TVAR+0x6C], SEL_TD, "TR in task D"
    EXPECT_EQ [TVAR+0x70], 0x83, "D's TSS type in task D (busy 16-bit)"
    EXPECT_EQ [TVAR+0x74], SEL_DATA3, "ES in task D"
    TEST "16-bit TSS: saved state"
    movzx eax, word [TSS_D+T16_IP]
    EXPECT_EQ eax, task_d.after_jmp - ORG_BASE, "D's saved IP"
    movzx eax, word [TSS_D+T16_AX]
    EXPECT_EQ eax, 0xDDDD, "D's saved AX"
    movzx eax, word [TSS_D+T16_CS]
    EXPECT_EQ eax, SEL_CODEF0, "D's saved CS"
    TYPE_OF eax, SEL_TD
    EXPECT_EQ eax, 0x81, "D's TSS type after the JMP back"
    EXPECT_EQ [TSS_BASE+T_EIP], .td_ret, "A's saved EIP"

; ---------------------------------------------------------------- task gates in the IDT
    ; INT n through a task gate: a task switch as for CALL (NT, link).
    TEST "INT n through a task gate"
    INIT_TSS32 TSS_E, task_e, 0x3D000
    int V_TASK
.te_ret:
    clts
    EXPECT_EQ [TVAR+0x40], 0x4002, "EFLAGS in task E (NT set)"
    EXPECT_EQ [TVAR+0x44], SEL_TSS, "task E's previous task link"
    EXPECT_EQ [TVAR+0x50], SEL_TE, "TR in task E"
    EXPECT_EQ [TVAR+0x58], 0x3D000, "ESP in task E (nothing pushed)"
    EXPECT_EQ [TSS_BASE+T_EIP], .te_ret, "A's saved EIP (after INT)"
    TYPE_OF eax, SEL_TE
    EXPECT_EQ eax, 0x89, "E's TSS type after IRET"
    ; An exception with an error code through a task gate: the error code
    ; is pushed on the new task's stack; the old task's saved EIP is the
    ; faulting instruction.
    TEST "#GP through a task gate pushes the error code on the new stack"
    INIT_TSS32 TSS_F, task_f, 0x3C000
    GDESC SEL_TF, TSS_F, 0x67, 0x89, 0
    mov dword [IDT_ENTRY(13)], SEL_TF << 16
    mov dword [IDT_ENTRY(13)+4], 0x8500
    mov ax, 0x800
.tf_at:
    mov ds, ax
    NO_FAULT 13
.tf_rec:
    IDTGATE 13, SEL_CODE0, isr_stubs + 13 * 16, INTGATE0
    clts
    EXPECT_EQ [TVAR+0x60], 0x800, "error code on task F's stack"
    EXPECT_EQ [TVAR+0x64], 0x3C000 - 4, "ESP in task F"
    EXPECT_EQ [TVAR+0x68], .tf_at, "A's saved EIP (the faulting MOV)"
    EXPECT_EQ [TVAR+0x6C], SEL_TSS, "task F's previous task link"

; ---------------------------------------------------------------- I/O permission bitmap
    ; CPL > IOPL: IN/OUT are allowed only if every bit for the accessed
    ; ports is clear in the map at TSS+IOMAP and within the TSS limit;
    ; else #GP(0). The map here covers ports 0-0xFF plus the 0xFF byte.
    TEST "I/O bitmap: set up a TSS with a 32-byte map"
    mov byte [TSS_BASE+TSS_IOPB+0x80/8], 0xFE          ; 0x80 allowed, 0x81 not
    mov byte [TSS_BASE+TSS_IOPB+0x88/8], 0x7F          ; 0x8F allowed
    mov byte [TSS_BASE+TSS_IOPB+0x90/8], 0xFF          ; 0x90 not
    mov byte [TSS_BASE+TSS_IOPB+0xFF/8], 0x7F          ; 0xFF allowed
    mov ecx, TSS_IOPB + 0x20                            ; limit: map + 0xFF byte
    call set_tss_limit
    TEST "I/O bitmap: IN from a port whose bit is clear"
    RING3
    in al, 0x80
    in al, 0x8F
    in al, 0xFF
    mov dx, 0x80
    out dx, al
    RING0
    EXPECT_EQ [EXC_VEC], 0x30, "vector (no fault before INT 0x30)"
    TEST "I/O bitmap: IN from a port whose bit is set -> #GP(0)"
    RING3
    FAULT3 13, 0, in al, 0x81
    TEST "I/O bitmap: word IN where the second port's bit is set -> #GP(0)"
    RING3
    FAULT3 13, 0, in ax, 0x8F
    TEST "I/O bitmap: port 0x100 (the all-ones byte) -> #GP(0)"
    RING3
    mov dx, 0x100
    FAULT3 13, 0, in al, dx
    TEST "I/O bitmap: port past the end of the map -> #GP(0)"
    RING3
    mov dx, 0x400
    FAULT3 13, 0, out dx, al
    TEST "I/O bitmap: IOPL 3 bypasses the map"
    RING3 0x3002
    in al, 0x81
    RING0
    EXPECT_EQ [EXC_VEC], 0x30, "vector (no fault before INT 0x30)"
    mov ecx, 0x67
    call set_tss_limit
    TEST "I/O bitmap: TSS limit 0x67 (no map) -> #GP(0)"
    RING3
    FAULT3 13, 0, in al, 0x80

    PASS

; ---------------------------------------------------------------- the tasks
task_b:
    mov [TVAR+0x00], eax
    mov [TVAR+0x04], ecx
    mov [TVAR+0x08], edx
    mov [TVAR+0x0C], ebx
    mov [TVAR+0x10], ebp
    mov [TVAR+0x14], esi
    mov [TVAR+0x18], edi
    mov [TVAR+0x1C], esp
    pushfd
    pop eax
    mov [TVAR+0x20], eax
    xor eax, eax
    str ax
    mov [TVAR+0x24], eax
    mov ax, es
    mov [TVAR+0x28], eax
    mov ax, gs
    mov [TVAR+0x2C], eax
    TYPE_OF eax, SEL_TSS
    mov [TVAR+0x30], eax
    TYPE_OF eax, SEL_TB
    mov [TVAR+0x34], eax
    mov eax, cr0
    mov [TVAR+0x38], eax
    movzx eax, word [TSS_B+T_LINK]
    mov [TVAR+0x3C], eax
    mov eax, 0xBBBB0001
    mov edi, 0xBBBB0002
    jmp SEL_TSS:0
.jmp_back_next:
    jmp task_b

task_c:
    pushfd
    pop eax
    mov [TVAR+0x40], eax
    inc dword [TVAR+0x54]
    movzx eax, word [TSS_C+T_LINK]
    mov [TVAR+0x44], eax
    TYPE_OF eax, SEL_TSS
    mov [TVAR+0x48], eax
    TYPE_OF eax, SEL_TC
    mov [TVAR+0x4C], eax
    xor eax, eax
    str ax
    mov [TVAR+0x50], eax
    mov edx, 0xC0C0C0C0
    iretd
.after_iret:
    jmp task_c

task_d:                         ; 16-bit TSS, CS = SEL_CODEF0 (base 0xF0000)
    mov [TVAR+0x60], ax
    mov [TVAR+0x64], bx
    setc [TVAR+0x68]
    str [TVAR+0x6C]
    mov al, [GDT_ENTRY(SEL_TD)+5]
    mov [TVAR+0x70], al
    mov [TVAR+0x74], es
    mov ax, 0xDDDD
    jmp SEL_TSS:0
.after_jmp:
    jmp task_d

task_e:
    pushfd
    pop eax
    mov [TVAR+0x40], eax
    movzx eax, word [TSS_E+T_LINK]
    mov [TVAR+0x44], eax
    xor eax, eax
    str ax
    mov [TVAR+0x50], eax
    mov [TVAR+0x58], esp
    iretd
    jmp task_e

task_f:                         ; #GP handler task: error code on the stack
    pop eax
    mov [TVAR+0x60], eax
    lea eax, [esp-4]
    mov [TVAR+0x64], eax
    mov eax, [TSS_BASE+T_EIP]
    mov [TVAR+0x68], eax
    movzx eax, word [TSS_F+T_LINK]
    mov [TVAR+0x6C], eax
    mov dword [TSS_BASE+T_EIP], test_main.tf_rec       ; skip the fault
    iretd
    jmp task_f

END_IMAGE
