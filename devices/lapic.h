/* The local APIC of the one CPU: an xAPIC as the Intel SDM (vol. 3,
 * "Advanced Programmable Interrupt Controller") describes it, version
 * 0x14 with six LVT entries (timer, thermal, performance counters, LINT0,
 * LINT1, error).
 *
 * It sits between every interrupt source and the CPU's single INTR line.
 * Fixed interrupts (from the I/O APIC, its own timer, self-IPIs, LINTn in
 * fixed mode) go through IRR/ISR and the priority rules; the 8259 PIC's
 * INT output is wired to LINT0 and passes straight through as an ExtINT
 * (the CPU's acknowledge then runs the PIC's INTA cycles) when
 *   - the APIC is globally disabled (IA32_APIC_BASE bit 11 clear): the
 *     pins are then the plain INTR input, as on a CPU without an APIC;
 *   - it is not enabled in software (SVR bit 8 clear, the reset state):
 *     so a PC that never touches the APIC behaves as one without it;
 *   - LVT LINT0 is unmasked with delivery mode ExtINT (virtual wire).
 * The CPU sees one line (intr_changed) and one acknowledge (lapic_ack).
 *
 * Choices:
 *   - The APIC bus clock, which the timer divides, is 1 GHz of the
 *     machine's virtual time: one tick per nanosecond, the same clock as
 *     the 1 GHz TSC, so the timer needs no rounding.
 *   - The CPU has no NMI, SMI or INIT input: messages in those delivery
 *     modes are accepted and dropped. INIT/SIPI IPIs to other CPUs go
 *     nowhere (there are none). Thermal and performance-counter events
 *     never happen, so those LVT entries only hold what is written.
 *   - Registers are accessed as aligned dwords; narrower reads see the
 *     bytes of the dword, other writes are ignored (the SDM leaves them
 *     undefined).
 *   - The 4 KiB page is mapped at the IA32_APIC_BASE address while the
 *     APIC is globally enabled; moving it away gives the old page back to
 *     RAM when RAM was there, else to open bus. A base above 4 GiB maps
 *     nothing (the physical space is 32 bits). Clearing bit 11 puts the
 *     APIC back in its power-on state, as an xAPIC does. */
#ifndef HOLO86_LAPIC_H
#define HOLO86_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"
#include "mmu/physmem.h"

#define LAPIC_DEFAULT_BASE 0xFEE00000u
#define LAPIC_VERSION 0x00050014u /* max LVT entry 5, version 0x14 */
#define LAPIC_BUS_HZ 1000000000ull

/* IA32_APIC_BASE bits. */
enum { LAPIC_MSR_BSP = 1u << 8, LAPIC_MSR_ENABLE = 1u << 11 };

/* Delivery modes (ICR, LVT and I/O APIC redirection entries alike). */
enum {
  APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2, APIC_DM_NMI = 4,
  APIC_DM_INIT = 5, APIC_DM_STARTUP = 6, APIC_DM_EXTINT = 7,
};

/* LVT entries in register order (0x320 + 0x10 * index). */
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

typedef struct Lapic {
  Device dev;
  /* Registers (device state). */
  uint64_t base_msr;       /* IA32_APIC_BASE */
  uint32_t id, tpr, ldr, dfr, svr;
  uint32_t esr;            /* what the ESR shows (latched by a write) */
  uint32_t esr_pending;    /* errors seen since the last ESR write */
  uint32_t icr_lo, icr_hi;
  uint32_t lvt[LVT_COUNT];
  uint32_t irr[8], isr[8], tmr[8];
  uint32_t timer_initial, timer_dcr;
  uint64_t timer_deadline; /* virtual ns at which the count reaches 0, or UINT64_MAX */
  uint64_t last_now;       /* latest virtual time seen */
  bool lint[2];            /* LINT0/LINT1 input levels */
  bool extint;             /* an ExtINT message waits for the acknowledge */
  bool intr;               /* INTR output as last reported */
  uint32_t mapped;         /* where the page is mapped; LAPIC_UNMAPPED if nowhere */
  PhysMem *mem;
  /* Wiring, set by the creator (all optional). */
  void (*intr_changed)(void *opaque, bool level); /* the CPU's INTR line */
  int (*extint_ack)(void *opaque);   /* INTA of the 8259: returns its vector */
  void (*eoi)(void *opaque, uint8_t vector); /* EOI of a level interrupt, to the I/O APIC */
  uint64_t (*now)(void *opaque);     /* virtual time, ns */
  void (*resched)(void *opaque);     /* the timer deadline moved */
  void (*map_changed)(void *opaque); /* the page moved: drop cached translations */
  void *opaque;
} Lapic;

#define LAPIC_UNMAPPED 0xFFFFFFFFu

/* Power-on state, page mapped at 0xFEE00000 in mem. */
void lapic_init(Lapic *l, PhysMem *mem);

/* IA32_APIC_BASE (MSR 0x1B). The write returns false for a value with
 * reserved bits set (the CPU raises #GP); bit 8 (BSP) is read-only. */
uint64_t lapic_base_msr(const Lapic *l);
bool lapic_set_base_msr(Lapic *l, uint64_t value);

/* Drive LINT0 (the 8259's INT) or LINT1. */
void lapic_set_lint(Lapic *l, int pin, bool level);

/* A message from the APIC bus (the I/O APIC): accepted if this APIC is a
 * destination (physical: its ID or 0xFF; logical: LDR/DFR match or 0xFF)
 * and can take it now. level: level triggered (sets TMR, so the EOI is
 * broadcast back). */
bool lapic_deliver(Lapic *l, uint8_t dest, bool logical, int mode, uint8_t vector, bool level);

/* INTR output level, and the CPU's acknowledge: the vector to take (the
 * 8259's for an ExtINT, the spurious vector when the request vanished). */
bool lapic_intr(const Lapic *l);
int lapic_ack(Lapic *l);

#endif
