; A full-screen mode-13h animation for bench/sdl.sh: a floppy boot sector
; for SeaBIOS. At the start of every vertical retrace it redraws all
; 64000 pixels, row y in colour (y + frame) mod 256, so that every pixel
; changes in every frame (the bands scroll up through the palette), as a
; game redrawing its whole screen does. Runs until holo86 is stopped.
        org 0x7C00
        bits 16
start:
        cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        mov ax, 0x0013          ; 320 x 200, 256 colours
        int 0x10
        mov ax, 0xA000
        mov es, ax
        cld
        xor bx, bx              ; frame number
frame:
        mov dx, 0x3DA           ; input status 1, bit 3: vertical retrace
.in_retrace:
        in al, dx               ; let a retrace in progress end,
        test al, 8
        jnz .in_retrace
.in_display:
        in al, dx               ; then wait for the next one to begin
        test al, 8
        jz .in_display
        xor di, di
        mov al, bl              ; row 0's colour
        mov dx, 200
.row:
        mov ah, al
        mov cx, 320 / 2
        rep stosw
        inc al
        dec dx
        jnz .row
        inc bx
        jmp frame

        times 510 - ($ - $$) db 0
        dw 0xAA55
