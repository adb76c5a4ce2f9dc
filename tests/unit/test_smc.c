/* Self-modifying code. A P6 notices stores into instructions it is about
 * to execute (SDM vol. 3, 8.1.3 / 11.6), so every write below must be
 * seen by the very next execution of the modified bytes: the next
 * instruction in the same decoded block, an instruction on another page,
 * an instruction straddling a page boundary, and code patched from
 * outside between runs. */
#include "tests/unit/harness.h"

/* Patch the immediate of the very next instruction. */
#define patch_next_target 0x0006
static const uint8_t patch_next[] = {
  0x2E, 0xC6, 0x06, 0x07, 0x00, 0x42,      /* 0000: mov byte [cs:target + 1], 0x42 */
  /* target: */
  0xB0, 0x00,                              /* 0006: mov al, 0               ; immediate becomes 0x42 */
  0xF4,                                    /* 0008: hlt */
};

Test(smc, store_into_the_next_instruction) {
  Machine *m = RUN(patch_next);
  CHECK_REG8(m, EAX, 0x42);
  h_free(m);
}

/* Patch further ahead in the same block, through another segment that
 * aliases the code, and patch a whole opcode. */
#define patch_ahead_imm16 0x0016
#define patch_ahead_op 0x0019
static const uint8_t patch_ahead[] = {
  0x8C, 0xC8,                              /* 0000: mov ax, cs */
  0x8E, 0xC0,                              /* 0002: mov es, ax */
  0x26, 0xC7, 0x06, 0x17, 0x00, 0xEF, 0xBE, /* 0004: mov word [es:imm16 + 1], 0xBEEF ; through ES */
  0x2E, 0xC6, 0x06, 0x19, 0x00, 0x43,      /* 000B: mov byte [cs:op], 0x43          ; NOP becomes INC BX */
  0xBB, 0x00, 0x00,                        /* 0011: mov bx, 0 */
  0x90,                                    /* 0014: nop */
  0x90,                                    /* 0015: nop */
  /* imm16: */
  0xBA, 0x11, 0x11,                        /* 0016: mov dx, 0x1111          ; immediate becomes 0xBEEF */
  /* op: */
  0x90,                                    /* 0019: nop                     ; becomes inc bx */
  0xF4,                                    /* 001A: hlt */
};

Test(smc, store_ahead_in_the_same_block) {
  Machine *m = RUN(patch_ahead);
  CHECK_REG16(m, EDX, 0xBEEF);
  CHECK_REG16(m, EBX, 1);
  h_free(m);
}

/* A loop that rewrites its own immediate each iteration. */
#define self_counting_top 0x0005
static const uint8_t self_counting[] = {
  0xB9, 0x03, 0x00,                        /* 0000: mov cx, 3 */
  0x31, 0xDB,                              /* 0003: xor bx, bx */
  /* top: */
  0x83, 0xC3, 0x01,                        /* 0005: add bx, 1               ; 83 C3 ib: the immediate grows 1, 2, 3 */
  0x2E, 0xFE, 0x06, 0x07, 0x00,            /* 0008: inc byte [cs:top + 2] */
  0xE2, 0xF6,                              /* 000D: loop top */
  0xF4,                                    /* 000F: hlt */
};

Test(smc, loop_rewrites_its_own_immediate) {
  Machine *m = RUN(self_counting);
  CHECK_REG16(m, EBX, 1 + 2 + 3);
  CHECK_EQ("the immediate in memory", h_rd8(m, H_CODE + self_counting_top + 2), 4);
  h_free(m);
}

/* Code on another page (CS:0x1000, physical 0x11000) runs, is patched,
 * and runs again. */
static const uint8_t other_page_main[] = {
  0xE8, 0xFD, 0x0F,                        /* 0000: call 0x1000             ; AL = 1, and the routine is now cached */
  0x88, 0xC3,                              /* 0003: mov bl, al */
  0x2E, 0xC6, 0x06, 0x01, 0x10, 0x02,      /* 0005: mov byte [cs:0x1001], 2 ; patch its immediate */
  0xE8, 0xF2, 0x0F,                        /* 000B: call 0x1000 */
  0x88, 0xC7,                              /* 000E: mov bh, al */
  0xB8, 0x00, 0x10,                        /* 0010: mov ax, 0x1000 */
  0x8E, 0xD8,                              /* 0013: mov ds, ax */
  0xC6, 0x06, 0x01, 0x10, 0x03,            /* 0015: mov byte [0x1001], 3    ; patch again through DS (same bytes) */
  0xB8, 0x00, 0x20,                        /* 001A: mov ax, 0x2000 */
  0x8E, 0xD8,                              /* 001D: mov ds, ax */
  0xE8, 0xDE, 0x0F,                        /* 001F: call 0x1000 */
  0x88, 0xC1,                              /* 0022: mov cl, al */
  0xF4,                                    /* 0024: hlt */
};

static const uint8_t other_page_sub[] = {
  0xB0, 0x01,                              /* 0000: mov al, 1 */
  0xC3,                                    /* 0002: ret */
};

Test(smc, code_on_another_page) {
  Machine *m = PREPARE(other_page_main);
  h_poke(m, H_CODE + 0x1000, other_page_sub, sizeof other_page_sub);
  h_run_ok(m);
  CHECK_REG16(m, EBX, 0x0201);
  CHECK_REG8(m, ECX, 3);
  h_free(m);
}

/* An instruction straddling a page boundary: MOV AX, imm16 at CS:0x0FFE
 * has its immediate's high byte on the next page (CS:0x1000). */
static const uint8_t straddle_main[] = {
  0xE8, 0xFB, 0x0F,                        /* 0000: call 0x0FFE             ; AX = 0x1111 */
  0x89, 0xC3,                              /* 0003: mov bx, ax */
  0x2E, 0xC6, 0x06, 0x00, 0x10, 0x22,      /* 0005: mov byte [cs:0x1000], 0x22 ; the byte on the second page */
  0xE8, 0xF0, 0x0F,                        /* 000B: call 0x0FFE             ; AX = 0x2211 */
  0x89, 0xC1,                              /* 000E: mov cx, ax */
  0x2E, 0xC6, 0x06, 0xFF, 0x0F, 0x33,      /* 0010: mov byte [cs:0x0FFF], 0x33 ; the byte on the first page */
  0xE8, 0xE5, 0x0F,                        /* 0016: call 0x0FFE             ; AX = 0x2233 */
  0xF4,                                    /* 0019: hlt */
};

static const uint8_t straddle_sub[] = {
  0xB8, 0x11, 0x11,                        /* 0000: mov ax, 0x1111          ; B8 at 0x0FFE, 11 at 0x0FFF, 11 at 0x1000 */
  0xC3,                                    /* 0003: ret */
};

Test(smc, instruction_straddling_two_pages) {
  Machine *m = PREPARE(straddle_main);
  h_poke(m, H_CODE + 0x0FFE, straddle_sub, sizeof straddle_sub);
  h_run_ok(m);
  CHECK_REG16(m, EBX, 0x1111);
  CHECK_REG16(m, ECX, 0x2211);
  CHECK_REG16(m, EAX, 0x2233);
  h_free(m);
}

/* REP MOVSB copies new code over old code ahead of it. */
#define rep_movs_over_code_oldcode 0x0013
#define rep_movs_over_code_newcode 0x0017
static const uint8_t rep_movs_over_code[] = {
  0x8C, 0xC8,                              /* 0000: mov ax, cs */
  0x8E, 0xC0,                              /* 0002: mov es, ax */
  0xBE, 0x17, 0x00,                        /* 0004: mov si, newcode */
  0xBF, 0x13, 0x00,                        /* 0007: mov di, oldcode */
  0xB9, 0x03, 0x00,                        /* 000A: mov cx, 3 */
  0xF3, 0x2E, 0xA4,                        /* 000D: cs rep movsb */
  0xBA, 0x00, 0x00,                        /* 0010: mov dx, 0 */
  /* oldcode: */
  0xBA, 0x11, 0x11,                        /* 0013: mov dx, 0x1111          ; replaced by mov dx, 0x7777 */
  0xF4,                                    /* 0016: hlt */
  /* newcode: */
  0xBA, 0x77, 0x77,                        /* 0017: mov dx, 0x7777 */
};

Test(smc, string_copy_over_code_ahead) {
  Machine *m = RUN(rep_movs_over_code);
  CHECK_REG16(m, EDX, 0x7777);
  h_free(m);
}

/* Code changed from outside (a device or debugger writing physical
 * memory) between two runs of the same block. */
static const uint8_t outside_patch[] = {
  0xB8, 0x01, 0x00,                        /* 0000: mov ax, 0x0001 */
  0xF4,                                    /* 0003: hlt */
};

Test(smc, patch_from_outside_between_runs) {
  Machine *m = RUN(outside_patch);
  CHECK_REG16(m, EAX, 1);
  h_wr16(m, H_CODE + 1, 0x0505);
  m->c->eip = 0;
  m->c->halted = false;
  h_run_ok(m);
  CHECK_REG16(m, EAX, 0x0505);
  h_free(m);
}

/* A subroutine on the code page that was cached earlier is rewritten by
 * the main program (same page, different block). */
#define same_page_other_block_sub 0x0011
static const uint8_t same_page_other_block[] = {
  0xE8, 0x0E, 0x00,                        /* 0000: call sub */
  0x88, 0xC3,                              /* 0003: mov bl, al */
  0x2E, 0xC6, 0x06, 0x12, 0x00, 0x09,      /* 0005: mov byte [cs:sub + 1], 9 */
  0xE8, 0x03, 0x00,                        /* 000B: call sub */
  0x88, 0xC7,                              /* 000E: mov bh, al */
  0xF4,                                    /* 0010: hlt */
  /* sub: */
  0xB0, 0x04,                              /* 0011: mov al, 4 */
  0xC3,                                    /* 0013: ret */
};

Test(smc, same_page_other_block) {
  Machine *m = RUN(same_page_other_block);
  CHECK_REG16(m, EBX, 0x0904);
  h_free(m);
}

/* Data writes near code that do not touch instruction bytes must not
 * disturb execution (the page is shared with code). */
#define data_on_code_page_scratch 0x0012
static const uint8_t data_on_code_page[] = {
  0xB9, 0x64, 0x00,                        /* 0000: mov cx, 100 */
  0x31, 0xC0,                              /* 0003: xor ax, ax */
  /* .l: */
  0x40,                                    /* 0005: inc ax */
  0x2E, 0xA3, 0x12, 0x00,                  /* 0006: mov [cs:scratch], ax    ; writes the code page every iteration */
  0xE2, 0xF9,                              /* 000A: loop .l */
  0x2E, 0x8B, 0x1E, 0x12, 0x00,            /* 000C: mov bx, [cs:scratch] */
  0xF4,                                    /* 0011: hlt */
  /* scratch: */
  0x00, 0x00,                              /* 0012: dw 0 */
};

Test(smc, data_writes_on_a_code_page) {
  Machine *m = RUN(data_on_code_page);
  CHECK_REG16(m, EAX, 100);
  CHECK_REG16(m, EBX, 100);
  h_free(m);
}
