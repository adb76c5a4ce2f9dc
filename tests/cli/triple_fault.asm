; Firmware that triple-faults: with an empty IVT (limit 0) INT 3 raises
; #GP, whose delivery raises #DF, whose delivery shuts the CPU down.
bits 16
org 0
start:
    mov al, 'T'
    out 0xE9, al                ; shows how often the machine came up
    lidt [cs:empty_idt]
    int 3
    hlt
empty_idt:
    dw 0                        ; limit 0: no vector fits
    dd 0
    times 0xFFF0 - ($ - $$) db 0xFF
    jmp 0xF000:start
    times 0x10000 - ($ - $$) db 0xFF
