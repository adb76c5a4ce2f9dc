/* String instructions: MOVS CMPS SCAS LODS STOS INS OUTS, with REP, REPE
 * and REPNE, DF=1, 16- and 32-bit addressing (0x67: ESI/EDI/ECX instead
 * of SI/DI/CX) and segment overrides (which apply to the DS:SI source
 * only; ES:DI is never overridden). Per the SDM, CMPS sets flags as for
 * CMP [src], [dst]; SCAS as CMP AL/AX/EAX, [ES:DI]; a REP with a zero
 * count does nothing; REPE/REPNE stop when the count reaches zero or ZF
 * disagrees, after decrementing the count for the last comparison. */
#include "tests/unit/harness.h"

#include <string.h>

static void poke_str(Machine *m, uint32_t addr, const char *s) {
  h_poke(m, addr, s, strlen(s));
}

static void expect_bytes(Machine *m, uint32_t addr, const char *want, size_t n, const char *what) {
  for (size_t i = 0; i < n; i++) {
    uint8_t g = h_rd8(m, addr + (uint32_t)i);
    cr_expect_eq(g, (uint8_t)want[i], "%s byte %zu: expected 0x%02X, got 0x%02X", what, i,
                 (uint8_t)want[i], g);
  }
}

static const uint8_t rep_movsb[] = {
  0xBE, 0x00, 0x01,                        /* 0000: mov si, 0x100 */
  0xBF, 0x00, 0x02,                        /* 0003: mov di, 0x200 */
  0xB9, 0x05, 0x00,                        /* 0006: mov cx, 5 */
  0xFC,                                    /* 0009: cld */
  0xF3, 0xA4,                              /* 000A: rep movsb */
  0xF4,                                    /* 000C: hlt */
};

Test(string, rep_movsb_forward) {
  Machine *m = PREPARE(rep_movsb);
  poke_str(m, H_DATA + 0x100, "HELLO!");
  h_run_ok(m);
  expect_bytes(m, H_EXTRA + 0x200, "HELLO\0", 6, "ES:0x200");
  CHECK_REG(m, ECX, 0);
  CHECK_REG(m, ESI, 0x105);
  CHECK_REG(m, EDI, 0x205);
  h_free(m);
}

static const uint8_t rep_movsw_back[] = {
  0xBE, 0x04, 0x01,                        /* 0000: mov si, 0x104 */
  0xBF, 0x04, 0x02,                        /* 0003: mov di, 0x204 */
  0xB9, 0x03, 0x00,                        /* 0006: mov cx, 3 */
  0xFD,                                    /* 0009: std */
  0xF3, 0xA5,                              /* 000A: rep movsw               ; words at 0x104, 0x102, 0x100 */
  0xFC,                                    /* 000C: cld */
  0xF4,                                    /* 000D: hlt */
};

Test(string, rep_movsw_backward) {
  Machine *m = PREPARE(rep_movsw_back);
  poke_str(m, H_DATA + 0x0FE, "zzABCDEFyy");
  h_run_ok(m);
  expect_bytes(m, H_EXTRA + 0x1FE, "\0\0ABCDEF\0", 9, "ES:0x1FE");
  CHECK_REG(m, ECX, 0);
  CHECK_REG(m, ESI, 0x0FE);
  CHECK_REG(m, EDI, 0x1FE);
  h_free(m);
}

static const uint8_t rep_movsd[] = {
  0xBE, 0x00, 0x01,                        /* 0000: mov si, 0x100 */
  0xBF, 0x00, 0x02,                        /* 0003: mov di, 0x200 */
  0xB9, 0x02, 0x00,                        /* 0006: mov cx, 2 */
  0xF3, 0x66, 0xA5,                        /* 0009: rep movsd               ; F3 66 A5 */
  0xF4,                                    /* 000C: hlt */
};

Test(string, rep_movsd) {
  Machine *m = PREPARE(rep_movsd);
  poke_str(m, H_DATA + 0x100, "0123456789");
  h_run_ok(m);
  expect_bytes(m, H_EXTRA + 0x200, "01234567\0", 9, "ES:0x200");
  CHECK_REG(m, ESI, 0x108);
  CHECK_REG(m, EDI, 0x208);
  h_free(m);
}

static const uint8_t rep_zero_count[] = {
  0xBE, 0x00, 0x01,                        /* 0000: mov si, 0x100 */
  0xBF, 0x00, 0x02,                        /* 0003: mov di, 0x200 */
  0x31, 0xC9,                              /* 0006: xor cx, cx */
  0xF3, 0xA4,                              /* 0008: rep movsb */
  0xB0, 0x55,                              /* 000A: mov al, 0x55 */
  0xF3, 0xAA,                              /* 000C: rep stosb */
  0xF4,                                    /* 000E: hlt */
};

Test(string, rep_with_zero_count_does_nothing) {
  Machine *m = PREPARE(rep_zero_count);
  poke_str(m, H_DATA + 0x100, "X");
  h_run_ok(m);
  CHECK_EQ("ES:0x200", h_rd8(m, H_EXTRA + 0x200), 0);
  CHECK_REG(m, ESI, 0x100);
  CHECK_REG(m, EDI, 0x200);
  CHECK_REG(m, ECX, 0);
  h_free(m);
}

/* With 16-bit addressing only CX counts and only SI/DI move (upper
 * halves untouched, 16-bit wrap); 0x67 switches to ECX/ESI/EDI. */
static const uint8_t addr_size[] = {
  0x66, 0xB9, 0x02, 0x00, 0x01, 0x00,      /* 0000: mov ecx, 0x00010002 */
  0x66, 0xBE, 0x00, 0x01, 0xCD, 0xAB,      /* 0006: mov esi, 0xABCD0100 */
  0x66, 0xBF, 0x00, 0x02, 0x34, 0x12,      /* 000C: mov edi, 0x12340200 */
  0xF3, 0xA4,                              /* 0012: rep movsb               ; CX = 2 iterations */
  0x66, 0x89, 0x0E, 0x10, 0x00,            /* 0014: mov [0x10], ecx */
  0x66, 0x89, 0x36, 0x14, 0x00,            /* 0019: mov [0x14], esi */
  0x66, 0x89, 0x3E, 0x18, 0x00,            /* 001E: mov [0x18], edi */
  0x66, 0xB9, 0x03, 0x00, 0x00, 0x00,      /* 0023: mov ecx, 3 */
  0x66, 0xBE, 0x00, 0x01, 0x00, 0x00,      /* 0029: mov esi, 0x00000100 */
  0x66, 0xBF, 0x00, 0x03, 0x00, 0x00,      /* 002F: mov edi, 0x00000300 */
  0xF3, 0x67, 0xA4,                        /* 0035: a32 rep movsb           ; F3 67 A4 */
  0x66, 0x89, 0x0E, 0x20, 0x00,            /* 0038: mov [0x20], ecx */
  0x66, 0x89, 0x36, 0x24, 0x00,            /* 003D: mov [0x24], esi */
  0x66, 0x89, 0x3E, 0x28, 0x00,            /* 0042: mov [0x28], edi */
  0x66, 0xBE, 0xFF, 0xFF, 0x55, 0x55,      /* 0047: mov esi, 0x5555FFFF */
  0xAC,                                    /* 004D: lodsb                   ; SI wraps to 0, ESI upper half kept */
  0x66, 0x89, 0x36, 0x30, 0x00,            /* 004E: mov [0x30], esi */
  0x66, 0xBE, 0xFF, 0xFF, 0x00, 0x00,      /* 0053: mov esi, 0x0000FFFF */
  0x67, 0xAC,                              /* 0059: a32 lodsb               ; ESI = 0x00010000 */
  0x66, 0x89, 0x36, 0x34, 0x00,            /* 005B: mov [0x34], esi */
  0xF4,                                    /* 0060: hlt */
};

Test(string, address_size_selects_registers) {
  Machine *m = PREPARE(addr_size);
  poke_str(m, H_DATA + 0x100, "abc");
  h_run_ok(m);
  CHECK_EQ("ECX after 16-bit REP", h_rd32(m, H_DATA + 0x10), 0x00010000);
  CHECK_EQ("ESI after 16-bit REP", h_rd32(m, H_DATA + 0x14), 0xABCD0102);
  CHECK_EQ("EDI after 16-bit REP", h_rd32(m, H_DATA + 0x18), 0x12340202);
  expect_bytes(m, H_EXTRA + 0x200, "ab\0", 3, "ES:0x200");
  CHECK_EQ("ECX after 32-bit REP", h_rd32(m, H_DATA + 0x20), 0);
  CHECK_EQ("ESI after 32-bit REP", h_rd32(m, H_DATA + 0x24), 0x103);
  CHECK_EQ("EDI after 32-bit REP", h_rd32(m, H_DATA + 0x28), 0x303);
  expect_bytes(m, H_EXTRA + 0x300, "abc", 3, "ES:0x300");
  CHECK_EQ("ESI after 16-bit LODSB at 0xFFFF", h_rd32(m, H_DATA + 0x30), 0x55550000);
  CHECK_EQ("ESI after 32-bit LODSB at 0xFFFF", h_rd32(m, H_DATA + 0x34), 0x00010000);
  h_free(m);
}

/* A segment override replaces DS for the source; ES:DI stays. */
static const uint8_t seg_override[] = {
  0xBE, 0x10, 0x00,                        /* 0000: mov si, 0x10 */
  0xBF, 0x40, 0x00,                        /* 0003: mov di, 0x40 */
  0xB9, 0x04, 0x00,                        /* 0006: mov cx, 4 */
  0xF3, 0x64, 0xA4,                        /* 0009: rep fs movsb            ; source FS:SI */
  0xBE, 0x20, 0x00,                        /* 000C: mov si, 0x20 */
  0x26, 0xAC,                              /* 000F: es lodsb                ; AL = ES:0x20 */
  0x88, 0xC3,                              /* 0011: mov bl, al */
  0xBE, 0x30, 0x00,                        /* 0013: mov si, 0x30 */
  0xBF, 0x30, 0x00,                        /* 0016: mov di, 0x30 */
  0x36, 0xA6,                              /* 0019: ss cmpsb                ; SS:0x30 vs ES:0x30 */
  0x9F,                                    /* 001B: lahf */
  0x88, 0xE7,                              /* 001C: mov bh, ah */
  0xBE, 0x50, 0x00,                        /* 001E: mov si, 0x50 */
  0x2E, 0xAD,                              /* 0021: cs lodsw                ; CS:0x50 (just past this program) */
  0xF4,                                    /* 0023: hlt */
};

Test(string, segment_override_on_source) {
  Machine *m = PREPARE(seg_override);
  poke_str(m, H_DATA + 0x10, "dddd");
  poke_str(m, (H_FS << 4) + 0x10, "ffff");
  h_wr8(m, H_EXTRA + 0x20, 0xEE);
  h_wr8(m, H_DATA + 0x20, 0xDD);
  h_wr8(m, H_STACK + 0x30, 0x05);
  h_wr8(m, H_DATA + 0x30, 0x05);
  h_wr8(m, H_EXTRA + 0x30, 0x07);
  h_wr16(m, H_CODE + 0x50, 0xBEEF);
  h_run_ok(m);
  expect_bytes(m, H_EXTRA + 0x40, "ffff", 4, "ES:0x40");
  CHECK_REG8(m, EBX, 0xEE);
  /* 5 - 7: CF, SF, AF set (PF of 0xFE is 0), ZF clear */
  CHECK_EQ("flags of CMPS SS:SI, ES:DI (via LAHF)", (h_reg(m, EBX) >> 8) & (F_CF | F_SF | F_ZF | F_AF | F_PF),
           F_CF | F_SF | F_AF);
  CHECK_REG16(m, EAX, 0xBEEF);
  h_free(m);
}

static const uint8_t repe_cmpsb[] = {
  0xBE, 0x00, 0x01,                        /* 0000: mov si, 0x100 */
  0xBF, 0x00, 0x01,                        /* 0003: mov di, 0x100 */
  0xB9, 0x04, 0x00,                        /* 0006: mov cx, 4 */
  0xF3, 0xA6,                              /* 0009: repe cmpsb              ; "ABCD" vs "ABXD": stops at C/X */
  0xF4,                                    /* 000B: hlt */
};

Test(string, repe_cmpsb_stops_at_difference) {
  Machine *m = PREPARE(repe_cmpsb);
  poke_str(m, H_DATA + 0x100, "ABCD");
  poke_str(m, H_EXTRA + 0x100, "ABXD");
  h_run_ok(m);
  CHECK_REG(m, ECX, 1);
  CHECK_REG(m, ESI, 0x103);
  CHECK_REG(m, EDI, 0x103);
  /* 'C' - 'X' = 0x43 - 0x58 = 0xEB: CF SF AF, PF (0xEB has 6 bits) */
  CHECK_ARITH(m, F_CF | F_SF | F_AF | F_PF);
  h_free(m);
}

static const uint8_t repe_cmpsw_equal[] = {
  0xBE, 0x00, 0x01,                        /* 0000: mov si, 0x100 */
  0xBF, 0x00, 0x01,                        /* 0003: mov di, 0x100 */
  0xB9, 0x03, 0x00,                        /* 0006: mov cx, 3 */
  0xF3, 0xA7,                              /* 0009: repe cmpsw              ; all equal: runs until CX = 0 */
  0xF4,                                    /* 000B: hlt */
};

Test(string, repe_cmpsw_all_equal) {
  Machine *m = PREPARE(repe_cmpsw_equal);
  poke_str(m, H_DATA + 0x100, "abcdef");
  poke_str(m, H_EXTRA + 0x100, "abcdef");
  h_run_ok(m);
  CHECK_REG(m, ECX, 0);
  CHECK_REG(m, ESI, 0x106);
  CHECK_REG(m, EDI, 0x106);
  CHECK_ARITH(m, F_ZF | F_PF);
  h_free(m);
}

static const uint8_t repne_cmpsb[] = {
  0xBE, 0x00, 0x01,                        /* 0000: mov si, 0x100 */
  0xBF, 0x00, 0x01,                        /* 0003: mov di, 0x100 */
  0xB9, 0x0A, 0x00,                        /* 0006: mov cx, 10 */
  0xF2, 0xA6,                              /* 0009: repne cmpsb             ; stops at the first equal pair (index 2) */
  0xF4,                                    /* 000B: hlt */
};

Test(string, repne_cmpsb_stops_at_match) {
  Machine *m = PREPARE(repne_cmpsb);
  poke_str(m, H_DATA + 0x100, "abcdef");
  poke_str(m, H_EXTRA + 0x100, "xycxyz");
  h_run_ok(m);
  CHECK_REG(m, ECX, 7);
  CHECK_REG(m, ESI, 0x103);
  CHECK_REG(m, EDI, 0x103);
  CHECK_ARITH(m, F_ZF | F_PF);
  h_free(m);
}

static const uint8_t repne_scasb[] = {
  0xBF, 0x00, 0x03,                        /* 0000: mov di, 0x300 */
  0xB9, 0xFF, 0xFF,                        /* 0003: mov cx, 0xFFFF */
  0x30, 0xC0,                              /* 0006: xor al, al */
  0xFC,                                    /* 0008: cld */
  0xF2, 0xAE,                              /* 0009: repne scasb             ; strlen */
  0xF7, 0xD1,                              /* 000B: not cx */
  0x49,                                    /* 000D: dec cx                  ; CX = length */
  0xF4,                                    /* 000E: hlt */
};

Test(string, repne_scasb_strlen) {
  Machine *m = PREPARE(repne_scasb);
  poke_str(m, H_EXTRA + 0x300, "hello");
  h_run_ok(m);
  CHECK_REG16(m, ECX, 5);
  CHECK_REG16(m, EDI, 0x306);
  h_free(m);
}

static const uint8_t scas_forms[] = {
  0xBF, 0x10, 0x00,                        /* 0000: mov di, 0x10 */
  0xB8, 0x41, 0x41,                        /* 0003: mov ax, 0x4141 */
  0xB9, 0x08, 0x00,                        /* 0006: mov cx, 8 */
  0xF3, 0xAF,                              /* 0009: repe scasw              ; "AAAAAB.." : stops at the 3rd word "AB" */
  0x89, 0x0E, 0x00, 0x00,                  /* 000B: mov [0x00], cx */
  0x89, 0x3E, 0x02, 0x00,                  /* 000F: mov [0x02], di */
  0x9C,                                    /* 0013: pushf */
  0x66, 0xB8, 0x41, 0x42, 0x43, 0x44,      /* 0014: mov eax, 0x44434241 */
  0xBF, 0x20, 0x00,                        /* 001A: mov di, 0x20 */
  0x66, 0xAF,                              /* 001D: scasd                   ; equal: ZF */
  0x9C,                                    /* 001F: pushf */
  0xB0, 0x10,                              /* 0020: mov al, 0x10 */
  0xBF, 0x30, 0x00,                        /* 0022: mov di, 0x30 */
  0xAE,                                    /* 0025: scasb                   ; 0x10 - 0x20: CF SF */
  0x9C,                                    /* 0026: pushf */
  0xFD,                                    /* 0027: std */
  0xBF, 0x42, 0x00,                        /* 0028: mov di, 0x42 */
  0xB0, 0x71,                              /* 002B: mov al, 'q' */
  0xB9, 0x03, 0x00,                        /* 002D: mov cx, 3 */
  0xF2, 0xAE,                              /* 0030: repne scasb             ; backwards from 0x42: 0x42 'x', 0x41 'q' found */
  0xFC,                                    /* 0032: cld */
  0x89, 0x0E, 0x04, 0x00,                  /* 0033: mov [0x04], cx */
  0x89, 0x3E, 0x06, 0x00,                  /* 0037: mov [0x06], di */
  0xF4,                                    /* 003B: hlt */
};

Test(string, scas_forms) {
  Machine *m = PREPARE(scas_forms);
  poke_str(m, H_EXTRA + 0x10, "AAAAABAA");
  poke_str(m, H_EXTRA + 0x20, "ABCD");
  h_wr8(m, H_EXTRA + 0x30, 0x20);
  poke_str(m, H_EXTRA + 0x40, "pqx");
  h_run_ok(m);
  CHECK_EQ("CX after REPE SCASW", h_rd16(m, H_DATA + 0x00), 5);
  CHECK_EQ("DI after REPE SCASW", h_rd16(m, H_DATA + 0x02), 0x16);
  /* 0x4141 - 0x4241 = 0xFF00: CF SF PF */
  CHECK_EQ("flags after REPE SCASW", h_stack16(m, 2) & F_ARITH, F_CF | F_SF | F_PF);
  CHECK_EQ("flags after SCASD", h_stack16(m, 1) & F_ARITH, F_ZF | F_PF);
  /* 0x10 - 0x20 = 0xF0: CF SF PF (AF: 0 - 0 no borrow) */
  CHECK_EQ("flags after SCASB", h_stack16(m, 0) & F_ARITH, F_CF | F_SF | F_PF);
  CHECK_EQ("CX after REPNE SCASB (DF=1)", h_rd16(m, H_DATA + 0x04), 1);
  CHECK_EQ("DI after REPNE SCASB (DF=1)", h_rd16(m, H_DATA + 0x06), 0x40);
  h_free(m);
}

static const uint8_t lods_stos[] = {
  0xBE, 0x00, 0x01,                        /* 0000: mov si, 0x100 */
  0xAC,                                    /* 0003: lodsb */
  0x88, 0xC3,                              /* 0004: mov bl, al */
  0xAD,                                    /* 0006: lodsw */
  0x89, 0xC1,                              /* 0007: mov cx, ax */
  0x66, 0xAD,                              /* 0009: lodsd */
  0x66, 0x89, 0xC2,                        /* 000B: mov edx, eax */
  0xBF, 0x80, 0x00,                        /* 000E: mov di, 0x80 */
  0xB8, 0x34, 0x12,                        /* 0011: mov ax, 0x1234 */
  0xAB,                                    /* 0014: stosw */
  0x66, 0xB8, 0xBE, 0xBA, 0xFE, 0xCA,      /* 0015: mov eax, 0xCAFEBABE */
  0x66, 0xAB,                              /* 001B: stosd */
  0xB0, 0x77,                              /* 001D: mov al, 0x77 */
  0xAA,                                    /* 001F: stosb */
  0xFD,                                    /* 0020: std */
  0xBF, 0x9F, 0x00,                        /* 0021: mov di, 0x9F */
  0xB0, 0x5A,                              /* 0024: mov al, 0x5A */
  0xB9, 0x04, 0x00,                        /* 0026: mov cx, 4 */
  0xF3, 0xAA,                              /* 0029: rep stosb               ; fills 0x9C..0x9F */
  0xFC,                                    /* 002B: cld */
  0xBE, 0x00, 0x01,                        /* 002C: mov si, 0x100 */
  0xB9, 0x03, 0x00,                        /* 002F: mov cx, 3 */
  0xF3, 0xAC,                              /* 0032: rep lodsb               ; AL ends with the third byte */
  0xF4,                                    /* 0034: hlt */
};

Test(string, lods_stos) {
  Machine *m = PREPARE(lods_stos);
  static const uint8_t src[] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
  h_poke(m, H_DATA + 0x100, src, sizeof src);
  h_run_ok(m);
  CHECK_REG8(m, EBX, 0x11);
  CHECK_REG16(m, ECX, 0);
  CHECK_REG(m, EDX, 0x77665544);
  CHECK_EQ("ES:0x80 word", h_rd16(m, H_EXTRA + 0x80), 0x1234);
  CHECK_EQ("ES:0x82 dword", h_rd32(m, H_EXTRA + 0x82), 0xCAFEBABE);
  CHECK_EQ("ES:0x86 byte", h_rd8(m, H_EXTRA + 0x86), 0x77);
  CHECK_EQ("ES:0x9C dword", h_rd32(m, H_EXTRA + 0x9C), 0x5A5A5A5A);
  CHECK_EQ("ES:0x9B (untouched)", h_rd8(m, H_EXTRA + 0x9B), 0);
  CHECK_EQ("ES:0xA0 (untouched)", h_rd8(m, H_EXTRA + 0xA0), 0);
  CHECK_REG16(m, EDI, 0x9B);
  CHECK_REG8(m, EAX, 0x33);
  CHECK_REG16(m, ESI, 0x103);
  h_free(m);
}

/* MOVS/LODS/STOS/SCAS leave flags alone. */
static const uint8_t string_flags_kept[] = {
  0xB0, 0x7F,                              /* 0000: mov al, 0x7F */
  0x04, 0x01,                              /* 0002: add al, 1               ; OF SF AF */
  0xBE, 0x10, 0x00,                        /* 0004: mov si, 0x10 */
  0xBF, 0x10, 0x00,                        /* 0007: mov di, 0x10 */
  0xA4,                                    /* 000A: movsb */
  0xAC,                                    /* 000B: lodsb */
  0xAA,                                    /* 000C: stosb */
  0xF4,                                    /* 000D: hlt */
};

Test(string, moves_keep_flags) {
  Machine *m = RUN(string_flags_kept);
  CHECK_ARITH(m, F_OF | F_SF | F_AF);
  h_free(m);
}

/* A port device for INS/OUTS: IN returns a running counter; OUT records. */
typedef struct {
  uint8_t next;
  uint32_t out[16];
  int nout;
  int out_size;
} StrPort;

static uint32_t strport_in(void *opaque, uint16_t port, int size) {
  (void)port;
  StrPort *p = opaque;
  uint32_t v = 0;
  for (int i = 0; i < size; i++) v |= (uint32_t)p->next++ << (8 * i);
  return v;
}

static void strport_out(void *opaque, uint16_t port, int size, uint32_t value) {
  (void)port;
  StrPort *p = opaque;
  if (p->nout < 16) p->out[p->nout++] = value;
  p->out_size = size;
}

static const IoPortOps strport_ops = {strport_in, strport_out};

static const uint8_t ins_code[] = {
  0xBA, 0x00, 0x03,                        /* 0000: mov dx, 0x300 */
  0xBF, 0x10, 0x00,                        /* 0003: mov di, 0x10 */
  0xB9, 0x04, 0x00,                        /* 0006: mov cx, 4 */
  0xF3, 0x6C,                              /* 0009: rep insb */
  0xB9, 0x02, 0x00,                        /* 000B: mov cx, 2 */
  0xF3, 0x6D,                              /* 000E: rep insw */
  0xFD,                                    /* 0010: std */
  0xBF, 0x3C, 0x00,                        /* 0011: mov di, 0x3C */
  0x66, 0x6D,                              /* 0014: insd                    ; DF=1: EDI decreases by 4 */
  0xFC,                                    /* 0016: cld */
  0xF4,                                    /* 0017: hlt */
};

Test(string, ins) {
  StrPort p = {.next = 0x10};
  Machine *m = PREPARE(ins_code);
  cr_assert_eq(iobus_register(m->io, 0x300, 4, &strport_ops, &p, "strport"), 0);
  h_run_ok(m);
  CHECK_EQ("ES:0x10 dword (4 x INSB)", h_rd32(m, H_EXTRA + 0x10), 0x13121110);
  CHECK_EQ("ES:0x14 dword (2 x INSW)", h_rd32(m, H_EXTRA + 0x14), 0x17161514);
  CHECK_EQ("ES:0x3C dword (INSD)", h_rd32(m, H_EXTRA + 0x3C), 0x1B1A1918);
  CHECK_REG16(m, EDI, 0x38);
  CHECK_REG16(m, ECX, 0);
  h_free(m);
}

static const uint8_t outs_code[] = {
  0xBA, 0x00, 0x03,                        /* 0000: mov dx, 0x300 */
  0xBE, 0x10, 0x00,                        /* 0003: mov si, 0x10 */
  0xB9, 0x03, 0x00,                        /* 0006: mov cx, 3 */
  0xF3, 0x6E,                              /* 0009: rep outsb */
  0xBE, 0x20, 0x00,                        /* 000B: mov si, 0x20 */
  0xB9, 0x02, 0x00,                        /* 000E: mov cx, 2 */
  0xF3, 0x65, 0x6F,                        /* 0011: rep gs outsw            ; source GS:SI */
  0xF4,                                    /* 0014: hlt */
};

Test(string, outs_with_override) {
  StrPort p = {0};
  Machine *m = PREPARE(outs_code);
  cr_assert_eq(iobus_register(m->io, 0x300, 4, &strport_ops, &p, "strport"), 0);
  poke_str(m, H_DATA + 0x10, "xyz");
  h_wr16(m, (H_GS << 4) + 0x20, 0x1234);
  h_wr16(m, (H_GS << 4) + 0x22, 0x5678);
  h_run_ok(m);
  cr_expect_eq(p.nout, 5, "expected 5 port writes, got %d", p.nout);
  CHECK_EQ("OUTSB 1", p.out[0], 'x');
  CHECK_EQ("OUTSB 2", p.out[1], 'y');
  CHECK_EQ("OUTSB 3", p.out[2], 'z');
  CHECK_EQ("OUTSW 1 (GS)", p.out[3], 0x1234);
  CHECK_EQ("OUTSW 2 (GS)", p.out[4], 0x5678);
  CHECK_EQ("last OUTS size", p.out_size, 2);
  CHECK_REG16(m, ESI, 0x24);
  h_free(m);
}

/* A long REP MOVS over 64 KiB-wrapping DI (16-bit addressing). */
static const uint8_t movs_wrap[] = {
  0xBE, 0x00, 0x00,                        /* 0000: mov si, 0x0000 */
  0xBF, 0xFE, 0xFF,                        /* 0003: mov di, 0xFFFE */
  0xB9, 0x04, 0x00,                        /* 0006: mov cx, 4 */
  0xF3, 0xA4,                              /* 0009: rep movsb               ; ES:FFFE, ES:FFFF, then ES:0000, ES:0001 */
  0xF4,                                    /* 000B: hlt */
};

Test(string, di_wraps_at_64k) {
  Machine *m = PREPARE(movs_wrap);
  poke_str(m, H_DATA, "WXYZ");
  h_run_ok(m);
  CHECK_EQ("ES:FFFE", h_rd8(m, H_EXTRA + 0xFFFE), 'W');
  CHECK_EQ("ES:FFFF", h_rd8(m, H_EXTRA + 0xFFFF), 'X');
  CHECK_EQ("ES:0000", h_rd8(m, H_EXTRA + 0x0000), 'Y');
  CHECK_EQ("ES:0001", h_rd8(m, H_EXTRA + 0x0001), 'Z');
  CHECK_EQ("ES+0x10000 (must not be written)", h_rd8(m, H_EXTRA + 0x10000), 0);
  CHECK_REG(m, EDI, 0x0002);
  h_free(m);
}

/* A fault in the middle of REP MOVSW leaves the registers describing the
 * iterations done so far and points at the REP instruction, so the
 * handler can resume it (SDM: REP is restartable). */
#define rep_fault_fault 0x0009
static const uint8_t rep_fault[] = {
  0xBE, 0x00, 0x00,                        /* 0000: mov si, 0 */
  0xBF, 0xF9, 0xFF,                        /* 0003: mov di, 0xFFF9 */
  0xB9, 0x05, 0x00,                        /* 0006: mov cx, 5 */
  /* fault: */
  0xF3, 0xA5,                              /* 0009: rep movsw               ; the 4th word would be ES:FFFF-10000: #GP */
  0xF4,                                    /* 000B: hlt */
};

Test(string, fault_inside_rep_is_restartable) {
  Machine *m = PREPARE(rep_fault);
  poke_str(m, H_DATA, "aabbccddee");
  int v = h_run(m);
  cr_expect_eq(v, EXC_GP, "expected #GP (13), got %d", v);
  CHECK_FAULT(m, EXC_GP, rep_fault_fault);
  CHECK_REG16(m, ECX, 2);
  CHECK_REG16(m, ESI, 6);
  CHECK_REG16(m, EDI, 0xFFFF);
  expect_bytes(m, H_EXTRA + 0xFFF9, "aabbcc", 6, "ES:FFF9");
  CHECK_EQ("ES:FFFF (not written)", h_rd8(m, H_EXTRA + 0xFFFF), 0);
  h_free(m);
}
