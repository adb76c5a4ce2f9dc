/* x86-64 encoder; see emit.h. Every instruction goes through rm_insn():
 *   [66] [REX] opcode... ModRM [SIB] [disp8/disp32]
 * which is the whole of the general-purpose encoding we need. */
#include "jit/emit.h"

#include <string.h>

void emit_init(Emit *e, void *buf, size_t size) {
  e->start = e->p = buf;
  e->end = e->start + size;
  e->overflow = false;
}

void emit_byte(Emit *e, uint8_t b) {
  if (e->p < e->end) *e->p++ = b;
  else e->overflow = true;
}

void emit_u32(Emit *e, uint32_t v) {
  for (int i = 0; i < 4; i++) emit_byte(e, (uint8_t)(v >> (8 * i)));
}

static void emit_u16(Emit *e, uint32_t v) {
  emit_byte(e, (uint8_t)v);
  emit_byte(e, (uint8_t)(v >> 8));
}

/* An r/m operand: a register or memory. */
typedef struct Opnd {
  bool is_reg;
  int reg;
  HMem m;
} Opnd;

static Opnd R(int reg) { return (Opnd){true, reg, {0, -1, 0, 0}}; }
static Opnd M(HMem m) { return (Opnd){false, 0, m}; }

enum {
  BYTE_REG = 1, /* the ModRM.reg register is a byte register */
  BYTE_RM = 2,  /* the r/m register is a byte register */
  OP_0F = 4,    /* two-byte opcode 0F xx */
};

/* Emit prefix, REX, opcode, ModRM, SIB and displacement. `r` is the
 * ModRM.reg field (a register or an opcode extension). */
static void rm_insn(Emit *e, int size, int flags, uint8_t opcode, int r, Opnd o) {
  if (size == 2) emit_byte(e, 0x66);
  int rex = 0;
  if (size == 8) rex |= 8;
  if (r >= 8) rex |= 4;
  if (!o.is_reg && o.m.index >= 8) rex |= 2;
  if ((o.is_reg ? o.reg : o.m.base) >= 8) rex |= 1;
  /* SPL BPL SIL DIL exist only with a REX prefix (without: AH CH DH BH). */
  bool need_rex = ((flags & BYTE_REG) && r >= 4 && r < 8) ||
                  ((flags & BYTE_RM) && o.is_reg && o.reg >= 4 && o.reg < 8);
  if (rex || need_rex) emit_byte(e, (uint8_t)(0x40 | rex));
  if (flags & OP_0F) emit_byte(e, 0x0F);
  emit_byte(e, opcode);
  if (o.is_reg) {
    emit_byte(e, (uint8_t)(0xC0 | (r & 7) << 3 | (o.reg & 7)));
    return;
  }
  int base = o.m.base & 7;
  int32_t d = o.m.disp;
  int mod = (d == 0 && base != 5) ? 0 : (d >= -128 && d <= 127) ? 1 : 2;
  if (o.m.index >= 0 || base == 4) {
    emit_byte(e, (uint8_t)(mod << 6 | (r & 7) << 3 | 4));
    int idx = o.m.index >= 0 ? (o.m.index & 7) : 4;
    emit_byte(e, (uint8_t)(o.m.scale << 6 | idx << 3 | base));
  } else {
    emit_byte(e, (uint8_t)(mod << 6 | (r & 7) << 3 | base));
  }
  if (mod == 1) emit_byte(e, (uint8_t)d);
  else if (mod == 2) emit_u32(e, (uint32_t)d);
}

static void emit_imm(Emit *e, int size, uint32_t imm) {
  if (size == 1) emit_byte(e, (uint8_t)imm);
  else if (size == 2) emit_u16(e, imm);
  else emit_u32(e, imm);
}

/* mov r, [m]: 8B /r (8A /r for bytes) */
void emit_load(Emit *e, int size, int reg, HMem m) {
  rm_insn(e, size, size == 1 ? BYTE_REG : 0, size == 1 ? 0x8A : 0x8B, reg, M(m));
}

/* mov [m], r: 89 /r (88 /r for bytes) */
void emit_store(Emit *e, int size, HMem m, int reg) {
  rm_insn(e, size, size == 1 ? BYTE_REG : 0, size == 1 ? 0x88 : 0x89, reg, M(m));
}

/* movzx r32, byte [m]: 0F B6 /r; movzx r32, word [m]: 0F B7 /r */
void emit_movzx_load(Emit *e, int size, int reg, HMem m) {
  rm_insn(e, 4, OP_0F, size == 1 ? 0xB6 : 0xB7, reg, M(m));
}

/* movsx r32, byte [m]: 0F BE /r; movsx r32, word [m]: 0F BF /r */
void emit_movsx_load(Emit *e, int size, int reg, HMem m) {
  rm_insn(e, 4, OP_0F, size == 1 ? 0xBE : 0xBF, reg, M(m));
}

/* movzx r32, r8: 0F B6 /r; movzx r32, r16: 0F B7 /r */
void emit_movzx_reg(Emit *e, int size, int dst, int src) {
  rm_insn(e, 4, OP_0F | (size == 1 ? BYTE_RM : 0), size == 1 ? 0xB6 : 0xB7, dst, R(src));
}

/* mov byte [m], ib: C6 /0 ib; mov word [m], iw: 66 C7 /0 iw;
 * mov dword [m], id: C7 /0 id; mov qword [m], id: REX.W C7 /0 id */
void emit_store_imm(Emit *e, int size, HMem m, uint32_t imm) {
  rm_insn(e, size, 0, size == 1 ? 0xC6 : 0xC7, 0, M(m));
  emit_imm(e, size == 8 ? 4 : size, imm);
}

/* mov r32, id: B8+r id (REX.B for r8d-r15d) */
void emit_mov_imm32(Emit *e, int reg, uint32_t imm) {
  if (reg >= 8) emit_byte(e, 0x41);
  emit_byte(e, (uint8_t)(0xB8 + (reg & 7)));
  emit_u32(e, imm);
}

/* mov r64, io: REX.W B8+r io */
void emit_mov_imm64(Emit *e, int reg, uint64_t imm) {
  emit_byte(e, (uint8_t)(0x48 | (reg >= 8 ? 1 : 0)));
  emit_byte(e, (uint8_t)(0xB8 + (reg & 7)));
  emit_u32(e, (uint32_t)imm);
  emit_u32(e, (uint32_t)(imm >> 32));
}

/* mov dst, src: 89 /r with mod = 11 (r/m = dst, reg = src) */
void emit_mov_reg(Emit *e, int size, int dst, int src) {
  rm_insn(e, size, size == 1 ? BYTE_REG | BYTE_RM : 0, size == 1 ? 0x88 : 0x89, src, R(dst));
}

/* op dst, src: (op << 3) | 1 /r, mod = 11; bytes (op << 3) | 0 */
void emit_alu_reg(Emit *e, int op, int size, int dst, int src) {
  rm_insn(e, size, size == 1 ? BYTE_REG | BYTE_RM : 0, (uint8_t)(op << 3 | (size == 1 ? 0 : 1)),
          src, R(dst));
}

/* op r, [m]: (op << 3) | 3 /r; bytes (op << 3) | 2 */
void emit_alu_load(Emit *e, int op, int size, int reg, HMem m) {
  rm_insn(e, size, size == 1 ? BYTE_REG : 0, (uint8_t)(op << 3 | (size == 1 ? 2 : 3)), reg, M(m));
}

/* op [m], r: (op << 3) | 1 /r; bytes (op << 3) | 0 */
void emit_alu_store(Emit *e, int op, int size, HMem m, int reg) {
  rm_insn(e, size, size == 1 ? BYTE_REG : 0, (uint8_t)(op << 3 | (size == 1 ? 0 : 1)), reg, M(m));
}

/* op r/m, imm: 80 /op ib (bytes), 83 /op ib (sign-extended imm8 fits),
 * else 81 /op iw/id */
static void alu_imm(Emit *e, int op, int size, Opnd o, uint32_t imm) {
  if (size == 1) {
    rm_insn(e, 1, BYTE_RM, 0x80, op, o);
    emit_byte(e, (uint8_t)imm);
    return;
  }
  int32_t s = size == 2 ? (int16_t)imm : (int32_t)imm;
  if (s >= -128 && s <= 127) {
    rm_insn(e, size, 0, 0x83, op, o);
    emit_byte(e, (uint8_t)s);
  } else {
    rm_insn(e, size, 0, 0x81, op, o);
    emit_imm(e, size == 8 ? 4 : size, imm);
  }
}

void emit_alu_imm(Emit *e, int op, int size, int reg, uint32_t imm) { alu_imm(e, op, size, R(reg), imm); }
void emit_alu_mem_imm(Emit *e, int op, int size, HMem m, uint32_t imm) { alu_imm(e, op, size, M(m), imm); }

/* test dst, src: 85 /r (84 /r for bytes) */
void emit_test_reg(Emit *e, int size, int dst, int src) {
  rm_insn(e, size, size == 1 ? BYTE_REG | BYTE_RM : 0, size == 1 ? 0x84 : 0x85, src, R(dst));
}

/* inc r: FF /0 (FE /0 for bytes); dec r: FF /1 (FE /1) */
void emit_inc_reg(Emit *e, int size, int reg) {
  rm_insn(e, size, size == 1 ? BYTE_RM : 0, size == 1 ? 0xFE : 0xFF, 0, R(reg));
}
void emit_dec_reg(Emit *e, int size, int reg) {
  rm_insn(e, size, size == 1 ? BYTE_RM : 0, size == 1 ? 0xFE : 0xFF, 1, R(reg));
}

/* setcc r8: 0F 90+cc /0 */
void emit_setcc(Emit *e, int cc, int reg) { rm_insn(e, 4, OP_0F | BYTE_RM, (uint8_t)(0x90 + cc), 0, R(reg)); }

/* shl/shr/sar r, imm8: C1 /4 ib, C1 /5 ib, C1 /7 ib */
void emit_shift_imm(Emit *e, int op, int size, int reg, uint8_t count) {
  rm_insn(e, size, size == 1 ? BYTE_RM : 0, size == 1 ? 0xC0 : 0xC1, op, R(reg));
  emit_byte(e, count);
}

/* test [m], imm: F6 /0 ib (bytes), F7 /0 iw/id */
void emit_test_mem_imm(Emit *e, int size, HMem m, uint32_t imm) {
  rm_insn(e, size, 0, size == 1 ? 0xF6 : 0xF7, 0, M(m));
  emit_imm(e, size, imm);
}

/* rol/ror/shl... [m], imm8: C1 /op ib (C0 for bytes) */
void emit_shift_mem_imm(Emit *e, int op, int size, HMem m, uint8_t count) {
  rm_insn(e, size, 0, size == 1 ? 0xC0 : 0xC1, op, M(m));
  emit_byte(e, count);
}

/* shl/shr/sar r, cl: D3 /4, /5, /7 */
void emit_shift_cl(Emit *e, int op, int size, int reg) {
  rm_insn(e, size, size == 1 ? BYTE_RM : 0, size == 1 ? 0xD2 : 0xD3, op, R(reg));
}

/* imul r32, [m]: 0F AF /r */
void emit_imul_load(Emit *e, int reg, HMem m) { rm_insn(e, 4, OP_0F, 0xAF, reg, M(m)); }

/* imul r32, [m], imm32: 69 /r id */
void emit_imul_imm(Emit *e, int reg, HMem m, uint32_t imm) {
  rm_insn(e, 4, 0, 0x69, reg, M(m));
  emit_u32(e, imm);
}

/* lea r, [m]: 8D /r (REX.W for a 64-bit result) */
void emit_lea(Emit *e, int size, int reg, HMem m) { rm_insn(e, size, 0, 0x8D, reg, M(m)); }

/* push r: 50+r; pop r: 58+r (41 prefix for r8-r15) */
void emit_push(Emit *e, int reg) {
  if (reg >= 8) emit_byte(e, 0x41);
  emit_byte(e, (uint8_t)(0x50 + (reg & 7)));
}
void emit_pop(Emit *e, int reg) {
  if (reg >= 8) emit_byte(e, 0x41);
  emit_byte(e, (uint8_t)(0x58 + (reg & 7)));
}

/* bswap r32: 0F C8+r (41 prefix for r8-r15) */
void emit_bswap(Emit *e, int reg) {
  if (reg >= 8) emit_byte(e, 0x41);
  emit_byte(e, 0x0F);
  emit_byte(e, (uint8_t)(0xC8 + (reg & 7)));
}

/* popfq: 9D */
void emit_popf(Emit *e) { emit_byte(e, 0x9D); }

/* call r: FF /2 (mod = 11) */
void emit_call_reg(Emit *e, int reg) { rm_insn(e, 4, 0, 0xFF, 2, R(reg)); }

/* jmp r: FF /4 (mod = 11) */
void emit_jmp_reg(Emit *e, int reg) { rm_insn(e, 4, 0, 0xFF, 4, R(reg)); }

/* lea r64, [rip + disp32]: REX.W(+R) 8D, ModRM 00 reg 101, disp32 counted
 * from the end of the instruction. */
void emit_lea_rip(Emit *e, int reg, size_t target) {
  emit_byte(e, (uint8_t)(0x48 | (reg >= 8 ? 4 : 0)));
  emit_byte(e, 0x8D);
  emit_byte(e, (uint8_t)((reg & 7) << 3 | 5));
  emit_u32(e, (uint32_t)(int32_t)((long)target - (long)(emit_size(e) + 4)));
}

/* ret: C3 */
void emit_ret(Emit *e) { emit_byte(e, 0xC3); }

static size_t rel32(Emit *e, long target) {
  size_t at = emit_size(e);
  emit_u32(e, 0);
  if (target >= 0) emit_patch_rel32(e, at, (size_t)target);
  return at;
}

/* jcc rel32: 0F 80+cc cd */
size_t emit_jcc(Emit *e, int cc, long target) {
  emit_byte(e, 0x0F);
  emit_byte(e, (uint8_t)(0x80 + cc));
  return rel32(e, target);
}

/* jmp rel32: E9 cd */
size_t emit_jmp(Emit *e, long target) {
  emit_byte(e, 0xE9);
  return rel32(e, target);
}

void emit_patch_rel32(Emit *e, size_t at, size_t target) {
  if (at + 4 > emit_size(e)) return;
  int32_t rel = (int32_t)((long)target - (long)(at + 4));
  memcpy(e->start + at, &rel, 4);
}
