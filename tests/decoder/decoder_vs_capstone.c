/* Differential test: instruction lengths from our decoder (cpu/decode.c)
 * against capstone 4, on random byte sequences in 16- and 32-bit code.
 *
 * Every sequence capstone decodes is compared, whether our table gives it
 * a real handler or op_ud: the table promises to measure even the opcodes
 * a Pentium II lacks (SSE, MMX, 3DNow!, the 0F 38 / 0F 3A maps) exactly.
 * A few classes are excluded because capstone decodes them as something a
 * P6 never sees; each is explained at is_excluded() below.
 *
 * Besides the length, every compared case checks the decoder's DECODE_MORE
 * contract: given one byte fewer than its length it must ask for more.
 *
 * Output: statistics, the first mismatches, a histogram of mismatching
 * opcodes, and last "N passed, N failed" over the compared cases. Exit
 * status 0 only when nothing failed. The PRNG seed is fixed, so every run
 * feeds the same sequences. */
#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/decode.h"

enum {
  CASES_PER_MODE = 2000000,
  BUF_LEN = 32,     /* bytes handed to both decoders (more than 15) */
  MAX_SHOWN = 20,   /* mismatches printed in full */
  TOP_OPS = 12,     /* rows of the mismatch histogram */
};

/* ---- PRNG: xorshift64* with a fixed seed ------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng_next(void) {
  uint64_t x = rng_state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  rng_state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

static unsigned rng_below(unsigned n) { return (unsigned)((rng_next() >> 32) % n); }

/* ---- Sequence generation ------------------------------------------------ */

static const uint8_t prefixes[] = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65,
                                   0x66, 0x67, 0xF0, 0xF2, 0xF3};

static int is_prefix(uint8_t b) { return memchr(prefixes, b, sizeof prefixes) != NULL; }

enum Kind { K_RANDOM, K_ONE, K_0F, K_0F38, K_0F3A, K_LONG, K_COUNT };
static const char *const kind_name[K_COUNT] = {
    "fully random",        "prefixes + 1-byte opcode", "prefixes + 0F xx",
    "prefixes + 0F 38 xx", "prefixes + 0F 3A xx",      "10-14 prefixes + any"};

/* Out of 32: 8 fully random, 6 one-byte, 10 0F, 3 0F 38, 3 0F 3A, 2 long
 * prefix runs (the 15-byte limit). The 0F map gets the most: it has the
 * most distinct shapes. */
static enum Kind pick_kind(void) {
  static const uint8_t k[32] = {
      K_RANDOM, K_RANDOM, K_RANDOM, K_RANDOM, K_RANDOM, K_RANDOM, K_RANDOM, K_RANDOM,
      K_ONE,    K_ONE,    K_ONE,    K_ONE,    K_ONE,    K_ONE,    K_0F,     K_0F,
      K_0F,     K_0F,     K_0F,     K_0F,     K_0F,     K_0F,     K_0F,     K_0F,
      K_0F38,   K_0F38,   K_0F38,   K_0F3A,   K_0F3A,   K_0F3A,   K_LONG,   K_LONG};
  return (enum Kind)k[rng_below(32)];
}

static void generate(uint8_t *buf, enum Kind kind) {
  for (int i = 0; i < BUF_LEN; i += 8) {
    uint64_t r = rng_next();
    memcpy(buf + i, &r, 8);
  }
  if (kind == K_RANDOM) return;
  int p = kind == K_LONG ? 10 + (int)rng_below(5) : (int)rng_below(5);
  for (int i = 0; i < p; i++) buf[i] = prefixes[rng_below(sizeof prefixes)];
  /* Most SSE-era opcodes need 66, F2 or F3 as the last prefix (the
   * "mandatory prefix"); without that capstone rejects much of 0F 38 and
   * 0F 3A. Half of the escape sequences get one. */
  if ((kind == K_0F || kind == K_0F38 || kind == K_0F3A) && (rng_next() & 1)) {
    static const uint8_t mandatory[4] = {0x66, 0x66, 0xF2, 0xF3};
    if (p == 0) p = 1;
    buf[p - 1] = mandatory[rng_below(4)];
  }
  if (kind == K_ONE || kind == K_LONG) {
    while (is_prefix(buf[p]) || (kind == K_ONE && buf[p] == 0x0F)) buf[p] = (uint8_t)rng_next();
    return;
  }
  buf[p] = 0x0F;
  if (kind == K_0F) {
    while (buf[p + 1] == 0x38 || buf[p + 1] == 0x3A) buf[p + 1] = (uint8_t)rng_next();
  } else {
    buf[p + 1] = kind == K_0F38 ? 0x38 : 0x3A;
  }
}

/* ---- Exclusions ------------------------------------------------------------
 * Classes capstone 4 decodes by rules a Pentium II does not follow: later
 * Intel encodings that reuse P6 opcodes, other vendors' extensions, and
 * plain capstone bugs. For each, the Intel SDM (vol. 2; appendix A is the
 * opcode map) says what the P6 does instead. They are decided from the
 * bytes (and the mode), never from the fact that the lengths differ, and
 * counted only where capstone decoded the sequence.
 *
 * Not excluded, though later CPUs differ: 0F FF (UD0). The SDM's UD page
 * gives 0F FF /r but notes that "some older processors decode the UD0
 * instruction without a ModR/M byte"; a P6, from before Intel defined
 * UD0, is one, and our table and capstone both measure two bytes. (It
 * matters when 0F FF ends a page or segment: #UD, not a fetch fault.) */
enum Excl {
  EX_NONE,
  EX_VEX,
  EX_EVEX,
  EX_XOP,
  EX_SSE4A,
  EX_PADLOCK,
  EX_UD1,
  EX_CALL_66_REP,
  EX_TOO_LONG,
  EX_COUNT
};
static const char *const excl_name[EX_COUNT] = {
    "",
    "C4/C5 mod=3: capstone VEX; P6 LES/LDS reg, #UD",
    "62 mod=3: capstone EVEX; P6 BOUND reg, #UD",
    "8F reg!=0: capstone AMD XOP; P6 group 1A, #UD",
    "66/F2 0F 78: capstone AMD SSE4a ib,ib; Intel VMREAD",
    "0F A6/A7: capstone VIA PadLock; reserved on Intel",
    "0F B9: capstone 2-byte UD2B; SDM UD1 0F B9 /r",
    "32-bit 66..F2/F3 E8: capstone ignores the 66 (bug)",
    "over 15 bytes: capstone decodes; P6 #GP",
};

static enum Excl is_excluded(const uint8_t *buf, int code32, int ours, const cs_insn *ci) {
  /* SDM vol. 2 2.3.11: an instruction longer than 15 bytes raises #GP;
   * our decoder says DECODE_TOO_LONG. The capstone 4.0.2 in Debian 12
   * enforces the limit itself, so this count stays 0 there; older
   * capstone 4 builds counted bytes without a limit. */
  if (ci->size > 15 && ours == DECODE_TOO_LONG) return EX_TOO_LONG;

  int p = 0;
  while (p < BUF_LEN - 2 && is_prefix(buf[p])) p++;
  uint8_t op = buf[p], next = buf[p + 1];
  /* VEX (SDM vol. 2 2.3.5): outside 64-bit mode C4/C5 start a VEX prefix
   * when the next byte has mod=11b, an encoding LES/LDS cannot use (they
   * need memory). That reuse came with AVX (2011). On a P6 it is LES/LDS
   * with a register source: #UD, ModRM-sized. Capstone applies it in
   * 16-bit mode as well. */
  if ((op == 0xC4 || op == 0xC5) && (next >> 6) == 3) return EX_VEX;
  /* EVEX (SDM vol. 2 2.7.1): the same reuse of 62 (BOUND), AVX-512. On a
   * P6, 62 /r with mod=11b is BOUND with a register operand: #UD. */
  if (op == 0x62 && (next >> 6) == 3) return EX_EVEX;
  /* XOP is AMD's (Bulldozer). Intel's map (table A-6) defines 8F only as
   * group 1A with POP Ev at /0 and nothing at /1-/7: #UD, ModRM-sized. */
  if (op == 0x8F && ((next >> 3) & 7) != 0) return EX_XOP;
  /* SSE4a is AMD's: 66 0F 78 /0 ib ib EXTRQ, F2 0F 78 /r ib ib INSERTQ.
   * Intel's map has only VMREAD Ey,Gy at 0F 78 (no immediate, no 66/F2
   * form) and a P6 has neither: #UD, measured with Intel's shape. */
  if (op == 0x0F && next == 0x78 &&
      (strcmp(ci->mnemonic, "extrq") == 0 || strcmp(ci->mnemonic, "insertq") == 0))
    return EX_SSE4A;
  /* VIA PadLock (C3 and later): 0F A6 /r and 0F A7 /r with fixed ModRM
   * bytes (XSHA1, XCRYPTECB, XSTORE...). Intel's two-byte map leaves 0F A6
   * and 0F A7 reserved with no ModRM; a P6 raises #UD on the opcode. */
  if (op == 0x0F && (next == 0xA6 || next == 0xA7)) return EX_PADLOCK;
  /* UD1: SDM vol. 2 "UD" gives 0F B9 /r (UD1 r32, r/m32); older editions
   * list 0F B9 as group 10 in table A-6, i.e. with a ModRM byte. Capstone
   * 4 decodes it as "ud2b" with no ModRM. */
  if (op == 0x0F && next == 0xB9) return EX_UD1;
  /* Capstone 4 bug: in 32-bit code, CALL rel (E8) right after an F2/F3
   * that follows a 66 is decoded with a 32-bit displacement, as if the 66
   * were not there; with the prefixes in another order (F2 66 E8) it uses
   * rel16. SDM vol. 2 2.1.1: prefixes of different groups may come in any
   * order; the 66 selects operand size 16, hence rel16 (CALL: E8 cw), and
   * F2/F3 (BND, or nothing) do not change operand size. */
  if (code32 && op == 0xE8 && p >= 2 && (buf[p - 1] == 0xF2 || buf[p - 1] == 0xF3) &&
      memchr(buf, 0x66, (size_t)(p - 1)) != NULL)
    return EX_CALL_66_REP;
  return EX_NONE;
}

/* ---- Handler names, for the report -------------------------------------- */

static const struct {
  Handler fn;
  const char *name;
} handler_names[] = {
#define OP(opcode, sel, shape, imm, handler, aux) {handler, #handler},
#include "cpu/opcodes.def"
#undef OP
};

static const char *handler_name(Handler fn) {
  for (size_t i = 0; i < sizeof handler_names / sizeof handler_names[0]; i++)
    if (handler_names[i].fn == fn) return handler_names[i].name;
  return fn ? "?" : "(none)";
}

/* ---- Bookkeeping ---------------------------------------------------------- */

typedef struct Mismatch {
  uint8_t bytes[BUF_LEN];
  int code32;
  int ours;        /* our length, or DECODE_* < 0 */
  int truncated;   /* our result with one byte fewer (when that failed) */
  uint16_t op;
  Handler fn;
  int cs_len;
  char mnemonic[CS_MNEMONIC_SIZE];
  char op_str[160];
} Mismatch;

typedef struct Stats {
  uint64_t cases, cs_rejects, compared, matches, mismatches, trunc_failures;
  uint64_t excluded[EX_COUNT];
  uint64_t ud_compared;         /* compared cases our table marks op_ud */
  uint64_t rejects_we_run;      /* capstone rejects, not op_ud for us */
  uint64_t per_kind[K_COUNT];   /* compared cases by generator */
  uint8_t seen[0x400];          /* opcodes (Insn.op) compared at least once */
  uint32_t bad_ops[2][0x400];   /* mismatches by mode and opcode */
  uint32_t bad_too_long[2];     /* mismatches where we said TOO_LONG */
  uint32_t reject_ops[0x400];   /* capstone rejects, not op_ud for us */
} Stats;

static Mismatch *shown;
static int n_shown, max_shown = MAX_SHOWN;

static void print_bytes(const uint8_t *b, int n) {
  for (int i = 0; i < n; i++) printf("%s%02X", i ? " " : "", b[i]);
}

static const char *result_text(int r, char *tmp) {
  if (r == DECODE_MORE) return "MORE";
  if (r == DECODE_TOO_LONG) return "TOO_LONG";
  sprintf(tmp, "%d", r);
  return tmp;
}

static void record_mismatch(Stats *s, const uint8_t *buf, int code32, int ours,
                            int truncated, const Insn *in, const cs_insn *ci) {
  s->mismatches++;
  if (ours == DECODE_TOO_LONG) s->bad_too_long[code32]++;
  else s->bad_ops[code32][in->op]++;
  if (n_shown >= max_shown) return;
  Mismatch *m = &shown[n_shown++];
  memcpy(m->bytes, buf, BUF_LEN);
  m->code32 = code32;
  m->ours = ours;
  m->truncated = truncated;
  m->op = ours == DECODE_TOO_LONG ? 0 : in->op;
  m->fn = ours == DECODE_TOO_LONG ? NULL : in->fn;
  m->cs_len = ci->size;
  snprintf(m->mnemonic, sizeof m->mnemonic, "%s", ci->mnemonic);
  snprintf(m->op_str, sizeof m->op_str, "%s", ci->op_str);
}

static void run_mode(csh cs, int code32, Stats *s) {
  uint8_t buf[BUF_LEN];
  for (int n = 0; n < CASES_PER_MODE; n++) {
    enum Kind kind = pick_kind();
    generate(buf, kind);
    s->cases++;

    Insn in;
    int r = decode(&in, buf, BUF_LEN, code32);
    int ours = r == DECODE_OK ? in.len : r;

    cs_insn *ci = NULL;
    size_t got = cs_disasm(cs, buf, BUF_LEN, 0x1000, 1, &ci);
    if (got != 1) {
      s->cs_rejects++;
      if (r == DECODE_OK && in.fn != op_ud) {
        s->rejects_we_run++;
        s->reject_ops[in.op]++;
      }
      if (got) cs_free(ci, got);
      continue;
    }

    enum Excl ex = is_excluded(buf, code32, r, ci);
    if (ex != EX_NONE) {
      s->excluded[ex]++;
      cs_free(ci, got);
      continue;
    }

    s->compared++;
    s->per_kind[kind]++;
    int ok = ours == (int)ci->size;
    int truncated = DECODE_MORE;
    if (r == DECODE_OK) {
      s->seen[in.op] = 1;
      if (in.fn == op_ud) s->ud_compared++;
      /* One byte short of the instruction must ask for more bytes. */
      Insn tmp;
      truncated = decode(&tmp, buf, in.len - 1, code32);
      if (truncated != DECODE_MORE) {
        s->trunc_failures++;
        ok = 0;
      }
    }
    if (ok) s->matches++;
    else record_mismatch(s, buf, code32, ours, truncated, &in, ci);
    cs_free(ci, got);
  }
}

static void print_coverage(const Stats *s) {
  static const char *const map_name[4] = {"1-byte", "0F", "0F 38", "0F 3A"};
  printf("opcodes compared at least once:");
  for (int m = 0; m < 4; m++) {
    int n = 0;
    for (int i = 0; i < 0x100; i++) n += s->seen[m * 0x100 + i];
    printf("%s %s %d/256", m ? "," : "", map_name[m], n);
  }
  printf("\n");
}

static void print_top(const char *title, const uint32_t *counts, int code32) {
  int order[0x400], n = 0;
  for (int i = 0; i < 0x400; i++)
    if (counts[i]) order[n++] = i;
  if (!n) return;
  for (int i = 1; i < n; i++) /* insertion sort by count, descending */
    for (int j = i; j > 0 && counts[order[j]] > counts[order[j - 1]]; j--) {
      int t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  printf("%s", title);
  if (code32 >= 0) printf(" (%d-bit)", code32 ? 32 : 16);
  printf(":");
  for (int i = 0; i < n && i < TOP_OPS; i++) printf(" %03X x%u", order[i], counts[order[i]]);
  if (n > TOP_OPS) printf(" ... (%d opcodes)", n);
  printf("\n");
}

int main(int argc, char **argv) {
  /* Optional argument: how many mismatches to print (default MAX_SHOWN). */
  if (argc > 1) max_shown = atoi(argv[1]);
  if (max_shown < 0) max_shown = 0;
  shown = calloc((size_t)max_shown + 1, sizeof *shown);
  if (!shown) return 2;
  decode_init();
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);

  Stats *s = calloc(1, sizeof *s);
  if (!s) return 2;
  for (int code32 = 0; code32 <= 1; code32++) {
    csh cs;
    if (cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &cs) != CS_ERR_OK) {
      fprintf(stderr, "decoder-vs-capstone: cs_open failed\n");
      return 2;
    }
    run_mode(cs, code32, s);
    cs_close(&cs);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;

  int major, minor;
  cs_version(&major, &minor);
  printf("decoder vs capstone %d.%d: %" PRIu64 " sequences (%d per mode, 16- and 32-bit), %.1f s\n",
         major, minor, s->cases, CASES_PER_MODE, secs);
  printf("capstone rejects (not compared): %" PRIu64 " (%" PRIu64 " of them not op_ud in our table)\n",
         s->cs_rejects, s->rejects_we_run);
  for (int e = 1; e < EX_COUNT; e++)
    printf("excluded: %-52s %" PRIu64 "\n", excl_name[e], s->excluded[e]);
  printf("compared: %" PRIu64 " (%" PRIu64 " of them op_ud on a P6)\n", s->compared, s->ud_compared);
  for (int k = 0; k < K_COUNT; k++)
    printf("  from %-26s %" PRIu64 "\n", kind_name[k], s->per_kind[k]);
  print_coverage(s);
  printf("matches: %" PRIu64 ", mismatches: %" PRIu64 " (truncation-contract failures: %" PRIu64 ")\n",
         s->matches, s->mismatches, s->trunc_failures);
  print_top("capstone rejects that our table does not make op_ud, by opcode", s->reject_ops, -1);

  for (int i = 0; i < n_shown; i++) {
    const Mismatch *m = &shown[i];
    char a[16], b[16];
    int show = m->cs_len > 15 ? 15 : m->cs_len;
    if (m->ours > show) show = m->ours;
    if (show < 8) show = 8;
    printf("MISMATCH %d-bit: ", m->code32 ? 32 : 16);
    print_bytes(m->bytes, show);
    printf(" | ours %s (op %03X %s)", result_text(m->ours, a), m->op, handler_name(m->fn));
    if (m->truncated != DECODE_MORE) printf(" [len-1 gave %s]", result_text(m->truncated, b));
    printf(" | capstone %d: %s %s\n", m->cs_len, m->mnemonic, m->op_str);
  }
  if (s->mismatches) {
    print_top("mismatches by opcode", s->bad_ops[0], 0);
    print_top("mismatches by opcode", s->bad_ops[1], 1);
    if (s->bad_too_long[0] + s->bad_too_long[1])
      printf("mismatches where we said TOO_LONG: 16-bit %u, 32-bit %u\n", s->bad_too_long[0],
             s->bad_too_long[1]);
  }

  printf("%" PRIu64 " passed, %" PRIu64 " failed\n", s->matches, s->mismatches);
  int rc = s->mismatches ? 1 : 0;
  free(s);
  free(shown);
  return rc;
}
