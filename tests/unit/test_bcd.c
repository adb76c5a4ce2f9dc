/* Decimal adjust: DAA DAS AAA AAS AAM AAD. Per the Intel SDM (the 286+
 * forms: AAA adds 0x106 to AX, AAS subtracts 6 from AX then 1 from AH):
 *   DAA/DAS define CF AF SF ZF PF (OF undefined)
 *   AAA/AAS define AF CF (OF SF ZF PF undefined)
 *   AAM/AAD define SF ZF PF from AL (OF AF CF undefined)
 * and AAM with an immediate of 0 raises #DE. */
#include "tests/unit/harness.h"

enum { B_DAA = 0x27, B_DAS = 0x2F, B_AAA = 0x37, B_AAS = 0x3F, B_AAM = 0xD4, B_AAD = 0xD5 };

#define M_DAA (F_CF | F_AF | F_SF | F_ZF | F_PF)
#define M_AAA (F_CF | F_AF)
#define M_AAM (F_SF | F_ZF | F_PF)

/* DS:0 = AX, DS:2 = FLAGS; the two bytes at `op` become the instruction
 * (opcode, then the AAM/AAD immediate or a NOP). */
#define bcd_code_op 0x0008
static const uint8_t bcd_code[] = {
  0xFF, 0x36, 0x02, 0x00,                  /* 0000: push word [2] */
  0x9D,                                    /* 0004: popf */
  0xA1, 0x00, 0x00,                        /* 0005: mov ax, [0] */
  /* op: */
  0x90,                                    /* 0008: nop                     ; patched: opcode */
  0x90,                                    /* 0009: nop                     ; patched: AAM/AAD immediate (else NOP) */
  0xF4,                                    /* 000A: hlt */
};

typedef struct {
  uint8_t opcode, imm;
  uint16_t ax;
  uint32_t fin;
  uint16_t res;
  uint32_t fout, mask;
} BcdCase;

static const char *bcd_name(uint8_t op) {
  switch (op) {
  case B_DAA: return "DAA";
  case B_DAS: return "DAS";
  case B_AAA: return "AAA";
  case B_AAS: return "AAS";
  case B_AAM: return "AAM";
  default: return "AAD";
  }
}

static void run_bcd_table(const BcdCase *t, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const BcdCase *b = &t[i];
    Machine *m = PREPARE(bcd_code);
    h_wr8(m, H_CODE + bcd_code_op, b->opcode);
    if (b->opcode == B_AAM || b->opcode == B_AAD) h_wr8(m, H_CODE + bcd_code_op + 1, b->imm);
    h_wr16(m, H_DATA + 0, b->ax);
    h_wr16(m, H_DATA + 2, (uint16_t)(b->fin | 2));
    h_run_ok(m);
    uint16_t got = h_reg16(m, EAX);
    uint32_t gotf = h_flags(m) & b->mask, wantf = b->fout & b->mask;
    char b1[32], b2[32], b3[32];
    cr_expect_eq(got, b->res, "%s AX=0x%04X (flags %s): AX expected 0x%04X, got 0x%04X",
                 bcd_name(b->opcode), b->ax, h_flagstr(b->fin, b3), b->res, got);
    cr_expect_eq(gotf, wantf, "%s AX=0x%04X (flags %s): flags expected %s, got %s",
                 bcd_name(b->opcode), b->ax, h_flagstr(b->fin, b3), h_flagstr(wantf, b1),
                 h_flagstr(gotf, b2));
    h_free(m);
  }
}
#define RUN_BCD(t) run_bcd_table((t), sizeof(t) / sizeof((t)[0]))

Test(bcd, daa) {
  static const BcdCase t[] = {
    {B_DAA, 0, 0x000A, 0, 0x0010, F_AF, M_DAA},
    {B_DAA, 0, 0x009A, 0, 0x0000, F_CF | F_AF | F_ZF | F_PF, M_DAA},
    {B_DAA, 0, 0x0045, 0, 0x0045, 0, M_DAA},
    {B_DAA, 0, 0x0012, F_AF, 0x0018, F_AF | F_PF, M_DAA},
    {B_DAA, 0, 0x0000, F_CF, 0x0060, F_CF | F_PF, M_DAA},
    {B_DAA, 0, 0x12FF, 0, 0x1265, F_CF | F_AF | F_PF, M_DAA},
    {B_DAA, 0, 0x0099, F_AF, 0x009F, F_AF | F_SF | F_PF, M_DAA},
    {B_DAA, 0, 0x007D, 0, 0x0083, F_AF | F_SF, M_DAA},
  };
  RUN_BCD(t);
}

Test(bcd, das) {
  static const BcdCase t[] = {
    {B_DAS, 0, 0x000A, 0, 0x0004, F_AF, M_DAA},
    {B_DAS, 0, 0x009A, 0, 0x0034, F_CF | F_AF, M_DAA},
    {B_DAS, 0, 0x0000, F_CF, 0x00A0, F_CF | F_SF | F_PF, M_DAA},
    {B_DAS, 0, 0x0066, F_AF | F_CF, 0x0000, F_CF | F_AF | F_ZF | F_PF, M_DAA},
    {B_DAS, 0, 0x3445, 0, 0x3445, 0, M_DAA},
    {B_DAS, 0, 0x004B, F_AF, 0x0045, F_AF, M_DAA},
  };
  RUN_BCD(t);
}

Test(bcd, aaa) {
  static const BcdCase t[] = {
    {B_AAA, 0, 0x000A, 0, 0x0100, F_AF | F_CF, M_AAA},
    {B_AAA, 0, 0x00FA, 0, 0x0200, F_AF | F_CF, M_AAA}, /* AX + 0x106 carries into AH */
    {B_AAA, 0, 0x0505, F_CF, 0x0505, 0, M_AAA},
    {B_AAA, 0, 0x0535, 0, 0x0505, 0, M_AAA},
    {B_AAA, 0, 0x0102, F_AF, 0x0208, F_AF | F_CF, M_AAA},
  };
  RUN_BCD(t);
}

Test(bcd, aas) {
  static const BcdCase t[] = {
    {B_AAS, 0, 0x020A, 0, 0x0104, F_AF | F_CF, M_AAA},
    {B_AAS, 0, 0x0200, F_AF, 0x000A, F_AF | F_CF, M_AAA}, /* AX - 6 borrows from AH, then AH - 1 */
    {B_AAS, 0, 0x0305, F_CF, 0x0305, 0, M_AAA},
    {B_AAS, 0, 0x0000, F_AF, 0xFE0A, F_AF | F_CF, M_AAA},
    {B_AAS, 0, 0x0739, 0, 0x0709, 0, M_AAA},
  };
  RUN_BCD(t);
}

Test(bcd, aam) {
  static const BcdCase t[] = {
    {B_AAM, 10, 0x003F, 0, 0x0603, F_PF, M_AAM},
    {B_AAM, 16, 0x00FF, 0, 0x0F0F, F_PF, M_AAM},
    {B_AAM, 10, 0x1205, 0, 0x0005, F_PF, M_AAM},
    {B_AAM, 10, 0x000A, 0, 0x0100, F_ZF | F_PF, M_AAM},
    {B_AAM, 7, 0x00C8, 0, 0x1C04, 0, M_AAM},
    {B_AAM, 1, 0x0080, 0, 0x8000, F_ZF | F_PF, M_AAM},
  };
  RUN_BCD(t);
}

Test(bcd, aad) {
  static const BcdCase t[] = {
    {B_AAD, 10, 0x0607, 0, 0x0043, 0, M_AAM},
    {B_AAD, 16, 0x0F0F, 0, 0x00FF, F_SF | F_PF, M_AAM},
    {B_AAD, 10, 0x1A06, 0, 0x000A, F_PF, M_AAM},
    {B_AAD, 10, 0x0000, 0, 0x0000, F_ZF | F_PF, M_AAM},
    {B_AAD, 0xFE, 0x0102, 0, 0x0000, F_ZF | F_PF, M_AAM},
    {B_AAD, 0, 0x0581, 0, 0x0081, F_SF | F_PF, M_AAM},
  };
  RUN_BCD(t);
}

/* Packed BCD arithmetic the way programs use it. */
static const uint8_t bcd_usage[] = {
  0xB0, 0x38,                              /* 0000: mov al, 0x38 */
  0x04, 0x45,                              /* 0002: add al, 0x45            ; 0x7D */
  0x27,                                    /* 0004: daa                     ; 38 + 45 = 83 */
  0x88, 0xC3,                              /* 0005: mov bl, al */
  0xB0, 0x83,                              /* 0007: mov al, 0x83 */
  0x2C, 0x38,                              /* 0009: sub al, 0x38            ; 0x4B */
  0x2F,                                    /* 000B: das                     ; 83 - 38 = 45 */
  0x88, 0xC7,                              /* 000C: mov bh, al */
  0xB0, 0x99,                              /* 000E: mov al, 0x99 */
  0x04, 0x01,                              /* 0010: add al, 0x01            ; 0x9A */
  0x27,                                    /* 0012: daa                     ; 99 + 1 = 100: AL = 00, CF = 1 */
  0x88, 0xC1,                              /* 0013: mov cl, al */
  0xB5, 0x00,                              /* 0015: mov ch, 0 */
  0x80, 0xD5, 0x00,                        /* 0017: adc ch, 0               ; CH = carry = 1 */
  0xB8, 0x09, 0x00,                        /* 001A: mov ax, 0x0009 */
  0x04, 0x05,                              /* 001D: add al, 0x05            ; unpacked 9 + 5 = 0x0E */
  0x37,                                    /* 001F: aaa                     ; AH = 1, AL = 4 */
  0x89, 0xC2,                              /* 0020: mov dx, ax */
  0xF4,                                    /* 0022: hlt */
};

Test(bcd, packed_and_unpacked_sequences) {
  Machine *m = RUN(bcd_usage);
  CHECK_REG8(m, EBX, 0x83);
  CHECK_EQ("BH", h_reg8(m, 7), 0x45);
  CHECK_REG16(m, ECX, 0x0100);
  CHECK_REG16(m, EDX, 0x0104);
  h_free(m);
}

#define aam_zero_fault 0x0003
static const uint8_t aam_zero[] = {
  0xB8, 0x34, 0x12,                        /* 0000: mov ax, 0x1234 */
  /* fault: */
  0xD4, 0x00,                              /* 0003: aam 0 */
  0xF4,                                    /* 0005: hlt */
};

Test(bcd, aam_zero_raises_de) {
  Machine *m = PREPARE(aam_zero);
  int v = h_run(m);
  cr_expect_eq(v, EXC_DE, "AAM 0: expected #DE, got vector %d", v);
  CHECK_FAULT(m, EXC_DE, aam_zero_fault);
  CHECK_REG16(m, EAX, 0x1234);
  h_free(m);
}
