; media/dma_floppy.asm — the 1.44 MB floppy image smc.asm's DMA check reads.
; Its first sector is the new version of smc.asm's routine d3: the same
; shape with another immediate (smc.asm's FLOPPY_EAX).
    bits 32
    mov eax, 0x600DC0DE
    ret
    times 512 - ($ - $$) db 0xCC
    times 1474560 - ($ - $$) db 0
