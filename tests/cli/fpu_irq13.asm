; x87 error reporting the PC/AT way (CR0.NE=0, the reset state): an
; unmasked zero-divide makes the next waiting x87 instruction assert FERR#,
; which reaches the CPU as IRQ13 (slave PIC input 5, vector 0x75 here). The
; handler clears the latch (port 0xF0) and the exception (FNCLEX) and
; counts. Exit status: 0 when exactly one IRQ13 arrived, else 1.
bits 16
org 0
start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7C00
    mov word [0x75 * 4], irq13
    mov word [0x75 * 4 + 2], 0xF000
    mov word [count], 0
    ; PIC pair: vectors 0x08 / 0x70, only IRQ2 (cascade) and IRQ13 open
    mov al, 0x11
    out 0x20, al
    out 0xA0, al
    mov al, 0x08
    out 0x21, al
    mov al, 0x70
    out 0xA1, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x02
    out 0xA1, al
    mov al, 0x01
    out 0x21, al
    out 0xA1, al
    mov al, 0xFB
    out 0x21, al
    mov al, 0xDF
    out 0xA1, al
    sti
    fninit
    fldcw [cs:cw]               ; zero-divide unmasked
    fld1
    fldz
    fdivp st1, st0              ; pending unmasked #Z
    fwait                       ; FERR# -> IRQ13, handled before WAIT completes
    nop
    nop
    cli
    cmp word [count], 1
    jne .bad
    mov al, 0
    out 0xF4, al
.bad:
    mov al, 1
    out 0xF4, al

irq13:
    push ax
    xor al, al
    out 0xF0, al                ; clear the FERR# latch
    fnclex
    inc word [count]
    mov al, 0x20
    out 0xA0, al
    out 0x20, al
    pop ax
    iret

cw dw 0x037B                    ; all masked except ZM (bit 2)
count equ 0x500
    times 0xFFF0 - ($ - $$) db 0xFF
    jmp 0xF000:start
    times 0x10000 - ($ - $$) db 0xFF
