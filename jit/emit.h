/* A small x86-64 machine-code emitter for the JIT (no JIT library).
 *
 * Code is written into a caller-supplied byte buffer; running past its end
 * sets `overflow` and stops writing (the translator then gives up on the
 * block), so no emitter can overrun memory. Each function's comment shows
 * the host instruction it emits, in Intel syntax.
 *
 * Operands: host registers are numbered as in the encoding (RAX=0 ... R15=15).
 * A memory operand is an HMem: [base + index*scale + disp] (index < 0 for
 * none). Sizes are 1, 2, 4 or 8 bytes; 2 adds the 0x66 prefix, 8 sets REX.W. */
#ifndef HOLO86_JIT_EMIT_H
#define HOLO86_JIT_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
  H_RAX, H_RCX, H_RDX, H_RBX, H_RSP, H_RBP, H_RSI, H_RDI,
  H_R8, H_R9, H_R10, H_R11, H_R12, H_R13, H_R14, H_R15,
};

/* Host condition codes (the low nibble of Jcc/SETcc); the same numbering as
 * the guest's, so a guest condition maps to itself. */
enum {
  HC_O, HC_NO, HC_B, HC_AE, HC_E, HC_NE, HC_BE, HC_A,
  HC_S, HC_NS, HC_P, HC_NP, HC_L, HC_GE, HC_LE, HC_G,
};

/* Two-operand ALU operations in their encoding order (ModRM.reg of 0x81). */
enum { HA_ADD, HA_OR, HA_ADC, HA_SBB, HA_AND, HA_SUB, HA_XOR, HA_CMP };

typedef struct HMem {
  int base;  /* host register */
  int index; /* host register, or -1; never RSP */
  int scale; /* 0..3: index << scale */
  int32_t disp;
} HMem;

static inline HMem hmem(int base, int32_t disp) { return (HMem){base, -1, 0, disp}; }
static inline HMem hmem_idx(int base, int index, int scale, int32_t disp) {
  return (HMem){base, index, scale, disp};
}

typedef struct Emit {
  uint8_t *start, *p, *end;
  bool overflow;
} Emit;

void emit_init(Emit *e, void *buf, size_t size);
static inline size_t emit_size(const Emit *e) { return (size_t)(e->p - e->start); }
void emit_byte(Emit *e, uint8_t b);
void emit_u32(Emit *e, uint32_t v);

/* mov r, [m]            (size 1/2/4/8; 8B, or 8A for bytes) */
void emit_load(Emit *e, int size, int reg, HMem m);
/* mov [m], r            (89, or 88 for bytes) */
void emit_store(Emit *e, int size, HMem m, int reg);
/* movzx r32, byte/word [m]   (0F B6 / 0F B7) */
void emit_movzx_load(Emit *e, int size, int reg, HMem m);
/* movsx r32, byte/word [m]   (0F BE / 0F BF) */
void emit_movsx_load(Emit *e, int size, int reg, HMem m);
/* movzx r32, r8/r16          (0F B6 / 0F B7 with a register operand) */
void emit_movzx_reg(Emit *e, int size, int dst, int src);
/* mov [m], imm          (C6 /0 ib, 66 C7 /0 iw, C7 /0 id; size 8: REX.W C7, sign-extended) */
void emit_store_imm(Emit *e, int size, HMem m, uint32_t imm);
/* mov r32, imm32        (B8+r id) */
void emit_mov_imm32(Emit *e, int reg, uint32_t imm);
/* mov r64, imm64        (REX.W B8+r io) */
void emit_mov_imm64(Emit *e, int reg, uint64_t imm);
/* mov dst, src          (89 /r, register to register) */
void emit_mov_reg(Emit *e, int size, int dst, int src);

/* op dst, src           (ALU r/m, reg: 01 09 11 19 21 29 31 39, bytes 00...) */
void emit_alu_reg(Emit *e, int op, int size, int dst, int src);
/* op r, [m]             (03 0B ... 3B, bytes 02 ... 3A) */
void emit_alu_load(Emit *e, int op, int size, int reg, HMem m);
/* op [m], r             (01 09 ... 39) */
void emit_alu_store(Emit *e, int op, int size, HMem m, int reg);
/* op r, imm             (83 /op ib if it fits, else 81 /op id/iw; bytes 80 /op ib) */
void emit_alu_imm(Emit *e, int op, int size, int reg, uint32_t imm);
/* op [m], imm           (the same with a memory operand) */
void emit_alu_mem_imm(Emit *e, int op, int size, HMem m, uint32_t imm);
/* imul r32, [m]         (0F AF /r) */
void emit_imul_load(Emit *e, int reg, HMem m);
/* imul r32, [m], imm32  (69 /r id) */
void emit_imul_imm(Emit *e, int reg, HMem m, uint32_t imm);
/* rol/ror/... [m], imm8 (C1 /op ib; bytes C0) */
void emit_shift_mem_imm(Emit *e, int op, int size, HMem m, uint8_t count);
/* shl/shr/sar r, cl     (D3 /4, /5, /7; bytes D2) */
void emit_shift_cl(Emit *e, int op, int size, int reg);
/* test [m], imm        (F6 /0 ib, F7 /0 iw/id) */
void emit_test_mem_imm(Emit *e, int size, HMem m, uint32_t imm);
/* test dst, src         (85 /r, bytes 84 /r) */
void emit_test_reg(Emit *e, int size, int dst, int src);
/* inc r / dec r         (FF /0, FF /1; bytes FE /0, FE /1) */
void emit_inc_reg(Emit *e, int size, int reg);
void emit_dec_reg(Emit *e, int size, int reg);
/* setcc r8              (0F 90+cc /0) */
void emit_setcc(Emit *e, int cc, int reg);
/* shl/shr/sar r, imm8  (C1 /4 ib, C1 /5 ib, C1 /7 ib; bytes C0) */
enum { HS_ROL = 0, HS_ROR = 1, HS_SHL = 4, HS_SHR = 5, HS_SAR = 7 };
void emit_shift_imm(Emit *e, int op, int size, int reg, uint8_t count);
/* lea r, [m]            (8D /r; size 4 or 8) */
void emit_lea(Emit *e, int size, int reg, HMem m);

/* push r / pop r        (50+r / 58+r, REX.B 41 for r8-r15) */
void emit_push(Emit *e, int reg);
void emit_pop(Emit *e, int reg);
/* bswap r32             (0F C8+r) */
void emit_bswap(Emit *e, int reg);
/* popfq                 (9D) */
void emit_popf(Emit *e);
/* call r                (FF /2) */
void emit_call_reg(Emit *e, int reg);
/* jmp r                 (FF /4) */
void emit_jmp_reg(Emit *e, int reg);
/* lea r64, [rip + d]    (REX.W 8D /r, mod 00 r/m 101): r = the address of
 * offset `target` of this code (position-independent) */
void emit_lea_rip(Emit *e, int reg, size_t target);
/* ret                   (C3) */
void emit_ret(Emit *e);
/* jcc rel32             (0F 80+cc cd) and jmp rel32 (E9 cd). They return
 * the offset of the rel32 field for emit_patch_rel32; target < 0 leaves it
 * to be patched, else it is an offset from e->start. */
size_t emit_jcc(Emit *e, int cc, long target);
size_t emit_jmp(Emit *e, long target);
/* Point the rel32 at offset `at` to offset `target` (both from e->start). */
void emit_patch_rel32(Emit *e, size_t at, size_t target);

#endif
