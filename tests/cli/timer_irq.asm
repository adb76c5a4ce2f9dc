; Firmware that exercises the interrupt path end to end: it programs the
; 8259A pair (vectors 0x08/0x70), the 8254 channel 0 at 1 kHz, sleeps in
; HLT until 100 timer interrupts have arrived, reads the RTC's status
; register A (UIP/rate) and says so on COM1, then exits through port 0xF4.
bits 16
org 0
COM1 equ 0x3F8

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7C00
    mov word [8 * 4], irq0              ; IVT entry 8 -> irq0 (CS = F000)
    mov word [8 * 4 + 2], 0xF000
    mov word [ticks], 0

    ; PIC: ICW1 edge+ICW4, ICW2 base, ICW3 cascade, ICW4 8086 mode
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
    mov al, 0xFE                        ; only IRQ0 unmasked
    out 0x21, al
    mov al, 0xFF
    out 0xA1, al

    ; PIT channel 0, lobyte/hibyte, mode 2, 1193182/1193 ~ 1000 Hz
    mov al, 0x34
    out 0x43, al
    mov ax, 1193
    out 0x40, al
    mov al, ah
    out 0x40, al

    ; COM1: 115200 8N1
    mov dx, COM1 + 3
    mov al, 0x80
    out dx, al
    mov dx, COM1
    mov al, 1
    out dx, al
    mov dx, COM1 + 1
    xor al, al
    out dx, al
    mov dx, COM1 + 3
    mov al, 0x03
    out dx, al

    sti
.wait:
    hlt
    cmp word [ticks], 100
    jb .wait
    cli

    mov si, msg_ticks
    call puts
    mov al, 0x0A                        ; RTC register A
    out 0x70, al
    in al, 0x71
    and al, 0x7F                        ; without UIP
    cmp al, 0x26                        ; 32.768 kHz divider, 1024 Hz rate
    jne .bad
    mov si, msg_rtc
    call puts
    mov al, 0
    out 0xF4, al
.bad:
    mov al, 1
    out 0xF4, al

irq0:
    push ax
    inc word [cs:0]                     ; (ROM: the write is dropped)
    inc word [ticks]
    mov al, 0x20                        ; non-specific EOI
    out 0x20, al
    pop ax
    iret

; Send DS:SI (NUL-terminated, in ROM via CS) to COM1, waiting for THRE.
puts:
    mov dx, COM1 + 5
.poll:
    in al, dx
    test al, 0x20
    jz .poll
    mov al, [cs:si]
    test al, al
    jz .done
    mov dx, COM1
    out dx, al
    inc si
    jmp puts
.done:
    ret

msg_ticks db "100 timer interrupts", 10, 0
msg_rtc   db "RTC register A is 26h", 10, 0
ticks equ 0x500

    times 0xFFF0 - ($ - $$) db 0xFF
    jmp 0xF000:start
    times 0x10000 - ($ - $$) db 0xFF
