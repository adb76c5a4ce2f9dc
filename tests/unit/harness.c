/* The unit-test machine; see harness.h. */
#include "tests/unit/harness.h"

#include <stdio.h>
#include <string.h>

#include "jit/jit.h"

/* HOLO86_ACCEL=jit or =lockstep runs every test program through the JIT
 * (translating each block the first time it runs) instead of the
 * interpreter. */
static void h_accel(Cpu *c) {
  const char *name = getenv("HOLO86_ACCEL");
  int accel = name ? jit_parse_accel(name) : ACCEL_INTERP;
  cr_assert(accel >= 0, "HOLO86_ACCEL=%s: want interp, jit or lockstep", name);
  if (accel == ACCEL_INTERP) return;
  cr_assert_eq(jit_enable(c, accel, 4u << 20), 0, "cannot enable the JIT");
  c->jit->threshold = 0;
}

Machine *h_new(void) {
  Machine *m = calloc(1, sizeof *m);
  cr_assert_not_null(m);
  m->pm = phys_new(H_RAM_SIZE);
  m->io = iobus_new();
  m->c = cpu_new(m->pm, m->io);
  Cpu *c = m->c;
  h_accel(c);

  /* Exception stubs: one HLT per vector, and an IVT pointing at them. */
  for (uint32_t v = 0; v < 256; v++) {
    h_wr8(m, H_EXC_STUBS + v, 0xF4);
    h_set_ivt(m, (int)v, 0x0000, (uint16_t)(H_EXC_STUBS + v));
  }

  memset(c->r, 0, sizeof c->r);
  c->r[ESP] = H_SP;
  cpu_load_seg(c, SEG_CS, H_CS);
  cpu_load_seg(c, SEG_DS, H_DS);
  cpu_load_seg(c, SEG_ES, H_ES);
  cpu_load_seg(c, SEG_SS, H_SS);
  cpu_load_seg(c, SEG_FS, H_FS);
  cpu_load_seg(c, SEG_GS, H_GS);
  c->eip = 0;
  cpu_set_flags(c, 0x0002, 0xFFFFFFFFu);
  return m;
}

void h_free(Machine *m) {
  if (!m) return;
  if (m->c->jit && m->c->jit->divergences)
    cr_expect_fail("the JIT diverged from the interpreter %llu times in lockstep",
                   (unsigned long long)m->c->jit->divergences);
  cpu_free(m->c);
  iobus_free(m->io);
  phys_free(m->pm);
  free(m);
}

void h_poke(Machine *m, uint32_t phys, const void *bytes, size_t n) {
  phys_write_buf(m->pm, phys, bytes, n);
}

void h_load(Machine *m, const void *code, size_t n) {
  h_poke(m, H_CODE, code, n);
  cpu_load_seg(m->c, SEG_CS, H_CS);
  m->c->eip = 0;
}

int h_run(Machine *m) {
  Cpu *c = m->c;
  uint64_t steps = 0;
  while (!c->halted && !c->shutdown && steps < H_MAX_STEPS) {
    uint64_t n = cpu_run(c, 10000);
    steps += n;
    if (n == 0 && !c->halted) break; /* stopped without progress */
  }
  cr_assert(!c->shutdown, "the CPU shut down (triple fault) at %04X:%08X",
            c->seg[SEG_CS].sel, c->eip);
  cr_assert(c->halted, "the program did not reach HLT: CS:EIP %04X:%08X after %llu instructions",
            c->seg[SEG_CS].sel, c->eip, (unsigned long long)steps);
  return h_vector(m);
}

void h_run_ok(Machine *m) {
  int v = h_run(m);
  cr_assert_eq(v, -1,
               "the program ended in exception/interrupt vector %d (pushed CS:IP %04X:%04X), "
               "not at its own HLT",
               v, h_stack16(m, 1), h_stack16(m, 0));
}

Machine *h_prepare(const void *code, size_t n) {
  Machine *m = h_new();
  h_load(m, code, n);
  return m;
}

Machine *h_exec(const void *code, size_t n) {
  Machine *m = h_prepare(code, n);
  h_run_ok(m);
  return m;
}

int h_vector(Machine *m) {
  Cpu *c = m->c;
  if (!c->halted || c->seg[SEG_CS].sel != 0) return -1;
  if (c->eip < H_EXC_STUBS + 1 || c->eip > H_EXC_STUBS + 256) return -1;
  return (int)(c->eip - H_EXC_STUBS - 1);
}

void h_set_ivt(Machine *m, int vec, uint16_t seg, uint16_t off) {
  h_wr16(m, (uint32_t)vec * 4, off);
  h_wr16(m, (uint32_t)vec * 4 + 2, seg);
}

uint32_t h_reg(Machine *m, int r) { return m->c->r[r]; }
uint16_t h_reg16(Machine *m, int r) { return (uint16_t)m->c->r[r]; }
uint8_t h_reg8(Machine *m, int r) { return (uint8_t)reg_get(m->c, r, 1); }
uint32_t h_flags(Machine *m) { return cpu_get_flags(m->c); }
uint16_t h_sreg(Machine *m, int seg) { return m->c->seg[seg].sel; }
uint32_t h_ip(Machine *m) { return m->c->eip; }

uint32_t h_rd(Machine *m, uint32_t phys, int size) {
  return phys_read(m->pm, phys, size);
}

void h_wr(Machine *m, uint32_t phys, int size, uint32_t v) {
  phys_write(m->pm, phys, size, v);
}

uint16_t h_stack16(Machine *m, int i) {
  Cpu *c = m->c;
  uint32_t sp = (c->r[ESP] + 2u * (uint32_t)i) & 0xFFFF;
  return h_rd16(m, c->seg[SEG_SS].base + sp);
}

const char *h_flagstr(uint32_t f, char *buf) {
  static const struct { uint32_t bit; const char *name; } names[] = {
    {F_OF, "OF"}, {F_DF, "DF"}, {F_IF, "IF"}, {F_TF, "TF"}, {F_SF, "SF"},
    {F_ZF, "ZF"}, {F_AF, "AF"}, {F_PF, "PF"}, {F_CF, "CF"},
  };
  char *p = buf;
  *p = 0;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (f & names[i].bit) p += sprintf(p, "%s%s", p == buf ? "" : " ", names[i].name);
  if (p == buf) strcpy(buf, "-");
  return buf;
}
