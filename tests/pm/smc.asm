; smc.asm -- self-modifying and cross-modifying code in protected mode with
; paging on, checked against the Intel SDM vol. 3:
;  - 8.1.3 ("Handling self- and cross-modifying code"): code stored as data
;    and then reached by a jump (option 1) or after a serializing
;    instruction such as CPUID (option 2) must execute as modified;
;  - 11.6 ("Self-modifying code"): a write to code cached in the processor
;    invalidates it (checked by physical address); the P6 family also checks
;    whether a write modifies an instruction already prefetched, by linear
;    address, and invalidates the prefetch queue. So a store through the
;    same linear address to an instruction a few bytes ahead is seen; a
;    store through another linear alias is only guaranteed after a jump or
;    a serializing instruction (without one either result is accepted).
; The code under test is a template copied to RAM at CODE_RAM (identity
; mapped) which is also mapped at the linear alias ALIAS.
; Exit status: 0 when every check passes, else the first failing check.

%include "paging.inc"

CODE_RAM equ 0x50000
ALIAS    equ 0x400000
%define R(x) (CODE_RAM + (x) - tmpl)      ; identity address of a template label
%define A(x) (ALIAS + (x) - tmpl)         ; its alias address

test_main:
    call setup_paging32
    mov eax, ALIAS
    mov edx, CODE_RAM | PG_P | PG_RW
    call map4k
    mov eax, ALIAS + 0x1000
    mov edx, (CODE_RAM + 0x1000) | PG_P | PG_RW
    call map4k
    call paging_on

; ------------------------------------------------------------------------
    TEST "store to an instruction a few bytes ahead, same linear address"
    call copy_tmpl
    mov ecx, 0x22222222
    call R(t1)
    ; SDM 11.6: the P6 detects the store to a prefetched instruction (same
    ; linear address) and refetches: the new immediate is used
    CHECK_EQ eax, 0x22222222, "the patched MOV immediate is executed (1st patch)"
    mov ecx, 0x33333333
    call R(t1)
    CHECK_EQ eax, 0x33333333, "the patched MOV immediate is executed (2nd patch, same code)"
    mov ecx, 0x44444444
    call R(t1b)
    ; the patched instruction is the next one, and the store is a byte
    CHECK_EQ eax, 0x44444444, "byte store into the very next instruction's immediate"
    call R(t1c)
    ; the store changes the opcode of the next instruction (NOP -> INC EAX)
    CHECK_EQ eax, 1, "store turning the next instruction from NOP into INC EAX"
    call R(t1c)
    CHECK_EQ eax, 1, "the modified code, executed again, is still the new code"

; ------------------------------------------------------------------------
    TEST "store through another linear alias of the code's page"
    call copy_tmpl
    mov ecx, 0x55555555
    call R(t2)
    ; SDM 8.1.3 option 1: store, then jump to the new code
    CHECK_EQ eax, 0x55555555, "store via the alias, then a jump: new code executes"
    mov esi, 0x66666666
    call R(t2b)
    ; SDM 8.1.3 option 2: store, then a serializing instruction (CPUID)
    CHECK_EQ eax, 0x66666666, "store via the alias, then CPUID: new code executes"
    mov ecx, 0x77777777
    call R(t2c)
    ; no jump, no serialization: old or new immediate (SDM 11.6)
    cmp eax, 0x77777777
    je .t2c_ok
    CHECK_EQ eax, 0, "store via the alias, no serialization: old (0) or new value"
    jmp .t2c_done
.t2c_ok:
    CHECK_EQ eax, 0x77777777, "store via the alias, no serialization: old (0) or new value"
.t2c_done:
    ; run the code at the alias after changing it through the identity
    ; mapping; the CALL is the jump of option 1
    mov dword [R(t5_imm) + 1], 0x88888888
    call A(t5)
    CHECK_EQ eax, 0x88888888, "modified via identity, executed at the alias"
    mov dword [A(t5_imm) + 1], 0x99999999
    call R(t5)
    CHECK_EQ eax, 0x99999999, "modified via the alias, executed at the identity address"
    mov dword [A(t5_imm) + 1], 0xAAAAAAAA
    call A(t5)
    CHECK_EQ eax, 0xAAAAAAAA, "modified via the alias, executed at the alias"

; ------------------------------------------------------------------------
    TEST "REP MOVSB copying new code over the rest of the running block"
    call copy_tmpl
    call R(t3)
    ; SDM 11.6: same linear address: the string store is detected
    CHECK_EQ eax, 0x600D, "code after REP MOVSB is the newly copied code"
    CHECK_EQ ecx, 0, "REP MOVSB completed"
    call R(t3)
    CHECK_EQ eax, 0x600D, "second run of the modified block"
    call copy_tmpl
    call R(t4)
    ; REP MOVSD replacing `mov eax, 0xBAD0; jmp t4_loop` right after it
    ; by `mov eax, 0xC0DE; ret`
    CHECK_EQ eax, 0xC0DE, "REP MOVSD over the next instructions: the new ones run"
    CHECK_EQ ebx, 1, "the replaced JMP back did not run (returned on the first pass)"

; ------------------------------------------------------------------------
    TEST "code page write with paging, other pages unaffected"
    call copy_tmpl
    mov ecx, 0x12121212
    call R(t1)
    mov dword [CODE_RAM + 0xF00], 0x5A5A5A5A    ; data on the code page
    mov ecx, 0x13131313
    call R(t1)
    CHECK_EQ eax, 0x13131313, "code still right after a data write to its page"
    CHECK_EQ dword [ALIAS + 0xF00], 0x5A5A5A5A, "data write visible through the alias"
    call paging_off
    ret

copy_tmpl:
    pushad
    mov esi, tmpl
    mov edi, CODE_RAM
    mov ecx, tmpl_end - tmpl
    rep movsb
    popad
    ret

; ---------------------------------------------------------------- template
; (copied to CODE_RAM; label addresses through R() and A())
align 16
tmpl:
t1:                                 ; ECX = new immediate
    mov [R(t1_imm) + 1], ecx
t1_imm:
    mov eax, 0x11111111
    ret

t1b:                                ; ECX = new immediate, stored bytewise
    mov eax, ecx
    mov [R(t1b_imm) + 1], al
    mov [R(t1b_imm) + 2], ah
    shr eax, 16
    mov [R(t1b_imm) + 3], al
    mov [R(t1b_imm) + 4], ah
t1b_imm:
    mov eax, 0
    ret

t1c:
    xor eax, eax
    mov byte [R(t1c_op)], 0x40      ; INC EAX
t1c_op:
    nop
    ret

t2:                                 ; ECX = new immediate
    mov [A(t2_imm) + 1], ecx
    jmp t2_imm
t2_imm:
    mov eax, 0
    ret

t2b:                                ; ESI = new immediate
    mov [A(t2b_imm) + 1], esi
    push ebx
    xor eax, eax
    cpuid                           ; serializing
    pop ebx
t2b_imm:
    mov eax, 0
    ret

t2c:                                ; ECX = new immediate
    mov [A(t2c_imm) + 1], ecx
t2c_imm:
    mov eax, 0
    ret

t5:
t5_imm:
    mov eax, 0
    ret

t3:
    mov esi, R(t3_new)
    mov edi, R(t3_target)
    mov ecx, t3_new_end - t3_new
    rep movsb
t3_target:
    mov eax, 0x0BAD
    ret
t3_new:
    mov eax, 0x600D
    ret
t3_new_end:

t4:
    xor ebx, ebx
t4_loop:
    inc ebx
    cmp ebx, 2
    je t4_target                    ; second pass: run the patched code
    mov esi, R(t4_new)
    mov edi, R(t4_target)
    mov ecx, (t4_new_end - t4_new) / 4
    rep movsd
t4_target:
    mov eax, 0xBAD0
    jmp short t4_loop               ; replaced by RET after the copy
    nop
t4_new:
    mov eax, 0xC0DE
    ret
    nop
    nop
t4_new_end:
%if (t4_new_end - t4_new) != 8 || (t4_new - t4_target) != 8
%error t4_new and t4_target must be 8 bytes
%endif
tmpl_end:

%if tmpl_end - tmpl > 0xE00
%error template too large
%endif

PM_TAIL
