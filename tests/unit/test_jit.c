/* The JIT (jit/): the emitter's encodings, the code cache, and translated
 * guest code against the interpreter on the same programs. The encodings
 * below were checked with objdump -D -b binary -mi386:x86-64 -M intel. */
#include <stdio.h>
#include <string.h>

#include "jit/codecache.h"
#include "jit/emit.h"
#include "jit/jit.h"
#include "tests/unit/harness.h"

/* ------------------------------------------------------------------------
 * Emitter */

typedef struct Enc {
  const char *text;
  uint8_t bytes[16];
  size_t n;
} Enc;

static void check_enc(const char *text, Emit *e, const uint8_t *want, size_t n) {
  cr_expect(!e->overflow, "%s: overflow", text);
  cr_expect_eq(emit_size(e), n, "%s: %zu bytes, expected %zu", text, emit_size(e), n);
  if (emit_size(e) == n)
    cr_expect(memcmp(e->start, want, n) == 0, "%s: wrong bytes (first %02X)", text, e->start[0]);
}

#define ENC(text, stmt, ...)                                  \
  do {                                                        \
    uint8_t buf_[64];                                         \
    Emit e_;                                                  \
    Emit *e = &e_;                                            \
    emit_init(e, buf_, sizeof buf_);                          \
    stmt;                                                     \
    static const uint8_t want_[] = {__VA_ARGS__};             \
    check_enc(text, e, want_, sizeof want_);                  \
  } while (0)

Test(jit_emit, moves) {
  ENC("mov eax,[rbx+0x10]", emit_load(e, 4, H_RAX, hmem(H_RBX, 0x10)), 0x8B, 0x43, 0x10);
  ENC("shr eax,0xc", emit_shift_imm(e, HS_SHR, 4, H_RAX, 12), 0xC1, 0xE8, 0x0C);
  ENC("movsx eax,byte [rcx]", emit_movsx_load(e, 1, H_RAX, hmem(H_RCX, 0)), 0x0F, 0xBE, 0x01);
  ENC("movsx edx,word [rbx+0x21]", emit_movsx_load(e, 2, H_RDX, hmem(H_RBX, 0x21)), 0x0F, 0xBF,
      0x53, 0x21);
  ENC("shl r9,3", emit_shift_imm(e, HS_SHL, 8, H_R9, 3), 0x49, 0xC1, 0xE1, 0x03);
  ENC("mov r9,[r12+0x1000]", emit_load(e, 8, H_R9, hmem(H_R12, 0x1000)), 0x4D, 0x8B, 0x8C, 0x24,
      0x00, 0x10, 0x00, 0x00);
  ENC("mov [rbp+0],esi", emit_store(e, 4, hmem(H_RBP, 0), H_RSI), 0x89, 0x75, 0x00);
  ENC("mov [rbx+5],sil", emit_store(e, 1, hmem(H_RBX, 5), H_RSI), 0x40, 0x88, 0x73, 0x05);
  ENC("mov [rbx+5],ax", emit_store(e, 2, hmem(H_RBX, 5), H_RAX), 0x66, 0x89, 0x43, 0x05);
  ENC("mov al,[rbx+1]", emit_load(e, 1, H_RAX, hmem(H_RBX, 1)), 0x8A, 0x43, 0x01);
  ENC("movzx eax,byte [rbx+1]", emit_movzx_load(e, 1, H_RAX, hmem(H_RBX, 1)), 0x0F, 0xB6, 0x43,
      0x01);
  ENC("movzx ecx,word [rbx+0x200]", emit_movzx_load(e, 2, H_RCX, hmem(H_RBX, 0x200)), 0x0F, 0xB7,
      0x8B, 0x00, 0x02, 0x00, 0x00);
  ENC("movzx eax,ax", emit_movzx_reg(e, 2, H_RAX, H_RAX), 0x0F, 0xB7, 0xC0);
  ENC("movzx eax,dil", emit_movzx_reg(e, 1, H_RAX, H_RDI), 0x40, 0x0F, 0xB6, 0xC7);
  ENC("mov dword [rbx+0x40],0x12345678", emit_store_imm(e, 4, hmem(H_RBX, 0x40), 0x12345678),
      0xC7, 0x43, 0x40, 0x78, 0x56, 0x34, 0x12);
  ENC("mov word [rbx+8],0xbeef", emit_store_imm(e, 2, hmem(H_RBX, 8), 0xBEEF), 0x66, 0xC7, 0x43,
      0x08, 0xEF, 0xBE);
  ENC("mov byte [rbx+9],0x7f", emit_store_imm(e, 1, hmem(H_RBX, 9), 0x7F), 0xC6, 0x43, 0x09, 0x7F);
  ENC("mov eax,0xdeadbeef", emit_mov_imm32(e, H_RAX, 0xDEADBEEF), 0xB8, 0xEF, 0xBE, 0xAD, 0xDE);
  ENC("mov r10d,1", emit_mov_imm32(e, H_R10, 1), 0x41, 0xBA, 0x01, 0x00, 0x00, 0x00);
  ENC("movabs rsi,0x1122334455667788", emit_mov_imm64(e, H_RSI, 0x1122334455667788ull), 0x48,
      0xBE, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11);
  ENC("mov rdi,rbx", emit_mov_reg(e, 8, H_RDI, H_RBX), 0x48, 0x89, 0xDF);
  ENC("mov r8d,ecx", emit_mov_reg(e, 4, H_R8, H_RCX), 0x41, 0x89, 0xC8);
  ENC("lea rax,[r13+rcx*8+0]", emit_lea(e, 8, H_RAX, hmem_idx(H_R13, H_RCX, 3, 0)), 0x49, 0x8D,
      0x44, 0xCD, 0x00);
}

Test(jit_emit, alu) {
  ENC("add eax,ecx", emit_alu_reg(e, HA_ADD, 4, H_RAX, H_RCX), 0x01, 0xC8);
  ENC("sub r11,rdx", emit_alu_reg(e, HA_SUB, 8, H_R11, H_RDX), 0x49, 0x29, 0xD3);
  ENC("xor al,cl", emit_alu_reg(e, HA_XOR, 1, H_RAX, H_RCX), 0x30, 0xC8);
  ENC("cmp ax,[rbx+0x20]", emit_alu_load(e, HA_CMP, 2, H_RAX, hmem(H_RBX, 0x20)), 0x66, 0x3B,
      0x43, 0x20);
  ENC("and ecx,[rbx+rax*4+8]", emit_alu_load(e, HA_AND, 4, H_RCX, hmem_idx(H_RBX, H_RAX, 2, 8)),
      0x23, 0x4C, 0x83, 0x08);
  ENC("or [rsp+4],edx", emit_alu_store(e, HA_OR, 4, hmem(H_RSP, 4), H_RDX), 0x09, 0x54, 0x24, 0x04);
  ENC("add eax,5", emit_alu_imm(e, HA_ADD, 4, H_RAX, 5), 0x83, 0xC0, 0x05);
  ENC("sub eax,0x1000", emit_alu_imm(e, HA_SUB, 4, H_RAX, 0x1000), 0x81, 0xE8, 0x00, 0x10, 0x00,
      0x00);
  ENC("add eax,-1", emit_alu_imm(e, HA_ADD, 4, H_RAX, 0xFFFFFFFF), 0x83, 0xC0, 0xFF);
  ENC("cmp ax,0x1234", emit_alu_imm(e, HA_CMP, 2, H_RAX, 0x1234), 0x66, 0x81, 0xF8, 0x34, 0x12);
  ENC("and cl,0xf0", emit_alu_imm(e, HA_AND, 1, H_RCX, 0xF0), 0x80, 0xE1, 0xF0);
  ENC("add qword [rbx+0x300],1", emit_alu_mem_imm(e, HA_ADD, 8, hmem(H_RBX, 0x300), 1), 0x48, 0x83,
      0x83, 0x00, 0x03, 0x00, 0x00, 0x01);
  ENC("cmp dword [rbx+0x80],0", emit_alu_mem_imm(e, HA_CMP, 4, hmem(H_RBX, 0x80), 0), 0x83, 0xBB,
      0x80, 0x00, 0x00, 0x00, 0x00);
  ENC("test eax,eax", emit_test_reg(e, 4, H_RAX, H_RAX), 0x85, 0xC0);
  ENC("test al,al", emit_test_reg(e, 1, H_RAX, H_RAX), 0x84, 0xC0);
  ENC("inc ax", emit_inc_reg(e, 2, H_RAX), 0x66, 0xFF, 0xC0);
  ENC("dec al", emit_dec_reg(e, 1, H_RAX), 0xFE, 0xC8);
  ENC("setb cl", emit_setcc(e, HC_B, H_RCX), 0x0F, 0x92, 0xC1);
}

Test(jit_emit, control) {
  ENC("push rbx; push r12", (emit_push(e, H_RBX), emit_push(e, H_R12)), 0x53, 0x41, 0x54);
  ENC("pop r15; pop rbx", (emit_pop(e, H_R15), emit_pop(e, H_RBX)), 0x41, 0x5F, 0x5B);
  ENC("call rax; call r11", (emit_call_reg(e, H_RAX), emit_call_reg(e, H_R11)), 0xFF, 0xD0, 0x41,
      0xFF, 0xD3);
  ENC("ret", emit_ret(e), 0xC3);
  ENC("jne (next)", emit_jcc(e, HC_NE, 6), 0x0F, 0x85, 0x00, 0x00, 0x00, 0x00);
  ENC("jmp (self)", emit_jmp(e, 0), 0xE9, 0xFB, 0xFF, 0xFF, 0xFF);
}

static void forward_jump(Emit *e) {
  size_t at = emit_jmp(e, -1);
  emit_byte(e, 0x90);
  emit_byte(e, 0x90);
  emit_patch_rel32(e, at, emit_size(e));
}

Test(jit_emit, patched_forward_jump) {
  ENC("jmp +2; nop; nop", forward_jump(e), 0xE9, 0x02, 0x00, 0x00, 0x00, 0x90, 0x90);
}

Test(jit_emit, overflow_is_caught) {
  uint8_t buf[4];
  Emit e;
  emit_init(&e, buf, sizeof buf);
  emit_mov_imm64(&e, H_RAX, 1);
  cr_expect(e.overflow);
  cr_expect_eq(emit_size(&e), 4);
}

/* ------------------------------------------------------------------------
 * Code cache */

Test(jit_codecache, runs_committed_code_and_resets) {
  CodeCache cc;
  cr_assert_eq(codecache_init(&cc, 1 << 16), 0);
  uint8_t buf[32];
  Emit e;
  emit_init(&e, buf, sizeof buf);
  emit_mov_imm32(&e, H_RAX, 42); /* mov eax, 42 ; ret */
  emit_ret(&e);
  void *p = codecache_commit(&cc, buf, emit_size(&e));
  cr_assert_not_null(p);
  int (*fn)(void) = (int (*)(void))p;
  cr_expect_eq(fn(), 42);
  /* Fill it: commits fail once it is full, then work again after reset. */
  uint8_t big[4096] = {0};
  int n = 0;
  while (codecache_commit(&cc, big, sizeof big)) n++;
  cr_expect(n >= 14 && n <= 16, "%d pages fit", n);
  codecache_reset(&cc);
  cr_expect_eq(cc.flushes, 1);
  p = codecache_commit(&cc, buf, emit_size(&e));
  cr_assert_eq(p, cc.base);
  fn = (int (*)(void))p;
  cr_expect_eq(fn(), 42);
  codecache_free(&cc);
}

/* ------------------------------------------------------------------------
 * Translated code against the interpreter. */

static Machine *machine(int accel, const uint8_t *code, size_t n) {
  Machine *m = h_prepare(code, n);
  cr_assert_eq(jit_enable(m->c, accel, 1u << 20), 0);
  if (m->c->jit) m->c->jit->threshold = 0;
  return m;
}

/* Same registers, EIP, flags, instruction count and halting vector. */
static void expect_same(Machine *a, Machine *b, const char *what) {
  static const char *names[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
  for (int r = 0; r < 8; r++)
    cr_expect_eq(a->c->r[r], b->c->r[r], "%s: %s interp %08X, jit %08X", what, names[r],
                 a->c->r[r], b->c->r[r]);
  cr_expect_eq(a->c->eip, b->c->eip, "%s: EIP", what);
  uint32_t fa = h_flags(a), fb = h_flags(b);
  cr_expect_eq(fa, fb, "%s: EFLAGS interp %08X, jit %08X", what, fa, fb);
  cr_expect_eq(a->c->icount, b->c->icount, "%s: icount interp %llu, jit %llu", what,
               (unsigned long long)a->c->icount, (unsigned long long)b->c->icount);
  cr_expect_eq(h_vector(a), h_vector(b), "%s: vector", what);
}

/* Run code in the interpreter, the JIT and lockstep; all must agree. */
static void compare_engines(const uint8_t *code, size_t n, const char *what) {
  Machine *ref = machine(ACCEL_INTERP, code, n);
  Machine *jit = machine(ACCEL_JIT, code, n);
  Machine *ls = machine(ACCEL_LOCKSTEP, code, n);
  h_run(ref);
  h_run(jit);
  h_run(ls);
  cr_expect_gt(jit->c->jit->translated, 0, "%s: nothing translated", what);
  expect_same(ref, jit, what);
  expect_same(ref, ls, what);
  cr_expect_eq(ls->c->jit->divergences, 0, "%s: lockstep divergences", what);
  for (uint32_t a = H_STACK; a < H_STACK + H_SP; a += 4)
    cr_expect_eq(h_rd32(ref, a), h_rd32(jit, a), "%s: stack at %05X", what, a);
  h_free(ref);
  h_free(jit);
  h_free(ls);
}

Test(jit, alu_loop_matches_interpreter) {
  static const uint8_t code[] = {
      0xB9, 0x2C, 0x01,                         /* mov cx, 300 */
      0xB8, 0x34, 0x12,                         /* mov ax, 0x1234 */
      0x66, 0xBA, 0xEF, 0xCD, 0xAB, 0x89,       /* mov edx, 0x89ABCDEF */
      /* loop: */
      0x01, 0xC8,                               /* add ax, cx */
      0x30, 0xC3,                               /* xor bl, al */
      0x29, 0xDA,                               /* sub dx, bx */
      0x66, 0x81, 0xC2, 0x11, 0x11, 0x11, 0x11, /* add edx, 0x11111111 */
      0x3C, 0x80,                               /* cmp al, 0x80 */
      0x72, 0x02,                               /* jb skip */
      0x46,                                     /* inc si */
      0x46,                                     /* inc si */
      /* skip: */
      0x21, 0xC7,                               /* and di, ax */
      0x81, 0xCF, 0x01, 0x01,                   /* or di, 0x0101 */
      0x89, 0xFD,                               /* mov bp, di */
      0x88, 0xE7,                               /* mov bh, ah */
      0x80, 0xF4, 0x5A,                         /* xor ah, 0x5A */
      0x49,                                     /* dec cx */
      0x75, 0xDC,                               /* jnz loop */
      0x9F,                                     /* lahf */
      0xF4,                                     /* hlt */
  };
  compare_engines(code, sizeof code, "ALU loop");
}

/* Every producer x condition x interesting operands, as one block each:
 * mov eax, A ; mov ecx, B ; <pre> ; <op> ; jcc +1 ; inc si ; hlt */
Test(jit, jcc_after_every_flags_producer) {
  static const uint32_t vals[] = {0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF,
                                  0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x12345678};
  static const struct { const char *name; uint8_t b[4]; int n; } ops[] = {
      {"cmp eax,ecx", {0x66, 0x39, 0xC8}, 3}, {"cmp ax,cx", {0x39, 0xC8}, 2},
      {"cmp al,cl", {0x38, 0xC8}, 2},         {"sub ax,cx", {0x29, 0xC8}, 2},
      {"add eax,ecx", {0x66, 0x01, 0xC8}, 3}, {"add al,cl", {0x00, 0xC8}, 2},
      {"and ax,cx", {0x21, 0xC8}, 2},         {"or al,cl", {0x08, 0xC8}, 2},
      {"xor eax,ecx", {0x66, 0x31, 0xC8}, 3}, {"inc eax", {0x66, 0x40}, 2},
      {"dec ax", {0x48}, 1},                  {"cmp al,0x80", {0x3C, 0x80}, 2},
      {"adc ax,cx", {0x11, 0xC8}, 2},         {"test ax,cx", {0x85, 0xC8}, 2},
  };
  /* Before the op: nothing, or a known producer (so INC/DEC capture CF inline). */
  static const struct { uint8_t b[3]; int n; } pre[] = {
      {{0}, 0}, {{0x66, 0x39, 0xC1}, 3} /* cmp ecx,eax */, {{0x01, 0xC1}, 2} /* add cx,ax */,
      {{0x20, 0xC1}, 2} /* and cl,al */};
  Machine *ref = machine(ACCEL_INTERP, (uint8_t[]){0xF4}, 1);
  Machine *jit = machine(ACCEL_JIT, (uint8_t[]){0xF4}, 1);
  int runs = 0;
  for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
    for (size_t p = 0; p < sizeof pre / sizeof pre[0]; p++)
      for (int cc = 0; cc < 16; cc++)
        for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
          for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k += 3) {
            uint8_t code[32];
            int n = 0;
            code[n++] = 0x66, code[n++] = 0xB8;
            memcpy(code + n, &vals[i], 4), n += 4;
            code[n++] = 0x66, code[n++] = 0xB9;
            memcpy(code + n, &vals[k], 4), n += 4;
            memcpy(code + n, pre[p].b, (size_t)pre[p].n), n += pre[p].n;
            memcpy(code + n, ops[o].b, (size_t)ops[o].n), n += ops[o].n;
            code[n++] = (uint8_t)(0x70 + cc), code[n++] = 0x01;
            code[n++] = 0x46, code[n++] = 0xF4;
            Machine *ms[2] = {ref, jit};
            for (int w = 0; w < 2; w++) {
              Cpu *c = ms[w]->c;
              h_load(ms[w], code, (size_t)n);
              c->halted = false;
              c->r[ESI] = 0;
              c->icount = 0;
              cpu_set_flags(c, (uint32_t)(i * 7 + k + cc) & 0x8D5, F_ARITH); /* varied CF etc. */
              h_run(ms[w]);
            }
            char what[96];
            snprintf(what, sizeof what, "%s %s j%d A=%08X B=%08X", pre[p].n ? "pre" : "",
                     ops[o].name, cc, vals[i], vals[k]);
            expect_same(ref, jit, what);
            runs++;
          }
  cr_expect(jit->c->jit->inline_insns > 0);
  cr_log_info("%d programs compared", runs);
  h_free(ref);
  h_free(jit);
}

/* A fault in the middle of a translated block: the inline instructions
 * before it have retired (EIP, icount), the faulting one has not. */
Test(jit, fault_mid_block_is_precise) {
  static const uint8_t code[] = {
      0xB8, 0x05, 0x00, /* mov ax, 5 */
      0x01, 0xC3,       /* add bx, ax */
      0xB1, 0x00,       /* mov cl, 0 */
      0x43,             /* inc bx (inline: the record is a known ADD) */
      0xF6, 0xF1,       /* div cl: #DE at IP 8 */
      0x46,             /* inc si (not reached) */
      0xF4,             /* hlt */
  };
  compare_engines(code, sizeof code, "fault mid-block");
  Machine *m = machine(ACCEL_JIT, code, sizeof code);
  h_run(m);
  CHECK_FAULT(m, EXC_DE, 0x0008);
  CHECK_REG16(m, EBX, 6);
  CHECK_REG16(m, ESI, 0);
  h_free(m);
}

/* Code patched by a store inside the same translated block. */
Test(jit, self_modifying_block) {
  static const uint8_t code[] = {
      0x2E, 0xC6, 0x06, 0x07, 0x00, 0x42, /* mov byte [cs:7], 0x42 */
      0xB0, 0x00,                         /* mov al, 0 (its immediate is byte 7) */
      0xF4,                               /* hlt */
  };
  compare_engines(code, sizeof code, "SMC");
  Machine *m = machine(ACCEL_JIT, code, sizeof code);
  h_run_ok(m);
  CHECK_REG8(m, EAX, 0x42);
  h_free(m);
}

/* A hot loop that calls and returns (handler calls with events checks
 * between them) and a loop whose code is rewritten between runs. */
Test(jit, calls_and_rewritten_loop) {
  static const uint8_t code[] = {
      0xB9, 0x10, 0x00,       /* mov cx, 16 */
      /* loop: */
      0xE8, 0x05, 0x00,       /* call sub */
      0x49,                   /* dec cx */
      0x75, 0xFA,             /* jnz loop */
      0xEB, 0x0A,             /* jmp done */
      /* sub: */
      0x83, 0xC6, 0x03,       /* add si, 3 */
      0x2E, 0x80, 0x06, 0x0D, 0x00, 0x01, /* add byte [cs:0x0D], 1: the add's immediate */
      0xC3,                   /* ret */
      /* done: */
      0xF4,                   /* hlt */
  };
  compare_engines(code, sizeof code, "call loop with SMC");
  Machine *m = machine(ACCEL_JIT, code, sizeof code);
  h_run_ok(m);
  CHECK_REG16(m, ESI, 3 * 16 + (15 * 16) / 2);
  h_free(m);
}

/* More code than the code cache holds: it is flushed (with the decoded
 * blocks) and refilled, and the program still computes the same thing. */
Test(jit, code_cache_flush_when_full) {
  static uint8_t code[2048];
  int n = 0;
  code[n++] = 0xB9, code[n++] = 0x03, code[n++] = 0x00; /* mov cx, 3 */
  int loop = n;
  for (int i = 0; i < 300; i++) {
    code[n++] = 0x83, code[n++] = 0xC6, code[n++] = (uint8_t)i; /* add si, i */
    code[n++] = 0xEB, code[n++] = 0x00;                       /* jmp $+2 */
  }
  code[n++] = 0x49;                                           /* dec cx */
  code[n++] = 0x0F, code[n++] = 0x85;                         /* jnz loop (rel16) */
  int16_t rel = (int16_t)(loop - (n + 2));
  memcpy(code + n, &rel, 2), n += 2;
  code[n++] = 0xF4;
  Machine *ref = machine(ACCEL_INTERP, code, (size_t)n);
  Machine *jit = h_prepare(code, (size_t)n);
  jit_free(jit->c->jit); /* HOLO86_ACCEL may have made one already */
  jit->c->jit = NULL;
  cr_assert_eq(jit_enable(jit->c, ACCEL_JIT, 8192), 0);
  jit->c->jit->threshold = 0;
  h_run_ok(ref);
  h_run_ok(jit);
  expect_same(ref, jit, "code cache flushes");
  cr_expect_gt(jit->c->jit->cache.flushes, 2, "the cache never filled up");
  h_free(ref);
  h_free(jit);
}
