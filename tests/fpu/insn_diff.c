/* Instruction-level differential test: each x87 and MMX instruction runs
 * natively (a generated stub: FXRSTOR the state, the instruction, FXSAVE)
 * and in holo86 (the same bytes in a tiny real-mode machine: FXRSTOR [si],
 * the instruction, FXSAVE [di], HLT). Compared: FCW, FSW, the abridged tag
 * word, the eight registers, the memory operand area, EFLAGS, EAX.
 *
 * The memory operand is ModRM mod=0 rm=7: (%rdi) natively, [bx] in 16-bit
 * real mode, so both run identical instruction bytes. EAX is loaded from
 * the memory area before and stored to it after (MOVD forms with a GPR).
 *
 * Transcendentals (F2XM1 FYL2X FPTAN FPATAN FYL2XP1 FSIN FCOS FSINCOS) are
 * counted bit-exact or "within one ulp" (reported, not a failure unless it
 * is off by more or the flags differ beyond the rounding-related PE/C1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cpu/cpu.h"
#include "devices/iobus.h"
#include "mmu/physmem.h"
#include "tests/fpu/fpu_test.h"

static long pass_n, fail_n, printed_n, max_print;
static long trans_exact, trans_ulp, trans_total;

/* ---- native side -------------------------------------------------------- */

typedef void (*Stub)(void *mem, const void *in, void *out, uint64_t *flags_out,
                     const uint64_t *flags_in);
static uint8_t *stub_buf;

static void native_run(const uint8_t *insn, int n, uint8_t *mem, const uint8_t *in, uint8_t *out,
                       uint64_t *flags_out, uint64_t flags_in) {
  static const uint8_t pre[] = {0x0F, 0xAE, 0x0E,       /* fxrstor (%rsi) */
                                0x41, 0xFF, 0x30, 0x9D, /* push (%r8); popfq */
                                0x8B, 0x07};            /* mov (%rdi), %eax */
  static const uint8_t post[] = {0x89, 0x47, 0x08,      /* mov %eax, 8(%rdi) */
                                 0x0F, 0xAE, 0x02,      /* fxsave (%rdx) */
                                 0x9C, 0x8F, 0x01,      /* pushfq; pop (%rcx) */
                                 0xDB, 0xE3, 0xC3};     /* fninit; ret */
  uint8_t *p = stub_buf;
  memcpy(p, pre, sizeof pre), p += sizeof pre;
  memcpy(p, insn, (size_t)n), p += n;
  memcpy(p, post, sizeof post);
  ((Stub)(void *)stub_buf)(mem, in, out, flags_out, &flags_in);
}

/* ---- emulated side ------------------------------------------------------ */

static PhysMem *pm;
static Cpu *cpu;
#define E_CODE 0x10000u
#define E_DATA 0x20000u
#define E_MEM 0x0000u
#define E_IN 0x0100u
#define E_OUT 0x0400u

static void emu_init(void) {
  pm = phys_new(1u << 20);
  cpu = cpu_new(pm, iobus_new());
  cpu_load_seg(cpu, SEG_DS, E_DATA >> 4);
  cpu_load_seg(cpu, SEG_SS, 0x3000);
  cpu->r[ESP] = 0x1000;
}

static bool emu_run(const uint8_t *insn, int n, uint8_t *mem, const uint8_t *in, uint8_t *out,
                    uint32_t *flags_out, uint32_t flags_in) {
  uint8_t code[64];
  static const uint8_t pre[] = {0x0F, 0xAE, 0x0C,        /* fxrstor [si] */
                                0x66, 0x8B, 0x07};       /* mov eax, [bx] */
  static const uint8_t post[] = {0x66, 0x89, 0x47, 0x08, /* mov [bx+8], eax */
                                 0x0F, 0xAE, 0x05,       /* fxsave [di] */
                                 0xF4};
  int len = 0;
  memcpy(code, pre, sizeof pre), len += sizeof pre;
  memcpy(code + len, insn, (size_t)n), len += n;
  memcpy(code + len, post, sizeof post), len += sizeof post;
  phys_write_buf(pm, E_CODE, code, (size_t)len);
  phys_write_buf(pm, E_DATA + E_MEM, mem, 32);
  phys_write_buf(pm, E_DATA + E_IN, in, 512);
  cpu_load_seg(cpu, SEG_CS, E_CODE >> 4);
  cpu->eip = 0;
  cpu->r[EBX] = E_MEM, cpu->r[ESI] = E_IN, cpu->r[EDI] = E_OUT;
  cpu_set_flags(cpu, flags_in, 0xFFFFFFFFu);
  cpu->halted = false;
  for (int i = 0; i < 10 && !cpu->halted; i++) cpu_run(cpu, 16);
  if (!cpu->halted || cpu->seg[SEG_CS].sel != (E_CODE >> 4) || cpu->eip != (uint32_t)len)
    return false;
  phys_read_buf(pm, E_DATA + E_MEM, mem, 32);
  phys_read_buf(pm, E_DATA + E_OUT, out, 512);
  *flags_out = cpu_get_flags(cpu);
  return true;
}

/* ---- cases ---------------------------------------------------------------- */

enum { M_NONE, M_F32, M_F64, M_F80, M_I16, M_I32, M_I64, M_BCD, M_CW, M_RAW };

typedef struct {
  uint8_t bytes[4];
  uint8_t n;
  uint8_t mem;   /* M_*: what to put in the memory operand */
  uint8_t trans; /* transcendental: 1, with restricted ST0 domain 2 (F2XM1), 3 (FYL2XP1) */
  uint8_t mmx;
} Enc;

static Enc encs[1024];
static int n_encs;

static void add(uint8_t b0, uint8_t b1, int mem, int trans, int mmx) {
  Enc *e = &encs[n_encs++];
  memset(e, 0, sizeof *e);
  int k = 0;
  if (mmx) e->bytes[k++] = 0x0F;
  e->bytes[k++] = b0;
  e->bytes[k++] = b1;
  e->n = (uint8_t)k;
  e->mem = (uint8_t)mem;
  e->trans = (uint8_t)trans;
  e->mmx = (uint8_t)mmx;
}

static bool reg_form_ud(int esc, int reg, int rm) {
  switch (esc) {
  case 1:
    if (reg == 2) return rm != 0;
    if (reg == 4) return rm == 2 || rm == 3 || rm == 6 || rm == 7;
    if (reg == 5) return rm == 7;
    return false;
  case 2: return reg >= 4 && !(reg == 5 && rm == 1);
  case 3: return (reg == 4 && rm >= 5) || reg == 7;
  case 5: return reg >= 6;
  case 6: return reg == 3 && rm != 1;
  case 7: return (reg == 4 && rm != 0) || reg == 7;
  default: return false;
  }
}

static void build_encodings(void) {
  static const uint8_t mem_kind[8][8] = {
    {M_F32, M_F32, M_F32, M_F32, M_F32, M_F32, M_F32, M_F32},
    {M_F32, 0, M_RAW, M_RAW, 0, M_CW, 0, M_RAW},
    {M_I32, M_I32, M_I32, M_I32, M_I32, M_I32, M_I32, M_I32},
    {M_I32, 0, M_RAW, M_RAW, 0, M_F80, 0, M_RAW},
    {M_F64, M_F64, M_F64, M_F64, M_F64, M_F64, M_F64, M_F64},
    {M_F64, 0, M_RAW, M_RAW, 0, 0, 0, M_RAW},
    {M_I16, M_I16, M_I16, M_I16, M_I16, M_I16, M_I16, M_I16},
    {M_I16, 0, M_RAW, M_RAW, M_BCD, M_I64, M_RAW, M_RAW},
  };
  for (int esc = 0; esc < 8; esc++)
    for (int reg = 0; reg < 8; reg++) {
      if (mem_kind[esc][reg]) add((uint8_t)(0xD8 + esc), (uint8_t)(reg << 3 | 7), mem_kind[esc][reg], 0, 0);
      for (int rm = 0; rm < 8; rm++) {
        if (reg_form_ud(esc, reg, rm)) continue;
        int trans = 0;
        if (esc == 1 && reg == 6 && rm <= 3) trans = rm == 0 ? 2 : 1;
        if (esc == 1 && reg == 7 && (rm == 1 || rm >= 6 || rm == 3)) trans = rm == 1 ? 3 : 1;
        add((uint8_t)(0xD8 + esc), (uint8_t)(0xC0 | reg << 3 | rm), M_NONE, trans, 0);
      }
    }
  /* MMX: register and memory forms */
  static const uint8_t mmx_ops[] = {0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
                                    0x6A, 0x6B, 0x6E, 0x6F, 0x74, 0x75, 0x76, 0x7E, 0x7F,
                                    0xD1, 0xD2, 0xD3, 0xD5, 0xD8, 0xD9, 0xDB, 0xDC, 0xDD, 0xDF,
                                    0xE1, 0xE2, 0xE5, 0xE8, 0xE9, 0xEB, 0xEC, 0xED, 0xEF,
                                    0xF1, 0xF2, 0xF3, 0xF5, 0xF8, 0xF9, 0xFA, 0xFC, 0xFD, 0xFE};
  for (size_t i = 0; i < sizeof mmx_ops; i++) {
    uint8_t op = mmx_ops[i];
    add(op, 0x07 | 3 << 3, M_RAW, 0, 1); /* mm3, [mem] */
    for (int k = 0; k < 4; k++) {
      int r = (int)gen_below(8), m = (int)gen_below(8);
      if (op == 0x6E || op == 0x7E) m = 0; /* eax */
      add(op, (uint8_t)(0xC0 | r << 3 | m), M_RAW, 0, 1);
    }
  }
  for (int g = 0x71; g <= 0x73; g++)
    for (int reg = 2; reg <= 6; reg += 2) {
      if (g == 0x73 && reg == 4) continue;
      Enc *e = &encs[n_encs];
      add((uint8_t)g, (uint8_t)(0xC0 | reg << 3 | gen_below(8)), M_RAW, 0, 1);
      e->bytes[e->n++] = 0; /* imm8, randomised per case */
    }
  add(0x77, 0x90, M_RAW, 0, 1); /* EMMS; NOP */
}

/* ---- state generation ------------------------------------------------------ */

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put_f80(uint8_t *p, F80 v) {
  memcpy(p, &v.mant, 8);
  put16(p + 8, v.sign_exp);
}

static F80 trans_operand(int kind) {
  F80 v = gen_f80();
  /* The results of F2XM1 outside [-1, 1] and of FYL2XP1 outside
   * |x| < 1 - sqrt(2)/2 are undefined: only in-domain operands are used. */
  if (kind == 2) {
    if ((v.sign_exp & 0x7FFF) >= 0x3FFF && (v.sign_exp & 0x7FFF) != 0x7FFF)
      v.sign_exp = (uint16_t)((v.sign_exp & 0x8000) | (0x3FFF - 1 - gen_below(70)));
  } else if (kind == 3) {
    if ((v.sign_exp & 0x7FFF) >= 0x3FFD && (v.sign_exp & 0x7FFF) != 0x7FFF)
      v.sign_exp = (uint16_t)((v.sign_exp & 0x8000) | (0x3FFD - 1 - gen_below(70)));
  } else if (gen_below(2)) {
    v = gen_f80_range(0x3FFF - 40, 0x3FFF + 40);
    if (gen_below(2)) v.sign_exp |= 0x8000;
  }
  return v;
}

static void gen_state(const Enc *e, uint8_t *in, uint8_t *mem, uint64_t *flags) {
  memset(in, 0, 512);
  uint16_t cw = (uint16_t)(0x0040 | (gen_below(4) ? 0x3F : gen_below(64)) |
                           (uint16_t)gen_below(4) << 8 | (uint16_t)gen_below(4) << 10);
  if ((cw & 0x300) == 0x100) cw |= 0x200;
  uint16_t sw = (uint16_t)(gen_u64() & 0x4700);                   /* C0-C3 */
  sw |= (uint16_t)(gen_u64() & 0x3F & cw);                        /* masked sticky flags only */
  int topv = (int)gen_below(8);
  sw |= (uint16_t)(topv << 11);
  uint8_t tags = (uint8_t)gen_u64();
  if (gen_below(4)) tags = 0xFF & ~(gen_below(3) ? (1u << gen_below(8)) : 0);
  if (gen_below(4) == 0) tags = 0xFF;
  if (e->mmx && gen_below(2)) tags = 0xFF;
  put16(in, cw);
  put16(in + 2, sw);
  in[4] = tags;
  put16(in + 24, 0x1F80); /* MXCSR default */
  put16(in + 28, 0xFFFF);
  for (int i = 0; i < 8; i++) {
    F80 v = e->trans ? trans_operand(i == 0 ? e->trans : 1) : gen_f80();
    if (e->mmx) v = f80_make((uint16_t)gen_u64(), gen_u64());
    put_f80(in + 32 + 16 * i, v);
  }
  for (int i = 0; i < 32; i++) mem[i] = (uint8_t)gen_u64();
  switch (e->mem) {
  case M_F32: { uint32_t v = gen_f32_bits(); memcpy(mem, &v, 4); break; }
  case M_F64: { uint64_t v = gen_f64_bits(); memcpy(mem, &v, 8); break; }
  case M_F80: put_f80(mem, gen_f80()); break;
  case M_I16: case M_I32: case M_I64: {
    F80 iv = gen_integer_valued(e->mem == M_I16 ? 16 : e->mem == M_I32 ? 32 : 64);
    uint64_t m = gen_below(2) ? gen_u64() >> gen_below(64) : iv.mant >> gen_below(64);
    if (gen_below(2)) m = -m;
    memcpy(mem, &m, 8);
    break;
  }
  case M_BCD: gen_bcd(mem); break;
  case M_CW: put16(mem, (uint16_t)(gen_u64() & 0x1F7F)); break;
  default: break;
  }
  *flags = 0x202 | (gen_u64() & 0x8D5);
}

/* ---- comparison --------------------------------------------------------------- */

static void dump(const char *what, const uint8_t *out, const uint8_t *mem, uint64_t fl) {
  printf("   %s: cw=%04X sw=%04X tw=%02X fl=%03llX", what, out[0] | out[1] << 8,
         out[2] | out[3] << 8, out[4], (unsigned long long)(fl & 0x8D5));
  for (int i = 0; i < 8; i++) {
    uint64_t m;
    memcpy(&m, out + 32 + 16 * i, 8);
    if (i < 3) printf(" st%d=%04X:%016llX", i, out[40 + 16 * i] | out[41 + 16 * i] << 8, (unsigned long long)m);
  }
  printf(" mem=");
  for (int i = 15; i >= 0; i--) printf("%02X", mem[i]);
  printf("\n");
}

/* F80 at p as a signed position on the number line, for ulp distance. */
static int ulp_close(const uint8_t *a, const uint8_t *b) {
  uint64_t ma, mb;
  memcpy(&ma, a, 8), memcpy(&mb, b, 8);
  uint16_t ea = (uint16_t)(a[8] | a[9] << 8), eb = (uint16_t)(b[8] | b[9] << 8);
  if (ea == eb) return ma - mb + 1 <= 2;
  if ((ea ^ eb) & 0x8000) return 0;
  /* adjacent binades */
  if (ea == eb + 1) return ma == 0x8000000000000000ull && mb == ~0ull;
  if (eb == ea + 1) return mb == 0x8000000000000000ull && ma == ~0ull;
  return 0;
}

static void one_case(const Enc *e) {
  uint8_t in[512] __attribute__((aligned(16))), nout[512] __attribute__((aligned(16)));
  uint8_t eout[512], nmem[32], emem[32];
  uint64_t fl_in, nfl = 0;
  uint32_t efl = 0;
  uint8_t insn[4];
  memcpy(insn, e->bytes, e->n);
  if (e->n == 4) insn[3] = (uint8_t)(gen_below(4) ? gen_below(80) : gen_u64());
  gen_state(e, in, nmem, &fl_in);
  memcpy(emem, nmem, 32);
  memset(nout, 0, 512);
  memset(eout, 0, 512);
  native_run(insn, e->n, nmem, in, nout, &nfl, fl_in);
  bool ran = emu_run(insn, e->n, emem, in, eout, &efl, (uint32_t)fl_in);
  int ok = ran;
  uint16_t nsw = (uint16_t)(nout[2] | nout[3] << 8), esw = (uint16_t)(eout[2] | eout[3] << 8);
  if (ok) {
    bool regs = true;
    for (int i = 0; i < 8; i++) regs &= !memcmp(nout + 32 + 16 * i, eout + 32 + 16 * i, 10);
    bool same = !memcmp(nout, eout, 5) && regs && !memcmp(nmem, emem, 16) &&
                ((nfl ^ efl) & 0x8D5) == 0;
    if (e->trans) {
      trans_total++;
      if (same) trans_exact++;
      else {
        /* one ulp apart in ST0 or ST1, flags equal except PE/C1 — and, when
         * PE is unmasked, the error summary (ES, bit 7) and busy (B, bit 15)
         * bits that follow from PE alone */
        uint16_t ignore = F80_PE | F80_C1;
        if (!(in[0] & 0x20)) ignore |= 0x0080 | 0x8000;
        bool close = !memcmp(nout, eout, 2) && nout[4] == eout[4] && ((nsw ^ esw) & ~ignore) == 0;
        for (int i = 0; i < 8 && close; i++)
          if (memcmp(nout + 32 + 16 * i, eout + 32 + 16 * i, 10))
            close = i < 2 && ulp_close(nout + 32 + 16 * i, eout + 32 + 16 * i);
        if (close) trans_ulp++;
        if (getenv("FPU_SHOW_ULP") && close) {
          printf("ULP insn %02X %02X", insn[0], insn[1]);
          for (int i = 0; i < 2; i++) {
            uint64_t m;
            memcpy(&m, in + 32 + 16 * i, 8);
            printf(" st%d=%04X:%016llX", i, in[40 + 16 * i] | in[41 + 16 * i] << 8, (unsigned long long)m);
          }
          printf(" cw=%04X\n", in[0] | in[1] << 8);
          dump("host", nout, nmem, nfl);
          dump("holo", eout, emem, efl);
        }
        ok = close;
      }
    } else {
      ok = same;
    }
  }
  if (ok) {
    pass_n++;
    return;
  }
  fail_n++;
  if (printed_n++ < max_print) {
    printf("FAIL insn");
    for (int i = 0; i < e->n; i++) printf(" %02X", insn[i]);
    printf("%s in: cw=%04X sw=%04X tw=%02X fl=%03llX", ran ? "" : " (emulator faulted)",
           in[0] | in[1] << 8, in[2] | in[3] << 8, in[4], (unsigned long long)(fl_in & 0x8D5));
    for (int i = 0; i < 2; i++) {
      uint64_t m;
      memcpy(&m, in + 32 + 16 * i, 8);
      printf(" st%d=%04X:%016llX", i, in[40 + 16 * i] | in[41 + 16 * i] << 8, (unsigned long long)m);
    }
    printf(" mem=");
    uint8_t m0[32];
    memcpy(m0, emem, 32);
    for (int i = 9; i >= 0; i--) printf("%02X", m0[i]);
    printf("\n");
    dump("host", nout, nmem, nfl);
    dump("holo", eout, emem, efl);
  }
}

void insn_diff_run(long cases, int max_printed, long *pass, long *fail) {
  max_print = max_printed;
  stub_buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (stub_buf == MAP_FAILED) {
    printf("insn-diff: cannot map an executable page\n");
    (*fail)++;
    return;
  }
  emu_init();
  build_encodings();
  long per = cases / n_encs + 1;
  for (int k = 0; k < n_encs; k++) {
    long before = fail_n;
    long reps = encs[k].trans ? per * 8 : per;
    for (long i = 0; i < reps; i++) one_case(&encs[k]);
    if (fail_n != before) {
      printf("  insn");
      for (int i = 0; i < encs[k].n; i++) printf(" %02X", encs[k].bytes[i]);
      printf(": %ld of %ld cases failed\n", fail_n - before, reps);
    }
  }
  printf("instruction-level: %ld cases over %d encodings, %ld failed; transcendentals: %ld cases, "
         "%ld bit-exact (%.4f%%), %ld within one ulp\n",
         pass_n + fail_n, n_encs, fail_n, trans_total, trans_exact,
         trans_total ? 100.0 * (double)trans_exact / (double)trans_total : 0.0, trans_ulp);
  *pass += pass_n;
  *fail += fail_n;
}
