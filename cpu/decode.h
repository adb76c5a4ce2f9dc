/* The one x86 decoder. It turns instruction bytes into an Insn that names
 * the handler executing it and holds every operand field pre-extracted, so
 * the interpreter, the JIT and the tracer never look at raw bytes again.
 * Its shape comes from one table, cpu/opcodes.def. */
#ifndef HOLO86_DECODE_H
#define HOLO86_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

typedef struct Insn Insn;
typedef void (*Handler)(Cpu *c, const Insn *in);

/* Operand shape flags used in opcodes.def. */
enum {
  D_M = 1 << 0,       /* has a ModRM byte */
  D_BYTE = 1 << 1,    /* operand size is 8 bits */
  D_W16 = 1 << 2,     /* operand size is 16 bits whatever the prefixes */
  D_MEM = 1 << 3,     /* ModRM must name memory, else #UD */
  D_MODREG = 1 << 4,  /* ModRM mod is ignored and names a register */
  D_LOCK = 1 << 5,    /* LOCK is allowed (with a memory destination) */
  D_END = 1 << 6,     /* ends a decoded block (control transfer, mode change) */
  D_GROUP = 1 << 7,   /* ModRM.reg selects the table entry */
};

/* Immediate kinds. */
enum {
  I_NONE,
  I_B,  /* 8 bits */
  I_SB, /* 8 bits sign-extended to the operand size */
  I_W,  /* 16 bits */
  I_V,  /* operand size: 8, 16 or 32 bits */
  I_A,  /* memory offset of address size (MOV AL, [moffs]) */
  I_P,  /* far pointer: offset of operand size, then 16-bit selector */
  I_WB, /* 16 bits then 8 bits (ENTER) */
};

struct Insn {
  Handler fn;    /* the table's handler or its variant for the operand form */
  uint32_t disp; /* memory displacement, or moffs */
  uint32_t imm;  /* first immediate (sign-extended where the form says) */
  uint16_t imm2; /* second immediate: ENTER level, far pointer selector */
  uint16_t op;   /* 0x000-0x0FF one byte, 0x1xx 0F xx, 0x2xx 0F 38 xx, 0x3xx 0F 3A xx */
  uint8_t len;
  uint8_t size;  /* operand size in bytes: 1, 2 or 4 */
  uint8_t a32;   /* 32-bit addressing */
  uint8_t seg;   /* segment of the memory operand (after overrides) */
  uint8_t segovr; /* an explicit segment override was given */
  uint8_t rep;   /* 0, 0xF2 (REPNE) or 0xF3 (REP/REPE) */
  uint8_t lock;
  uint8_t mod, reg, rm;        /* mod == 3: rm names a register */
  uint8_t base, index, scale;  /* REG_ZERO when absent */
  uint8_t aux;   /* the table entry's constant (ALU op, condition, ...) */
  uint8_t dflags;
};

enum DecodeResult {
  DECODE_OK = 0,
  DECODE_MORE = -1,    /* the bytes ran out: supply more and retry */
  DECODE_TOO_LONG = -2 /* longer than 15 bytes: #GP(0) */
};

void decode_init(void);
/* Decode from buf (avail bytes valid) in 16- or 32-bit code. in->fn may be
 * a variant of the table's handler specialised for the operand form
 * (cpu/forms.def), with the same semantics. */
int decode(Insn *in, const uint8_t *buf, int avail, bool code32);
/* The handler opcodes.def names for a decoded instruction (op_ud for an
 * invalid form): what code that recognises instructions compares, since
 * in->fn may be a form-specialised variant of it. */
Handler decode_handler(const Insn *in);

/* Operand forms of cpu/forms.def (written there without FORM_): a
 * register operand (or none) of 1, 2 or 4 bytes, or a memory operand with
 * 32-bit addressing of 1, 2 or 4 bytes. */
enum DecodeForm { FORM_R8, FORM_R16, FORM_R32, FORM_M8, FORM_M16, FORM_M32 };

/* Every handler named in opcodes.def, and their variants in forms.def. */
#define OP(opcode, sel, shape, imm, handler, aux) void handler(Cpu *c, const Insn *in);
#include "cpu/opcodes.def"
#undef OP
#define FORM(generic, op, aux, form, variant) void variant(Cpu *c, const Insn *in);
#include "cpu/forms.def"
#undef FORM

#endif
