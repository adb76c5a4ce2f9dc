/* System-level behaviour in real mode: CPUID, RDTSC, port I/O through the
 * I/O bus (and open bus for unclaimed ports), CLI/STI and the STI
 * interrupt shadow, HLT, #UD for undefined opcodes and misplaced LOCK,
 * #GP for instructions longer than 15 bytes, SALC, the flag instructions
 * and the long NOP. Exceptions are delivered through the IVT stubs; per
 * the SDM they are faults, so the pushed CS:IP is the faulting
 * instruction's first (prefix) byte. */
#include "tests/unit/harness.h"

static const uint8_t cpuid_code[] = {
  0x66, 0x31, 0xC0,                        /* 0000: xor eax, eax */
  0x0F, 0xA2,                              /* 0003: cpuid */
  0x66, 0xA3, 0x00, 0x00,                  /* 0005: mov [0x00], eax */
  0x66, 0x89, 0x1E, 0x04, 0x00,            /* 0009: mov [0x04], ebx */
  0x66, 0x89, 0x16, 0x08, 0x00,            /* 000E: mov [0x08], edx */
  0x66, 0x89, 0x0E, 0x0C, 0x00,            /* 0013: mov [0x0C], ecx */
  0x66, 0xB8, 0x01, 0x00, 0x00, 0x00,      /* 0018: mov eax, 1 */
  0x0F, 0xA2,                              /* 001E: cpuid */
  0x66, 0xA3, 0x10, 0x00,                  /* 0020: mov [0x10], eax */
  0x66, 0x89, 0x16, 0x14, 0x00,            /* 0024: mov [0x14], edx */
  0xF4,                                    /* 0029: hlt */
};

Test(system, cpuid_vendor_and_family) {
  Machine *m = RUN(cpuid_code);
  uint32_t max = h_rd32(m, H_DATA + 0x00);
  cr_expect_geq(max, 1u, "CPUID.0 EAX (highest leaf) should be at least 1, got %u", max);
  char vendor[13] = {0};
  for (int i = 0; i < 12; i++) vendor[i] = (char)h_rd8(m, H_DATA + 0x04 + (uint32_t)i);
  cr_expect_str_eq(vendor, "GenuineIntel");
  uint32_t sig = h_rd32(m, H_DATA + 0x10);
  CHECK_EQ("CPUID.1 family", (sig >> 8) & 0xF, 6);
  uint32_t feat = h_rd32(m, H_DATA + 0x14);
  CHECK_EQ("CPUID.1 EDX TSC (bit 4)", (feat >> 4) & 1, 1);
  CHECK_EQ("CPUID.1 EDX CX8 (bit 8)", (feat >> 8) & 1, 1);
  CHECK_EQ("CPUID.1 EDX CMOV (bit 15)", (feat >> 15) & 1, 1);
  CHECK_EQ("CPUID.1 EDX APIC (bit 9) on a CPU with no local APIC", (feat >> 9) & 1, 0);
  h_free(m);
}

static const uint8_t rdtsc_code[] = {
  0x0F, 0x31,                              /* 0000: rdtsc */
  0x66, 0xA3, 0x00, 0x00,                  /* 0002: mov [0x00], eax */
  0x66, 0x89, 0x16, 0x04, 0x00,            /* 0006: mov [0x04], edx */
  0xB9, 0x64, 0x00,                        /* 000B: mov cx, 100 */
  /* .spin: */
  0xE2, 0xFE,                              /* 000E: loop .spin */
  0x0F, 0x31,                              /* 0010: rdtsc */
  0x66, 0xA3, 0x08, 0x00,                  /* 0012: mov [0x08], eax */
  0x66, 0x89, 0x16, 0x0C, 0x00,            /* 0016: mov [0x0C], edx */
  0x0F, 0x31,                              /* 001B: rdtsc */
  0x66, 0xA3, 0x10, 0x00,                  /* 001D: mov [0x10], eax */
  0x66, 0x89, 0x16, 0x14, 0x00,            /* 0021: mov [0x14], edx */
  0xF4,                                    /* 0026: hlt */
};

Test(system, rdtsc_is_monotonic) {
  Machine *m = RUN(rdtsc_code);
  uint64_t t0 = h_rd32(m, H_DATA + 0x00) | (uint64_t)h_rd32(m, H_DATA + 0x04) << 32;
  uint64_t t1 = h_rd32(m, H_DATA + 0x08) | (uint64_t)h_rd32(m, H_DATA + 0x0C) << 32;
  uint64_t t2 = h_rd32(m, H_DATA + 0x10) | (uint64_t)h_rd32(m, H_DATA + 0x14) << 32;
  cr_expect_gt(t1, t0, "TSC did not advance over a 100-iteration loop: %llu then %llu",
               (unsigned long long)t0, (unsigned long long)t1);
  cr_expect_gt(t2, t1, "TSC did not advance between two RDTSCs: %llu then %llu",
               (unsigned long long)t1, (unsigned long long)t2);
  h_free(m);
}

/* A port device that answers IN with a pattern naming the port and size
 * and records every OUT. */
typedef struct {
  struct { uint16_t port; int size; uint32_t value; } out[16];
  int nout;
  int nin;
} TestPort;

static uint32_t testport_in(void *opaque, uint16_t port, int size) {
  TestPort *p = opaque;
  p->nin++;
  uint32_t v = 0xC0000000u | (uint32_t)size << 16 | port;
  return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void testport_out(void *opaque, uint16_t port, int size, uint32_t value) {
  TestPort *p = opaque;
  if (p->nout < 16) {
    p->out[p->nout].port = port;
    p->out[p->nout].size = size;
    p->out[p->nout].value = value;
    p->nout++;
  }
}

static const IoPortOps testport_ops = {testport_in, testport_out};

static const uint8_t io_code[] = {
  0xE4, 0x70,                              /* 0000: in al, 0x70             ; E4 */
  0xA2, 0x00, 0x00,                        /* 0002: mov [0x00], al */
  0xE5, 0x70,                              /* 0005: in ax, 0x70             ; E5 */
  0xA3, 0x02, 0x00,                        /* 0007: mov [0x02], ax */
  0x66, 0xE5, 0x70,                        /* 000A: in eax, 0x70            ; 66 E5 */
  0x66, 0xA3, 0x04, 0x00,                  /* 000D: mov [0x04], eax */
  0xBA, 0x34, 0x12,                        /* 0011: mov dx, 0x1234 */
  0xEC,                                    /* 0014: in al, dx               ; EC */
  0xA2, 0x08, 0x00,                        /* 0015: mov [0x08], al */
  0xED,                                    /* 0018: in ax, dx               ; ED */
  0xA3, 0x0A, 0x00,                        /* 0019: mov [0x0A], ax */
  0x66, 0xED,                              /* 001C: in eax, dx              ; 66 ED */
  0x66, 0xA3, 0x0C, 0x00,                  /* 001E: mov [0x0C], eax */
  0xB0, 0x5A,                              /* 0022: mov al, 0x5A */
  0xE6, 0x71,                              /* 0024: out 0x71, al            ; E6 */
  0xB8, 0xEF, 0xBE,                        /* 0026: mov ax, 0xBEEF */
  0xE7, 0x70,                              /* 0029: out 0x70, ax            ; E7 */
  0xBA, 0x35, 0x12,                        /* 002B: mov dx, 0x1235 */
  0xB0, 0xA5,                              /* 002E: mov al, 0xA5 */
  0xEE,                                    /* 0030: out dx, al              ; EE */
  0xB8, 0x57, 0x13,                        /* 0031: mov ax, 0x1357 */
  0xEF,                                    /* 0034: out dx, ax              ; EF */
  0x66, 0xB8, 0xEF, 0xBE, 0xAD, 0xDE,      /* 0035: mov eax, 0xDEADBEEF */
  0x66, 0xEF,                              /* 003B: out dx, eax             ; 66 EF */
  0xF4,                                    /* 003D: hlt */
};

Test(system, in_out_through_the_io_bus) {
  TestPort p = {0};
  Machine *m = PREPARE(io_code);
  cr_assert_eq(iobus_register(m->io, 0x70, 2, &testport_ops, &p, "test-rtc"), 0);
  cr_assert_eq(iobus_register(m->io, 0x1234, 4, &testport_ops, &p, "test-1234"), 0);
  h_run_ok(m);
  CHECK_EQ("IN AL, 0x70", h_rd8(m, H_DATA + 0x00), 0x70);
  CHECK_EQ("IN AX, 0x70", h_rd16(m, H_DATA + 0x02), 0x0070);
  CHECK_EQ("IN EAX, 0x70", h_rd32(m, H_DATA + 0x04), 0xC0040070);
  CHECK_EQ("IN AL, DX", h_rd8(m, H_DATA + 0x08), 0x34);
  CHECK_EQ("IN AX, DX", h_rd16(m, H_DATA + 0x0A), 0x1234);
  CHECK_EQ("IN EAX, DX", h_rd32(m, H_DATA + 0x0C), 0xC0041234);
  cr_expect_eq(p.nin, 6, "expected 6 port reads, got %d", p.nin);
  cr_assert_eq(p.nout, 5, "expected 5 port writes, got %d", p.nout);
  static const struct { uint16_t port; int size; uint32_t value; } want[5] = {
    {0x71, 1, 0x5A}, {0x70, 2, 0xBEEF}, {0x1235, 1, 0xA5}, {0x1235, 2, 0x1357}, {0x1235, 4, 0xDEADBEEF},
  };
  for (int i = 0; i < 5; i++) {
    cr_expect_eq(p.out[i].port, want[i].port, "OUT #%d port: expected 0x%X, got 0x%X", i + 1,
                 want[i].port, p.out[i].port);
    cr_expect_eq(p.out[i].size, want[i].size, "OUT #%d size: expected %d, got %d", i + 1,
                 want[i].size, p.out[i].size);
    cr_expect_eq(p.out[i].value, want[i].value, "OUT #%d value: expected 0x%X, got 0x%X", i + 1,
                 want[i].value, p.out[i].value);
  }
  h_free(m);
}

static const uint8_t open_bus[] = {
  0x66, 0xB8, 0x78, 0x56, 0x34, 0x12,      /* 0000: mov eax, 0x12345678 */
  0xE4, 0xE0,                              /* 0006: in al, 0xE0             ; nothing there: 0xFF */
  0x66, 0xA3, 0x00, 0x00,                  /* 0008: mov [0x00], eax */
  0xBA, 0x33, 0x33,                        /* 000C: mov dx, 0x3333 */
  0x66, 0xB8, 0x00, 0x00, 0x00, 0x00,      /* 000F: mov eax, 0 */
  0xED,                                    /* 0015: in ax, dx */
  0x66, 0xA3, 0x04, 0x00,                  /* 0016: mov [0x04], eax */
  0x66, 0xED,                              /* 001A: in eax, dx */
  0x66, 0xA3, 0x08, 0x00,                  /* 001C: mov [0x08], eax */
  0xEE,                                    /* 0020: out dx, al              ; goes nowhere */
  0xF4,                                    /* 0021: hlt */
};

Test(system, unclaimed_port_reads_all_ones) {
  Machine *m = RUN(open_bus);
  CHECK_EQ("IN AL from an unclaimed port", h_rd32(m, H_DATA + 0x00), 0x123456FF);
  CHECK_EQ("IN AX from an unclaimed port", h_rd32(m, H_DATA + 0x04), 0x0000FFFF);
  CHECK_EQ("IN EAX from an unclaimed port", h_rd32(m, H_DATA + 0x08), 0xFFFFFFFF);
  h_free(m);
}

static const uint8_t cli_sti_flags[] = {
  0xFB,                                    /* 0000: sti */
  0x9C,                                    /* 0001: pushf */
  0xFA,                                    /* 0002: cli */
  0x9C,                                    /* 0003: pushf */
  0xF9,                                    /* 0004: stc */
  0x9C,                                    /* 0005: pushf */
  0xF5,                                    /* 0006: cmc */
  0x9C,                                    /* 0007: pushf */
  0xF5,                                    /* 0008: cmc */
  0xF8,                                    /* 0009: clc */
  0x9C,                                    /* 000A: pushf */
  0xFD,                                    /* 000B: std */
  0x9C,                                    /* 000C: pushf */
  0xFC,                                    /* 000D: cld */
  0x9C,                                    /* 000E: pushf */
  0xF4,                                    /* 000F: hlt */
};

Test(system, flag_instructions) {
  Machine *m = RUN(cli_sti_flags);
  CHECK_EQ("IF after STI", h_stack16(m, 6) & F_IF, F_IF);
  CHECK_EQ("IF after CLI", h_stack16(m, 5) & F_IF, 0);
  CHECK_EQ("CF after STC", h_stack16(m, 4) & F_CF, F_CF);
  CHECK_EQ("CF after CMC", h_stack16(m, 3) & F_CF, 0);
  CHECK_EQ("CF after CMC, CLC", h_stack16(m, 2) & F_CF, 0);
  CHECK_EQ("DF after STD", h_stack16(m, 1) & F_DF, F_DF);
  CHECK_EQ("DF after CLD", h_stack16(m, 0) & F_DF, 0);
  CHECK_FLAGS(m, F_IF | F_DF | F_CF, 0);
  h_free(m);
}

#define hlt_code_after 0x0004
static const uint8_t hlt_code[] = {
  0xB8, 0x01, 0x00,                        /* 0000: mov ax, 1 */
  0xF4,                                    /* 0003: hlt */
  /* after: */
  0xB8, 0x02, 0x00,                        /* 0004: mov ax, 2 */
  0xF4,                                    /* 0007: hlt */
};

Test(system, hlt_stops_with_ip_after_it) {
  Machine *m = RUN(hlt_code);
  cr_expect(m->c->halted, "the CPU should be halted");
  CHECK_REG16(m, EAX, 1);
  CHECK_EQ("IP after HLT", h_ip(m), hlt_code_after);
  h_free(m);
}

/* An interrupt controller stand-in: delivers one vector, then drops the line. */
typedef struct {
  Machine *m;
  int vector;
  int acks;
} FakePic;

static int fake_ack(void *opaque) {
  FakePic *p = opaque;
  p->acks++;
  cpu_set_intr(p->m->c, false);
  return p->vector;
}

/* STI; HLT: STI holds interrupts off for one instruction, so the interrupt
 * arrives after the HLT and wakes it; the pushed IP follows the HLT. */
#define sti_hlt_after 0x0005
static const uint8_t sti_hlt[] = {
  0xB8, 0x01, 0x00,                        /* 0000: mov ax, 1 */
  0xFB,                                    /* 0003: sti */
  0xF4,                                    /* 0004: hlt */
  /* after: */
  0xB8, 0x02, 0x00,                        /* 0005: mov ax, 2 */
  0xF4,                                    /* 0008: hlt */
};

Test(system, sti_hlt_is_woken_by_an_interrupt) {
  Machine *m = PREPARE(sti_hlt);
  FakePic pic = {m, 0x30, 0};
  m->c->intr_ack = fake_ack;
  m->c->intr_opaque = &pic;
  cpu_set_intr(m->c, true);
  int v = h_run(m);
  cr_expect_eq(v, 0x30, "expected the interrupt (vector 0x30) to end the run, got %d", v);
  cr_expect_eq(pic.acks, 1, "expected one interrupt acknowledge, got %d", pic.acks);
  CHECK_FAULT(m, 0x30, sti_hlt_after);
  CHECK_REG16(m, EAX, 1);
  CHECK_EQ("pushed FLAGS.IF", h_stack16(m, 2) & F_IF, F_IF);
  h_free(m);
}

Test(system, interrupt_not_taken_with_if_clear) {
  Machine *m = PREPARE(hlt_code);
  FakePic pic = {m, 0x30, 0};
  m->c->intr_ack = fake_ack;
  m->c->intr_opaque = &pic;
  cpu_set_intr(m->c, true);
  h_run_ok(m);
  cr_expect_eq(pic.acks, 0, "IF=0: the interrupt must not be acknowledged");
  CHECK_REG16(m, EAX, 1);
  h_free(m);
}

#define ud2_code_fault 0x0003
static const uint8_t ud2_code[] = {
  0xB8, 0x11, 0x11,                        /* 0000: mov ax, 0x1111 */
  /* fault: */
  0x0F, 0x0B,                              /* 0003: ud2                     ; 0F 0B */
  0xB8, 0x22, 0x22,                        /* 0005: mov ax, 0x2222 */
  0xF4,                                    /* 0008: hlt */
};

Test(system, ud2_raises_ud_at_the_instruction) {
  Machine *m = PREPARE(ud2_code);
  int v = h_run(m);
  cr_expect_eq(v, EXC_UD, "expected #UD (6), got %d", v);
  CHECK_FAULT(m, EXC_UD, ud2_code_fault);
  CHECK_REG16(m, EAX, 0x1111);
  CHECK_REG16(m, ESP, H_SP - 6);
  h_free(m);
}

#define ud_group_fault 0x0001
static const uint8_t ud_group[] = {
  0x90,                                    /* 0000: nop */
  /* fault: */
  0xFF, 0xF8,                              /* 0001: db 0xFF, 0xF8           ; FF /7: undefined */
  0xF4,                                    /* 0003: hlt */
};

#define ud_prefixed_fault 0x0001
static const uint8_t ud_prefixed[] = {
  0x90,                                    /* 0000: nop */
  /* fault: */
  0x2E, 0x66, 0x0F, 0x0B,                  /* 0001: db 0x2E, 0x66, 0x0F, 0x0B ; cs o32 ud2: IP of the first prefix */
  0xF4,                                    /* 0005: hlt */
};

Test(system, undefined_opcodes_raise_ud) {
  Machine *m = PREPARE(ud_group);
  cr_expect_eq(h_run(m), EXC_UD, "FF /7: expected #UD");
  CHECK_FAULT(m, EXC_UD, ud_group_fault);
  h_free(m);
  m = PREPARE(ud_prefixed);
  cr_expect_eq(h_run(m), EXC_UD, "prefixed UD2: expected #UD");
  CHECK_FAULT(m, EXC_UD, ud_prefixed_fault);
  h_free(m);
}

/* A UD handler that skips the UD2 and returns. */
#define ud_handler_fault 0x0003
#define ud_handler_handler 0x0007
static const uint8_t ud_handler[] = {
  0xB9, 0x00, 0x00,                        /* 0000: mov cx, 0 */
  /* fault: */
  0x0F, 0x0B,                              /* 0003: ud2 */
  0x41,                                    /* 0005: inc cx */
  0xF4,                                    /* 0006: hlt */
  /* handler: */
  0x43,                                    /* 0007: inc bx */
  0x89, 0xE5,                              /* 0008: mov bp, sp */
  0x83, 0x46, 0x00, 0x02,                  /* 000A: add word [bp], 2        ; skip the 2-byte UD2 */
  0xCF,                                    /* 000E: iret */
};

Test(system, ud_handler_can_resume) {
  Machine *m = PREPARE(ud_handler);
  h_set_ivt(m, EXC_UD, H_CS, ud_handler_handler);
  h_run_ok(m);
  CHECK_REG16(m, EBX, 1);
  CHECK_REG16(m, ECX, 1);
  CHECK_REG16(m, ESP, H_SP);
  h_free(m);
}

#define too_long_fault 0x0003
static const uint8_t too_long[] = {
  0xB8, 0x21, 0x43,                        /* 0000: mov ax, 0x4321 */
  /* fault: */
  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, /* 0003: db 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66 */
  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
  0x90,                                    /* 0013: nop                     ; 16 prefixes + NOP: 17 bytes */
  0xF4,                                    /* 0014: hlt */
};

#define too_long_16_fault 0x0004
static const uint8_t too_long_16[] = {
  0xB8, 0x21, 0x43,                        /* 0000: mov ax, 0x4321 */
  0x50,                                    /* 0003: push ax                 ; SP must stay as this PUSH left it */
  /* fault: */
  0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, /* 0004: db 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26 */
  0x26, 0x26, 0x26, 0x26, 0x26,
  0x04, 0x01,                              /* 0012: add al, 1               ; 14 prefixes + 2 bytes: 16 bytes */
  0xF4,                                    /* 0014: hlt */
};

Test(system, instruction_over_15_bytes_is_gp) {
  Machine *m = PREPARE(too_long);
  int v = h_run(m);
  cr_expect_eq(v, EXC_GP, "17-byte instruction: expected #GP (13), got %d", v);
  CHECK_FAULT(m, EXC_GP, too_long_fault);
  CHECK_REG16(m, EAX, 0x4321);
  h_free(m);
  m = PREPARE(too_long_16);
  v = h_run(m);
  cr_expect_eq(v, EXC_GP, "16-byte instruction: expected #GP (13), got %d", v);
  CHECK_FAULT(m, EXC_GP, too_long_16_fault);
  CHECK_REG16(m, EAX, 0x4321);
  CHECK_REG16(m, ESP, H_SP - 2 - 6);
  h_free(m);
}

static const uint8_t fifteen_bytes[] = {
  0xB8, 0x21, 0x43,                        /* 0000: mov ax, 0x4321 */
  0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, /* 0003: db 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26 */
  0x26, 0x26, 0x26, 0x26,
  0x04, 0x01,                              /* 0010: add al, 1               ; 13 prefixes + 2 bytes: exactly 15, allowed */
  0xF4,                                    /* 0012: hlt */
};

Test(system, instruction_of_15_bytes_runs) {
  Machine *m = RUN(fifteen_bytes);
  CHECK_REG16(m, EAX, 0x4322);
  h_free(m);
}

#define lock_reg_fault 0x0006
static const uint8_t lock_reg[] = {
  0xB8, 0x01, 0x00,                        /* 0000: mov ax, 1 */
  0xBB, 0x02, 0x00,                        /* 0003: mov bx, 2 */
  /* fault: */
  0xF0, 0x01, 0xD8,                        /* 0006: db 0xF0, 0x01, 0xD8     ; lock add ax, bx: register destination, #UD */
  0xF4,                                    /* 0009: hlt */
};

#define lock_mov_fault 0x0000
static const uint8_t lock_mov[] = {
  /* fault: */
  0xF0, 0xA3, 0x10, 0x00,                  /* 0000: db 0xF0, 0xA3, 0x10, 0x00 ; lock mov [0x10], ax: MOV cannot be locked, #UD */
  0xF4,                                    /* 0004: hlt */
};

Test(system, lock_misuse_raises_ud) {
  Machine *m = PREPARE(lock_reg);
  cr_expect_eq(h_run(m), EXC_UD, "LOCK ADD AX, BX: expected #UD");
  CHECK_FAULT(m, EXC_UD, lock_reg_fault);
  CHECK_REG16(m, EAX, 1);
  h_free(m);
  m = PREPARE(lock_mov);
  cr_expect_eq(h_run(m), EXC_UD, "LOCK MOV: expected #UD");
  CHECK_FAULT(m, EXC_UD, lock_mov_fault);
  h_free(m);
}

static const uint8_t salc_code[] = {
  0xB0, 0x55,                              /* 0000: mov al, 0x55 */
  0xF9,                                    /* 0002: stc */
  0xD6,                                    /* 0003: salc                    ; D6: AL = 0xFF */
  0x88, 0xC3,                              /* 0004: mov bl, al */
  0xF8,                                    /* 0006: clc */
  0xD6,                                    /* 0007: salc                    ; AL = 0x00 */
  0x88, 0xC7,                              /* 0008: mov bh, al */
  0xB0, 0x7F,                              /* 000A: mov al, 0x7F */
  0x04, 0x01,                              /* 000C: add al, 1               ; OF SF AF; CF = 0 */
  0xD6,                                    /* 000E: salc                    ; flags unchanged */
  0xF4,                                    /* 000F: hlt */
};

Test(system, salc) {
  Machine *m = RUN(salc_code);
  CHECK_REG16(m, EBX, 0x00FF);
  CHECK_REG8(m, EAX, 0x00);
  CHECK_ARITH(m, F_OF | F_SF | F_AF);
  h_free(m);
}

static const uint8_t long_nop[] = {
  0xB8, 0x07, 0x00,                        /* 0000: mov ax, 7 */
  0x0F, 0x1F, 0x00,                        /* 0003: nop word [bx + si]      ; 0F 1F /0: does nothing, reads nothing */
  0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00,      /* 0006: db 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00 ; nop [si + disp16] */
  0x66, 0x90,                              /* 000C: db 0x66, 0x90           ; o32 nop */
  0x40,                                    /* 000E: inc ax */
  0xF4,                                    /* 000F: hlt */
};

Test(system, long_nops) {
  Machine *m = RUN(long_nop);
  CHECK_REG16(m, EAX, 8);
  h_free(m);
}

static const uint8_t msr_code[] = {
  0x66, 0xB9, 0x74, 0x01, 0x00, 0x00,      /* 0000: mov ecx, 0x174          ; IA32_SYSENTER_CS */
  0x66, 0xB8, 0x34, 0x12, 0x00, 0x00,      /* 0006: mov eax, 0x00001234 */
  0x66, 0x31, 0xD2,                        /* 000C: xor edx, edx */
  0x0F, 0x30,                              /* 000F: wrmsr */
  0x66, 0x31, 0xC0,                        /* 0011: xor eax, eax */
  0x66, 0xBA, 0xFF, 0xFF, 0xFF, 0xFF,      /* 0014: mov edx, 0xFFFFFFFF */
  0x0F, 0x32,                              /* 001A: rdmsr */
  0x66, 0xA3, 0x00, 0x00,                  /* 001C: mov [0x00], eax */
  0x66, 0x89, 0x16, 0x04, 0x00,            /* 0020: mov [0x04], edx */
  0x66, 0xB9, 0x10, 0x00, 0x00, 0x00,      /* 0025: mov ecx, 0x10           ; IA32_TIME_STAMP_COUNTER */
  0x0F, 0x32,                              /* 002B: rdmsr */
  0x66, 0xA3, 0x08, 0x00,                  /* 002D: mov [0x08], eax */
  0x66, 0x89, 0x16, 0x0C, 0x00,            /* 0031: mov [0x0C], edx */
  0x0F, 0x31,                              /* 0036: rdtsc */
  0x66, 0xA3, 0x10, 0x00,                  /* 0038: mov [0x10], eax */
  0x66, 0x89, 0x16, 0x14, 0x00,            /* 003C: mov [0x14], edx */
  0xF4,                                    /* 0041: hlt */
};

Test(system, rdmsr_wrmsr) {
  Machine *m = RUN(msr_code);
  CHECK_EQ("SYSENTER_CS low", h_rd32(m, H_DATA + 0x00), 0x1234);
  CHECK_EQ("SYSENTER_CS high", h_rd32(m, H_DATA + 0x04), 0);
  uint64_t msr = h_rd32(m, H_DATA + 0x08) | (uint64_t)h_rd32(m, H_DATA + 0x0C) << 32;
  uint64_t tsc = h_rd32(m, H_DATA + 0x10) | (uint64_t)h_rd32(m, H_DATA + 0x14) << 32;
  cr_expect_leq(msr, tsc, "RDMSR 0x10 (%llu) should not be ahead of a later RDTSC (%llu)",
                (unsigned long long)msr, (unsigned long long)tsc);
  h_free(m);
}

/* P6 performance monitoring MSRs hold what is written: a counter takes
 * the low 32 bits sign-extended to its 40 bits, RDPMC reads it back. */
static const uint8_t perf_msr_code[] = {
  0x66, 0xB9, 0xC1, 0x00, 0x00, 0x00,      /* 0000: mov ecx, 0xC1           ; PERFCTR0 */
  0x66, 0xB8, 0x34, 0x12, 0x00, 0x80,      /* 0006: mov eax, 0x80001234 */
  0x66, 0xBA, 0x78, 0x56, 0x34, 0x12,      /* 000C: mov edx, 0x12345678     ; not written */
  0x0F, 0x30,                              /* 0012: wrmsr */
  0x66, 0x31, 0xC0,                        /* 0014: xor eax, eax */
  0x66, 0x31, 0xD2,                        /* 0017: xor edx, edx */
  0x0F, 0x32,                              /* 001A: rdmsr */
  0x66, 0xA3, 0x00, 0x00,                  /* 001C: mov [0x00], eax */
  0x66, 0x89, 0x16, 0x04, 0x00,            /* 0020: mov [0x04], edx */
  0x66, 0xB9, 0x86, 0x01, 0x00, 0x00,      /* 0025: mov ecx, 0x186          ; EVNTSEL0 */
  0x66, 0xB8, 0x76, 0x00, 0x43, 0x00,      /* 002B: mov eax, 0x00430076 */
  0x66, 0x31, 0xD2,                        /* 0031: xor edx, edx */
  0x0F, 0x30,                              /* 0034: wrmsr */
  0x66, 0x31, 0xC0,                        /* 0036: xor eax, eax */
  0x0F, 0x32,                              /* 0039: rdmsr */
  0x66, 0xA3, 0x08, 0x00,                  /* 003B: mov [0x08], eax */
  0x66, 0x31, 0xC9,                        /* 003F: xor ecx, ecx */
  0x0F, 0x33,                              /* 0042: rdpmc */
  0x66, 0xA3, 0x0C, 0x00,                  /* 0044: mov [0x0C], eax */
  0x66, 0x89, 0x16, 0x10, 0x00,            /* 0048: mov [0x10], edx */
  0xF4,                                    /* 004D: hlt */
};

Test(system, perf_msrs_hold_what_is_written) {
  Machine *m = RUN(perf_msr_code);
  CHECK_EQ("PERFCTR0 low", h_rd32(m, H_DATA + 0x00), 0x80001234u);
  CHECK_EQ("PERFCTR0 high (bits 39:32 from bit 31)", h_rd32(m, H_DATA + 0x04), 0xFFu);
  CHECK_EQ("EVNTSEL0", h_rd32(m, H_DATA + 0x08), 0x00430076u);
  CHECK_EQ("RDPMC 0 low", h_rd32(m, H_DATA + 0x0C), 0x80001234u);
  CHECK_EQ("RDPMC 0 high", h_rd32(m, H_DATA + 0x10), 0xFFu);
  h_free(m);
}

/* IA32_APIC_BASE is the local APIC's: RDMSR/WRMSR reach it through the
 * CPU's hooks, and CPUID's APIC bit follows its global enable. */
static const uint8_t apic_base_code[] = {
  0x66, 0xB8, 0x01, 0x00, 0x00, 0x00,      /* 0000: mov eax, 1 */
  0x0F, 0xA2,                              /* 0006: cpuid */
  0x66, 0x89, 0x16, 0x00, 0x00,            /* 0008: mov [0x00], edx */
  0x66, 0xB9, 0x1B, 0x00, 0x00, 0x00,      /* 000D: mov ecx, 0x1B         ; IA32_APIC_BASE */
  0x0F, 0x32,                              /* 0013: rdmsr */
  0x66, 0xA3, 0x04, 0x00,                  /* 0015: mov [0x04], eax */
  0x66, 0xB8, 0x00, 0x00, 0xE0, 0xFE,      /* 0019: mov eax, 0xFEE00000    ; enable bit clear */
  0x66, 0x31, 0xD2,                        /* 001F: xor edx, edx */
  0x0F, 0x30,                              /* 0022: wrmsr */
  0x66, 0xB8, 0x01, 0x00, 0x00, 0x00,      /* 0024: mov eax, 1 */
  0x0F, 0xA2,                              /* 002A: cpuid */
  0x66, 0x89, 0x16, 0x08, 0x00,            /* 002C: mov [0x08], edx */
  0xF4,                                    /* 0031: hlt */
};

static uint64_t fake_apic_base_read(void *opaque) { return *(uint64_t *)opaque; }
static bool fake_apic_base_write(void *opaque, uint64_t value) {
  *(uint64_t *)opaque = value;
  return true;
}

Test(system, apic_base_msr_and_cpuid_apic_bit) {
  Machine *m = PREPARE(apic_base_code);
  uint64_t base = 0xFEE00900u;
  m->c->apic_base_read = fake_apic_base_read;
  m->c->apic_base_write = fake_apic_base_write;
  m->c->apic_opaque = &base;
  h_run_ok(m);
  CHECK_EQ("CPUID.1 EDX APIC while enabled", (h_rd32(m, H_DATA + 0x00) >> 9) & 1, 1);
  CHECK_EQ("RDMSR 0x1B", h_rd32(m, H_DATA + 0x04), 0xFEE00900u);
  CHECK_EQ("WRMSR 0x1B reached the APIC", (uint32_t)base, 0xFEE00000u);
  CHECK_EQ("CPUID.1 EDX APIC while globally disabled", (h_rd32(m, H_DATA + 0x08) >> 9) & 1, 0);
  h_free(m);
}

/* Real-mode segment limits (0xFFFF) still apply: an operand reaching past
 * the limit raises #GP, or #SS for the stack segment (SDM real-address
 * mode exceptions), as a fault with nothing changed. */
#define limit_ds_fault 0x0007
static const uint8_t limit_ds[] = {
  0xB8, 0x34, 0x12,                        /* 0000: mov ax, 0x1234 */
  0x8B, 0x1E, 0xFE, 0xFF,                  /* 0003: mov bx, [0xFFFE]        ; the last whole word: fine */
  /* fault: */
  0xA1, 0xFF, 0xFF,                        /* 0007: mov ax, [0xFFFF]        ; bytes 0xFFFF and 0x10000: #GP */
  0xF4,                                    /* 000A: hlt */
};

#define limit_ss_fault 0x0006
static const uint8_t limit_ss[] = {
  0xB8, 0x34, 0x12,                        /* 0000: mov ax, 0x1234 */
  0xBD, 0xFD, 0xFF,                        /* 0003: mov bp, 0xFFFD */
  /* fault: */
  0x66, 0x8B, 0x46, 0x00,                  /* 0006: mov eax, [bp]           ; SS-relative dword at 0xFFFD: #SS */
  0xF4,                                    /* 000A: hlt */
};

#define limit_a32_fault 0x0002
static const uint8_t limit_a32[] = {
  0xB0, 0x12,                              /* 0000: mov al, 0x12 */
  /* fault: */
  0x67, 0xA0, 0x00, 0x00, 0x01, 0x00,      /* 0002: mov al, [dword 0x10000] ; a 32-bit offset past the limit: #GP */
  0xF4,                                    /* 0008: hlt */
};

Test(system, real_mode_segment_limit_faults) {
  Machine *m = PREPARE(limit_ds);
  cr_expect_eq(h_run(m), EXC_GP, "word at DS:FFFF: expected #GP (13)");
  CHECK_FAULT(m, EXC_GP, limit_ds_fault);
  CHECK_REG16(m, EAX, 0x1234);
  h_free(m);
  m = PREPARE(limit_ss);
  cr_expect_eq(h_run(m), EXC_SS, "dword at SS:FFFD: expected #SS (12)");
  CHECK_FAULT(m, EXC_SS, limit_ss_fault);
  CHECK_REG16(m, EAX, 0x1234);
  h_free(m);
  m = PREPARE(limit_a32);
  cr_expect_eq(h_run(m), EXC_GP, "byte at DS:00010000: expected #GP (13)");
  CHECK_FAULT(m, EXC_GP, limit_a32_fault);
  CHECK_REG8(m, EAX, 0x12);
  h_free(m);
}
