/* MMX unit tests (the differential test in tests/fpu covers every
 * instruction against the host). */
#include "tests/unit/harness.h"

/* MOVQ mm0, [0]; PADDB mm0, [8]; MOVQ [16], mm0; FNSTSW AX; FNSTENV [32] */
Test(mmx, paddb_and_x87_aliasing) {
  static const uint8_t code[] = {0x0F, 0x6F, 0x06, 0x00, 0x00, 0x0F, 0xFC, 0x06, 0x08, 0x00,
                                 0x0F, 0x7F, 0x06, 0x10, 0x00, 0xD9, 0x36, 0x20, 0x00, 0xF4};
  Machine *m = PREPARE(code);
  h_wr32(m, H_DATA, 0x04030201), h_wr32(m, H_DATA + 4, 0xFF7F8001);
  h_wr32(m, H_DATA + 8, 0x01010101), h_wr32(m, H_DATA + 12, 0x01010101);
  h_run_ok(m);
  CHECK_EQ("lo", h_rd32(m, H_DATA + 16), 0x05040302);
  CHECK_EQ("hi", h_rd32(m, H_DATA + 20), 0x00808102);
  CHECK_EQ("TW: R0 special, R1-R7 zero", h_rd16(m, H_DATA + 32 + 4), 0x5556);
  CHECK_EQ("exponent all ones", m->c->fpu.st[0].sign_exp, 0xFFFF);
  CHECK_EQ("TOP 0", (h_rd16(m, H_DATA + 32 + 2) >> 11) & 7, 0);
  h_free(m);
}

/* PACKSSWB saturates; EMMS empties the tag word. */
Test(mmx, packsswb_emms) {
  static const uint8_t code[] = {0x0F, 0x6F, 0x06, 0x00, 0x00, 0x0F, 0x63, 0x06, 0x00, 0x00,
                                 0x0F, 0x7F, 0x06, 0x10, 0x00, 0x0F, 0x77, 0xD9, 0x36, 0x20, 0x00, 0xF4};
  Machine *m = PREPARE(code);
  h_wr32(m, H_DATA, 0x8000007F), h_wr32(m, H_DATA + 4, 0xFF800100);
  h_run_ok(m);
  CHECK_EQ("lo", h_rd32(m, H_DATA + 16), 0x807F807F);
  CHECK_EQ("TW empty", h_rd16(m, H_DATA + 32 + 4), 0xFFFF);
  h_free(m);
}

/* PSRLQ mm1, imm8 and PSRAW by 16 or more. */
Test(mmx, shifts) {
  static const uint8_t code[] = {0x0F, 0x6F, 0x0E, 0x00, 0x00,       /* movq mm1, [0] */
                                 0x0F, 0x73, 0xD1, 0x04,             /* psrlq mm1, 4 */
                                 0x0F, 0x7F, 0x0E, 0x10, 0x00,       /* movq [16], mm1 */
                                 0x0F, 0x6F, 0x16, 0x00, 0x00,       /* movq mm2, [0] */
                                 0x0F, 0x71, 0xE2, 0x10,             /* psraw mm2, 16 */
                                 0x0F, 0x7F, 0x16, 0x18, 0x00, 0xF4};
  Machine *m = PREPARE(code);
  h_wr32(m, H_DATA, 0x12345678), h_wr32(m, H_DATA + 4, 0x8000F00F);
  h_run_ok(m);
  CHECK_EQ("psrlq lo", h_rd32(m, H_DATA + 16), 0xF1234567);
  CHECK_EQ("psrlq hi", h_rd32(m, H_DATA + 20), 0x08000F00);
  CHECK_EQ("psraw lo", h_rd32(m, H_DATA + 24), 0x00000000);
  CHECK_EQ("psraw hi", h_rd32(m, H_DATA + 28), 0xFFFFFFFF);
  h_free(m);
}

/* With a 66 prefix these are SSE2 on later CPUs: #UD on a Pentium II. */
Test(mmx, opsize_prefix_ud) {
  static const uint8_t code[] = {0x66, 0x0F, 0xFC, 0xC1, 0xF4};
  Machine *m = PREPARE(code);
  h_run(m);
  CHECK_FAULT(m, EXC_UD, 0);
  h_free(m);
}

/* CR0.EM: MMX instructions raise #UD (not #NM); CR0.TS: #NM. */
Test(mmx, em_ud_ts_nm) {
  static const uint8_t code[] = {0x0F, 0xEF, 0xC0, 0xF4};
  Machine *m = PREPARE(code);
  m->c->cr[0] |= CR0_EM;
  h_run(m);
  CHECK_FAULT(m, EXC_UD, 0);
  h_free(m);
  m = PREPARE(code);
  m->c->cr[0] |= CR0_TS;
  h_run(m);
  CHECK_FAULT(m, EXC_NM, 0);
  h_free(m);
}
