/* MUL, IMUL (one, two and three operands), DIV, IDIV, and divide errors.
 * Per the Intel SDM: MUL sets CF=OF=1 iff the upper half of the product
 * is non-zero; IMUL sets CF=OF=1 iff the product does not fit the
 * (truncated) destination as a signed value. SF ZF AF PF are undefined
 * after both and are not checked. DIV/IDIV truncate toward zero, the
 * remainder takes the dividend's sign, and a zero divisor or a quotient
 * outside the destination's range raises #DE (vector 0), a fault: the
 * pushed CS:IP is the DIV itself (prefixes included) and no register
 * changes. */
#include "tests/unit/harness.h"

#define CFOF (F_CF | F_OF)

static const uint8_t mul_forms[] = {
  0xB0, 0x80,                              /* 0000: mov al, 0x80 */
  0xB3, 0x02,                              /* 0002: mov bl, 0x02 */
  0xF6, 0xE3,                              /* 0004: mul bl                  ; AX = 0x0100 */
  0xA3, 0x00, 0x00,                        /* 0006: mov [0x00], ax */
  0x9C,                                    /* 0009: pushf */
  0xB0, 0x0F,                              /* 000A: mov al, 0x0F */
  0xB3, 0x0F,                              /* 000C: mov bl, 0x0F */
  0xF6, 0xE3,                              /* 000E: mul bl                  ; AX = 0x00E1 */
  0xA3, 0x02, 0x00,                        /* 0010: mov [0x02], ax */
  0x9C,                                    /* 0013: pushf */
  0xC6, 0x06, 0x40, 0x00, 0xFF,            /* 0014: mov byte [0x40], 0xFF */
  0xB0, 0xFF,                              /* 0019: mov al, 0xFF */
  0xF6, 0x26, 0x40, 0x00,                  /* 001B: mul byte [0x40]         ; AX = 0xFE01 */
  0xA3, 0x04, 0x00,                        /* 001F: mov [0x04], ax */
  0x9C,                                    /* 0022: pushf */
  0xB8, 0x34, 0x12,                        /* 0023: mov ax, 0x1234 */
  0xB9, 0x00, 0x01,                        /* 0026: mov cx, 0x0100 */
  0xF7, 0xE1,                              /* 0029: mul cx                  ; DX:AX = 0x0012:0x3400 */
  0xA3, 0x06, 0x00,                        /* 002B: mov [0x06], ax */
  0x89, 0x16, 0x08, 0x00,                  /* 002E: mov [0x08], dx */
  0x9C,                                    /* 0032: pushf */
  0xBA, 0xFF, 0xFF,                        /* 0033: mov dx, 0xFFFF */
  0xB8, 0xFF, 0x00,                        /* 0036: mov ax, 0x00FF */
  0xF7, 0xE1,                              /* 0039: mul cx                  ; DX:AX = 0x0000:0xFF00 (DX overwritten) */
  0xA3, 0x0A, 0x00,                        /* 003B: mov [0x0A], ax */
  0x89, 0x16, 0x0C, 0x00,                  /* 003E: mov [0x0C], dx */
  0x9C,                                    /* 0042: pushf */
  0x66, 0xB8, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0043: mov eax, 0xFFFFFFFF */
  0x66, 0xB9, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0049: mov ecx, 0xFFFFFFFF */
  0x66, 0xF7, 0xE1,                        /* 004F: mul ecx                 ; EDX:EAX = 0xFFFFFFFE:00000001 */
  0x66, 0xA3, 0x10, 0x00,                  /* 0052: mov [0x10], eax */
  0x66, 0x89, 0x16, 0x14, 0x00,            /* 0056: mov [0x14], edx */
  0x9C,                                    /* 005B: pushf */
  0x66, 0xB8, 0x00, 0x00, 0x01, 0x00,      /* 005C: mov eax, 0x00010000 */
  0x66, 0xBB, 0x10, 0x00, 0x00, 0x00,      /* 0062: mov ebx, 0x00000010 */
  0x66, 0xBA, 0x78, 0x56, 0x34, 0x12,      /* 0068: mov edx, 0x12345678 */
  0x66, 0xF7, 0xE3,                        /* 006E: mul ebx                 ; EDX:EAX = 0:0x00100000 */
  0x66, 0xA3, 0x18, 0x00,                  /* 0071: mov [0x18], eax */
  0x66, 0x89, 0x16, 0x1C, 0x00,            /* 0075: mov [0x1C], edx */
  0x9C,                                    /* 007A: pushf */
  0xF4,                                    /* 007B: hlt */
};

Test(muldiv, mul) {
  Machine *m = RUN(mul_forms);
  CHECK_EQ("MUL BL 0x80*2", h_rd16(m, H_DATA + 0x00), 0x0100);
  CHECK_EQ("MUL BL 0x0F*0x0F", h_rd16(m, H_DATA + 0x02), 0x00E1);
  CHECK_EQ("MUL byte [mem] 0xFF*0xFF", h_rd16(m, H_DATA + 0x04), 0xFE01);
  CHECK_EQ("MUL CX: AX", h_rd16(m, H_DATA + 0x06), 0x3400);
  CHECK_EQ("MUL CX: DX", h_rd16(m, H_DATA + 0x08), 0x0012);
  CHECK_EQ("MUL CX (small): AX", h_rd16(m, H_DATA + 0x0A), 0xFF00);
  CHECK_EQ("MUL CX (small): DX", h_rd16(m, H_DATA + 0x0C), 0x0000);
  CHECK_EQ("MUL ECX: EAX", h_rd32(m, H_DATA + 0x10), 0x00000001);
  CHECK_EQ("MUL ECX: EDX", h_rd32(m, H_DATA + 0x14), 0xFFFFFFFE);
  CHECK_EQ("MUL EBX: EAX", h_rd32(m, H_DATA + 0x18), 0x00100000);
  CHECK_EQ("MUL EBX: EDX", h_rd32(m, H_DATA + 0x1C), 0x00000000);
  static const uint16_t want[] = {CFOF, 0, CFOF, CFOF, 0, CFOF, 0};
  for (int i = 0; i < 7; i++) {
    uint16_t f = h_stack16(m, 6 - i) & CFOF;
    cr_expect_eq(f, want[i], "MUL #%d: CF/OF expected %s, got %s", i + 1,
                 h_flagstr(want[i], (char[32]){0}), h_flagstr(f, (char[32]){0}));
  }
  h_free(m);
}

static const uint8_t imul1_forms[] = {
  0xB0, 0xFF,                              /* 0000: mov al, 0xFF */
  0xB3, 0x02,                              /* 0002: mov bl, 0x02 */
  0xF6, 0xEB,                              /* 0004: imul bl                 ; -1 * 2 = -2: AX = 0xFFFE */
  0xA3, 0x00, 0x00,                        /* 0006: mov [0x00], ax */
  0x9C,                                    /* 0009: pushf */
  0xB0, 0x40,                              /* 000A: mov al, 0x40 */
  0xF6, 0xEB,                              /* 000C: imul bl                 ; 64 * 2 = 128: AX = 0x0080, overflows AL */
  0xA3, 0x02, 0x00,                        /* 000E: mov [0x02], ax */
  0x9C,                                    /* 0011: pushf */
  0xB0, 0x80,                              /* 0012: mov al, 0x80 */
  0xC6, 0x06, 0x40, 0x00, 0x80,            /* 0014: mov byte [0x40], 0x80 */
  0xF6, 0x2E, 0x40, 0x00,                  /* 0019: imul byte [0x40]        ; -128 * -128 = 16384: AX = 0x4000 */
  0xA3, 0x04, 0x00,                        /* 001D: mov [0x04], ax */
  0x9C,                                    /* 0020: pushf */
  0xB8, 0xFF, 0xFF,                        /* 0021: mov ax, 0xFFFF */
  0xB9, 0xFF, 0xFF,                        /* 0024: mov cx, 0xFFFF */
  0xF7, 0xE9,                              /* 0027: imul cx                 ; -1 * -1 = 1: DX:AX = 0:1 */
  0xA3, 0x06, 0x00,                        /* 0029: mov [0x06], ax */
  0x89, 0x16, 0x08, 0x00,                  /* 002C: mov [0x08], dx */
  0x9C,                                    /* 0030: pushf */
  0xB8, 0x00, 0x80,                        /* 0031: mov ax, 0x8000 */
  0xB9, 0x02, 0x00,                        /* 0034: mov cx, 0x0002 */
  0xF7, 0xE9,                              /* 0037: imul cx                 ; -32768 * 2 = -65536: DX:AX = 0xFFFF:0x0000 */
  0xA3, 0x0A, 0x00,                        /* 0039: mov [0x0A], ax */
  0x89, 0x16, 0x0C, 0x00,                  /* 003C: mov [0x0C], dx */
  0x9C,                                    /* 0040: pushf */
  0x66, 0xB8, 0x00, 0x00, 0x00, 0x80,      /* 0041: mov eax, 0x80000000 */
  0x66, 0xB9, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0047: mov ecx, 0xFFFFFFFF */
  0x66, 0xF7, 0xE9,                        /* 004D: imul ecx                ; -2^31 * -1 = 2^31: EDX:EAX = 0:0x80000000 */
  0x66, 0xA3, 0x10, 0x00,                  /* 0050: mov [0x10], eax */
  0x66, 0x89, 0x16, 0x14, 0x00,            /* 0054: mov [0x14], edx */
  0x9C,                                    /* 0059: pushf */
  0x66, 0xB8, 0xFD, 0xFF, 0xFF, 0xFF,      /* 005A: mov eax, 0xFFFFFFFD */
  0x66, 0xB9, 0x05, 0x00, 0x00, 0x00,      /* 0060: mov ecx, 5 */
  0x66, 0xF7, 0xE9,                        /* 0066: imul ecx                ; -3 * 5 = -15: EDX:EAX = 0xFFFFFFFF:0xFFFFFFF1 */
  0x66, 0xA3, 0x18, 0x00,                  /* 0069: mov [0x18], eax */
  0x66, 0x89, 0x16, 0x1C, 0x00,            /* 006D: mov [0x1C], edx */
  0x9C,                                    /* 0072: pushf */
  0xF4,                                    /* 0073: hlt */
};

Test(muldiv, imul_one_operand) {
  Machine *m = RUN(imul1_forms);
  CHECK_EQ("IMUL BL -1*2", h_rd16(m, H_DATA + 0x00), 0xFFFE);
  CHECK_EQ("IMUL BL 64*2", h_rd16(m, H_DATA + 0x02), 0x0080);
  CHECK_EQ("IMUL byte -128*-128", h_rd16(m, H_DATA + 0x04), 0x4000);
  CHECK_EQ("IMUL CX -1*-1: AX", h_rd16(m, H_DATA + 0x06), 0x0001);
  CHECK_EQ("IMUL CX -1*-1: DX", h_rd16(m, H_DATA + 0x08), 0x0000);
  CHECK_EQ("IMUL CX -32768*2: AX", h_rd16(m, H_DATA + 0x0A), 0x0000);
  CHECK_EQ("IMUL CX -32768*2: DX", h_rd16(m, H_DATA + 0x0C), 0xFFFF);
  CHECK_EQ("IMUL ECX -2^31*-1: EAX", h_rd32(m, H_DATA + 0x10), 0x80000000);
  CHECK_EQ("IMUL ECX -2^31*-1: EDX", h_rd32(m, H_DATA + 0x14), 0x00000000);
  CHECK_EQ("IMUL ECX -3*5: EAX", h_rd32(m, H_DATA + 0x18), 0xFFFFFFF1);
  CHECK_EQ("IMUL ECX -3*5: EDX", h_rd32(m, H_DATA + 0x1C), 0xFFFFFFFF);
  static const uint16_t want[] = {0, CFOF, CFOF, 0, CFOF, CFOF, 0};
  for (int i = 0; i < 7; i++) {
    uint16_t f = h_stack16(m, 6 - i) & CFOF;
    cr_expect_eq(f, want[i], "IMUL #%d: CF/OF expected %s, got %s", i + 1,
                 h_flagstr(want[i], (char[32]){0}), h_flagstr(f, (char[32]){0}));
  }
  h_free(m);
}

static const uint8_t imul23_forms[] = {
  0xB8, 0x00, 0x01,                        /* 0000: mov ax, 0x0100 */
  0xBB, 0x00, 0x01,                        /* 0003: mov bx, 0x0100 */
  0x0F, 0xAF, 0xC3,                        /* 0006: imul ax, bx             ; 0F AF: 0x10000 truncated to 0 */
  0xA3, 0x00, 0x00,                        /* 0009: mov [0x00], ax */
  0x9C,                                    /* 000C: pushf */
  0x66, 0xB8, 0xFE, 0xFF, 0xFF, 0xFF,      /* 000D: mov eax, 0xFFFFFFFE */
  0x66, 0xC7, 0x06, 0x40, 0x00, 0xFF, 0xFF, 0xFF, 0x3F, /* 0013: mov dword [0x40], 0x3FFFFFFF */
  0x66, 0x0F, 0xAF, 0x06, 0x40, 0x00,      /* 001C: imul eax, [0x40]        ; -2 * 0x3FFFFFFF = 0x80000002, fits */
  0x66, 0xA3, 0x04, 0x00,                  /* 0022: mov [0x04], eax */
  0x9C,                                    /* 0026: pushf */
  0xBE, 0xFF, 0xFF,                        /* 0027: mov si, 0xFFFF */
  0xBF, 0xFF, 0xFF,                        /* 002A: mov di, 0xFFFF */
  0x0F, 0xAF, 0xF7,                        /* 002D: imul si, di             ; -1 * -1 = 1 */
  0x89, 0x36, 0x08, 0x00,                  /* 0030: mov [0x08], si */
  0x9C,                                    /* 0034: pushf */
  0xBB, 0xE8, 0x03,                        /* 0035: mov bx, 1000 */
  0x6B, 0xC3, 0x0A,                        /* 0038: imul ax, bx, 10         ; 6B ib: 10000 */
  0xA3, 0x0A, 0x00,                        /* 003B: mov [0x0A], ax */
  0x9C,                                    /* 003E: pushf */
  0xBB, 0x00, 0x40,                        /* 003F: mov bx, 0x4000 */
  0x6B, 0xC3, 0xFE,                        /* 0042: imul ax, bx, -2         ; 6B ib sign-extended: -32768 fits */
  0xA3, 0x0C, 0x00,                        /* 0045: mov [0x0C], ax */
  0x9C,                                    /* 0048: pushf */
  0x66, 0xBB, 0x00, 0x00, 0x01, 0x00,      /* 0049: mov ebx, 0x00010000 */
  0x66, 0x69, 0xC3, 0x45, 0x23, 0x01, 0x00, /* 004F: imul eax, ebx, 0x12345  ; 66 69 id: 0x123450000 truncated */
  0x66, 0xA3, 0x10, 0x00,                  /* 0056: mov [0x10], eax */
  0x9C,                                    /* 005A: pushf */
  0xBA, 0x03, 0x00,                        /* 005B: mov dx, 3 */
  0x69, 0xCA, 0x34, 0x12,                  /* 005E: imul cx, dx, 0x1234     ; 69 iw: 0x369C */
  0x89, 0x0E, 0x14, 0x00,                  /* 0062: mov [0x14], cx */
  0x9C,                                    /* 0066: pushf */
  0xC7, 0x06, 0x42, 0x00, 0x00, 0x70,      /* 0067: mov word [0x42], 0x7000 */
  0x6B, 0x2E, 0x42, 0x00, 0x03,            /* 006D: imul bp, [0x42], 3      ; memory source: 0x15000 truncated to 0x5000 */
  0x89, 0x2E, 0x16, 0x00,                  /* 0072: mov [0x16], bp */
  0x9C,                                    /* 0076: pushf */
  0xF4,                                    /* 0077: hlt */
};

Test(muldiv, imul_two_and_three_operands) {
  Machine *m = RUN(imul23_forms);
  CHECK_EQ("IMUL AX,BX", h_rd16(m, H_DATA + 0x00), 0x0000);
  CHECK_EQ("IMUL EAX,[m]", h_rd32(m, H_DATA + 0x04), 0x80000002);
  CHECK_EQ("IMUL SI,DI", h_rd16(m, H_DATA + 0x08), 0x0001);
  CHECK_EQ("IMUL AX,BX,10", h_rd16(m, H_DATA + 0x0A), 10000);
  CHECK_EQ("IMUL AX,BX,-2", h_rd16(m, H_DATA + 0x0C), 0x8000);
  CHECK_EQ("IMUL EAX,EBX,0x12345", h_rd32(m, H_DATA + 0x10), 0x23450000);
  CHECK_EQ("IMUL CX,DX,0x1234", h_rd16(m, H_DATA + 0x14), 0x369C);
  CHECK_EQ("IMUL BP,[m],3", h_rd16(m, H_DATA + 0x16), 0x5000);
  CHECK_REG16(m, EBX, 0x0000); /* sources unchanged: BX = low half of 0x00010000 */
  CHECK_REG16(m, EDX, 3);
  static const uint16_t want[] = {CFOF, 0, 0, 0, 0, CFOF, 0, CFOF};
  for (int i = 0; i < 8; i++) {
    uint16_t f = h_stack16(m, 7 - i) & CFOF;
    cr_expect_eq(f, want[i], "IMUL #%d: CF/OF expected %s, got %s", i + 1,
                 h_flagstr(want[i], (char[32]){0}), h_flagstr(f, (char[32]){0}));
  }
  h_free(m);
}

static const uint8_t div_forms[] = {
  0xB8, 0x23, 0x01,                        /* 0000: mov ax, 0x0123 */
  0xB3, 0x10,                              /* 0003: mov bl, 0x10 */
  0xF6, 0xF3,                              /* 0005: div bl                  ; 291 / 16 = 18 r 3 */
  0xA3, 0x00, 0x00,                        /* 0007: mov [0x00], ax */
  0xBA, 0x01, 0x00,                        /* 000A: mov dx, 0x0001 */
  0xB8, 0x00, 0x00,                        /* 000D: mov ax, 0x0000 */
  0xB9, 0x03, 0x00,                        /* 0010: mov cx, 0x0003 */
  0xF7, 0xF1,                              /* 0013: div cx                  ; 65536 / 3 = 21845 r 1 */
  0xA3, 0x02, 0x00,                        /* 0015: mov [0x02], ax */
  0x89, 0x16, 0x04, 0x00,                  /* 0018: mov [0x04], dx */
  0x66, 0xBA, 0x01, 0x00, 0x00, 0x00,      /* 001C: mov edx, 0x00000001 */
  0x66, 0xB8, 0x00, 0x00, 0x00, 0x00,      /* 0022: mov eax, 0x00000000 */
  0x66, 0xB9, 0x10, 0x00, 0x00, 0x00,      /* 0028: mov ecx, 0x00000010 */
  0x66, 0xF7, 0xF1,                        /* 002E: div ecx                 ; 2^32 / 16 = 2^28 r 0 */
  0x66, 0xA3, 0x08, 0x00,                  /* 0031: mov [0x08], eax */
  0x66, 0x89, 0x16, 0x0C, 0x00,            /* 0035: mov [0x0C], edx */
  0x66, 0xBA, 0x07, 0x00, 0x00, 0x00,      /* 003A: mov edx, 0x00000007 */
  0x66, 0xB8, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0040: mov eax, 0xFFFFFFFF */
  0x66, 0xC7, 0x06, 0x40, 0x00, 0x10, 0x00, 0x00, 0x00, /* 0046: mov dword [0x40], 0x10 */
  0x66, 0xF7, 0x36, 0x40, 0x00,            /* 004F: div dword [0x40]        ; 0x7FFFFFFFF / 16 = 0x7FFFFFFF r 15 */
  0x66, 0xA3, 0x10, 0x00,                  /* 0054: mov [0x10], eax */
  0x66, 0x89, 0x16, 0x14, 0x00,            /* 0058: mov [0x14], edx */
  0xB8, 0xFF, 0x00,                        /* 005D: mov ax, 0x00FF */
  0xC6, 0x06, 0x44, 0x00, 0xFF,            /* 0060: mov byte [0x44], 0xFF */
  0xF6, 0x36, 0x44, 0x00,                  /* 0065: div byte [0x44]         ; 255 / 255 = 1 r 0 */
  0xA3, 0x18, 0x00,                        /* 0069: mov [0x18], ax */
  0xB8, 0xFE, 0x01,                        /* 006C: mov ax, 0x01FE */
  0xB3, 0x02,                              /* 006F: mov bl, 2 */
  0xF6, 0xF3,                              /* 0071: div bl                  ; 510 / 2 = 255: the largest quotient */
  0xA3, 0x1A, 0x00,                        /* 0073: mov [0x1A], ax */
  0xF4,                                    /* 0076: hlt */
};

Test(muldiv, div) {
  Machine *m = RUN(div_forms);
  CHECK_EQ("DIV BL: AH:AL", h_rd16(m, H_DATA + 0x00), 0x0312);
  CHECK_EQ("DIV CX: AX", h_rd16(m, H_DATA + 0x02), 0x5555);
  CHECK_EQ("DIV CX: DX", h_rd16(m, H_DATA + 0x04), 0x0001);
  CHECK_EQ("DIV ECX: EAX", h_rd32(m, H_DATA + 0x08), 0x10000000);
  CHECK_EQ("DIV ECX: EDX", h_rd32(m, H_DATA + 0x0C), 0x00000000);
  CHECK_EQ("DIV [m32]: EAX", h_rd32(m, H_DATA + 0x10), 0x7FFFFFFF);
  CHECK_EQ("DIV [m32]: EDX", h_rd32(m, H_DATA + 0x14), 0x0000000F);
  CHECK_EQ("DIV [m8]: AX", h_rd16(m, H_DATA + 0x18), 0x0001);
  CHECK_EQ("DIV BL 510/2: AX", h_rd16(m, H_DATA + 0x1A), 0x00FF);
  h_free(m);
}

static const uint8_t idiv_forms[] = {
  0xB8, 0xF9, 0xFF,                        /* 0000: mov ax, 0xFFF9 */
  0xB3, 0x02,                              /* 0003: mov bl, 2 */
  0xF6, 0xFB,                              /* 0005: idiv bl                 ; -7 / 2 = -3 r -1 */
  0xA3, 0x00, 0x00,                        /* 0007: mov [0x00], ax */
  0xB8, 0x07, 0x00,                        /* 000A: mov ax, 7 */
  0xB3, 0xFE,                              /* 000D: mov bl, 0xFE */
  0xF6, 0xFB,                              /* 000F: idiv bl                 ; 7 / -2 = -3 r 1 */
  0xA3, 0x02, 0x00,                        /* 0011: mov [0x02], ax */
  0xB8, 0x00, 0xFF,                        /* 0014: mov ax, 0xFF00 */
  0xB3, 0x02,                              /* 0017: mov bl, 2 */
  0xF6, 0xFB,                              /* 0019: idiv bl                 ; -256 / 2 = -128 r 0 (the most negative quotient) */
  0xA3, 0x04, 0x00,                        /* 001B: mov [0x04], ax */
  0xBA, 0xFE, 0xFF,                        /* 001E: mov dx, 0xFFFE */
  0xB8, 0x60, 0x79,                        /* 0021: mov ax, 0x7960 */
  0xB9, 0x07, 0x00,                        /* 0024: mov cx, 7 */
  0xF7, 0xF9,                              /* 0027: idiv cx                 ; -100000 / 7 = -14285 r -5 */
  0xA3, 0x06, 0x00,                        /* 0029: mov [0x06], ax */
  0x89, 0x16, 0x08, 0x00,                  /* 002C: mov [0x08], dx */
  0x66, 0xBA, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0030: mov edx, 0xFFFFFFFF */
  0x66, 0xB8, 0xF6, 0xFF, 0xFF, 0xFF,      /* 0036: mov eax, 0xFFFFFFF6 */
  0x66, 0xB9, 0x03, 0x00, 0x00, 0x00,      /* 003C: mov ecx, 3 */
  0x66, 0xF7, 0xF9,                        /* 0042: idiv ecx                ; -10 / 3 = -3 r -1 */
  0x66, 0xA3, 0x0C, 0x00,                  /* 0045: mov [0x0C], eax */
  0x66, 0x89, 0x16, 0x10, 0x00,            /* 0049: mov [0x10], edx */
  0x66, 0xBA, 0x00, 0x00, 0x00, 0x00,      /* 004E: mov edx, 0 */
  0x66, 0xB8, 0x64, 0x00, 0x00, 0x00,      /* 0054: mov eax, 100 */
  0x66, 0xC7, 0x06, 0x40, 0x00, 0xF9, 0xFF, 0xFF, 0xFF, /* 005A: mov dword [0x40], 0xFFFFFFF9 */
  0x66, 0xF7, 0x3E, 0x40, 0x00,            /* 0063: idiv dword [0x40]       ; 100 / -7 = -14 r 2 */
  0x66, 0xA3, 0x14, 0x00,                  /* 0068: mov [0x14], eax */
  0x66, 0x89, 0x16, 0x18, 0x00,            /* 006C: mov [0x18], edx */
  0xBA, 0xFF, 0xFF,                        /* 0071: mov dx, 0xFFFF */
  0xB8, 0x00, 0x00,                        /* 0074: mov ax, 0x0000 */
  0xB9, 0x02, 0x00,                        /* 0077: mov cx, 2 */
  0xF7, 0xF9,                              /* 007A: idiv cx                 ; -65536 / 2 = -32768: the most negative quotient */
  0xA3, 0x1C, 0x00,                        /* 007C: mov [0x1C], ax */
  0x89, 0x16, 0x1E, 0x00,                  /* 007F: mov [0x1E], dx */
  0xF4,                                    /* 0083: hlt */
};

Test(muldiv, idiv) {
  Machine *m = RUN(idiv_forms);
  CHECK_EQ("IDIV -7/2: AH:AL", h_rd16(m, H_DATA + 0x00), 0xFFFD);
  CHECK_EQ("IDIV 7/-2: AH:AL", h_rd16(m, H_DATA + 0x02), 0x01FD);
  CHECK_EQ("IDIV -256/2: AH:AL", h_rd16(m, H_DATA + 0x04), 0x0080);
  CHECK_EQ("IDIV -100000/7: AX", h_rd16(m, H_DATA + 0x06), 0xC833);
  CHECK_EQ("IDIV -100000/7: DX", h_rd16(m, H_DATA + 0x08), 0xFFFB);
  CHECK_EQ("IDIV -10/3: EAX", h_rd32(m, H_DATA + 0x0C), 0xFFFFFFFD);
  CHECK_EQ("IDIV -10/3: EDX", h_rd32(m, H_DATA + 0x10), 0xFFFFFFFF);
  CHECK_EQ("IDIV 100/-7: EAX", h_rd32(m, H_DATA + 0x14), 0xFFFFFFF2);
  CHECK_EQ("IDIV 100/-7: EDX", h_rd32(m, H_DATA + 0x18), 0x00000002);
  CHECK_EQ("IDIV -65536/2: AX", h_rd16(m, H_DATA + 0x1C), 0x8000);
  CHECK_EQ("IDIV -65536/2: DX", h_rd16(m, H_DATA + 0x1E), 0x0000);
  h_free(m);
}

/* Divide errors. Each program loads distinctive values, faults at the
 * label `fault`, and must end in the vector 0 stub with nothing changed. */
static void check_de(Machine *m, uint32_t ip, uint32_t eax, uint32_t edx) {
  int v = h_run(m);
  cr_expect_eq(v, EXC_DE, "expected #DE (vector 0), got vector %d", v);
  CHECK_FAULT(m, EXC_DE, ip);
  CHECK_REG(m, EAX, eax);
  CHECK_REG(m, EDX, edx);
  CHECK_REG(m, ESP, H_SP - 6);
}

#define de_div8_zero_fault 0x0008
static const uint8_t de_div8_zero[] = {
  0xB8, 0x34, 0x12,                        /* 0000: mov ax, 0x1234 */
  0xBA, 0x78, 0x56,                        /* 0003: mov dx, 0x5678 */
  0xB3, 0x00,                              /* 0006: mov bl, 0 */
  /* fault: */
  0xF6, 0xF3,                              /* 0008: div bl */
  0xF4,                                    /* 000A: hlt */
};

Test(muldiv, div8_by_zero) {
  Machine *m = PREPARE(de_div8_zero);
  check_de(m, de_div8_zero_fault, 0x1234, 0x5678);
  CHECK_REG8(m, EBX, 0);
  h_free(m);
}

#define de_div8_overflow_fault 0x0008
static const uint8_t de_div8_overflow[] = {
  0xB8, 0x00, 0x10,                        /* 0000: mov ax, 0x1000 */
  0xBA, 0x78, 0x56,                        /* 0003: mov dx, 0x5678 */
  0xB3, 0x10,                              /* 0006: mov bl, 0x10 */
  /* fault: */
  0xF6, 0xF3,                              /* 0008: div bl                  ; 4096 / 16 = 256 > 255 */
  0xF4,                                    /* 000A: hlt */
};

Test(muldiv, div8_quotient_overflow) {
  Machine *m = PREPARE(de_div8_overflow);
  check_de(m, de_div8_overflow_fault, 0x1000, 0x5678);
  h_free(m);
}

#define de_div16_overflow_fault 0x0009
static const uint8_t de_div16_overflow[] = {
  0xBA, 0x05, 0x00,                        /* 0000: mov dx, 0x0005 */
  0xB8, 0x00, 0x00,                        /* 0003: mov ax, 0x0000 */
  0xB9, 0x05, 0x00,                        /* 0006: mov cx, 5 */
  /* fault: */
  0xF7, 0xF1,                              /* 0009: div cx                  ; 0x50000 / 5 = 0x10000 > 0xFFFF */
  0xF4,                                    /* 000B: hlt */
};

Test(muldiv, div16_quotient_overflow) {
  Machine *m = PREPARE(de_div16_overflow);
  check_de(m, de_div16_overflow_fault, 0x0000, 0x0005);
  CHECK_REG16(m, ECX, 5);
  h_free(m);
}

#define de_div32_overflow_fault 0x0012
static const uint8_t de_div32_overflow[] = {
  0x66, 0xBA, 0x01, 0x00, 0x00, 0x00,      /* 0000: mov edx, 1 */
  0x66, 0xB8, 0xEF, 0xCD, 0xAB, 0x89,      /* 0006: mov eax, 0x89ABCDEF */
  0x66, 0xB9, 0x01, 0x00, 0x00, 0x00,      /* 000C: mov ecx, 1 */
  /* fault: */
  0x66, 0xF7, 0xF1,                        /* 0012: div ecx                 ; 0x189ABCDEF / 1 does not fit 32 bits */
  0xF4,                                    /* 0015: hlt */
};

Test(muldiv, div32_quotient_overflow) {
  Machine *m = PREPARE(de_div32_overflow);
  check_de(m, de_div32_overflow_fault, 0x89ABCDEF, 1);
  h_free(m);
}

#define de_div32_zero_mem_fault 0x0017
static const uint8_t de_div32_zero_mem[] = {
  0x66, 0xBA, 0xBE, 0xBA, 0xFE, 0xCA,      /* 0000: mov edx, 0xCAFEBABE */
  0x66, 0xB8, 0xEF, 0xBE, 0xAD, 0xDE,      /* 0006: mov eax, 0xDEADBEEF */
  0xBB, 0x80, 0x00,                        /* 000C: mov bx, 0x0080 */
  0x26, 0x66, 0xC7, 0x07, 0x00, 0x00, 0x00, 0x00, /* 000F: mov dword [es:bx], 0 */
  /* fault: */
  0x26, 0x66, 0xF7, 0x37,                  /* 0017: div dword [es:bx]       ; prefixes 26 66: the pushed IP is the first prefix */
  0xF4,                                    /* 001B: hlt */
};

Test(muldiv, div32_zero_memory_with_prefixes) {
  Machine *m = PREPARE(de_div32_zero_mem);
  check_de(m, de_div32_zero_mem_fault, 0xDEADBEEF, 0xCAFEBABE);
  h_free(m);
}

#define de_idiv8_fault 0x0008
static const uint8_t de_idiv8[] = {
  0xB8, 0x00, 0x80,                        /* 0000: mov ax, 0x8000 */
  0xBA, 0x11, 0x11,                        /* 0003: mov dx, 0x1111 */
  0xB3, 0xFF,                              /* 0006: mov bl, 0xFF */
  /* fault: */
  0xF6, 0xFB,                              /* 0008: idiv bl                 ; -32768 / -1 = 32768 > 127 */
  0xF4,                                    /* 000A: hlt */
};

Test(muldiv, idiv8_overflow_negative_by_minus_one) {
  Machine *m = PREPARE(de_idiv8);
  check_de(m, de_idiv8_fault, 0x8000, 0x1111);
  h_free(m);
}

#define de_idiv8_pos_fault 0x0008
static const uint8_t de_idiv8_pos[] = {
  0xB8, 0x00, 0x01,                        /* 0000: mov ax, 0x0100 */
  0xBA, 0x22, 0x22,                        /* 0003: mov dx, 0x2222 */
  0xB3, 0x02,                              /* 0006: mov bl, 2 */
  /* fault: */
  0xF6, 0xFB,                              /* 0008: idiv bl                 ; 256 / 2 = 128 > 127 */
  0xF4,                                    /* 000A: hlt */
};

Test(muldiv, idiv8_overflow_positive_128) {
  Machine *m = PREPARE(de_idiv8_pos);
  check_de(m, de_idiv8_pos_fault, 0x0100, 0x2222);
  h_free(m);
}

#define de_idiv16_fault 0x0009
static const uint8_t de_idiv16[] = {
  0xBA, 0x00, 0x80,                        /* 0000: mov dx, 0x8000 */
  0xB8, 0x00, 0x00,                        /* 0003: mov ax, 0x0000 */
  0xB9, 0xFF, 0xFF,                        /* 0006: mov cx, 0xFFFF */
  /* fault: */
  0xF7, 0xF9,                              /* 0009: idiv cx                 ; -2^31 / -1 does not fit 16 bits */
  0xF4,                                    /* 000B: hlt */
};

Test(muldiv, idiv16_overflow) {
  Machine *m = PREPARE(de_idiv16);
  check_de(m, de_idiv16_fault, 0x0000, 0x8000);
  h_free(m);
}

#define de_idiv32_fault 0x0012
static const uint8_t de_idiv32[] = {
  0x66, 0xBA, 0x00, 0x00, 0x00, 0x80,      /* 0000: mov edx, 0x80000000 */
  0x66, 0xB8, 0x00, 0x00, 0x00, 0x00,      /* 0006: mov eax, 0x00000000 */
  0x66, 0xB9, 0xFF, 0xFF, 0xFF, 0xFF,      /* 000C: mov ecx, 0xFFFFFFFF */
  /* fault: */
  0x66, 0xF7, 0xF9,                        /* 0012: idiv ecx                ; -2^63 / -1 does not fit 32 bits */
  0xF4,                                    /* 0015: hlt */
};

Test(muldiv, idiv32_overflow) {
  Machine *m = PREPARE(de_idiv32);
  check_de(m, de_idiv32_fault, 0x00000000, 0x80000000);
  h_free(m);
}

#define de_idiv32_zero_fault 0x000F
static const uint8_t de_idiv32_zero[] = {
  0x66, 0xBA, 0x01, 0x00, 0x00, 0x00,      /* 0000: mov edx, 0x00000001 */
  0x66, 0xB8, 0x02, 0x00, 0x00, 0x00,      /* 0006: mov eax, 0x00000002 */
  0x66, 0x31, 0xC9,                        /* 000C: xor ecx, ecx */
  /* fault: */
  0x66, 0xF7, 0xF9,                        /* 000F: idiv ecx */
  0xF4,                                    /* 0012: hlt */
};

Test(muldiv, idiv32_by_zero) {
  Machine *m = PREPARE(de_idiv32_zero);
  check_de(m, de_idiv32_zero_fault, 0x00000002, 0x00000001);
  h_free(m);
}

/* #DE is a fault: a handler that fixes the divisor and IRETs re-executes
 * the DIV, which then succeeds. */
#define de_restart_fault 0x0005
#define de_restart_handler 0x000A
static const uint8_t de_restart[] = {
  0xB8, 0x64, 0x00,                        /* 0000: mov ax, 100 */
  0xB3, 0x00,                              /* 0003: mov bl, 0 */
  /* fault: */
  0xF6, 0xF3,                              /* 0005: div bl                  ; #DE, handler sets BL = 7, DIV runs again */
  0x89, 0xC1,                              /* 0007: mov cx, ax */
  0xF4,                                    /* 0009: hlt */
  /* handler: */
  0xB3, 0x07,                              /* 000A: mov bl, 7 */
  0x46,                                    /* 000C: inc si                  ; count handler runs */
  0xCF,                                    /* 000D: iret */
};

Test(muldiv, divide_error_restarts_the_div) {
  Machine *m = PREPARE(de_restart);
  h_set_ivt(m, EXC_DE, H_CS, de_restart_handler);
  h_run_ok(m);
  CHECK_REG16(m, ECX, 0x020E); /* 100 / 7 = 14 r 2 */
  CHECK_REG16(m, ESI, 1);
  CHECK_REG16(m, ESP, H_SP);
  h_free(m);
}
