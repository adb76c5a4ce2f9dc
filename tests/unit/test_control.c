/* Control transfer: Jcc (all 16 conditions, rel8 and rel16), JMP and
 * CALL/RET near and far (direct, register, memory, with RET imm16),
 * LOOP/LOOPE/LOOPNE/JCXZ/JECXZ, INT n/INT3/INT1/INTO/IRET through the
 * real-mode IVT, ENTER/LEAVE with nesting levels, and BOUND -> #BR.
 * Conditions per the SDM: O OF; B CF; E ZF; BE CF|ZF; S SF; P PF;
 * L SF!=OF; LE ZF|(SF!=OF); odd codes negate. */
#include "tests/unit/harness.h"

#include <stdio.h>

static bool cond_holds(int cc, uint32_t f) {
  bool cf = f & F_CF, zf = f & F_ZF, sf = f & F_SF, of = f & F_OF, pf = f & F_PF;
  bool r;
  switch (cc >> 1) {
  case 0: r = of; break;
  case 1: r = cf; break;
  case 2: r = zf; break;
  case 3: r = cf || zf; break;
  case 4: r = sf; break;
  case 5: r = pf; break;
  case 6: r = sf != of; break;
  default: r = zf || (sf != of); break;
  }
  return (cc & 1) ? !r : r;
}

static const char *const cc_names[16] = {"O", "NO", "B", "AE", "E", "NE", "BE", "A",
                                         "S", "NS", "P", "NP", "L", "GE", "LE", "G"};

/* Each condition stores 1 (taken) or 0 (not taken) at DS:base+cc. */
static void check_conds(Machine *m, uint32_t base, uint32_t f, const char *form, const char *ctx) {
  for (int cc = 0; cc < 16; cc++) {
    int got = h_rd8(m, H_DATA + base + (uint32_t)cc);
    int want = cond_holds(cc, f);
    cr_expect_eq(got, want, "J%s (%s) with %s: expected %s, got %s", cc_names[cc], form, ctx,
                 want ? "taken" : "not taken", got == 1 ? "taken" : got == 0 ? "not taken" : "neither");
  }
}

/* FLAGS from DS:0 via POPF, then every Jcc rel8, then every Jcc rel16. */
#define jcc_popf_conds 0x0005
#define jcc_popf_nconds 0x00EA
static const uint8_t jcc_popf[] = {
  0xFF, 0x36, 0x00, 0x00,                  /* 0000: push word [0] */
  0x9D,                                    /* 0004: popf */
  /* conds: */
  0x70, 0x07,                              /* 0005: jo .y0 */
  0xC6, 0x06, 0x10, 0x00, 0x00,            /* 0007: mov byte [0x10], 0 */
  0xEB, 0x05,                              /* 000C: jmp short .n0 */
  /* .y0: */
  0xC6, 0x06, 0x10, 0x00, 0x01,            /* 000E: mov byte [0x10], 1 */
  /* .n0: */
  0x71, 0x07,                              /* 0013: jno .y1 */
  0xC6, 0x06, 0x11, 0x00, 0x00,            /* 0015: mov byte [0x11], 0 */
  0xEB, 0x05,                              /* 001A: jmp short .n1 */
  /* .y1: */
  0xC6, 0x06, 0x11, 0x00, 0x01,            /* 001C: mov byte [0x11], 1 */
  /* .n1: */
  0x72, 0x07,                              /* 0021: jb .y2 */
  0xC6, 0x06, 0x12, 0x00, 0x00,            /* 0023: mov byte [0x12], 0 */
  0xEB, 0x05,                              /* 0028: jmp short .n2 */
  /* .y2: */
  0xC6, 0x06, 0x12, 0x00, 0x01,            /* 002A: mov byte [0x12], 1 */
  /* .n2: */
  0x73, 0x07,                              /* 002F: jae .y3 */
  0xC6, 0x06, 0x13, 0x00, 0x00,            /* 0031: mov byte [0x13], 0 */
  0xEB, 0x05,                              /* 0036: jmp short .n3 */
  /* .y3: */
  0xC6, 0x06, 0x13, 0x00, 0x01,            /* 0038: mov byte [0x13], 1 */
  /* .n3: */
  0x74, 0x07,                              /* 003D: je .y4 */
  0xC6, 0x06, 0x14, 0x00, 0x00,            /* 003F: mov byte [0x14], 0 */
  0xEB, 0x05,                              /* 0044: jmp short .n4 */
  /* .y4: */
  0xC6, 0x06, 0x14, 0x00, 0x01,            /* 0046: mov byte [0x14], 1 */
  /* .n4: */
  0x75, 0x07,                              /* 004B: jne .y5 */
  0xC6, 0x06, 0x15, 0x00, 0x00,            /* 004D: mov byte [0x15], 0 */
  0xEB, 0x05,                              /* 0052: jmp short .n5 */
  /* .y5: */
  0xC6, 0x06, 0x15, 0x00, 0x01,            /* 0054: mov byte [0x15], 1 */
  /* .n5: */
  0x76, 0x07,                              /* 0059: jbe .y6 */
  0xC6, 0x06, 0x16, 0x00, 0x00,            /* 005B: mov byte [0x16], 0 */
  0xEB, 0x05,                              /* 0060: jmp short .n6 */
  /* .y6: */
  0xC6, 0x06, 0x16, 0x00, 0x01,            /* 0062: mov byte [0x16], 1 */
  /* .n6: */
  0x77, 0x07,                              /* 0067: ja .y7 */
  0xC6, 0x06, 0x17, 0x00, 0x00,            /* 0069: mov byte [0x17], 0 */
  0xEB, 0x05,                              /* 006E: jmp short .n7 */
  /* .y7: */
  0xC6, 0x06, 0x17, 0x00, 0x01,            /* 0070: mov byte [0x17], 1 */
  /* .n7: */
  0x78, 0x07,                              /* 0075: js .y8 */
  0xC6, 0x06, 0x18, 0x00, 0x00,            /* 0077: mov byte [0x18], 0 */
  0xEB, 0x05,                              /* 007C: jmp short .n8 */
  /* .y8: */
  0xC6, 0x06, 0x18, 0x00, 0x01,            /* 007E: mov byte [0x18], 1 */
  /* .n8: */
  0x79, 0x07,                              /* 0083: jns .y9 */
  0xC6, 0x06, 0x19, 0x00, 0x00,            /* 0085: mov byte [0x19], 0 */
  0xEB, 0x05,                              /* 008A: jmp short .n9 */
  /* .y9: */
  0xC6, 0x06, 0x19, 0x00, 0x01,            /* 008C: mov byte [0x19], 1 */
  /* .n9: */
  0x7A, 0x07,                              /* 0091: jp .y10 */
  0xC6, 0x06, 0x1A, 0x00, 0x00,            /* 0093: mov byte [0x1A], 0 */
  0xEB, 0x05,                              /* 0098: jmp short .n10 */
  /* .y10: */
  0xC6, 0x06, 0x1A, 0x00, 0x01,            /* 009A: mov byte [0x1A], 1 */
  /* .n10: */
  0x7B, 0x07,                              /* 009F: jnp .y11 */
  0xC6, 0x06, 0x1B, 0x00, 0x00,            /* 00A1: mov byte [0x1B], 0 */
  0xEB, 0x05,                              /* 00A6: jmp short .n11 */
  /* .y11: */
  0xC6, 0x06, 0x1B, 0x00, 0x01,            /* 00A8: mov byte [0x1B], 1 */
  /* .n11: */
  0x7C, 0x07,                              /* 00AD: jl .y12 */
  0xC6, 0x06, 0x1C, 0x00, 0x00,            /* 00AF: mov byte [0x1C], 0 */
  0xEB, 0x05,                              /* 00B4: jmp short .n12 */
  /* .y12: */
  0xC6, 0x06, 0x1C, 0x00, 0x01,            /* 00B6: mov byte [0x1C], 1 */
  /* .n12: */
  0x7D, 0x07,                              /* 00BB: jge .y13 */
  0xC6, 0x06, 0x1D, 0x00, 0x00,            /* 00BD: mov byte [0x1D], 0 */
  0xEB, 0x05,                              /* 00C2: jmp short .n13 */
  /* .y13: */
  0xC6, 0x06, 0x1D, 0x00, 0x01,            /* 00C4: mov byte [0x1D], 1 */
  /* .n13: */
  0x7E, 0x07,                              /* 00C9: jle .y14 */
  0xC6, 0x06, 0x1E, 0x00, 0x00,            /* 00CB: mov byte [0x1E], 0 */
  0xEB, 0x05,                              /* 00D0: jmp short .n14 */
  /* .y14: */
  0xC6, 0x06, 0x1E, 0x00, 0x01,            /* 00D2: mov byte [0x1E], 1 */
  /* .n14: */
  0x7F, 0x07,                              /* 00D7: jg .y15 */
  0xC6, 0x06, 0x1F, 0x00, 0x00,            /* 00D9: mov byte [0x1F], 0 */
  0xEB, 0x05,                              /* 00DE: jmp short .n15 */
  /* .y15: */
  0xC6, 0x06, 0x1F, 0x00, 0x01,            /* 00E0: mov byte [0x1F], 1 */
  /* .n15: */
  0xFF, 0x36, 0x00, 0x00,                  /* 00E5: push word [0] */
  0x9D,                                    /* 00E9: popf */
  /* nconds: */
  0x0F, 0x80, 0x07, 0x00,                  /* 00EA: jo near .y0 */
  0xC6, 0x06, 0x30, 0x00, 0x00,            /* 00EE: mov byte [0x30], 0 */
  0xEB, 0x05,                              /* 00F3: jmp short .n0 */
  /* .y0: */
  0xC6, 0x06, 0x30, 0x00, 0x01,            /* 00F5: mov byte [0x30], 1 */
  /* .n0: */
  0x0F, 0x81, 0x07, 0x00,                  /* 00FA: jno near .y1 */
  0xC6, 0x06, 0x31, 0x00, 0x00,            /* 00FE: mov byte [0x31], 0 */
  0xEB, 0x05,                              /* 0103: jmp short .n1 */
  /* .y1: */
  0xC6, 0x06, 0x31, 0x00, 0x01,            /* 0105: mov byte [0x31], 1 */
  /* .n1: */
  0x0F, 0x82, 0x07, 0x00,                  /* 010A: jb near .y2 */
  0xC6, 0x06, 0x32, 0x00, 0x00,            /* 010E: mov byte [0x32], 0 */
  0xEB, 0x05,                              /* 0113: jmp short .n2 */
  /* .y2: */
  0xC6, 0x06, 0x32, 0x00, 0x01,            /* 0115: mov byte [0x32], 1 */
  /* .n2: */
  0x0F, 0x83, 0x07, 0x00,                  /* 011A: jae near .y3 */
  0xC6, 0x06, 0x33, 0x00, 0x00,            /* 011E: mov byte [0x33], 0 */
  0xEB, 0x05,                              /* 0123: jmp short .n3 */
  /* .y3: */
  0xC6, 0x06, 0x33, 0x00, 0x01,            /* 0125: mov byte [0x33], 1 */
  /* .n3: */
  0x0F, 0x84, 0x07, 0x00,                  /* 012A: je near .y4 */
  0xC6, 0x06, 0x34, 0x00, 0x00,            /* 012E: mov byte [0x34], 0 */
  0xEB, 0x05,                              /* 0133: jmp short .n4 */
  /* .y4: */
  0xC6, 0x06, 0x34, 0x00, 0x01,            /* 0135: mov byte [0x34], 1 */
  /* .n4: */
  0x0F, 0x85, 0x07, 0x00,                  /* 013A: jne near .y5 */
  0xC6, 0x06, 0x35, 0x00, 0x00,            /* 013E: mov byte [0x35], 0 */
  0xEB, 0x05,                              /* 0143: jmp short .n5 */
  /* .y5: */
  0xC6, 0x06, 0x35, 0x00, 0x01,            /* 0145: mov byte [0x35], 1 */
  /* .n5: */
  0x0F, 0x86, 0x07, 0x00,                  /* 014A: jbe near .y6 */
  0xC6, 0x06, 0x36, 0x00, 0x00,            /* 014E: mov byte [0x36], 0 */
  0xEB, 0x05,                              /* 0153: jmp short .n6 */
  /* .y6: */
  0xC6, 0x06, 0x36, 0x00, 0x01,            /* 0155: mov byte [0x36], 1 */
  /* .n6: */
  0x0F, 0x87, 0x07, 0x00,                  /* 015A: ja near .y7 */
  0xC6, 0x06, 0x37, 0x00, 0x00,            /* 015E: mov byte [0x37], 0 */
  0xEB, 0x05,                              /* 0163: jmp short .n7 */
  /* .y7: */
  0xC6, 0x06, 0x37, 0x00, 0x01,            /* 0165: mov byte [0x37], 1 */
  /* .n7: */
  0x0F, 0x88, 0x07, 0x00,                  /* 016A: js near .y8 */
  0xC6, 0x06, 0x38, 0x00, 0x00,            /* 016E: mov byte [0x38], 0 */
  0xEB, 0x05,                              /* 0173: jmp short .n8 */
  /* .y8: */
  0xC6, 0x06, 0x38, 0x00, 0x01,            /* 0175: mov byte [0x38], 1 */
  /* .n8: */
  0x0F, 0x89, 0x07, 0x00,                  /* 017A: jns near .y9 */
  0xC6, 0x06, 0x39, 0x00, 0x00,            /* 017E: mov byte [0x39], 0 */
  0xEB, 0x05,                              /* 0183: jmp short .n9 */
  /* .y9: */
  0xC6, 0x06, 0x39, 0x00, 0x01,            /* 0185: mov byte [0x39], 1 */
  /* .n9: */
  0x0F, 0x8A, 0x07, 0x00,                  /* 018A: jp near .y10 */
  0xC6, 0x06, 0x3A, 0x00, 0x00,            /* 018E: mov byte [0x3A], 0 */
  0xEB, 0x05,                              /* 0193: jmp short .n10 */
  /* .y10: */
  0xC6, 0x06, 0x3A, 0x00, 0x01,            /* 0195: mov byte [0x3A], 1 */
  /* .n10: */
  0x0F, 0x8B, 0x07, 0x00,                  /* 019A: jnp near .y11 */
  0xC6, 0x06, 0x3B, 0x00, 0x00,            /* 019E: mov byte [0x3B], 0 */
  0xEB, 0x05,                              /* 01A3: jmp short .n11 */
  /* .y11: */
  0xC6, 0x06, 0x3B, 0x00, 0x01,            /* 01A5: mov byte [0x3B], 1 */
  /* .n11: */
  0x0F, 0x8C, 0x07, 0x00,                  /* 01AA: jl near .y12 */
  0xC6, 0x06, 0x3C, 0x00, 0x00,            /* 01AE: mov byte [0x3C], 0 */
  0xEB, 0x05,                              /* 01B3: jmp short .n12 */
  /* .y12: */
  0xC6, 0x06, 0x3C, 0x00, 0x01,            /* 01B5: mov byte [0x3C], 1 */
  /* .n12: */
  0x0F, 0x8D, 0x07, 0x00,                  /* 01BA: jge near .y13 */
  0xC6, 0x06, 0x3D, 0x00, 0x00,            /* 01BE: mov byte [0x3D], 0 */
  0xEB, 0x05,                              /* 01C3: jmp short .n13 */
  /* .y13: */
  0xC6, 0x06, 0x3D, 0x00, 0x01,            /* 01C5: mov byte [0x3D], 1 */
  /* .n13: */
  0x0F, 0x8E, 0x07, 0x00,                  /* 01CA: jle near .y14 */
  0xC6, 0x06, 0x3E, 0x00, 0x00,            /* 01CE: mov byte [0x3E], 0 */
  0xEB, 0x05,                              /* 01D3: jmp short .n14 */
  /* .y14: */
  0xC6, 0x06, 0x3E, 0x00, 0x01,            /* 01D5: mov byte [0x3E], 1 */
  /* .n14: */
  0x0F, 0x8F, 0x07, 0x00,                  /* 01DA: jg near .y15 */
  0xC6, 0x06, 0x3F, 0x00, 0x00,            /* 01DE: mov byte [0x3F], 0 */
  0xEB, 0x05,                              /* 01E3: jmp short .n15 */
  /* .y15: */
  0xC6, 0x06, 0x3F, 0x00, 0x01,            /* 01E5: mov byte [0x3F], 1 */
  /* .n15: */
  0xF4,                                    /* 01EA: hlt */
};

Test(control, jcc_all_conditions_all_flag_combinations) {
  for (uint32_t k = 0; k < 32; k++) {
    uint32_t f = (k & 1 ? F_CF : 0) | (k & 2 ? F_PF : 0) | (k & 4 ? F_ZF : 0) |
                 (k & 8 ? F_SF : 0) | (k & 16 ? F_OF : 0);
    Machine *m = PREPARE(jcc_popf);
    for (uint32_t i = 0; i < 0x40; i++) h_wr8(m, H_DATA + 0x10 + i, 0xEE);
    h_wr16(m, H_DATA, (uint16_t)(f | 2));
    h_run_ok(m);
    char ctx[48];
    check_conds(m, 0x10, f, "rel8", h_flagstr(f, ctx));
    check_conds(m, 0x30, f, "rel16", ctx);
    h_free(m);
  }
}

/* Conditions straight after CMP, TEST and INC (the lazy-flag paths). */
#define jcc_cmp8_conds 0x0007
static const uint8_t jcc_cmp8[] = {
  0xA0, 0x00, 0x00,                        /* 0000: mov al, [0] */
  0x3A, 0x06, 0x04, 0x00,                  /* 0003: cmp al, [4] */
  /* conds: */
  0x70, 0x07,                              /* 0007: jo .y0 */
  0xC6, 0x06, 0x10, 0x00, 0x00,            /* 0009: mov byte [0x10], 0 */
  0xEB, 0x05,                              /* 000E: jmp short .n0 */
  /* .y0: */
  0xC6, 0x06, 0x10, 0x00, 0x01,            /* 0010: mov byte [0x10], 1 */
  /* .n0: */
  0x71, 0x07,                              /* 0015: jno .y1 */
  0xC6, 0x06, 0x11, 0x00, 0x00,            /* 0017: mov byte [0x11], 0 */
  0xEB, 0x05,                              /* 001C: jmp short .n1 */
  /* .y1: */
  0xC6, 0x06, 0x11, 0x00, 0x01,            /* 001E: mov byte [0x11], 1 */
  /* .n1: */
  0x72, 0x07,                              /* 0023: jb .y2 */
  0xC6, 0x06, 0x12, 0x00, 0x00,            /* 0025: mov byte [0x12], 0 */
  0xEB, 0x05,                              /* 002A: jmp short .n2 */
  /* .y2: */
  0xC6, 0x06, 0x12, 0x00, 0x01,            /* 002C: mov byte [0x12], 1 */
  /* .n2: */
  0x73, 0x07,                              /* 0031: jae .y3 */
  0xC6, 0x06, 0x13, 0x00, 0x00,            /* 0033: mov byte [0x13], 0 */
  0xEB, 0x05,                              /* 0038: jmp short .n3 */
  /* .y3: */
  0xC6, 0x06, 0x13, 0x00, 0x01,            /* 003A: mov byte [0x13], 1 */
  /* .n3: */
  0x74, 0x07,                              /* 003F: je .y4 */
  0xC6, 0x06, 0x14, 0x00, 0x00,            /* 0041: mov byte [0x14], 0 */
  0xEB, 0x05,                              /* 0046: jmp short .n4 */
  /* .y4: */
  0xC6, 0x06, 0x14, 0x00, 0x01,            /* 0048: mov byte [0x14], 1 */
  /* .n4: */
  0x75, 0x07,                              /* 004D: jne .y5 */
  0xC6, 0x06, 0x15, 0x00, 0x00,            /* 004F: mov byte [0x15], 0 */
  0xEB, 0x05,                              /* 0054: jmp short .n5 */
  /* .y5: */
  0xC6, 0x06, 0x15, 0x00, 0x01,            /* 0056: mov byte [0x15], 1 */
  /* .n5: */
  0x76, 0x07,                              /* 005B: jbe .y6 */
  0xC6, 0x06, 0x16, 0x00, 0x00,            /* 005D: mov byte [0x16], 0 */
  0xEB, 0x05,                              /* 0062: jmp short .n6 */
  /* .y6: */
  0xC6, 0x06, 0x16, 0x00, 0x01,            /* 0064: mov byte [0x16], 1 */
  /* .n6: */
  0x77, 0x07,                              /* 0069: ja .y7 */
  0xC6, 0x06, 0x17, 0x00, 0x00,            /* 006B: mov byte [0x17], 0 */
  0xEB, 0x05,                              /* 0070: jmp short .n7 */
  /* .y7: */
  0xC6, 0x06, 0x17, 0x00, 0x01,            /* 0072: mov byte [0x17], 1 */
  /* .n7: */
  0x78, 0x07,                              /* 0077: js .y8 */
  0xC6, 0x06, 0x18, 0x00, 0x00,            /* 0079: mov byte [0x18], 0 */
  0xEB, 0x05,                              /* 007E: jmp short .n8 */
  /* .y8: */
  0xC6, 0x06, 0x18, 0x00, 0x01,            /* 0080: mov byte [0x18], 1 */
  /* .n8: */
  0x79, 0x07,                              /* 0085: jns .y9 */
  0xC6, 0x06, 0x19, 0x00, 0x00,            /* 0087: mov byte [0x19], 0 */
  0xEB, 0x05,                              /* 008C: jmp short .n9 */
  /* .y9: */
  0xC6, 0x06, 0x19, 0x00, 0x01,            /* 008E: mov byte [0x19], 1 */
  /* .n9: */
  0x7A, 0x07,                              /* 0093: jp .y10 */
  0xC6, 0x06, 0x1A, 0x00, 0x00,            /* 0095: mov byte [0x1A], 0 */
  0xEB, 0x05,                              /* 009A: jmp short .n10 */
  /* .y10: */
  0xC6, 0x06, 0x1A, 0x00, 0x01,            /* 009C: mov byte [0x1A], 1 */
  /* .n10: */
  0x7B, 0x07,                              /* 00A1: jnp .y11 */
  0xC6, 0x06, 0x1B, 0x00, 0x00,            /* 00A3: mov byte [0x1B], 0 */
  0xEB, 0x05,                              /* 00A8: jmp short .n11 */
  /* .y11: */
  0xC6, 0x06, 0x1B, 0x00, 0x01,            /* 00AA: mov byte [0x1B], 1 */
  /* .n11: */
  0x7C, 0x07,                              /* 00AF: jl .y12 */
  0xC6, 0x06, 0x1C, 0x00, 0x00,            /* 00B1: mov byte [0x1C], 0 */
  0xEB, 0x05,                              /* 00B6: jmp short .n12 */
  /* .y12: */
  0xC6, 0x06, 0x1C, 0x00, 0x01,            /* 00B8: mov byte [0x1C], 1 */
  /* .n12: */
  0x7D, 0x07,                              /* 00BD: jge .y13 */
  0xC6, 0x06, 0x1D, 0x00, 0x00,            /* 00BF: mov byte [0x1D], 0 */
  0xEB, 0x05,                              /* 00C4: jmp short .n13 */
  /* .y13: */
  0xC6, 0x06, 0x1D, 0x00, 0x01,            /* 00C6: mov byte [0x1D], 1 */
  /* .n13: */
  0x7E, 0x07,                              /* 00CB: jle .y14 */
  0xC6, 0x06, 0x1E, 0x00, 0x00,            /* 00CD: mov byte [0x1E], 0 */
  0xEB, 0x05,                              /* 00D2: jmp short .n14 */
  /* .y14: */
  0xC6, 0x06, 0x1E, 0x00, 0x01,            /* 00D4: mov byte [0x1E], 1 */
  /* .n14: */
  0x7F, 0x07,                              /* 00D9: jg .y15 */
  0xC6, 0x06, 0x1F, 0x00, 0x00,            /* 00DB: mov byte [0x1F], 0 */
  0xEB, 0x05,                              /* 00E0: jmp short .n15 */
  /* .y15: */
  0xC6, 0x06, 0x1F, 0x00, 0x01,            /* 00E2: mov byte [0x1F], 1 */
  /* .n15: */
  0xF4,                                    /* 00E7: hlt */
};

#define jcc_cmp16_conds 0x0007
static const uint8_t jcc_cmp16[] = {
  0xA1, 0x00, 0x00,                        /* 0000: mov ax, [0] */
  0x3B, 0x06, 0x04, 0x00,                  /* 0003: cmp ax, [4] */
  /* conds: */
  0x70, 0x07,                              /* 0007: jo .y0 */
  0xC6, 0x06, 0x10, 0x00, 0x00,            /* 0009: mov byte [0x10], 0 */
  0xEB, 0x05,                              /* 000E: jmp short .n0 */
  /* .y0: */
  0xC6, 0x06, 0x10, 0x00, 0x01,            /* 0010: mov byte [0x10], 1 */
  /* .n0: */
  0x71, 0x07,                              /* 0015: jno .y1 */
  0xC6, 0x06, 0x11, 0x00, 0x00,            /* 0017: mov byte [0x11], 0 */
  0xEB, 0x05,                              /* 001C: jmp short .n1 */
  /* .y1: */
  0xC6, 0x06, 0x11, 0x00, 0x01,            /* 001E: mov byte [0x11], 1 */
  /* .n1: */
  0x72, 0x07,                              /* 0023: jb .y2 */
  0xC6, 0x06, 0x12, 0x00, 0x00,            /* 0025: mov byte [0x12], 0 */
  0xEB, 0x05,                              /* 002A: jmp short .n2 */
  /* .y2: */
  0xC6, 0x06, 0x12, 0x00, 0x01,            /* 002C: mov byte [0x12], 1 */
  /* .n2: */
  0x73, 0x07,                              /* 0031: jae .y3 */
  0xC6, 0x06, 0x13, 0x00, 0x00,            /* 0033: mov byte [0x13], 0 */
  0xEB, 0x05,                              /* 0038: jmp short .n3 */
  /* .y3: */
  0xC6, 0x06, 0x13, 0x00, 0x01,            /* 003A: mov byte [0x13], 1 */
  /* .n3: */
  0x74, 0x07,                              /* 003F: je .y4 */
  0xC6, 0x06, 0x14, 0x00, 0x00,            /* 0041: mov byte [0x14], 0 */
  0xEB, 0x05,                              /* 0046: jmp short .n4 */
  /* .y4: */
  0xC6, 0x06, 0x14, 0x00, 0x01,            /* 0048: mov byte [0x14], 1 */
  /* .n4: */
  0x75, 0x07,                              /* 004D: jne .y5 */
  0xC6, 0x06, 0x15, 0x00, 0x00,            /* 004F: mov byte [0x15], 0 */
  0xEB, 0x05,                              /* 0054: jmp short .n5 */
  /* .y5: */
  0xC6, 0x06, 0x15, 0x00, 0x01,            /* 0056: mov byte [0x15], 1 */
  /* .n5: */
  0x76, 0x07,                              /* 005B: jbe .y6 */
  0xC6, 0x06, 0x16, 0x00, 0x00,            /* 005D: mov byte [0x16], 0 */
  0xEB, 0x05,                              /* 0062: jmp short .n6 */
  /* .y6: */
  0xC6, 0x06, 0x16, 0x00, 0x01,            /* 0064: mov byte [0x16], 1 */
  /* .n6: */
  0x77, 0x07,                              /* 0069: ja .y7 */
  0xC6, 0x06, 0x17, 0x00, 0x00,            /* 006B: mov byte [0x17], 0 */
  0xEB, 0x05,                              /* 0070: jmp short .n7 */
  /* .y7: */
  0xC6, 0x06, 0x17, 0x00, 0x01,            /* 0072: mov byte [0x17], 1 */
  /* .n7: */
  0x78, 0x07,                              /* 0077: js .y8 */
  0xC6, 0x06, 0x18, 0x00, 0x00,            /* 0079: mov byte [0x18], 0 */
  0xEB, 0x05,                              /* 007E: jmp short .n8 */
  /* .y8: */
  0xC6, 0x06, 0x18, 0x00, 0x01,            /* 0080: mov byte [0x18], 1 */
  /* .n8: */
  0x79, 0x07,                              /* 0085: jns .y9 */
  0xC6, 0x06, 0x19, 0x00, 0x00,            /* 0087: mov byte [0x19], 0 */
  0xEB, 0x05,                              /* 008C: jmp short .n9 */
  /* .y9: */
  0xC6, 0x06, 0x19, 0x00, 0x01,            /* 008E: mov byte [0x19], 1 */
  /* .n9: */
  0x7A, 0x07,                              /* 0093: jp .y10 */
  0xC6, 0x06, 0x1A, 0x00, 0x00,            /* 0095: mov byte [0x1A], 0 */
  0xEB, 0x05,                              /* 009A: jmp short .n10 */
  /* .y10: */
  0xC6, 0x06, 0x1A, 0x00, 0x01,            /* 009C: mov byte [0x1A], 1 */
  /* .n10: */
  0x7B, 0x07,                              /* 00A1: jnp .y11 */
  0xC6, 0x06, 0x1B, 0x00, 0x00,            /* 00A3: mov byte [0x1B], 0 */
  0xEB, 0x05,                              /* 00A8: jmp short .n11 */
  /* .y11: */
  0xC6, 0x06, 0x1B, 0x00, 0x01,            /* 00AA: mov byte [0x1B], 1 */
  /* .n11: */
  0x7C, 0x07,                              /* 00AF: jl .y12 */
  0xC6, 0x06, 0x1C, 0x00, 0x00,            /* 00B1: mov byte [0x1C], 0 */
  0xEB, 0x05,                              /* 00B6: jmp short .n12 */
  /* .y12: */
  0xC6, 0x06, 0x1C, 0x00, 0x01,            /* 00B8: mov byte [0x1C], 1 */
  /* .n12: */
  0x7D, 0x07,                              /* 00BD: jge .y13 */
  0xC6, 0x06, 0x1D, 0x00, 0x00,            /* 00BF: mov byte [0x1D], 0 */
  0xEB, 0x05,                              /* 00C4: jmp short .n13 */
  /* .y13: */
  0xC6, 0x06, 0x1D, 0x00, 0x01,            /* 00C6: mov byte [0x1D], 1 */
  /* .n13: */
  0x7E, 0x07,                              /* 00CB: jle .y14 */
  0xC6, 0x06, 0x1E, 0x00, 0x00,            /* 00CD: mov byte [0x1E], 0 */
  0xEB, 0x05,                              /* 00D2: jmp short .n14 */
  /* .y14: */
  0xC6, 0x06, 0x1E, 0x00, 0x01,            /* 00D4: mov byte [0x1E], 1 */
  /* .n14: */
  0x7F, 0x07,                              /* 00D9: jg .y15 */
  0xC6, 0x06, 0x1F, 0x00, 0x00,            /* 00DB: mov byte [0x1F], 0 */
  0xEB, 0x05,                              /* 00E0: jmp short .n15 */
  /* .y15: */
  0xC6, 0x06, 0x1F, 0x00, 0x01,            /* 00E2: mov byte [0x1F], 1 */
  /* .n15: */
  0xF4,                                    /* 00E7: hlt */
};

#define jcc_cmp32_conds 0x0009
static const uint8_t jcc_cmp32[] = {
  0x66, 0xA1, 0x00, 0x00,                  /* 0000: mov eax, [0] */
  0x66, 0x3B, 0x06, 0x04, 0x00,            /* 0004: cmp eax, [4] */
  /* conds: */
  0x70, 0x07,                              /* 0009: jo .y0 */
  0xC6, 0x06, 0x10, 0x00, 0x00,            /* 000B: mov byte [0x10], 0 */
  0xEB, 0x05,                              /* 0010: jmp short .n0 */
  /* .y0: */
  0xC6, 0x06, 0x10, 0x00, 0x01,            /* 0012: mov byte [0x10], 1 */
  /* .n0: */
  0x71, 0x07,                              /* 0017: jno .y1 */
  0xC6, 0x06, 0x11, 0x00, 0x00,            /* 0019: mov byte [0x11], 0 */
  0xEB, 0x05,                              /* 001E: jmp short .n1 */
  /* .y1: */
  0xC6, 0x06, 0x11, 0x00, 0x01,            /* 0020: mov byte [0x11], 1 */
  /* .n1: */
  0x72, 0x07,                              /* 0025: jb .y2 */
  0xC6, 0x06, 0x12, 0x00, 0x00,            /* 0027: mov byte [0x12], 0 */
  0xEB, 0x05,                              /* 002C: jmp short .n2 */
  /* .y2: */
  0xC6, 0x06, 0x12, 0x00, 0x01,            /* 002E: mov byte [0x12], 1 */
  /* .n2: */
  0x73, 0x07,                              /* 0033: jae .y3 */
  0xC6, 0x06, 0x13, 0x00, 0x00,            /* 0035: mov byte [0x13], 0 */
  0xEB, 0x05,                              /* 003A: jmp short .n3 */
  /* .y3: */
  0xC6, 0x06, 0x13, 0x00, 0x01,            /* 003C: mov byte [0x13], 1 */
  /* .n3: */
  0x74, 0x07,                              /* 0041: je .y4 */
  0xC6, 0x06, 0x14, 0x00, 0x00,            /* 0043: mov byte [0x14], 0 */
  0xEB, 0x05,                              /* 0048: jmp short .n4 */
  /* .y4: */
  0xC6, 0x06, 0x14, 0x00, 0x01,            /* 004A: mov byte [0x14], 1 */
  /* .n4: */
  0x75, 0x07,                              /* 004F: jne .y5 */
  0xC6, 0x06, 0x15, 0x00, 0x00,            /* 0051: mov byte [0x15], 0 */
  0xEB, 0x05,                              /* 0056: jmp short .n5 */
  /* .y5: */
  0xC6, 0x06, 0x15, 0x00, 0x01,            /* 0058: mov byte [0x15], 1 */
  /* .n5: */
  0x76, 0x07,                              /* 005D: jbe .y6 */
  0xC6, 0x06, 0x16, 0x00, 0x00,            /* 005F: mov byte [0x16], 0 */
  0xEB, 0x05,                              /* 0064: jmp short .n6 */
  /* .y6: */
  0xC6, 0x06, 0x16, 0x00, 0x01,            /* 0066: mov byte [0x16], 1 */
  /* .n6: */
  0x77, 0x07,                              /* 006B: ja .y7 */
  0xC6, 0x06, 0x17, 0x00, 0x00,            /* 006D: mov byte [0x17], 0 */
  0xEB, 0x05,                              /* 0072: jmp short .n7 */
  /* .y7: */
  0xC6, 0x06, 0x17, 0x00, 0x01,            /* 0074: mov byte [0x17], 1 */
  /* .n7: */
  0x78, 0x07,                              /* 0079: js .y8 */
  0xC6, 0x06, 0x18, 0x00, 0x00,            /* 007B: mov byte [0x18], 0 */
  0xEB, 0x05,                              /* 0080: jmp short .n8 */
  /* .y8: */
  0xC6, 0x06, 0x18, 0x00, 0x01,            /* 0082: mov byte [0x18], 1 */
  /* .n8: */
  0x79, 0x07,                              /* 0087: jns .y9 */
  0xC6, 0x06, 0x19, 0x00, 0x00,            /* 0089: mov byte [0x19], 0 */
  0xEB, 0x05,                              /* 008E: jmp short .n9 */
  /* .y9: */
  0xC6, 0x06, 0x19, 0x00, 0x01,            /* 0090: mov byte [0x19], 1 */
  /* .n9: */
  0x7A, 0x07,                              /* 0095: jp .y10 */
  0xC6, 0x06, 0x1A, 0x00, 0x00,            /* 0097: mov byte [0x1A], 0 */
  0xEB, 0x05,                              /* 009C: jmp short .n10 */
  /* .y10: */
  0xC6, 0x06, 0x1A, 0x00, 0x01,            /* 009E: mov byte [0x1A], 1 */
  /* .n10: */
  0x7B, 0x07,                              /* 00A3: jnp .y11 */
  0xC6, 0x06, 0x1B, 0x00, 0x00,            /* 00A5: mov byte [0x1B], 0 */
  0xEB, 0x05,                              /* 00AA: jmp short .n11 */
  /* .y11: */
  0xC6, 0x06, 0x1B, 0x00, 0x01,            /* 00AC: mov byte [0x1B], 1 */
  /* .n11: */
  0x7C, 0x07,                              /* 00B1: jl .y12 */
  0xC6, 0x06, 0x1C, 0x00, 0x00,            /* 00B3: mov byte [0x1C], 0 */
  0xEB, 0x05,                              /* 00B8: jmp short .n12 */
  /* .y12: */
  0xC6, 0x06, 0x1C, 0x00, 0x01,            /* 00BA: mov byte [0x1C], 1 */
  /* .n12: */
  0x7D, 0x07,                              /* 00BF: jge .y13 */
  0xC6, 0x06, 0x1D, 0x00, 0x00,            /* 00C1: mov byte [0x1D], 0 */
  0xEB, 0x05,                              /* 00C6: jmp short .n13 */
  /* .y13: */
  0xC6, 0x06, 0x1D, 0x00, 0x01,            /* 00C8: mov byte [0x1D], 1 */
  /* .n13: */
  0x7E, 0x07,                              /* 00CD: jle .y14 */
  0xC6, 0x06, 0x1E, 0x00, 0x00,            /* 00CF: mov byte [0x1E], 0 */
  0xEB, 0x05,                              /* 00D4: jmp short .n14 */
  /* .y14: */
  0xC6, 0x06, 0x1E, 0x00, 0x01,            /* 00D6: mov byte [0x1E], 1 */
  /* .n14: */
  0x7F, 0x07,                              /* 00DB: jg .y15 */
  0xC6, 0x06, 0x1F, 0x00, 0x00,            /* 00DD: mov byte [0x1F], 0 */
  0xEB, 0x05,                              /* 00E2: jmp short .n15 */
  /* .y15: */
  0xC6, 0x06, 0x1F, 0x00, 0x01,            /* 00E4: mov byte [0x1F], 1 */
  /* .n15: */
  0xF4,                                    /* 00E9: hlt */
};

#define jcc_test16_conds 0x0007
static const uint8_t jcc_test16[] = {
  0xA1, 0x00, 0x00,                        /* 0000: mov ax, [0] */
  0x85, 0x06, 0x04, 0x00,                  /* 0003: test ax, [4] */
  /* conds: */
  0x70, 0x07,                              /* 0007: jo .y0 */
  0xC6, 0x06, 0x10, 0x00, 0x00,            /* 0009: mov byte [0x10], 0 */
  0xEB, 0x05,                              /* 000E: jmp short .n0 */
  /* .y0: */
  0xC6, 0x06, 0x10, 0x00, 0x01,            /* 0010: mov byte [0x10], 1 */
  /* .n0: */
  0x71, 0x07,                              /* 0015: jno .y1 */
  0xC6, 0x06, 0x11, 0x00, 0x00,            /* 0017: mov byte [0x11], 0 */
  0xEB, 0x05,                              /* 001C: jmp short .n1 */
  /* .y1: */
  0xC6, 0x06, 0x11, 0x00, 0x01,            /* 001E: mov byte [0x11], 1 */
  /* .n1: */
  0x72, 0x07,                              /* 0023: jb .y2 */
  0xC6, 0x06, 0x12, 0x00, 0x00,            /* 0025: mov byte [0x12], 0 */
  0xEB, 0x05,                              /* 002A: jmp short .n2 */
  /* .y2: */
  0xC6, 0x06, 0x12, 0x00, 0x01,            /* 002C: mov byte [0x12], 1 */
  /* .n2: */
  0x73, 0x07,                              /* 0031: jae .y3 */
  0xC6, 0x06, 0x13, 0x00, 0x00,            /* 0033: mov byte [0x13], 0 */
  0xEB, 0x05,                              /* 0038: jmp short .n3 */
  /* .y3: */
  0xC6, 0x06, 0x13, 0x00, 0x01,            /* 003A: mov byte [0x13], 1 */
  /* .n3: */
  0x74, 0x07,                              /* 003F: je .y4 */
  0xC6, 0x06, 0x14, 0x00, 0x00,            /* 0041: mov byte [0x14], 0 */
  0xEB, 0x05,                              /* 0046: jmp short .n4 */
  /* .y4: */
  0xC6, 0x06, 0x14, 0x00, 0x01,            /* 0048: mov byte [0x14], 1 */
  /* .n4: */
  0x75, 0x07,                              /* 004D: jne .y5 */
  0xC6, 0x06, 0x15, 0x00, 0x00,            /* 004F: mov byte [0x15], 0 */
  0xEB, 0x05,                              /* 0054: jmp short .n5 */
  /* .y5: */
  0xC6, 0x06, 0x15, 0x00, 0x01,            /* 0056: mov byte [0x15], 1 */
  /* .n5: */
  0x76, 0x07,                              /* 005B: jbe .y6 */
  0xC6, 0x06, 0x16, 0x00, 0x00,            /* 005D: mov byte [0x16], 0 */
  0xEB, 0x05,                              /* 0062: jmp short .n6 */
  /* .y6: */
  0xC6, 0x06, 0x16, 0x00, 0x01,            /* 0064: mov byte [0x16], 1 */
  /* .n6: */
  0x77, 0x07,                              /* 0069: ja .y7 */
  0xC6, 0x06, 0x17, 0x00, 0x00,            /* 006B: mov byte [0x17], 0 */
  0xEB, 0x05,                              /* 0070: jmp short .n7 */
  /* .y7: */
  0xC6, 0x06, 0x17, 0x00, 0x01,            /* 0072: mov byte [0x17], 1 */
  /* .n7: */
  0x78, 0x07,                              /* 0077: js .y8 */
  0xC6, 0x06, 0x18, 0x00, 0x00,            /* 0079: mov byte [0x18], 0 */
  0xEB, 0x05,                              /* 007E: jmp short .n8 */
  /* .y8: */
  0xC6, 0x06, 0x18, 0x00, 0x01,            /* 0080: mov byte [0x18], 1 */
  /* .n8: */
  0x79, 0x07,                              /* 0085: jns .y9 */
  0xC6, 0x06, 0x19, 0x00, 0x00,            /* 0087: mov byte [0x19], 0 */
  0xEB, 0x05,                              /* 008C: jmp short .n9 */
  /* .y9: */
  0xC6, 0x06, 0x19, 0x00, 0x01,            /* 008E: mov byte [0x19], 1 */
  /* .n9: */
  0x7A, 0x07,                              /* 0093: jp .y10 */
  0xC6, 0x06, 0x1A, 0x00, 0x00,            /* 0095: mov byte [0x1A], 0 */
  0xEB, 0x05,                              /* 009A: jmp short .n10 */
  /* .y10: */
  0xC6, 0x06, 0x1A, 0x00, 0x01,            /* 009C: mov byte [0x1A], 1 */
  /* .n10: */
  0x7B, 0x07,                              /* 00A1: jnp .y11 */
  0xC6, 0x06, 0x1B, 0x00, 0x00,            /* 00A3: mov byte [0x1B], 0 */
  0xEB, 0x05,                              /* 00A8: jmp short .n11 */
  /* .y11: */
  0xC6, 0x06, 0x1B, 0x00, 0x01,            /* 00AA: mov byte [0x1B], 1 */
  /* .n11: */
  0x7C, 0x07,                              /* 00AF: jl .y12 */
  0xC6, 0x06, 0x1C, 0x00, 0x00,            /* 00B1: mov byte [0x1C], 0 */
  0xEB, 0x05,                              /* 00B6: jmp short .n12 */
  /* .y12: */
  0xC6, 0x06, 0x1C, 0x00, 0x01,            /* 00B8: mov byte [0x1C], 1 */
  /* .n12: */
  0x7D, 0x07,                              /* 00BD: jge .y13 */
  0xC6, 0x06, 0x1D, 0x00, 0x00,            /* 00BF: mov byte [0x1D], 0 */
  0xEB, 0x05,                              /* 00C4: jmp short .n13 */
  /* .y13: */
  0xC6, 0x06, 0x1D, 0x00, 0x01,            /* 00C6: mov byte [0x1D], 1 */
  /* .n13: */
  0x7E, 0x07,                              /* 00CB: jle .y14 */
  0xC6, 0x06, 0x1E, 0x00, 0x00,            /* 00CD: mov byte [0x1E], 0 */
  0xEB, 0x05,                              /* 00D2: jmp short .n14 */
  /* .y14: */
  0xC6, 0x06, 0x1E, 0x00, 0x01,            /* 00D4: mov byte [0x1E], 1 */
  /* .n14: */
  0x7F, 0x07,                              /* 00D9: jg .y15 */
  0xC6, 0x06, 0x1F, 0x00, 0x00,            /* 00DB: mov byte [0x1F], 0 */
  0xEB, 0x05,                              /* 00E0: jmp short .n15 */
  /* .y15: */
  0xC6, 0x06, 0x1F, 0x00, 0x01,            /* 00E2: mov byte [0x1F], 1 */
  /* .n15: */
  0xF4,                                    /* 00E7: hlt */
};

#define jcc_inc16_conds 0x0005
static const uint8_t jcc_inc16[] = {
  0xF9,                                    /* 0000: stc */
  0xA1, 0x00, 0x00,                        /* 0001: mov ax, [0] */
  0x40,                                    /* 0004: inc ax */
  /* conds: */
  0x70, 0x07,                              /* 0005: jo .y0 */
  0xC6, 0x06, 0x10, 0x00, 0x00,            /* 0007: mov byte [0x10], 0 */
  0xEB, 0x05,                              /* 000C: jmp short .n0 */
  /* .y0: */
  0xC6, 0x06, 0x10, 0x00, 0x01,            /* 000E: mov byte [0x10], 1 */
  /* .n0: */
  0x71, 0x07,                              /* 0013: jno .y1 */
  0xC6, 0x06, 0x11, 0x00, 0x00,            /* 0015: mov byte [0x11], 0 */
  0xEB, 0x05,                              /* 001A: jmp short .n1 */
  /* .y1: */
  0xC6, 0x06, 0x11, 0x00, 0x01,            /* 001C: mov byte [0x11], 1 */
  /* .n1: */
  0x72, 0x07,                              /* 0021: jb .y2 */
  0xC6, 0x06, 0x12, 0x00, 0x00,            /* 0023: mov byte [0x12], 0 */
  0xEB, 0x05,                              /* 0028: jmp short .n2 */
  /* .y2: */
  0xC6, 0x06, 0x12, 0x00, 0x01,            /* 002A: mov byte [0x12], 1 */
  /* .n2: */
  0x73, 0x07,                              /* 002F: jae .y3 */
  0xC6, 0x06, 0x13, 0x00, 0x00,            /* 0031: mov byte [0x13], 0 */
  0xEB, 0x05,                              /* 0036: jmp short .n3 */
  /* .y3: */
  0xC6, 0x06, 0x13, 0x00, 0x01,            /* 0038: mov byte [0x13], 1 */
  /* .n3: */
  0x74, 0x07,                              /* 003D: je .y4 */
  0xC6, 0x06, 0x14, 0x00, 0x00,            /* 003F: mov byte [0x14], 0 */
  0xEB, 0x05,                              /* 0044: jmp short .n4 */
  /* .y4: */
  0xC6, 0x06, 0x14, 0x00, 0x01,            /* 0046: mov byte [0x14], 1 */
  /* .n4: */
  0x75, 0x07,                              /* 004B: jne .y5 */
  0xC6, 0x06, 0x15, 0x00, 0x00,            /* 004D: mov byte [0x15], 0 */
  0xEB, 0x05,                              /* 0052: jmp short .n5 */
  /* .y5: */
  0xC6, 0x06, 0x15, 0x00, 0x01,            /* 0054: mov byte [0x15], 1 */
  /* .n5: */
  0x76, 0x07,                              /* 0059: jbe .y6 */
  0xC6, 0x06, 0x16, 0x00, 0x00,            /* 005B: mov byte [0x16], 0 */
  0xEB, 0x05,                              /* 0060: jmp short .n6 */
  /* .y6: */
  0xC6, 0x06, 0x16, 0x00, 0x01,            /* 0062: mov byte [0x16], 1 */
  /* .n6: */
  0x77, 0x07,                              /* 0067: ja .y7 */
  0xC6, 0x06, 0x17, 0x00, 0x00,            /* 0069: mov byte [0x17], 0 */
  0xEB, 0x05,                              /* 006E: jmp short .n7 */
  /* .y7: */
  0xC6, 0x06, 0x17, 0x00, 0x01,            /* 0070: mov byte [0x17], 1 */
  /* .n7: */
  0x78, 0x07,                              /* 0075: js .y8 */
  0xC6, 0x06, 0x18, 0x00, 0x00,            /* 0077: mov byte [0x18], 0 */
  0xEB, 0x05,                              /* 007C: jmp short .n8 */
  /* .y8: */
  0xC6, 0x06, 0x18, 0x00, 0x01,            /* 007E: mov byte [0x18], 1 */
  /* .n8: */
  0x79, 0x07,                              /* 0083: jns .y9 */
  0xC6, 0x06, 0x19, 0x00, 0x00,            /* 0085: mov byte [0x19], 0 */
  0xEB, 0x05,                              /* 008A: jmp short .n9 */
  /* .y9: */
  0xC6, 0x06, 0x19, 0x00, 0x01,            /* 008C: mov byte [0x19], 1 */
  /* .n9: */
  0x7A, 0x07,                              /* 0091: jp .y10 */
  0xC6, 0x06, 0x1A, 0x00, 0x00,            /* 0093: mov byte [0x1A], 0 */
  0xEB, 0x05,                              /* 0098: jmp short .n10 */
  /* .y10: */
  0xC6, 0x06, 0x1A, 0x00, 0x01,            /* 009A: mov byte [0x1A], 1 */
  /* .n10: */
  0x7B, 0x07,                              /* 009F: jnp .y11 */
  0xC6, 0x06, 0x1B, 0x00, 0x00,            /* 00A1: mov byte [0x1B], 0 */
  0xEB, 0x05,                              /* 00A6: jmp short .n11 */
  /* .y11: */
  0xC6, 0x06, 0x1B, 0x00, 0x01,            /* 00A8: mov byte [0x1B], 1 */
  /* .n11: */
  0x7C, 0x07,                              /* 00AD: jl .y12 */
  0xC6, 0x06, 0x1C, 0x00, 0x00,            /* 00AF: mov byte [0x1C], 0 */
  0xEB, 0x05,                              /* 00B4: jmp short .n12 */
  /* .y12: */
  0xC6, 0x06, 0x1C, 0x00, 0x01,            /* 00B6: mov byte [0x1C], 1 */
  /* .n12: */
  0x7D, 0x07,                              /* 00BB: jge .y13 */
  0xC6, 0x06, 0x1D, 0x00, 0x00,            /* 00BD: mov byte [0x1D], 0 */
  0xEB, 0x05,                              /* 00C2: jmp short .n13 */
  /* .y13: */
  0xC6, 0x06, 0x1D, 0x00, 0x01,            /* 00C4: mov byte [0x1D], 1 */
  /* .n13: */
  0x7E, 0x07,                              /* 00C9: jle .y14 */
  0xC6, 0x06, 0x1E, 0x00, 0x00,            /* 00CB: mov byte [0x1E], 0 */
  0xEB, 0x05,                              /* 00D0: jmp short .n14 */
  /* .y14: */
  0xC6, 0x06, 0x1E, 0x00, 0x01,            /* 00D2: mov byte [0x1E], 1 */
  /* .n14: */
  0x7F, 0x07,                              /* 00D7: jg .y15 */
  0xC6, 0x06, 0x1F, 0x00, 0x00,            /* 00D9: mov byte [0x1F], 0 */
  0xEB, 0x05,                              /* 00DE: jmp short .n15 */
  /* .y15: */
  0xC6, 0x06, 0x1F, 0x00, 0x01,            /* 00E0: mov byte [0x1F], 1 */
  /* .n15: */
  0xF4,                                    /* 00E5: hlt */
};

static uint32_t parity(uint32_t v) {
  v &= 0xFF;
  int n = 0;
  for (int i = 0; i < 8; i++) n += (v >> i) & 1;
  return n % 2 == 0 ? F_PF : 0;
}

/* SDM definitions of CMP (SUB) flags, for computing expectations. */
static uint32_t sub_flags(uint32_t a, uint32_t b, int size) {
  uint32_t mask = size_mask(size), sign = 1u << (size * 8 - 1);
  a &= mask;
  b &= mask;
  uint32_t r = (a - b) & mask, f = parity(r);
  if (a < b) f |= F_CF;
  if (r == 0) f |= F_ZF;
  if (r & sign) f |= F_SF;
  if ((a ^ b) & (a ^ r) & sign) f |= F_OF;
  return f;
}

static void run_cmp_pairs(const uint8_t *code, size_t len, int size, const char *what) {
  static const uint32_t pairs[][2] = {
    {1, 2}, {2, 1}, {5, 5}, {0, 0}, {0x80000000, 1}, {1, 0x80000000},
    {0x7FFFFFFF, 0xFFFFFFFF}, {0xFFFFFFFF, 0x7FFFFFFF}, {0x80000000, 0x7FFFFFFF},
    {0x8000, 0x7FFF}, {0x7FFF, 0x8000}, {0xFFFF, 0x0001}, {0x0080, 0x007F},
    {0x007F, 0x0080}, {0x00FF, 0x0000}, {0x1234, 0x1234},
  };
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    uint32_t a = pairs[i][0], b = pairs[i][1];
    Machine *m = h_prepare(code, len);
    h_wr32(m, H_DATA + 0, a);
    h_wr32(m, H_DATA + 4, b);
    h_run_ok(m);
    char ctx[64];
    snprintf(ctx, sizeof ctx, "%s 0x%X, 0x%X", what, a & size_mask(size), b & size_mask(size));
    check_conds(m, 0x10, sub_flags(a, b, size), "rel8", ctx);
    h_free(m);
  }
}

Test(control, jcc_after_cmp8) { run_cmp_pairs(jcc_cmp8, sizeof jcc_cmp8, 1, "CMP AL"); }
Test(control, jcc_after_cmp16) { run_cmp_pairs(jcc_cmp16, sizeof jcc_cmp16, 2, "CMP AX"); }
Test(control, jcc_after_cmp32) { run_cmp_pairs(jcc_cmp32, sizeof jcc_cmp32, 4, "CMP EAX"); }

Test(control, jcc_after_test_and_inc) {
  static const uint32_t vals[][2] = {
    {0x0000, 0xFFFF}, {0x8001, 0x8000}, {0x00FF, 0x0003}, {0x7FFF, 0x0000}, {0xFFFF, 0x0000},
  };
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    uint32_t a = vals[i][0], b = vals[i][1];
    Machine *m = PREPARE(jcc_test16);
    h_wr32(m, H_DATA + 0, a);
    h_wr32(m, H_DATA + 4, b);
    h_run_ok(m);
    uint32_t r = a & b, f = parity(r) | (r ? 0 : F_ZF) | (r & 0x8000 ? F_SF : 0);
    char ctx[64];
    snprintf(ctx, sizeof ctx, "TEST 0x%X, 0x%X", a, b);
    check_conds(m, 0x10, f, "rel8", ctx);
    h_free(m);

    /* INC AX with CF set beforehand: CF stays 1, OF iff 0x7FFF -> 0x8000 */
    m = PREPARE(jcc_inc16);
    h_wr32(m, H_DATA + 0, a);
    h_run_ok(m);
    r = (a + 1) & 0xFFFF;
    f = F_CF | parity(r) | (r ? 0 : F_ZF) | (r & 0x8000 ? F_SF : 0) | (r == 0x8000 ? F_OF : 0);
    snprintf(ctx, sizeof ctx, "STC; INC 0x%X", a);
    check_conds(m, 0x10, f, "rel8", ctx);
    h_free(m);
  }
}

/* JMP: short, near, register, memory, far direct and far indirect. The
 * far targets alias the same bytes as 0FFF:(label + 0x10). */
static const uint8_t jmp_forms[] = {
  0xB8, 0x00, 0x00,                        /* 0000: mov ax, 0 */
  0xEB, 0x01,                              /* 0003: jmp short .a            ; EB */
  0xF4,                                    /* 0005: hlt */
  /* .a: */
  0x83, 0xC8, 0x01,                        /* 0006: or ax, 1 */
  0xE9, 0x01, 0x00,                        /* 0009: jmp near .b             ; E9 rel16 */
  0xF4,                                    /* 000C: hlt */
  /* .b: */
  0x83, 0xC8, 0x02,                        /* 000D: or ax, 2 */
  0xBB, 0x16, 0x00,                        /* 0010: mov bx, .c */
  0xFF, 0xE3,                              /* 0013: jmp bx                  ; FF /4, register */
  0xF4,                                    /* 0015: hlt */
  /* .c: */
  0x83, 0xC8, 0x04,                        /* 0016: or ax, 4 */
  0xC7, 0x06, 0x10, 0x00, 0x24, 0x00,      /* 0019: mov word [0x10], .d */
  0xFF, 0x26, 0x10, 0x00,                  /* 001F: jmp [0x10]              ; FF /4, memory */
  0xF4,                                    /* 0023: hlt */
  /* .d: */
  0x83, 0xC8, 0x08,                        /* 0024: or ax, 8 */
  0xEA, 0x3D, 0x00, 0xFF, 0x0F,            /* 0027: jmp 0x0FFF:(.e + 0x10)  ; EA: far direct */
  0xF4,                                    /* 002C: hlt */
  /* .e: */
  0x8C, 0x0E, 0x30, 0x00,                  /* 002D: mov [0x30], cs */
  0x83, 0xC8, 0x10,                        /* 0031: or ax, 16 */
  0xC7, 0x06, 0x20, 0x00, 0x45, 0x00,      /* 0034: mov word [0x20], .f */
  0xC7, 0x06, 0x22, 0x00, 0x00, 0x10,      /* 003A: mov word [0x22], 0x1000 */
  0xFF, 0x2E, 0x20, 0x00,                  /* 0040: jmp far [0x20]          ; FF /5: far indirect, back to CS 0x1000 */
  0xF4,                                    /* 0044: hlt */
  /* .f: */
  0x8C, 0x0E, 0x32, 0x00,                  /* 0045: mov [0x32], cs */
  0x83, 0xC8, 0x20,                        /* 0049: or ax, 32 */
  0xF4,                                    /* 004C: hlt */
};

Test(control, jmp_forms) {
  Machine *m = RUN(jmp_forms);
  CHECK_REG16(m, EAX, 63);
  CHECK_EQ("CS after JMP 0FFF:xxxx", h_rd16(m, H_DATA + 0x30), 0x0FFF);
  CHECK_EQ("CS after JMP FAR [mem]", h_rd16(m, H_DATA + 0x32), 0x1000);
  CHECK_EQ("final CS", h_sreg(m, SEG_CS), 0x1000);
  h_free(m);
}

/* A near jump's IP wraps at 64 KiB in 16-bit code. */
#define ip_wrap_main_landing 0x0010
static const uint8_t ip_wrap_main[] = {
  0xB8, 0x01, 0x00,                        /* 0000: mov ax, 1 */
  0xE9, 0xEA, 0xFF,                        /* 0003: jmp 0xFFF0              ; rel16 -22: IP 6 - 22 wraps to 0xFFF0 */
  0xF4,                                    /* 0006: hlt */
  0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, /* 0007: db 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90 ; pad to 0x10 */
  /* landing: */
  0xBB, 0x02, 0x00,                        /* 0010: mov bx, 2 */
  0xF4,                                    /* 0013: hlt */
};

static const uint8_t ip_wrap_tail[] = {
  0xEB, 0x1E,                              /* 0000: jmp short $ + 0x20      ; at 0xFFF0: IP 0xFFF2 + 0x1E wraps to 0x0010 */
};

Test(control, near_jump_ip_wraps_at_64k) {
  cr_assert_eq(ip_wrap_main_landing, 0x10);
  Machine *m = PREPARE(ip_wrap_main);
  h_poke(m, H_CODE + 0xFFF0, ip_wrap_tail, sizeof ip_wrap_tail);
  h_run_ok(m);
  CHECK_REG16(m, EAX, 1);
  CHECK_REG16(m, EBX, 2);
  CHECK_EQ("IP", h_ip(m), 0x14);
  h_free(m);
}

/* A near jump beyond the CS limit (0xFFFF) is #GP(0) before it jumps. */
#define jmp_beyond_limit_fault 0x0003
static const uint8_t jmp_beyond_limit[] = {
  0xB8, 0x42, 0x42,                        /* 0000: mov ax, 0x4242 */
  /* fault: */
  0x66, 0xE9, 0x3C, 0x23, 0x01, 0x00,      /* 0003: jmp dword 0x12345       ; 66 E9 rel32 */
  0xF4,                                    /* 0009: hlt */
};

Test(control, near_jump_beyond_cs_limit_is_gp) {
  Machine *m = PREPARE(jmp_beyond_limit);
  int v = h_run(m);
  cr_expect_eq(v, EXC_GP, "expected #GP (13), got vector %d", v);
  CHECK_FAULT(m, EXC_GP, jmp_beyond_limit_fault);
  CHECK_REG16(m, EAX, 0x4242);
  h_free(m);
}

#define call_ret_ret1 0x0003
#define call_ret_ret4 0x001B
#define call_ret_ret7 0x0045
#define call_ret_sub1 0x004A
#define call_ret_sub2 0x0053
#define call_ret_sub3 0x0057
#define call_ret_sub4 0x005B
#define call_ret_sub5 0x006E
#define call_ret_sub6 0x007C
#define call_ret_sub7 0x0087
static const uint8_t call_ret[] = {
  0xE8, 0x47, 0x00,                        /* 0000: call sub1               ; E8 */
  /* ret1: */
  0x89, 0x26, 0x40, 0x00,                  /* 0003: mov [0x40], sp */
  0xBB, 0x53, 0x00,                        /* 0007: mov bx, sub2 */
  0xFF, 0xD3,                              /* 000A: call bx                 ; FF /2, register */
  0xC7, 0x06, 0x10, 0x00, 0x57, 0x00,      /* 000C: mov word [0x10], sub3 */
  0xFF, 0x16, 0x10, 0x00,                  /* 0012: call [0x10]             ; FF /2, memory */
  0x9A, 0x6B, 0x00, 0xFF, 0x0F,            /* 0016: call 0x0FFF:(sub4 + 0x10) ; 9A: far direct */
  /* ret4: */
  0x68, 0x33, 0x33,                        /* 001B: push word 0x3333 */
  0xC7, 0x06, 0x20, 0x00, 0x6E, 0x00,      /* 001E: mov word [0x20], sub5 */
  0xC7, 0x06, 0x22, 0x00, 0x00, 0x10,      /* 0024: mov word [0x22], 0x1000 */
  0xFF, 0x1E, 0x20, 0x00,                  /* 002A: call far [0x20]         ; FF /3: far indirect, RETF 2 */
  0x89, 0x26, 0x44, 0x00,                  /* 002E: mov [0x44], sp */
  0x68, 0x11, 0x11,                        /* 0032: push word 0x1111 */
  0x68, 0x22, 0x22,                        /* 0035: push word 0x2222 */
  0xE8, 0x41, 0x00,                        /* 0038: call sub6               ; RET 4 */
  0x89, 0x26, 0x42, 0x00,                  /* 003B: mov [0x42], sp */
  0x66, 0xE8, 0x42, 0x00, 0x00, 0x00,      /* 003F: call dword sub7         ; 66 E8 rel32: pushes a 32-bit EIP */
  /* ret7: */
  0x89, 0x26, 0x46, 0x00,                  /* 0045: mov [0x46], sp */
  0xF4,                                    /* 0049: hlt */
  /* sub1: */
  0x89, 0xE5,                              /* 004A: mov bp, sp */
  0x8B, 0x46, 0x00,                        /* 004C: mov ax, [bp] */
  0xA3, 0x50, 0x00,                        /* 004F: mov [0x50], ax          ; the pushed return IP */
  0xC3,                                    /* 0052: ret */
  /* sub2: */
  0xBE, 0x01, 0x00,                        /* 0053: mov si, 1 */
  0xC3,                                    /* 0056: ret */
  /* sub3: */
  0xBF, 0x01, 0x00,                        /* 0057: mov di, 1 */
  0xC3,                                    /* 005A: ret */
  /* sub4:                     ; runs as 0FFF:(sub4 + 0x10) */
  0x89, 0xE5,                              /* 005B: mov bp, sp */
  0x8B, 0x46, 0x00,                        /* 005D: mov ax, [bp] */
  0xA3, 0x52, 0x00,                        /* 0060: mov [0x52], ax          ; pushed IP */
  0x8B, 0x46, 0x02,                        /* 0063: mov ax, [bp + 2] */
  0xA3, 0x54, 0x00,                        /* 0066: mov [0x54], ax          ; pushed CS */
  0x8C, 0x0E, 0x56, 0x00,                  /* 0069: mov [0x56], cs */
  0xCB,                                    /* 006D: retf */
  /* sub5: */
  0xB9, 0x05, 0x00,                        /* 006E: mov cx, 5 */
  0x89, 0xE5,                              /* 0071: mov bp, sp */
  0x8B, 0x46, 0x02,                        /* 0073: mov ax, [bp + 2] */
  0xA3, 0x58, 0x00,                        /* 0076: mov [0x58], ax          ; pushed CS (0x1000) */
  0xCA, 0x02, 0x00,                        /* 0079: retf 2 */
  /* sub6: */
  0x89, 0xE5,                              /* 007C: mov bp, sp */
  0x8B, 0x46, 0x02,                        /* 007E: mov ax, [bp + 2] */
  0xA3, 0x5A, 0x00,                        /* 0081: mov [0x5A], ax          ; the first argument above the return IP (0x2222) */
  0xC2, 0x04, 0x00,                        /* 0084: ret 4 */
  /* sub7: */
  0x89, 0xE5,                              /* 0087: mov bp, sp */
  0x66, 0x8B, 0x46, 0x00,                  /* 0089: mov eax, [bp] */
  0x66, 0xA3, 0x5C, 0x00,                  /* 008D: mov [0x5C], eax         ; 32-bit return EIP */
  0x89, 0x26, 0x60, 0x00,                  /* 0091: mov [0x60], sp */
  0x66, 0xC3,                              /* 0095: o32 ret */
};

Test(control, call_ret_forms) {
  Machine *m = RUN(call_ret);
  CHECK_EQ("CALL rel16 pushed IP", h_rd16(m, H_DATA + 0x50), call_ret_ret1);
  CHECK_EQ("SP after CALL/RET", h_rd16(m, H_DATA + 0x40), H_SP);
  CHECK_REG16(m, ESI, 1);
  CHECK_REG16(m, EDI, 1);
  CHECK_EQ("CALL FAR pushed IP", h_rd16(m, H_DATA + 0x52), call_ret_ret4);
  CHECK_EQ("CALL FAR pushed CS", h_rd16(m, H_DATA + 0x54), 0x1000);
  CHECK_EQ("CS inside the far routine", h_rd16(m, H_DATA + 0x56), 0x0FFF);
  CHECK_REG16(m, ECX, 5);
  CHECK_EQ("CALL FAR [mem] pushed CS", h_rd16(m, H_DATA + 0x58), 0x1000);
  CHECK_EQ("SP after RETF 2", h_rd16(m, H_DATA + 0x44), H_SP);
  CHECK_EQ("argument seen by callee", h_rd16(m, H_DATA + 0x5A), 0x2222);
  CHECK_EQ("SP after RET 4", h_rd16(m, H_DATA + 0x42), H_SP);
  CHECK_EQ("o32 CALL pushed EIP", h_rd32(m, H_DATA + 0x5C), call_ret_ret7);
  CHECK_EQ("SP inside o32 CALL", h_rd16(m, H_DATA + 0x60), H_SP - 4);
  CHECK_EQ("SP after o32 RET", h_rd16(m, H_DATA + 0x46), H_SP);
  CHECK_EQ("final CS", h_sreg(m, SEG_CS), 0x1000);
  h_free(m);
}

static const uint8_t loops[] = {
  0xB9, 0x05, 0x00,                        /* 0000: mov cx, 5 */
  0x31, 0xC0,                              /* 0003: xor ax, ax */
  /* .l1: */
  0x40,                                    /* 0005: inc ax */
  0xE2, 0xFD,                              /* 0006: loop .l1                ; AX = 5, CX = 0 */
  0xA3, 0x00, 0x00,                        /* 0008: mov [0x00], ax */
  0x89, 0x0E, 0x02, 0x00,                  /* 000B: mov [0x02], cx */
  0xB9, 0x0A, 0x00,                        /* 000F: mov cx, 10 */
  0xBE, 0xFF, 0x00,                        /* 0012: mov si, 0x0FF */
  /* .l2: */
  0x46,                                    /* 0015: inc si */
  0x80, 0x3C, 0x00,                        /* 0016: cmp byte [si], 0 */
  0xE1, 0xFA,                              /* 0019: loope .l2               ; stops at the first non-zero byte */
  0x89, 0x36, 0x04, 0x00,                  /* 001B: mov [0x04], si */
  0x89, 0x0E, 0x06, 0x00,                  /* 001F: mov [0x06], cx */
  0xB9, 0x0A, 0x00,                        /* 0023: mov cx, 10 */
  0xBF, 0x0F, 0x01,                        /* 0026: mov di, 0x10F */
  /* .l3: */
  0x47,                                    /* 0029: inc di */
  0x80, 0x3D, 0x00,                        /* 002A: cmp byte [di], 0 */
  0xE0, 0xFA,                              /* 002D: loopne .l3              ; stops at the first zero byte */
  0x89, 0x3E, 0x08, 0x00,                  /* 002F: mov [0x08], di */
  0x89, 0x0E, 0x0A, 0x00,                  /* 0033: mov [0x0A], cx */
  0xB9, 0x03, 0x00,                        /* 0037: mov cx, 3 */
  0xBB, 0x1F, 0x01,                        /* 003A: mov bx, 0x11F */
  /* .l4: */
  0x43,                                    /* 003D: inc bx */
  0x80, 0x3F, 0x00,                        /* 003E: cmp byte [bx], 0 */
  0xE1, 0xFA,                              /* 0041: loope .l4               ; all zero: stops when CX reaches 0 */
  0x89, 0x1E, 0x0C, 0x00,                  /* 0043: mov [0x0C], bx */
  0x89, 0x0E, 0x0E, 0x00,                  /* 0047: mov [0x0E], cx */
  0x66, 0xB9, 0x00, 0x00, 0x01, 0x00,      /* 004B: mov ecx, 0x00010000 */
  0xE3, 0x05,                              /* 0051: jcxz .z1                ; CX = 0: taken */
  0xC6, 0x06, 0x60, 0x00, 0xBB,            /* 0053: mov byte [0x60], 0xBB */
  /* .z1: */
  0x67, 0xE3, 0x05,                        /* 0058: jecxz .z2               ; 67 E3: ECX != 0: not taken */
  0xC6, 0x06, 0x61, 0x00, 0xCC,            /* 005B: mov byte [0x61], 0xCC */
  /* .z2: */
  0x66, 0xB9, 0x01, 0x00, 0x01, 0x00,      /* 0060: mov ecx, 0x00010001 */
  0xE2, 0x05,                              /* 0066: loop .m1                ; CX 1 -> 0: falls through, ECX = 0x00010000 */
  0xC6, 0x06, 0x62, 0x00, 0xDD,            /* 0068: mov byte [0x62], 0xDD */
  /* .m1: */
  0x66, 0x89, 0x0E, 0x10, 0x00,            /* 006D: mov [0x10], ecx */
  0x66, 0xB9, 0x01, 0x00, 0x01, 0x00,      /* 0072: mov ecx, 0x00010001 */
  0x67, 0xE2, 0x05,                        /* 0078: loop .m2, ecx           ; 67 E2: ECX -> 0x00010000: taken */
  0xC6, 0x06, 0x63, 0x00, 0xEE,            /* 007B: mov byte [0x63], 0xEE */
  /* .m2: */
  0x66, 0x89, 0x0E, 0x14, 0x00,            /* 0080: mov [0x14], ecx */
  0xB0, 0x7F,                              /* 0085: mov al, 0x7F */
  0x04, 0x01,                              /* 0087: add al, 1               ; OF SF AF */
  0xB9, 0x02, 0x00,                        /* 0089: mov cx, 2 */
  /* .l5: */
  0xE2, 0xFE,                              /* 008C: loop .l5                ; LOOP leaves the flags alone */
  0xF4,                                    /* 008E: hlt */
};

Test(control, loop_family_and_jcxz) {
  Machine *m = PREPARE(loops);
  static const uint8_t bytes1[] = {0, 0, 0, 7, 0};
  static const uint8_t bytes2[] = {5, 6, 0, 9};
  h_poke(m, H_DATA + 0x100, bytes1, sizeof bytes1);
  h_poke(m, H_DATA + 0x110, bytes2, sizeof bytes2);
  h_run_ok(m);
  CHECK_EQ("LOOP: AX", h_rd16(m, H_DATA + 0x00), 5);
  CHECK_EQ("LOOP: CX", h_rd16(m, H_DATA + 0x02), 0);
  CHECK_EQ("LOOPE: SI", h_rd16(m, H_DATA + 0x04), 0x103);
  CHECK_EQ("LOOPE: CX", h_rd16(m, H_DATA + 0x06), 6);
  CHECK_EQ("LOOPNE: DI", h_rd16(m, H_DATA + 0x08), 0x112);
  CHECK_EQ("LOOPNE: CX", h_rd16(m, H_DATA + 0x0A), 7);
  CHECK_EQ("LOOPE to CX=0: BX", h_rd16(m, H_DATA + 0x0C), 0x122);
  CHECK_EQ("LOOPE to CX=0: CX", h_rd16(m, H_DATA + 0x0E), 0);
  CHECK_EQ("JCXZ with CX=0 (ECX!=0) taken", h_rd8(m, H_DATA + 0x60), 0);
  CHECK_EQ("JECXZ with ECX!=0 not taken", h_rd8(m, H_DATA + 0x61), 0xCC);
  CHECK_EQ("16-bit LOOP 1 -> 0 not taken", h_rd8(m, H_DATA + 0x62), 0xDD);
  CHECK_EQ("16-bit LOOP: ECX", h_rd32(m, H_DATA + 0x10), 0x00010000);
  CHECK_EQ("32-bit LOOP taken", h_rd8(m, H_DATA + 0x63), 0);
  CHECK_EQ("32-bit LOOP: ECX", h_rd32(m, H_DATA + 0x14), 0x00010000);
  CHECK_ARITH(m, F_OF | F_SF | F_AF);
  CHECK_REG16(m, ECX, 0);
  h_free(m);
}

/* INT n to the default stub: FLAGS, CS, IP pushed; IF and TF cleared. */
#define int_n_after 0x0008
static const uint8_t int_n[] = {
  0xFB,                                    /* 0000: sti */
  0xFD,                                    /* 0001: std */
  0xB0, 0x7F,                              /* 0002: mov al, 0x7F */
  0x04, 0x01,                              /* 0004: add al, 1               ; OF SF AF pending in the lazy flags */
  0xCD, 0x21,                              /* 0006: int 0x21 */
  /* after: */
  0xF4,                                    /* 0008: hlt */
};

Test(control, int_n_pushes_flags_cs_ip) {
  Machine *m = PREPARE(int_n);
  int v = h_run(m);
  cr_expect_eq(v, 0x21, "expected vector 0x21, got %d", v);
  CHECK_FAULT(m, 0x21, int_n_after);
  CHECK_EQ("pushed FLAGS", h_stack16(m, 2) & (F_ARITH | F_IF | F_TF | F_DF),
           F_OF | F_SF | F_AF | F_IF | F_DF);
  CHECK_FLAGS(m, F_IF | F_TF, 0);
  CHECK_FLAGS(m, F_DF, F_DF);
  CHECK_REG16(m, ESP, H_SP - 6);
  h_free(m);
}

/* INT to a handler in another segment that edits the saved FLAGS and
 * returns with IRET. */
#define int_iret_handler 0x000F
static const uint8_t int_iret[] = {
  0xB8, 0x00, 0x00,                        /* 0000: mov ax, 0 */
  0xFB,                                    /* 0003: sti */
  0xF8,                                    /* 0004: clc */
  0xCD, 0x40,                              /* 0005: int 0x40 */
  0x83, 0xD0, 0x00,                        /* 0007: adc ax, 0               ; CF = 1 comes from the handler */
  0x89, 0x26, 0x02, 0x00,                  /* 000A: mov [0x02], sp */
  0xF4,                                    /* 000E: hlt */
  /* handler:                  ; runs as 0FFF:(handler + 0x10) */
  0x8C, 0x0E, 0x00, 0x00,                  /* 000F: mov [0x00], cs */
  0x9C,                                    /* 0013: pushf */
  0x5A,                                    /* 0014: pop dx                  ; FLAGS inside the handler */
  0x89, 0xE5,                              /* 0015: mov bp, sp */
  0x83, 0x4E, 0x04, 0x01,                  /* 0017: or word [bp + 4], 1     ; set CF in the saved FLAGS */
  0xBB, 0x34, 0x12,                        /* 001B: mov bx, 0x1234 */
  0xCF,                                    /* 001E: iret */
};

Test(control, int_and_iret_round_trip) {
  Machine *m = PREPARE(int_iret);
  h_set_ivt(m, 0x40, 0x0FFF, (uint16_t)(int_iret_handler + 0x10));
  h_run_ok(m);
  CHECK_REG16(m, EAX, 1);
  CHECK_REG16(m, EBX, 0x1234);
  CHECK_EQ("CS in the handler", h_rd16(m, H_DATA + 0x00), 0x0FFF);
  CHECK_EQ("IF in the handler", h_reg(m, EDX) & F_IF, 0);
  CHECK_EQ("SP after IRET", h_rd16(m, H_DATA + 0x02), H_SP);
  CHECK_EQ("CS after IRET", h_sreg(m, SEG_CS), H_CS);
  CHECK_FLAGS(m, F_IF, F_IF); /* restored by IRET */
  h_free(m);
}

#define int3_cc_after 0x0001
static const uint8_t int3_cc[] = {
  0xCC,                                    /* 0000: int3                    ; CC */
  /* after: */
  0xF4,                                    /* 0001: hlt */
};

#define int3_cd_after 0x0003
static const uint8_t int3_cd[] = {
  0x90,                                    /* 0000: nop */
  0xCD, 0x03,                              /* 0001: int 3                   ; CD 03 */
  /* after: */
  0xF4,                                    /* 0003: hlt */
};

#define int1_f1_after 0x0001
static const uint8_t int1_f1[] = {
  0xF1,                                    /* 0000: int1                    ; F1 (ICEBP) */
  /* after: */
  0xF4,                                    /* 0001: hlt */
};

Test(control, int3_and_int1) {
  Machine *m = PREPARE(int3_cc);
  cr_expect_eq(h_run(m), EXC_BP, "INT3 (CC): expected vector 3");
  CHECK_FAULT(m, EXC_BP, int3_cc_after);
  h_free(m);
  m = PREPARE(int3_cd);
  cr_expect_eq(h_run(m), EXC_BP, "INT 3 (CD 03): expected vector 3");
  CHECK_FAULT(m, EXC_BP, int3_cd_after);
  h_free(m);
  m = PREPARE(int1_f1);
  cr_expect_eq(h_run(m), EXC_DB, "INT1 (F1): expected vector 1");
  CHECK_FAULT(m, EXC_DB, int1_f1_after);
  h_free(m);
}

#define into_code_after 0x000C
static const uint8_t into_code[] = {
  0xB0, 0x10,                              /* 0000: mov al, 0x10 */
  0x04, 0x10,                              /* 0002: add al, 0x10            ; OF = 0 */
  0xCE,                                    /* 0004: into                    ; nothing */
  0xB3, 0x01,                              /* 0005: mov bl, 1 */
  0xB0, 0x7F,                              /* 0007: mov al, 0x7F */
  0x04, 0x01,                              /* 0009: add al, 1               ; OF = 1 */
  0xCE,                                    /* 000B: into */
  /* after: */
  0xF4,                                    /* 000C: hlt */
};

Test(control, into) {
  Machine *m = PREPARE(into_code);
  int v = h_run(m);
  cr_expect_eq(v, EXC_OF, "expected #OF (vector 4), got %d", v);
  CHECK_FAULT(m, EXC_OF, into_code_after);
  CHECK_REG8(m, EBX, 1);
  h_free(m);
}

/* ENTER with nesting levels 0, 1, 3 and 33 (= 1 mod 32), and LEAVE. */
static const uint8_t enter_leave[] = {
  0xBD, 0x00, 0x0F,                        /* 0000: mov bp, 0x0F00 */
  0x36, 0xC7, 0x06, 0xFE, 0x0E, 0x11, 0x11, /* 0003: mov word [ss:0x0EFE], 0x1111 */
  0x36, 0xC7, 0x06, 0xFC, 0x0E, 0x22, 0x22, /* 000A: mov word [ss:0x0EFC], 0x2222 */
  0xC8, 0x10, 0x00, 0x03,                  /* 0011: enter 0x10, 3 */
  0x89, 0x26, 0x00, 0x00,                  /* 0015: mov [0x00], sp */
  0x89, 0x2E, 0x02, 0x00,                  /* 0019: mov [0x02], bp */
  0x8B, 0x46, 0x00,                        /* 001D: mov ax, [bp] */
  0xA3, 0x20, 0x00,                        /* 0020: mov [0x20], ax          ; old BP */
  0x8B, 0x46, 0xFE,                        /* 0023: mov ax, [bp - 2] */
  0xA3, 0x22, 0x00,                        /* 0026: mov [0x22], ax          ; display entry 1 */
  0x8B, 0x46, 0xFC,                        /* 0029: mov ax, [bp - 4] */
  0xA3, 0x24, 0x00,                        /* 002C: mov [0x24], ax          ; display entry 2 */
  0x8B, 0x46, 0xFA,                        /* 002F: mov ax, [bp - 6] */
  0xA3, 0x26, 0x00,                        /* 0032: mov [0x26], ax          ; the new frame pointer */
  0xC9,                                    /* 0035: leave */
  0x89, 0x26, 0x04, 0x00,                  /* 0036: mov [0x04], sp */
  0x89, 0x2E, 0x06, 0x00,                  /* 003A: mov [0x06], bp */
  0xC8, 0x08, 0x00, 0x00,                  /* 003E: enter 8, 0 */
  0x89, 0x26, 0x08, 0x00,                  /* 0042: mov [0x08], sp */
  0x89, 0x2E, 0x0A, 0x00,                  /* 0046: mov [0x0A], bp */
  0xC9,                                    /* 004A: leave */
  0xC8, 0x04, 0x00, 0x01,                  /* 004B: enter 4, 1 */
  0x89, 0x26, 0x0C, 0x00,                  /* 004F: mov [0x0C], sp */
  0x89, 0x2E, 0x0E, 0x00,                  /* 0053: mov [0x0E], bp */
  0xC9,                                    /* 0057: leave */
  0xC8, 0x02, 0x00, 0x21,                  /* 0058: enter 2, 33 */
  0x89, 0x26, 0x10, 0x00,                  /* 005C: mov [0x10], sp */
  0x89, 0x2E, 0x12, 0x00,                  /* 0060: mov [0x12], bp */
  0xC9,                                    /* 0064: leave */
  0x89, 0x26, 0x14, 0x00,                  /* 0065: mov [0x14], sp */
  0x89, 0x2E, 0x16, 0x00,                  /* 0069: mov [0x16], bp */
  0xF4,                                    /* 006D: hlt */
};

Test(control, enter_leave_nesting) {
  Machine *m = RUN(enter_leave);
  /* ENTER 0x10, 3: push BP (0x0F00) at 0x0FFE, copy [BP-2] and [BP-4]
   * of the old frame, push the new frame pointer, BP = 0x0FFE. */
  CHECK_EQ("ENTER 16,3: SP", h_rd16(m, H_DATA + 0x00), 0x0FE8);
  CHECK_EQ("ENTER 16,3: BP", h_rd16(m, H_DATA + 0x02), 0x0FFE);
  CHECK_EQ("ENTER 16,3: [BP] old BP", h_rd16(m, H_DATA + 0x20), 0x0F00);
  CHECK_EQ("ENTER 16,3: [BP-2] display 1", h_rd16(m, H_DATA + 0x22), 0x1111);
  CHECK_EQ("ENTER 16,3: [BP-4] display 2", h_rd16(m, H_DATA + 0x24), 0x2222);
  CHECK_EQ("ENTER 16,3: [BP-6] frame pointer", h_rd16(m, H_DATA + 0x26), 0x0FFE);
  CHECK_EQ("LEAVE: SP", h_rd16(m, H_DATA + 0x04), H_SP);
  CHECK_EQ("LEAVE: BP", h_rd16(m, H_DATA + 0x06), 0x0F00);
  CHECK_EQ("ENTER 8,0: SP", h_rd16(m, H_DATA + 0x08), 0x0FF6);
  CHECK_EQ("ENTER 8,0: BP", h_rd16(m, H_DATA + 0x0A), 0x0FFE);
  CHECK_EQ("ENTER 4,1: SP", h_rd16(m, H_DATA + 0x0C), 0x0FF8);
  CHECK_EQ("ENTER 4,1: BP", h_rd16(m, H_DATA + 0x0E), 0x0FFE);
  CHECK_EQ("ENTER 2,33: SP", h_rd16(m, H_DATA + 0x10), 0x0FFA);
  CHECK_EQ("ENTER 2,33: BP", h_rd16(m, H_DATA + 0x12), 0x0FFE);
  CHECK_EQ("ENTER 2,33: frame pointer pushed at 0FFC", h_rd16(m, H_STACK + 0x0FFC), 0x0FFE);
  CHECK_EQ("final SP", h_rd16(m, H_DATA + 0x14), H_SP);
  CHECK_EQ("final BP", h_rd16(m, H_DATA + 0x16), 0x0F00);
  h_free(m);
}

/* BOUND compares signed: in range (bounds inclusive) does nothing. */
static const uint8_t bound_ok[] = {
  0xC7, 0x06, 0x10, 0x00, 0xF6, 0xFF,      /* 0000: mov word [0x10], 0xFFF6 ; lower -10 */
  0xC7, 0x06, 0x12, 0x00, 0x0A, 0x00,      /* 0006: mov word [0x12], 10     ; upper 10 */
  0xB8, 0x05, 0x00,                        /* 000C: mov ax, 5 */
  0x62, 0x06, 0x10, 0x00,                  /* 000F: bound ax, [0x10] */
  0xB8, 0x0A, 0x00,                        /* 0013: mov ax, 10 */
  0x62, 0x06, 0x10, 0x00,                  /* 0016: bound ax, [0x10]        ; equal to the upper bound */
  0xB8, 0xF6, 0xFF,                        /* 001A: mov ax, 0xFFF6 */
  0x62, 0x06, 0x10, 0x00,                  /* 001D: bound ax, [0x10]        ; equal to the lower bound */
  0xB8, 0xFB, 0xFF,                        /* 0021: mov ax, 0xFFFB */
  0x62, 0x06, 0x10, 0x00,                  /* 0024: bound ax, [0x10]        ; -5: in range (unsigned it would not be) */
  0x66, 0xC7, 0x06, 0x20, 0x00, 0x00, 0xFF, 0xFF, 0xFF, /* 0028: mov dword [0x20], 0xFFFFFF00 */
  0x66, 0xC7, 0x06, 0x24, 0x00, 0x00, 0x01, 0x00, 0x00, /* 0031: mov dword [0x24], 0x00000100 */
  0x66, 0xB8, 0x80, 0xFF, 0xFF, 0xFF,      /* 003A: mov eax, 0xFFFFFF80 */
  0x66, 0x62, 0x06, 0x20, 0x00,            /* 0040: bound eax, [0x20]       ; 66 62: -128 in [-256, 256] */
  0xBB, 0x01, 0x00,                        /* 0045: mov bx, 1 */
  0xF4,                                    /* 0048: hlt */
};

Test(control, bound_in_range) {
  Machine *m = RUN(bound_ok);
  CHECK_REG16(m, EBX, 1);
  h_free(m);
}

#define bound_low_fault 0x000F
static const uint8_t bound_low[] = {
  0xC7, 0x06, 0x10, 0x00, 0x00, 0x00,      /* 0000: mov word [0x10], 0 */
  0xC7, 0x06, 0x12, 0x00, 0x0A, 0x00,      /* 0006: mov word [0x12], 10 */
  0xB8, 0xFF, 0xFF,                        /* 000C: mov ax, 0xFFFF */
  /* fault: */
  0x62, 0x06, 0x10, 0x00,                  /* 000F: bound ax, [0x10]        ; -1 < 0 */
  0xF4,                                    /* 0013: hlt */
};

#define bound_high_fault 0x000F
static const uint8_t bound_high[] = {
  0xC7, 0x06, 0x10, 0x00, 0x00, 0x00,      /* 0000: mov word [0x10], 0 */
  0xC7, 0x06, 0x12, 0x00, 0x0A, 0x00,      /* 0006: mov word [0x12], 10 */
  0xB8, 0x0B, 0x00,                        /* 000C: mov ax, 11 */
  /* fault: */
  0x62, 0x06, 0x10, 0x00,                  /* 000F: bound ax, [0x10]        ; 11 > 10 */
  0xF4,                                    /* 0013: hlt */
};

#define bound_high32_fault 0x0018
static const uint8_t bound_high32[] = {
  0x66, 0xC7, 0x06, 0x20, 0x00, 0x00, 0xFF, 0xFF, 0xFF, /* 0000: mov dword [0x20], 0xFFFFFF00 */
  0x66, 0xC7, 0x06, 0x24, 0x00, 0x00, 0x01, 0x00, 0x00, /* 0009: mov dword [0x24], 0x00000100 */
  0x66, 0xB8, 0x01, 0x01, 0x00, 0x00,      /* 0012: mov eax, 0x00000101 */
  /* fault: */
  0x66, 0x62, 0x06, 0x20, 0x00,            /* 0018: bound eax, [0x20]       ; 257 > 256 */
  0xF4,                                    /* 001D: hlt */
};

Test(control, bound_out_of_range_raises_br) {
  Machine *m = PREPARE(bound_low);
  cr_expect_eq(h_run(m), EXC_BR, "BOUND below: expected #BR (5)");
  CHECK_FAULT(m, EXC_BR, bound_low_fault);
  CHECK_REG16(m, EAX, 0xFFFF);
  h_free(m);
  m = PREPARE(bound_high);
  cr_expect_eq(h_run(m), EXC_BR, "BOUND above: expected #BR (5)");
  CHECK_FAULT(m, EXC_BR, bound_high_fault);
  h_free(m);
  m = PREPARE(bound_high32);
  cr_expect_eq(h_run(m), EXC_BR, "BOUND32 above: expected #BR (5)");
  CHECK_FAULT(m, EXC_BR, bound_high32_fault);
  CHECK_REG(m, EAX, 0x101);
  h_free(m);
}

#define bound_reg_fault 0x0003
static const uint8_t bound_reg[] = {
  0xB8, 0x00, 0x00,                        /* 0000: mov ax, 0 */
  /* fault: */
  0x62, 0xC3,                              /* 0003: db 0x62, 0xC3           ; bound ax, bx (ModRM names a register): #UD */
  0xF4,                                    /* 0005: hlt */
};

Test(control, bound_with_register_operand_is_ud) {
  Machine *m = PREPARE(bound_reg);
  cr_expect_eq(h_run(m), EXC_UD, "BOUND AX, BX: expected #UD (6)");
  CHECK_FAULT(m, EXC_UD, bound_reg_fault);
  h_free(m);
}

/* 32-bit operand size far transfers in 16-bit code: JMP ptr16:32, IRETD
 * and RETFD pop/use 32-bit offsets and 32-bit slots for CS and EFLAGS. */
static const uint8_t far32[] = {
  0x66, 0xEA, 0x19, 0x00, 0x00, 0x00, 0xFF, 0x0F, /* 0000: jmp dword 0x0FFF:(.a + 0x10) ; 66 EA */
  0xF4,                                    /* 0008: hlt */
  /* .a: */
  0x8C, 0x0E, 0x30, 0x00,                  /* 0009: mov [0x30], cs */
  0x66, 0x68, 0x03, 0x08, 0x00, 0x00,      /* 000D: push dword 0x00000803   ; EFLAGS image: OF CF */
  0x66, 0x68, 0x00, 0x10, 0xFF, 0xFF,      /* 0013: push dword 0xFFFF1000   ; CS slot (upper half ignored) */
  0x66, 0x68, 0x22, 0x00, 0x00, 0x00,      /* 0019: push dword .b           ; EIP */
  0x66, 0xCF,                              /* 001F: iretd                   ; 66 CF */
  0xF4,                                    /* 0021: hlt */
  /* .b: */
  0x8C, 0x0E, 0x32, 0x00,                  /* 0022: mov [0x32], cs */
  0x89, 0x26, 0x34, 0x00,                  /* 0026: mov [0x34], sp */
  0x9C,                                    /* 002A: pushf */
  0x58,                                    /* 002B: pop ax */
  0xA3, 0x36, 0x00,                        /* 002C: mov [0x36], ax */
  0x66, 0x68, 0xFF, 0x0F, 0x00, 0x00,      /* 002F: push dword 0x00000FFF */
  0x66, 0x68, 0x4E, 0x00, 0x00, 0x00,      /* 0035: push dword (.c + 0x10) */
  0x66, 0xCB,                              /* 003B: o32 retf                ; 66 CB */
  0xF4,                                    /* 003D: hlt */
  /* .c: */
  0x8C, 0x0E, 0x38, 0x00,                  /* 003E: mov [0x38], cs */
  0x89, 0x26, 0x3A, 0x00,                  /* 0042: mov [0x3A], sp */
  0xEA, 0x4B, 0x00, 0x00, 0x10,            /* 0046: jmp 0x1000:.d */
  /* .d: */
  0xF4,                                    /* 004B: hlt */
};

Test(control, far_transfers_with_32_bit_operands) {
  Machine *m = RUN(far32);
  CHECK_EQ("CS after JMP ptr16:32", h_rd16(m, H_DATA + 0x30), 0x0FFF);
  CHECK_EQ("CS after IRETD", h_rd16(m, H_DATA + 0x32), 0x1000);
  CHECK_EQ("SP after IRETD (12 bytes popped)", h_rd16(m, H_DATA + 0x34), H_SP);
  CHECK_EQ("FLAGS after IRETD", h_rd16(m, H_DATA + 0x36) & (F_ARITH | F_IF | F_DF), F_OF | F_CF);
  CHECK_EQ("CS after RETFD", h_rd16(m, H_DATA + 0x38), 0x0FFF);
  CHECK_EQ("SP after RETFD (8 bytes popped)", h_rd16(m, H_DATA + 0x3A), H_SP);
  CHECK_EQ("final CS", h_sreg(m, SEG_CS), 0x1000);
  h_free(m);
}

/* LOOP and JCXZ pick CX or ECX by the address size; an operand-size
 * prefix does not change the counter. */
static const uint8_t loop_o32[] = {
  0x66, 0xB9, 0x01, 0x00, 0x01, 0x00,      /* 0000: mov ecx, 0x00010001 */
  0x66, 0xE2, 0x05,                        /* 0006: db 0x66, 0xE2, .s1 - ($ + 3) ; o32 loop .s1: CX 1 -> 0, not taken */
  0xC6, 0x06, 0x10, 0x00, 0x01,            /* 0009: mov byte [0x10], 1 */
  /* .s1: */
  0x66, 0x89, 0x0E, 0x14, 0x00,            /* 000E: mov [0x14], ecx */
  0x66, 0xB9, 0x00, 0x00, 0x01, 0x00,      /* 0013: mov ecx, 0x00010000 */
  0x66, 0xE3, 0x05,                        /* 0019: db 0x66, 0xE3, .s2 - ($ + 3) ; o32 jcxz .s2: CX = 0, taken */
  0xC6, 0x06, 0x11, 0x00, 0x01,            /* 001C: mov byte [0x11], 1 */
  /* .s2: */
  0xF4,                                    /* 0021: hlt */
};

Test(control, operand_size_does_not_select_the_loop_counter) {
  Machine *m = RUN(loop_o32);
  CHECK_EQ("o32 LOOP falls through", h_rd8(m, H_DATA + 0x10), 1);
  CHECK_EQ("ECX after o32 LOOP", h_rd32(m, H_DATA + 0x14), 0x00010000);
  CHECK_EQ("o32 JCXZ jumps", h_rd8(m, H_DATA + 0x11), 0);
  h_free(m);
}
