/* Lazy arithmetic flags: whatever an instruction leaves pending must read
 * back exactly (PUSHF, LAHF, Jcc/SETcc, ADC/SBB, interrupts) across block
 * boundaries; INC/DEC keep the CF of the previous operation; SAHF/LAHF
 * round-trip SF ZF AF PF CF and leave OF. Values per the SDM flag rules. */
#include "tests/unit/harness.h"

/* One instruction of each lazy kind, each followed by PUSHF. */
static const uint8_t lazy_pushf[] = {
  0xB0, 0xFF,                              /* 0000: mov al, 0xFF */
  0x04, 0x01,                              /* 0002: add al, 0x01            ; ADD8: CF ZF AF PF */
  0x9C,                                    /* 0004: pushf */
  0xB8, 0xFF, 0x7F,                        /* 0005: mov ax, 0x7FFF */
  0xF9,                                    /* 0008: stc */
  0x83, 0xD0, 0x00,                        /* 0009: adc ax, 0x0000          ; ADC16: OF SF AF PF */
  0x9C,                                    /* 000C: pushf */
  0x66, 0xB8, 0x00, 0x00, 0x00, 0x00,      /* 000D: mov eax, 0 */
  0x66, 0x83, 0xE8, 0x01,                  /* 0013: sub eax, 1              ; SUB32: CF AF SF PF */
  0x9C,                                    /* 0017: pushf */
  0xB3, 0x80,                              /* 0018: mov bl, 0x80 */
  0xF9,                                    /* 001A: stc */
  0x80, 0xDB, 0x00,                        /* 001B: sbb bl, 0x00            ; SBB8: 0x7F, OF AF */
  0x9C,                                    /* 001E: pushf */
  0xB9, 0xF0, 0xF0,                        /* 001F: mov cx, 0xF0F0 */
  0x81, 0xE1, 0x0F, 0x0F,                  /* 0022: and cx, 0x0F0F          ; LOGIC16: ZF PF */
  0x9C,                                    /* 0026: pushf */
  0xF9,                                    /* 0027: stc */
  0xB2, 0x7F,                              /* 0028: mov dl, 0x7F */
  0xFE, 0xC2,                              /* 002A: inc dl                  ; INC8: CF kept, OF SF AF */
  0x9C,                                    /* 002C: pushf */
  0xF8,                                    /* 002D: clc */
  0x66, 0xBA, 0x00, 0x00, 0x00, 0x00,      /* 002E: mov edx, 0 */
  0x66, 0x4A,                              /* 0034: dec edx                 ; DEC32: SF AF PF, CF kept (0) */
  0x9C,                                    /* 0036: pushf */
  0xBE, 0x01, 0x00,                        /* 0037: mov si, 0x0001 */
  0xF7, 0xDE,                              /* 003A: neg si                  ; NEG16: CF SF AF PF */
  0x9C,                                    /* 003C: pushf */
  0xB0, 0x40,                              /* 003D: mov al, 0x40 */
  0x3C, 0x41,                              /* 003F: cmp al, 0x41            ; CMP8: CF SF AF PF */
  0x9C,                                    /* 0041: pushf */
  0xB0, 0x0F,                              /* 0042: mov al, 0x0F */
  0xA8, 0xF0,                              /* 0044: test al, 0xF0           ; TEST8: ZF PF */
  0x9C,                                    /* 0046: pushf */
  0xF4,                                    /* 0047: hlt */
};

Test(flags, pushf_after_each_lazy_kind) {
  Machine *m = RUN(lazy_pushf);
  static const struct { const char *what; uint32_t flags, mask; } t[] = {
    {"ADD AL 0xFF+1", F_CF | F_ZF | F_AF | F_PF, F_ARITH},
    {"ADC AX 0x7FFF+0+CF", F_OF | F_SF | F_AF | F_PF, F_ARITH},
    {"SUB EAX 0-1", F_CF | F_AF | F_SF | F_PF, F_ARITH},
    {"SBB BL 0x80-0-CF", F_OF | F_AF, F_ARITH},
    {"AND CX", F_ZF | F_PF, F_ARITH & ~F_AF},
    {"STC; INC DL 0x7F", F_CF | F_OF | F_SF | F_AF, F_ARITH},
    {"CLC; DEC EDX 0", F_SF | F_AF | F_PF, F_ARITH},
    {"NEG SI 1", F_CF | F_SF | F_AF | F_PF, F_ARITH},
    {"CMP AL 0x40, 0x41", F_CF | F_SF | F_AF | F_PF, F_ARITH},
    {"TEST AL 0x0F, 0xF0", F_ZF | F_PF, F_ARITH & ~F_AF},
  };
  int n = (int)(sizeof t / sizeof t[0]);
  for (int i = 0; i < n; i++) {
    uint32_t f = h_stack16(m, n - 1 - i);
    char b1[32], b2[32];
    cr_expect_eq(f & t[i].mask, t[i].flags & t[i].mask, "%s: PUSHF expected %s, got %s",
                 t[i].what, h_flagstr(t[i].flags & t[i].mask, b1), h_flagstr(f & t[i].mask, b2));
    cr_expect_eq(f & 0x0002, 0x0002, "%s: bit 1 of the pushed FLAGS must be set", t[i].what);
  }
  h_free(m);
}

/* Pending flags read after a block boundary (JMP) and through Jcc/SETcc. */
static const uint8_t across_blocks[] = {
  0xB8, 0x00, 0x80,                        /* 0000: mov ax, 0x8000 */
  0x83, 0xE8, 0x01,                        /* 0003: sub ax, 1               ; OF AF PF (0x7FFF) */
  0xEB, 0x01,                              /* 0006: jmp .next               ; ends the block */
  0xF4,                                    /* 0008: hlt */
  /* .next: */
  0x9C,                                    /* 0009: pushf */
  0x0F, 0x90, 0xC3,                        /* 000A: seto bl */
  0x70, 0x01,                              /* 000D: jo .o */
  0xF4,                                    /* 000F: hlt */
  /* .o: */
  0xB9, 0x01, 0x00,                        /* 0010: mov cx, 1 */
  0x83, 0xC1, 0xFF,                        /* 0013: add cx, 0xFFFF          ; CF ZF AF PF */
  0xE8, 0x04, 0x00,                        /* 0016: call .sub               ; flags live across CALL/RET */
  0x83, 0xD2, 0x00,                        /* 0019: adc dx, 0               ; DX = CF = 1 */
  0xF4,                                    /* 001C: hlt */
  /* .sub: */
  0x0F, 0x92, 0xC7,                        /* 001D: setc bh */
  0xC3,                                    /* 0020: ret */
};

Test(flags, pending_flags_cross_blocks) {
  Machine *m = RUN(across_blocks);
  CHECK_EQ("PUSHF after SUB + JMP", h_stack16(m, 0) & F_ARITH, F_OF | F_AF | F_PF);
  CHECK_REG8(m, EBX, 1);
  CHECK_EQ("BH (SETC in a subroutine)", h_reg8(m, 7), 1);
  CHECK_REG16(m, EDX, 1);
  h_free(m);
}

/* INC and DEC keep whatever CF the previous instruction produced, lazily
 * or not, and a later ADC consumes it. */
static const uint8_t inc_keeps_cf[] = {
  0xB0, 0xFF,                              /* 0000: mov al, 0xFF */
  0x04, 0x01,                              /* 0002: add al, 0x01            ; CF = 1 (lazy ADD) */
  0x43,                                    /* 0004: inc bx */
  0x4E,                                    /* 0005: dec si */
  0x43,                                    /* 0006: inc bx */
  0x9C,                                    /* 0007: pushf */
  0xB9, 0x00, 0x00,                        /* 0008: mov cx, 0 */
  0x83, 0xD1, 0x00,                        /* 000B: adc cx, 0               ; CX = 1 */
  0xB0, 0x01,                              /* 000E: mov al, 1 */
  0x2C, 0x01,                              /* 0010: sub al, 1               ; CF = 0 */
  0xB2, 0xFF,                              /* 0012: mov dl, 0xFF */
  0xFE, 0xC2,                              /* 0014: inc dl                  ; wraps to 0 but CF stays 0 */
  0x9C,                                    /* 0016: pushf */
  0x66, 0xB8, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0017: mov eax, 0xFFFFFFFF */
  0x66, 0x83, 0xC0, 0x02,                  /* 001D: add eax, 2              ; 32-bit carry out */
  0x47,                                    /* 0021: inc di                  ; 16-bit INC after a 32-bit ADD */
  0xFE, 0x0E, 0x10, 0x00,                  /* 0022: dec byte [0x10]         ; memory DEC */
  0x9C,                                    /* 0026: pushf */
  0xBD, 0x00, 0x00,                        /* 0027: mov bp, 0 */
  0x83, 0xD5, 0x00,                        /* 002A: adc bp, 0               ; BP = 1 */
  0xF4,                                    /* 002D: hlt */
};

Test(flags, inc_dec_preserve_carry) {
  Machine *m = RUN(inc_keeps_cf);
  CHECK_EQ("CF after ADD carry, INC, DEC, INC", h_stack16(m, 2) & F_CF, F_CF);
  CHECK_REG16(m, ECX, 1);
  CHECK_EQ("flags after SUB 1-1 then INC 0xFF", h_stack16(m, 1) & F_ARITH, F_ZF | F_AF | F_PF);
  /* DEC byte 0 -> 0xFF: SF AF PF, CF kept from the 32-bit ADD */
  CHECK_EQ("flags after ADD32 carry, INC, DEC mem", h_stack16(m, 0) & F_ARITH,
           F_CF | F_SF | F_AF | F_PF);
  CHECK_REG16(m, EBP, 1);
  CHECK_EQ("byte [0x10]", h_rd8(m, H_DATA + 0x10), 0xFF);
  h_free(m);
}

/* Every AH value through SAHF then LAHF: bits 7 6 4 2 0 come back, bit 1
 * reads 1, bits 5 and 3 read 0. */
static const uint8_t sahf_lahf_all[] = {
  0x31, 0xDB,                              /* 0000: xor bx, bx */
  /* .l: */
  0x88, 0xDC,                              /* 0002: mov ah, bl */
  0x9E,                                    /* 0004: sahf */
  0x9F,                                    /* 0005: lahf */
  0x88, 0xA7, 0x00, 0x01,                  /* 0006: mov [bx + 0x100], ah */
  0xFE, 0xC3,                              /* 000A: inc bl */
  0x75, 0xF4,                              /* 000C: jnz .l */
  0xF4,                                    /* 000E: hlt */
};

Test(flags, sahf_lahf_round_trip_all_values) {
  Machine *m = RUN(sahf_lahf_all);
  for (uint32_t v = 0; v < 256; v++) {
    uint8_t got = h_rd8(m, H_DATA + 0x100 + v);
    uint8_t want = (uint8_t)((v & 0xD5) | 0x02);
    cr_expect_eq(got, want, "SAHF 0x%02X; LAHF: expected 0x%02X, got 0x%02X", v, want, got);
  }
  h_free(m);
}

/* SAHF replaces the low five flags of pending lazy flags but keeps OF. */
static const uint8_t sahf_keeps_of[] = {
  0xB0, 0x7F,                              /* 0000: mov al, 0x7F */
  0x04, 0x01,                              /* 0002: add al, 1               ; OF SF AF pending */
  0xB4, 0x01,                              /* 0004: mov ah, 0x01            ; CF only */
  0x9E,                                    /* 0006: sahf */
  0x9C,                                    /* 0007: pushf */
  0xB0, 0x80,                              /* 0008: mov al, 0x80 */
  0x04, 0x80,                              /* 000A: add al, 0x80            ; CF OF ZF PF */
  0xB4, 0xC0,                              /* 000C: mov ah, 0xC0            ; SF ZF */
  0x9E,                                    /* 000E: sahf */
  0xF4,                                    /* 000F: hlt */
};

Test(flags, sahf_keeps_pending_of) {
  Machine *m = RUN(sahf_keeps_of);
  CHECK_EQ("after SAHF 0x01", h_stack16(m, 0) & F_ARITH, F_OF | F_CF);
  CHECK_ARITH(m, F_OF | F_SF | F_ZF);
  h_free(m);
}

/* CMC/CLC/STC operate on the materialised carry; POPF replaces all. */
static const uint8_t carry_ops[] = {
  0xB0, 0xFF,                              /* 0000: mov al, 0xFF */
  0x04, 0x01,                              /* 0002: add al, 1               ; CF ZF AF PF */
  0xF5,                                    /* 0004: cmc                     ; CF = 0, the rest stays */
  0x9C,                                    /* 0005: pushf */
  0xB0, 0x01,                              /* 0006: mov al, 1 */
  0x2C, 0x02,                              /* 0008: sub al, 2               ; CF AF SF PF */
  0xF8,                                    /* 000A: clc */
  0x9C,                                    /* 000B: pushf */
  0x68, 0xD7, 0x08,                        /* 000C: push word 0x08D7        ; OF SF ZF AF PF CF */
  0x9D,                                    /* 000F: popf */
  0xBB, 0x00, 0x00,                        /* 0010: mov bx, 0 */
  0x83, 0xD3, 0x00,                        /* 0013: adc bx, 0               ; BX = 1 from POPF's CF */
  0x9C,                                    /* 0016: pushf */
  0xF4,                                    /* 0017: hlt */
};

Test(flags, carry_instructions_and_popf) {
  Machine *m = RUN(carry_ops);
  CHECK_EQ("CMC after ADD carry", h_stack16(m, 2) & F_ARITH, F_ZF | F_AF | F_PF);
  CHECK_EQ("CLC after SUB borrow", h_stack16(m, 1) & F_ARITH, F_AF | F_SF | F_PF);
  CHECK_REG16(m, EBX, 1);
  /* ADC 0 + 0 + 1 = 1: no flags but... PF of 0x01 is 0 */
  CHECK_EQ("ADC after POPF", h_stack16(m, 0) & F_ARITH, 0);
  h_free(m);
}

/* An interrupt pushes the materialised flags and IRET restores them, so
 * a Jcc after the IRET sees the flags from before the INT. */
#define flags_through_int_handler 0x0010
static const uint8_t flags_through_int[] = {
  0xB8, 0x05, 0x00,                        /* 0000: mov ax, 5 */
  0x83, 0xF8, 0x07,                        /* 0003: cmp ax, 7               ; 5 - 7 = 0xFFFE: CF SF AF */
  0xCD, 0x50,                              /* 0006: int 0x50 */
  0x72, 0x01,                              /* 0008: jb .below               ; must be taken */
  0xF4,                                    /* 000A: hlt */
  /* .below: */
  0xBA, 0x01, 0x00,                        /* 000B: mov dx, 1 */
  0x9C,                                    /* 000E: pushf */
  0xF4,                                    /* 000F: hlt */
  /* handler: */
  0x31, 0xC9,                              /* 0010: xor cx, cx              ; clobbers the flags inside the handler */
  0xCF,                                    /* 0012: iret */
};

Test(flags, flags_survive_an_interrupt) {
  Machine *m = PREPARE(flags_through_int);
  h_set_ivt(m, 0x50, H_CS, flags_through_int_handler);
  h_run_ok(m);
  CHECK_REG16(m, EDX, 1);
  CHECK_EQ("flags after IRET", h_stack16(m, 0) & F_ARITH, F_CF | F_SF | F_AF);
  h_free(m);
}
