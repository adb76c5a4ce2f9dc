; The built-in demo: firmware that runs when holo86 is started without a
; guest. It prints the primes below 100 and a few Fibonacci numbers to the
; debug console (port 0xE9), then stops the machine through the exit port.
; Build: nasm -f bin -o demo.bin demo.asm  (a 64 KiB ROM image)

bits 16
org 0

DEBUGCON equ 0xE9
EXIT     equ 0xF4

start:
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7C00
    mov ax, cs
    mov ds, ax

    mov si, banner
    call puts

    ; primes below 100 by trial division
    mov si, primes_msg
    call puts
    mov bx, 2
.next_candidate:
    mov cx, 2
.try_divisor:
    mov ax, cx
    mul cx                  ; divisor squared
    cmp ax, bx
    ja .is_prime
    mov ax, bx
    xor dx, dx
    div cx
    test dx, dx
    jz .not_prime
    inc cx
    jmp .try_divisor
.is_prime:
    mov ax, bx
    call putdec
    mov al, ' '
    out DEBUGCON, al
.not_prime:
    inc bx
    cmp bx, 100
    jb .next_candidate
    mov al, 10
    out DEBUGCON, al

    ; Fibonacci numbers with 32-bit registers
    mov si, fib_msg
    call puts
    xor eax, eax            ; eax = a
    mov ebx, 1              ; ebx = b
    mov cx, 20
.fib:
    push eax
    call putdec32
    mov al, ' '
    out DEBUGCON, al
    pop eax
    xadd ebx, eax           ; (a, b) -> (b, a + b)
    loop .fib
    mov al, 10
    out DEBUGCON, al

    mov si, bye
    call puts
    mov al, 0
    out EXIT, al
    hlt

; print the NUL-terminated string at DS:SI
puts:
    lodsb
    test al, al
    jz .done
    out DEBUGCON, al
    jmp puts
.done:
    ret

; print AX in decimal
putdec:
    movzx eax, ax
; print EAX in decimal
putdec32:
    pushad
    mov ebx, 10
    xor cx, cx
.divide:
    xor edx, edx
    div ebx
    push dx
    inc cx
    test eax, eax
    jnz .divide
.emit:
    pop ax
    add al, '0'
    out DEBUGCON, al
    loop .emit
    popad
    ret

banner     db "holo86 demo: a real-mode program running on the interpreter", 10, 0
primes_msg db "primes below 100: ", 0
fib_msg    db "Fibonacci: ", 0
bye        db "done; stopping through the exit port", 10, 0

    times 0xFFF0 - ($ - $$) db 0xFF
reset_vector:
    jmp 0xF000:start
    times 0x10000 - ($ - $$) db 0xFF
