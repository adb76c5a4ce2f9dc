; latency.asm — timer interrupts reach loops that never leave their block.
;
; An engine that runs a loop inside translated code (or chains a block to
; itself) must still stop for interrupts and let time move on. Here the
; PIT (channel 0, mode 2, divisor 1193: one tick every 999.85 us) raises
; IRQ 0 through the 8259 while the CPU spins in
;     INC ECX ; JMP back          (one block, jumping to itself)
;     DEC ECX ; JNZ back          (ECX from FFFFFFFF: never falls through)
;     HLT ; INC ECX ; JMP back    (sleeps between ticks)
; The handler logs RDTSC and the interrupted ECX for TICKS ticks, then
; sends the loop to its exit. A starved timer hangs the run (the runner's
; timeout) or shows as a late tick. Last, a loop like the first whose JMP
; the handler of the fifth tick turns into NOPs: the loop must end right
; there, its translation discarded.
;
; run-args: --deterministic
; Deterministic mode makes the guest's clock exact and the checks
; independent of the host's load: virtual time advances 5 ns per retired
; instruction (plus the skipped idle time in HLT), the TSC counts it at
; 1 GHz, and devices catch up every 20,000 instructions (100 us), so a
; tick is taken at most 100 us after the PIT's schedule. Hence:
;   - every interval between ticks is PERIOD +- TOLERANCE, and the ticks
;     do not drift from the PIT's schedule;
;   - in the busy loops the whole interval was spent retiring iterations:
;     interval - 10 ns * iterations (2 instructions each) is the handler's
;     few instructions, between 0 and SLACK;
;   - HLT wakes once per tick: exactly one iteration between ticks.
; The first interval is not checked: an IRQ 0 left pending by the
; previous loop (masked, not acknowledged) may arrive as soon as IF is set.

%include "harness.inc"

TICKS       equ 30
PIT_HZ      equ 1193182
PIT_DIV     equ 1193
PERIOD      equ PIT_DIV * 1000000000 / PIT_HZ   ; 999847 ns
TOLERANCE   equ 120000      ; ns: one 100 us device slice, and some
SLACK       equ 2000        ; ns: the handler's instructions (about 17, 85 ns)
NS_PER_ITER equ 10          ; 2 instructions of 5 ns

ticks       equ FREE_RAM    ; (data off the code pages)
loop_exit   equ FREE_RAM + 4
tsc_log     equ FREE_RAM + 0x1000
ecx_log     equ FREE_RAM + 0x2000

test_main:
    mov eax, irq0
    mov ecx, 0x20               ; IRQ 0 (the harness put the 8259 at 0x20)
    call set_gate
    call loop_inc
    call loop_dec
    call loop_hlt
    call loop_patched
    ret

irq0:
    push eax
    push edx
    push ebx
    rdtsc
    mov ebx, [ticks]
    mov [tsc_log + ebx * 4], eax
    mov [ecx_log + ebx * 4], ecx
    inc ebx
    mov [ticks], ebx
    cmp ebx, TICKS
    jb .eoi
    mov eax, [loop_exit]
    mov [esp + 12], eax         ; the saved EIP: out of the loop
.eoi:
    mov al, 0x20                ; non-specific EOI
    out 0x20, al
    pop ebx
    pop edx
    pop eax
    iretd

; timer_start: PIT channel 0 at PERIOD, IRQ 0 unmasked, no ticks yet.
timer_start:
    mov dword [ticks], 0
    mov al, 0x34                ; channel 0, low then high byte, mode 2
    out 0x43, al
    mov al, PIT_DIV & 0xFF
    out 0x40, al
    mov al, PIT_DIV >> 8
    out 0x40, al
    mov al, 0xFE
    out 0x21, al
    ret

timer_stop:
    mov al, 0xFF
    out 0x21, al
    ret

loop_inc:
    GROUP "INC ECX; JMP to itself"
    mov dword [loop_exit], .done
    call timer_start
    xor ecx, ecx
    sti
.l: inc ecx
    jmp .l
.done:
    cli
    call timer_stop
    mov ebx, 1                  ; ECX counts up
    jmp check_busy

loop_dec:
    GROUP "DEC ECX; JNZ to itself"
    mov dword [loop_exit], .done
    call timer_start
    mov ecx, 0xFFFFFFFF
    sti
.l: dec ecx
    jnz .l
    cli                         ; 4 billion iterations: the timer never came
    call timer_stop
    CHECK [ticks], TICKS, "ticks before ECX reached 0"
    ret
.done:
    cli
    call timer_stop
    mov ebx, -1                 ; ECX counts down
    jmp check_busy

loop_hlt:
    GROUP "HLT; INC ECX; JMP"
    mov dword [loop_exit], .done
    call timer_start
    xor ecx, ecx
    sti
.l: hlt
    inc ecx
    jmp .l
.done:
    cli
    call timer_stop
    call check_intervals
    mov esi, 2                  ; iterations between ticks i-1 and i: min in EDX, max in EDI
    mov edx, 0x7FFFFFFF
    mov edi, 0x80000000
.i: mov eax, [ecx_log + esi * 4]
    sub eax, [ecx_log + esi * 4 - 4]
    cmp eax, edx
    jge .1
    mov edx, eax
.1: cmp eax, edi
    jle .2
    mov edi, eax
.2: inc esi
    cmp esi, TICKS
    jb .i
    CHECK edx, 1, "fewest iterations between two ticks"
    CHECK edi, 1, "most iterations between two ticks"
    ret

PATCH_TICK  equ 5

irq0_patch:                     ; at tick PATCH_TICK: JMP .l -> NOP NOP
    push eax
    inc dword [ticks]
    cmp dword [ticks], PATCH_TICK
    jne .eoi
    mov word [loop_patched.jmp], 0x9090
.eoi:
    mov al, 0x20
    out 0x20, al
    pop eax
    iretd

loop_patched:
    GROUP "INC ECX; JMP to itself, the JMP patched by the tick handler"
    mov eax, irq0_patch
    mov ecx, 0x20
    call set_gate
    call timer_start
    xor ecx, ecx
    sti
.l: inc ecx
.jmp:
    jmp short .l
    cli
    call timer_stop
    CHECK [ticks], PATCH_TICK, "ticks when the loop ended (the patch ended it at once)"
    CHECK_RANGE ecx, 1, 0x7FFFFFFF, "iterations"
    ret

; check_busy: EBX = +1 or -1, the direction ECX counts in. The intervals,
; then interval - NS_PER_ITER * iterations over all of them.
check_busy:
    call check_intervals
    mov esi, 2
    mov edx, 0x7FFFFFFF         ; min
    mov edi, 0x80000000         ; max
.i: mov eax, [ecx_log + esi * 4]
    sub eax, [ecx_log + esi * 4 - 4]
    imul eax, ebx               ; iterations
    imul eax, -NS_PER_ITER
    add eax, [tsc_log + esi * 4]
    sub eax, [tsc_log + esi * 4 - 4]
    cmp eax, edx
    jge .1
    mov edx, eax
.1: cmp eax, edi
    jle .2
    mov edi, eax
.2: inc esi
    cmp esi, TICKS
    jb .i
    CHECK_RANGE edx, 0, SLACK, "least time between ticks not spent looping (ns)"
    CHECK_RANGE edi, 0, SLACK, "most time between ticks not spent looping (ns)"
    ret

; check_intervals: the TSC between ticks (from the second interval on),
; shortest and longest, and the time from tick 1 to the last one.
check_intervals:
    CHECK [ticks], TICKS, "ticks counted"
    mov esi, 2
    mov edx, 0x7FFFFFFF
    mov edi, 0x80000000
.i: mov eax, [tsc_log + esi * 4]
    sub eax, [tsc_log + esi * 4 - 4]
    cmp eax, edx
    jge .1
    mov edx, eax
.1: cmp eax, edi
    jle .2
    mov edi, eax
.2: inc esi
    cmp esi, TICKS
    jb .i
    CHECK_RANGE edx, PERIOD - TOLERANCE, PERIOD + TOLERANCE, "shortest interval between ticks (ns)"
    CHECK_RANGE edi, PERIOD - TOLERANCE, PERIOD + TOLERANCE, "longest interval between ticks (ns)"
    mov eax, [tsc_log + (TICKS - 1) * 4]
    sub eax, [tsc_log + 4]
    CHECK_RANGE eax, (TICKS - 2) * PERIOD - TOLERANCE, (TICKS - 2) * PERIOD + TOLERANCE, \
        "from tick 1 to the last (ns)"
    ret

END_IMAGE
