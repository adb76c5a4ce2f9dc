/* x87 unit tests: values from the SDM (the differential test in tests/fpu
 * covers the arithmetic against real hardware). */
#include "tests/unit/harness.h"

/* FLD1; FLD1; FADDP; FISTP word [0]; FNSTSW AX; HLT */
Test(x87, fld1_faddp_fistp) {
  static const uint8_t code[] = {0xD9, 0xE8, 0xD9, 0xE8, 0xDE, 0xC1, 0xDF, 0x1E, 0x00, 0x00,
                                 0xDF, 0xE0, 0xF4};
  Machine *m = RUN(code);
  CHECK_EQ("2 stored", h_rd16(m, H_DATA), 2);
  CHECK_REG16(m, EAX, 0x0000); /* TOP back to 0, no exceptions */
  h_free(m);
}

/* FNINIT; FNSTCW [0]; FNSTSW [2]; FLDPI; FSTP qword [4] */
Test(x87, fninit_state_and_fldpi) {
  static const uint8_t code[] = {0xDB, 0xE3, 0xD9, 0x3E, 0x00, 0x00, 0xDD, 0x3E, 0x02, 0x00,
                                 0xD9, 0xEB, 0xDD, 0x1E, 0x04, 0x00, 0xF4};
  Machine *m = RUN(code);
  CHECK_EQ("FCW", h_rd16(m, H_DATA), 0x037F);
  CHECK_EQ("FSW", h_rd16(m, H_DATA + 2), 0);
  CHECK_EQ("pi lo", h_rd32(m, H_DATA + 4), 0x54442D18);
  CHECK_EQ("pi hi", h_rd32(m, H_DATA + 8), 0x400921FB);
  h_free(m);
}

/* FLDZ; FLD1; FDIVRP (1/0 -> ZE, +inf); FNSTSW AX */
Test(x87, divide_by_zero_masked) {
  static const uint8_t code[] = {0xD9, 0xEE, 0xD9, 0xE8, 0xDE, 0xF1, 0xDF, 0xE0,
                                 0xDD, 0x1E, 0x00, 0x00, 0xF4};
  Machine *m = RUN(code);
  CHECK_EQ("ZE set", h_reg16(m, EAX) & 0x3F, 0x04);
  CHECK_EQ("+inf hi", h_rd32(m, H_DATA + 4), 0x7FF00000);
  h_free(m);
}

/* Stack underflow: FADD ST0, ST1 on an empty stack sets IE, SF, C1 = 0. */
Test(x87, stack_underflow) {
  static const uint8_t code[] = {0xDB, 0xE3, 0xD8, 0xC1, 0xDF, 0xE0, 0xF4};
  Machine *m = RUN(code);
  CHECK_EQ("IE|SF", h_reg16(m, EAX) & 0x0241, 0x0041);
  h_free(m);
}

/* 9 pushes: the ninth overflows (IE, SF, C1 = 1). */
Test(x87, stack_overflow) {
  static const uint8_t code[] = {0xDB, 0xE3, 0xD9, 0xE8, 0xD9, 0xE8, 0xD9, 0xE8, 0xD9, 0xE8,
                                 0xD9, 0xE8, 0xD9, 0xE8, 0xD9, 0xE8, 0xD9, 0xE8, 0xD9, 0xE8,
                                 0xDF, 0xE0, 0xF4};
  Machine *m = RUN(code);
  CHECK_EQ("IE|SF|C1", h_reg16(m, EAX) & 0x0241, 0x0241);
  h_free(m);
}

/* FCOMI sets ZF/PF/CF: 1 vs 2 -> CF (ST0 < ST1). */
Test(x87, fcomi_flags) {
  static const uint8_t code[] = {0xD9, 0xE8, 0xD9, 0xE8, 0xDE, 0xC1, /* 2 */
                                 0xD9, 0xE8,                         /* 1, 2 */
                                 0xDB, 0xF1, 0xF4};
  Machine *m = RUN(code);
  CHECK_FLAGS(m, F_ZF | F_PF | F_CF, F_CF);
  h_free(m);
}

/* Unmasked ZE with CR0.NE = 1: the next waiting instruction raises #MF. */
Test(x87, unmasked_exception_mf) {
  static const uint8_t code[] = {0xD9, 0x2E, 0x00, 0x00, /* FLDCW [0] (ZE unmasked) */
                                 0xD9, 0xEE, 0xD9, 0xE8, 0xDE, 0xF1, /* 1/0 */
                                 0x9B,                   /* FWAIT at 0x000A */
                                 0xF4};
  Machine *m = PREPARE(code);
  h_wr16(m, H_DATA, 0x037B);
  m->c->cr[0] |= CR0_NE;
  h_run(m);
  CHECK_FAULT(m, EXC_MF, 0x000A);
  h_free(m);
}

/* CR0.EM: x87 escapes raise #NM. */
Test(x87, em_raises_nm) {
  static const uint8_t code[] = {0xD9, 0xE8, 0xF4};
  Machine *m = PREPARE(code);
  m->c->cr[0] |= CR0_EM;
  h_run(m);
  CHECK_FAULT(m, EXC_NM, 0);
  h_free(m);
}

/* FNSTENV (16-bit real mode): CW, SW, TW; FLDENV round trip. */
Test(x87, fnstenv_tags) {
  static const uint8_t code[] = {0xDB, 0xE3, 0xD9, 0xE8, 0xD9, 0xEE, /* 1, 0 */
                                 0xD9, 0x36, 0x00, 0x00, 0xF4};
  Machine *m = RUN(code);
  CHECK_EQ("CW", h_rd16(m, H_DATA), 0x037F);
  CHECK_EQ("SW TOP=6", h_rd16(m, H_DATA + 2), 0x3000);
  CHECK_EQ("TW", h_rd16(m, H_DATA + 4), 0x1FFF); /* R7 valid, R6 zero, rest empty */
  h_free(m);
}

/* FSAVE then FRSTOR restores the stack; FSAVE reinitialises. */
Test(x87, fsave_frstor) {
  static const uint8_t code[] = {0xDB, 0xE3, 0xD9, 0xEB,             /* pi */
                                 0xDD, 0x36, 0x00, 0x01,             /* fsave [0x100] */
                                 0xDF, 0xE0, 0x89, 0xC3,             /* bx = sw after */
                                 0xDD, 0x26, 0x00, 0x01,             /* frstor */
                                 0xDD, 0x1E, 0x00, 0x00, 0xF4};      /* fstp qword [0] */
  Machine *m = RUN(code);
  CHECK_REG16(m, EBX, 0);
  CHECK_EQ("pi hi", h_rd32(m, H_DATA + 4), 0x400921FB);
  h_free(m);
}

/* FXSAVE needs a 16-byte aligned operand. */
Test(x87, fxsave_alignment) {
  static const uint8_t code[] = {0x0F, 0xAE, 0x06, 0x08, 0x00, 0xF4};
  Machine *m = PREPARE(code);
  h_run(m);
  CHECK_FAULT(m, EXC_GP, 0);
  h_free(m);
}

/* CPUID claims FPU, MMX, FXSR. */
Test(x87, cpuid_bits) {
  static const uint8_t code[] = {0x66, 0xB8, 0x01, 0x00, 0x00, 0x00, 0x0F, 0xA2, 0xF4};
  Machine *m = RUN(code);
  CHECK_EQ("FPU MMX FXSR", h_reg(m, EDX) & 0x01800001u, 0x01800001u);
  h_free(m);
}
