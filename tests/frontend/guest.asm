; Frontend test guest: a floppy boot sector for SeaBIOS. It sets text
; mode 3, writes lines straight into the text buffer at B8000 (white on
; blue, box-drawing characters, the cursor after them), then waits for a
; key through the BIOS. The key switches to mode 13h and draws a picture:
; the top half red (colour 4), the bottom half green (colour 2), a white
; (colour 15) square in the middle; then it prints DONE on the debug
; console (port 0xE9) and halts with interrupts off, which stops holo86.
        org 0x7C00
        bits 16
start:
        cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7C00
        sti
        mov ax, 0x0003          ; text mode 3, 80 x 25
        int 0x10
        mov ax, 0xB800
        mov es, ax
        mov si, title           ; row 0: white on blue, all 80 columns
        xor di, di
        mov ah, 0x1F
        mov cx, 80
.row0:  lodsb
        test al, al
        jnz .put0
        dec si
        mov al, ' '
.put0:  stosw
        loop .row0
        mov di, 2 * 80 * 2      ; row 2: a box, yellow on black
        mov ah, 0x0E
        mov al, 0xC9
        stosw
        mov al, 0xCD
        mov cx, 10
        rep stosw
        mov al, 0xBB
        stosw
        mov si, prompt          ; row 4: light grey on black
        mov di, 4 * 80 * 2
        mov ah, 0x07
.row4:  lodsb
        test al, al
        jz .cursor
        stosw
        jmp .row4
.cursor:
        mov ah, 0x02            ; cursor after the prompt
        xor bh, bh
        mov dx, 0x0400 + prompt_len
        int 0x10
        xor ah, ah              ; wait for a key
        int 0x16
        mov ax, 0x0013          ; 320 x 200, 256 colours
        int 0x10
        mov ax, 0xA000
        mov es, ax
        xor di, di
        mov al, 4
        mov cx, 320 * 100
        rep stosb
        mov al, 2
        mov cx, 320 * 100
        rep stosb
        mov di, 90 * 320 + 150  ; 20 x 20 white square at (150, 90)
        mov dx, 20
.sq:    mov al, 15
        mov cx, 20
        rep stosb
        add di, 320 - 20
        dec dx
        jnz .sq
        mov si, done
.dbg:   lodsb
        test al, al
        jz .halt
        out 0xE9, al
        jmp .dbg
.halt:  cli
        hlt
        jmp .halt

title:  db "HOLO86 FRONTEND TEST", 0
prompt: db "Press a key for graphics", 0
prompt_len equ $ - prompt - 1
done:   db "DONE", 10, 0

        times 510 - ($ - $$) db 0
        dw 0xAA55
