/* Data movement: MOV (all forms, moffs, Sreg), XCHG, XADD, CMPXCHG,
 * CMPXCHG8B, MOVZX/MOVSX, CMOVcc, SETcc, BSWAP, LEA (16- and 32-bit
 * addressing, SIB), LDS/LES/LSS/LFS/LGS, XLAT, LAHF/SAHF, CBW/CWDE/CWD/CDQ.
 * Expectations follow the Intel SDM; notably MOV r32, Sreg zero-fills
 * the upper half on P6, CMPXCHG8B changes only ZF, and XADD/CMPXCHG set
 * flags as ADD/CMP. */
#include "tests/unit/harness.h"

static const uint8_t mov_forms[] = {
  0x66, 0xB8, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0000: mov eax, 0xFFFFFFFF */
  0xB0, 0x12,                              /* 0006: mov al, 0x12            ; B0 */
  0xB4, 0x34,                              /* 0008: mov ah, 0x34            ; B4 */
  0xBB, 0x78, 0x56,                        /* 000A: mov bx, 0x5678          ; BB */
  0x66, 0xB9, 0xF0, 0xDE, 0xBC, 0x9A,      /* 000D: mov ecx, 0x9ABCDEF0     ; 66 B9 */
  0x88, 0xE2,                              /* 0013: mov dl, ah              ; 88 /r (byte registers) */
  0x88, 0xCE,                              /* 0015: mov dh, cl              ; DH = 0xF0 */
  0x89, 0x1E, 0x10, 0x00,                  /* 0017: mov [0x10], bx          ; 89 /r */
  0x8B, 0x36, 0x10, 0x00,                  /* 001B: mov si, [0x10]          ; 8B /r */
  0xC6, 0x06, 0x12, 0x00, 0xAB,            /* 001F: mov byte [0x12], 0xAB   ; C6 /0 */
  0xC7, 0x06, 0x14, 0x00, 0xEF, 0xCD,      /* 0024: mov word [0x14], 0xCDEF ; C7 /0 */
  0x66, 0xC7, 0x06, 0x18, 0x00, 0x04, 0x03, 0x02, 0x01, /* 002A: mov dword [0x18], 0x01020304 ; 66 C7 /0 */
  0xBF, 0x20, 0x00,                        /* 0033: mov di, 0x20 */
  0x66, 0x89, 0x4D, 0x02,                  /* 0036: mov [di + 2], ecx       ; 66 89 [di+disp8] */
  0x8B, 0x6D, 0x03,                        /* 003A: mov bp, [di + 3]        ; 0xBCDE */
  0x26, 0xA3, 0x30, 0x00,                  /* 003D: mov [es:0x30], ax       ; segment override */
  0xBC, 0x00, 0x10,                        /* 0041: mov sp, 0x1000 */
  0xF4,                                    /* 0044: hlt */
};

Test(move, mov_forms) {
  Machine *m = RUN(mov_forms);
  CHECK_REG(m, EAX, 0xFFFF3412);
  CHECK_REG(m, EBX, 0x5678);
  CHECK_REG(m, ECX, 0x9ABCDEF0);
  CHECK_REG16(m, EDX, 0xF034);
  CHECK_REG(m, ESI, 0x5678);
  CHECK_EQ("byte [0x12]", h_rd8(m, H_DATA + 0x12), 0xAB);
  CHECK_EQ("word [0x14]", h_rd16(m, H_DATA + 0x14), 0xCDEF);
  CHECK_EQ("dword [0x18]", h_rd32(m, H_DATA + 0x18), 0x01020304);
  CHECK_EQ("dword [0x22]", h_rd32(m, H_DATA + 0x22), 0x9ABCDEF0);
  CHECK_REG(m, EBP, 0xBCDE);
  CHECK_EQ("word [ES:0x30]", h_rd16(m, H_EXTRA + 0x30), 0x3412);
  CHECK_EQ("DS:0x30 untouched", h_rd16(m, H_DATA + 0x30), 0);
  h_free(m);
}

/* MOV AL/AX/EAX <-> moffs (A0-A3): offset size follows the address size. */
static const uint8_t mov_moffs[] = {
  0xC7, 0x06, 0x30, 0x00, 0x57, 0x13,      /* 0000: mov word [0x30], 0x1357 */
  0xA1, 0x30, 0x00,                        /* 0006: mov ax, [0x30]          ; A1 moffs16 */
  0xA2, 0x32, 0x00,                        /* 0009: mov [0x32], al          ; A2 */
  0x66, 0xC7, 0x06, 0x34, 0x00, 0xDD, 0xCC, 0xBB, 0xAA, /* 000C: mov dword [0x34], 0xAABBCCDD */
  0x66, 0x8B, 0x1E, 0x34, 0x00,            /* 0015: mov ebx, [0x34]         ; (8B) */
  0x66, 0xA1, 0x34, 0x00,                  /* 001A: mov eax, [0x34]         ; 66 A1 */
  0x66, 0xA3, 0x38, 0x00,                  /* 001E: mov [0x38], eax         ; 66 A3 */
  0x67, 0x8A, 0x0D, 0x35, 0x00, 0x00, 0x00, /* 0022: mov cl, [dword 0x35]    ; 67 8A 0D disp32 */
  0x67, 0xA0, 0x36, 0x00, 0x00, 0x00,      /* 0029: mov al, [dword 0x36]    ; 67 A0 moffs32 */
  0x88, 0xC2,                              /* 002F: mov dl, al */
  0x26, 0xA0, 0x40, 0x00,                  /* 0031: mov al, [es:0x40]       ; 26 A0 */
  0x88, 0xC6,                              /* 0035: mov dh, al */
  0xB8, 0xA5, 0x5A,                        /* 0037: mov ax, 0x5AA5 */
  0x67, 0xA3, 0x3C, 0x00, 0x00, 0x00,      /* 003A: mov [dword 0x3C], ax    ; 67 A3 moffs32 */
  0xF4,                                    /* 0040: hlt */
};

Test(move, mov_moffs) {
  Machine *m = PREPARE(mov_moffs);
  h_wr8(m, H_EXTRA + 0x40, 0xE5);
  h_run_ok(m);
  CHECK_EQ("byte [0x32]", h_rd8(m, H_DATA + 0x32), 0x57);
  CHECK_REG(m, EBX, 0xAABBCCDD);
  CHECK_EQ("dword [0x38]", h_rd32(m, H_DATA + 0x38), 0xAABBCCDD);
  CHECK_REG8(m, ECX, 0xCC);
  CHECK_REG16(m, EDX, 0xE5BB);
  CHECK_EQ("word [0x3C]", h_rd16(m, H_DATA + 0x3C), 0x5AA5);
  h_free(m);
}

static const uint8_t mov_sreg[] = {
  0xB8, 0x00, 0x21,                        /* 0000: mov ax, 0x2100 */
  0x8E, 0xD8,                              /* 0003: mov ds, ax              ; 8E D8 */
  0x8A, 0x1E, 0x00, 0x00,                  /* 0005: mov bl, [0]             ; physical 0x21000 */
  0xB8, 0x00, 0x20,                        /* 0009: mov ax, 0x2000 */
  0x8E, 0xD8,                              /* 000C: mov ds, ax */
  0xC7, 0x06, 0x50, 0x00, 0x00, 0x31,      /* 000E: mov word [0x50], 0x3100 */
  0x8E, 0x06, 0x50, 0x00,                  /* 0014: mov es, [0x50]          ; 8E /0 from memory */
  0x26, 0x8A, 0x3E, 0x00, 0x00,            /* 0018: mov bh, [es:0]          ; physical 0x31000 */
  0xC7, 0x06, 0x52, 0x00, 0xFF, 0xFF,      /* 001D: mov word [0x52], 0xFFFF */
  0x8C, 0x26, 0x52, 0x00,                  /* 0023: mov [0x52], fs          ; 8C to memory: 16 bits */
  0x66, 0xC7, 0x06, 0x54, 0x00, 0xAA, 0xAA, 0xAA, 0xAA, /* 0027: mov dword [0x54], 0xAAAAAAAA */
  0x66, 0x8C, 0x26, 0x54, 0x00,            /* 0030: db 0x66, 0x8C, 0x26, 0x54, 0x00 ; o32 mov [0x54], fs: still a 16-bit store */
  0x66, 0xB9, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0035: mov ecx, 0xFFFFFFFF */
  0x66, 0x8C, 0xE9,                        /* 003B: mov ecx, gs             ; 66 8C: P6 zero-fills the upper half */
  0x8C, 0xD2,                              /* 003E: mov dx, ss              ; 8C D2 */
  0xB8, 0x00, 0x30,                        /* 0040: mov ax, 0x3000 */
  0x8E, 0xC0,                              /* 0043: mov es, ax */
  0xF4,                                    /* 0045: hlt */
};

Test(move, mov_sreg) {
  Machine *m = PREPARE(mov_sreg);
  h_wr8(m, 0x21000, 0x21);
  h_wr8(m, 0x31000, 0x31);
  h_run_ok(m);
  CHECK_REG16(m, EBX, 0x3121);
  CHECK_EQ("word [0x52]", h_rd16(m, H_DATA + 0x52), H_FS);
  CHECK_EQ("dword [0x54] after o32 MOV [m], FS", h_rd32(m, H_DATA + 0x54), 0xAAAA0000 | H_FS);
  CHECK_REG(m, ECX, H_GS);
  CHECK_REG16(m, EDX, H_SS);
  CHECK_EQ("DS", h_sreg(m, SEG_DS), H_DS);
  CHECK_EQ("DS base", m->c->seg[SEG_DS].base, H_DATA);
  h_free(m);
}

#define mov_cs_ud_fault 0x0003
static const uint8_t mov_cs_ud[] = {
  0xB8, 0x34, 0x12,                        /* 0000: mov ax, 0x1234 */
  /* fault: */
  0x8E, 0xC8,                              /* 0003: db 0x8E, 0xC8           ; mov cs, ax: #UD */
  0xF4,                                    /* 0005: hlt */
};

#define mov_sreg7_ud_fault 0x0000
static const uint8_t mov_sreg7_ud[] = {
  /* fault: */
  0x8E, 0xF8,                              /* 0000: db 0x8E, 0xF8           ; mov (segment register 7), ax: #UD */
  0xF4,                                    /* 0002: hlt */
};

Test(move, mov_to_cs_or_bad_sreg_is_ud) {
  Machine *m = PREPARE(mov_cs_ud);
  cr_expect_eq(h_run(m), EXC_UD, "MOV CS, AX: expected #UD");
  CHECK_FAULT(m, EXC_UD, mov_cs_ud_fault);
  CHECK_EQ("CS at the fault", h_stack16(m, 1), H_CS);
  h_free(m);
  m = PREPARE(mov_sreg7_ud);
  cr_expect_eq(h_run(m), EXC_UD, "MOV Sreg7, AX: expected #UD");
  CHECK_FAULT(m, EXC_UD, mov_sreg7_ud_fault);
  h_free(m);
}

static const uint8_t xchg_forms[] = {
  0xB8, 0x01, 0x00,                        /* 0000: mov ax, 1 */
  0xBB, 0x02, 0x00,                        /* 0003: mov bx, 2 */
  0x93,                                    /* 0006: xchg ax, bx             ; 93 */
  0xB9, 0x03, 0x00,                        /* 0007: mov cx, 3 */
  0xBA, 0x04, 0x00,                        /* 000A: mov dx, 4 */
  0x87, 0xCA,                              /* 000D: xchg cx, dx             ; 87 /r */
  0xC6, 0x06, 0x10, 0x00, 0x55,            /* 000F: mov byte [0x10], 0x55 */
  0xB4, 0xAA,                              /* 0014: mov ah, 0xAA */
  0x86, 0x26, 0x10, 0x00,                  /* 0016: xchg ah, [0x10]         ; 86 /r with memory */
  0x66, 0xBE, 0x11, 0x11, 0x11, 0x11,      /* 001A: mov esi, 0x11111111 */
  0x66, 0xBF, 0x22, 0x22, 0x22, 0x22,      /* 0020: mov edi, 0x22222222 */
  0x66, 0x87, 0xF7,                        /* 0026: xchg esi, edi           ; 66 87 */
  0x66, 0xC7, 0x06, 0x14, 0x00, 0x33, 0x33, 0x33, 0x33, /* 0029: mov dword [0x14], 0x33333333 */
  0x66, 0xBD, 0x44, 0x44, 0x44, 0x44,      /* 0032: mov ebp, 0x44444444 */
  0x66, 0x87, 0x2E, 0x14, 0x00,            /* 0038: xchg [0x14], ebp        ; 66 87 memory */
  0x90,                                    /* 003D: nop                     ; 90 (xchg ax, ax) */
  0xF4,                                    /* 003E: hlt */
};

Test(move, xchg) {
  Machine *m = RUN(xchg_forms);
  CHECK_REG16(m, EAX, 0x5502);
  CHECK_REG16(m, EBX, 1);
  CHECK_REG16(m, ECX, 4);
  CHECK_REG16(m, EDX, 3);
  CHECK_EQ("byte [0x10]", h_rd8(m, H_DATA + 0x10), 0xAA);
  CHECK_REG(m, ESI, 0x22222222);
  CHECK_REG(m, EDI, 0x11111111);
  CHECK_REG(m, EBP, 0x33333333);
  CHECK_EQ("dword [0x14]", h_rd32(m, H_DATA + 0x14), 0x44444444);
  h_free(m);
}

static const uint8_t xadd_forms[] = {
  0xB8, 0x01, 0x00,                        /* 0000: mov ax, 0x0001 */
  0xC7, 0x06, 0x20, 0x00, 0xFF, 0xFF,      /* 0003: mov word [0x20], 0xFFFF */
  0x0F, 0xC1, 0x06, 0x20, 0x00,            /* 0009: xadd [0x20], ax         ; [0x20] = 0, AX = 0xFFFF; flags of 0xFFFF + 1 */
  0x9C,                                    /* 000E: pushf */
  0xB3, 0x7F,                              /* 000F: mov bl, 0x7F */
  0xB1, 0x01,                              /* 0011: mov cl, 0x01 */
  0x0F, 0xC0, 0xCB,                        /* 0013: xadd bl, cl             ; BL = 0x80, CL = 0x7F; flags of 0x7F + 1 */
  0x9C,                                    /* 0016: pushf */
  0x66, 0xBA, 0x05, 0x00, 0x00, 0x00,      /* 0017: mov edx, 5 */
  0x66, 0x0F, 0xC1, 0xD2,                  /* 001D: xadd edx, edx           ; same register: the sum wins (10) */
  0x66, 0xBE, 0x00, 0x00, 0x00, 0x80,      /* 0021: mov esi, 0x80000000 */
  0x66, 0xBF, 0x00, 0x00, 0x00, 0x80,      /* 0027: mov edi, 0x80000000 */
  0x66, 0x0F, 0xC1, 0xFE,                  /* 002D: xadd esi, edi           ; ESI = 0, EDI = 0x80000000 */
  0x9C,                                    /* 0031: pushf */
  0xF4,                                    /* 0032: hlt */
};

Test(move, xadd) {
  Machine *m = RUN(xadd_forms);
  CHECK_EQ("word [0x20]", h_rd16(m, H_DATA + 0x20), 0);
  CHECK_REG16(m, EAX, 0xFFFF);
  CHECK_REG8(m, EBX, 0x80);
  CHECK_REG8(m, ECX, 0x7F);
  CHECK_REG(m, EDX, 10);
  CHECK_REG(m, ESI, 0);
  CHECK_REG(m, EDI, 0x80000000);
  CHECK_EQ("flags XADD 0xFFFF+1", h_stack16(m, 2) & F_ARITH, F_CF | F_ZF | F_AF | F_PF);
  CHECK_EQ("flags XADD 0x7F+1", h_stack16(m, 1) & F_ARITH, F_OF | F_SF | F_AF);
  CHECK_EQ("flags XADD 2^31+2^31", h_stack16(m, 0) & F_ARITH, F_CF | F_OF | F_ZF | F_PF);
  h_free(m);
}

static const uint8_t cmpxchg_forms[] = {
  0xB0, 0x10,                              /* 0000: mov al, 0x10 */
  0xC6, 0x06, 0x30, 0x00, 0x10,            /* 0002: mov byte [0x30], 0x10 */
  0xB3, 0x99,                              /* 0007: mov bl, 0x99 */
  0x0F, 0xB0, 0x1E, 0x30, 0x00,            /* 0009: cmpxchg [0x30], bl      ; equal: [0x30] = 0x99, ZF */
  0x9C,                                    /* 000E: pushf */
  0xB0, 0x11,                              /* 000F: mov al, 0x11 */
  0x0F, 0xB0, 0x1E, 0x30, 0x00,            /* 0011: cmpxchg [0x30], bl      ; 0x11 != 0x99: AL = 0x99, flags of 0x11 - 0x99 */
  0x9C,                                    /* 0016: pushf */
  0xA2, 0x31, 0x00,                        /* 0017: mov [0x31], al */
  0xB8, 0x34, 0x12,                        /* 001A: mov ax, 0x1234 */
  0xB9, 0x34, 0x12,                        /* 001D: mov cx, 0x1234 */
  0xBA, 0x78, 0x56,                        /* 0020: mov dx, 0x5678 */
  0x0F, 0xB1, 0xD1,                        /* 0023: cmpxchg cx, dx          ; equal: CX = 0x5678 */
  0x89, 0x0E, 0x32, 0x00,                  /* 0026: mov [0x32], cx */
  0x66, 0xB8, 0x01, 0x00, 0x00, 0x00,      /* 002A: mov eax, 1 */
  0x66, 0xBE, 0x02, 0x00, 0x00, 0x00,      /* 0030: mov esi, 2 */
  0x66, 0xBF, 0x03, 0x00, 0x00, 0x00,      /* 0036: mov edi, 3 */
  0x66, 0x0F, 0xB1, 0xFE,                  /* 003C: cmpxchg esi, edi        ; not equal: EAX = 2, ESI stays 2 */
  0x9C,                                    /* 0040: pushf */
  0xF4,                                    /* 0041: hlt */
};

Test(move, cmpxchg) {
  Machine *m = RUN(cmpxchg_forms);
  CHECK_EQ("byte [0x30]", h_rd8(m, H_DATA + 0x30), 0x99);
  CHECK_EQ("AL after the failed CMPXCHG", h_rd8(m, H_DATA + 0x31), 0x99);
  CHECK_EQ("CX after CMPXCHG CX, DX", h_rd16(m, H_DATA + 0x32), 0x5678);
  CHECK_REG(m, EAX, 2);
  CHECK_REG(m, ESI, 2);
  CHECK_REG(m, EDI, 3);
  CHECK_EQ("flags, equal", h_stack16(m, 2) & F_ARITH, F_ZF | F_PF);
  CHECK_EQ("flags, 0x11 vs 0x99", h_stack16(m, 1) & F_ARITH, F_CF | F_AF | F_PF);
  /* 1 - 2 = 0xFFFFFFFF: CF SF AF PF */
  CHECK_EQ("flags, 1 vs 2", h_stack16(m, 0) & F_ARITH, F_CF | F_SF | F_AF | F_PF);
  h_free(m);
}

static const uint8_t cmpxchg8b_code[] = {
  0x66, 0xC7, 0x06, 0x40, 0x00, 0x11, 0x11, 0x11, 0x11, /* 0000: mov dword [0x40], 0x11111111 */
  0x66, 0xC7, 0x06, 0x44, 0x00, 0x22, 0x22, 0x22, 0x22, /* 0009: mov dword [0x44], 0x22222222 */
  0x66, 0xB8, 0x11, 0x11, 0x11, 0x11,      /* 0012: mov eax, 0x11111111 */
  0x66, 0xBA, 0x22, 0x22, 0x22, 0x22,      /* 0018: mov edx, 0x22222222 */
  0x66, 0xBB, 0xAA, 0xAA, 0xAA, 0xAA,      /* 001E: mov ebx, 0xAAAAAAAA */
  0x66, 0xB9, 0xBB, 0xBB, 0xBB, 0xBB,      /* 0024: mov ecx, 0xBBBBBBBB */
  0x68, 0x87, 0x00,                        /* 002A: push word 0x0087        ; SF PF CF */
  0x9D,                                    /* 002D: popf */
  0x0F, 0xC7, 0x0E, 0x40, 0x00,            /* 002E: cmpxchg8b [0x40]        ; equal: m64 = ECX:EBX, ZF = 1, other flags kept */
  0x9C,                                    /* 0033: pushf */
  0x66, 0xB8, 0x00, 0x00, 0x00, 0x00,      /* 0034: mov eax, 0 */
  0x66, 0xBA, 0x00, 0x00, 0x00, 0x00,      /* 003A: mov edx, 0 */
  0x6A, 0x52,                              /* 0040: push word 0x0052        ; ZF AF */
  0x9D,                                    /* 0042: popf */
  0x0F, 0xC7, 0x0E, 0x40, 0x00,            /* 0043: cmpxchg8b [0x40]        ; not equal: EDX:EAX = m64, ZF = 0 */
  0x9C,                                    /* 0048: pushf */
  0xF4,                                    /* 0049: hlt */
};

Test(move, cmpxchg8b) {
  Machine *m = RUN(cmpxchg8b_code);
  CHECK_EQ("m64 low", h_rd32(m, H_DATA + 0x40), 0xAAAAAAAA);
  CHECK_EQ("m64 high", h_rd32(m, H_DATA + 0x44), 0xBBBBBBBB);
  CHECK_REG(m, EAX, 0xAAAAAAAA);
  CHECK_REG(m, EDX, 0xBBBBBBBB);
  CHECK_EQ("flags, equal", h_stack16(m, 1) & F_ARITH, F_SF | F_ZF | F_PF | F_CF);
  CHECK_EQ("flags, not equal", h_stack16(m, 0) & F_ARITH, F_AF);
  h_free(m);
}

#define cmpxchg8b_reg_fault 0x0000
static const uint8_t cmpxchg8b_reg[] = {
  /* fault: */
  0x0F, 0xC7, 0xC8,                        /* 0000: db 0x0F, 0xC7, 0xC8     ; cmpxchg8b with a register operand: #UD */
  0xF4,                                    /* 0003: hlt */
};

Test(move, cmpxchg8b_register_is_ud) {
  Machine *m = PREPARE(cmpxchg8b_reg);
  cr_expect_eq(h_run(m), EXC_UD, "CMPXCHG8B EAX: expected #UD");
  CHECK_FAULT(m, EXC_UD, cmpxchg8b_reg_fault);
  h_free(m);
}

static const uint8_t movzx_movsx[] = {
  0x66, 0xB8, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0000: mov eax, 0xFFFFFFFF */
  0xB3, 0x80,                              /* 0006: mov bl, 0x80 */
  0x0F, 0xB6, 0xC3,                        /* 0008: movzx ax, bl            ; 0F B6: AX = 0x0080, upper half kept */
  0x0F, 0xBE, 0xCB,                        /* 000B: movsx cx, bl            ; 0F BE: CX = 0xFF80 */
  0x66, 0x0F, 0xB6, 0xD3,                  /* 000E: movzx edx, bl           ; 66 0F B6 */
  0x66, 0x0F, 0xBE, 0xF3,                  /* 0012: movsx esi, bl           ; 66 0F BE */
  0xC7, 0x06, 0x10, 0x00, 0x01, 0x80,      /* 0016: mov word [0x10], 0x8001 */
  0x66, 0x0F, 0xB7, 0x3E, 0x10, 0x00,      /* 001C: movzx edi, word [0x10]  ; 66 0F B7 */
  0x66, 0x0F, 0xBF, 0x2E, 0x10, 0x00,      /* 0022: movsx ebp, word [0x10]  ; 66 0F BF */
  0x0F, 0xBE, 0x1E, 0x10, 0x00,            /* 0028: movsx bx, byte [0x10]   ; 0F BE from memory: 0x0001 */
  0xF4,                                    /* 002D: hlt */
};

Test(move, movzx_movsx) {
  Machine *m = RUN(movzx_movsx);
  CHECK_REG(m, EAX, 0xFFFF0080);
  CHECK_REG16(m, ECX, 0xFF80);
  CHECK_REG(m, EDX, 0x00000080);
  CHECK_REG(m, ESI, 0xFFFFFF80);
  CHECK_REG(m, EDI, 0x00008001);
  CHECK_REG(m, EBP, 0xFFFF8001);
  CHECK_REG16(m, EBX, 0x0001);
  h_free(m);
}

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

/* FLAGS from DS:0; SETcc to DS:0x10+cc; CMOVcc AX, [4] (= 1) to
 * DS:0x20+2cc; CMOVcc EBX (-1), ECX (0x12345678) to DS:0x40+4cc. */
static const uint8_t setcc_cmov[] = {
  0x66, 0xB9, 0x78, 0x56, 0x34, 0x12,      /* 0000: mov ecx, 0x12345678 */
  0xFF, 0x36, 0x00, 0x00,                  /* 0006: push word [0] */
  0x9D,                                    /* 000A: popf */
  0x0F, 0x90, 0x06, 0x10, 0x00,            /* 000B: seto [0x10] */
  0x0F, 0x91, 0x06, 0x11, 0x00,            /* 0010: setno [0x11] */
  0x0F, 0x92, 0x06, 0x12, 0x00,            /* 0015: setb [0x12] */
  0x0F, 0x93, 0x06, 0x13, 0x00,            /* 001A: setae [0x13] */
  0x0F, 0x94, 0x06, 0x14, 0x00,            /* 001F: sete [0x14] */
  0x0F, 0x95, 0x06, 0x15, 0x00,            /* 0024: setne [0x15] */
  0x0F, 0x96, 0x06, 0x16, 0x00,            /* 0029: setbe [0x16] */
  0x0F, 0x97, 0x06, 0x17, 0x00,            /* 002E: seta [0x17] */
  0x0F, 0x98, 0x06, 0x18, 0x00,            /* 0033: sets [0x18] */
  0x0F, 0x99, 0x06, 0x19, 0x00,            /* 0038: setns [0x19] */
  0x0F, 0x9A, 0x06, 0x1A, 0x00,            /* 003D: setp [0x1A] */
  0x0F, 0x9B, 0x06, 0x1B, 0x00,            /* 0042: setnp [0x1B] */
  0x0F, 0x9C, 0x06, 0x1C, 0x00,            /* 0047: setl [0x1C] */
  0x0F, 0x9D, 0x06, 0x1D, 0x00,            /* 004C: setge [0x1D] */
  0x0F, 0x9E, 0x06, 0x1E, 0x00,            /* 0051: setle [0x1E] */
  0x0F, 0x9F, 0x06, 0x1F, 0x00,            /* 0056: setg [0x1F] */
  0xB8, 0x00, 0x00,                        /* 005B: mov ax, 0 */
  0x0F, 0x40, 0x06, 0x04, 0x00,            /* 005E: cmovo ax, [4] */
  0xA3, 0x20, 0x00,                        /* 0063: mov [0x20], ax */
  0xB8, 0x00, 0x00,                        /* 0066: mov ax, 0 */
  0x0F, 0x41, 0x06, 0x04, 0x00,            /* 0069: cmovno ax, [4] */
  0xA3, 0x22, 0x00,                        /* 006E: mov [0x22], ax */
  0xB8, 0x00, 0x00,                        /* 0071: mov ax, 0 */
  0x0F, 0x42, 0x06, 0x04, 0x00,            /* 0074: cmovb ax, [4] */
  0xA3, 0x24, 0x00,                        /* 0079: mov [0x24], ax */
  0xB8, 0x00, 0x00,                        /* 007C: mov ax, 0 */
  0x0F, 0x43, 0x06, 0x04, 0x00,            /* 007F: cmovae ax, [4] */
  0xA3, 0x26, 0x00,                        /* 0084: mov [0x26], ax */
  0xB8, 0x00, 0x00,                        /* 0087: mov ax, 0 */
  0x0F, 0x44, 0x06, 0x04, 0x00,            /* 008A: cmove ax, [4] */
  0xA3, 0x28, 0x00,                        /* 008F: mov [0x28], ax */
  0xB8, 0x00, 0x00,                        /* 0092: mov ax, 0 */
  0x0F, 0x45, 0x06, 0x04, 0x00,            /* 0095: cmovne ax, [4] */
  0xA3, 0x2A, 0x00,                        /* 009A: mov [0x2A], ax */
  0xB8, 0x00, 0x00,                        /* 009D: mov ax, 0 */
  0x0F, 0x46, 0x06, 0x04, 0x00,            /* 00A0: cmovbe ax, [4] */
  0xA3, 0x2C, 0x00,                        /* 00A5: mov [0x2C], ax */
  0xB8, 0x00, 0x00,                        /* 00A8: mov ax, 0 */
  0x0F, 0x47, 0x06, 0x04, 0x00,            /* 00AB: cmova ax, [4] */
  0xA3, 0x2E, 0x00,                        /* 00B0: mov [0x2E], ax */
  0xB8, 0x00, 0x00,                        /* 00B3: mov ax, 0 */
  0x0F, 0x48, 0x06, 0x04, 0x00,            /* 00B6: cmovs ax, [4] */
  0xA3, 0x30, 0x00,                        /* 00BB: mov [0x30], ax */
  0xB8, 0x00, 0x00,                        /* 00BE: mov ax, 0 */
  0x0F, 0x49, 0x06, 0x04, 0x00,            /* 00C1: cmovns ax, [4] */
  0xA3, 0x32, 0x00,                        /* 00C6: mov [0x32], ax */
  0xB8, 0x00, 0x00,                        /* 00C9: mov ax, 0 */
  0x0F, 0x4A, 0x06, 0x04, 0x00,            /* 00CC: cmovp ax, [4] */
  0xA3, 0x34, 0x00,                        /* 00D1: mov [0x34], ax */
  0xB8, 0x00, 0x00,                        /* 00D4: mov ax, 0 */
  0x0F, 0x4B, 0x06, 0x04, 0x00,            /* 00D7: cmovnp ax, [4] */
  0xA3, 0x36, 0x00,                        /* 00DC: mov [0x36], ax */
  0xB8, 0x00, 0x00,                        /* 00DF: mov ax, 0 */
  0x0F, 0x4C, 0x06, 0x04, 0x00,            /* 00E2: cmovl ax, [4] */
  0xA3, 0x38, 0x00,                        /* 00E7: mov [0x38], ax */
  0xB8, 0x00, 0x00,                        /* 00EA: mov ax, 0 */
  0x0F, 0x4D, 0x06, 0x04, 0x00,            /* 00ED: cmovge ax, [4] */
  0xA3, 0x3A, 0x00,                        /* 00F2: mov [0x3A], ax */
  0xB8, 0x00, 0x00,                        /* 00F5: mov ax, 0 */
  0x0F, 0x4E, 0x06, 0x04, 0x00,            /* 00F8: cmovle ax, [4] */
  0xA3, 0x3C, 0x00,                        /* 00FD: mov [0x3C], ax */
  0xB8, 0x00, 0x00,                        /* 0100: mov ax, 0 */
  0x0F, 0x4F, 0x06, 0x04, 0x00,            /* 0103: cmovg ax, [4] */
  0xA3, 0x3E, 0x00,                        /* 0108: mov [0x3E], ax */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 010B: mov ebx, 0xFFFFFFFF */
  0x66, 0x0F, 0x40, 0xD9,                  /* 0111: cmovo ebx, ecx */
  0x66, 0x89, 0x1E, 0x40, 0x00,            /* 0115: mov [0x40], ebx */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 011A: mov ebx, 0xFFFFFFFF */
  0x66, 0x0F, 0x41, 0xD9,                  /* 0120: cmovno ebx, ecx */
  0x66, 0x89, 0x1E, 0x44, 0x00,            /* 0124: mov [0x44], ebx */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0129: mov ebx, 0xFFFFFFFF */
  0x66, 0x0F, 0x42, 0xD9,                  /* 012F: cmovb ebx, ecx */
  0x66, 0x89, 0x1E, 0x48, 0x00,            /* 0133: mov [0x48], ebx */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0138: mov ebx, 0xFFFFFFFF */
  0x66, 0x0F, 0x43, 0xD9,                  /* 013E: cmovae ebx, ecx */
  0x66, 0x89, 0x1E, 0x4C, 0x00,            /* 0142: mov [0x4C], ebx */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0147: mov ebx, 0xFFFFFFFF */
  0x66, 0x0F, 0x44, 0xD9,                  /* 014D: cmove ebx, ecx */
  0x66, 0x89, 0x1E, 0x50, 0x00,            /* 0151: mov [0x50], ebx */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0156: mov ebx, 0xFFFFFFFF */
  0x66, 0x0F, 0x45, 0xD9,                  /* 015C: cmovne ebx, ecx */
  0x66, 0x89, 0x1E, 0x54, 0x00,            /* 0160: mov [0x54], ebx */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0165: mov ebx, 0xFFFFFFFF */
  0x66, 0x0F, 0x46, 0xD9,                  /* 016B: cmovbe ebx, ecx */
  0x66, 0x89, 0x1E, 0x58, 0x00,            /* 016F: mov [0x58], ebx */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0174: mov ebx, 0xFFFFFFFF */
  0x66, 0x0F, 0x47, 0xD9,                  /* 017A: cmova ebx, ecx */
  0x66, 0x89, 0x1E, 0x5C, 0x00,            /* 017E: mov [0x5C], ebx */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0183: mov ebx, 0xFFFFFFFF */
  0x66, 0x0F, 0x48, 0xD9,                  /* 0189: cmovs ebx, ecx */
  0x66, 0x89, 0x1E, 0x60, 0x00,            /* 018D: mov [0x60], ebx */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0192: mov ebx, 0xFFFFFFFF */
  0x66, 0x0F, 0x49, 0xD9,                  /* 0198: cmovns ebx, ecx */
  0x66, 0x89, 0x1E, 0x64, 0x00,            /* 019C: mov [0x64], ebx */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 01A1: mov ebx, 0xFFFFFFFF */
  0x66, 0x0F, 0x4A, 0xD9,                  /* 01A7: cmovp ebx, ecx */
  0x66, 0x89, 0x1E, 0x68, 0x00,            /* 01AB: mov [0x68], ebx */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 01B0: mov ebx, 0xFFFFFFFF */
  0x66, 0x0F, 0x4B, 0xD9,                  /* 01B6: cmovnp ebx, ecx */
  0x66, 0x89, 0x1E, 0x6C, 0x00,            /* 01BA: mov [0x6C], ebx */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 01BF: mov ebx, 0xFFFFFFFF */
  0x66, 0x0F, 0x4C, 0xD9,                  /* 01C5: cmovl ebx, ecx */
  0x66, 0x89, 0x1E, 0x70, 0x00,            /* 01C9: mov [0x70], ebx */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 01CE: mov ebx, 0xFFFFFFFF */
  0x66, 0x0F, 0x4D, 0xD9,                  /* 01D4: cmovge ebx, ecx */
  0x66, 0x89, 0x1E, 0x74, 0x00,            /* 01D8: mov [0x74], ebx */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 01DD: mov ebx, 0xFFFFFFFF */
  0x66, 0x0F, 0x4E, 0xD9,                  /* 01E3: cmovle ebx, ecx */
  0x66, 0x89, 0x1E, 0x78, 0x00,            /* 01E7: mov [0x78], ebx */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 01EC: mov ebx, 0xFFFFFFFF */
  0x66, 0x0F, 0x4F, 0xD9,                  /* 01F2: cmovg ebx, ecx */
  0x66, 0x89, 0x1E, 0x7C, 0x00,            /* 01F6: mov [0x7C], ebx */
  0xF4,                                    /* 01FB: hlt */
};

Test(move, setcc_and_cmovcc_all_conditions) {
  for (uint32_t k = 0; k < 32; k++) {
    uint32_t f = (k & 1 ? F_CF : 0) | (k & 2 ? F_PF : 0) | (k & 4 ? F_ZF : 0) |
                 (k & 8 ? F_SF : 0) | (k & 16 ? F_OF : 0);
    Machine *m = PREPARE(setcc_cmov);
    h_wr16(m, H_DATA + 0, (uint16_t)(f | 2));
    h_wr16(m, H_DATA + 4, 1);
    for (uint32_t i = 0; i < 16; i++) h_wr8(m, H_DATA + 0x10 + i, 0xEE);
    h_run_ok(m);
    char b[32];
    for (int cc = 0; cc < 16; cc++) {
      bool want = cond_holds(cc, f);
      uint8_t s = h_rd8(m, H_DATA + 0x10 + (uint32_t)cc);
      cr_expect_eq(s, want, "SET%s with %s: expected %d, got 0x%02X", cc_names[cc],
                   h_flagstr(f, b), want, s);
      uint16_t c16 = h_rd16(m, H_DATA + 0x20 + 2 * (uint32_t)cc);
      cr_expect_eq(c16, want, "CMOV%s AX, [m16] with %s: expected %d, got 0x%04X", cc_names[cc],
                   h_flagstr(f, b), want, c16);
      uint32_t c32 = h_rd32(m, H_DATA + 0x40 + 4 * (uint32_t)cc);
      uint32_t w32 = want ? 0x12345678 : 0xFFFFFFFF;
      cr_expect_eq(c32, w32, "CMOV%s EBX, ECX with %s: expected 0x%08X, got 0x%08X",
                   cc_names[cc], h_flagstr(f, b), w32, c32);
    }
    CHECK_FLAGS(m, F_ARITH, f); /* neither SETcc nor CMOVcc changes flags */
    h_free(m);
  }
}

static const uint8_t setcc_reg[] = {
  0x66, 0xB8, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0000: mov eax, 0xFFFFFFFF */
  0x66, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0006: mov ebx, 0xFFFFFFFF */
  0xB9, 0x05, 0x00,                        /* 000C: mov cx, 5 */
  0x83, 0xF9, 0x07,                        /* 000F: cmp cx, 7 */
  0x0F, 0x9C, 0xC0,                        /* 0012: setl al                 ; 1 */
  0x0F, 0x9F, 0xC4,                        /* 0015: setg ah                 ; 0 */
  0x0F, 0x92, 0xC7,                        /* 0018: setb bh                 ; 1 */
  0x0F, 0x94, 0xC3,                        /* 001B: setz bl                 ; 0 */
  0xF4,                                    /* 001E: hlt */
};

Test(move, setcc_registers) {
  Machine *m = RUN(setcc_reg);
  CHECK_REG(m, EAX, 0xFFFF0001);
  CHECK_REG(m, EBX, 0xFFFF0100);
  h_free(m);
}

static const uint8_t bswap_code[] = {
  0x66, 0xB8, 0x78, 0x56, 0x34, 0x12,      /* 0000: mov eax, 0x12345678 */
  0x66, 0x0F, 0xC8,                        /* 0006: bswap eax               ; 66 0F C8 */
  0x66, 0xB9, 0xFF, 0x00, 0x00, 0x00,      /* 0009: mov ecx, 0x000000FF */
  0x66, 0x0F, 0xC9,                        /* 000F: bswap ecx */
  0x66, 0xBF, 0xDD, 0xCC, 0xBB, 0xAA,      /* 0012: mov edi, 0xAABBCCDD */
  0x66, 0x0F, 0xCF,                        /* 0018: bswap edi               ; 66 0F CF */
  0x66, 0xBC, 0x04, 0x03, 0x02, 0x01,      /* 001B: mov esp, 0x01020304 */
  0x66, 0x0F, 0xCC,                        /* 0021: bswap esp               ; 66 0F CC */
  0x66, 0x89, 0xE5,                        /* 0024: mov ebp, esp */
  0x66, 0xBC, 0x00, 0x10, 0x00, 0x00,      /* 0027: mov esp, 0x1000 */
  0xF4,                                    /* 002D: hlt */
};

Test(move, bswap) {
  Machine *m = RUN(bswap_code);
  CHECK_REG(m, EAX, 0x78563412);
  CHECK_REG(m, ECX, 0xFF000000);
  CHECK_REG(m, EDI, 0xDDCCBBAA);
  CHECK_REG(m, EBP, 0x04030201);
  h_free(m);
}

static const uint8_t lea_forms[] = {
  0xBB, 0x00, 0x10,                        /* 0000: mov bx, 0x1000 */
  0xBE, 0x34, 0x02,                        /* 0003: mov si, 0x0234 */
  0x8D, 0x40, 0x10,                        /* 0006: lea ax, [bx + si + 0x10] */
  0xA3, 0x00, 0x00,                        /* 0009: mov [0x00], ax          ; 0x1244 */
  0xBF, 0xF0, 0xFF,                        /* 000C: mov di, 0xFFF0 */
  0x8D, 0x41, 0x20,                        /* 000F: lea ax, [bx + di + 0x20] */
  0xA3, 0x02, 0x00,                        /* 0012: mov [0x02], ax          ; wraps to 0x1010 */
  0xBD, 0x00, 0x01,                        /* 0015: mov bp, 0x0100 */
  0x8D, 0x46, 0xFE,                        /* 0018: lea ax, [bp - 2] */
  0xA3, 0x04, 0x00,                        /* 001B: mov [0x04], ax          ; 0x00FE */
  0x8D, 0x06, 0x34, 0x12,                  /* 001E: lea ax, [0x1234]        ; mod 00 rm 110: disp16 only */
  0xA3, 0x06, 0x00,                        /* 0022: mov [0x06], ax */
  0x26, 0x8D, 0x47, 0x05,                  /* 0025: lea ax, [es:bx + 5]     ; an override does not matter */
  0xA3, 0x08, 0x00,                        /* 0029: mov [0x08], ax */
  0x66, 0xBB, 0x00, 0x10, 0x00, 0x00,      /* 002C: mov ebx, 0x00001000 */
  0x66, 0xB9, 0x03, 0x00, 0x00, 0x00,      /* 0032: mov ecx, 0x00000003 */
  0x66, 0x67, 0x8D, 0x84, 0xCB, 0x00, 0x01, 0x00, 0x00, /* 0038: lea eax, [ebx + ecx*8 + 0x100] */
  0x66, 0xA3, 0x10, 0x00,                  /* 0041: mov [0x10], eax         ; 0x1118 */
  0x66, 0x67, 0x8D, 0x04, 0x8D, 0x78, 0x56, 0x34, 0x12, /* 0045: lea eax, [ecx*4 + 0x12345678] ; SIB base 101 with mod 00: disp32, no base */
  0x66, 0xA3, 0x14, 0x00,                  /* 004E: mov [0x14], eax         ; 0x12345684 */
  0x66, 0x67, 0x8D, 0x44, 0x24, 0x08,      /* 0052: lea eax, [esp + 8]      ; SIB base ESP */
  0x66, 0xA3, 0x18, 0x00,                  /* 0058: mov [0x18], eax         ; 0x1008 */
  0x66, 0xBD, 0x00, 0x20, 0x00, 0x00,      /* 005C: mov ebp, 0x2000 */
  0x66, 0x67, 0x8D, 0x45, 0x00,            /* 0062: lea eax, [ebp]          ; mod 01 disp8 0 */
  0x66, 0xA3, 0x1C, 0x00,                  /* 0067: mov [0x1C], eax */
  0x66, 0x67, 0x8D, 0x04, 0x0B,            /* 006B: lea eax, [ebx + ecx] */
  0x66, 0xA3, 0x20, 0x00,                  /* 0070: mov [0x20], eax         ; 0x1003 */
  0x67, 0x8D, 0x84, 0x4B, 0x00, 0x00, 0xFF, 0xFF, /* 0074: lea ax, [ebx + ecx*2 + 0xFFFF0000] ; 16-bit destination: truncated */
  0xA3, 0x24, 0x00,                        /* 007C: mov [0x24], ax          ; 0x1006 */
  0xBE, 0xFF, 0xFF,                        /* 007F: mov si, 0xFFFF */
  0xBB, 0x02, 0x00,                        /* 0082: mov bx, 0x0002 */
  0x66, 0x8D, 0x00,                        /* 0085: lea eax, [bx + si]      ; 32-bit destination, 16-bit address: 0x0001 */
  0x66, 0xA3, 0x28, 0x00,                  /* 0088: mov [0x28], eax */
  0x66, 0x67, 0x8D, 0x05, 0xF0, 0xFF, 0xFF, 0xFF, /* 008C: lea eax, [dword 0xFFFFFFF0] ; mod 00 rm 101: disp32 */
  0x66, 0xA3, 0x2C, 0x00,                  /* 0094: mov [0x2C], eax */
  0x66, 0x67, 0x8D, 0x04, 0x00,            /* 0098: lea eax, [eax + eax*1]  ; 0xFFFFFFE0 */
  0x66, 0xA3, 0x30, 0x00,                  /* 009D: mov [0x30], eax */
  0xF4,                                    /* 00A1: hlt */
};

Test(move, lea_16_and_32_bit_addressing) {
  Machine *m = RUN(lea_forms);
  CHECK_EQ("LEA [bx+si+0x10]", h_rd16(m, H_DATA + 0x00), 0x1244);
  CHECK_EQ("LEA [bx+di+0x20] wraps", h_rd16(m, H_DATA + 0x02), 0x1010);
  CHECK_EQ("LEA [bp-2]", h_rd16(m, H_DATA + 0x04), 0x00FE);
  CHECK_EQ("LEA [disp16]", h_rd16(m, H_DATA + 0x06), 0x1234);
  CHECK_EQ("LEA [es:bx+5]", h_rd16(m, H_DATA + 0x08), 0x1005);
  CHECK_EQ("LEA [ebx+ecx*8+0x100]", h_rd32(m, H_DATA + 0x10), 0x1118);
  CHECK_EQ("LEA [ecx*4+disp32]", h_rd32(m, H_DATA + 0x14), 0x12345684);
  CHECK_EQ("LEA [esp+8]", h_rd32(m, H_DATA + 0x18), 0x1008);
  CHECK_EQ("LEA [ebp]", h_rd32(m, H_DATA + 0x1C), 0x2000);
  CHECK_EQ("LEA [ebx+ecx]", h_rd32(m, H_DATA + 0x20), 0x1003);
  CHECK_EQ("LEA ax, [ebx+ecx*2+0xFFFF0000]", h_rd16(m, H_DATA + 0x24), 0x1006);
  CHECK_EQ("LEA eax, [bx+si] (16-bit wrap)", h_rd32(m, H_DATA + 0x28), 0x0001);
  CHECK_EQ("LEA [disp32]", h_rd32(m, H_DATA + 0x2C), 0xFFFFFFF0);
  CHECK_EQ("LEA [eax+eax]", h_rd32(m, H_DATA + 0x30), 0xFFFFFFE0);
  h_free(m);
}

#define lea_reg_ud_fault 0x0000
static const uint8_t lea_reg_ud[] = {
  /* fault: */
  0x8D, 0xC3,                              /* 0000: db 0x8D, 0xC3           ; lea ax, bx: #UD */
  0xF4,                                    /* 0002: hlt */
};

Test(move, lea_with_register_operand_is_ud) {
  Machine *m = PREPARE(lea_reg_ud);
  cr_expect_eq(h_run(m), EXC_UD, "LEA AX, BX: expected #UD");
  CHECK_FAULT(m, EXC_UD, lea_reg_ud_fault);
  h_free(m);
}

static const uint8_t far_ptr_loads[] = {
  0xC7, 0x06, 0x40, 0x00, 0x34, 0x12,      /* 0000: mov word [0x40], 0x1234 ; offset */
  0xC7, 0x06, 0x42, 0x00, 0x00, 0x31,      /* 0006: mov word [0x42], 0x3100 ; selector */
  0xC4, 0x3E, 0x40, 0x00,                  /* 000C: les di, [0x40]          ; C4 */
  0x26, 0x8A, 0x05,                        /* 0010: mov al, [es:di]         ; physical 0x31000 + 0x1234 */
  0x0F, 0xB4, 0x36, 0x40, 0x00,            /* 0013: lfs si, [0x40]          ; 0F B4 */
  0x64, 0x8A, 0x24,                        /* 0018: mov ah, [fs:si] */
  0x66, 0xC7, 0x06, 0x50, 0x00, 0x78, 0x56, 0x00, 0x00, /* 001B: mov dword [0x50], 0x00005678 */
  0xC7, 0x06, 0x54, 0x00, 0x00, 0x41,      /* 0024: mov word [0x54], 0x4100 */
  0x66, 0x0F, 0xB5, 0x1E, 0x50, 0x00,      /* 002A: lgs ebx, [0x50]         ; 66 0F B5: 32-bit offset */
  0x65, 0x8A, 0x0F,                        /* 0030: mov cl, [gs:bx]         ; physical 0x41000 + 0x5678 */
  0xC7, 0x06, 0x60, 0x00, 0x00, 0x08,      /* 0033: mov word [0x60], 0x0800 */
  0xC7, 0x06, 0x62, 0x00, 0x00, 0x48,      /* 0039: mov word [0x62], 0x4800 */
  0x0F, 0xB2, 0x26, 0x60, 0x00,            /* 003F: lss sp, [0x60]          ; 0F B2 */
  0x8C, 0x16, 0x64, 0x00,                  /* 0044: mov [0x64], ss */
  0x89, 0x26, 0x66, 0x00,                  /* 0048: mov [0x66], sp */
  0x68, 0xCD, 0xAB,                        /* 004C: push word 0xABCD        ; lands at physical 0x48000 + 0x07FE */
  0xC7, 0x06, 0x60, 0x00, 0x00, 0x10,      /* 004F: mov word [0x60], 0x1000 */
  0xC7, 0x06, 0x62, 0x00, 0x00, 0x40,      /* 0055: mov word [0x62], 0x4000 */
  0x0F, 0xB2, 0x26, 0x60, 0x00,            /* 005B: lss sp, [0x60] */
  0xC5, 0x36, 0x40, 0x00,                  /* 0060: lds si, [0x40]          ; C5 (last: DS changes) */
  0x8A, 0x2C,                              /* 0064: mov ch, [si] */
  0xF4,                                    /* 0066: hlt */
};

Test(move, lds_les_lss_lfs_lgs) {
  Machine *m = PREPARE(far_ptr_loads);
  h_wr8(m, 0x31000 + 0x1234, 0x77);
  h_wr8(m, 0x41000 + 0x5678, 0x88);
  h_run_ok(m);
  CHECK_REG16(m, EAX, 0x7777);
  CHECK_REG16(m, EDI, 0x1234);
  CHECK_EQ("ES", h_sreg(m, SEG_ES), 0x3100);
  CHECK_EQ("FS", h_sreg(m, SEG_FS), 0x3100);
  CHECK_REG(m, EBX, 0x00005678);
  CHECK_EQ("GS", h_sreg(m, SEG_GS), 0x4100);
  CHECK_EQ("SS after LSS", h_rd16(m, H_DATA + 0x64), 0x4800);
  CHECK_EQ("SP after LSS", h_rd16(m, H_DATA + 0x66), 0x0800);
  CHECK_EQ("push through the new SS", h_rd16(m, 0x48000 + 0x07FE), 0xABCD);
  CHECK_EQ("SS restored", h_sreg(m, SEG_SS), H_SS);
  CHECK_EQ("DS", h_sreg(m, SEG_DS), 0x3100);
  CHECK_REG16(m, ESI, 0x1234);
  CHECK_REG16(m, ECX, 0x7788);
  h_free(m);
}

static const uint8_t xlat_code[] = {
  0xBB, 0x00, 0x01,                        /* 0000: mov bx, 0x100 */
  0xB0, 0x05,                              /* 0003: mov al, 0x05 */
  0xD7,                                    /* 0005: xlatb                   ; [DS:0x105] */
  0x88, 0xC1,                              /* 0006: mov cl, al */
  0xB0, 0xFF,                              /* 0008: mov al, 0xFF */
  0xD7,                                    /* 000A: xlatb                   ; AL is unsigned: [DS:0x1FF] */
  0x88, 0xC5,                              /* 000B: mov ch, al */
  0xB0, 0x02,                              /* 000D: mov al, 2 */
  0x26, 0xD7,                              /* 000F: es xlatb                ; [ES:0x102] */
  0x88, 0xC2,                              /* 0011: mov dl, al */
  0x66, 0xBB, 0x00, 0x02, 0x00, 0x00,      /* 0013: mov ebx, 0x00000200 */
  0xB0, 0x03,                              /* 0019: mov al, 3 */
  0x67, 0xD7,                              /* 001B: a32 xlatb               ; 67 D7: [DS:EBX + AL] */
  0x88, 0xC6,                              /* 001D: mov dh, al */
  0xF4,                                    /* 001F: hlt */
};

Test(move, xlat) {
  Machine *m = PREPARE(xlat_code);
  h_wr8(m, H_DATA + 0x105, 0x51);
  h_wr8(m, H_DATA + 0x1FF, 0x52);
  h_wr8(m, H_DATA + 0x0FF, 0x99); /* what a signed AL would hit */
  h_wr8(m, H_EXTRA + 0x102, 0x53);
  h_wr8(m, H_DATA + 0x203, 0x54);
  h_run_ok(m);
  CHECK_REG16(m, ECX, 0x5251);
  CHECK_REG16(m, EDX, 0x5453);
  h_free(m);
}

static const uint8_t lahf_sahf[] = {
  0xB0, 0x7F,                              /* 0000: mov al, 0x7F */
  0x04, 0x01,                              /* 0002: add al, 1               ; OF SF AF (pending) */
  0x9F,                                    /* 0004: lahf */
  0x88, 0x26, 0x00, 0x00,                  /* 0005: mov [0x00], ah          ; SF AF + bit 1 */
  0xB4, 0xFF,                              /* 0009: mov ah, 0xFF */
  0x9E,                                    /* 000B: sahf                    ; SF ZF AF PF CF; OF unaffected */
  0x9C,                                    /* 000C: pushf */
  0xB4, 0x00,                              /* 000D: mov ah, 0x00 */
  0x9E,                                    /* 000F: sahf */
  0x9F,                                    /* 0010: lahf */
  0x88, 0x26, 0x01, 0x00,                  /* 0011: mov [0x01], ah          ; 0x02 */
  0x9C,                                    /* 0015: pushf */
  0xB4, 0x2A,                              /* 0016: mov ah, 0x2A            ; only reserved bits (1, 3, 5) */
  0x9E,                                    /* 0018: sahf */
  0x9C,                                    /* 0019: pushf */
  0xF4,                                    /* 001A: hlt */
};

Test(move, lahf_sahf) {
  Machine *m = RUN(lahf_sahf);
  CHECK_EQ("LAHF after 0x7F+1", h_rd8(m, H_DATA + 0x00), 0x80 | 0x10 | 0x02);
  CHECK_EQ("FLAGS after SAHF 0xFF", h_stack16(m, 2) & 0x0FFF, F_OF | F_SF | F_ZF | F_AF | F_PF | F_CF | 2);
  CHECK_EQ("LAHF after SAHF 0", h_rd8(m, H_DATA + 0x01), 0x02);
  CHECK_EQ("FLAGS after SAHF 0", h_stack16(m, 1) & 0x0FFF, F_OF | 2);
  CHECK_EQ("FLAGS after SAHF 0x2A", h_stack16(m, 0) & 0x0FFF, F_OF | 2);
  h_free(m);
}

static const uint8_t cbw_cwd[] = {
  0x66, 0xB8, 0x80, 0x56, 0x34, 0x12,      /* 0000: mov eax, 0x12345680 */
  0x98,                                    /* 0006: cbw                     ; AX = 0xFF80, upper half kept */
  0x66, 0xA3, 0x00, 0x00,                  /* 0007: mov [0x00], eax */
  0xB0, 0x7F,                              /* 000B: mov al, 0x7F */
  0x98,                                    /* 000D: cbw */
  0x66, 0xA3, 0x04, 0x00,                  /* 000E: mov [0x04], eax         ; 0x1234007F */
  0xB8, 0x00, 0x80,                        /* 0012: mov ax, 0x8000 */
  0x66, 0x98,                              /* 0015: cwde                    ; 66 98 */
  0x66, 0xA3, 0x08, 0x00,                  /* 0017: mov [0x08], eax */
  0x66, 0xBA, 0x55, 0x55, 0x55, 0x55,      /* 001B: mov edx, 0x55555555 */
  0x99,                                    /* 0021: cwd                     ; DX = 0xFFFF (upper half of EDX kept) */
  0x66, 0x89, 0x16, 0x0C, 0x00,            /* 0022: mov [0x0C], edx */
  0xB8, 0x34, 0x12,                        /* 0027: mov ax, 0x1234 */
  0x99,                                    /* 002A: cwd */
  0x66, 0x89, 0x16, 0x10, 0x00,            /* 002B: mov [0x10], edx         ; 0x55550000 */
  0x66, 0xB8, 0x00, 0x00, 0x00, 0x80,      /* 0030: mov eax, 0x80000000 */
  0x66, 0x99,                              /* 0036: cdq                     ; 66 99 */
  0x66, 0x89, 0x16, 0x14, 0x00,            /* 0038: mov [0x14], edx */
  0x66, 0xB8, 0xFF, 0xFF, 0xFF, 0x7F,      /* 003D: mov eax, 0x7FFFFFFF */
  0x66, 0x99,                              /* 0043: cdq */
  0x66, 0x89, 0x16, 0x18, 0x00,            /* 0045: mov [0x18], edx */
  0xF4,                                    /* 004A: hlt */
};

Test(move, cbw_cwde_cwd_cdq) {
  Machine *m = RUN(cbw_cwd);
  CHECK_EQ("CBW 0x80", h_rd32(m, H_DATA + 0x00), 0x1234FF80);
  CHECK_EQ("CBW 0x7F", h_rd32(m, H_DATA + 0x04), 0x1234007F);
  CHECK_EQ("CWDE 0x8000", h_rd32(m, H_DATA + 0x08), 0xFFFF8000);
  CHECK_EQ("CWD 0x8000", h_rd32(m, H_DATA + 0x0C), 0x5555FFFF);
  CHECK_EQ("CWD 0x1234", h_rd32(m, H_DATA + 0x10), 0x55550000);
  CHECK_EQ("CDQ 0x80000000", h_rd32(m, H_DATA + 0x14), 0xFFFFFFFF);
  CHECK_EQ("CDQ 0x7FFFFFFF", h_rd32(m, H_DATA + 0x18), 0x00000000);
  h_free(m);
}
