/* ALU instructions: ADD ADC SUB SBB AND OR XOR CMP TEST INC DEC NEG NOT.
 * Expected results and flags follow the Intel SDM vol. 2 descriptions:
 * CF = unsigned carry/borrow, OF = signed overflow, AF = carry/borrow out
 * of bit 3, SF = top bit, ZF = zero result, PF = even parity of the low
 * byte. Logic ops clear CF and OF and leave AF undefined (not checked);
 * INC/DEC leave CF alone; NEG sets CF unless the operand was 0; NOT
 * changes no flag. */
#include "tests/unit/harness.h"

enum { OP_ADD, OP_OR, OP_ADC, OP_SBB, OP_AND, OP_SUB, OP_XOR, OP_CMP, OP_TEST };
enum { U_INC, U_DEC, U_NOT, U_NEG };

/* Two-operand cases run on DS:0 (first operand) and DS:4 (second). The
 * opcode byte at the label `op` is patched per case: 8*n + 0/1 selects ALU
 * operation n (ADD OR ADC SBB AND SUB XOR CMP) for Eb,Gb / Ev,Gv, and
 * 0x84/0x85 is TEST; the instruction at `cf` is patched to CLC (F8) or
 * STC (F9) to choose the incoming carry. */
#define alu8_cf 0x0007
#define alu8_op 0x0008
static const uint8_t alu8[] = {
  0xA0, 0x00, 0x00,                        /* 0000: mov al, [0] */
  0x8A, 0x1E, 0x04, 0x00,                  /* 0003: mov bl, [4] */
  /* cf: */
  0xF8,                                    /* 0007: clc */
  /* op: */
  0x00, 0xD8,                              /* 0008: add al, bl           ; patched */
  0xF4,                                    /* 000A: hlt */
};

#define alu16_cf 0x0007
#define alu16_op 0x0008
static const uint8_t alu16[] = {
  0xA1, 0x00, 0x00,                        /* 0000: mov ax, [0] */
  0x8B, 0x1E, 0x04, 0x00,                  /* 0003: mov bx, [4] */
  /* cf: */
  0xF8,                                    /* 0007: clc */
  /* op: */
  0x01, 0xD8,                              /* 0008: add ax, bx           ; patched */
  0xF4,                                    /* 000A: hlt */
};

#define alu32_cf 0x0009
#define alu32_op 0x000B
static const uint8_t alu32[] = {
  0x66, 0xA1, 0x00, 0x00,                  /* 0000: mov eax, [0] */
  0x66, 0x8B, 0x1E, 0x04, 0x00,            /* 0004: mov ebx, [4] */
  /* cf: */
  0xF8,                                    /* 0009: clc */
  0x66,                                    /* 000A: db 0x66              ; operand size: the next instruction is ADD EAX, EBX */
  /* op: */
  0x01, 0xD8,                              /* 000B: add ax, bx           ; patched */
  0xF4,                                    /* 000D: hlt */
};

typedef struct {
  int op, size;
  uint32_t a, b;
  int cin;
  uint32_t res, flags;
} AluCase;

static const char *const op_names[] = {"ADD", "OR", "ADC", "SBB", "AND", "SUB", "XOR", "CMP", "TEST"};

static void run_alu_case(const AluCase *t) {
  const uint8_t *code = t->size == 1 ? alu8 : t->size == 2 ? alu16 : alu32;
  size_t n = t->size == 1 ? sizeof alu8 : t->size == 2 ? sizeof alu16 : sizeof alu32;
  uint32_t op_at = t->size == 1 ? alu8_op : t->size == 2 ? alu16_op : alu32_op;
  uint32_t cf_at = t->size == 1 ? alu8_cf : t->size == 2 ? alu16_cf : alu32_cf;
  uint8_t opcode = t->op == OP_TEST ? 0x84 : (uint8_t)(t->op * 8);
  if (t->size > 1) opcode++;

  Machine *m = h_prepare(code, n);
  h_wr8(m, H_CODE + op_at, opcode);
  h_wr8(m, H_CODE + cf_at, t->cin ? 0xF9 : 0xF8);
  h_wr32(m, H_DATA + 0, t->a);
  h_wr32(m, H_DATA + 4, t->b);
  h_run_ok(m);

  uint32_t mask = size_mask(t->size);
  bool writes = t->op != OP_CMP && t->op != OP_TEST;
  uint32_t want = writes ? t->res : t->a;
  uint32_t got = h_reg(m, EAX) & mask;
  uint32_t fmask = F_ARITH;
  if (t->op == OP_AND || t->op == OP_OR || t->op == OP_XOR || t->op == OP_TEST) fmask &= ~F_AF;
  uint32_t gotf = h_flags(m) & fmask, wantf = t->flags & fmask;
  char b1[32], b2[32];
  cr_expect_eq(got, want & mask, "%s%d 0x%X, 0x%X (CF=%d): result expected 0x%X, got 0x%X",
               op_names[t->op], t->size * 8, t->a, t->b, t->cin, want & mask, got);
  cr_expect_eq(gotf, wantf, "%s%d 0x%X, 0x%X (CF=%d): flags expected %s, got %s",
               op_names[t->op], t->size * 8, t->a, t->b, t->cin, h_flagstr(wantf, b1),
               h_flagstr(gotf, b2));
  /* EBX (the source) is unchanged, and so are bits above the operand. */
  CHECK_EQ("source operand", h_reg(m, EBX) & mask, t->b & mask);
  if (t->size < 4)
    CHECK_EQ("EAX bits above the operand", h_reg(m, EAX) & ~mask, 0);
  h_free(m);
}

static void run_alu_table(const AluCase *t, size_t n) {
  for (size_t i = 0; i < n; i++) run_alu_case(&t[i]);
}
#define RUN_TABLE(t) run_alu_table((t), sizeof(t) / sizeof((t)[0]))

Test(alu, add_flags) {
  static const AluCase t[] = {
    {OP_ADD, 1, 0x7F, 0x01, 0, 0x80, F_OF | F_SF | F_AF},
    {OP_ADD, 1, 0xFF, 0x01, 0, 0x00, F_CF | F_ZF | F_AF | F_PF},
    {OP_ADD, 1, 0x80, 0x80, 0, 0x00, F_CF | F_OF | F_ZF | F_PF},
    {OP_ADD, 1, 0x0F, 0x01, 0, 0x10, F_AF},
    {OP_ADD, 1, 0x12, 0x34, 0, 0x46, 0},
    {OP_ADD, 1, 0x03, 0x00, 1, 0x03, F_PF},
    {OP_ADD, 2, 0x7FFF, 0x0001, 0, 0x8000, F_OF | F_SF | F_AF | F_PF},
    {OP_ADD, 2, 0xFFFF, 0x0001, 0, 0x0000, F_CF | F_ZF | F_AF | F_PF},
    {OP_ADD, 2, 0x8000, 0xFFFF, 0, 0x7FFF, F_CF | F_OF | F_PF},
    {OP_ADD, 2, 0x00FF, 0x0001, 0, 0x0100, F_AF | F_PF},
    {OP_ADD, 4, 0x7FFFFFFF, 0x00000001, 0, 0x80000000, F_OF | F_SF | F_AF | F_PF},
    {OP_ADD, 4, 0xFFFFFFFF, 0x00000001, 0, 0x00000000, F_CF | F_ZF | F_AF | F_PF},
    {OP_ADD, 4, 0x80000000, 0x80000000, 0, 0x00000000, F_CF | F_OF | F_ZF | F_PF},
    {OP_ADD, 4, 0x12345678, 0x11111111, 1, 0x23456789, 0},
  };
  RUN_TABLE(t);
}

Test(alu, adc_flags) {
  static const AluCase t[] = {
    {OP_ADC, 1, 0xFF, 0x00, 1, 0x00, F_CF | F_ZF | F_AF | F_PF},
    {OP_ADC, 1, 0x7F, 0x00, 1, 0x80, F_OF | F_SF | F_AF},
    {OP_ADC, 1, 0xFF, 0xFF, 1, 0xFF, F_CF | F_SF | F_AF | F_PF},
    {OP_ADC, 1, 0x00, 0x00, 0, 0x00, F_ZF | F_PF},
    {OP_ADC, 1, 0x0E, 0x01, 1, 0x10, F_AF},
    {OP_ADC, 2, 0xFFFF, 0x0000, 1, 0x0000, F_CF | F_ZF | F_AF | F_PF},
    {OP_ADC, 2, 0x7FFE, 0x0001, 1, 0x8000, F_OF | F_SF | F_AF | F_PF},
    {OP_ADC, 4, 0x7FFFFFFF, 0x00000000, 1, 0x80000000, F_OF | F_SF | F_AF | F_PF},
    {OP_ADC, 4, 0xFFFFFFFF, 0xFFFFFFFF, 1, 0xFFFFFFFF, F_CF | F_SF | F_AF | F_PF},
    {OP_ADC, 4, 0xFFFFFFFF, 0xFFFFFFFF, 0, 0xFFFFFFFE, F_CF | F_SF | F_AF},
  };
  RUN_TABLE(t);
}

Test(alu, sub_flags) {
  static const AluCase t[] = {
    {OP_SUB, 1, 0x00, 0x01, 0, 0xFF, F_CF | F_AF | F_SF | F_PF},
    {OP_SUB, 1, 0x80, 0x01, 0, 0x7F, F_OF | F_AF},
    {OP_SUB, 1, 0x05, 0x05, 1, 0x00, F_ZF | F_PF},
    {OP_SUB, 1, 0x10, 0x01, 0, 0x0F, F_AF | F_PF},
    {OP_SUB, 1, 0x7F, 0xFF, 0, 0x80, F_CF | F_OF | F_SF},
    {OP_SUB, 2, 0x8000, 0x0001, 0, 0x7FFF, F_OF | F_AF | F_PF},
    {OP_SUB, 2, 0x0000, 0x8000, 0, 0x8000, F_CF | F_OF | F_SF | F_PF},
    {OP_SUB, 4, 0x00000000, 0x00000001, 0, 0xFFFFFFFF, F_CF | F_AF | F_SF | F_PF},
    {OP_SUB, 4, 0x80000000, 0x00000001, 0, 0x7FFFFFFF, F_OF | F_AF | F_PF},
    {OP_SUB, 4, 0x12345678, 0x12345678, 0, 0x00000000, F_ZF | F_PF},
  };
  RUN_TABLE(t);
}

Test(alu, sbb_flags) {
  static const AluCase t[] = {
    {OP_SBB, 1, 0x00, 0x00, 1, 0xFF, F_CF | F_AF | F_SF | F_PF},
    {OP_SBB, 1, 0x80, 0x00, 1, 0x7F, F_OF | F_AF},
    {OP_SBB, 1, 0x05, 0x04, 1, 0x00, F_ZF | F_PF},
    {OP_SBB, 1, 0xFF, 0xFF, 1, 0xFF, F_CF | F_AF | F_SF | F_PF},
    {OP_SBB, 1, 0xFF, 0xFF, 0, 0x00, F_ZF | F_PF},
    {OP_SBB, 2, 0x0000, 0xFFFF, 1, 0x0000, F_CF | F_ZF | F_AF | F_PF},
    {OP_SBB, 2, 0x1000, 0x0FFF, 1, 0x0000, F_ZF | F_AF | F_PF},
    {OP_SBB, 4, 0x80000000, 0x00000000, 1, 0x7FFFFFFF, F_OF | F_AF | F_PF},
    {OP_SBB, 4, 0x00000000, 0x00000000, 1, 0xFFFFFFFF, F_CF | F_AF | F_SF | F_PF},
  };
  RUN_TABLE(t);
}

Test(alu, cmp_flags_and_no_writeback) {
  static const AluCase t[] = {
    {OP_CMP, 1, 0x00, 0x01, 0, 0xFF, F_CF | F_AF | F_SF | F_PF},
    {OP_CMP, 1, 0x42, 0x42, 1, 0x00, F_ZF | F_PF},
    {OP_CMP, 1, 0x80, 0x7F, 0, 0x01, F_OF | F_AF},
    {OP_CMP, 2, 0x8000, 0x0001, 0, 0x7FFF, F_OF | F_AF | F_PF},
    {OP_CMP, 4, 0x7FFFFFFF, 0xFFFFFFFF, 0, 0x80000000, F_CF | F_OF | F_SF | F_PF},
    {OP_CMP, 4, 0xFFFFFFFF, 0x00000001, 1, 0xFFFFFFFE, F_SF},
  };
  RUN_TABLE(t);
}

Test(alu, logic_flags) {
  static const AluCase t[] = {
    {OP_AND, 1, 0xF0, 0x0F, 1, 0x00, F_ZF | F_PF},
    {OP_AND, 1, 0xFF, 0x81, 1, 0x81, F_SF | F_PF},
    {OP_AND, 2, 0x8F01, 0xF0FF, 1, 0x8001, F_SF},
    {OP_AND, 4, 0xFFFFFFFF, 0x80000003, 0, 0x80000003, F_SF | F_PF},
    {OP_OR, 1, 0x00, 0x00, 1, 0x00, F_ZF | F_PF},
    {OP_OR, 2, 0x8000, 0x0001, 1, 0x8001, F_SF},
    {OP_OR, 4, 0x12340000, 0x00005678, 1, 0x12345678, F_PF},
    {OP_XOR, 1, 0x5A, 0x0F, 1, 0x55, F_PF},
    {OP_XOR, 2, 0xFFFF, 0x7FFF, 1, 0x8000, F_SF | F_PF},
    {OP_XOR, 4, 0xFFFFFFFF, 0xFFFFFFFF, 1, 0x00000000, F_ZF | F_PF},
    {OP_TEST, 1, 0x80, 0x80, 1, 0x80, F_SF},
    {OP_TEST, 2, 0x00FF, 0xFF00, 1, 0x0000, F_ZF | F_PF},
    {OP_TEST, 4, 0x12345678, 0x00000000, 1, 0x00000000, F_ZF | F_PF},
    {OP_TEST, 4, 0x80000007, 0xFFFFFFFF, 0, 0x80000007, F_SF},
  };
  RUN_TABLE(t);
}

/* Unary cases on the byte/word/dword at DS:0: FE/FF /0 INC, /1 DEC and
 * F6/F7 /2 NOT, /3 NEG. Opcode and ModRM are patched per case. */
#define unary8_cf 0x0000
#define unary8_op 0x0001
static const uint8_t unary8[] = {
  /* cf: */
  0xF8,                                    /* 0000: clc */
  /* op: */
  0xFE, 0x06, 0x00, 0x00,                  /* 0001: inc byte [0]          ; opcode and ModRM patched */
  0xF4,                                    /* 0005: hlt */
};

#define unary16_cf 0x0000
#define unary16_op 0x0001
static const uint8_t unary16[] = {
  /* cf: */
  0xF8,                                    /* 0000: clc */
  /* op: */
  0xFF, 0x06, 0x00, 0x00,                  /* 0001: inc word [0]          ; opcode and ModRM patched */
  0xF4,                                    /* 0005: hlt */
};

#define unary32_cf 0x0000
#define unary32_op 0x0002
static const uint8_t unary32[] = {
  /* cf: */
  0xF8,                                    /* 0000: clc */
  0x66,                                    /* 0001: db 0x66               ; operand size: dword [0] */
  /* op: */
  0xFF, 0x06, 0x00, 0x00,                  /* 0002: inc word [0]          ; opcode and ModRM patched */
  0xF4,                                    /* 0006: hlt */
};

typedef struct {
  int op, size;
  uint32_t a;
  int cin;
  uint32_t res, flags;
} UnaryCase;

static void run_unary_table(const UnaryCase *t, size_t n) {
  static const char *const names[] = {"INC", "DEC", "NOT", "NEG"};
  for (size_t i = 0; i < n; i++) {
    const UnaryCase *u = &t[i];
    const uint8_t *code = u->size == 1 ? unary8 : u->size == 2 ? unary16 : unary32;
    size_t len = u->size == 1 ? sizeof unary8 : u->size == 2 ? sizeof unary16 : sizeof unary32;
    uint32_t op_at = u->size == 1 ? unary8_op : u->size == 2 ? unary16_op : unary32_op;
    uint32_t cf_at = u->size == 1 ? unary8_cf : u->size == 2 ? unary16_cf : unary32_cf;
    uint8_t opcode = (u->op <= U_DEC ? 0xFE : 0xF6) + (u->size > 1);
    uint8_t modrm = (uint8_t)(0x06 | (u->op == U_INC ? 0 : u->op == U_DEC ? 1 : u->op == U_NOT ? 2 : 3) << 3);
    Machine *m = h_prepare(code, len);
    h_wr8(m, H_CODE + op_at, opcode);
    h_wr8(m, H_CODE + op_at + 1, modrm);
    h_wr8(m, H_CODE + cf_at, u->cin ? 0xF9 : 0xF8);
    uint32_t mask = size_mask(u->size);
    h_wr32(m, H_DATA, (u->a & mask) | (0xA5A5A5A5 & ~mask));
    h_wr32(m, H_DATA + 4, 0xA5A5A5A5);
    h_run_ok(m);
    uint32_t got = h_rd32(m, H_DATA) & mask;
    uint32_t gotf = h_flags(m) & F_ARITH;
    uint32_t wantf = u->flags & F_ARITH;
    char b1[32], b2[32];
    cr_expect_eq(got, u->res & mask, "%s%d 0x%X (CF=%d): result expected 0x%X, got 0x%X",
                 names[u->op], u->size * 8, u->a, u->cin, u->res & mask, got);
    cr_expect_eq(gotf, wantf, "%s%d 0x%X (CF=%d): flags expected %s, got %s", names[u->op],
                 u->size * 8, u->a, u->cin, h_flagstr(wantf, b1), h_flagstr(gotf, b2));
    CHECK_EQ("bytes after the operand", h_rd32(m, H_DATA) & ~mask, 0xA5A5A5A5 & ~mask);
    CHECK_EQ("byte [DS:4]", h_rd8(m, H_DATA + 4), 0xA5);
    h_free(m);
  }
}
#define RUN_UNARY(t) run_unary_table((t), sizeof(t) / sizeof((t)[0]))

Test(alu, inc_dec_flags_preserve_cf) {
  static const UnaryCase t[] = {
    {U_INC, 1, 0x7F, 1, 0x80, F_CF | F_OF | F_SF | F_AF},
    {U_INC, 1, 0xFF, 0, 0x00, F_ZF | F_AF | F_PF},
    {U_INC, 1, 0xFF, 1, 0x00, F_CF | F_ZF | F_AF | F_PF},
    {U_INC, 1, 0x00, 0, 0x01, 0},
    {U_INC, 2, 0x7FFF, 0, 0x8000, F_OF | F_SF | F_AF | F_PF},
    {U_INC, 2, 0x00FE, 1, 0x00FF, F_CF | F_PF},
    {U_INC, 4, 0xFFFFFFFF, 0, 0x00000000, F_ZF | F_AF | F_PF},
    {U_INC, 4, 0x7FFFFFFF, 1, 0x80000000, F_CF | F_OF | F_SF | F_AF | F_PF},
    {U_DEC, 1, 0x80, 0, 0x7F, F_OF | F_AF},
    {U_DEC, 1, 0x00, 0, 0xFF, F_SF | F_AF | F_PF},
    {U_DEC, 1, 0x00, 1, 0xFF, F_CF | F_SF | F_AF | F_PF},
    {U_DEC, 1, 0x01, 1, 0x00, F_CF | F_ZF | F_PF},
    {U_DEC, 2, 0x8000, 1, 0x7FFF, F_CF | F_OF | F_AF | F_PF},
    {U_DEC, 4, 0x00000001, 0, 0x00000000, F_ZF | F_PF},
    {U_DEC, 4, 0x00000000, 0, 0xFFFFFFFF, F_SF | F_AF | F_PF},
  };
  RUN_UNARY(t);
}

Test(alu, neg_not) {
  static const UnaryCase t[] = {
    {U_NEG, 1, 0x00, 1, 0x00, F_ZF | F_PF},
    {U_NEG, 1, 0x01, 0, 0xFF, F_CF | F_SF | F_AF | F_PF},
    {U_NEG, 1, 0x80, 0, 0x80, F_CF | F_OF | F_SF},
    {U_NEG, 1, 0x7F, 0, 0x81, F_CF | F_SF | F_AF | F_PF},
    {U_NEG, 2, 0x8000, 0, 0x8000, F_CF | F_OF | F_SF | F_PF},
    {U_NEG, 2, 0x0000, 1, 0x0000, F_ZF | F_PF},
    {U_NEG, 4, 0x00000010, 0, 0xFFFFFFF0, F_CF | F_SF | F_PF},
    {U_NEG, 4, 0x80000000, 0, 0x80000000, F_CF | F_OF | F_SF | F_PF},
    /* NOT: no flag changes; CLC/STC left CF and cleared nothing else */
    {U_NOT, 1, 0x5A, 1, 0xA5, F_CF},
    {U_NOT, 2, 0x00FF, 0, 0xFF00, 0},
    {U_NOT, 4, 0x12345678, 1, 0xEDCBA987, F_CF},
  };
  RUN_UNARY(t);
}

/* NOT leaves every arithmetic flag as the previous instruction set it. */
static const uint8_t not_keeps_flags[] = {
  0xB0, 0xFF,                              /* 0000: mov al, 0xFF */
  0x04, 0x01,                              /* 0002: add al, 1              ; CF ZF AF PF set */
  0xF6, 0xD0,                              /* 0004: not al */
  0xF4,                                    /* 0006: hlt */
};

Test(alu, not_keeps_all_flags) {
  Machine *m = RUN(not_keeps_flags);
  CHECK_REG8(m, EAX, 0xFF);
  CHECK_ARITH(m, F_CF | F_ZF | F_AF | F_PF);
  h_free(m);
}

/* Every encoding form of ADD, with the partial-register rules. */
static const uint8_t add_forms[] = {
  0x66, 0xB8, 0x55, 0x55, 0xAA, 0xAA,      /* 0000: mov eax, 0xAAAA5555 */
  0x83, 0xC0, 0x01,                        /* 0006: add ax, 1               ; 83 /0 ib: only AX changes */
  0x66, 0xBB, 0x22, 0x22, 0x11, 0x11,      /* 0009: mov ebx, 0x11112222 */
  0x80, 0xC7, 0x10,                        /* 000F: add bh, 0x10            ; 80 /0 ib on BH */
  0x66, 0xB9, 0xF0, 0x00, 0x00, 0x00,      /* 0012: mov ecx, 0x000000F0 */
  0x00, 0xE9,                              /* 0018: add cl, ch              ; 00 /r byte regs: F0 + 00 */
  0x00, 0xCD,                              /* 001A: add ch, cl              ; CH = F0 */
  0xC7, 0x06, 0x10, 0x00, 0x00, 0x10,      /* 001C: mov word [0x10], 0x1000 */
  0x01, 0x0E, 0x10, 0x00,                  /* 0022: add [0x10], cx          ; 01 /r: memory destination, 0x1000 + 0xF0F0 */
  0xBA, 0x00, 0x01,                        /* 0026: mov dx, 0x0100 */
  0x03, 0x16, 0x10, 0x00,                  /* 0029: add dx, [0x10]          ; 03 /r: register destination */
  0xBE, 0x20, 0x00,                        /* 002D: mov si, 0x0020 */
  0xC6, 0x44, 0x05, 0x7F,                  /* 0030: mov byte [si+0x05], 0x7F */
  0x80, 0x44, 0x05, 0x01,                  /* 0034: add byte [si+0x05], 1   ; 80 /0 with [si+disp8] */
  0xBF, 0xFF, 0xFF,                        /* 0038: mov di, 0xFFFF */
  0x83, 0xC7, 0xFE,                        /* 003B: add di, -2              ; 83 /0 ib sign-extended */
  0x82, 0xC5, 0x03,                        /* 003E: db 0x82, 0xC5, 0x03     ; add ch, 3 (82 /0: alias of 80) */
  0x66, 0xBD, 0xFF, 0xFF, 0xFF, 0x7F,      /* 0041: mov ebp, 0x7FFFFFFF */
  0x66, 0x81, 0xC5, 0x01, 0x00, 0x00, 0x00, /* 0047: add ebp, strict dword 1 ; 66 81 /0 id */
  0xF4,                                    /* 004E: hlt */
};

Test(alu, add_encoding_forms) {
  Machine *m = RUN(add_forms);
  CHECK_REG(m, EAX, 0xAAAA5556);
  CHECK_REG(m, EBX, 0x11113222);
  CHECK_REG(m, ECX, 0x0000F3F0);
  CHECK_EQ("word [DS:0x10]", h_rd16(m, H_DATA + 0x10), 0x00F0); /* 0x1000 + 0xF0F0, carry out */
  CHECK_REG(m, EDX, 0x01F0);
  CHECK_EQ("byte [DS:0x25]", h_rd8(m, H_DATA + 0x25), 0x80);
  CHECK_REG(m, EDI, 0xFFFD);
  CHECK_REG(m, EBP, 0x80000000);
  CHECK_ARITH(m, F_OF | F_SF | F_AF | F_PF);
  h_free(m);
}

/* 16-bit addressing modes through the ALU, including SS-default [bp]. */
static const uint8_t alu_addressing16[] = {
  0xBB, 0x00, 0x01,                        /* 0000: mov bx, 0x0100 */
  0xBE, 0x10, 0x00,                        /* 0003: mov si, 0x0010 */
  0xBF, 0x20, 0x00,                        /* 0006: mov di, 0x0020 */
  0xBD, 0x00, 0x02,                        /* 0009: mov bp, 0x0200 */
  0xC7, 0x06, 0x10, 0x01, 0x05, 0x00,      /* 000C: mov word [0x0110], 5       ; [bx+si] */
  0xC7, 0x06, 0x20, 0x01, 0x06, 0x00,      /* 0012: mov word [0x0120], 6       ; [bx+di] */
  0x36, 0xC7, 0x06, 0x10, 0x02, 0x07, 0x00, /* 0018: mov word ss:[0x0210], 7    ; [bp+si] defaults to SS */
  0x36, 0xC7, 0x06, 0x20, 0x02, 0x08, 0x00, /* 001F: mov word ss:[0x0220], 8    ; [bp+di] defaults to SS */
  0xC7, 0x06, 0x10, 0x00, 0x09, 0x00,      /* 0026: mov word [0x0010], 9       ; [si] */
  0xC7, 0x06, 0x20, 0x00, 0x0A, 0x00,      /* 002C: mov word [0x0020], 10      ; [di] */
  0x36, 0xC7, 0x06, 0x03, 0x02, 0x0B, 0x00, /* 0032: mov word ss:[0x0203], 11   ; [bp+3] */
  0xC7, 0x06, 0x00, 0x01, 0x0C, 0x00,      /* 0039: mov word [0x0100], 12      ; [bx] */
  0xB8, 0x00, 0x00,                        /* 003F: mov ax, 0 */
  0x03, 0x00,                              /* 0042: add ax, [bx+si] */
  0x03, 0x01,                              /* 0044: add ax, [bx+di] */
  0x03, 0x02,                              /* 0046: add ax, [bp+si] */
  0x03, 0x03,                              /* 0048: add ax, [bp+di] */
  0x03, 0x04,                              /* 004A: add ax, [si] */
  0x03, 0x05,                              /* 004C: add ax, [di] */
  0x03, 0x46, 0x03,                        /* 004E: add ax, [bp+3] */
  0x03, 0x07,                              /* 0051: add ax, [bx] */
  0xB9, 0x00, 0x00,                        /* 0053: mov cx, 0 */
  0x03, 0x88, 0x00, 0x10,                  /* 0056: add cx, [bx+si+0x1000]     ; disp16: DS:0x1110 */
  0x03, 0x8B, 0xF0, 0xFD,                  /* 005A: add cx, [bp+di-0x0220+0x10] ; SS:0x0010 via negative disp16 */
  0xBA, 0x00, 0x00,                        /* 005E: mov dx, 0 */
  0x3E, 0x03, 0x56, 0x03,                  /* 0061: add dx, [ds:bp+3]          ; DS override on a BP base */
  0xF4,                                    /* 0065: hlt */
};

Test(alu, addressing_modes_16) {
  Machine *m = PREPARE(alu_addressing16);
  h_wr16(m, H_DATA + 0x1110, 0x0100);
  h_wr16(m, H_STACK + 0x0010, 0x0200);
  h_wr16(m, H_DATA + 0x0203, 0x3000);
  h_run_ok(m);
  CHECK_REG16(m, EAX, 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12);
  CHECK_REG16(m, ECX, 0x0300);
  CHECK_REG16(m, EDX, 0x3000);
  h_free(m);
}

/* 32-bit addressing (0x67) through the ALU: SIB with scale, disp32. */
static const uint8_t alu_addressing32[] = {
  0x66, 0xBB, 0x00, 0x01, 0x00, 0x00,      /* 0000: mov ebx, 0x100 */
  0x66, 0xB9, 0x03, 0x00, 0x00, 0x00,      /* 0006: mov ecx, 3 */
  0x66, 0xC7, 0x06, 0x0C, 0x01, 0x11, 0x11, 0x11, 0x11, /* 000C: mov dword [0x10C], 0x11111111   ; [ebx+ecx*4] */
  0x66, 0xC7, 0x06, 0x20, 0x01, 0x22, 0x22, 0x22, 0x22, /* 0015: mov dword [0x120], 0x22222222   ; [ebx+ecx*8+8] */
  0x66, 0xC7, 0x06, 0x00, 0x04, 0x33, 0x33, 0x33, 0x33, /* 001E: mov dword [0x400], 0x33333333   ; [disp32] */
  0x66, 0xB8, 0x00, 0x00, 0x00, 0x00,      /* 0027: mov eax, 0 */
  0x66, 0x67, 0x03, 0x04, 0x8B,            /* 002D: add eax, [ebx+ecx*4] */
  0x66, 0x67, 0x03, 0x44, 0xCB, 0x08,      /* 0032: add eax, [ebx+ecx*8+8] */
  0x66, 0x67, 0x03, 0x05, 0x00, 0x04, 0x00, 0x00, /* 0038: add eax, [dword 0x400] */
  0x66, 0x67, 0x01, 0x04, 0x8B,            /* 0040: add [ebx+ecx*4], eax */
  0xF4,                                    /* 0045: hlt */
};

Test(alu, addressing_modes_32) {
  Machine *m = RUN(alu_addressing32);
  CHECK_REG(m, EAX, 0x66666666);
  CHECK_EQ("dword [DS:0x10C]", h_rd32(m, H_DATA + 0x10C), 0x77777777);
  h_free(m);
}

/* ADC/SBB chains: a 64-bit add and subtract done with 32-bit halves. */
static const uint8_t adc_chain[] = {
  0x66, 0xB8, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0000: mov eax, 0xFFFFFFFF     ; low half of 0x00000001FFFFFFFF */
  0x66, 0xBA, 0x01, 0x00, 0x00, 0x00,      /* 0006: mov edx, 0x00000001 */
  0x66, 0x83, 0xC0, 0x01,                  /* 000C: add eax, 0x00000001     ; + 1 */
  0x66, 0x83, 0xD2, 0x00,                  /* 0010: adc edx, 0 */
  0x66, 0xBE, 0x00, 0x00, 0x00, 0x00,      /* 0014: mov esi, 0x00000000     ; 0x0000000500000000 - 1 */
  0x66, 0xBF, 0x05, 0x00, 0x00, 0x00,      /* 001A: mov edi, 0x00000005 */
  0x66, 0x83, 0xEE, 0x01,                  /* 0020: sub esi, 1 */
  0x66, 0x83, 0xDF, 0x00,                  /* 0024: sbb edi, 0 */
  0xF4,                                    /* 0028: hlt */
};

Test(alu, adc_sbb_chains) {
  Machine *m = RUN(adc_chain);
  CHECK_REG(m, EAX, 0x00000000);
  CHECK_REG(m, EDX, 0x00000002);
  CHECK_REG(m, ESI, 0xFFFFFFFF);
  CHECK_REG(m, EDI, 0x00000004);
  CHECK_ARITH(m, 0); /* SBB 5 - 0 - 1 = 4: no borrow anywhere, odd parity */
  h_free(m);
}

/* Accumulator-immediate forms (04/05/0C/24/2C/34/3C/A8/A9...). */
static const uint8_t acc_imm[] = {
  0xB0, 0x0F,                              /* 0000: mov al, 0x0F */
  0x0C, 0xF0,                              /* 0002: or al, 0xF0             ; 0C ib */
  0x24, 0x3C,                              /* 0004: and al, 0x3C            ; 24 ib */
  0x34, 0xFF,                              /* 0006: xor al, 0xFF            ; 34 ib */
  0x2C, 0x02,                              /* 0008: sub al, 0x02            ; 2C ib */
  0x88, 0xC3,                              /* 000A: mov bl, al */
  0xB8, 0x34, 0x12,                        /* 000C: mov ax, 0x1234 */
  0x15, 0x11, 0x11,                        /* 000F: adc ax, 0x1111          ; 15 iw, CF=0 after SUB (C3 - 2: no borrow) */
  0x1D, 0x23, 0x00,                        /* 0012: sbb ax, strict word 0x0023 ; 1D iw */
  0x89, 0xC1,                              /* 0015: mov cx, ax */
  0x66, 0xB8, 0x00, 0x00, 0x00, 0x80,      /* 0017: mov eax, 0x80000000 */
  0x66, 0x3D, 0x00, 0x00, 0x00, 0x80,      /* 001D: cmp eax, 0x80000000     ; 66 3D id */
  0xBA, 0x00, 0x00,                        /* 0023: mov dx, 0 */
  0x75, 0x03,                              /* 0026: jnz .skip */
  0xBA, 0x01, 0x00,                        /* 0028: mov dx, 1 */
  /* .skip: */
  0xA8, 0x80,                              /* 002B: test al, 0x80           ; A8 ib: AL=0 -> ZF */
  0x0F, 0x94, 0xC6,                        /* 002D: setz dh */
  0xF4,                                    /* 0030: hlt */
};

Test(alu, accumulator_immediate_forms) {
  Machine *m = RUN(acc_imm);
  /* 0x0F|0xF0 = 0xFF; &0x3C = 0x3C; ^0xFF = 0xC3; -2 = 0xC1 */
  CHECK_REG8(m, EBX, 0xC1);
  /* 0x1234 + 0x1111 + 0 = 0x2345; - 0x23 - 0 = 0x2322 */
  CHECK_REG16(m, ECX, 0x2322);
  CHECK_REG8(m, EDX, 1);
  CHECK_EQ("DH (SETZ after TEST)", (h_reg(m, EDX) >> 8) & 0xFF, 1);
  h_free(m);
}

/* CMP and TEST with a memory operand never write it. */
static const uint8_t cmp_mem[] = {
  0xC6, 0x06, 0x30, 0x00, 0x40,            /* 0000: mov byte [0x30], 0x40 */
  0x80, 0x3E, 0x30, 0x00, 0x41,            /* 0005: cmp byte [0x30], 0x41   ; 80 /7 */
  0xF6, 0x06, 0x30, 0x00, 0xFF,            /* 000A: test byte [0x30], 0xFF  ; F6 /0 */
  0xC7, 0x06, 0x32, 0x00, 0x34, 0x12,      /* 000F: mov word [0x32], 0x1234 */
  0x83, 0x3E, 0x32, 0x00, 0x10,            /* 0015: cmp word [0x32], 0x10   ; 83 /7 ib */
  0xF4,                                    /* 001A: hlt */
};

Test(alu, cmp_test_memory_readonly) {
  Machine *m = RUN(cmp_mem);
  CHECK_EQ("byte [0x30]", h_rd8(m, H_DATA + 0x30), 0x40);
  CHECK_EQ("word [0x32]", h_rd16(m, H_DATA + 0x32), 0x1234);
  /* 0x1234 - 0x0010 = 0x1224: no carry, no overflow, AF clear (4-0),
   * PF of 0x24 (2 bits) set */
  CHECK_ARITH(m, F_PF);
  h_free(m);
}

/* Register forms of INC/DEC/NEG/NOT, incl. the one-byte INC/DEC r16/r32. */
static const uint8_t unary_regs[] = {
  0xF9,                                    /* 0000: stc */
  0xB8, 0xFF, 0xFF,                        /* 0001: mov ax, 0xFFFF */
  0x40,                                    /* 0004: inc ax                  ; 40: 0, CF still set */
  0x66, 0xB9, 0x00, 0x00, 0x00, 0x80,      /* 0005: mov ecx, 0x80000000 */
  0x66, 0x49,                              /* 000B: dec ecx                 ; 66 49 */
  0xB2, 0x01,                              /* 000D: mov dl, 0x01 */
  0xF6, 0xDA,                              /* 000F: neg dl                  ; F6 /3 */
  0xBB, 0xFF, 0x00,                        /* 0011: mov bx, 0x00FF */
  0xF7, 0xD3,                              /* 0014: not bx                  ; F7 /2 */
  0x66, 0xBE, 0x00, 0x00, 0xFF, 0xFF,      /* 0016: mov esi, 0xFFFF0000 */
  0x46,                                    /* 001C: inc si                  ; upper half untouched */
  0xB4, 0x7F,                              /* 001D: mov ah, 0x7F */
  0xFE, 0xC4,                              /* 001F: inc ah                  ; FE /0 on AH */
  0xF4,                                    /* 0021: hlt */
};

Test(alu, unary_register_forms) {
  Machine *m = RUN(unary_regs);
  CHECK_REG(m, EAX, 0x00008000);
  CHECK_REG(m, ECX, 0x7FFFFFFF);
  CHECK_REG8(m, EDX, 0xFF);
  CHECK_REG16(m, EBX, 0xFF00);
  CHECK_REG(m, ESI, 0xFFFF0001);
  /* flags from INC AH 0x7F -> 0x80; CF left by NEG DL (set) */
  CHECK_ARITH(m, F_CF | F_OF | F_SF | F_AF);
  h_free(m);
}

/* LOCK with a memory destination is allowed. */
static const uint8_t lock_mem[] = {
  0xC7, 0x06, 0x40, 0x00, 0xFF, 0x0F,      /* 0000: mov word [0x40], 0x0FFF */
  0xB8, 0x01, 0x00,                        /* 0006: mov ax, 1 */
  0xF0, 0x01, 0x06, 0x40, 0x00,            /* 0009: lock add [0x40], ax */
  0xF0, 0xFF, 0x06, 0x40, 0x00,            /* 000E: lock inc word [0x40] */
  0xF4,                                    /* 0013: hlt */
};

Test(alu, lock_memory_destination) {
  Machine *m = RUN(lock_mem);
  CHECK_EQ("word [0x40]", h_rd16(m, H_DATA + 0x40), 0x1001);
  h_free(m);
}
