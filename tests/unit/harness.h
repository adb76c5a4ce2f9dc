/* A tiny real-mode machine for the unit tests.
 *
 * Memory map (physical):
 *   0x00000  IVT: every vector n points at 0000:(H_EXC_STUBS + n)
 *   0x00500  H_EXC_STUBS: 256 HLT bytes, one per vector, so a test can tell
 *            which exception or interrupt ended the run (h_vector())
 *   0x10000  code, CS = 0x1000, IP = 0
 *   0x20000  DS = 0x2000      0x30000  ES = 0x3000
 *   0x40000  SS = 0x4000, SP = 0x1000 (stack grows down to 0x40000)
 *   0x50000  FS = 0x5000      0x60000  GS = 0x6000
 *
 * Test programs are byte arrays ending in HLT; h_run() runs until the CPU
 * halts (in the program or in an exception stub). */
#ifndef HOLO86_TESTS_HARNESS_H
#define HOLO86_TESTS_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include <criterion/criterion.h>

#include "cpu/cpu.h"
#include "devices/iobus.h"
#include "mmu/physmem.h"

#define H_RAM_SIZE (2u << 20)
#define H_EXC_STUBS 0x0500u
#define H_CS 0x1000u
#define H_DS 0x2000u
#define H_ES 0x3000u
#define H_SS 0x4000u
#define H_SP 0x1000u
#define H_FS 0x5000u
#define H_GS 0x6000u
#define H_CODE (H_CS << 4)
#define H_DATA (H_DS << 4)
#define H_EXTRA (H_ES << 4)
#define H_STACK (H_SS << 4)
/* Instructions h_run() executes at most before declaring a runaway. */
#define H_MAX_STEPS 2000000u

typedef struct Machine {
  PhysMem *pm;
  IoBus *io;
  Cpu *c;
} Machine;

/* A machine in real mode with the layout above, all general registers 0
 * (except SP), EFLAGS = 0x0002. */
Machine *h_new(void);
void h_free(Machine *m);

/* Copy a program to CS:0 (physical H_CODE) and point CS:IP at it. */
void h_load(Machine *m, const void *code, size_t n);
/* Copy bytes anywhere in physical memory. */
void h_poke(Machine *m, uint32_t phys, const void *bytes, size_t n);

/* Run until HLT (or a runaway/shutdown, which fails the test). Returns the
 * vector whose stub halted the CPU, or -1 for a HLT anywhere else. */
int h_run(Machine *m);
/* h_new + h_load + h_run; the run must end at the program's own HLT. */
Machine *h_exec(const void *code, size_t n);
#define RUN(code) h_exec((code), sizeof(code))
/* h_new + h_load, for tests that prepare memory or ports first. */
Machine *h_prepare(const void *code, size_t n);
#define PREPARE(code) h_prepare((code), sizeof(code))
/* h_run that must end at the program's own HLT. */
void h_run_ok(Machine *m);

/* Which vector's stub the CPU halted in, or -1. */
int h_vector(Machine *m);
/* Point IVT entry vec at seg:off. */
void h_set_ivt(Machine *m, int vec, uint16_t seg, uint16_t off);

/* Registers and flags. */
uint32_t h_reg(Machine *m, int r);          /* 32-bit EAX..EDI */
uint16_t h_reg16(Machine *m, int r);        /* AX..DI */
uint8_t h_reg8(Machine *m, int r);          /* AL CL DL BL AH CH DH BH */
uint32_t h_flags(Machine *m);               /* EFLAGS (lazy flags folded) */
uint16_t h_sreg(Machine *m, int seg);       /* selector */
uint32_t h_ip(Machine *m);                  /* EIP */

/* Physical memory. */
uint32_t h_rd(Machine *m, uint32_t phys, int size);
static inline uint8_t h_rd8(Machine *m, uint32_t a) { return (uint8_t)h_rd(m, a, 1); }
static inline uint16_t h_rd16(Machine *m, uint32_t a) { return (uint16_t)h_rd(m, a, 2); }
static inline uint32_t h_rd32(Machine *m, uint32_t a) { return h_rd(m, a, 4); }
void h_wr(Machine *m, uint32_t phys, int size, uint32_t v);
static inline void h_wr8(Machine *m, uint32_t a, uint8_t v) { h_wr(m, a, 1, v); }
static inline void h_wr16(Machine *m, uint32_t a, uint16_t v) { h_wr(m, a, 2, v); }
static inline void h_wr32(Machine *m, uint32_t a, uint32_t v) { h_wr(m, a, 4, v); }

/* The word at SS:SP + 2*i (after an interrupt: 0 = IP, 1 = CS, 2 = FLAGS). */
uint16_t h_stack16(Machine *m, int i);

/* "ODITSZAPC"-style rendering of the arithmetic flags (and DF/IF) for
 * messages; buf needs 32 bytes. */
const char *h_flagstr(uint32_t f, char *buf);

/* Checks that report expected and actual values and keep going. */
#define CHECK_EQ(what, got, exp)                                              \
  do {                                                                        \
    uint32_t got_ = (uint32_t)(got), exp_ = (uint32_t)(exp);                  \
    cr_expect_eq(got_, exp_, "%s: expected 0x%08X, got 0x%08X", (what), exp_, \
                 got_);                                                       \
  } while (0)
#define CHECK_REG(m, r, exp) CHECK_EQ(#r, h_reg((m), (r)), (exp))
#define CHECK_REG16(m, r, exp) CHECK_EQ(#r " (16-bit)", h_reg16((m), (r)), (exp))
#define CHECK_REG8(m, r, exp) CHECK_EQ(#r " (8-bit)", h_reg8((m), (r)), (exp))
/* The flags selected by mask must equal exp (bits outside mask ignored). */
#define CHECK_FLAGS(m, mask, exp)                                             \
  do {                                                                        \
    uint32_t fm_ = (uint32_t)(mask);                                          \
    uint32_t fg_ = h_flags(m) & fm_, fe_ = (uint32_t)(exp) & fm_;             \
    char b1_[32], b2_[32];                                                    \
    cr_expect_eq(fg_, fe_, "flags (mask %s): expected %s, got %s",            \
                 h_flagstr(fm_, b1_), h_flagstr(fe_, b2_),                    \
                 h_flagstr(fg_, (char[32]){0}));                              \
  } while (0)
/* All six arithmetic flags. */
#define CHECK_ARITH(m, exp) CHECK_FLAGS((m), F_ARITH, (exp))

/* Expect the run ended in exception/interrupt vector vec with the pushed
 * CS:IP equal to H_CS:ip. */
#define CHECK_FAULT(m, vec, ip)                                               \
  do {                                                                        \
    int v_ = h_vector(m);                                                     \
    cr_expect_eq(v_, (vec), "expected vector %d, got %d (CS:IP %04X:%04X)",   \
                 (vec), v_, h_sreg((m), SEG_CS), h_ip(m));                    \
    CHECK_EQ("pushed IP", h_stack16((m), 0), (ip));                           \
    CHECK_EQ("pushed CS", h_stack16((m), 1), H_CS);                           \
  } while (0)

#endif
