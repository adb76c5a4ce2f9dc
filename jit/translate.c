/* Block translation: a decoded Block becomes one host function
 *
 *   void block(Cpu *c)        ; RBX = c for the whole body
 *     push rbx
 *     mov  rbx, rdi
 *     <one piece per guest instruction>
 *   exit:
 *     pop  rbx
 *     ret
 *
 * Per instruction, either a handler call (the general case, step 1) or an
 * inline fast path (step 2). A handler call is what run_block() does:
 *
 *     mov  eax, [rbx+eip]          ; EIP of this instruction
 *     add  eax, d                  ;   (+ pending advance of inline insns)
 *     movzx eax, ax                ;   (16-bit code only)
 *     mov  [rbx+insn_eip], eax
 *     mov  edx, [rbx+r+4*ESP]
 *     mov  [rbx+insn_esp], edx
 *     add  eax, len                ; EIP after it
 *     movzx eax, ax                ;   (16-bit code only)
 *     mov  [rbx+eip], eax
 *     add  qword [rbx+icount], k   ;   (inline insns retired since the last flush)
 *     mov  rdi, rbx
 *     mov  rsi, <&b->insn[i]>
 *     mov  rax, <in->fn>
 *     call rax
 *     add  qword [rbx+icount], 1
 *     cmp  dword [rbx+events], 0   ;   (not after the last instruction)
 *     jne  exit
 *
 * Inline instructions touch only registers and the lazy-flags record, so
 * they cannot fault and need neither insn_eip/insn_esp nor an events
 * check: their EIP advance and icount are accumulated at translation time
 * and stored before the next handler call or the block's end (16-bit EIP
 * wrapping commutes: ((e + a) & 0xFFFF) + b wraps to (e + a + b) & 0xFFFF).
 * Registers a handler may read (insn_eip, EIP, icount) are always exact
 * when it runs, and so is everything at the block's exits. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cpu/flags.h"
#include "mmu/physmem.h"
#include "mmu/tlb.h"
#include "jit/emit.h"
#include "jit/jit.h"

#define OFF(field) ((int32_t)offsetof(Cpu, field))

_Static_assert(offsetof(LazyFlags, op) == 12 && offsetof(LazyFlags, size) == 13 &&
                   offsetof(LazyFlags, carry) == 14 && sizeof(LazyFlags) == 16,
               "translate.c writes op|size<<8 (|carry<<16) as one store");

static HMem field(int32_t off) { return hmem(H_RBX, off); }

/* The handler opcodes.def names for an instruction, which the translator
 * recognises (the decoder may have put a form-specialised variant of it in
 * in->fn; handler calls use that one). */
static Handler handler_of(const Insn *in) { return decode_handler(in); }

/* The guest register r of size bytes inside the Cpu (AH..BH are byte 1 of
 * EAX..EBX). */
static HMem greg(int r, int size) {
  if (size == 1 && r >= 4) return field(OFF(r) + 4 * (r - 4) + 1);
  return field(OFF(r) + 4 * r);
}

typedef struct Tr {
  Emit e;
  Jit *jit;
  Block *b;
  bool code32;
  uint32_t pend_eip; /* EIP advance not stored yet */
  uint32_t pend_n;   /* instructions retired, not counted yet */
  int lf_op;         /* LazyOp the record holds for sure, or -1 */
  int lf_size;
  bool flags_live;   /* something may read the flags this instruction sets */
  uint32_t off;      /* offset of this instruction from the block's start */
  size_t exits[BLOCK_MAX_INSNS + 16]; /* jumps to exit (return NULL) */
  int n_exits;
  size_t rets[4];    /* jumps to ret (return the slot in RAX) */
  int n_rets;
  uint32_t n_inline;
} Tr;

/* ------------------------------------------------------------------------
 * Pieces shared by all instructions. */

/* eax = eax + d, wrapped to 16 bits in 16-bit code:
 *   add eax, d ; movzx eax, ax */
static void add_eip(Tr *t, uint32_t d) {
  if (d) emit_alu_imm(&t->e, HA_ADD, 4, H_RAX, d);
  if (!t->code32) emit_movzx_reg(&t->e, 2, H_RAX, H_RAX);
}

/* Store the pending EIP advance:
 *   add dword [rbx+eip], d                          (32-bit code)
 *   mov eax, [rbx+eip] ; add eax, d ; movzx eax, ax ; mov [rbx+eip], eax */
static void flush_eip(Tr *t) {
  if (!t->pend_eip) return;
  if (t->code32) {
    emit_alu_mem_imm(&t->e, HA_ADD, 4, field(OFF(eip)), t->pend_eip);
  } else {
    emit_load(&t->e, 4, H_RAX, field(OFF(eip)));
    add_eip(t, t->pend_eip);
    emit_store(&t->e, 4, field(OFF(eip)), H_RAX);
  }
  t->pend_eip = 0;
}

/*   add qword [rbx+icount], n */
static void flush_count(Tr *t) {
  if (!t->pend_n) return;
  emit_alu_mem_imm(&t->e, HA_ADD, 8, field(OFF(icount)), t->pend_n);
  t->pend_n = 0;
}

/* What run_block() does before the handler: insn_eip, insn_esp, EIP past
 * the instruction; and the count of the inline instructions before it. */
static void begin_insn(Tr *t, const Insn *in) {
  emit_load(&t->e, 4, H_RAX, field(OFF(eip)));
  if (t->pend_eip) add_eip(t, t->pend_eip);
  t->pend_eip = 0;
  emit_store(&t->e, 4, field(OFF(insn_eip)), H_RAX);
  emit_load(&t->e, 4, H_RDX, greg(ESP, 4));
  emit_store(&t->e, 4, field(OFF(insn_esp)), H_RDX);
  add_eip(t, in->len);
  emit_store(&t->e, 4, field(OFF(eip)), H_RAX);
  flush_count(t);
}

/* --stats only:  mov rax, counter ; add qword [rax], 1 */
static void count(Tr *t, uint64_t *counter) {
  if (!t->jit->counting) return;
  emit_mov_imm64(&t->e, H_RAX, (uint64_t)(uintptr_t)counter);
  emit_alu_mem_imm(&t->e, HA_ADD, 8, hmem(H_RAX, 0), 1);
}

/* A C function whose first argument is the Cpu:
 *   mov rdi, rbx ; mov rax, fn ; call rax */
static void call_c(Tr *t, uintptr_t fn) {
  emit_mov_reg(&t->e, 8, H_RDI, H_RBX);
  emit_mov_imm64(&t->e, H_RAX, (uint64_t)fn);
  emit_call_reg(&t->e, H_RAX);
}

/*   mov rsi, in ; <call_c fn> */
static void call_handler(Tr *t, const Insn *in, Handler fn) {
  count(t, &t->jit->helper_calls[in->op]);
  t->jit->helper_fn[in->op] = handler_of(in);
  emit_mov_imm64(&t->e, H_RSI, (uint64_t)(uintptr_t)in);
  call_c(t, (uintptr_t)fn);
}

/* Fold the lazy-flags record into EFLAGS unless it is known empty:
 *   <call_c flags_materialize> */
static void materialize(Tr *t) {
  if (t->lf_op != LF_NONE) call_c(t, (uintptr_t)flags_materialize);
  t->lf_op = LF_NONE;
}

/*   cmp dword [rbx+events], 0 ; jne exit */
static void check_events(Tr *t) {
  emit_alu_mem_imm(&t->e, HA_CMP, 4, field(OFF(events)), 0);
  t->exits[t->n_exits++] = emit_jcc(&t->e, HC_NE, -1);
}

/* A way out of the block, EIP and icount stored, to the next block without
 * the dispatcher where allowed (see jit.h). `delta` is the next EIP's
 * distance from the block's start when it is fixed, else -1. A fixed
 * target on the block's own page in 32-bit code gets an exit slot:
 *   cmp dword [rbx+events], 0 ; jne exit
 *   mov rax, [rbx+icount] ; cmp rax, [rbx+icount_stop] ; jae exit
 *   slot: jmp slot+5 ; lea rax, [rip+slot] ; jmp ret ; dd page
 * any other a lookup in the jump cache, after the same two checks:
 *   mov eax, [rbx+eip] ; add eax, [rbx+seg[CS].base]     ; linear EIP
 *   mov edx, eax ; shr edx, BITS ; xor edx, eax ; and edx, 2^BITS-1
 *   shl edx, 4 ; mov rcx, <jump cache>
 *   cmp eax, [rcx+rdx] ; jne miss
 *   mov eax, [rbx+code_epoch] ; cmp eax, [rcx+rdx+4] ; jne miss
 *   mov rax, [rcx+rdx+8] ; jmp rax
 * miss:
 *   mov rdi, rbx ; mov rax, jit_lookup ; call rax
 *   test rax, rax ; je exit ; jmp rax */
static void emit_continue(Tr *t, long delta) {
  Emit *e = &t->e;
  const Block *b = t->b;
  check_events(t);
  emit_load(e, 8, H_RAX, field(OFF(icount)));
  emit_alu_load(e, HA_CMP, 8, H_RAX, field(OFF(icount_stop)));
  t->exits[t->n_exits++] = emit_jcc(e, HC_AE, -1);
  long at = (long)(b->phys & (PAGE_SIZE - 1)) + delta;
  if (t->code32 && delta >= 0 && at < PAGE_SIZE && b->page[0] == b->page[1]) {
    size_t slot = emit_size(e);
    emit_jmp(e, (long)slot + 5);
    emit_lea_rip(e, H_RAX, slot);
    t->rets[t->n_rets++] = emit_jmp(e, -1);
    emit_u32(e, b->page[0]);
  } else {
    _Static_assert(sizeof(JitJump) == 16, "the lookup scales the index by 16");
    emit_load(e, 4, H_RAX, field(OFF(eip)));
    emit_alu_load(e, HA_ADD, 4, H_RAX, field(OFF(seg[SEG_CS].base)));
    emit_mov_reg(e, 4, H_RDX, H_RAX);
    emit_shift_imm(e, HS_SHR, 4, H_RDX, JIT_JUMP_BITS);
    emit_alu_reg(e, HA_XOR, 4, H_RDX, H_RAX);
    emit_alu_imm(e, HA_AND, 4, H_RDX, (1u << JIT_JUMP_BITS) - 1);
    emit_shift_imm(e, HS_SHL, 4, H_RDX, 4);
    emit_mov_imm64(e, H_RCX, (uint64_t)(uintptr_t)t->jit->jump);
    emit_alu_load(e, HA_CMP, 4, H_RAX, hmem_idx(H_RCX, H_RDX, 0, 0));
    size_t miss1 = emit_jcc(e, HC_NE, -1);
    emit_load(e, 4, H_RAX, field(OFF(code_epoch)));
    emit_alu_load(e, HA_CMP, 4, H_RAX, hmem_idx(H_RCX, H_RDX, 0, 4));
    size_t miss2 = emit_jcc(e, HC_NE, -1);
    emit_load(e, 8, H_RAX, hmem_idx(H_RCX, H_RDX, 0, 8));
    emit_jmp_reg(e, H_RAX);
    emit_patch_rel32(e, miss1, emit_size(e));
    emit_patch_rel32(e, miss2, emit_size(e));
    call_c(t, (uintptr_t)jit_lookup);
    emit_test_reg(e, 8, H_RAX, H_RAX);
    t->exits[t->n_exits++] = emit_jcc(e, HC_E, -1);
    emit_jmp_reg(e, H_RAX);
  }
}

/* ------------------------------------------------------------------------
 * What the lazy-flags record holds after a handler, when it is certain:
 * the ALU handlers in cpu/ops_alu.c (operands masked to the size, as
 * flags_cf() and the inline Jcc below assume). */

enum { F_EG, F_GE, F_AI, F_EI };
enum { G_ADD, G_OR, G_ADC, G_SBB, G_AND, G_SUB, G_XOR, G_CMP, G_TEST };

static const struct AluForm {
  Handler fn;
  int op, form;
} alu_forms[] = {
#define FORMS(name, op) \
  {name##_EG, op, F_EG}, {name##_GE, op, F_GE}, {name##_AI, op, F_AI}, {name##_EI, op, F_EI}
    FORMS(add, G_ADD), FORMS(or, G_OR), FORMS(and, G_AND), FORMS(sub, G_SUB),
    FORMS(xor, G_XOR), FORMS(cmp, G_CMP), FORMS(adc, G_ADC), FORMS(sbb, G_SBB),
#undef FORMS
};

static const struct AluForm *alu_form(Handler fn) {
  for (size_t i = 0; i < sizeof alu_forms / sizeof alu_forms[0]; i++)
    if (alu_forms[i].fn == fn) return &alu_forms[i];
  return NULL;
}

static int lazy_of(int op) {
  switch (op) {
  case G_ADD: return LF_ADD;
  case G_SUB: case G_CMP: return LF_SUB;
  case G_OR: case G_AND: case G_XOR: case G_TEST: return LF_LOGIC;
  default: return -1; /* ADC/SBB: not tracked */
  }
}

/* The record a handler leaves, or -1. */
static int lf_after_handler(const Insn *in) {
  const struct AluForm *f = alu_form(handler_of(in));
  if (f) return lazy_of(f->op);
  if (handler_of(in) == inc_r || handler_of(in) == inc_E) return LF_INC;
  if (handler_of(in) == dec_r || handler_of(in) == dec_E) return LF_DEC;
  if (handler_of(in) == neg_E) return LF_SUB; /* 0 - a, a masked */
  if (handler_of(in) == bt_EI || handler_of(in) == bt_EG) return LF_NONE; /* CF set eagerly */
  if (handler_of(in) == test_EG || handler_of(in) == test_AI || handler_of(in) == test_EI) return LF_LOGIC;
  return -1;
}

/* ------------------------------------------------------------------------
 * Inline fast paths. Each writes exactly what its handler writes. */

/* eax = guest register r zero-extended:
 *   movzx eax, byte [rbx+r] | movzx eax, word [rbx+r] | mov eax, [rbx+r] */
static void load_greg(Tr *t, int hreg, int r, int size) {
  if (size == 4) emit_load(&t->e, 4, hreg, greg(r, 4));
  else emit_movzx_load(&t->e, size, hreg, greg(r, size));
}

/* The record's op and size, clearing lf.carry:
 *   mov dword [rbx+lf.op], op | size<<8
 * or keeping it (INC/DEC/ADC/SBB, which stored their carry there first):
 *   mov word [rbx+lf.op], op | size<<8 */
static void set_lf_op(Tr *t, int op, int size, bool keep_carry) {
  emit_store_imm(&t->e, keep_carry ? 2 : 4, field(OFF(lf.op)), (uint32_t)op | (uint32_t)size << 8);
  t->lf_op = op;
  t->lf_size = size;
}

/* An ALU operand: a guest register, an immediate, or guest memory whose
 * host address is in RCX (see mem_fast_path). */
typedef enum { O_REG, O_IMM, O_MEM } OpndKind;
typedef struct AluOpnd {
  OpndKind kind;
  int reg;
  uint32_t imm;
} AluOpnd;

/* host = the operand zero-extended:
 *   movzx|mov host, <guest register> | movzx|mov host, [rcx] | mov host, imm */
static void load_opnd(Tr *t, int host, AluOpnd o, int size) {
  if (o.kind == O_REG) load_greg(t, host, o.reg, size);
  else if (o.kind == O_IMM) emit_mov_imm32(&t->e, host, o.imm);
  else if (size == 4) emit_load(&t->e, 4, host, hmem(H_RCX, 0));
  else emit_movzx_load(&t->e, size, host, hmem(H_RCX, 0));
}

/* ADD/OR/AND/SUB/XOR/CMP/TEST, a = a op b (ops_alu.c's alu()), a a
 * register or memory, b a register, memory or an immediate:
 *   <load a into eax> ; mov [rbx+lf.a], eax
 *   <load b into edx> ; mov [rbx+lf.b], edx
 *   op   eax, edx
 *   movzx eax, al|ax            ; (ADD/SUB below 32 bits: r & mask)
 *   mov  [rbx+lf.res], eax
 *   mov  dword [rbx+lf.op], LF_x | size<<8
 *   mov  <a>, al|ax|eax         ; (not CMP/TEST)
 * When the flags are dead (see flags_live_after) the lazy-flags record is
 * not written, and CMP/TEST emit nothing at all. */
static void inline_alu(Tr *t, int op, int size, AluOpnd a, AluOpnd b) {
  static const int host_op[] = {[G_ADD] = HA_ADD, [G_OR] = HA_OR, [G_AND] = HA_AND,
                                [G_SUB] = HA_SUB, [G_XOR] = HA_XOR, [G_CMP] = HA_SUB,
                                [G_TEST] = HA_AND};
  bool writes = op != G_CMP && op != G_TEST;
  if (!t->flags_live && !writes) return;
  load_opnd(t, H_RAX, a, size);
  if (t->flags_live) emit_store(&t->e, 4, field(OFF(lf.a)), H_RAX);
  load_opnd(t, H_RDX, b, size);
  if (t->flags_live) emit_store(&t->e, 4, field(OFF(lf.b)), H_RDX);
  emit_alu_reg(&t->e, host_op[op], 4, H_RAX, H_RDX);
  if (t->flags_live) {
    if (size < 4 && (op == G_ADD || op == G_SUB || op == G_CMP))
      emit_movzx_reg(&t->e, size, H_RAX, H_RAX);
    emit_store(&t->e, 4, field(OFF(lf.res)), H_RAX);
    set_lf_op(t, lazy_of(op), size, false);
  } else {
    t->lf_op = -1;
  }
  if (!writes) return;
  if (a.kind == O_MEM) emit_store(&t->e, size, hmem(H_RCX, 0), H_RAX);
  else emit_store(&t->e, size, greg(a.reg, size), H_RAX);
}

/* SHL/SHR/SAR of a register by a constant count n (1..31 after masking),
 * as ops_shift.c does, record LF_SHL/SHR/SAR with a = the operand, b = n:
 *   movzx|mov eax, [rbx+r]
 *   mov  [rbx+lf.a], eax ; mov dword [rbx+lf.b], n
 *   movsx eax, byte|word [rbx+r]       ; (SAR below 32 bits)
 *   shl|shr|sar eax, n
 *   movzx eax, al|ax                   ; (below 32 bits)
 *   mov  [rbx+lf.res], eax ; mov dword [rbx+lf.op], LF_x | size<<8
 *   mov  [rbx+r], al|ax|eax
 * (the record's stores only while the flags are live). */
enum { SH_SHL = 4, SH_SHR = 5, SH_SAL = 6, SH_SAR = 7 };

static int shift_count_imm(const Insn *in) {
  if (in->op == 0xD0 || in->op == 0xD1) return 1;
  if (in->op == 0xC0 || in->op == 0xC1) return (int)(in->imm & 0x1F);
  return -1; /* by CL */
}

static bool is_reg_shift(const Insn *in) {
  return handler_of(in) == shift_E && in->mod == 3 && in->aux >= SH_SHL && shift_count_imm(in) > 0;
}

static void inline_shift(Tr *t, const Insn *in) {
  Emit *e = &t->e;
  int size = in->size, n = shift_count_imm(in);
  bool sar = in->aux == SH_SAR;
  size_t zero = 0;
  if (n < 0) {
    emit_load(e, 4, H_RCX, greg(ECX, 4));
    emit_alu_imm(e, HA_AND, 4, H_RCX, 0x1F);
    zero = emit_jcc(e, HC_E, -1);
  }
  load_greg(t, H_RAX, in->rm, size);
  if (t->flags_live) {
    emit_store(e, 4, field(OFF(lf.a)), H_RAX);
    if (n < 0) emit_store(e, 4, field(OFF(lf.b)), H_RCX);
    else emit_store_imm(e, 4, field(OFF(lf.b)), (uint32_t)n);
  }
  if (sar && size < 4) emit_movsx_load(e, size, H_RAX, greg(in->rm, size));
  int op = sar ? HS_SAR : in->aux == SH_SHR ? HS_SHR : HS_SHL;
  if (n < 0) emit_shift_cl(e, op, 4, H_RAX);
  else emit_shift_imm(e, op, 4, H_RAX, (uint8_t)n);
  if (size < 4) emit_movzx_reg(e, size, H_RAX, H_RAX);
  if (t->flags_live) {
    emit_store(e, 4, field(OFF(lf.res)), H_RAX);
    set_lf_op(t, sar ? LF_SAR : in->aux == SH_SHR ? LF_SHR : LF_SHL, size, false);
  }
  emit_store(e, size, greg(in->rm, size), H_RAX);
  if (n < 0) emit_patch_rel32(e, zero, emit_size(e));
  /* By CL the record may be the old one (count 0); dead flags: stale. */
  if (n < 0 || !t->flags_live) t->lf_op = -1;
}

/* NEG r: 0 - r, record LF_SUB with a = 0, b = the operand:
 *   movzx|mov edx, [rbx+r] ; xor eax, eax ; sub eax, edx ; movzx eax, al|ax
 *   mov dword [rbx+lf.a], 0 ; mov [rbx+lf.b], edx ; mov [rbx+lf.res], eax
 *   mov dword [rbx+lf.op], LF_SUB | size<<8          ; (flags live)
 *   mov [rbx+r], al|ax|eax */
static void inline_neg(Tr *t, const Insn *in) {
  Emit *e = &t->e;
  int size = in->size;
  load_greg(t, H_RDX, in->rm, size);
  emit_alu_reg(e, HA_XOR, 4, H_RAX, H_RAX);
  emit_alu_reg(e, HA_SUB, 4, H_RAX, H_RDX);
  if (size < 4) emit_movzx_reg(e, size, H_RAX, H_RAX);
  if (t->flags_live) {
    emit_store_imm(e, 4, field(OFF(lf.a)), 0);
    emit_store(e, 4, field(OFF(lf.b)), H_RDX);
    emit_store(e, 4, field(OFF(lf.res)), H_RAX);
    set_lf_op(t, LF_SUB, size, false);
  } else {
    t->lf_op = -1;
  }
  emit_store(e, size, greg(in->rm, size), H_RAX);
}

/* ADC/SBB with register or immediate operands: the carry in is captured
 * into lf.carry (as INC/DEC do), then
 *   movzx|mov eax, <a> ; mov [rbx+lf.a], eax
 *   movzx|mov edx, <b> ; mov [rbx+lf.b], edx
 *   add|sub eax, edx ; movzx ecx, byte [rbx+lf.carry] ; add|sub eax, ecx
 *   movzx eax, al|ax                                  ; (below 32 bits)
 *   mov  [rbx+lf.res], eax ; mov word [rbx+lf.op], LF_ADC|LF_SBB | size<<8
 *   mov  <a>, al|ax|eax
 * (a, b and the record's stores as in inline_alu). */
static void capture_carry(Tr *t, bool need);

static void inline_adc_sbb(Tr *t, int op, int size, AluOpnd a, AluOpnd b) {
  Emit *e = &t->e;
  bool sbb = op == G_SBB;
  capture_carry(t, true);
  load_opnd(t, H_RAX, a, size);
  if (t->flags_live) emit_store(e, 4, field(OFF(lf.a)), H_RAX);
  load_opnd(t, H_RDX, b, size);
  if (t->flags_live) emit_store(e, 4, field(OFF(lf.b)), H_RDX);
  emit_alu_reg(e, sbb ? HA_SUB : HA_ADD, 4, H_RAX, H_RDX);
  emit_movzx_load(e, 1, H_RCX, field(OFF(lf.carry)));
  emit_alu_reg(e, sbb ? HA_SUB : HA_ADD, 4, H_RAX, H_RCX);
  if (size < 4) emit_movzx_reg(e, size, H_RAX, H_RAX);
  if (t->flags_live) {
    emit_store(e, 4, field(OFF(lf.res)), H_RAX);
    set_lf_op(t, sbb ? LF_SBB : LF_ADC, size, true);
  } else {
    t->lf_op = -1;
  }
  emit_store(e, size, greg(a.reg, size), H_RAX);
}

/* Instructions whose only effect on flags is a partial eager update (CF,
 * OF): ROL/ROR of a register by a constant, BT/BTS/BTR/BTC of a register
 * by a constant bit. When the flags they set are dead they are plain
 * host operations (the record is left alone):
 *   rol|ror byte|word|dword [rbx+r], n
 *   or|and|xor dword [rbx+r], 1<<bit      ; (BT: nothing) */
static bool is_partial_flags_op(const Insn *in) {
  Handler fn = handler_of(in);
  if (in->mod != 3 || in->lock) return false;
  if (fn == shift_E) return in->aux <= 1 && shift_count_imm(in) > 0; /* ROL, ROR */
  return fn == bt_EI && in->size == 4;
}

static void inline_partial_flags_op(Tr *t, const Insn *in) {
  Emit *e = &t->e;
  if (handler_of(in) == shift_E) {
    emit_shift_mem_imm(e, in->aux, in->size, greg(in->rm, in->size), (uint8_t)shift_count_imm(in));
    return;
  }
  static const int host_op[] = {-1, HA_OR, HA_AND, HA_XOR};
  uint32_t bit = 1u << (in->imm & 31);
  if (in->aux == 0) return;
  emit_alu_mem_imm(e, host_op[in->aux], 4, greg(in->rm, 4), in->aux == 2 ? ~bit : bit);
}

/* BT/BTS/BTR/BTC r32, imm8 with live flags: CF is set eagerly on
 * materialised EFLAGS, as flags_set_arith() does:
 *   mov rdi, rbx ; mov rax, flags_materialize ; call rax   ; (record not empty)
 *   mov eax, [rbx+r] ; shr eax, bit ; and eax, 1
 *   and dword [rbx+flags], ~CF ; or [rbx+flags], eax
 *   or|and|xor dword [rbx+r], 1<<bit                      ; (BTS/BTR/BTC) */
static void inline_bt(Tr *t, const Insn *in) {
  Emit *e = &t->e;
  materialize(t);
  uint8_t bit = (uint8_t)(in->imm & 31);
  emit_load(e, 4, H_RAX, greg(in->rm, 4));
  emit_shift_imm(e, HS_SHR, 4, H_RAX, bit);
  emit_alu_imm(e, HA_AND, 4, H_RAX, 1);
  emit_alu_mem_imm(e, HA_AND, 4, field(OFF(flags)), ~(uint32_t)F_CF);
  emit_alu_store(e, HA_OR, 4, field(OFF(flags)), H_RAX);
  inline_partial_flags_op(t, in);
}

/* LEA r, m: the offset as mem_fast_path computes it, at the operand size:
 *   mov ecx, [rbx+r(base)] ; mov edx, [rbx+r(index)] ; lea ecx, [rcx+rdx*s+disp]
 *   movzx ecx, cx                      ; (16-bit addressing)
 *   mov  [rbx+r(reg)], cx|ecx */
static void emit_offset(Tr *t, const Insn *in);

static void inline_lea(Tr *t, const Insn *in) {
  emit_offset(t, in);
  emit_store(&t->e, in->size, greg(in->reg, in->size), H_RCX);
}

/* CF of the lazy-flags record, for INC/DEC when its kind is unknown here. */
static uint32_t record_cf(const Cpu *c) { return flags_cf(c); }

/* INC/DEC keep CF: capture it into lf.carry before the record changes
 * (not needed when the flags are dead), knowing the record's kind where
 * possible:
 *   (LOGIC)    mov byte [rbx+lf.carry], 0
 *   (SUB)      mov ecx, [rbx+lf.a] ; cmp ecx, [rbx+lf.b] ; setb cl ; mov [rbx+lf.carry], cl
 *   (ADD)      mov ecx, [rbx+lf.res] ; cmp ecx, [rbx+lf.a] ; setb cl ; mov [rbx+lf.carry], cl
 *   (INC/DEC)  carry unchanged
 *   (unknown)  mov rdi, rbx ; mov rax, record_cf ; call rax ; mov [rbx+lf.carry], al */
static void capture_carry(Tr *t, bool need) {
  Emit *e = &t->e;
  if (!need) return;
  switch (t->lf_op) {
  case LF_LOGIC: emit_store_imm(e, 1, field(OFF(lf.carry)), 0); break;
  case LF_SUB:
  case LF_ADD: {
    bool sub = t->lf_op == LF_SUB;
    emit_load(e, 4, H_RCX, field(sub ? OFF(lf.a) : OFF(lf.res)));
    emit_alu_load(e, HA_CMP, 4, H_RCX, field(sub ? OFF(lf.b) : OFF(lf.a)));
    emit_setcc(e, HC_B, H_RCX);
    emit_store(e, 1, field(OFF(lf.carry)), H_RCX);
    break;
  }
  case LF_INC: case LF_DEC: break;
  default:
    call_c(t, (uintptr_t)record_cf);
    emit_store(e, 1, field(OFF(lf.carry)), H_RAX);
  }
}

/* INC/DEC of a register or of memory at [rcx], after capture_carry():
 *   movzx|mov eax, <operand>
 *   mov  [rbx+lf.a], eax ; mov dword [rbx+lf.b], 1       ; (flags live)
 *   add|sub eax, 1
 *   movzx eax, al|ax                                     ; (below 32 bits)
 *   mov  [rbx+lf.res], eax
 *   mov  word [rbx+lf.op], LF_INC|LF_DEC | size<<8       ; (flags live)
 *   mov  <operand>, al|ax|eax */
static void inline_incdec(Tr *t, int size, bool dec, AluOpnd o) {
  Emit *e = &t->e;
  load_opnd(t, H_RAX, o, size);
  if (t->flags_live) {
    emit_store(e, 4, field(OFF(lf.a)), H_RAX);
    emit_store_imm(e, 4, field(OFF(lf.b)), 1);
  }
  emit_alu_imm(e, dec ? HA_SUB : HA_ADD, 4, H_RAX, 1);
  if (size < 4) emit_movzx_reg(e, size, H_RAX, H_RAX);
  if (t->flags_live) {
    emit_store(e, 4, field(OFF(lf.res)), H_RAX);
    set_lf_op(t, dec ? LF_DEC : LF_INC, size, true);
  } else {
    t->lf_op = -1;
  }
  if (o.kind == O_MEM) emit_store(e, size, hmem(H_RCX, 0), H_RAX);
  else emit_store(e, size, greg(o.reg, size), H_RAX);
}

/* IMUL r32, r32 and IMUL r32, r32, imm (register operands), record LF_MUL
 * with a = res = the low half and b = overflow, as ops_muldiv.c does; the
 * host's IMUL sets OF exactly when the product does not fit:
 *   mov  eax, [rbx+r(reg)] ; imul eax, [rbx+r(rm)]
 *   | imul eax, [rbx+r(rm)], imm
 *   seto dl ; movzx edx, dl                              ; (flags live)
 *   mov  [rbx+r(reg)], eax
 *   mov  [rbx+lf.a], eax ; mov [rbx+lf.b], edx ; mov [rbx+lf.res], eax
 *   mov  dword [rbx+lf.op], LF_MUL | 4<<8                 ; (flags live) */
static bool is_reg_imul(const Insn *in) {
  Handler fn = handler_of(in);
  return (fn == imul_GE || fn == imul_GEI) && in->mod == 3 && in->size == 4;
}

static void inline_imul(Tr *t, const Insn *in) {
  Emit *e = &t->e;
  if (handler_of(in) == imul_GE) {
    emit_load(e, 4, H_RAX, greg(in->reg, 4));
    emit_imul_load(e, H_RAX, greg(in->rm, 4));
  } else {
    emit_imul_imm(e, H_RAX, greg(in->rm, 4), in->imm);
  }
  if (t->flags_live) {
    emit_setcc(e, HC_O, H_RDX);
    emit_movzx_reg(e, 1, H_RDX, H_RDX);
  }
  emit_store(e, 4, greg(in->reg, 4), H_RAX);
  if (t->flags_live) {
    emit_store(e, 4, field(OFF(lf.a)), H_RAX);
    emit_store(e, 4, field(OFF(lf.b)), H_RDX);
    emit_store(e, 4, field(OFF(lf.res)), H_RAX);
    set_lf_op(t, LF_MUL, 4, false);
  } else {
    t->lf_op = -1;
  }
}

/* SHL/SHR/SAR of a register by CL: a count of 0 (after masking) changes
 * nothing, flags included, so that case jumps over everything:
 *   mov  ecx, [rbx+r(ECX)] ; and ecx, 31 ; je done
 *   <inline_shift's code with "shl|shr|sar eax, cl" and lf.b = ecx>
 * done: */
static bool is_reg_shift_cl(const Insn *in) {
  return handler_of(in) == shift_E && in->mod == 3 && in->aux >= 4 && (in->op == 0xD2 || in->op == 0xD3);
}

/* Regenerate the guest's arithmetic flags in the host's, so host condition
 * cc is guest cc: from a record of known kind, at the operand size,
 *   (SUB)       mov eax, [rbx+lf.a] ; cmp al|ax|eax, [rbx+lf.b]
 *   (ADD)       mov eax, [rbx+lf.a] ; add al|ax|eax, [rbx+lf.b]
 *   (LOGIC)     mov eax, [rbx+lf.res] ; test al|ax|eax, al|ax|eax   (CF = OF = 0)
 *   (INC/DEC)   mov eax, [rbx+lf.a] ; inc|dec al|ax|eax   (not for CF conditions)
 * (AF may differ; no condition reads it), else from EFLAGS, materialised
 * first unless the record is known to be empty:
 *   mov rdi, rbx ; mov rax, flags_materialize ; call rax
 *   mov eax, [rbx+flags] ; and eax, OF|SF|ZF|AF|PF|CF ; push rax ; popfq
 * (TF, DF, AC and IF stay clear or untouched, as the C code around us
 * expects). The record is then known empty. */
static void host_flags(Tr *t, int cc) {
  Emit *e = &t->e;
  int s = t->lf_size;
  switch (t->lf_op) {
  case LF_SUB:
  case LF_ADD:
    emit_load(e, 4, H_RAX, field(OFF(lf.a)));
    emit_alu_load(e, t->lf_op == LF_SUB ? HA_CMP : HA_ADD, s, H_RAX, field(OFF(lf.b)));
    return;
  case LF_LOGIC:
    emit_load(e, 4, H_RAX, field(OFF(lf.res)));
    emit_test_reg(e, s, H_RAX, H_RAX);
    return;
  case LF_INC:
  case LF_DEC:
    if ((cc >> 1) == 1 || (cc >> 1) == 3) break; /* B/AE/BE/A read CF */
    emit_load(e, 4, H_RAX, field(OFF(lf.a)));
    if (t->lf_op == LF_INC) emit_inc_reg(e, s, H_RAX);
    else emit_dec_reg(e, s, H_RAX);
    return;
  default:
    break;
  }
  materialize(t);
  emit_load(e, 4, H_RAX, field(OFF(flags)));
  emit_alu_imm(e, HA_AND, 4, H_RAX, F_ARITH);
  emit_push(e, H_RAX);
  emit_popf(e);
}

/* SETcc r8 and CMOVcc r, r (register operands), the condition from
 * host_flags():
 *   <host_flags> ; setcc al ; mov [rbx+r], al
 *   <host_flags> ; j!cc skip ; mov eax, [rbx+src] ; mov [rbx+dst], ax|eax ; skip: */
static bool is_reg_setcc(const Insn *in) { return handler_of(in) == setcc && in->mod == 3; }
static int mem_fast_path(Tr *t, const Insn *in, int size, int acc, size_t *slow);
static void mem_slow_path(Tr *t, const Insn *in, const size_t *slow, int n);
static bool is_reg_cmov(const Insn *in) { return handler_of(in) == cmov && in->mod == 3; }

static void inline_setcc_cmov(Tr *t, const Insn *in) {
  Emit *e = &t->e;
  host_flags(t, in->aux);
  if (handler_of(in) == setcc) {
    emit_setcc(e, in->aux, H_RAX);
    emit_store(e, 1, greg(in->rm, 1), H_RAX);
    return;
  }
  size_t skip = emit_jcc(e, in->aux ^ 1, -1);
  emit_load(e, in->size, H_RAX, greg(in->rm, in->size));
  emit_store(e, in->size, greg(in->reg, in->size), H_RAX);
  emit_patch_rel32(e, skip, emit_size(e));
}

/* Jcc (known record) and JMP rel, the block's last instruction. After
 * begin_insn() (EIP is past the instruction, insn_eip set):
 *   <host_flags>                   ; Jcc only
 *   j!cc not_taken                 ; Jcc only
 *   mov  eax, [rbx+eip]
 *   add  eax, imm
 *   movzx eax, ax                  ; (16-bit operand size)
 *   cmp  eax, [rbx+seg[CS].limit]
 *   ja   slow
 *   mov  [rbx+eip], eax
 *   add  qword [rbx+icount], 1
 *   <emit_continue: the target>    ; (16-bit code: jmp exit)
 * slow:                            ; beyond the CS limit: the handler
 *   mov rdi, rbx ; mov rsi, in ; mov rax, fn ; call rax   ; raises #GP(0)
 *   add  qword [rbx+icount], 1 ; jmp exit
 * not_taken:
 *   add  qword [rbx+icount], 1
 *   <emit_continue: the next instruction> */
static void inline_branch(Tr *t, const Insn *in, bool cond) {
  Emit *e = &t->e;
  begin_insn(t, in);
  size_t skip = 0;
  if (cond) {
    host_flags(t, in->aux);
    skip = emit_jcc(e, in->aux ^ 1, -1);
  }
  emit_load(e, 4, H_RAX, field(OFF(eip)));
  emit_alu_imm(e, HA_ADD, 4, H_RAX, in->imm);
  if (in->size == 2) emit_movzx_reg(e, 2, H_RAX, H_RAX);
  emit_alu_load(e, HA_CMP, 4, H_RAX, field(OFF(seg[SEG_CS].limit)));
  size_t slow = emit_jcc(e, HC_A, -1);
  emit_store(e, 4, field(OFF(eip)), H_RAX);
  long next = (long)t->off + in->len;
  t->pend_n = 1;
  flush_count(t);
  emit_continue(t, in->size == 4 ? next + (int32_t)in->imm : -1);
  emit_patch_rel32(e, slow, emit_size(e));
  call_handler(t, in, in->fn);
  t->pend_n = 1;
  flush_count(t);
  t->exits[t->n_exits++] = emit_jmp(e, -1);
  if (cond) {
    emit_patch_rel32(e, skip, emit_size(e));
    t->pend_n = 1;
    flush_count(t);
    emit_continue(t, next);
  }
}

/* The exits after the block's last instruction when it is not an inline
 * branch (EIP and icount are stored): a Jcc/LOOP left to its handler
 * compares the new EIP with its target,
 *   mov eax, [rbx+insn_eip] ; add eax, len+imm ; cmp eax, [rbx+eip] ; jne next
 *   <emit_continue: the target>
 * next:
 *   <emit_continue: the next instruction>
 * CALL rel continues at its target, an instruction that does not transfer
 * control (the block ended at its size cap or page end) at the next one,
 * anything else (RET, JMP r/m, far transfers, INT, IRET...) where EIP says. */
static void emit_block_end(Tr *t, const Insn *in) {
  Emit *e = &t->e;
  long next = (long)t->off + in->len;
  bool rel32 = in->size == 4 && t->code32;
  if ((handler_of(in) == jcc || handler_of(in) == loop_jcxz) && rel32) {
    emit_load(e, 4, H_RAX, field(OFF(insn_eip)));
    emit_alu_imm(e, HA_ADD, 4, H_RAX, in->len + in->imm);
    emit_alu_load(e, HA_CMP, 4, H_RAX, field(OFF(eip)));
    size_t not_taken = emit_jcc(e, HC_NE, -1);
    emit_continue(t, next + (int32_t)in->imm);
    emit_patch_rel32(e, not_taken, emit_size(e));
    emit_continue(t, next);
  } else if ((handler_of(in) == call_rel || handler_of(in) == jmp_rel) && rel32) {
    emit_continue(t, next + (int32_t)in->imm);
  } else {
    emit_continue(t, in->dflags & D_END ? -1 : next);
  }
}

/* MOV between memory and a register or an immediate (mov_GE, mov_EG,
 * mov_EI with a memory operand), through the segment checks and the soft
 * TLB inline; anything else (a fault to raise, a TLB miss, MMIO, a code
 * page, a page-crossing access) takes the handler. After begin_insn():
 *   mov  ecx, [rbx+r(base)] ; mov edx, [rbx+r(index)]   ; (those present)
 *   lea  ecx, [rcx+rdx*2^scale+disp]                   ; the offset
 *   movzx ecx, cx                                      ; (16-bit addressing)
 *   test byte [rbx+seg.flat], R|W ; jnz tlb            ; flat: offset = linear
 *   movzx eax, byte [rbx+seg.ok] ; and eax, R|W ; cmp eax, R|W ; jne slow
 *   cmp  ecx, [rbx+seg.lo] ; jb slow
 *   lea  edx, [rcx+size-1] ; cmp edx, ecx ; jb slow    ; last byte, no wrap
 *   cmp  edx, [rbx+seg.hi] ; ja slow
 *   add  ecx, [rbx+seg.base]                           ; linear address
 * tlb:
 *   mov  eax, ecx ; shr eax, 7 ; and eax, (TLB_SIZE-1) << 5 ; entry = tlb + eax
 *   mov  r8, [rbx+tlb]
 *   lea  edx, [rcx+size-1] ; and edx, ~0xFFF           ; the last byte's page:
 *   cmp  edx, [r8+rax+tag_read|tag_write] ; jne slow   ;  not the first's if it crosses
 *   add  rcx, [r8+rax+addend]                          ; host address
 *   mov  eax, [rcx] ; mov [rbx+r(reg)], eax            ; (load: al|ax|eax)
 *   mov  eax, [rbx+r(reg)] ; mov [rcx], eax            ; (store; or mov [rcx], imm)
 *   jmp  done
 * slow:
 *   <handler call>
 * done: */
_Static_assert(sizeof(TlbEntry) == 32, "translate.c indexes the TLB as (lin >> 12) << 5");

static bool is_mem_mov(const Insn *in) {
  Handler fn = handler_of(in);
  if (fn == mov_AO || fn == mov_OA) return true; /* AL/eAX and [moffs] */
  return (fn == mov_GE || fn == mov_EG || fn == mov_EI) && in->mod != 3 && !in->lock;
}

/* The memory operand's host address in RCX, or a jump to one of the
 * returned slow-path branches (at most MEM_SLOW_JUMPS; patch them to the
 * handler call). acc: SEG_OK_R, SEG_OK_W or both (both: the TLB's write
 * tag, as a page the host may write is one it may read). */
#define MEM_SLOW_JUMPS 6
static int offset_fast_path(Tr *t, int segment, int size, int acc, size_t *slow);

static int mem_fast_path(Tr *t, const Insn *in, int size, int acc, size_t *slow) {
  emit_offset(t, in);
  return offset_fast_path(t, in->seg, size, acc, slow);
}

/* ECX = the memory operand's offset (see mem_fast_path). */
static void emit_offset(Tr *t, const Insn *in) {
  Emit *e = &t->e;
  if (in->base != REG_ZERO) emit_load(e, 4, H_RCX, greg(in->base, 4));
  else emit_mov_imm32(e, H_RCX, 0);
  if (in->index != REG_ZERO) {
    emit_load(e, 4, H_RDX, greg(in->index, 4));
    emit_lea(e, 4, H_RCX, hmem_idx(H_RCX, H_RDX, in->scale, (int32_t)in->disp));
  } else {
    emit_lea(e, 4, H_RCX, hmem(H_RCX, (int32_t)in->disp));
  }
  if (!in->a32) emit_movzx_reg(e, 2, H_RCX, H_RCX);
}

/* The same from an offset already in ECX, in segment `segment`. */
static int offset_fast_path(Tr *t, int segment, int size, int acc, size_t *slow) {
  Emit *e = &t->e;
  int32_t seg = (int32_t)(offsetof(Cpu, seg) + (size_t)segment * sizeof(Segment));
  int n = 0;
  /* A writable segment is readable, so one bit tells flat enough. */
  emit_test_mem_imm(e, 1, field(seg + (int32_t)offsetof(Segment, flat)), acc & SEG_OK_W ? SEG_OK_W : SEG_OK_R);
  size_t flat = emit_jcc(e, HC_NE, -1);
  emit_movzx_load(e, 1, H_RAX, field(seg + (int32_t)offsetof(Segment, ok)));
  emit_alu_imm(e, HA_AND, 4, H_RAX, (uint32_t)acc);
  emit_alu_imm(e, HA_CMP, 4, H_RAX, (uint32_t)acc);
  slow[n++] = emit_jcc(e, HC_NE, -1);
  emit_alu_load(e, HA_CMP, 4, H_RCX, field(seg + (int32_t)offsetof(Segment, lo)));
  slow[n++] = emit_jcc(e, HC_B, -1);
  emit_lea(e, 4, H_RDX, hmem(H_RCX, size - 1));
  emit_alu_reg(e, HA_CMP, 4, H_RDX, H_RCX);
  slow[n++] = emit_jcc(e, HC_B, -1);
  emit_alu_load(e, HA_CMP, 4, H_RDX, field(seg + (int32_t)offsetof(Segment, hi)));
  slow[n++] = emit_jcc(e, HC_A, -1);
  emit_alu_load(e, HA_ADD, 4, H_RCX, field(seg + (int32_t)offsetof(Segment, base)));
  emit_patch_rel32(e, flat, emit_size(e));
  emit_mov_reg(e, 4, H_RAX, H_RCX);
  emit_shift_imm(e, HS_SHR, 4, H_RAX, 12 - 5);
  emit_alu_imm(e, HA_AND, 4, H_RAX, (TLB_SIZE - 1) << 5);
  emit_load(e, 8, H_R8, field(OFF(tlb)));
  emit_lea(e, 4, H_RDX, hmem(H_RCX, size - 1));
  emit_alu_imm(e, HA_AND, 4, H_RDX, ~0xFFFu);
  int32_t tag = acc & SEG_OK_W ? (int32_t)offsetof(TlbEntry, tag_write)
                               : (int32_t)offsetof(TlbEntry, tag_read);
  emit_alu_load(e, HA_CMP, 4, H_RDX, hmem_idx(H_R8, H_RAX, 0, tag));
  slow[n++] = emit_jcc(e, HC_NE, -1);
  emit_alu_load(e, HA_ADD, 8, H_RCX, hmem_idx(H_R8, H_RAX, 0, (int32_t)offsetof(TlbEntry, addend)));
  return n;
}

/* The fast path's end and the slow path: jmp done ; slow: <handler> ; done:
 * (with --stats, each path counts itself first; RAX is free there) */
static void mem_slow_path(Tr *t, const Insn *in, const size_t *slow, int n) {
  count(t, &t->jit->mem_fast);
  size_t done = emit_jmp(&t->e, -1);
  for (int i = 0; i < n; i++) emit_patch_rel32(&t->e, slow[i], emit_size(&t->e));
  count(t, &t->jit->mem_slow);
  call_handler(t, in, in->fn);
  emit_patch_rel32(&t->e, done, emit_size(&t->e));
}

static void inline_mem_mov(Tr *t, const Insn *in) {
  Emit *e = &t->e;
  int size = in->size;
  Handler fn = handler_of(in);
  bool load = fn == mov_GE || fn == mov_AO;
  int reg = fn == mov_AO || fn == mov_OA ? EAX : in->reg;
  size_t slow[MEM_SLOW_JUMPS];
  begin_insn(t, in);
  int n = mem_fast_path(t, in, size, load ? SEG_OK_R : SEG_OK_W, slow);
  if (load) {
    emit_load(e, size, H_RAX, hmem(H_RCX, 0));
    emit_store(e, size, greg(reg, size), H_RAX);
  } else if (fn == mov_EG || fn == mov_OA) {
    emit_load(e, size, H_RAX, greg(reg, size));
    emit_store(e, size, hmem(H_RCX, 0), H_RAX);
  } else {
    emit_store_imm(e, size, hmem(H_RCX, 0), in->imm & size_mask(size));
  }
  mem_slow_path(t, in, slow, n);
}

/* ADD/OR/AND/SUB/XOR/CMP with a memory operand: the operand through
 * mem_fast_path, then inline_alu. The lazy-flags record is certain after
 * both paths (the handler leaves the same kind), unless the handler
 * faulted, which leaves the block. */
static bool is_mem_alu(const Insn *in) {
  const struct AluForm *f = alu_form(handler_of(in));
  return f && in->mod != 3 && f->form != F_AI && lazy_of(f->op) >= 0 && !in->lock;
}

static void inline_mem_alu(Tr *t, const Insn *in) {
  const struct AluForm *f = alu_form(handler_of(in));
  int size = in->size;
  bool writes = f->op != G_CMP && f->form != F_GE;
  size_t slow[MEM_SLOW_JUMPS];
  begin_insn(t, in);
  int n = mem_fast_path(t, in, size, writes ? SEG_OK_RW : SEG_OK_R, slow);
  AluOpnd mem = {O_MEM, 0, 0}, reg = {O_REG, in->reg, 0};
  AluOpnd imm = {O_IMM, 0, in->imm & size_mask(size)};
  if (f->form == F_GE) inline_alu(t, f->op, size, reg, mem);
  else inline_alu(t, f->op, size, mem, f->form == F_EG ? reg : imm);
  mem_slow_path(t, in, slow, n);
  t->lf_op = t->flags_live ? lazy_of(f->op) : -1;
  t->lf_size = size;
}

/* The stack the JIT expects is the code's size (32-bit stack with 32-bit
 * code, SP with 16-bit code; SS.B is checked at run time and any other
 * pairing takes the handler). ESP/SP is updated at that width:
 *   sub|add dword|word [rbx+r(ESP)], n */
static void adjust_sp(Tr *t, bool down, uint32_t n) {
  emit_alu_mem_imm(&t->e, down ? HA_SUB : HA_ADD, t->code32 ? 4 : 2, greg(ESP, 4), n);
}

/* A push (the new top) or pop (the top) of size bytes: the host address in
 * RCX, or one of the returned slow-path branches (at most 1 +
 * MEM_SLOW_JUMPS):
 *   cmp  byte [rbx+stack32], 0 ; je|jne slow          ; (32-bit|16-bit code)
 *   mov  ecx, [rbx+r(ESP)] | movzx ecx, word [rbx+r(ESP)]
 *   sub  ecx, size ; movzx ecx, cx                    ; (push; movzx: 16-bit)
 *   <offset_fast_path in SS> */
static int stack_fast_path(Tr *t, bool push, int size, size_t *slow) {
  Emit *e = &t->e;
  emit_movzx_load(e, 1, H_RAX, field(OFF(stack32)));
  emit_test_reg(e, 4, H_RAX, H_RAX);
  slow[0] = emit_jcc(e, t->code32 ? HC_E : HC_NE, -1);
  if (t->code32) emit_load(e, 4, H_RCX, greg(ESP, 4));
  else emit_movzx_load(e, 2, H_RCX, greg(ESP, 2));
  if (push) {
    emit_alu_imm(e, HA_SUB, 4, H_RCX, (uint32_t)size);
    if (!t->code32) emit_movzx_reg(e, 2, H_RCX, H_RCX);
  }
  return 1 + offset_fast_path(t, SEG_SS, size, push ? SEG_OK_W : SEG_OK_R, slow + 1);
}

/* PUSH r / POP r (16 or 32 bits), through the stack fast path:
 *   mov  eax, [rbx+r(reg)] ; mov [rcx], ax|eax ; <adjust_sp down>   (PUSH)
 *   mov  eax, [rcx] ; <adjust_sp up> ; mov [rbx+r(reg)], ax|eax      (POP)
 * in the interpreter's order, so PUSH ESP pushes the old value and POP ESP
 * leaves the popped one. */
static bool is_stack_op(const Insn *in) {
  return (in->size == 2 || in->size == 4) && (handler_of(in) == push_r || handler_of(in) == pop_r);
}

/* PUSH m32: the operand through mem_fast_path (its address uses ESP before
 * the push, as the handler's does), then the push; either path failing
 * runs the handler for the whole instruction:
 *   <mem_fast_path> ; mov r9d, [rcx]
 *   <stack_fast_path> ; mov [rcx], r9d ; sub dword [rbx+r(ESP)], 4 */
static bool is_push_mem(const Insn *in) {
  return in->size == 4 && handler_of(in) == push_E && in->mod != 3 && !in->lock;
}

static void inline_push_mem(Tr *t, const Insn *in) {
  Emit *e = &t->e;
  size_t slow[1 + 2 * MEM_SLOW_JUMPS];
  begin_insn(t, in);
  int n = mem_fast_path(t, in, 4, SEG_OK_R, slow);
  emit_load(e, 4, H_R9, hmem(H_RCX, 0));
  n += stack_fast_path(t, true, 4, slow + n);
  emit_store(e, 4, hmem(H_RCX, 0), H_R9);
  adjust_sp(t, true, 4);
  mem_slow_path(t, in, slow, n);
}

static void inline_stack_op(Tr *t, const Insn *in) {
  Emit *e = &t->e;
  bool push = handler_of(in) == push_r;
  int size = in->size;
  size_t slow[1 + MEM_SLOW_JUMPS];
  begin_insn(t, in);
  int n = stack_fast_path(t, push, size, slow);
  if (push) {
    emit_load(e, 4, H_RAX, greg(in->aux, 4));
    emit_store(e, size, hmem(H_RCX, 0), H_RAX);
    adjust_sp(t, true, (uint32_t)size);
  } else {
    emit_load(e, size, H_RAX, hmem(H_RCX, 0));
    adjust_sp(t, false, (uint32_t)size);
    emit_store(e, size, greg(in->aux, size), H_RAX);
  }
  mem_slow_path(t, in, slow, n);
}

/* CMOVcc r32, m32: the condition first (the operand is read whatever it
 * is, so a fault comes from the read as in the handler), kept in R9B
 * across the fast path:
 *   <host_flags> ; setcc r9b
 *   <mem_fast_path> ; test r9b, r9b ; je skip
 *   mov eax, [rcx] ; mov [rbx+r(reg)], eax
 * skip: */
static bool is_mem_cmov(const Insn *in) {
  return handler_of(in) == cmov && in->mod != 3 && in->size == 4 && !in->lock;
}

static void inline_mem_cmov(Tr *t, const Insn *in) {
  Emit *e = &t->e;
  size_t slow[MEM_SLOW_JUMPS];
  begin_insn(t, in);
  host_flags(t, in->aux);
  emit_setcc(e, in->aux, H_R9);
  int n = mem_fast_path(t, in, 4, SEG_OK_R, slow);
  emit_test_reg(e, 1, H_R9, H_R9);
  size_t skip = emit_jcc(e, HC_E, -1);
  emit_load(e, 4, H_RAX, hmem(H_RCX, 0));
  emit_store(e, 4, greg(in->reg, 4), H_RAX);
  emit_patch_rel32(e, skip, emit_size(e));
  mem_slow_path(t, in, slow, n);
}

/* MOVZX/MOVSX: the aux-sized source (a guest register, or memory through
 * mem_fast_path with the handler as the slow path) widened into the
 * destination register:
 *   movzx|movsx eax, byte|word [rbx+r(src)] | [rcx]
 *   mov  [rbx+r(dst)], ax|eax */
static void widen(Tr *t, const Insn *in, HMem src) {
  if (handler_of(in) == movzx) emit_movzx_load(&t->e, in->aux, H_RAX, src);
  else emit_movsx_load(&t->e, in->aux, H_RAX, src);
  emit_store(&t->e, in->size, greg(in->reg, in->size), H_RAX);
}

static bool is_mem_widen(const Insn *in) {
  return (handler_of(in) == movzx || handler_of(in) == movsx) && in->mod != 3 && !in->lock;
}

static void inline_mem_widen(Tr *t, const Insn *in) {
  size_t slow[MEM_SLOW_JUMPS];
  begin_insn(t, in);
  int n = mem_fast_path(t, in, in->aux, SEG_OK_R, slow);
  widen(t, in, hmem(H_RCX, 0));
  mem_slow_path(t, in, slow, n);
}

/* INC/DEC/NOT of memory: the operand through mem_fast_path (read and
 * write), then inline_incdec (CF captured first) or
 *   xor byte|word|dword [rcx], mask
 * with the handler as the slow path. */
static bool is_mem_unary(const Insn *in) {
  Handler fn = handler_of(in);
  return (fn == inc_E || fn == dec_E || fn == not_E) && in->mod != 3 && !in->lock;
}

static void inline_mem_unary(Tr *t, const Insn *in) {
  Handler fn = handler_of(in);
  size_t slow[MEM_SLOW_JUMPS];
  if (fn != not_E) capture_carry(t, t->flags_live);
  begin_insn(t, in);
  int n = mem_fast_path(t, in, in->size, SEG_OK_RW, slow);
  if (fn == not_E) emit_alu_mem_imm(&t->e, HA_XOR, in->size, hmem(H_RCX, 0), size_mask(in->size));
  else inline_incdec(t, in->size, fn == dec_E, (AluOpnd){O_MEM, 0, 0});
  mem_slow_path(t, in, slow, n);
  if (fn != not_E) {
    t->lf_op = t->flags_live ? (fn == dec_E ? LF_DEC : LF_INC) : -1;
    t->lf_size = in->size;
  }
}

/* CALL rel / RET (C3) at the code's operand size, through the stack fast
 * path; the new EIP is checked against the CS limit before anything is
 * written, and any check that fails runs the handler, which then does
 * exactly what the interpreter does. After begin_insn() (EIP is the return
 * address):
 *   <stack_fast_path: host address of the new top (CALL) or top (RET) in RCX>
 *   mov  edx, [rbx+eip] ; add edx, imm                ; (CALL) target
 *   mov  edx, [rcx] | movzx edx, word [rcx]           ; (RET)  target
 *   movzx edx, dx                                     ; (16-bit CALL)
 *   cmp  edx, [rbx+seg[CS].limit] ; ja slow
 *   mov  eax, [rbx+eip] ; mov [rcx], ax|eax ; <adjust_sp down>   (CALL)
 *   <adjust_sp up>                                               (RET)
 *   mov  [rbx+eip], edx */
static bool is_call_ret(const Tr *t, const Insn *in) {
  return in->size == (t->code32 ? 4 : 2) &&
         (handler_of(in) == call_rel || (handler_of(in) == ret_near && in->op == 0xC3));
}

static void inline_call_ret(Tr *t, const Insn *in) {
  Emit *e = &t->e;
  bool call = handler_of(in) == call_rel;
  int size = in->size;
  size_t slow[2 + MEM_SLOW_JUMPS];
  begin_insn(t, in);
  int n = stack_fast_path(t, call, size, slow);
  if (call) {
    emit_load(e, 4, H_RDX, field(OFF(eip)));
    emit_alu_imm(e, HA_ADD, 4, H_RDX, in->imm);
    if (size == 2) emit_movzx_reg(e, 2, H_RDX, H_RDX);
  } else if (size == 2) {
    emit_movzx_load(e, 2, H_RDX, hmem(H_RCX, 0));
  } else {
    emit_load(e, 4, H_RDX, hmem(H_RCX, 0));
  }
  emit_alu_load(e, HA_CMP, 4, H_RDX, field(OFF(seg[SEG_CS].limit)));
  slow[n++] = emit_jcc(e, HC_A, -1);
  if (call) {
    emit_load(e, 4, H_RAX, field(OFF(eip)));
    emit_store(e, size, hmem(H_RCX, 0), H_RAX);
    adjust_sp(t, true, (uint32_t)size);
  } else {
    adjust_sp(t, false, (uint32_t)size);
  }
  emit_store(e, 4, field(OFF(eip)), H_RDX);
  mem_slow_path(t, in, slow, n);
}

/* What an instruction does to the lazy-flags record, for the liveness of
 * flags: FX_SET for the inline forms that overwrite the whole record and
 * cannot fault, FX_NONE for inline forms that neither read nor write it
 * and cannot fault, FX_USE for everything else (it may read the flags, or
 * fault or leave the block, where the flags must be exact). */
enum { FX_USE, FX_NONE, FX_SET };

static int flags_effect(const Insn *in) {
  Handler fn = handler_of(in);
  if (in->lock) return FX_USE;
  const struct AluForm *f = alu_form(fn);
  if (f && f->op != G_ADC && f->op != G_SBB && (in->mod == 3 || f->form == F_AI)) return FX_SET;
  if (((fn == test_EG || fn == test_EI) && in->mod == 3) || fn == test_AI) return FX_SET;
  if (is_reg_shift(in) || is_reg_imul(in) || (fn == neg_E && in->mod == 3)) return FX_SET;
  if (fn == mov_rI || fn == nop || (fn == lea && in->mod != 3)) return FX_NONE;
  if (fn == not_E && in->mod == 3) return FX_NONE;
  if ((fn == mov_EG || fn == mov_GE || fn == mov_EI || fn == movzx || fn == movsx) && in->mod == 3)
    return FX_NONE;
  return FX_USE;
}

/* live[i]: whether the flags instruction i sets may be read (at the end of
 * the block they always may). */
static void flags_live_after(const Block *b, bool *live) {
  bool l = true;
  for (int i = (int)b->n - 1; i >= 0; i--) {
    live[i] = l;
    const Insn *in = &b->insn[i];
    int fx = flags_effect(in);
    /* INC/DEC r reads CF only to pass it on: not at all if it is dead. */
    Handler fn = handler_of(in);
    if ((fn == inc_r || fn == dec_r) && !l && !in->lock) fx = FX_NONE;
    if (is_partial_flags_op(in) && !l) fx = FX_NONE;
    if (fx == FX_SET) l = false;
    else if (fx == FX_USE) l = true;
  }
}

/* Try the inline forms; false: emit a handler call. */
static bool try_inline(Tr *t, const Insn *in, bool last) {
  Handler fn = handler_of(in);
  if (in->lock) return false;
  if (fn == mov_rI) {
    /* mov byte|word|dword [rbx+r], imm */
    emit_store_imm(&t->e, in->size, greg(in->aux, in->size), in->imm & size_mask(in->size));
    return true;
  }
  if ((fn == mov_EG || fn == mov_GE) && in->mod == 3) {
    /* movzx|mov eax, [rbx+src] ; mov [rbx+dst], al|ax|eax */
    int dst = fn == mov_EG ? in->rm : in->reg, src = fn == mov_EG ? in->reg : in->rm;
    load_greg(t, H_RAX, src, in->size);
    emit_store(&t->e, in->size, greg(dst, in->size), H_RAX);
    return true;
  }
  if ((fn == movzx || fn == movsx) && in->mod == 3) {
    widen(t, in, greg(in->rm, in->aux));
    return true;
  }
  if (fn == mov_EI && in->mod == 3) {
    emit_store_imm(&t->e, in->size, greg(in->rm, in->size), in->imm & size_mask(in->size));
    return true;
  }
  const struct AluForm *f = alu_form(fn);
  if (f && f->op != G_ADC && f->op != G_SBB) {
    if (in->mod != 3 && f->form != F_AI) return false; /* see inline_mem_alu */
    AluOpnd imm = {O_IMM, 0, in->imm & size_mask(in->size)};
    AluOpnd rm = {O_REG, in->rm, 0}, reg = {O_REG, in->reg, 0};
    switch (f->form) {
    case F_EG: inline_alu(t, f->op, in->size, rm, reg); return true;
    case F_GE: inline_alu(t, f->op, in->size, reg, rm); return true;
    case F_AI: inline_alu(t, f->op, in->size, (AluOpnd){O_REG, EAX, 0}, imm); return true;
    case F_EI: inline_alu(t, f->op, in->size, rm, imm); return true;
    }
  }
  if ((fn == test_EG || fn == test_EI) && in->mod == 3) {
    AluOpnd rm = {O_REG, in->rm, 0};
    AluOpnd b = fn == test_EG ? (AluOpnd){O_REG, in->reg, 0}
                              : (AluOpnd){O_IMM, 0, in->imm & size_mask(in->size)};
    inline_alu(t, G_TEST, in->size, rm, b);
    return true;
  }
  if (fn == test_AI) {
    inline_alu(t, G_TEST, in->size, (AluOpnd){O_REG, EAX, 0},
               (AluOpnd){O_IMM, 0, in->imm & size_mask(in->size)});
    return true;
  }
  if (is_reg_shift(in) || is_reg_shift_cl(in)) {
    inline_shift(t, in);
    return true;
  }
  if (is_reg_imul(in)) {
    inline_imul(t, in);
    return true;
  }
  if (is_reg_setcc(in) || is_reg_cmov(in)) {
    inline_setcc_cmov(t, in);
    return true;
  }
  if (fn == neg_E && in->mod == 3) {
    inline_neg(t, in);
    return true;
  }
  if (f && (f->op == G_ADC || f->op == G_SBB) && (in->mod == 3 || f->form == F_AI)) {
    AluOpnd imm = {O_IMM, 0, in->imm & size_mask(in->size)};
    AluOpnd rm = {O_REG, in->rm, 0}, reg = {O_REG, in->reg, 0}, acc = {O_REG, EAX, 0};
    switch (f->form) {
    case F_EG: inline_adc_sbb(t, f->op, in->size, rm, reg); break;
    case F_GE: inline_adc_sbb(t, f->op, in->size, reg, rm); break;
    case F_AI: inline_adc_sbb(t, f->op, in->size, acc, imm); break;
    case F_EI: inline_adc_sbb(t, f->op, in->size, rm, imm); break;
    }
    return true;
  }
  if (!t->flags_live && is_partial_flags_op(in)) {
    inline_partial_flags_op(t, in);
    return true;
  }
  if (fn == bt_EI && in->mod == 3 && in->size == 4) {
    inline_bt(t, in);
    return true;
  }
  if (fn == bswap && in->size == 4) {
    /* mov eax, [rbx+r] ; bswap eax ; mov [rbx+r], eax */
    emit_load(&t->e, 4, H_RAX, greg(in->aux, 4));
    emit_bswap(&t->e, H_RAX);
    emit_store(&t->e, 4, greg(in->aux, 4), H_RAX);
    return true;
  }
  if (fn == not_E && in->mod == 3) {
    /* xor byte|word|dword [rbx+r], mask */
    emit_alu_mem_imm(&t->e, HA_XOR, in->size, greg(in->rm, in->size), size_mask(in->size));
    return true;
  }
  if (fn == lea && in->mod != 3) {
    inline_lea(t, in);
    return true;
  }
  if (fn == inc_r || fn == dec_r) {
    capture_carry(t, t->flags_live);
    inline_incdec(t, in->size, fn == dec_r, (AluOpnd){O_REG, in->aux, 0});
    return true;
  }
  if (last && (fn == jcc || fn == jmp_rel)) {
    inline_branch(t, in, fn == jcc);
    return true;
  }
  if (fn == nop) return true; /* nothing at all (90, PAUSE, 0F 1F hint NOPs) */
  return false;
}

JitCode *jit_translate(Cpu *c, Block *b) {
  Jit *j = c->jit;
  Tr t = {.jit = j, .b = b, .code32 = b->mode & 1, .lf_op = -1};
  JitCode hdr = {0};
  emit_init(&t.e, j->scratch + sizeof hdr, sizeof j->scratch - sizeof hdr);
  /* push rbx ; mov rbx, rdi */
  emit_push(&t.e, H_RBX);
  emit_mov_reg(&t.e, 8, H_RBX, H_RDI);
  hdr.body = (uint32_t)emit_size(&t.e);
  bool live[BLOCK_MAX_INSNS];
  flags_live_after(b, live);
  for (uint32_t i = 0; i < b->n; i++, t.off += b->insn[i - 1].len) {
    const Insn *in = &b->insn[i];
    t.flags_live = live[i];
    bool last = i + 1 == b->n;
    bool branch = handler_of(in) == jcc || handler_of(in) == jmp_rel;
    if (!branch && try_inline(&t, in, last)) {
      t.pend_eip += in->len;
      t.pend_n++;
      t.n_inline++;
      if (last) {
        flush_eip(&t);
        flush_count(&t);
        emit_block_end(&t, in);
      }
      continue;
    }
    if (branch && last && try_inline(&t, in, last)) {
      t.n_inline++;
      break;
    }
    if (is_mem_mov(in)) {
      inline_mem_mov(&t, in); /* flags untouched on both paths: lf_op stays */
    } else if (is_mem_alu(in)) {
      inline_mem_alu(&t, in);
    } else if (is_stack_op(in)) {
      inline_stack_op(&t, in);
    } else if (is_mem_widen(in)) {
      inline_mem_widen(&t, in);
    } else if (is_mem_unary(in)) {
      inline_mem_unary(&t, in);
    } else if (is_push_mem(in)) {
      inline_push_mem(&t, in);
    } else if (is_mem_cmov(in)) {
      inline_mem_cmov(&t, in);
    } else if (is_call_ret(&t, in)) {
      inline_call_ret(&t, in);
    } else {
      begin_insn(&t, in);
      call_handler(&t, in, in->fn);
      t.lf_op = lf_after_handler(in);
      t.lf_size = in->size;
    }
    t.pend_n = 1;
    flush_count(&t);
    if (last) emit_block_end(&t, in);
    else check_events(&t);
  }
  /* exit: xor eax, eax ; ret: pop rbx ; ret */
  size_t exit = emit_size(&t.e);
  for (int i = 0; i < t.n_exits; i++) emit_patch_rel32(&t.e, t.exits[i], exit);
  emit_alu_reg(&t.e, HA_XOR, 4, H_RAX, H_RAX);
  size_t ret = emit_size(&t.e);
  for (int i = 0; i < t.n_rets; i++) emit_patch_rel32(&t.e, t.rets[i], ret);
  emit_pop(&t.e, H_RBX);
  emit_ret(&t.e);
  if (t.e.overflow) {
    j->failed++;
    return NULL;
  }
  hdr.n_inline = t.n_inline;
  hdr.size = (uint32_t)emit_size(&t.e);
  memcpy(j->scratch, &hdr, sizeof hdr);
  JitCode *jc = codecache_commit(&j->cache, j->scratch, sizeof hdr + hdr.size);
  if (!jc) {
    /* Full: start again empty. b goes too (the block cache is flushed); it
     * stays readable until the next block is decoded, so the caller may
     * still interpret it. */
    jit_flush(c);
    return NULL;
  }
  j->translated++;
  j->inline_insns += t.n_inline;
  j->handler_insns += b->n - t.n_inline;
  b->jit_code = jc;
  if (j->perf_map)
    fprintf(j->perf_map, "%lx %x guest_%08x\n", (unsigned long)(uintptr_t)jc->code, hdr.size,
            c->seg[SEG_CS].base + c->eip);
  return jc;
}
