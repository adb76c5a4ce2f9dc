/* What every instruction handler needs: effective addresses, segment
 * checks, operand access by ModRM, the stack. All inline: these run once
 * or more per guest instruction. */
#ifndef HOLO86_EXEC_H
#define HOLO86_EXEC_H

#include "cpu/cpu.h"
#include "cpu/decode.h"
#include "cpu/flags.h"
#include "mmu/linear.h"

#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Offset of the ModRM memory operand with 32-bit addressing. */
static inline uint32_t ea32(const Cpu *c, const Insn *in) {
  return in->disp + c->r[in->base] + (c->r[in->index] << in->scale);
}

/* Offset of the ModRM memory operand (16-bit addressing wraps at 64 KiB). */
static inline uint32_t ea_offset(const Cpu *c, const Insn *in) {
  uint32_t off = ea32(c, in);
  return in->a32 ? off : off & 0xFFFF;
}

_Noreturn void seg_fault(Cpu *c, int seg);

/* Does segment seg allow an access of size bytes at off of kind acc
 * (SEG_OK_R, SEG_OK_W or both)? The last byte's offset is computed in 64
 * bits, so an access that wraps past 4 GiB is beyond any limit. */
static inline bool seg_allows(const Cpu *c, int seg, uint32_t off, int size, int acc) {
  const Segment *s = &c->seg[seg];
  return (s->ok & acc) == acc && off >= s->lo && (uint64_t)off + (uint32_t)(size - 1) <= s->hi;
}

/* Linear address of [seg:off] for an access of size bytes of kind acc,
 * after the segment's type and limit checks (#GP(0), or #SS(0) for the
 * stack segment). */
static inline uint32_t seg_linear(Cpu *c, int seg, uint32_t off, int size, int acc) {
  if (UNLIKELY(!seg_allows(c, seg, off, size, acc))) seg_fault(c, seg);
  return c->seg[seg].base + off;
}

/* The fast path of the form-specialised handlers (cpu/forms.def): the host
 * address of [seg:off] when the segment allows the access and the TLB
 * maps it to host memory within one page, else NULL. On NULL nothing has
 * happened yet, and the handler hands the instruction to its generic
 * version, which takes the slow paths and raises any fault. A flat
 * segment (Segment.flat) needs one test: its linear address is the
 * offset, and an access that wraps past 4 GiB fails lin_host's tag
 * compare (its last byte is in page 0, which no entry for the first byte's
 * page can hold). */
static inline uint8_t *seg_host(Cpu *c, int seg, uint32_t off, int size, int acc) {
  const Segment *s = &c->seg[seg];
  if ((s->flat & acc) == acc) return lin_host(c, off, size, acc & SEG_OK_W);
  if (UNLIKELY(!seg_allows(c, seg, off, size, acc))) return NULL;
  return lin_host(c, s->base + off, size, acc & SEG_OK_W);
}

/* The same for the ModRM memory operand of a 32-bit-addressing form. */
static inline uint8_t *ea32_host(Cpu *c, const Insn *in, int size, int acc) {
  return seg_host(c, in->seg, ea32(c, in), size, acc);
}

static inline uint32_t mem_read(Cpu *c, int seg, uint32_t off, int size) {
  return lin_read(c, seg_linear(c, seg, off, size, SEG_OK_R), size);
}

static inline void mem_write(Cpu *c, int seg, uint32_t off, int size, uint32_t v) {
  lin_write(c, seg_linear(c, seg, off, size, SEG_OK_W), size, v);
}

/* An operand location: a register (reg >= 0) or a checked linear address.
 * Read-modify-write instructions resolve it once and use it twice. */
typedef struct Loc {
  int reg;
  uint32_t lin;
} Loc;

static inline Loc loc_E(Cpu *c, const Insn *in, int size, int acc) {
  if (in->mod == 3) return (Loc){in->rm, 0};
  return (Loc){-1, seg_linear(c, in->seg, ea_offset(c, in), size, acc)};
}

static inline uint32_t loc_read(Cpu *c, Loc l, int size) {
  return l.reg >= 0 ? reg_get(c, l.reg, size) : lin_read(c, l.lin, size);
}

static inline void loc_write(Cpu *c, Loc l, int size, uint32_t v) {
  if (l.reg >= 0) reg_set(c, l.reg, size, v);
  else lin_write(c, l.lin, size, v);
}

static inline uint32_t read_E(Cpu *c, const Insn *in) {
  return loc_read(c, loc_E(c, in, in->size, SEG_OK_R), in->size);
}

static inline void write_E(Cpu *c, const Insn *in, uint32_t v) {
  loc_write(c, loc_E(c, in, in->size, SEG_OK_W), in->size, v);
}

/* Stack. The pointer is SP or ESP by SS.B; pushes write before they move
 * the pointer so a fault leaves it unchanged. */
static inline uint32_t sp_mask(const Cpu *c) { return c->stack32 ? 0xFFFFFFFFu : 0xFFFF; }

static inline void set_sp(Cpu *c, uint32_t sp) {
  uint32_t m = sp_mask(c);
  c->r[ESP] = (c->r[ESP] & ~m) | (sp & m);
}

static inline void push(Cpu *c, int size, uint32_t v) {
  uint32_t sp = (c->r[ESP] - (uint32_t)size) & sp_mask(c);
  mem_write(c, SEG_SS, sp, size, v);
  set_sp(c, sp);
}

static inline uint32_t pop(Cpu *c, int size) {
  uint32_t sp = c->r[ESP] & sp_mask(c);
  uint32_t v = mem_read(c, SEG_SS, sp, size);
  set_sp(c, sp + (uint32_t)size);
  return v;
}

/* The fast paths of a 4-byte push and pop on a 32-bit stack (SS.B): the
 * host address of the slot, or NULL (see seg_host). */
static inline uint8_t *push32_host(Cpu *c) {
  return c->stack32 ? seg_host(c, SEG_SS, c->r[ESP] - 4, 4, SEG_OK_W) : NULL;
}
static inline const uint8_t *pop32_host(Cpu *c) {
  return c->stack32 ? seg_host(c, SEG_SS, c->r[ESP], 4, SEG_OK_R) : NULL;
}

/* Read the stack at offset from the top without popping. */
static inline uint32_t stack_peek(Cpu *c, uint32_t offset, int size) {
  return mem_read(c, SEG_SS, (c->r[ESP] + offset) & sp_mask(c), size);
}

/* Near jump: EIP wraps to 16 bits for 16-bit operand size; beyond the CS
 * limit is #GP(0) before anything changes. */
static inline void jump_near(Cpu *c, uint32_t target, int size) {
  if (size == 2) target &= 0xFFFF;
  if (UNLIKELY(target > c->seg[SEG_CS].limit)) cpu_fault(c, EXC_GP, 0);
  c->eip = target;
}

/* Log an unimplemented instruction once per opcode, then #UD. */
_Noreturn void unimplemented(Cpu *c, const Insn *in, const char *what);

#endif
