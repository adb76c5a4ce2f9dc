; The guest side of `make bench-cpu`: a fixed instruction mix for measuring
; the interpreter, in 16-bit real mode with 0x66/0x67-prefixed 32-bit forms.
; Eight kernels run one after another; each ends by writing its result to
; port BENCH_PORT (a 32-bit OUT), which is where bench_cpu.c takes its time
; stamps and instruction counts, and folds it into a running checksum. The
; program ends with that checksum in EAX and HLT.
;
; bench_cpu.c holds the expected result of every kernel, the final EAX and
; the number of instructions between markers, all derived from this text
; (the derivations are next to the constants there). Change a count here
; and they must be derived again; the parameter block at offset 4 lets
; bench_cpu notice a .bin that does not match its constants.
;
; Load at physical 0x10000 and start at 1000:0000. Uses DS = 0x2000,
; ES = 0x3000, SS:SP = 4000:FFF0, which it sets itself.
;
; Build: nasm -f bin -o mix.bin mix.asm

bits 16
org 0

BENCH_PORT equ 0xB0
TOTAL      equ 0xFFF0           ; DS offset of the running checksum

N_ALU      equ 6000000          ; ALU loop iterations (a multiple of 8)
R_MEM      equ 3500             ; passes over the 4 KiB buffer (< 65536)
R_STR      equ 20000            ; string kernel rounds (< 65536)
N_CALL     equ 5000000          ; CALL/RET loop iterations
N_JCC      equ 4000000          ; branch loop iterations (a multiple of 256)
N_PUSH     equ 4000000          ; PUSH/POP loop iterations
N_SHIFT    equ 4000008          ; shift loop iterations (8 mod 16)
N_MULDIV   equ 3000000          ; MUL/DIV loop iterations

    jmp near start              ; 3 bytes, then the parameter block at 4
    db 0
params:
    db 'HMIX'
    dd N_ALU, R_MEM, R_STR, N_CALL, N_JCC, N_PUSH, N_SHIFT, N_MULDIV

; Report EAX as the result of the kernel that just ended; fold it into
; TOTAL as TOTAL = rol(TOTAL, 1) ^ EAX. Three instructions.
%macro KERNEL_END 0
    out BENCH_PORT, eax
    rol dword [TOTAL], 1
    xor [TOTAL], eax
%endmacro

start:
    cli
    mov ax, 0x2000
    mov ds, ax
    mov ax, 0x3000
    mov es, ax
    mov ax, 0x4000
    mov ss, ax
    mov sp, 0xFFF0
    cld
    xor eax, eax
    mov [TOTAL], eax
    KERNEL_END                  ; marker 0: the start (EAX = 0)

; 1. ALU: register arithmetic in 32, 16 and 8 bits.
;    A = sum of i; W = N*phi (a Weyl sequence) with C counting its carries;
;    D = -sum of (i & 7), with the OR/XOR pair leaving EDX = i & 7.
k_alu:
    xor eax, eax                ; A
    xor ebx, ebx                ; i
    xor ebp, ebp                ; W
    xor esi, esi                ; C
    xor edi, edi                ; D
.loop:
    add eax, ebx
    add ebp, 0x9E3779B9
    adc esi, 0
    mov edx, ebx
    and edx, 7
    or dx, 0x0100
    xor dh, 1
    sub edi, edx
    inc ebx
    cmp ebx, N_ALU
    jb .loop
    add eax, ebp
    add eax, esi
    add eax, edi
    KERNEL_END

; 2. Memory: fill DS:0..FFF with dword k = k * 0x10001 (k = 0..1023), then
;    R_MEM passes that copy it to ES:0 with MOV loads and stores, bumping
;    each source dword by one as it goes, and add up the copy.
k_mem:
    xor si, si
    xor eax, eax
    mov cx, 1024
.fill:
    mov [si], eax
    add eax, 0x10001
    add si, 4
    dec cx
    jnz .fill
    xor ebx, ebx                ; sum
    mov bp, R_MEM
.pass:
    xor si, si
    xor di, di
    mov cx, 1024
.copy:
    mov eax, [si]
    mov [es:di], eax
    inc eax
    mov [si], eax
    add si, 4
    add di, 4
    dec cx
    jnz .copy
    xor di, di
    mov cx, 1024
.sum:
    add ebx, [es:di]
    add di, 4
    dec cx
    jnz .sum
    dec bp
    jnz .pass
    mov eax, ebx
    KERNEL_END

; 3. Strings. DS:0..FFF now holds dword k = k * 0x10001 + R_MEM. Each round:
;    REP MOVSD and REP MOVSB copy it to ES:0..FFF; NOT spoils ES:7F0 and
;    REPE CMPSB finds it (CX = 15 left); a LODSB loop adds the 64 bytes at
;    DS:100; REP STOSD fills ES:1000..1FFF with the round counter, read
;    back from ES:1FFC. A REP instruction counts as one instruction.
k_str:
    xor ecx, ecx
    xor ebx, ebx                ; checksum
    mov bp, R_STR
.round:
    xor si, si
    xor di, di
    mov cx, 512
    rep movsd
    mov cx, 2048                ; SI = DI = 0x800 now
    rep movsb
    not byte [es:0x7F0]
    xor si, si
    xor di, di
    mov cx, 2048
    repe cmpsb
    add ebx, ecx
    mov si, 0x100
    mov cx, 64
    xor eax, eax
.lods:
    lodsb
    add ebx, eax
    loop .lods
    movzx eax, bp
    mov di, 0x1000
    mov cx, 1024
    rep stosd
    add ebx, [es:0x1FFC]
    dec bp
    jnz .round
    mov eax, ebx
    KERNEL_END

; 4. Near CALL/RET, two deep: f1 adds 2i+1 to EAX (a 32-bit LEA with SIB,
;    so 0x67 as well), f2 counts i. EAX = N_CALL squared.
k_call:
    xor eax, eax
    xor ebx, ebx
    mov ecx, N_CALL
.loop:
    call f1
    dec ecx
    jnz .loop
    KERNEL_END

; 5. Conditional branches on the bits of i, taken and not taken in fixed
;    patterns: ESI counts odd i, EDI counts (i & 6) == 0 and EDX counts
;    down otherwise, EBP counts (i & 0xFF) >= 0xC0.
k_jcc:
    xor ebx, ebx
    xor esi, esi
    xor edi, edi
    xor edx, edx
    xor ebp, ebp
.loop:
    test bl, 1
    jz .even
    inc esi
.even:
    test bl, 6
    jnz .else
    inc edi
    jmp .join
.else:
    dec edx
.join:
    cmp bl, 0xC0
    jb .low
    inc ebp
.low:
    inc ebx
    cmp ebx, N_JCC
    jne .loop
    mov eax, esi
    xor eax, edi
    sub eax, edx
    add eax, ebp
    KERNEL_END

; 6. PUSH/POP: swapping EAX and EBX through the stack and adding makes
;    (EAX, EBX) = (F(n+1), F(n)), Fibonacci; a PUSH imm / POP r pair adds
;    0x5A to SI each time.
k_stack:
    mov eax, 1
    xor ebx, ebx
    xor esi, esi
    mov ecx, N_PUSH
.loop:
    push eax
    push ebx
    pop eax
    pop ebx
    add eax, ebx
    push word 0x5A
    pop dx
    add si, dx
    dec ecx
    jnz .loop
    add eax, esi
    xor eax, ebx
    KERNEL_END

; 7. Shifts and rotates: ROL/ROR by constants, SHL/SHR giving 4i, SAR of
;    0x80000000 by CL = i & 15.
k_shift:
    mov eax, 0x12345678
    mov edx, 0x9ABCDEF0
    xor ebx, ebx
    xor edi, edi
    xor ebp, ebp
.loop:
    rol eax, 5
    ror edx, 3
    mov esi, ebx
    shl esi, 4
    shr esi, 2
    add edi, esi
    mov cl, bl
    and cl, 15
    mov esi, 0x80000000
    sar esi, cl
    add ebp, esi
    inc ebx
    cmp ebx, N_SHIFT
    jb .loop
    xor eax, edx
    add eax, edi
    add eax, ebp
    KERNEL_END

; 8. MUL, DIV and IMUL: ESI = sum of (i*i + 3i) (IMUL gives -3i), EDI the
;    remainders and EBP the quotients of i / 7.
k_muldiv:
    xor ebx, ebx
    xor esi, esi
    xor edi, edi
    xor ebp, ebp
    mov ecx, 7
.loop:
    mov eax, ebx
    mul ebx
    add esi, eax
    mov eax, ebx
    xor edx, edx
    div ecx
    add edi, edx
    add ebp, eax
    imul eax, ebx, -3
    sub esi, eax
    inc ebx
    cmp ebx, N_MULDIV
    jb .loop
    mov eax, esi
    xor eax, edi
    add eax, ebp
    KERNEL_END

    mov eax, [TOTAL]
    hlt

; Subroutines of kernel 4.
f1:
    lea eax, [eax+ebx*2+1]
    call f2
    ret
f2:
    inc ebx
    ret
