; linuxboot.asm - the option ROM that boots a Linux kernel given with
; -kernel, as part of the normal SeaBIOS boot (devices/linuxboot.c).
;
; holo86 hands this ROM to SeaBIOS as the fw_cfg file
; "genroms/linuxboot.bin", and a "bootorder" file that puts it first.
; SeaBIOS runs the ROM's init entry during POST (it does nothing), sees a
; PnP header with a Bootstrap Entry Vector, and when its turn comes to
; boot calls that vector in real mode. The BEV then does what a boot
; loader does under the Linux x86 boot protocol:
;
;   1. for each of kernel, initrd, command line and setup (the real-mode
;      part, whose header holo86 already filled in): read its load address
;      and size from fw_cfg, then have fw_cfg copy the bytes there by DMA
;      (a real-mode program cannot reach memory above 1 MiB itself, a DMA
;      transfer can);
;   2. set DS = ES = FS = GS = SS to the setup segment, SP just below the
;      command line (the setup heap ends 0x200 bytes earlier), and jump to
;      setup segment + 0x20 : 0, the real-mode entry of the kernel.
;
; A failed transfer gives INT 18h: SeaBIOS then tries the next boot device.
; The last byte is the ROM checksum, filled in by holo86 when it loads the
; ROM (nasm cannot sum its own output).

bits 16
cpu 686
org 0

FW_SEL      equ 0x510
FW_DATA     equ 0x511
FW_DMA      equ 0x514       ; address high half; +4: low half, starts it

; fw_cfg keys (QEMU's numbering)
KERNEL_ADDR equ 0x07
KERNEL_SIZE equ 0x08
INITRD_ADDR equ 0x0A
INITRD_SIZE equ 0x0B
KERNEL_DATA equ 0x11
INITRD_DATA equ 0x12
CMDLINE_ADDR equ 0x13
CMDLINE_SIZE equ 0x14
CMDLINE_DATA equ 0x15
SETUP_ADDR  equ 0x16
SETUP_SIZE  equ 0x17
SETUP_DATA  equ 0x18

DMA_READ    equ 0x02
DMA_SELECT  equ 0x08

rom:
        db 0x55, 0xAA
        db ROM_SIZE / 512
        jmp init                ; the init entry is at offset 3
        times 0x18 - ($ - $$) db 0
        dw 0                    ; no PCI data structure
        dw pnp - rom            ; PnP expansion header

init:   retf                    ; nothing to set up during POST

; PnP expansion header (Plug and Play BIOS specification 1.0A, 32 bytes;
; its bytes sum to 0).
align 16
pnp:    db '$PnP'
        db 1                    ; structure revision
        db 2                    ; length in 16-byte units
        dw 0                    ; no next header
        db 0
        db PNP_SUM
        dd 0                    ; device identifier
        dw manufacturer - rom
        dw product - rom
        db 0, 0, 0              ; device type code
        db 0                    ; device indicators
        dw 0                    ; boot connection vector
        dw 0                    ; disconnect vector
        dw bev - rom            ; bootstrap entry vector
        dw 0
        dw 0                    ; static resource information vector

%define LOHI(x) (((x) - rom) & 0xFF) + (((x) - rom) >> 8)
PNP_SUM equ (0x100 - ((0x24 + 0x50 + 0x6E + 0x50 + 1 + 2 + LOHI(manufacturer) + LOHI(product) + LOHI(bev)) & 0xFF)) & 0xFF

manufacturer: db 'holo86', 0
product:      db 'Linux direct boot', 0

; EAX = the 32-bit little-endian fw_cfg item AX. Clobbers DX.
read32:
        mov dx, FW_SEL
        out dx, ax
        mov dx, FW_DATA
        mov cx, 4
.byte:  in al, dx
        ror eax, 8              ; after four bytes, byte 0 is back at the bottom
        loop .byte
        ret

; Copy the whole item AX to its load address (item BX) by DMA; item SI is
; its size. The 16-byte DMA descriptor lives at SS:BP. Clobbers EAX-EDI.
load:
        push ax
        mov ax, bx
        call read32
        mov edi, eax            ; destination
        mov ax, si
        call read32
        mov ecx, eax            ; length
        pop ax
        movzx eax, ax
        shl eax, 16
        or eax, DMA_SELECT | DMA_READ
        bswap eax               ; the descriptor is big endian
        mov [bp], eax
        bswap ecx
        mov [bp + 4], ecx
        mov dword [bp + 8], 0   ; address, high half
        bswap edi
        mov [bp + 12], edi
        xor eax, eax
        mov ax, ss
        shl eax, 4
        movzx edx, bp
        add eax, edx            ; the descriptor's physical address
        bswap eax
        mov ebx, eax
        mov dx, FW_DMA
        xor eax, eax
        out dx, eax             ; high half: 0
        mov eax, ebx
        add dx, 4
        out dx, eax             ; low half: go
.wait:  mov eax, [bp]           ; the device clears control when done
        bswap eax
        test eax, ~1
        jnz .wait
        test al, 1
        jnz fail
        ret

bev:
        cli
        cld
        sub sp, 16
        mov bp, sp
        mov ax, KERNEL_DATA
        mov bx, KERNEL_ADDR
        mov si, KERNEL_SIZE
        call load
        mov ax, INITRD_DATA
        mov bx, INITRD_ADDR
        mov si, INITRD_SIZE
        call load
        mov ax, CMDLINE_DATA
        mov bx, CMDLINE_ADDR
        mov si, CMDLINE_SIZE
        call load
        mov ax, SETUP_DATA
        mov bx, SETUP_ADDR
        mov si, SETUP_SIZE
        call load

        mov ax, CMDLINE_ADDR
        call read32
        mov ebx, eax
        mov ax, SETUP_ADDR
        call read32
        sub ebx, eax
        sub bx, 16              ; stack top, just below the command line
        shr eax, 4              ; setup segment
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        mov sp, bx
        add ax, 0x20
        push ax
        push word 0
        retf                    ; to setup segment + 0x20 : 0

fail:   int 0x18

        times 1023 - ($ - $$) db 0
        db 0                    ; checksum, set by holo86
ROM_SIZE equ $ - rom
