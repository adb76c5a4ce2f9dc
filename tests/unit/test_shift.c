/* Shifts and rotates: SHL SHR SAR ROL ROR RCL RCR by 1, CL and imm8, and
 * SHLD/SHRD. Per the Intel SDM: the count is masked to 5 bits; a masked
 * count of 0 changes nothing (not even flags); CF is the last bit shifted
 * out (undefined for SHL/SHR when count >= operand width); OF is defined
 * only for 1-bit shifts (SHL: MSB(result) ^ CF, SHR: MSB(original),
 * SAR: 0; ROL: MSB(result) ^ CF, ROR: top two result bits XORed, RCL:
 * MSB(result) ^ CF, RCR: MSB(original) ^ original CF). Shifts set SF ZF
 * PF from the result (AF undefined); rotates never touch SF ZF AF PF.
 * RCL/RCR rotate through CF, count mod 9 (8-bit) / mod 17 (16-bit). */
#include "tests/unit/harness.h"

enum { S_ROL, S_ROR, S_RCL, S_RCR, S_SHL, S_SHR, S_SAL, S_SAR };

/* Flags the SDM defines for each kind of case. */
#define M_SH1 (F_CF | F_OF | F_SF | F_ZF | F_PF)   /* shift by 1 */
#define M_SHN (F_CF | F_SF | F_ZF | F_PF)          /* shift by 2..width-1 */
#define M_BIG (F_SF | F_ZF | F_PF)                 /* SHL/SHR by >= width */
#define M_ALL F_ARITH                              /* count 0, 1-bit rotates */
#define M_ROTN (F_ARITH & ~F_OF)                   /* rotates by > 1 */

/* DS:0 operand, DS:4 count, DS:8 initial FLAGS. The ModRM at `op` is
 * patched per case: D2/D3 /n with n = ROL ROR RCL RCR SHL SHR SAL SAR. */
#define shift8_op 0x000C
static const uint8_t shift8[] = {
  0xFF, 0x36, 0x08, 0x00,                  /* 0000: push word [8] */
  0x9D,                                    /* 0004: popf */
  0xA0, 0x00, 0x00,                        /* 0005: mov al, [0] */
  0x8A, 0x0E, 0x04, 0x00,                  /* 0008: mov cl, [4] */
  /* op: */
  0xD2, 0xE0,                              /* 000C: shl al, cl            ; ModRM patched */
  0xF4,                                    /* 000E: hlt */
};

#define shift16_op 0x000C
static const uint8_t shift16[] = {
  0xFF, 0x36, 0x08, 0x00,                  /* 0000: push word [8] */
  0x9D,                                    /* 0004: popf */
  0xA1, 0x00, 0x00,                        /* 0005: mov ax, [0] */
  0x8A, 0x0E, 0x04, 0x00,                  /* 0008: mov cl, [4] */
  /* op: */
  0xD3, 0xE0,                              /* 000C: shl ax, cl            ; ModRM patched */
  0xF4,                                    /* 000E: hlt */
};

#define shift32_op 0x000E
static const uint8_t shift32[] = {
  0xFF, 0x36, 0x08, 0x00,                  /* 0000: push word [8] */
  0x9D,                                    /* 0004: popf */
  0x66, 0xA1, 0x00, 0x00,                  /* 0005: mov eax, [0] */
  0x8A, 0x0E, 0x04, 0x00,                  /* 0009: mov cl, [4] */
  0x66,                                    /* 000D: db 0x66               ; operand size: EAX */
  /* op: */
  0xD3, 0xE0,                              /* 000E: shl ax, cl            ; ModRM patched */
  0xF4,                                    /* 0010: hlt */
};

typedef struct {
  int op, size;
  uint32_t val, count, fin, res, fout, mask;
} ShiftCase;

static void run_shift_table(const ShiftCase *t, size_t n) {
  static const char *const names[] = {"ROL", "ROR", "RCL", "RCR", "SHL", "SHR", "SAL", "SAR"};
  for (size_t i = 0; i < n; i++) {
    const ShiftCase *s = &t[i];
    const uint8_t *code = s->size == 1 ? shift8 : s->size == 2 ? shift16 : shift32;
    size_t len = s->size == 1 ? sizeof shift8 : s->size == 2 ? sizeof shift16 : sizeof shift32;
    uint32_t op_at = s->size == 1 ? shift8_op : s->size == 2 ? shift16_op : shift32_op;
    Machine *m = h_prepare(code, len);
    h_wr8(m, H_CODE + op_at + 1, (uint8_t)(0xC0 | s->op << 3));
    h_wr32(m, H_DATA + 0, s->val);
    h_wr32(m, H_DATA + 4, s->count);
    h_wr16(m, H_DATA + 8, (uint16_t)(s->fin | 2));
    h_run_ok(m);
    uint32_t mask = size_mask(s->size);
    uint32_t got = h_reg(m, EAX) & mask;
    uint32_t gotf = h_flags(m) & s->mask, wantf = s->fout & s->mask;
    char b1[32], b2[32];
    cr_expect_eq(got, s->res, "%s%d 0x%X, %u: result expected 0x%X, got 0x%X", names[s->op],
                 s->size * 8, s->val, s->count, s->res, got);
    cr_expect_eq(gotf, wantf, "%s%d 0x%X, %u (flags in %s): flags expected %s, got %s",
                 names[s->op], s->size * 8, s->val, s->count, h_flagstr(s->fin, (char[32]){0}),
                 h_flagstr(wantf, b1), h_flagstr(gotf, b2));
    h_free(m);
  }
}
#define RUN_SHIFTS(t) run_shift_table((t), sizeof(t) / sizeof((t)[0]))

#define ALLF (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

Test(shift, shl) {
  static const ShiftCase t[] = {
    {S_SHL, 1, 0x81, 1, 0, 0x02, F_CF | F_OF, M_SH1},
    {S_SHL, 1, 0x40, 1, 0, 0x80, F_OF | F_SF, M_SH1},
    {S_SHL, 1, 0xC0, 1, F_OF, 0x80, F_CF | F_SF, M_SH1},
    {S_SHL, 1, 0x31, 3, 0, 0x88, F_CF | F_SF | F_PF, M_SHN},
    {S_SHL, 1, 0x01, 8, 0, 0x00, F_ZF | F_PF, M_BIG},
    {S_SHL, 1, 0x5A, 0, ALLF, 0x5A, ALLF, M_ALL},
    {S_SHL, 1, 0x81, 33, 0, 0x02, F_CF | F_OF, M_SH1},
    {S_SHL, 2, 0x4001, 1, 0, 0x8002, F_OF | F_SF, M_SH1},
    {S_SHL, 2, 0x00FF, 8, 0, 0xFF00, F_SF | F_PF, M_SHN},
    {S_SHL, 2, 0x0001, 16, 0, 0x0000, F_ZF | F_PF, M_BIG},
    {S_SHL, 4, 0x80000001, 1, 0, 0x00000002, F_CF | F_OF, M_SH1},
    {S_SHL, 4, 0x00000003, 31, 0, 0x80000000, F_CF | F_SF | F_PF, M_SHN},
    {S_SHL, 4, 0x12345678, 32, F_CF | F_PF, 0x12345678, F_CF | F_PF, M_ALL},
    {S_SAL, 1, 0x81, 1, 0, 0x02, F_CF | F_OF, M_SH1}, /* /6 is SAL = SHL */
  };
  RUN_SHIFTS(t);
}

Test(shift, shr) {
  static const ShiftCase t[] = {
    {S_SHR, 1, 0x81, 1, 0, 0x40, F_CF | F_OF, M_SH1},
    {S_SHR, 1, 0xF8, 4, 0, 0x0F, F_CF | F_PF, M_SHN},
    {S_SHR, 1, 0xFF, 9, 0, 0x00, F_ZF | F_PF, M_BIG},
    {S_SHR, 2, 0x8000, 15, 0, 0x0001, 0, M_SHN},
    {S_SHR, 2, 0x8001, 1, 0, 0x4000, F_CF | F_OF | F_PF, M_SH1},
    {S_SHR, 4, 0x80000000, 31, 0, 0x00000001, 0, M_SHN},
    {S_SHR, 4, 0xFFFFFFFF, 0, F_ZF, 0xFFFFFFFF, F_ZF, M_ALL},
    {S_SHR, 4, 0x00000001, 1, 0, 0x00000000, F_CF | F_ZF | F_PF, M_SH1},
  };
  RUN_SHIFTS(t);
}

Test(shift, sar) {
  static const ShiftCase t[] = {
    {S_SAR, 1, 0x81, 1, F_OF, 0xC0, F_CF | F_SF | F_PF, M_SH1},
    {S_SAR, 1, 0x80, 10, 0, 0xFF, F_CF | F_SF | F_PF, M_SHN},
    {S_SAR, 2, 0x8765, 4, 0, 0xF876, F_SF, M_SHN},
    {S_SAR, 2, 0x4000, 1, 0, 0x2000, F_PF, M_SH1},
    {S_SAR, 4, 0x80000001, 31, 0, 0xFFFFFFFF, F_SF | F_PF, M_SHN},
    {S_SAR, 4, 0x7FFFFFFF, 1, 0, 0x3FFFFFFF, F_CF | F_PF, M_SH1},
    {S_SAR, 4, 0x80000000, 0, F_OF | F_CF, 0x80000000, F_OF | F_CF, M_ALL},
  };
  RUN_SHIFTS(t);
}

Test(shift, rol_ror) {
  static const ShiftCase t[] = {
    {S_ROL, 1, 0x81, 1, F_ZF | F_PF | F_AF | F_SF, 0x03, F_ZF | F_PF | F_AF | F_SF | F_CF | F_OF, M_ALL},
    {S_ROL, 1, 0x81, 8, 0, 0x81, F_CF, M_ROTN},
    {S_ROL, 1, 0x40, 1, F_CF, 0x80, F_OF, M_ALL},
    {S_ROL, 1, 0x81, 0x20, F_OF | F_SF, 0x81, F_OF | F_SF, M_ALL},
    {S_ROL, 2, 0x1234, 4, F_ZF, 0x2341, F_ZF | F_CF, M_ROTN},
    {S_ROL, 4, 0x12345678, 36, 0, 0x23456781, F_CF, M_ROTN},
    {S_ROR, 1, 0x01, 1, 0, 0x80, F_CF | F_OF, M_ALL},
    {S_ROR, 1, 0x02, 1, F_CF | F_ZF, 0x01, F_ZF, M_ALL},
    {S_ROR, 1, 0x80, 16, 0, 0x80, F_CF, M_ROTN},
    {S_ROR, 2, 0x1234, 4, F_PF, 0x4123, F_PF, M_ROTN},
    {S_ROR, 4, 0x12345678, 8, 0, 0x78123456, 0, M_ROTN},
    {S_ROR, 4, 0x00000001, 1, F_SF, 0x80000000, F_SF | F_CF | F_OF, M_ALL},
  };
  RUN_SHIFTS(t);
}

Test(shift, rcl_rcr) {
  static const ShiftCase t[] = {
    {S_RCL, 1, 0x80, 1, F_CF, 0x01, F_CF | F_OF, M_ALL},
    {S_RCL, 1, 0x80, 9, F_CF | F_ZF, 0x80, F_CF | F_ZF, M_ROTN},
    {S_RCL, 1, 0x80, 10, 0, 0x00, F_CF, M_ROTN},
    {S_RCL, 2, 0x1234, 4, F_CF, 0x2348, F_CF, M_ROTN},
    {S_RCL, 2, 0x8000, 17, 0, 0x8000, 0, M_ROTN},
    {S_RCL, 4, 0x80000000, 1, 0, 0x00000000, F_CF | F_OF, M_ALL},
    {S_RCL, 4, 0x12345678, 4, F_CF, 0x23456788, F_CF, M_ROTN},
    {S_RCR, 1, 0x01, 1, F_CF, 0x80, F_CF | F_OF, M_ALL},
    {S_RCR, 1, 0x55, 9, 0, 0x55, 0, M_ROTN},
    {S_RCR, 2, 0x1234, 4, 0, 0x8123, 0, M_ROTN},
    {S_RCR, 4, 0x00000002, 33, F_CF, 0x80000001, F_OF, M_ALL},
    {S_RCR, 4, 0x12345678, 4, 0, 0x01234567, F_CF, M_ROTN},
  };
  RUN_SHIFTS(t);
}

/* The by-1 (D0/D1) and by-imm8 (C0/C1) encodings, on registers and memory. */
static const uint8_t shift_forms[] = {
  0xB0, 0x81,                              /* 0000: mov al, 0x81 */
  0xD0, 0xE0,                              /* 0002: shl al, 1               ; D0 /4: 0x02, CF=1 */
  0xB3, 0x00,                              /* 0004: mov bl, 0 */
  0x80, 0xD3, 0x00,                        /* 0006: adc bl, 0               ; BL = CF = 1 */
  0xBA, 0x01, 0x80,                        /* 0009: mov dx, 0x8001 */
  0xD1, 0xEA,                              /* 000C: shr dx, 1               ; D1 /5: 0x4000 */
  0xBE, 0x34, 0x12,                        /* 000E: mov si, 0x1234 */
  0xC1, 0xC6, 0x04,                        /* 0011: rol si, 4               ; C1 /0 ib: 0x2341 */
  0xC7, 0x06, 0x10, 0x00, 0x00, 0xF0,      /* 0014: mov word [0x10], 0xF000 */
  0xC1, 0x3E, 0x10, 0x00, 0x08,            /* 001A: sar word [0x10], 8      ; C1 /7 ib on memory: 0xFFF0 */
  0xC6, 0x06, 0x12, 0x00, 0x01,            /* 001F: mov byte [0x12], 0x01 */
  0xD0, 0x0E, 0x12, 0x00,                  /* 0024: ror byte [0x12], 1      ; D0 /1 on memory: 0x80 */
  0x66, 0xB9, 0x01, 0x01, 0x00, 0x00,      /* 0028: mov ecx, 0x00000101 */
  0x66, 0xC1, 0xE1, 0x17,                  /* 002E: shl ecx, 23             ; 66 C1 /4 ib: 0x80800000 */
  0x66, 0xBD, 0x00, 0x00, 0x00, 0x80,      /* 0032: mov ebp, 0x80000000 */
  0x66, 0xD1, 0xFD,                        /* 0038: sar ebp, 1              ; 66 D1 /7: 0xC0000000 */
  0xBF, 0xFF, 0x00,                        /* 003B: mov di, 0x00FF */
  0xB1, 0x04,                              /* 003E: mov cl, 4 */
  0xD2, 0x26, 0x12, 0x00,                  /* 0040: shl byte [0x12], cl     ; D2 /4 on memory: 0x80 << 4 = 0 */
  0xD3, 0xDF,                              /* 0044: rcr di, cl              ; D3 /3, CF=0 from the SHL (last bit out: bit 4 of 0x80 = 0) */
  0xF4,                                    /* 0046: hlt */
};

Test(shift, encoding_forms) {
  Machine *m = RUN(shift_forms);
  CHECK_REG8(m, EAX, 0x02);
  CHECK_REG8(m, EBX, 1);
  CHECK_REG16(m, EDX, 0x4000);
  CHECK_REG16(m, ESI, 0x2341);
  CHECK_EQ("word [0x10]", h_rd16(m, H_DATA + 0x10), 0xFFF0);
  CHECK_EQ("byte [0x12]", h_rd8(m, H_DATA + 0x12), 0x00);
  CHECK_REG(m, ECX, 0x80800004);
  CHECK_REG(m, EBP, 0xC0000000);
  /* RCR DI=0x00FF by 4 with CF=0: 17-bit rotate [CF:DI] right by 4:
   * DI = 0xE00F (bits 0..2 of 0xFF land in 15..13, CF in 12), CF = bit 3 = 1 */
  CHECK_REG16(m, EDI, 0xE00F);
  CHECK_FLAGS(m, F_CF, F_CF);
  h_free(m);
}

/* SHLD / SHRD with imm8 and CL, 16 and 32 bits, register and memory. */
static const uint8_t double_shifts[] = {
  0x66, 0xB8, 0x78, 0x56, 0x34, 0x12,      /* 0000: mov eax, 0x12345678 */
  0x66, 0xBB, 0xF0, 0xDE, 0xBC, 0x9A,      /* 0006: mov ebx, 0x9ABCDEF0 */
  0x66, 0x0F, 0xA4, 0xD8, 0x08,            /* 000C: shld eax, ebx, 8        ; 66 0F A4 /r ib */
  0x9C,                                    /* 0011: pushf */
  0x66, 0xB9, 0x78, 0x56, 0x34, 0x12,      /* 0012: mov ecx, 0x12345678 */
  0x66, 0x0F, 0xAC, 0xD9, 0x08,            /* 0018: shrd ecx, ebx, 8        ; 66 0F AC /r ib */
  0x9C,                                    /* 001D: pushf */
  0x66, 0x89, 0x0E, 0x30, 0x00,            /* 001E: mov [0x30], ecx         ; (CL is reused below) */
  0xBA, 0x34, 0x12,                        /* 0023: mov dx, 0x1234 */
  0xBE, 0xCD, 0xAB,                        /* 0026: mov si, 0xABCD */
  0x0F, 0xA4, 0xF2, 0x04,                  /* 0029: shld dx, si, 4          ; 0F A4 (16-bit) */
  0x9C,                                    /* 002D: pushf */
  0xC7, 0x06, 0x20, 0x00, 0x34, 0x12,      /* 002E: mov word [0x20], 0x1234 */
  0xB1, 0x04,                              /* 0034: mov cl, 4 */
  0x0F, 0xAD, 0x36, 0x20, 0x00,            /* 0036: shrd [0x20], si, cl     ; 0F AD on memory */
  0x9C,                                    /* 003B: pushf */
  0x66, 0xBF, 0x00, 0x00, 0x00, 0x40,      /* 003C: mov edi, 0x40000000 */
  0x66, 0x31, 0xED,                        /* 0042: xor ebp, ebp */
  0x66, 0x0F, 0xA4, 0xEF, 0x01,            /* 0045: shld edi, ebp, 1        ; OF: sign changed */
  0x9C,                                    /* 004A: pushf */
  0xB1, 0x00,                              /* 004B: mov cl, 0 */
  0x66, 0x0F, 0xA5, 0xDF,                  /* 004D: shld edi, ebx, cl       ; count 0: nothing changes (flags from the last PUSHF'd op stay) */
  0xB1, 0x20,                              /* 0051: mov cl, 32 */
  0x66, 0x0F, 0xAD, 0xDF,                  /* 0053: shrd edi, ebx, cl       ; count 32 masks to 0: nothing changes */
  0xF4,                                    /* 0057: hlt */
};

Test(shift, shld_shrd) {
  Machine *m = RUN(double_shifts);
  CHECK_REG(m, EAX, 0x3456789A);
  CHECK_EQ("dword [0x30] (SHRD ECX result)", h_rd32(m, H_DATA + 0x30), 0xF0123456);
  CHECK_REG16(m, EDX, 0x234A);
  CHECK_EQ("word [0x20]", h_rd16(m, H_DATA + 0x20), 0xD123);
  CHECK_REG(m, EDI, 0x80000000);
  CHECK_REG(m, EBX, 0x9ABCDEF0); /* the source is never written */
  /* Flags pushed after each (AF undefined, OF only checked for count 1). */
  uint32_t m_n = F_CF | F_SF | F_ZF | F_PF;
  char b[32];
  uint16_t f;
  f = h_stack16(m, 4);
  cr_expect_eq(f & m_n, F_PF, "SHLD EAX,EBX,8 flags: %s", h_flagstr(f & m_n, b));
  f = h_stack16(m, 3);
  cr_expect_eq(f & m_n, F_SF | F_PF, "SHRD ECX,EBX,8 flags: %s", h_flagstr(f & m_n, b));
  f = h_stack16(m, 2);
  cr_expect_eq(f & m_n, F_CF, "SHLD DX,SI,4 flags: %s", h_flagstr(f & m_n, b));
  f = h_stack16(m, 1);
  cr_expect_eq(f & m_n, F_SF, "SHRD [0x20],SI,CL=4 flags: %s", h_flagstr(f & m_n, b));
  f = h_stack16(m, 0);
  cr_expect_eq(f & (m_n | F_OF), F_OF | F_SF | F_PF, "SHLD EDI,EBP,1 flags: %s",
               h_flagstr(f & (m_n | F_OF), b));
  /* Count 0 and count 32 (masked to 0) leave the flags of SHLD EDI,EBP,1. */
  CHECK_FLAGS(m, m_n | F_OF, F_OF | F_SF | F_PF);
  h_free(m);
}

/* A zero count leaves flags alone even when they are pending from an ALU op. */
static const uint8_t zero_count_lazy[] = {
  0xB0, 0xFF,                              /* 0000: mov al, 0xFF */
  0x04, 0x01,                              /* 0002: add al, 1               ; CF ZF AF PF */
  0xB3, 0x40,                              /* 0004: mov bl, 0x40 */
  0xB1, 0x00,                              /* 0006: mov cl, 0 */
  0xD2, 0xE3,                              /* 0008: shl bl, cl */
  0xD2, 0xFB,                              /* 000A: sar bl, cl */
  0xD2, 0xD3,                              /* 000C: rcl bl, cl */
  0xF4,                                    /* 000E: hlt */
};

Test(shift, zero_count_keeps_pending_flags) {
  Machine *m = RUN(zero_count_lazy);
  CHECK_REG8(m, EBX, 0x40);
  CHECK_ARITH(m, F_CF | F_ZF | F_AF | F_PF);
  h_free(m);
}
