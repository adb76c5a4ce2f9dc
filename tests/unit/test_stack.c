/* Stack instructions: PUSH/POP of every register kind, PUSH SP (286+: the
 * value before the push), POP SP, segment registers, PUSHA/POPA(D),
 * PUSHF/POPF(D), PUSH/POP Ev, PUSH imm. SS is a 16-bit stack segment
 * (SS.B = 0), so only SP moves and it wraps at 64 KiB. */
#include "tests/unit/harness.h"

static const uint8_t push_pop_regs[] = {
  0xB8, 0x11, 0x11,                        /* 0000: mov ax, 0x1111 */
  0xB9, 0x22, 0x22,                        /* 0003: mov cx, 0x2222 */
  0xBA, 0x33, 0x33,                        /* 0006: mov dx, 0x3333 */
  0xBB, 0x44, 0x44,                        /* 0009: mov bx, 0x4444 */
  0xBD, 0x55, 0x55,                        /* 000C: mov bp, 0x5555 */
  0xBE, 0x66, 0x66,                        /* 000F: mov si, 0x6666 */
  0xBF, 0x77, 0x77,                        /* 0012: mov di, 0x7777 */
  0x50,                                    /* 0015: push ax */
  0x51,                                    /* 0016: push cx */
  0x52,                                    /* 0017: push dx */
  0x53,                                    /* 0018: push bx */
  0x55,                                    /* 0019: push bp */
  0x56,                                    /* 001A: push si */
  0x57,                                    /* 001B: push di */
  0x89, 0x26, 0x00, 0x00,                  /* 001C: mov [0x00], sp */
  0x58,                                    /* 0020: pop ax                  ; 0x7777 */
  0x59,                                    /* 0021: pop cx                  ; 0x6666 */
  0x5A,                                    /* 0022: pop dx                  ; 0x5555 */
  0x5B,                                    /* 0023: pop bx                  ; 0x4444 */
  0x5D,                                    /* 0024: pop bp                  ; 0x3333 */
  0x5E,                                    /* 0025: pop si                  ; 0x2222 */
  0x5F,                                    /* 0026: pop di                  ; 0x1111 */
  0xF4,                                    /* 0027: hlt */
};

Test(stack, push_pop_general_registers) {
  Machine *m = RUN(push_pop_regs);
  CHECK_EQ("SP after 7 pushes", h_rd16(m, H_DATA), H_SP - 14);
  CHECK_EQ("[SS:0FFE]", h_rd16(m, H_STACK + 0x0FFE), 0x1111);
  CHECK_EQ("[SS:0FF2]", h_rd16(m, H_STACK + 0x0FF2), 0x7777);
  CHECK_REG(m, EAX, 0x7777);
  CHECK_REG(m, ECX, 0x6666);
  CHECK_REG(m, EDX, 0x5555);
  CHECK_REG(m, EBX, 0x4444);
  CHECK_REG(m, EBP, 0x3333);
  CHECK_REG(m, ESI, 0x2222);
  CHECK_REG(m, EDI, 0x1111);
  CHECK_REG(m, ESP, H_SP);
  h_free(m);
}

static const uint8_t push_sp[] = {
  0x54,                                    /* 0000: push sp                 ; 286+: pushes 0x1000, the value before the push */
  0x58,                                    /* 0001: pop ax */
  0x66, 0x54,                              /* 0002: push esp                ; 66 54: the 32-bit ESP before the push */
  0x66, 0x5B,                              /* 0004: pop ebx */
  0x36, 0xC7, 0x06, 0x00, 0x08, 0xEF, 0xBE, /* 0006: mov word [ss:0x0800], 0xBEEF */
  0x68, 0x00, 0x08,                        /* 000D: push word 0x0800 */
  0x5C,                                    /* 0010: pop sp                  ; SP = the popped value (the increment is lost) */
  0x59,                                    /* 0011: pop cx                  ; from SS:0x0800 */
  0xF4,                                    /* 0012: hlt */
};

Test(stack, push_sp_and_pop_sp) {
  Machine *m = RUN(push_sp);
  CHECK_REG16(m, EAX, H_SP);
  CHECK_REG(m, EBX, H_SP);
  CHECK_REG16(m, ECX, 0xBEEF);
  CHECK_REG(m, ESP, 0x0802);
  h_free(m);
}

static const uint8_t push_pop_32[] = {
  0x66, 0xB8, 0xEF, 0xCD, 0xAB, 0x89,      /* 0000: mov eax, 0x89ABCDEF */
  0x66, 0x50,                              /* 0006: push eax                ; 66 50: 4 bytes */
  0x89, 0x26, 0x00, 0x00,                  /* 0008: mov [0x00], sp */
  0x5B,                                    /* 000C: pop bx                  ; low word */
  0x59,                                    /* 000D: pop cx                  ; high word */
  0x68, 0x34, 0x12,                        /* 000E: push word 0x1234 */
  0x68, 0x78, 0x56,                        /* 0011: push word 0x5678 */
  0x66, 0x5A,                              /* 0014: pop edx                 ; 66 5A: 0x12345678 */
  0x66, 0x68, 0xBE, 0xBA, 0xFE, 0xCA,      /* 0016: push dword 0xCAFEBABE   ; 66 68 id */
  0x66, 0x5E,                              /* 001C: pop esi */
  0x66, 0x6A, 0xFE,                        /* 001E: push dword -2           ; 66 6A ib: sign-extended to 32 bits */
  0x66, 0x5F,                              /* 0021: pop edi */
  0x6A, 0xFF,                              /* 0023: push -1                 ; 6A ib: 0xFFFF */
  0x5D,                                    /* 0025: pop bp */
  0x68, 0x34, 0x12,                        /* 0026: push 0x1234             ; 68 iw */
  0x89, 0x26, 0x02, 0x00,                  /* 0029: mov [0x02], sp */
  0x58,                                    /* 002D: pop ax */
  0xF4,                                    /* 002E: hlt */
};

Test(stack, operand_size_and_immediates) {
  Machine *m = RUN(push_pop_32);
  CHECK_EQ("SP after PUSH EAX", h_rd16(m, H_DATA + 0x00), H_SP - 4);
  CHECK_REG16(m, EBX, 0xCDEF);
  CHECK_REG16(m, ECX, 0x89AB);
  CHECK_REG(m, EDX, 0x12345678);
  CHECK_REG(m, ESI, 0xCAFEBABE);
  CHECK_REG(m, EDI, 0xFFFFFFFE);
  CHECK_REG16(m, EBP, 0xFFFF);
  CHECK_EQ("SP after PUSH imm16", h_rd16(m, H_DATA + 0x02), H_SP - 2);
  CHECK_REG(m, EAX, 0x89AB1234); /* POP AX keeps the upper half */
  CHECK_REG(m, ESP, H_SP);
  h_free(m);
}

static const uint8_t push_pop_seg[] = {
  0x06,                                    /* 0000: push es */
  0x0E,                                    /* 0001: push cs */
  0x16,                                    /* 0002: push ss */
  0x1E,                                    /* 0003: push ds */
  0x0F, 0xA0,                              /* 0004: push fs */
  0x0F, 0xA8,                              /* 0006: push gs */
  0x89, 0x26, 0x00, 0x00,                  /* 0008: mov [0x00], sp */
  0x68, 0x00, 0x21,                        /* 000C: push word 0x2100 */
  0x1F,                                    /* 000F: pop ds                  ; DS base 0x21000 */
  0xA0, 0x00, 0x00,                        /* 0010: mov al, [0x0000] */
  0x68, 0x00, 0x31,                        /* 0013: push word 0x3100 */
  0x07,                                    /* 0016: pop es */
  0x26, 0x8A, 0x1E, 0x00, 0x00,            /* 0017: mov bl, [es:0x0000] */
  0x68, 0x00, 0x51,                        /* 001C: push word 0x5100 */
  0x0F, 0xA1,                              /* 001F: pop fs */
  0x64, 0x8A, 0x0E, 0x00, 0x00,            /* 0021: mov cl, [fs:0x0000] */
  0x68, 0x00, 0x61,                        /* 0026: push word 0x6100 */
  0x0F, 0xA9,                              /* 0029: pop gs */
  0x65, 0x8A, 0x16, 0x00, 0x00,            /* 002B: mov dl, [gs:0x0000] */
  0x0F, 0xA9,                              /* 0030: pop gs */
  0x0F, 0xA1,                              /* 0032: pop fs */
  0x1F,                                    /* 0034: pop ds */
  0x58,                                    /* 0035: pop ax                  ; (the SS value) */
  0x5E,                                    /* 0036: pop si                  ; (the CS value) */
  0x07,                                    /* 0037: pop es */
  0xF4,                                    /* 0038: hlt */
};

Test(stack, segment_registers) {
  Machine *m = PREPARE(push_pop_seg);
  h_wr8(m, 0x21000, 0xA1);
  h_wr8(m, 0x31000, 0xB1);
  h_wr8(m, 0x51000, 0xC1);
  h_wr8(m, 0x61000, 0xD1);
  h_run_ok(m);
  CHECK_EQ("SP after 6 pushes", h_rd16(m, H_DATA + 0x00), H_SP - 12);
  CHECK_EQ("pushed ES", h_rd16(m, H_STACK + 0x0FFE), H_ES);
  CHECK_EQ("pushed CS", h_rd16(m, H_STACK + 0x0FFC), H_CS);
  CHECK_EQ("pushed SS", h_rd16(m, H_STACK + 0x0FFA), H_SS);
  CHECK_EQ("pushed DS", h_rd16(m, H_STACK + 0x0FF8), H_DS);
  CHECK_EQ("pushed FS", h_rd16(m, H_STACK + 0x0FF6), H_FS);
  CHECK_EQ("pushed GS", h_rd16(m, H_STACK + 0x0FF4), H_GS);
  CHECK_REG8(m, EBX, 0xB1);
  CHECK_REG8(m, ECX, 0xC1);
  CHECK_REG8(m, EDX, 0xD1);
  CHECK_REG16(m, EAX, H_SS);
  CHECK_REG16(m, ESI, H_CS);
  CHECK_EQ("DS", h_sreg(m, SEG_DS), H_DS);
  CHECK_EQ("ES", h_sreg(m, SEG_ES), H_ES);
  CHECK_EQ("FS", h_sreg(m, SEG_FS), H_FS);
  CHECK_EQ("GS", h_sreg(m, SEG_GS), H_GS);
  CHECK_EQ("DS base", m->c->seg[SEG_DS].base, H_DS << 4);
  h_free(m);
}

static const uint8_t pop_ds_value[] = {
  0x68, 0x00, 0x21,                        /* 0000: push word 0x2100 */
  0x1F,                                    /* 0003: pop ds */
  0xA0, 0x00, 0x00,                        /* 0004: mov al, [0x0000]        ; physical 0x21000 */
  0xF4,                                    /* 0007: hlt */
};

Test(stack, pop_ds_changes_the_base) {
  Machine *m = PREPARE(pop_ds_value);
  h_wr8(m, 0x21000, 0x5A);
  h_run_ok(m);
  CHECK_REG8(m, EAX, 0x5A);
  h_free(m);
}

static const uint8_t pusha_popa[] = {
  0xB8, 0x11, 0x11,                        /* 0000: mov ax, 0x1111 */
  0xB9, 0x22, 0x22,                        /* 0003: mov cx, 0x2222 */
  0xBA, 0x33, 0x33,                        /* 0006: mov dx, 0x3333 */
  0xBB, 0x44, 0x44,                        /* 0009: mov bx, 0x4444 */
  0xBD, 0x55, 0x55,                        /* 000C: mov bp, 0x5555 */
  0xBE, 0x66, 0x66,                        /* 000F: mov si, 0x6666 */
  0xBF, 0x77, 0x77,                        /* 0012: mov di, 0x7777 */
  0x60,                                    /* 0015: pusha */
  0x89, 0x26, 0x00, 0x00,                  /* 0016: mov [0x00], sp */
  0x89, 0xE5,                              /* 001A: mov bp, sp */
  0xC7, 0x46, 0x06, 0xAD, 0xDE,            /* 001C: mov word [bp + 6], 0xDEAD ; the saved SP slot: POPA ignores it */
  0x31, 0xC0,                              /* 0021: xor ax, ax */
  0x31, 0xC9,                              /* 0023: xor cx, cx */
  0x31, 0xD2,                              /* 0025: xor dx, dx */
  0x31, 0xDB,                              /* 0027: xor bx, bx */
  0x31, 0xED,                              /* 0029: xor bp, bp */
  0x31, 0xF6,                              /* 002B: xor si, si */
  0x31, 0xFF,                              /* 002D: xor di, di */
  0x61,                                    /* 002F: popa */
  0xF4,                                    /* 0030: hlt */
};

Test(stack, pusha_popa) {
  Machine *m = RUN(pusha_popa);
  CHECK_EQ("SP after PUSHA", h_rd16(m, H_DATA + 0x00), H_SP - 16);
  static const uint16_t order[8] = {0x1111, 0x2222, 0x3333, 0x4444, H_SP, 0x5555, 0x6666, 0x7777};
  static const char *const names[8] = {"AX", "CX", "DX", "BX", "SP", "BP", "SI", "DI"};
  for (int i = 0; i < 8; i++) {
    uint32_t at = H_STACK + H_SP - 2 - 2 * (uint32_t)i;
    uint16_t want = i == 4 ? 0xDEAD : order[i];
    uint16_t got = h_rd16(m, at);
    cr_expect_eq(got, want, "PUSHA slot %s: expected 0x%04X, got 0x%04X", names[i], want, got);
  }
  CHECK_REG16(m, EAX, 0x1111);
  CHECK_REG16(m, ECX, 0x2222);
  CHECK_REG16(m, EDX, 0x3333);
  CHECK_REG16(m, EBX, 0x4444);
  CHECK_REG16(m, EBP, 0x5555);
  CHECK_REG16(m, ESI, 0x6666);
  CHECK_REG16(m, EDI, 0x7777);
  CHECK_REG(m, ESP, H_SP);
  h_free(m);
}

static const uint8_t pushad_popad[] = {
  0x66, 0xB8, 0x01, 0x00, 0x00, 0xA0,      /* 0000: mov eax, 0xA0000001 */
  0x66, 0xB9, 0x02, 0x00, 0x00, 0xA0,      /* 0006: mov ecx, 0xA0000002 */
  0x66, 0xBA, 0x03, 0x00, 0x00, 0xA0,      /* 000C: mov edx, 0xA0000003 */
  0x66, 0xBB, 0x04, 0x00, 0x00, 0xA0,      /* 0012: mov ebx, 0xA0000004 */
  0x66, 0xBD, 0x05, 0x00, 0x00, 0xA0,      /* 0018: mov ebp, 0xA0000005 */
  0x66, 0xBE, 0x06, 0x00, 0x00, 0xA0,      /* 001E: mov esi, 0xA0000006 */
  0x66, 0xBF, 0x07, 0x00, 0x00, 0xA0,      /* 0024: mov edi, 0xA0000007 */
  0x66, 0x60,                              /* 002A: pushad                  ; 66 60 */
  0x89, 0x26, 0x00, 0x00,                  /* 002C: mov [0x00], sp */
  0x36, 0xA1, 0xEC, 0x0F,                  /* 0030: mov ax, [ss:0x0FEC]     ; the saved ESP slot (low half) */
  0xA3, 0x02, 0x00,                        /* 0034: mov [0x02], ax */
  0x66, 0x31, 0xC0,                        /* 0037: xor eax, eax */
  0x66, 0x31, 0xC9,                        /* 003A: xor ecx, ecx */
  0x66, 0x31, 0xD2,                        /* 003D: xor edx, edx */
  0x66, 0x31, 0xDB,                        /* 0040: xor ebx, ebx */
  0x66, 0x31, 0xED,                        /* 0043: xor ebp, ebp */
  0x66, 0x31, 0xF6,                        /* 0046: xor esi, esi */
  0x66, 0x31, 0xFF,                        /* 0049: xor edi, edi */
  0x66, 0x61,                              /* 004C: popad                   ; 66 61 */
  0xF4,                                    /* 004E: hlt */
};

Test(stack, pushad_popad) {
  Machine *m = RUN(pushad_popad);
  CHECK_EQ("SP after PUSHAD", h_rd16(m, H_DATA + 0x00), H_SP - 32);
  CHECK_EQ("saved ESP", h_rd32(m, H_STACK + 0x0FEC), H_SP);
  CHECK_EQ("saved EAX", h_rd32(m, H_STACK + 0x0FFC), 0xA0000001);
  CHECK_EQ("saved EDI", h_rd32(m, H_STACK + 0x0FE0), 0xA0000007);
  CHECK_REG(m, EAX, 0xA0000001);
  CHECK_REG(m, ECX, 0xA0000002);
  CHECK_REG(m, EDX, 0xA0000003);
  CHECK_REG(m, EBX, 0xA0000004);
  CHECK_REG(m, EBP, 0xA0000005);
  CHECK_REG(m, ESI, 0xA0000006);
  CHECK_REG(m, EDI, 0xA0000007);
  CHECK_REG(m, ESP, H_SP);
  h_free(m);
}

static const uint8_t pushf_popf[] = {
  0xB0, 0xFF,                              /* 0000: mov al, 0xFF */
  0x04, 0x01,                              /* 0002: add al, 1               ; CF ZF AF PF (lazy) */
  0x9C,                                    /* 0004: pushf */
  0x58,                                    /* 0005: pop ax */
  0x68, 0xFF, 0xFE,                        /* 0006: push word 0xFEFF        ; every FLAGS bit but TF */
  0x9D,                                    /* 0009: popf */
  0x9C,                                    /* 000A: pushf */
  0x5B,                                    /* 000B: pop bx */
  0x6A, 0x00,                              /* 000C: push word 0x0000 */
  0x9D,                                    /* 000E: popf */
  0x9C,                                    /* 000F: pushf */
  0x59,                                    /* 0010: pop cx */
  0x66, 0x68, 0xD5, 0x0E, 0x27, 0x00,      /* 0011: push dword 0x00270ED5   ; ID AC VM RF + arithmetic, OF DF IF (not TF) */
  0x66, 0x9D,                              /* 0017: popfd */
  0x66, 0x9C,                              /* 0019: pushfd */
  0x66, 0x5E,                              /* 001B: pop esi */
  0x5F,                                    /* 001D: pop di */
  0x66, 0x6A, 0x00,                        /* 001E: push dword 0 */
  0x66, 0x9D,                              /* 0021: popfd */
  0x66, 0x9C,                              /* 0023: pushfd */
  0x66, 0x5A,                              /* 0025: pop edx */
  0x5D,                                    /* 0027: pop bp */
  0xF4,                                    /* 0028: hlt */
};

Test(stack, pushf_popf) {
  Machine *m = RUN(pushf_popf);
  CHECK_REG16(m, EAX, 0x0002 | F_CF | F_ZF | F_AF | F_PF);
  /* Reserved bits 3, 5 and 15 read 0, bit 1 reads 1; IOPL and NT are
   * writable in real mode (CPL 0). */
  CHECK_REG16(m, EBX, 0x7ED7);
  CHECK_REG16(m, ECX, 0x0002);
  /* POPFD in real mode: ID and AC change, VM is unaffected, RF is cleared. */
  CHECK_REG(m, ESI, 0x00240ED7);
  CHECK_REG(m, EDX, 0x00000002);
  h_free(m);
}

static const uint8_t push_pop_mem[] = {
  0xC7, 0x06, 0x10, 0x00, 0x34, 0x12,      /* 0000: mov word [0x10], 0x1234 */
  0xFF, 0x36, 0x10, 0x00,                  /* 0006: push word [0x10]        ; FF /6 */
  0x8F, 0x06, 0x12, 0x00,                  /* 000A: pop word [0x12]         ; 8F /0 */
  0x66, 0xC7, 0x06, 0x20, 0x00, 0xEF, 0xCD, 0xAB, 0x89, /* 000E: mov dword [0x20], 0x89ABCDEF */
  0x66, 0xFF, 0x36, 0x20, 0x00,            /* 0017: push dword [0x20] */
  0x66, 0x8F, 0x06, 0x24, 0x00,            /* 001C: pop dword [0x24] */
  0xBB, 0x30, 0x00,                        /* 0021: mov bx, 0x30 */
  0xC7, 0x47, 0x02, 0x21, 0x43,            /* 0024: mov word [bx + 2], 0x4321 */
  0xFF, 0x77, 0x02,                        /* 0029: push word [bx + 2] */
  0x8F, 0x47, 0x04,                        /* 002C: pop word [bx + 4] */
  0x36, 0xC7, 0x06, 0x00, 0x08, 0xAA, 0xAA, /* 002F: mov word [ss:0x0800], 0xAAAA */
  0x36, 0xC7, 0x06, 0x02, 0x08, 0xBB, 0xBB, /* 0036: mov word [ss:0x0802], 0xBBBB */
  0xBC, 0x00, 0x08,                        /* 003D: mov sp, 0x0800 */
  0x67, 0x8F, 0x04, 0x24,                  /* 0040: a32 pop word [esp]      ; the address uses ESP after the pop: SS:0x0802 */
  0x89, 0x26, 0x40, 0x00,                  /* 0044: mov [0x40], sp */
  0xBC, 0x00, 0x10,                        /* 0048: mov sp, 0x1000 */
  0xF4,                                    /* 004B: hlt */
};

Test(stack, push_pop_memory_operands) {
  Machine *m = RUN(push_pop_mem);
  CHECK_EQ("word [0x12]", h_rd16(m, H_DATA + 0x12), 0x1234);
  CHECK_EQ("dword [0x24]", h_rd32(m, H_DATA + 0x24), 0x89ABCDEF);
  CHECK_EQ("word [0x34]", h_rd16(m, H_DATA + 0x34), 0x4321);
  CHECK_EQ("SS:0x0802 after POP [ESP]", h_rd16(m, H_STACK + 0x0802), 0xAAAA);
  CHECK_EQ("SS:0x0800 untouched", h_rd16(m, H_STACK + 0x0800), 0xAAAA);
  CHECK_EQ("SP after POP [ESP]", h_rd16(m, H_DATA + 0x40), 0x0802);
  h_free(m);
}

/* The 16-bit stack pointer wraps and ESP's upper half is left alone. */
static const uint8_t sp_wrap[] = {
  0x66, 0xBC, 0x02, 0x00, 0xCD, 0xAB,      /* 0000: mov esp, 0xABCD0002 */
  0xB8, 0x11, 0x11,                        /* 0006: mov ax, 0x1111 */
  0x50,                                    /* 0009: push ax                 ; SS:0x0000 */
  0xB8, 0x22, 0x22,                        /* 000A: mov ax, 0x2222 */
  0x50,                                    /* 000D: push ax                 ; SP wraps: SS:0xFFFE */
  0x66, 0x89, 0x26, 0x00, 0x00,            /* 000E: mov [0x00], esp */
  0x5B,                                    /* 0013: pop bx */
  0x59,                                    /* 0014: pop cx */
  0x66, 0x89, 0x26, 0x04, 0x00,            /* 0015: mov [0x04], esp */
  0x66, 0xBC, 0x00, 0x10, 0x00, 0x00,      /* 001A: mov esp, 0x1000 */
  0xF4,                                    /* 0020: hlt */
};

Test(stack, sp_wraps_at_64k) {
  Machine *m = RUN(sp_wrap);
  CHECK_EQ("ESP after two pushes", h_rd32(m, H_DATA + 0x00), 0xABCDFFFE);
  CHECK_EQ("SS:0x0000", h_rd16(m, H_STACK + 0x0000), 0x1111);
  CHECK_EQ("SS:0xFFFE", h_rd16(m, H_STACK + 0xFFFE), 0x2222);
  CHECK_EQ("ESP after two pops", h_rd32(m, H_DATA + 0x04), 0xABCD0002);
  CHECK_REG16(m, EBX, 0x2222);
  CHECK_REG16(m, ECX, 0x1111);
  h_free(m);
}

/* PUSH/POP never change the flags. */
static const uint8_t stack_flags[] = {
  0xB0, 0x7F,                              /* 0000: mov al, 0x7F */
  0x04, 0x01,                              /* 0002: add al, 1               ; OF SF AF */
  0x50,                                    /* 0004: push ax */
  0x5B,                                    /* 0005: pop bx */
  0xFF, 0x36, 0x00, 0x00,                  /* 0006: push word [0] */
  0x8F, 0x06, 0x02, 0x00,                  /* 000A: pop word [2] */
  0x60,                                    /* 000E: pusha */
  0x61,                                    /* 000F: popa */
  0xF4,                                    /* 0010: hlt */
};

Test(stack, push_pop_keep_flags) {
  Machine *m = RUN(stack_flags);
  CHECK_ARITH(m, F_OF | F_SF | F_AF);
  h_free(m);
}
