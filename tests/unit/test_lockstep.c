/* Lockstep checking (jit/lockstep.c): blocks that touch memory are
 * compared with the interpreter, blocks that reach a device run once,
 * faults are compared, RDTSC and page walks repeat exactly, and a
 * translation that computes something else is caught, the run going on
 * from the interpreter's state. */
#include <setjmp.h>

#include "cpu/blocks.h"
#include "jit/emit.h"
#include "jit/jit.h"
#include "mmu/linear.h"
#include "mmu/paging.h"
#include "tests/unit/harness.h"

static Machine *lockstep(const uint8_t *code, size_t n) {
  Machine *m = h_prepare(code, n);
  cr_assert_eq(jit_enable(m->c, ACCEL_LOCKSTEP, 1u << 20), 0);
  m->c->jit->threshold = 0; /* every block through the JIT, from its first run */
  return m;
}

/* Inline stores, a memory ALU operand, the stack and REP STOSB, in a loop. */
Test(lockstep, memory_blocks_are_compared) {
  static const uint8_t code[] = {
      0xB9, 0x32, 0x00,       /* mov cx, 50 */
      /* loop: */
      0x89, 0x0E, 0x10, 0x00, /* mov [0x10], cx */
      0x01, 0x0E, 0x12, 0x00, /* add [0x12], cx */
      0x51,                   /* push cx */
      0x5B,                   /* pop bx */
      0xBF, 0x00, 0x01,       /* mov di, 0x100 */
      0x88, 0xC8,             /* mov al, cl */
      0x51,                   /* push cx */
      0xB9, 0x08, 0x00,       /* mov cx, 8 */
      0xF3, 0xAA,             /* rep stosb */
      0x59,                   /* pop cx */
      0x49,                   /* dec cx */
      0x75, 0xE7,             /* jnz loop */
      0xF4,                   /* hlt */
  };
  Machine *m = lockstep(code, sizeof code);
  h_run_ok(m);
  const Jit *j = m->c->jit;
  cr_expect_gt(j->lockstep_checked, 50, "only %llu blocks compared",
               (unsigned long long)j->lockstep_checked);
  cr_expect_eq(j->lockstep_skipped, 0);
  CHECK_EQ("[0x10]", h_rd16(m, H_DATA + 0x10), 1);
  CHECK_EQ("[0x12]", h_rd16(m, H_DATA + 0x12), 50 * 51 / 2);
  CHECK_EQ("ES:0x107", h_rd8(m, H_EXTRA + 0x107), 1);
  CHECK_REG16(m, EBX, 1);
  h_free(m); /* fails the test on a divergence */
}

/* A port that counts what is written to it. */
typedef struct Counter {
  uint32_t reads, writes, sum;
} Counter;

static uint32_t counter_in(void *opaque, uint16_t port, int size) {
  (void)port, (void)size;
  return ++((Counter *)opaque)->reads;
}

static void counter_out(void *opaque, uint16_t port, int size, uint32_t value) {
  (void)port, (void)size;
  Counter *k = opaque;
  k->writes++;
  k->sum += value;
}

static const IoPortOps counter_ports = {counter_in, counter_out};

static uint32_t counter_read(void *opaque, uint32_t addr, int size) {
  return counter_in(opaque, (uint16_t)addr, size);
}

static void counter_write(void *opaque, uint32_t addr, int size, uint32_t value) {
  counter_out(opaque, (uint16_t)addr, size, value);
}

static const MmioOps counter_mmio = {counter_read, counter_write, "counter"};

Test(lockstep, port_io_blocks_run_once) {
  static const uint8_t code[] = {
      0xB9, 0x14, 0x00,       /* mov cx, 20 */
      /* loop: */
      0xBA, 0x00, 0x03,       /* mov dx, 0x300 */
      0x88, 0xC8,             /* mov al, cl */
      0xEE,                   /* out dx, al */
      0xA2, 0x20, 0x00,       /* mov [0x20], al */
      0x49,                   /* dec cx */
      0x75, 0xF4,             /* jnz loop */
      0xF4,                   /* hlt */
  };
  Machine *m = lockstep(code, sizeof code);
  Counter k = {0};
  cr_assert_eq(iobus_register(m->io, 0x300, 1, &counter_ports, &k, "counter"), 0);
  h_run_ok(m);
  CHECK_EQ("OUTs the device saw", k.writes, 20);
  CHECK_EQ("their sum", k.sum, 20 * 21 / 2);
  cr_expect_gt(m->c->jit->lockstep_skipped, 0, "no block counted as not comparable");
  CHECK_EQ("[0x20]", h_rd8(m, H_DATA + 0x20), 1);
  h_free(m);
}

Test(lockstep, mmio_blocks_run_once) {
  static const uint8_t code[] = {
      0xB8, 0xFF, 0xFF,             /* mov ax, 0xFFFF */
      0x8E, 0xC0,                   /* mov es, ax */
      0xB9, 0x0A, 0x00,             /* mov cx, 10 */
      /* loop: */
      0x26, 0x88, 0x0E, 0x10, 0x00, /* mov es:[0x10], cl   ; physical 0x100000 */
      0x26, 0x8A, 0x1E, 0x11, 0x00, /* mov bl, es:[0x11] */
      0x49,                         /* dec cx */
      0x75, 0xF3,                   /* jnz loop */
      0xF4,                         /* hlt */
  };
  Machine *m = lockstep(code, sizeof code);
  Counter k = {0};
  phys_map_mmio(m->pm, 0x100000, PAGE_SIZE, &counter_mmio, &k);
  h_run_ok(m);
  CHECK_EQ("MMIO writes", k.writes, 10);
  CHECK_EQ("MMIO reads", k.reads, 10);
  CHECK_REG8(m, EBX, 10);
  cr_expect_gt(m->c->jit->lockstep_skipped, 0);
  h_free(m);
}

/* WRMSR IA32_APIC_BASE reaches the local APIC: not repeated either. */
static uint64_t apic_read(void *opaque) { return ((uint64_t *)opaque)[0]; }
static bool apic_write(void *opaque, uint64_t value) {
  ((uint64_t *)opaque)[0] = value;
  ((uint64_t *)opaque)[1]++;
  return true;
}

Test(lockstep, apic_base_write_runs_once) {
  static const uint8_t code[] = {
      0x66, 0xB9, 0x1B, 0x00, 0x00, 0x00, /* mov ecx, 0x1B */
      0x0F, 0x32,                         /* rdmsr */
      0x66, 0x35, 0x00, 0x08, 0x00, 0x00, /* xor eax, 0x800 */
      0x0F, 0x30,                         /* wrmsr */
      0xF4,                               /* hlt */
  };
  Machine *m = lockstep(code, sizeof code);
  uint64_t apic[2] = {0xFEE00900u, 0};
  m->c->apic_base_read = apic_read;
  m->c->apic_base_write = apic_write;
  m->c->apic_opaque = apic;
  h_run_ok(m);
  CHECK_EQ("writes", apic[1], 1);
  CHECK_EQ("IA32_APIC_BASE", apic[0], 0xFEE00100u);
  cr_expect_gt(m->c->jit->lockstep_skipped, 0);
  h_free(m);
}

/* The store before a #DE is compared and happens once; the exception is
 * delivered once. */
Test(lockstep, faulting_blocks_are_compared) {
  static const uint8_t code[] = {
      0xC6, 0x06, 0x30, 0x00, 0x55, /* mov byte [0x30], 0x55 */
      0xB1, 0x00,                   /* mov cl, 0 */
      0xF6, 0xF1,                   /* div cl: #DE at IP 7 */
      0xF4,                         /* hlt */
  };
  Machine *m = lockstep(code, sizeof code);
  cr_assert_eq(h_run(m), EXC_DE);
  CHECK_FAULT(m, EXC_DE, 0x0007);
  CHECK_EQ("[0x30]", h_rd8(m, H_DATA + 0x30), 0x55);
  cr_expect_gt(m->c->jit->lockstep_checked, 0);
  h_free(m);
}

/* A clock that moves on at every reading, as host time does. */
static uint64_t ticking(void *opaque) { return *(uint64_t *)opaque += 1000; }

Test(lockstep, rdtsc_reads_the_same_values) {
  static const uint8_t code[] = {
      0xB9, 0x05, 0x00,       /* mov cx, 5 */
      /* loop: */
      0x0F, 0x31,             /* rdtsc */
      0x66, 0xA3, 0x00, 0x00, /* mov [0], eax */
      0x0F, 0x31,             /* rdtsc */
      0x66, 0x2B, 0x06, 0x00, 0x00, /* sub eax, [0] */
      0x66, 0xA3, 0x04, 0x00, /* mov [4], eax */
      0x49,                   /* dec cx */
      0x75, 0xEC,             /* jnz loop */
      0xF4,                   /* hlt */
  };
  Machine *m = lockstep(code, sizeof code);
  uint64_t now = 0;
  m->c->clock_ns = ticking;
  m->c->clock_opaque = &now;
  h_run_ok(m);
  CHECK_EQ("TSC delta between two RDTSC", h_rd32(m, H_DATA + 4), 1000);
  cr_expect_gt(m->c->jit->lockstep_checked, 0);
  h_free(m);
}

/* With paging on and every accessed bit clear, the JIT's first accesses
 * walk the tables and set A and D; the interpreter must walk again from
 * the same TLB (a leftover entry from the JIT's run would skip the walk
 * and leave the bits clear). */
Test(lockstep, page_walks_repeat) {
  static const uint8_t code[] = {
      0xA0, 0x00, 0x00, /* mov al, [0]        ; linear 0x20000 */
      0xA2, 0x00, 0x10, /* mov [0x1000], al   ; linear 0x21000 */
      0x8A, 0x1E, 0x00, 0x20, /* mov bl, [0x2000] ; linear 0x22000 */
      0xF4,             /* hlt */
  };
  enum { PD = 0x80000, PT = 0x81000, P = 1, RW = 2, A = 0x20, D = 0x40 };
  Machine *m = lockstep(code, sizeof code);
  h_wr32(m, PD, PT | P | RW);
  for (uint32_t i = 0; i < 1024; i++) h_wr32(m, PT + 4 * i, (i << 12) | P | RW);
  m->c->cr[3] = PD;
  cpu_write_cr0(m->c, m->c->cr[0] | CR0_PE | CR0_PG);
  h_run_ok(m);
  CHECK_EQ("PTE of the page read", h_rd32(m, PT + 4 * 0x20) & (A | D), A);
  CHECK_EQ("PTE of the page written", h_rd32(m, PT + 4 * 0x21) & (A | D), A | D);
  CHECK_EQ("PTE of the other page read", h_rd32(m, PT + 4 * 0x22) & (A | D), A);
  cr_expect_gt(m->c->jit->lockstep_checked, 0);
  h_free(m);
}

/* ------------------------------------------------------------------------
 * A wrong translation: host code that calls a C function doing what the
 * block below does, or not quite. */

static const uint8_t fake_code[] = {
    0xC6, 0x06, 0x10, 0x00, 0x42, /* mov byte [0x10], 0x42 */
    0xB8, 0x34, 0x12,             /* mov ax, 0x1234 */
    0xF4,                         /* hlt */
};

static void fake_block(Cpu *c, uint8_t byte, uint16_t ax) {
  phys_write(c->mem, H_DATA + 0x10, 1, byte);
  c->r[EAX] = (c->r[EAX] & 0xFFFF0000u) | ax;
  c->eip += sizeof fake_code;
  c->icount += 3;
  c->halted = true;
}

static void right(Cpu *c) { fake_block(c, 0x42, 0x1234); }
static void wrong_store(Cpu *c) { fake_block(c, 0x43, 0x1234); }
static void wrong_register(Cpu *c) { fake_block(c, 0x42, 0x1235); }
static void wrong_fault(Cpu *c) {
  c->insn_eip = c->eip;
  c->insn_esp = c->r[ESP];
  cpu_fault(c, EXC_GP, 0);
}

/* The store as translated code makes it: through the TLB when the entry
 * allows writes (where this one stores `fast`), else the handler's slow
 * path (which stores the right byte). */
static int fast_stores;
static void tlb_store(Cpu *c, uint8_t fast) {
  uint32_t lin = c->seg[SEG_DS].base + 0x10;
  TlbEntry *e = &c->tlb->e[(lin >> 12) & (TLB_SIZE - 1)];
  if (e->tag_write == (lin & ~0xFFFu)) {
    *(uint8_t *)(e->addend + lin) = fast;
    fast_stores++;
  } else {
    lin_write(c, lin, 1, 0x42);
  }
  c->r[EAX] = (c->r[EAX] & 0xFFFF0000u) | 0x1234;
  c->eip += sizeof fake_code;
  c->icount += 3;
  c->halted = true;
}

static void right_inline_store(Cpu *c) { tlb_store(c, 0x42); }
static void wrong_inline_store(Cpu *c) { tlb_store(c, 0x43); }

/* push rbx ; mov rax, fn ; call rax ; xor eax, eax ; pop rbx ; ret */
static JitCode *fake_translation(Jit *j, void (*fn)(Cpu *)) {
  uint8_t buf[sizeof(JitCode) + 64] = {0};
  Emit e;
  emit_init(&e, buf + sizeof(JitCode), 64);
  emit_push(&e, H_RBX);
  emit_mov_imm64(&e, H_RAX, (uint64_t)(uintptr_t)fn);
  emit_call_reg(&e, H_RAX);
  emit_alu_reg(&e, HA_XOR, 4, H_RAX, H_RAX); /* no exit slot */
  emit_pop(&e, H_RBX);
  emit_ret(&e);
  cr_assert(!e.overflow);
  JitCode *jc = codecache_commit(&j->cache, buf, sizeof(JitCode) + emit_size(&e));
  cr_assert_not_null(jc);
  return jc;
}

/* The block at CS:IP through lockstep with fn as its translation; warm:
 * the TLB maps the data page, writable but for lockstep's watch, as a
 * store before the block leaves it. */
static Machine *run_fake_tlb(void (*fn)(Cpu *), bool stop, bool warm) {
  Machine *m = lockstep(fake_code, sizeof fake_code);
  Cpu *c = m->c;
  if (warm) lin_write(c, c->seg[SEG_DS].base + 0x20, 1, 0);
  c->jit->stop_on_divergence = stop;
  const Block *b = blocks_lookup(c);
  JitCode *jc = fake_translation(c->jit, fn);
  c->events = 0; /* as jit_exec() calls it: nothing posted */
  if (!setjmp(c->fault_jmp)) jit_lockstep(c, b, jc);
  return m;
}

static Machine *run_fake(void (*fn)(Cpu *), bool stop) { return run_fake_tlb(fn, stop, false); }

/* The interpreter's result, whatever the translation did. */
static void expect_reference(Machine *m) {
  CHECK_EQ("[0x10]", h_rd8(m, H_DATA + 0x10), 0x42);
  CHECK_REG16(m, EAX, 0x1234);
  CHECK_EQ("IP", h_ip(m), sizeof fake_code);
  CHECK_EQ("icount", m->c->icount, 3);
  cr_expect(m->c->halted);
}

static void expect_one_divergence(Machine *m) {
  cr_expect_eq(m->c->jit->divergences, 1);
  cr_expect_eq(m->c->jit->lockstep_checked, 1);
  m->c->jit->divergences = 0; /* expected: h_free must not fail the test */
}

Test(lockstep, catches_a_wrong_store) {
  Machine *m = run_fake(wrong_store, false);
  expect_one_divergence(m);
  expect_reference(m);
  cr_expect(!(m->c->events & EV_STOP));
  h_free(m);
}

Test(lockstep, catches_a_wrong_register) {
  Machine *m = run_fake(wrong_register, false);
  expect_one_divergence(m);
  expect_reference(m);
  h_free(m);
}

Test(lockstep, catches_a_wrong_fault) {
  Machine *m = run_fake(wrong_fault, false);
  expect_one_divergence(m);
  expect_reference(m);
  h_free(m);
}

Test(lockstep, agrees_with_a_right_translation) {
  Machine *m = run_fake(right, false);
  cr_expect_eq(m->c->jit->divergences, 0);
  cr_expect_eq(m->c->jit->lockstep_checked, 1);
  expect_reference(m);
  h_free(m);
}

Test(lockstep, stops_at_a_divergence_when_asked) {
  Machine *m = run_fake(wrong_store, true);
  cr_expect(m->c->events & EV_STOP, "EV_STOP not posted");
  expect_one_divergence(m);
  h_free(m);
}

/* A first store to a page goes through the slow path while lockstep saves
 * the page; the JIT runs again with the TLB entry writable, so a wrong
 * inline store is caught even when it is the block's first to the page. */
Test(lockstep, first_inline_store_to_a_page_is_checked) {
  fast_stores = 0;
  Machine *m = run_fake_tlb(right_inline_store, false, true);
  cr_expect_eq(fast_stores, 1, "the second JIT run stored through the TLB %d times", fast_stores);
  cr_expect_eq(m->c->jit->divergences, 0);
  expect_reference(m);
  h_free(m);
  fast_stores = 0;
  m = run_fake_tlb(wrong_inline_store, false, true);
  cr_expect_eq(fast_stores, 1);
  expect_one_divergence(m);
  expect_reference(m);
  h_free(m);
}
