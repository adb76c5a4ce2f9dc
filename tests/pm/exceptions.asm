; exceptions.asm -- protected-mode exceptions, their vectors, error codes
; and saved EIP, checked against the Intel SDM vol. 3, chapter 6
; ("Interrupt and exception handling": 6.3 sources, 6.5 fault/trap/abort
; classes, 6.12 delivery, 6.13 error code, 6.15 per-vector reference incl.
; table 6-4/6-5 for double faults) and chapter 17 (debug exceptions).
; 32-bit protected mode, paging off, flat segments.
; Exit status: 0 when every check passes, else the number of the first
; failing check. A triple fault is not tested (it would end the program).

%include "paging.inc"

; extra descriptors (GDT_RAM entries 6..)
SEL_CODE1   equ 0x30 | 1        ; code, DPL 1
SEL_NP      equ 0x38            ; writable data, DPL 0, not present
SEL_NP1     equ 0x40 | 1        ; writable data, DPL 1, not present
SEL_SMALL   equ 0x48            ; writable data, DPL 0, limit 0x1FFFF (bytes)
SEL_RO      equ 0x50            ; read-only data, DPL 0
SEL_BEYOND  equ 0x100           ; beyond the GDT limit (GDT_LIMIT = 0xFF)

VEC_RING1   equ 0x81            ; gate: DPL 3, target SEL_CODE1
VEC_NOGATE  equ 0x40            ; gate: DPL 0 (present) / not present
VEC_FAR     equ 0xA0            ; beyond a shortened IDT limit

; CHECK_EXC vector, error (-1: none), eip, "what"
%macro CHECK_EXC 4
    CHECK_EQ dword [exc_vec], %1, {%4, ": vector"}
%if %2 == -1
    CHECK_EQ dword [exc_has_err], 0, {%4, ": no error code"}
%else
    CHECK_EQ dword [exc_has_err], 1, {%4, ": an error code is pushed"}
    CHECK_EQ dword [exc_err], %2, {%4, ": error code"}
%endif
    CHECK_EQ dword [exc_eip], %3, {%4, ": saved EIP"}
%endmacro

%macro GATE_ABSENT 1
    and byte [IDT_RAM + (%1) * 8 + 5], 0x7F
%endmacro
%macro GATE_PRESENT 1
    or byte [IDT_RAM + (%1) * 8 + 5], 0x80
%endmacro

test_main:
    mov dword [GDT_RAM + 0x30], 0x0000FFFF
    mov dword [GDT_RAM + 0x34], 0x00CFBA00
    mov dword [GDT_RAM + 0x38], 0x0000FFFF
    mov dword [GDT_RAM + 0x3C], 0x00CF1200
    mov dword [GDT_RAM + 0x40], 0x0000FFFF
    mov dword [GDT_RAM + 0x44], 0x00CF3200
    mov dword [GDT_RAM + 0x48], 0x0000FFFF
    mov dword [GDT_RAM + 0x4C], 0x00419200
    mov dword [GDT_RAM + 0x50], 0x0000FFFF
    mov dword [GDT_RAM + 0x54], 0x00CF9000
    ; gate VEC_RING1: 32-bit interrupt gate, DPL 3, to ring-1 code
    mov eax, exc_stubs + VEC_RING1 * 16
    mov edx, eax
    and eax, 0xFFFF
    or eax, (SEL_CODE1 & 0xFFFC) << 16
    mov [IDT_RAM + VEC_RING1 * 8], eax
    and edx, 0xFFFF0000
    or edx, 0xEE00
    mov [IDT_RAM + VEC_RING1 * 8 + 4], edx

; ------------------------------------------------------------------- #DE
    TEST "#DE: DIV by zero, IDIV overflow"
    EXPECT_FAULT .r_de
    mov eax, 0x1234
    mov edx, 0x5678
    xor ecx, ecx
.f_de:
    div ecx
    NO_FAULT
.r_de:
    ; SDM 6.15 int 0: fault, no error code, EIP = the DIV; SDM DIV: #DE
    ; if the source operand is 0, and the destination is not written
    CHECK_EXC 0, -1, .f_de, "DIV by zero"
    CHECK_EQ dword [exc_eax], 0x1234, "DIV by zero: EAX unchanged"
    CHECK_EQ dword [exc_edx], 0x5678, "DIV by zero: EDX unchanged"
    CHECK_EQ dword [exc_frame], 12, "DIV by zero: EIP, CS, EFLAGS pushed (no error code)"
    EXPECT_FAULT .r_de2
    mov eax, 0x80000000
    mov edx, 0xFFFFFFFF
    mov ecx, -1
.f_de2:
    idiv ecx
    NO_FAULT
.r_de2:
    ; SDM IDIV: #DE if the quotient is too large for the destination
    CHECK_EXC 0, -1, .f_de2, "IDIV -2^31 / -1"

; ------------------------------------------------------------------- #DB
    TEST "#DB: single step (EFLAGS.TF)"
    xor eax, eax
    mov dr6, eax
    mov dword [iret_mode], 1
    CLEAR_EXC
    mov [saved_esp], esp
    pushfd
    or dword [esp], EF_TF
    popfd
    ; SDM 17.3.1.4: the instruction that sets TF does not trap; the next
    ; instruction executes and then a single-step trap (#DB) is taken with
    ; EIP pointing after it, DR6.BS set
    mov ebx, 0xB0B0
.after_step:
    nop
    mov dword [iret_mode], 0
    CHECK_EQ dword [exc_count], 1, "exactly one single-step trap (handler cleared TF)"
    CHECK_EXC 1, -1, .after_step, "single step after POPF"
    CHECK_EQ dword [exc_ebx], 0xB0B0, "single step: the stepped instruction completed before the trap"
    mov eax, dr6
    CHECK_MASK eax, 0x4000, 0x4000, "single step: DR6.BS (bit 14) set"

    TEST "#DB: DR0 instruction breakpoint, RF"
    xor eax, eax
    mov dr6, eax
    mov eax, .bp_insn
    mov dr0, eax
    mov eax, 0x00000001             ; L0; R/W0 = 00 (execute), LEN0 = 00
    mov dr7, eax
    mov dword [iret_mode], 1
    CLEAR_EXC
    mov [saved_esp], esp
    xor ebx, ebx
    jmp .bp_insn                    ; (new instruction boundary)
.bp_insn:
    mov ebx, 0xBEEF
    mov dword [iret_mode], 0
    xor eax, eax
    mov dr7, eax
    ; SDM 17.3.1.1: an instruction breakpoint is a fault taken before the
    ; instruction executes: EIP = the instruction, DR6.B0 set; the handler
    ; returns with RF=1 in the saved EFLAGS so the instruction then runs
    ; without a second #DB (SDM 17.3.1.1, RF)
    CHECK_EQ dword [exc_count], 1, "exactly one #DB for the breakpoint (RF suppresses the repeat)"
    CHECK_EXC 1, -1, .bp_insn, "instruction breakpoint DR0"
    CHECK_EQ dword [exc_ebx], 0, "instruction breakpoint is taken before the instruction executes"
    CHECK_EQ ebx, 0xBEEF, "after IRET with RF=1 the instruction executed"
    mov eax, dr6
    CHECK_MASK eax, 0x0F, 1, "instruction breakpoint: DR6.B0 set (B1..B3 clear)"

    TEST "#DB: DR1 data write breakpoint"
    xor eax, eax
    mov dr6, eax
    mov eax, 0x6000
    mov dr1, eax
    ; L1 (bit 2), R/W1 = 01 (data writes, bits 21:20), LEN1 = 11 (4 bytes,
    ; bits 23:22)
    mov eax, (1 << 2) | (1 << 20) | (3 << 22)
    mov dr7, eax
    mov dword [iret_mode], 1
    CLEAR_EXC
    mov [saved_esp], esp
    mov dword [0x6000], 0xD0D0
.after_dwrite:
    mov eax, [0x6000]               ; a read: no #DB for a write breakpoint
    mov dword [iret_mode], 0
    xor eax, eax
    mov dr7, eax
    ; SDM 17.3.1.2: a data breakpoint is a trap: the write completes and
    ; the saved EIP points after the instruction; DR6.B1 set
    CHECK_EQ dword [exc_count], 1, "one #DB for the write (none for the read)"
    CHECK_EXC 1, -1, .after_dwrite, "data write breakpoint DR1"
    CHECK_EQ dword [0x6000], 0xD0D0, "data breakpoint: the write completed"
    mov eax, dr6
    CHECK_MASK eax, 0x0F, 2, "data breakpoint: DR6.B1 set"
    xor eax, eax
    mov dr6, eax

; ------------------------------------------------------------ #BP, #OF, #BR
    TEST "#BP: INT3"
    EXPECT_FAULT .r_bp
    int3
.after_int3:
    NO_FAULT
.r_bp:
    ; SDM 6.15 int 3: trap, EIP = the instruction after INT3, no error code
    CHECK_EXC 3, -1, .after_int3, "INT3"

    TEST "#OF: INTO"
    EXPECT_FAULT .r_of0
    mov al, 0x10
    add al, 1                       ; OF = 0
    into
    NO_FAULT
.r_of0:
    ; SDM INTO: no exception when OF = 0
    CHECK_EQ dword [exc_count], 0, "INTO with OF=0 does nothing"
    EXPECT_FAULT .r_of
    mov al, 0x7F
    add al, 1                       ; OF = 1
    into
.after_into:
    NO_FAULT
.r_of:
    ; SDM 6.15 int 4: trap, EIP after INTO, no error code
    CHECK_EXC 4, -1, .after_into, "INTO with OF=1"

    TEST "#BR: BOUND"
    EXPECT_FAULT .r_br0
    mov eax, 15
    bound eax, [bounds]
    NO_FAULT
.r_br0:
    CHECK_EQ dword [exc_count], 0, "BOUND within the bounds does nothing"
    EXPECT_FAULT .r_br
    mov eax, 21
.f_br:
    bound eax, [bounds]
    NO_FAULT
.r_br:
    ; SDM 6.15 int 5: fault, EIP = the BOUND, no error code
    CHECK_EXC 5, -1, .f_br, "BOUND above the upper bound"
    EXPECT_FAULT .r_br2
    mov eax, 9
.f_br2:
    bound eax, [bounds]
    NO_FAULT
.r_br2:
    CHECK_EXC 5, -1, .f_br2, "BOUND below the lower bound"

; ------------------------------------------------------------------- #UD
    TEST "#UD: UD2, LOCK with a register destination"
    EXPECT_FAULT .r_ud
.f_ud:
    ud2
    NO_FAULT
.r_ud:
    ; SDM 6.15 int 6: fault, EIP = the instruction, no error code
    CHECK_EXC 6, -1, .f_ud, "UD2"
    EXPECT_FAULT .r_lock
    mov eax, 1
.f_lock:
    db 0xF0                         ; LOCK
    add eax, ebx                    ; register destination
    NO_FAULT
.r_lock:
    ; SDM LOCK: #UD if LOCK is used with a non-memory destination
    CHECK_EXC 6, -1, .f_lock, "LOCK ADD reg, reg"
    CHECK_EQ dword [exc_eax], 1, "LOCK ADD reg, reg: EAX not modified"

    EXPECT_FAULT .r_lock2
.f_lock2:
    db 0xF0                         ; LOCK
    mov [0x6000], eax               ; MOV cannot be locked
    NO_FAULT
.r_lock2:
    ; SDM LOCK: #UD if the instruction is not one of the lockable ones
    CHECK_EXC 6, -1, .f_lock2, "LOCK MOV m32, r32"

; ------------------------------------------------------------------- #NM
    TEST "#NM: CR0.TS and CR0.EM"
    mov eax, cr0
    and eax, ~(CR0_EM | CR0_MP)
    or eax, CR0_TS
    mov cr0, eax
    EXPECT_FAULT .r_nm1
.f_nm1:
    fninit
    NO_FAULT
.r_nm1:
    ; SDM 6.15 int 7 / 2.5: TS=1, EM=0: an x87 instruction raises #NM
    ; (fault, no error code)
    CHECK_EXC 7, -1, .f_nm1, "FNINIT with CR0.TS=1"
    mov eax, cr0
    or eax, CR0_MP
    mov cr0, eax
    EXPECT_FAULT .r_nm2
.f_nm2:
    wait
    NO_FAULT
.r_nm2:
    ; SDM 2.5 (table 2-2): WAIT/FWAIT raises #NM when MP=1 and TS=1
    CHECK_EXC 7, -1, .f_nm2, "WAIT with CR0.MP=1, TS=1"
    mov eax, cr0
    and eax, ~(CR0_TS | CR0_MP)
    or eax, CR0_EM
    mov cr0, eax
    EXPECT_FAULT .r_nm3
.f_nm3:
    fninit
    NO_FAULT
.r_nm3:
    ; SDM 2.5 (table 2-2): EM=1: an x87 instruction raises #NM
    CHECK_EXC 7, -1, .f_nm3, "FNINIT with CR0.EM=1"
    mov eax, cr0
    and eax, ~(CR0_TS | CR0_EM | CR0_MP)
    mov cr0, eax
    clts

; ------------------------------------------------------- #NP, #SS, #GP
    TEST "#NP: not-present segment, not-present gate"
    EXPECT_FAULT .r_np
    mov ax, SEL_NP
.f_np:
    mov ds, ax
    NO_FAULT
.r_np:
    ; SDM MOV (segment): #NP(selector) if the segment is not present;
    ; SDM 6.13: the error code is the selector index with TI, EXT=0, IDT=0
    CHECK_EXC 11, SEL_NP, .f_np, "MOV DS, not-present segment"
    GATE_ABSENT VEC_NOGATE
    EXPECT_FAULT .r_npg
.f_npg:
    int VEC_NOGATE
    NO_FAULT
.r_npg:
    ; SDM 6.12.1.x / 6.13: a not-present gate gives #NP with the IDT bit
    ; (bit 1) set and the vector as index: vector*8 + 2 (EXT=0 for INT n)
    CHECK_EXC 11, VEC_NOGATE * 8 + 2, .f_npg, "INT n through a not-present gate"
    GATE_PRESENT VEC_NOGATE

    TEST "benign exception through a not-present gate: EXT bit"
    GATE_ABSENT 6
    EXPECT_FAULT .r_ext
.f_ext:
    ud2
    NO_FAULT
.r_ext:
    ; SDM 6.15 table 6-5: #UD is benign, #NP contributory: handled
    ; serially (no #DF); SDM 6.13: EXT=1 as the #NP happened while
    ; delivering an exception: error 6*8 + 2 + 1
    CHECK_EXC 11, 6 * 8 + 3, .f_ext, "#UD through a not-present gate"
    GATE_PRESENT 6
    GATE_ABSENT 3
    EXPECT_FAULT .r_ext3
.f_ext3:
    int3
    NO_FAULT
.r_ext3:
    ; INT3 is a software interrupt: EXT=0 (SDM 6.13), EIP = the INT3
    CHECK_EXC 11, 3 * 8 + 2, .f_ext3, "INT3 through a not-present gate"
    GATE_PRESENT 3

    TEST "#DF: contributory exception while delivering a contributory one"
    GATE_ABSENT 11
    EXPECT_FAULT .r_df
    mov ax, SEL_NP
    mov ds, ax                      ; #NP, whose gate is not present: #NP
    NO_FAULT
.r_df:
    ; SDM 6.15 int 8, table 6-5: contributory (#NP) during delivery of a
    ; contributory (#NP) -> #DF, error code 0 (the saved EIP is undefined)
    CHECK_EQ dword [exc_vec], 8, "#NP while delivering #NP: #DF"
    CHECK_EQ dword [exc_has_err], 1, "#DF pushes an error code"
    CHECK_EQ dword [exc_err], 0, "#DF error code is 0"
    GATE_PRESENT 11
    GATE_ABSENT 0
    EXPECT_FAULT .r_df2
    xor ecx, ecx
    div ecx                         ; #DE, gate not present: #NP
    NO_FAULT
.r_df2:
    ; table 6-5: #DE is contributory too
    CHECK_EQ dword [exc_vec], 8, "#NP while delivering #DE: #DF"
    CHECK_EQ dword [exc_err], 0, "#DF error code is 0 (#DE case)"
    GATE_PRESENT 0
    ; the gate for #NP has a type that is not an interrupt/trap/task gate:
    ; delivering #NP raises #GP (SDM 6.12.1.1), contributory: #DF
    mov eax, [IDT_RAM + 11 * 8 + 4]
    mov [scratch], eax
    and dword [IDT_RAM + 11 * 8 + 4], ~0x1F00
    or dword [IDT_RAM + 11 * 8 + 4], 0x0C00     ; call-gate type
    EXPECT_FAULT .r_df3
    mov ax, SEL_NP
    mov ds, ax
    NO_FAULT
.r_df3:
    mov eax, [scratch]
    mov [IDT_RAM + 11 * 8 + 4], eax
    CHECK_EQ dword [exc_vec], 8, "#GP while delivering #NP: #DF"
    CHECK_EQ dword [exc_err], 0, "#DF error code is 0 (#GP during #NP)"

    TEST "#SS"
    mov ax, SEL_SMALL
    EXPECT_FAULT .r_ss
    mov ss, ax
    mov ebp, 0x30000
.f_ss:
    mov eax, [ebp]                  ; SS-relative, beyond the limit
    NO_FAULT
.r_ss:
    ; SDM 6.15 int 12: a limit violation on an SS-relative access gives
    ; #SS(0); fault, EIP = the instruction
    CHECK_EXC 12, 0, .f_ss, "SS-relative access beyond the SS limit"
    EXPECT_FAULT .r_ss2
    mov ax, SEL_NP
.f_ss2:
    mov ss, ax
    NO_FAULT
.r_ss2:
    ; SDM MOV: loading SS with a not-present segment: #SS(selector)
    CHECK_EXC 12, SEL_NP, .f_ss2, "MOV SS, not-present segment"

    TEST "#GP"
    EXPECT_FAULT .r_gp1
    mov ax, SEL_BEYOND
.f_gp1:
    mov ds, ax
    NO_FAULT
.r_gp1:
    ; SDM MOV: selector beyond the descriptor table limit: #GP(selector)
    CHECK_EXC 13, SEL_BEYOND, .f_gp1, "MOV DS, selector beyond the GDT limit"
    EXPECT_FAULT .r_gp2
    mov ax, SEL_RO
    mov ds, ax
.f_gp2:
    mov dword [0x5000], 1
    NO_FAULT
.r_gp2:
    ; SDM 6.15 int 13: write to a read-only data segment: #GP(0)
    CHECK_EXC 13, 0, .f_gp2, "write through a read-only data segment"
    mov ax, SEL_DATA0
    mov ds, ax
    EXPECT_FAULT .r_gp3
    xor eax, eax
    mov es, ax
.f_gp3:
    mov eax, [es:0x5000]
    NO_FAULT
.r_gp3:
    ; SDM 6.15 int 13: memory access through a null segment: #GP(0)
    CHECK_EXC 13, 0, .f_gp3, "access through a null ES"
    mov ax, SEL_DATA0
    mov es, ax
    EXPECT_FAULT .r_gp4
    lidt [idtr_short]
.f_gp4:
    int VEC_FAR
    NO_FAULT
.r_gp4:
    lidt [idtr_ram]
    ; SDM 6.12.1 / 6.13 / INT n: a vector beyond the IDT limit gives
    ; #GP(vector*8 + 2): IDT bit set, EXT clear for INT n
    CHECK_EXC 13, VEC_FAR * 8 + 2, .f_gp4, "INT n beyond the IDT limit"

    ; SDM MOV CR: #GP(0) on an attempt to set CR0.NW with CR0.CD clear
    EXPECT_FAULT .r_gp5
    mov eax, cr0
    and eax, ~(1 << 30)
    or eax, 1 << 29
.f_gp5:
    mov cr0, eax
    NO_FAULT
.r_gp5:
    mov eax, cr0                    ; (whatever happened: NW clear again)
    and eax, ~(1 << 29)
    mov cr0, eax
    CHECK_EXC 13, 0, .f_gp5, "MOV CR0 with NW=1, CD=0"
    ; SDM MOV CR: #GP(0) on an attempt to set a reserved bit of CR4
    EXPECT_FAULT .r_gp6
    mov eax, cr4
    or eax, 1 << 31
.f_gp6:
    mov cr4, eax
    NO_FAULT
.r_gp6:
    mov eax, cr4
    and eax, ~(1 << 31)
    mov cr4, eax
    CHECK_EXC 13, 0, .f_gp6, "MOV CR4 with reserved bit 31 set"
    ; SDM WRMSR: #GP(0) for a reserved or unimplemented MSR address
    EXPECT_FAULT .r_gp7
    mov ecx, 0x4000FFFF
    xor eax, eax
    xor edx, edx
.f_gp7:
    wrmsr
    NO_FAULT
.r_gp7:
    CHECK_EXC 13, 0, .f_gp7, "WRMSR to an unimplemented MSR"
    ; SDM 6.12.1.1 / INT n: a gate whose type is not an interrupt, trap or
    ; task gate: #GP(vector*8 + 2)
    mov eax, [IDT_RAM + VEC_NOGATE * 8 + 4]
    mov [scratch], eax
    and dword [IDT_RAM + VEC_NOGATE * 8 + 4], ~0x1F00
    or dword [IDT_RAM + VEC_NOGATE * 8 + 4], 0x0C00   ; a call-gate type
    EXPECT_FAULT .r_gp8
.f_gp8:
    int VEC_NOGATE
    NO_FAULT
.r_gp8:
    mov eax, [scratch]
    mov [IDT_RAM + VEC_NOGATE * 8 + 4], eax
    CHECK_EXC 13, VEC_NOGATE * 8 + 2, .f_gp8, "INT n through a call-gate descriptor in the IDT"

    TEST "#GP at CPL 3"
    RING3 .u_gp1, .r_ugp1, 2
.u_gp1:
    int VEC_NOGATE                  ; gate DPL 0
    USER_RETURN
.r_ugp1:
    ; SDM INT n: gate DPL < CPL: #GP(vector*8 + 2)
    CHECK_EXC 13, VEC_NOGATE * 8 + 2, .u_gp1, "CPL 3 INT n through a DPL-0 gate"
    CHECK_EQ dword [exc_cs], SEL_CODE3, "CPL 3 INT n: saved CS is the ring-3 code"
    CHECK_EQ dword [exc_frame], 24, "CPL 3 #GP: SS, ESP, EFLAGS, CS, EIP, error code on the ring-0 stack"
    RING3 .u_gp2, .r_ugp2, 2
.u_gp2:
    cli                             ; IOPL 0
    USER_RETURN
.r_ugp2:
    ; SDM CLI: #GP(0) if CPL > IOPL
    CHECK_EXC 13, 0, .u_gp2, "CLI at CPL 3 with IOPL 0"
    RING3 .u_gp3, .r_ugp3, 2
.u_gp3:
    mov eax, cr0
    USER_RETURN
.r_ugp3:
    ; SDM MOV CR: #GP(0) if CPL is not 0
    CHECK_EXC 13, 0, .u_gp3, "MOV from CR0 at CPL 3"
    RING3 .u_gp4, .r_ugp4, 2
.u_gp4:
    hlt
    USER_RETURN
.r_ugp4:
    ; SDM HLT: #GP(0) if CPL is not 0
    CHECK_EXC 13, 0, .u_gp4, "HLT at CPL 3"
    RING3 .u_gp5, .r_ugp5, 2
.u_gp5:
    mov ecx, 0x10
    rdmsr
    USER_RETURN
.r_ugp5:
    ; SDM RDMSR: #GP(0) if CPL is not 0
    CHECK_EXC 13, 0, .u_gp5 + 5, "RDMSR at CPL 3"
    RING3 .u_gp6, .r_ugp6, 2
.u_gp6:
    lgdt [gdtr_ram]
    USER_RETURN
.r_ugp6:
    ; SDM LGDT: #GP(0) if CPL is not 0
    CHECK_EXC 13, 0, .u_gp6, "LGDT at CPL 3"

; ------------------------------------------------------------------- #TS
    TEST "#TS / #SS on the inner stack of an interrupt to ring 1"
    mov dword [TSS_RAM + 0x0C], 0x18000    ; ESP1
    mov dword [TSS_RAM + 0x10], SEL_DATA0 | 1  ; SS1: RPL 1 but DPL 0
    RING3 .u_ts, .r_ts, 2
.u_ts:
    int VEC_RING1
    USER_RETURN
.r_ts:
    ; SDM INT n (inter-privilege): new SS with RPL/DPL != new CPL:
    ; #TS(SS selector), EXT=0 for INT n; fault on the INT instruction
    CHECK_EXC 10, SEL_DATA0, .u_ts, "INT n to ring 1 with a bad SS1"
    mov dword [TSS_RAM + 0x10], SEL_NP1
    RING3 .u_ss, .r_ss1, 2
.u_ss:
    int VEC_RING1
    USER_RETURN
.r_ss1:
    ; SDM INT n: new stack segment not present: #SS(SS selector)
    CHECK_EXC 12, SEL_NP1 & 0xFFFC, .u_ss, "INT n to ring 1 with SS1 not present"
    ; the same for an exception (EXT=1): #UD routed to ring 1
    mov dword [TSS_RAM + 0x10], SEL_DATA0 | 1
    mov eax, [IDT_RAM + 6 * 8]
    mov [scratch], eax
    mov eax, [IDT_RAM + VEC_RING1 * 8]
    mov [IDT_RAM + 6 * 8], eax
    RING3 .u_ts2, .r_ts2, 2
.u_ts2:
    ud2
    USER_RETURN
.r_ts2:
    mov eax, [scratch]
    mov [IDT_RAM + 6 * 8], eax
    ; SDM 6.13: EXT=1 while delivering an exception: #TS(SS1 | 1)
    CHECK_EXC 10, SEL_DATA0 | 1, .u_ts2, "#UD delivered to ring 1 with a bad SS1"
    mov dword [TSS_RAM + 0x10], 0

; ------------------------------------------------------------------- #PF
    TEST "#PF"
    call setup_paging32
    mov dword [PT_IDENT + 0x300 * 4], 0    ; 0x300000 not present
    call paging_on
    EXPECT_FAULT .r_pf
.f_pf:
    mov eax, [0x300123]
    NO_FAULT
.r_pf:
    call paging_off
    ; SDM 6.15 int 14: fault with an error code (P=0 read supervisor: 0),
    ; CR2 = the linear address
    CHECK_EXC 14, 0, .f_pf, "read of a not-present page"
    CHECK_EQ dword [exc_cr2], 0x300123, "#PF: CR2"

; ------------------------------------------------------------------- #AC
    TEST "#AC: alignment check"
    mov eax, cr0
    or eax, CR0_AM
    mov cr0, eax
    RING3 .u_ac, .r_ac, 2 | EF_AC
.u_ac:
    mov eax, [0x5001]
    USER_RETURN
.r_ac:
    ; SDM 6.15 int 17: CR0.AM=1, EFLAGS.AC=1, CPL 3, unaligned data
    ; access: #AC, fault, error code 0
    CHECK_EXC 17, 0, .u_ac, "misaligned dword read at CPL 3 with AM=1, AC=1"
    RING3 .u_ac2, .r_ac2, 2 | EF_AC
.u_ac2:
    mov eax, [0x5004]
    USER_RETURN
.r_ac2:
    CHECK_EQ dword [exc_vec], VEC_RING0, "aligned read with alignment checking: no #AC"
    RING3 .u_ac3, .r_ac3, 2
.u_ac3:
    mov eax, [0x5001]
    USER_RETURN
.r_ac3:
    CHECK_EQ dword [exc_vec], VEC_RING0, "misaligned read with EFLAGS.AC=0: no #AC"
    EXPECT_FAULT .r_ac4
    push dword 2 | EF_AC
    popfd
    mov eax, [0x5001]
    NO_FAULT
.r_ac4:
    ; SDM 6.15 int 17: alignment checking is done at CPL 3 only
    CHECK_EQ dword [exc_count], 0, "misaligned read at CPL 0 with AM=1, AC=1: no #AC"
    push dword 2
    popfd
    mov eax, cr0
    and eax, ~CR0_AM
    mov cr0, eax
    RING3 .u_ac5, .r_ac5, 2 | EF_AC
.u_ac5:
    mov eax, [0x5001]
    USER_RETURN
.r_ac5:
    CHECK_EQ dword [exc_vec], VEC_RING0, "misaligned read at CPL 3, AC=1 but CR0.AM=0: no #AC"
    ret

bounds:     dd 10, 20
idtr_short: dw 0x90 * 8 - 1
            dd IDT_RAM

PM_TAIL
