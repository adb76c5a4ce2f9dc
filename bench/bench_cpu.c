/* Guest MIPS of the interpreter on a fixed instruction mix.
 *
 *   bench-cpu [--jit | --lockstep] [mix.bin]
 *
 * --jit runs the guest through the JIT (jit/), --lockstep through the JIT
 * checked against the interpreter; the default is the interpreter.
 *
 * mix.bin is bench/mix.asm assembled by nasm (default: MIX_BIN, which the
 * Makefile may define, else build/bench/mix.bin). The program is loaded at
 * physical 0x10000 and run from 1000:0000 in real mode until it halts.
 * Its eight kernels each end with a 32-bit OUT of their result to port
 * 0xB0; at each one this harness takes a time stamp and c->icount, so it
 * prints instructions, seconds and MIPS per kernel and in total. A
 * REP-prefixed string instruction counts as one instruction, as on
 * hardware, so the string kernel's MIPS is low by nature.
 *
 * This is not a test and asserts nothing about speed, but it checks that
 * the guest computed what it should: each kernel's result, the final EAX
 * and the instruction count between markers are compared with constants
 * derived from mix.asm by hand (see below). A wrong result is printed
 * loudly and makes the exit status 1. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/cpu.h"
#include "jit/jit.h"
#include "devices/iobus.h"
#include "mmu/physmem.h"

#ifndef MIX_BIN
#define MIX_BIN "build/bench/mix.bin"
#endif

enum {
  LOAD_SEG = 0x1000,     /* the program runs at 1000:0000, physical 0x10000 */
  BENCH_PORT = 0xB0,
  N_KERNELS = 8,
  TRAP_SEG = 0x0060,     /* exception stubs: vector v at 0060:4v */
  MAX_BIN = 0x10000,
};

/* The parameter block mix.asm carries at offset 4 ("HMIX" and eight
 * dwords): the loop counts every constant below was derived for. */
static const uint32_t mix_params[N_KERNELS] = {
    6000000, /* N_ALU */
    3500,    /* R_MEM */
    20000,   /* R_STR */
    5000000, /* N_CALL */
    4000000, /* N_JCC */
    4000000, /* N_PUSH */
    4000008, /* N_SHIFT */
    3000000, /* N_MULDIV */
};

/* Expected results, derived from mix.asm; arithmetic is mod 2^32.
 *
 * alu (N = 6,000,000): A = N(N-1)/2; W = N*0x9E3779B9; C = the carries out
 *   of W, floor(N*0x9E3779B9 / 2^32); D = -(N/8)*(0+1+...+7) = -21,000,000.
 *   Result A + W + C + D = 0xE0F040AB.
 * mem (R = 3,500 passes): pass p copies dwords k*0x10001 + p (k < 1024),
 *   so the sum is R*0x10001*(1023*1024/2) + 1024*R(R-1)/2 = 0x8B007000.
 * str (R = 20,000 rounds): REPE CMPSB stops at the spoiled byte 0x7F0
 *   with CX = 2048 - 0x7F1 = 15. The 64 bytes at DS:100 are dwords
 *   k = 64..79 of k*0x10001 + 3500, bytes (k+3500)&0xFF, 0x0D, k, 0:
 *   (236+...+251) + 16*13 + (64+...+79) = 3896 + 208 + 1144 = 5248. STOSD
 *   stores the round counter R..1. Sum R*(15 + 5248) + R(R+1)/2
 *   = 305,270,000 = 0x12320CF0.
 * call (N = 5,000,000): the sum of 2i+1 for i < N is N^2 = 0xC41E9000.
 * jcc (N = 4,000,000, a multiple of 256): ESI = N/2 odd i, EDI = N/4 with
 *   i&6 == 0, EDX = -3N/4, EBP = N/4 with i&0xFF >= 0xC0. Result
 *   (2,000,000 ^ 1,000,000) + 3,000,000 + 1,000,000 = 0x4ECFC0.
 * stack (N = 4,000,000): (EAX, EBX) = (F(N+1), F(N)), Fibonacci from
 *   (1, 0); SI = 0x5A*N mod 2^16 = 0x2400. Result (F(N+1) + 0x2400) ^ F(N)
 *   = 0xAF7C9926 (F(N) mod 2^32 by fast doubling).
 * shift (N = 4,000,008 = 8 mod 32): ROL 5 N times is ROL 8:
 *   0x34567812; ROR 3 N times is ROR 24: 0xBCDEF09A. EDI = sum of 4i
 *   = 2N(N-1). EBP: SAR of 0x80000000 by s is -2^(31-s); one period
 *   s = 0..15 adds up to 2^16 mod 2^32, the last 8 terms (s = 0..7) to
 *   2^24: 250,000*2^16 + 2^24. Result (0x34567812 ^ 0xBCDEF09A) + EDI +
 *   EBP = 0xF5E196F8.
 * muldiv (N = 3,000,000 = 7*428,571 + 3): ESI = sum of i^2 + 3i
 *   = (N-1)N(2N-1)/6 + 3N(N-1)/2; EDI = 21*428,571 + (0+1+2); EBP =
 *   7*428,571*428,570/2 + 3*428,571. Result (ESI ^ EDI) + EBP = 0x09CC7A24.
 * Final EAX: TOTAL = rol(TOTAL, 1) ^ result, over the eight from 0.
 *
 * Instructions from one marker's OUT (included) to the next (excluded):
 * 3 for the previous KERNEL_END, plus the kernel:
 *   alu    5 + 11N + 3                          = 66,000,008
 *   mem    3 + 5*1024 + 2 + R*(7 + 12*1024) + 1 = 43,037,626
 *   str    3 + R*(15 + 3*64 + 7) + 1            =  4,280,004
 *   call   3 + 8N                               = 40,000,003
 *   jcc    5 + 9N + (N/2 + 2*N/4 + 3N/4 + N/4) + 4 = 44,000,009
 *   stack  4 + 10N + 2                          = 40,000,006
 *   shift  5 + 14N + 3                          = 56,000,120
 *   muldiv 5 + 13N + 3                          = 39,000,008
 * Whole run: 12 before the first marker (the JMP over the parameter block
 * and 11 of set-up), the eight intervals, and 5 after the last marker (its
 * OUT, ROL, XOR, then MOV, HLT): 332,317,825. */
static const struct {
  const char *name;
  uint64_t insns;
  uint32_t result;
} kernels[N_KERNELS] = {
    {"alu", 3 + 66000008ull, 0xE0F040ABu},   {"mem", 3 + 43037626ull, 0x8B007000u},
    {"str", 3 + 4280004ull, 0x12320CF0u},    {"call", 3 + 40000003ull, 0xC41E9000u},
    {"jcc", 3 + 44000009ull, 0x004ECFC0u},   {"stack", 3 + 40000006ull, 0xAF7C9926u},
    {"shift", 3 + 56000120ull, 0xF5E196F8u}, {"muldiv", 3 + 39000008ull, 0x09CC7A24u},
};
#define EXPECT_EAX 0xE21F8693u
#define EXPECT_INSNS UINT64_C(332317825)
#define INSN_LIMIT (4 * EXPECT_INSNS) /* give up on a runaway guest */

typedef struct Marks {
  Cpu *cpu;
  int n; /* markers seen; marker 0 is the start */
  uint64_t icount[N_KERNELS + 1];
  double time[N_KERNELS + 1];
  uint32_t value[N_KERNELS + 1];
} Marks;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint32_t port_in(void *opaque, uint16_t port, int size) {
  (void)opaque;
  (void)port;
  return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

/* The guest's kernel markers. c->icount does not yet include this OUT. */
static void port_out(void *opaque, uint16_t port, int size, uint32_t value) {
  Marks *m = opaque;
  double t = now();
  (void)port;
  if (size != 4 || m->n > N_KERNELS) {
    m->n = N_KERNELS + 2; /* protocol broken: reported after the run */
    return;
  }
  m->time[m->n] = t;
  m->icount[m->n] = m->cpu->icount;
  m->value[m->n] = value;
  m->n++;
}

static size_t load_file(const char *path, uint8_t *buf, size_t max) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  size_t n = fread(buf, 1, max, f);
  int extra = fgetc(f);
  fclose(f);
  return extra == EOF ? n : 0;
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Every interrupt vector points at "MOV AL, v; HLT" so a guest fault stops
 * the run where it can be reported instead of running off into zeros. */
static void install_traps(PhysMem *pm) {
  for (uint32_t v = 0; v < 256; v++) {
    phys_write(pm, v * 4, 2, v * 4);
    phys_write(pm, v * 4 + 2, 2, TRAP_SEG);
    const uint8_t stub[4] = {0xB0, (uint8_t)v, 0xF4, 0x90};
    phys_write_buf(pm, TRAP_SEG * 16 + v * 4, stub, sizeof stub);
  }
}

int main(int argc, char **argv) {
  int accel = ACCEL_INTERP;
  if (argc > 1 && (!strcmp(argv[1], "--jit") || !strcmp(argv[1], "--lockstep"))) {
    accel = argv[1][2] == 'j' ? ACCEL_JIT : ACCEL_LOCKSTEP;
    argc--, argv++;
  }
  const char *path = argc > 1 ? argv[1] : MIX_BIN;
  static uint8_t bin[MAX_BIN];
  size_t size = load_file(path, bin, sizeof bin);
  if (size < 8 + 4 * N_KERNELS || memcmp(bin + 4, "HMIX", 4) != 0) {
    fprintf(stderr,
            "bench-cpu: cannot use %s: missing, too big or not bench/mix.asm "
            "(make build/bench/mix.bin, or nasm -f bin -o FILE bench/mix.asm)\n",
            path);
    return 2;
  }
  for (int i = 0; i < N_KERNELS; i++) {
    if (le32(bin + 8 + 4 * i) != mix_params[i]) {
      fprintf(stderr,
              "bench-cpu: %s has loop count %d = %" PRIu32 ", but the expected "
              "results here were derived for %" PRIu32 "; derive them again\n",
              path, i, le32(bin + 8 + 4 * i), mix_params[i]);
      return 2;
    }
  }

  PhysMem *pm = phys_new(16u << 20);
  IoBus *io = iobus_new();
  Cpu *c = cpu_new(pm, io);
  if (jit_enable(c, accel, 0) != 0) {
    fprintf(stderr, "bench-cpu: cannot enable the JIT\n");
    return 2;
  }
  install_traps(pm);
  phys_write_buf(pm, (uint32_t)LOAD_SEG * 16, bin, size);
  cpu_load_seg(c, SEG_CS, LOAD_SEG);
  c->eip = 0;

  Marks marks = {.cpu = c};
  static const IoPortOps ops = {port_in, port_out};
  if (iobus_register(io, BENCH_PORT, 4, &ops, &marks, "bench") != 0) {
    fprintf(stderr, "bench-cpu: cannot claim port 0x%X\n", BENCH_PORT);
    return 2;
  }

  double t0 = now();
  while (!c->halted && !c->shutdown && c->icount < INSN_LIMIT) cpu_run(c, 50000000);
  double t1 = now();

  printf("bench-cpu: %s (%zu bytes), %s, 16-bit real mode\n", path, size,
         accel == ACCEL_JIT ? "JIT" : accel == ACCEL_LOCKSTEP ? "JIT in lockstep" : "interpreter");
  int wrong = 0;
  if (!c->halted || c->shutdown || c->seg[SEG_CS].sel != LOAD_SEG ||
      marks.n != N_KERNELS + 1) {
    wrong++;
    printf("WRONG: the guest did not run to its HLT: %s after %" PRIu64
           " instructions at %04X:%04X, %d of %d markers",
           c->shutdown ? "triple fault" : c->halted ? "halted" : "instruction limit",
           c->icount, c->seg[SEG_CS].sel, c->eip, marks.n, N_KERNELS + 1);
    if (c->halted && c->seg[SEG_CS].sel == TRAP_SEG) {
      uint32_t sp = c->seg[SEG_SS].base + (c->r[ESP] & 0xFFFF);
      printf("; exception %u raised at %04X:%04X", c->r[EAX] & 0xFF,
             phys_read(pm, sp + 2, 2), phys_read(pm, sp, 2));
    }
    printf("\n");
  }

  printf("%-8s %13s %9s %9s  %s\n", "kernel", "instructions", "seconds", "MIPS", "result");
  for (int k = 1; k <= N_KERNELS && k < marks.n && marks.n <= N_KERNELS + 1; k++) {
    uint64_t n = marks.icount[k] - marks.icount[k - 1];
    double s = marks.time[k] - marks.time[k - 1];
    int ok_val = marks.value[k] == kernels[k - 1].result;
    int ok_n = n == kernels[k - 1].insns;
    printf("%-8s %13" PRIu64 " %9.4f %9.2f  %08" PRIX32 " %s\n", kernels[k - 1].name, n, s,
           s > 0 ? (double)n / s / 1e6 : 0.0, marks.value[k], ok_val && ok_n ? "ok" : "");
    if (!ok_val) {
      wrong++;
      printf("WRONG: kernel %s computed %08" PRIX32 ", expected %08" PRIX32 "\n",
             kernels[k - 1].name, marks.value[k], kernels[k - 1].result);
    }
    if (!ok_n) {
      wrong++;
      printf("WRONG: kernel %s retired %" PRIu64 " instructions, expected %" PRIu64 "\n",
             kernels[k - 1].name, n, kernels[k - 1].insns);
    }
  }
  double secs = t1 - t0;
  printf("%-8s %13" PRIu64 " %9.4f %9.2f  EAX=%08" PRIX32 " %s\n", "total", c->icount, secs,
         secs > 0 ? (double)c->icount / secs / 1e6 : 0.0, c->r[EAX],
         c->r[EAX] == EXPECT_EAX && c->icount == EXPECT_INSNS ? "ok" : "");
  if (c->r[EAX] != EXPECT_EAX) {
    wrong++;
    printf("WRONG: final EAX %08" PRIX32 ", expected %08" PRIX32 "\n", c->r[EAX], EXPECT_EAX);
  }
  if (c->icount != EXPECT_INSNS) {
    wrong++;
    printf("WRONG: %" PRIu64 " instructions retired, expected %" PRIu64 "\n", c->icount,
           EXPECT_INSNS);
  }
  if (wrong) printf("bench-cpu: FAILED: %d wrong result%s: the MIPS above mean nothing\n",
                    wrong, wrong == 1 ? "" : "s");

  fflush(stdout);
  jit_print_stats(c);
  if (c->jit && c->jit->divergences) wrong++;
  cpu_free(c);
  iobus_free(io);
  phys_free(pm);
  return wrong ? 1 : 0;
}
