/* Bit tests and scans: BT BTS BTR BTC with register and immediate offsets
 * on registers and memory, and BSF/BSR. Per the SDM: a register offset on
 * a register operand is taken modulo the width; a register offset on a
 * memory operand is a signed bit string index (EA + 2*(offset SAR 4) for
 * 16-bit operands, EA + 4*(offset SAR 5) for 32-bit ones); an immediate
 * offset is always taken modulo the width. CF = the old bit; ZF is left
 * alone; OF SF AF PF are undefined. BSF/BSR set ZF=1 for a zero source
 * (destination undefined) and otherwise ZF=0 with the bit index. */
#include "tests/unit/harness.h"

static const uint8_t bt_reg[] = {
  0x31, 0xF6,                              /* 0000: xor si, si              ; ZF = 1 (BT must leave it) */
  0xB8, 0x02, 0x00,                        /* 0002: mov ax, 0x0002 */
  0xB9, 0x11, 0x00,                        /* 0005: mov cx, 17 */
  0x0F, 0xA3, 0xC8,                        /* 0008: bt ax, cx               ; bit 17 mod 16 = 1: CF = 1 */
  0x9C,                                    /* 000B: pushf */
  0x66, 0xB9, 0x21, 0x00, 0x00, 0x00,      /* 000C: mov ecx, 33 */
  0x66, 0xBA, 0x00, 0x00, 0x00, 0x00,      /* 0012: mov edx, 0 */
  0x66, 0x0F, 0xAB, 0xCA,                  /* 0018: bts edx, ecx            ; bit 1: EDX = 2, CF = 0 */
  0x9C,                                    /* 001C: pushf */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 001D: mov ebx, 0xFFFFFFFF */
  0x66, 0x0F, 0xBA, 0xF3, 0x1F,            /* 0023: btr ebx, 31             ; imm: CF = 1, EBX = 0x7FFFFFFF */
  0x9C,                                    /* 0028: pushf */
  0xBF, 0x10, 0x00,                        /* 0029: mov di, 0x0010 */
  0x0F, 0xBA, 0xFF, 0x14,                  /* 002C: btc di, 20              ; imm 20 mod 16 = 4: CF = 1, DI = 0 */
  0x9C,                                    /* 0030: pushf */
  0xBD, 0x00, 0x80,                        /* 0031: mov bp, 0x8000 */
  0xB9, 0xFF, 0xFF,                        /* 0034: mov cx, 0xFFFF */
  0x0F, 0xBB, 0xCD,                        /* 0037: btc bp, cx              ; -1 mod 16 = 15: CF = 1, BP = 0 */
  0x9C,                                    /* 003A: pushf */
  0xF4,                                    /* 003B: hlt */
};

Test(bit, register_operands) {
  Machine *m = RUN(bt_reg);
  CHECK_REG16(m, EAX, 0x0002);
  CHECK_REG(m, EDX, 2);
  CHECK_REG(m, EBX, 0x7FFFFFFF);
  CHECK_REG16(m, EDI, 0);
  CHECK_REG16(m, EBP, 0);
  static const uint16_t want[] = {F_CF | F_ZF, F_ZF, F_CF | F_ZF, F_CF | F_ZF, F_CF | F_ZF};
  static const char *const what[] = {"BT AX,17", "BTS EDX,33", "BTR EBX,31", "BTC DI,20", "BTC BP,-1"};
  for (int i = 0; i < 5; i++) {
    uint16_t f = h_stack16(m, 4 - i) & (F_CF | F_ZF);
    cr_expect_eq(f, want[i], "%s: CF/ZF expected %s, got %s", what[i],
                 h_flagstr(want[i], (char[32]){0}), h_flagstr(f, (char[32]){0}));
  }
  h_free(m);
}

/* Memory bit strings at DS:0x20 (16-bit) and DS:0x40 (32-bit). */
static const uint8_t bt_mem16[] = {
  0xBB, 0x20, 0x00,                        /* 0000: mov bx, 0x20 */
  0xB8, 0x11, 0x00,                        /* 0003: mov ax, 17 */
  0x0F, 0xAB, 0x07,                        /* 0006: bts word [bx], ax       ; word at 0x22, bit 1 */
  0xB8, 0xFF, 0xFF,                        /* 0009: mov ax, 0xFFFF */
  0x0F, 0xAB, 0x07,                        /* 000C: bts word [bx], ax       ; -1: word at 0x1E, bit 15 */
  0xB8, 0xF0, 0xFF,                        /* 000F: mov ax, 0xFFF0 */
  0x0F, 0xAB, 0x07,                        /* 0012: bts word [bx], ax       ; -16: word at 0x1E, bit 0 */
  0xB8, 0xEF, 0xFF,                        /* 0015: mov ax, 0xFFEF */
  0x0F, 0xAB, 0x07,                        /* 0018: bts word [bx], ax       ; -17: word at 0x1C, bit 15 */
  0xB8, 0x03, 0x00,                        /* 001B: mov ax, 3 */
  0x0F, 0xA3, 0x07,                        /* 001E: bt word [bx], ax        ; bit 3 of 0x20 (set beforehand): CF = 1 */
  0x0F, 0x92, 0x06, 0x10, 0x00,            /* 0021: setc [0x10] */
  0xB8, 0x00, 0x01,                        /* 0026: mov ax, 0x0100 */
  0x0F, 0xB3, 0x07,                        /* 0029: btr word [bx], ax       ; 256: word at 0x40, bit 0 (set beforehand) */
  0x0F, 0x92, 0x06, 0x11, 0x00,            /* 002C: setc [0x11] */
  0xB8, 0x21, 0x00,                        /* 0031: mov ax, 33 */
  0x0F, 0xBB, 0x07,                        /* 0034: btc word [bx], ax       ; word at 0x24, bit 1 */
  0x0F, 0x92, 0x06, 0x12, 0x00,            /* 0037: setc [0x12] */
  0x0F, 0xBA, 0x27, 0x13,                  /* 003C: bt word [bx], 19        ; imm: 19 mod 16 = 3, the word at 0x20 itself */
  0x0F, 0x92, 0x06, 0x13, 0x00,            /* 0040: setc [0x13] */
  0xF4,                                    /* 0045: hlt */
};

Test(bit, memory_bit_strings_16) {
  Machine *m = PREPARE(bt_mem16);
  h_wr16(m, H_DATA + 0x20, 0x0008);
  h_wr16(m, H_DATA + 0x40, 0x0001);
  h_run_ok(m);
  CHECK_EQ("word [0x22]", h_rd16(m, H_DATA + 0x22), 0x0002);
  CHECK_EQ("word [0x1E]", h_rd16(m, H_DATA + 0x1E), 0x8001);
  CHECK_EQ("word [0x1C]", h_rd16(m, H_DATA + 0x1C), 0x8000);
  CHECK_EQ("word [0x20]", h_rd16(m, H_DATA + 0x20), 0x0008);
  CHECK_EQ("word [0x40]", h_rd16(m, H_DATA + 0x40), 0x0000);
  CHECK_EQ("word [0x24]", h_rd16(m, H_DATA + 0x24), 0x0002);
  CHECK_EQ("CF of BT [bx], 3", h_rd8(m, H_DATA + 0x10), 1);
  CHECK_EQ("CF of BTR [bx], 256", h_rd8(m, H_DATA + 0x11), 1);
  CHECK_EQ("CF of BTC [bx], 33", h_rd8(m, H_DATA + 0x12), 0);
  CHECK_EQ("CF of BT [bx], imm 19", h_rd8(m, H_DATA + 0x13), 1);
  h_free(m);
}

static const uint8_t bt_mem32[] = {
  0x66, 0xBB, 0x40, 0x00, 0x00, 0x00,      /* 0000: mov ebx, 0x40 */
  0x66, 0xB8, 0x23, 0x00, 0x00, 0x00,      /* 0006: mov eax, 35 */
  0x66, 0x67, 0x0F, 0xAB, 0x03,            /* 000C: bts dword [ebx], eax    ; dword at 0x44, bit 3 */
  0x66, 0xB8, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0011: mov eax, 0xFFFFFFFF */
  0x66, 0x67, 0x0F, 0xAB, 0x03,            /* 0017: bts dword [ebx], eax    ; -1: dword at 0x3C, bit 31 */
  0x66, 0xB8, 0x64, 0x00, 0x00, 0x00,      /* 001C: mov eax, 100 */
  0x66, 0x67, 0x0F, 0xBB, 0x03,            /* 0022: btc dword [ebx], eax    ; dword at 0x4C, bit 4 */
  0x66, 0xB8, 0xC0, 0xFF, 0xFF, 0xFF,      /* 0027: mov eax, 0xFFFFFFC0 */
  0x66, 0x67, 0x0F, 0xB3, 0x03,            /* 002D: btr dword [ebx], eax    ; -64: dword at 0x38, bit 0 (set beforehand) */
  0x0F, 0x92, 0x06, 0x10, 0x00,            /* 0032: setc [0x10] */
  0x66, 0xB8, 0x1F, 0x00, 0x00, 0x00,      /* 0037: mov eax, 31 */
  0x66, 0x67, 0x0F, 0xA3, 0x03,            /* 003D: bt dword [ebx], eax     ; bit 31 of 0x40 (clear) */
  0x0F, 0x92, 0x06, 0x11, 0x00,            /* 0042: setc [0x11] */
  0x66, 0x67, 0x0F, 0xBA, 0x3B, 0x23,      /* 0047: btc dword [ebx], 35     ; imm: 35 mod 32 = 3 of the dword at 0x40 */
  0x0F, 0x92, 0x06, 0x12, 0x00,            /* 004D: setc [0x12] */
  0xF4,                                    /* 0052: hlt */
};

Test(bit, memory_bit_strings_32) {
  Machine *m = PREPARE(bt_mem32);
  h_wr32(m, H_DATA + 0x38, 0x00000001);
  h_run_ok(m);
  CHECK_EQ("dword [0x44]", h_rd32(m, H_DATA + 0x44), 0x00000008);
  CHECK_EQ("dword [0x3C]", h_rd32(m, H_DATA + 0x3C), 0x80000000);
  CHECK_EQ("dword [0x4C]", h_rd32(m, H_DATA + 0x4C), 0x00000010);
  CHECK_EQ("dword [0x38]", h_rd32(m, H_DATA + 0x38), 0x00000000);
  CHECK_EQ("dword [0x40]", h_rd32(m, H_DATA + 0x40), 0x00000008);
  CHECK_EQ("CF of BTR [ebx], -64", h_rd8(m, H_DATA + 0x10), 1);
  CHECK_EQ("CF of BT [ebx], 31", h_rd8(m, H_DATA + 0x11), 0);
  CHECK_EQ("CF of BTC [ebx], imm 35", h_rd8(m, H_DATA + 0x12), 0);
  h_free(m);
}

static const uint8_t bsf_bsr[] = {
  0xBB, 0x00, 0x01,                        /* 0000: mov bx, 0x0100 */
  0x0F, 0xBC, 0xC3,                        /* 0003: bsf ax, bx              ; 8 */
  0xA3, 0x00, 0x00,                        /* 0006: mov [0x00], ax */
  0x9C,                                    /* 0009: pushf */
  0xBB, 0x01, 0x01,                        /* 000A: mov bx, 0x0101 */
  0x0F, 0xBD, 0xC3,                        /* 000D: bsr ax, bx              ; 8 */
  0xA3, 0x02, 0x00,                        /* 0010: mov [0x02], ax */
  0x0F, 0xBC, 0xC3,                        /* 0013: bsf ax, bx              ; 0 */
  0xA3, 0x04, 0x00,                        /* 0016: mov [0x04], ax */
  0x66, 0xBB, 0x00, 0x00, 0x00, 0x80,      /* 0019: mov ebx, 0x80000000 */
  0x66, 0x0F, 0xBC, 0xCB,                  /* 001F: bsf ecx, ebx            ; 31 */
  0x66, 0x89, 0x0E, 0x08, 0x00,            /* 0023: mov [0x08], ecx */
  0x66, 0x0F, 0xBD, 0xCB,                  /* 0028: bsr ecx, ebx            ; 31 */
  0x66, 0x89, 0x0E, 0x0C, 0x00,            /* 002C: mov [0x0C], ecx */
  0x66, 0xC7, 0x06, 0x40, 0x00, 0x00, 0x00, 0x01, 0x00, /* 0031: mov dword [0x40], 0x00010000 */
  0x66, 0x0F, 0xBC, 0x16, 0x40, 0x00,      /* 003A: bsf edx, [0x40]         ; 16 */
  0x66, 0x89, 0x16, 0x10, 0x00,            /* 0040: mov [0x10], edx */
  0x66, 0xC7, 0x06, 0x44, 0x00, 0xFF, 0xFF, 0xFF, 0x7F, /* 0045: mov dword [0x44], 0x7FFFFFFF */
  0x66, 0x0F, 0xBD, 0x16, 0x44, 0x00,      /* 004E: bsr edx, [0x44]         ; 30 */
  0x66, 0x89, 0x16, 0x14, 0x00,            /* 0054: mov [0x14], edx */
  0x66, 0xBE, 0x01, 0x00, 0x00, 0x00,      /* 0059: mov esi, 1 */
  0x66, 0x0F, 0xBD, 0xFE,                  /* 005F: bsr edi, esi            ; 0 */
  0x66, 0x89, 0x3E, 0x18, 0x00,            /* 0063: mov [0x18], edi */
  0x9C,                                    /* 0068: pushf */
  0x31, 0xDB,                              /* 0069: xor bx, bx */
  0x83, 0xFB, 0x01,                        /* 006B: cmp bx, 1               ; ZF = 0 */
  0x0F, 0xBC, 0xC3,                        /* 006E: bsf ax, bx              ; zero source: ZF = 1 */
  0x9C,                                    /* 0071: pushf */
  0x66, 0xBB, 0x00, 0x00, 0x00, 0x00,      /* 0072: mov ebx, 0 */
  0x66, 0x83, 0xFB, 0x01,                  /* 0078: cmp ebx, 1 */
  0x66, 0x0F, 0xBD, 0xC3,                  /* 007C: bsr eax, ebx            ; zero source: ZF = 1 */
  0x9C,                                    /* 0080: pushf */
  0xF4,                                    /* 0081: hlt */
};

Test(bit, bsf_bsr) {
  Machine *m = RUN(bsf_bsr);
  CHECK_EQ("BSF 0x0100", h_rd16(m, H_DATA + 0x00), 8);
  CHECK_EQ("BSR 0x0101", h_rd16(m, H_DATA + 0x02), 8);
  CHECK_EQ("BSF 0x0101", h_rd16(m, H_DATA + 0x04), 0);
  CHECK_EQ("BSF 0x80000000", h_rd32(m, H_DATA + 0x08), 31);
  CHECK_EQ("BSR 0x80000000", h_rd32(m, H_DATA + 0x0C), 31);
  CHECK_EQ("BSF [0x00010000]", h_rd32(m, H_DATA + 0x10), 16);
  CHECK_EQ("BSR [0x7FFFFFFF]", h_rd32(m, H_DATA + 0x14), 30);
  CHECK_EQ("BSR 1", h_rd32(m, H_DATA + 0x18), 0);
  CHECK_EQ("ZF after BSF of non-zero", h_stack16(m, 3) & F_ZF, 0);
  CHECK_EQ("ZF after BSR of non-zero", h_stack16(m, 2) & F_ZF, 0);
  CHECK_EQ("ZF after BSF of zero", h_stack16(m, 1) & F_ZF, F_ZF);
  CHECK_EQ("ZF after BSR of zero", h_stack16(m, 0) & F_ZF, F_ZF);
  h_free(m);
}
