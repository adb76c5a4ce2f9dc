/* Local APIC; see lapic.h.
 *
 * Written from the Intel SDM vol. 3, APIC chapter. Terms used below:
 * IRRV/ISRV the highest vector set in IRR/ISR; a vector's class is its
 * upper four bits, its priority. A fixed interrupt is taken when the class
 * of IRRV is above the processor priority (PPR), which is the higher of
 * the TPR and the class of ISRV. */
#include "devices/lapic.h"

#include <string.h>

#define NEVER UINT64_MAX
#define STATE_VERSION 1

enum {
  LVT_MODE_SHIFT = 8,
  LVT_POLARITY_LOW = 1u << 13,
  LVT_REMOTE_IRR = 1u << 14,
  LVT_LEVEL = 1u << 15,
  LVT_MASK = 1u << 16,
  LVT_PERIODIC = 1u << 17,
  SVR_ENABLE = 1u << 8,
  SVR_WRITABLE = 0x3FF, /* vector, enable, focus checking; no EOI suppression */
  ICR_LOGICAL = 1u << 11,
  ICR_WRITABLE = 0x000CCFFF, /* vector, mode, dest mode, level, trigger, shorthand */
  ESR_SEND_ILLEGAL = 1u << 5,
  ESR_RECV_ILLEGAL = 1u << 6,
  ESR_ILLEGAL_REG = 1u << 7,
};

/* Writable bits of each LVT entry: the timer has a mode bit and no
 * delivery mode, LINT0/1 add polarity and trigger mode, the error entry
 * only a vector and the mask. Delivery status (bit 12) is always idle:
 * delivery into IRR is immediate. */
static const uint32_t lvt_writable[LVT_COUNT] = {
  0x000300FF, 0x000107FF, 0x000107FF, 0x0001A7FF, 0x0001A7FF, 0x000100FF,
};

static bool hw_enabled(const Lapic *l) { return l->base_msr & LAPIC_MSR_ENABLE; }
static bool sw_enabled(const Lapic *l) { return hw_enabled(l) && (l->svr & SVR_ENABLE); }

static int highest(const uint32_t *bits) {
  for (int i = 7; i >= 0; i--)
    if (bits[i]) return i * 32 + 31 - __builtin_clz(bits[i]);
  return -1;
}

static bool bit_test(const uint32_t *bits, int v) { return bits[v >> 5] >> (v & 31) & 1; }
static void bit_set(uint32_t *bits, int v) { bits[v >> 5] |= 1u << (v & 31); }
static void bit_clear(uint32_t *bits, int v) { bits[v >> 5] &= ~(1u << (v & 31)); }

static uint32_t ppr(const Lapic *l) {
  int isrv = highest(l->isr);
  uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv >> 4;
  return (l->tpr >> 4) >= isr_class ? l->tpr : isr_class << 4;
}

/* The arbitration priority, by the SDM's formula (P6 lowest-priority
 * arbitration; with one CPU nothing depends on it). */
static uint32_t apr(const Lapic *l) {
  int isrv = highest(l->isr), irrv = highest(l->irr);
  uint32_t tp = l->tpr >> 4, is = isrv < 0 ? 0 : (uint32_t)isrv >> 4, ir = irrv < 0 ? 0 : (uint32_t)irrv >> 4;
  if (tp >= ir && tp > is) return l->tpr;
  uint32_t a = tp & is;
  return (a > ir ? a : ir) << 4;
}

/* The 8259's INT reaches the CPU through LINT0 (see lapic.h). */
static bool pic_through(const Lapic *l) {
  uint32_t lint0 = l->lvt[LVT_LINT0];
  return !sw_enabled(l) || (!(lint0 & LVT_MASK) && (lint0 >> LVT_MODE_SHIFT & 7) == APIC_DM_EXTINT);
}

static bool extint_wanted(const Lapic *l) { return l->extint || (pic_through(l) && l->lint[0]); }

/* The fixed interrupt the CPU would take now, or -1. */
static int deliverable(const Lapic *l) {
  int v = highest(l->irr);
  return v >= 0 && (uint32_t)v >> 4 > ppr(l) >> 4 ? v : -1;
}

static void update(Lapic *l) {
  bool intr = extint_wanted(l) || deliverable(l) >= 0;
  if (intr == l->intr) return;
  l->intr = intr;
  if (l->intr_changed) l->intr_changed(l->opaque, intr);
}

static void accept(Lapic *l, int vector, bool level);

/* An error is recorded for the next ESR write and signalled through the
 * error LVT entry. */
static void error(Lapic *l, uint32_t bit) {
  l->esr_pending |= bit;
  uint32_t e = l->lvt[LVT_ERROR];
  if (!(e & LVT_MASK) && (e & 0xFF) >= 16) accept(l, (int)(e & 0xFF), false);
}

/* A fixed interrupt enters IRR; TMR records its trigger mode for the EOI.
 * Vectors 0-15 are reserved for exceptions: an error instead. */
static void accept(Lapic *l, int vector, bool level) {
  if (vector < 16) {
    error(l, ESR_RECV_ILLEGAL);
    return;
  }
  bit_set(l->irr, vector);
  if (level) bit_set(l->tmr, vector);
  else bit_clear(l->tmr, vector);
}

/* A message in the given delivery mode arrives (I/O APIC, IPI). A
 * software-disabled APIC takes only NMI, SMI, INIT and start-up, which
 * this CPU has no input for. */
static bool receive(Lapic *l, int mode, int vector, bool level) {
  if (!sw_enabled(l)) return mode != APIC_DM_FIXED && mode != APIC_DM_LOWEST && mode != APIC_DM_EXTINT;
  if (mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) accept(l, vector, level);
  else if (mode == APIC_DM_EXTINT) l->extint = true;
  return true;
}

static bool matches(const Lapic *l, uint8_t dest, bool logical) {
  if (dest == 0xFF) return true; /* broadcast, in either model */
  if (!logical) return dest == l->id >> 24;
  uint8_t ld = (uint8_t)(l->ldr >> 24);
  if (l->dfr >> 28 == 0xF) return ld & dest;                  /* flat: a bit per APIC */
  return dest >> 4 == ld >> 4 && (dest & ld & 0xF);           /* cluster: id, then bits */
}

bool lapic_deliver(Lapic *l, uint8_t dest, bool logical, int mode, uint8_t vector, bool level) {
  if (!hw_enabled(l) || !matches(l, dest, logical)) return false;
  bool ok = receive(l, mode, vector, level);
  update(l);
  return ok;
}

/* --- LINT0/LINT1 ---------------------------------------------------------- */

static bool lint_asserted(const Lapic *l, int pin) {
  return l->lint[pin] != !!(l->lvt[LVT_LINT0 + pin] & LVT_POLARITY_LOW);
}

/* A LINT pin in fixed mode: an edge entry takes the rising edge, a level
 * entry takes the asserted level once, then holds off (remote IRR) until
 * the EOI of its vector. ExtINT is the pass-through of pic_through();
 * NMI, SMI and INIT have nowhere to go. */
static void lint_eval(Lapic *l, int pin, bool rising) {
  uint32_t *lvt = &l->lvt[LVT_LINT0 + pin];
  if (!sw_enabled(l) || (*lvt & LVT_MASK) || (*lvt >> LVT_MODE_SHIFT & 7) != APIC_DM_FIXED) return;
  if (*lvt & LVT_LEVEL) {
    if (lint_asserted(l, pin) && !(*lvt & LVT_REMOTE_IRR)) {
      *lvt |= LVT_REMOTE_IRR;
      accept(l, (int)(*lvt & 0xFF), true);
    }
  } else if (rising) {
    accept(l, (int)(*lvt & 0xFF), false);
  }
}

void lapic_set_lint(Lapic *l, int pin, bool level) {
  if (pin < 0 || pin > 1) return;
  bool was = lint_asserted(l, pin);
  l->lint[pin] = level;
  lint_eval(l, pin, !was && lint_asserted(l, pin));
  update(l);
}

/* --- Acknowledge and EOI ----------------------------------------------- */

bool lapic_intr(const Lapic *l) { return l->intr; }

int lapic_ack(Lapic *l) {
  int v = -1;
  if (!extint_wanted(l) && (v = deliverable(l)) >= 0) {
    bit_clear(l->irr, v);
    bit_set(l->isr, v);
  } else if (l->extint || pic_through(l)) {
    /* ExtINT bypasses IRR, ISR and the priorities: the 8259 answers. */
    l->extint = false;
    v = l->extint_ack ? l->extint_ack(l->opaque) : (int)(l->svr & 0xFF);
  } else {
    v = (int)(l->svr & 0xFF); /* the request went away: spurious, no ISR bit */
  }
  update(l);
  return v;
}

/* EOI: the highest vector in service is done. A level-triggered one
 * (TMR) frees the LINT entry or I/O APIC pin that sent it. */
static void eoi(Lapic *l) {
  int v = highest(l->isr);
  if (v < 0) return;
  bit_clear(l->isr, v);
  if (!bit_test(l->tmr, v)) return;
  for (int pin = 0; pin < 2; pin++) {
    uint32_t *lvt = &l->lvt[LVT_LINT0 + pin];
    if ((*lvt & LVT_REMOTE_IRR) && (*lvt & 0xFF) == (uint32_t)v) {
      *lvt &= ~LVT_REMOTE_IRR;
      lint_eval(l, pin, false);
    }
  }
  if (l->eoi) l->eoi(l->opaque, (uint8_t)v);
}

/* --- Interprocessor interrupts ------------------------------------------ */

/* A write of ICR low sends. Only this CPU exists, so only what reaches
 * itself has an effect; the send is complete at once (delivery status
 * stays idle). */
static void send_ipi(Lapic *l) {
  uint32_t lo = l->icr_lo;
  int mode = (int)(lo >> LVT_MODE_SHIFT & 7), vector = (int)(lo & 0xFF);
  bool self;
  switch (lo >> 18 & 3) {
  case 0: self = matches(l, (uint8_t)(l->icr_hi >> 24), lo & ICR_LOGICAL); break;
  case 1: /* self */
  case 2: self = true; break; /* all including self */
  default: self = false; break; /* all excluding self */
  }
  if ((mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) && vector < 16) {
    error(l, ESR_SEND_ILLEGAL);
    return;
  }
  /* ExtINT and INIT level de-assert are not things an IPI carries. */
  if (self && mode != APIC_DM_EXTINT) receive(l, mode, vector, false);
}

/* --- Timer -------------------------------------------------------------- */

static uint64_t now(Lapic *l) {
  if (l->now) {
    uint64_t t = l->now(l->opaque);
    if (t > l->last_now) l->last_now = t;
  }
  return l->last_now;
}

/* Divide configuration bits 3,1:0: 000 = 2, 001 = 4, ... 110 = 128, 111 = 1. */
static uint32_t timer_divisor(const Lapic *l) {
  uint32_t code = (l->timer_dcr & 3) | (l->timer_dcr >> 1 & 4);
  return 1u << ((code + 1) & 7);
}

/* Fire if the count has reached 0 by virtual time t; a periodic timer
 * reloads (expiries missed in between merge into one IRR bit). */
static void timer_catch_up(Lapic *l, uint64_t t) {
  if (t < l->timer_deadline) return;
  uint32_t lvt = l->lvt[LVT_TIMER];
  if (!(lvt & LVT_MASK)) accept(l, (int)(lvt & 0xFF), false);
  if (lvt & LVT_PERIODIC) {
    uint64_t period = (uint64_t)l->timer_initial * timer_divisor(l);
    l->timer_deadline += period * ((t - l->timer_deadline) / period + 1);
  } else {
    l->timer_deadline = NEVER;
  }
  update(l);
}

/* Current count: the ticks left until the deadline. */
static uint32_t timer_current(Lapic *l, uint64_t t) {
  timer_catch_up(l, t);
  if (l->timer_deadline == NEVER) return 0;
  uint32_t div = timer_divisor(l);
  return (uint32_t)((l->timer_deadline - t + div - 1) / div);
}

static void timer_resched(Lapic *l) {
  if (l->resched) l->resched(l->opaque);
}

static void timer_start(Lapic *l, uint32_t count) {
  l->timer_initial = count;
  l->timer_deadline = count ? now(l) + (uint64_t)count * timer_divisor(l) : NEVER;
  timer_resched(l);
}

/* A new divisor applies to the ticks still to count. */
static void timer_set_divide(Lapic *l, uint32_t dcr) {
  uint64_t t = now(l);
  uint32_t left = timer_current(l, t);
  l->timer_dcr = dcr & 0xB;
  if (l->timer_deadline != NEVER) {
    l->timer_deadline = t + (uint64_t)left * timer_divisor(l);
    timer_resched(l);
  }
}

static uint64_t lapic_timer(Device *d, uint64_t now_ns) {
  Lapic *l = (Lapic *)d;
  if (now_ns > l->last_now) l->last_now = now_ns;
  timer_catch_up(l, l->last_now);
  return l->timer_deadline;
}

/* --- Registers ---------------------------------------------------------- */

static uint32_t read_reg(Lapic *l, uint32_t off) {
  switch (off) {
  case 0x020: return l->id;
  case 0x030: return LAPIC_VERSION;
  case 0x080: return l->tpr;
  case 0x090: return apr(l);
  case 0x0A0: return ppr(l);
  case 0x0B0: return 0; /* EOI: write-only */
  case 0x0C0: return 0; /* remote read: never used, always invalid */
  case 0x0D0: return l->ldr;
  case 0x0E0: return l->dfr;
  case 0x0F0: return l->svr;
  case 0x280: return l->esr;
  case 0x300: return l->icr_lo;
  case 0x310: return l->icr_hi;
  case 0x380: return l->timer_initial;
  case 0x390: return timer_current(l, now(l));
  case 0x3E0: return l->timer_dcr;
  }
  if (off >= 0x100 && off < 0x180) return l->isr[(off - 0x100) >> 4];
  if (off >= 0x180 && off < 0x200) return l->tmr[(off - 0x180) >> 4];
  if (off >= 0x200 && off < 0x280) return l->irr[(off - 0x200) >> 4];
  if (off >= 0x320 && off < 0x380) return l->lvt[(off - 0x320) >> 4];
  error(l, ESR_ILLEGAL_REG);
  return 0;
}

static void write_svr(Lapic *l, uint32_t v) {
  l->svr = v & SVR_WRITABLE;
  /* Software-disabled: every LVT entry masked, and it stays so. */
  if (!(l->svr & SVR_ENABLE))
    for (int i = 0; i < LVT_COUNT; i++) l->lvt[i] |= LVT_MASK;
}

static void write_lvt(Lapic *l, int i, uint32_t v) {
  uint32_t nv = v & lvt_writable[i];
  if (!sw_enabled(l)) nv |= LVT_MASK;
  if (i == LVT_LINT0 || i == LVT_LINT1) {
    if (nv & LVT_LEVEL) nv |= l->lvt[i] & LVT_REMOTE_IRR; /* remote IRR is level-only */
    l->lvt[i] = nv;
    lint_eval(l, i - LVT_LINT0, false);
  } else {
    l->lvt[i] = nv;
  }
}

static void write_reg(Lapic *l, uint32_t off, uint32_t v) {
  switch (off) {
  case 0x020: l->id = v & 0xFF000000u; return;
  case 0x080: l->tpr = v & 0xFF; return;
  case 0x0B0: eoi(l); return;
  case 0x0D0: l->ldr = v & 0xFF000000u; return;
  case 0x0E0: l->dfr = v | 0x0FFFFFFFu; return;
  case 0x0F0: write_svr(l, v); return;
  case 0x280: /* latch the errors seen since the last write */
    l->esr = l->esr_pending;
    l->esr_pending = 0;
    return;
  case 0x300:
    l->icr_lo = v & ICR_WRITABLE;
    send_ipi(l);
    return;
  case 0x310: l->icr_hi = v & 0xFF000000u; return;
  case 0x380: timer_start(l, v); return;
  case 0x3E0: timer_set_divide(l, v); return;
  /* Read-only: version, APR, PPR, remote read, current count. */
  case 0x030: case 0x090: case 0x0A0: case 0x0C0: case 0x390: return;
  }
  if (off >= 0x100 && off < 0x280) return; /* ISR, TMR, IRR: read-only */
  if (off >= 0x320 && off < 0x380) {
    write_lvt(l, (int)(off - 0x320) >> 4, v);
    return;
  }
  error(l, ESR_ILLEGAL_REG);
}

/* Registers are the first dword of each 16-byte slot. */
static uint32_t lapic_mmio_read(void *opaque, uint32_t addr, int size) {
  Lapic *l = opaque;
  uint32_t off = addr & 0xFFF;
  if (off & 0xC) return 0;
  uint32_t v = read_reg(l, off & 0xFF0) >> (8 * (off & 3));
  update(l);
  return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void lapic_mmio_write(void *opaque, uint32_t addr, int size, uint32_t value) {
  Lapic *l = opaque;
  uint32_t off = addr & 0xFFF;
  if (size != 4 || (off & 0xF)) return;
  write_reg(l, off, value);
  update(l);
}

static const MmioOps lapic_mmio_ops = {lapic_mmio_read, lapic_mmio_write, "lapic"};

/* --- Base address, reset, state ----------------------------------------- */

/* Map the page where IA32_APIC_BASE says, while globally enabled. */
static void remap(Lapic *l) {
  uint32_t want = LAPIC_UNMAPPED;
  if (hw_enabled(l) && !(l->base_msr >> 32)) want = (uint32_t)l->base_msr & ~(PAGE_SIZE - 1);
  if (want == l->mapped || !l->mem) return;
  if (l->mapped != LAPIC_UNMAPPED) {
    phys_unmap(l->mem, l->mapped, PAGE_SIZE);
    if (l->mapped < l->mem->ram_size)
      phys_map_host(l->mem, l->mapped, PAGE_SIZE, l->mem->ram + l->mapped, false);
  }
  l->mapped = want;
  if (want != LAPIC_UNMAPPED) phys_map_mmio(l->mem, want, PAGE_SIZE, &lapic_mmio_ops, l);
  if (l->map_changed) l->map_changed(l->opaque);
}

/* Every register to its power-on value (the LINT inputs are wires driven
 * from outside and keep their levels). */
static void regs_reset(Lapic *l) {
  l->id = l->tpr = l->ldr = 0;
  l->dfr = 0xFFFFFFFFu;
  l->svr = 0xFF;
  l->esr = l->esr_pending = l->icr_lo = l->icr_hi = 0;
  for (int i = 0; i < LVT_COUNT; i++) l->lvt[i] = LVT_MASK;
  memset(l->irr, 0, sizeof l->irr);
  memset(l->isr, 0, sizeof l->isr);
  memset(l->tmr, 0, sizeof l->tmr);
  l->timer_initial = l->timer_dcr = 0;
  l->timer_deadline = NEVER;
  l->extint = false;
}

uint64_t lapic_base_msr(const Lapic *l) { return l->base_msr; }

bool lapic_set_base_msr(Lapic *l, uint64_t value) {
  /* Base bits 35:12 (a 36-bit physical address), BSP, enable. */
  if (value & ~(0xFFFFFF000ull | LAPIC_MSR_BSP | LAPIC_MSR_ENABLE)) return false;
  bool was = hw_enabled(l);
  l->base_msr = (value & ~(uint64_t)LAPIC_MSR_BSP) | (l->base_msr & LAPIC_MSR_BSP);
  if (was && !hw_enabled(l)) regs_reset(l);
  remap(l);
  update(l);
  return true;
}

static void lapic_reset(Device *d) {
  Lapic *l = (Lapic *)d;
  l->base_msr = LAPIC_DEFAULT_BASE | LAPIC_MSR_BSP | LAPIC_MSR_ENABLE;
  regs_reset(l);
  remap(l);
  update(l);
}

static void lapic_save(Device *d, StateBuf *s) {
  Lapic *l = (Lapic *)d;
  uint8_t b[4] = {STATE_VERSION, l->lint[0], l->lint[1], l->extint};
  uint64_t q[2] = {l->base_msr, l->timer_deadline};
  uint32_t w[] = {l->id, l->tpr, l->ldr, l->dfr, l->svr, l->esr, l->esr_pending,
                  l->icr_lo, l->icr_hi, l->timer_initial, l->timer_dcr};
  state_put(s, b, sizeof b);
  state_put(s, q, sizeof q);
  state_put(s, w, sizeof w);
  state_put(s, l->lvt, sizeof l->lvt);
  state_put(s, l->irr, sizeof l->irr);
  state_put(s, l->isr, sizeof l->isr);
  state_put(s, l->tmr, sizeof l->tmr);
}

static void lapic_load(Device *d, StateBuf *s) {
  Lapic *l = (Lapic *)d;
  uint8_t b[4];
  uint64_t q[2];
  uint32_t w[11];
  state_get(s, b, sizeof b);
  if (b[0] != STATE_VERSION) {
    s->error = true;
    return;
  }
  state_get(s, q, sizeof q);
  state_get(s, w, sizeof w);
  state_get(s, l->lvt, sizeof l->lvt);
  state_get(s, l->irr, sizeof l->irr);
  state_get(s, l->isr, sizeof l->isr);
  state_get(s, l->tmr, sizeof l->tmr);
  if (s->error || (q[0] & ~(0xFFFFFF000ull | LAPIC_MSR_BSP | LAPIC_MSR_ENABLE))) {
    s->error = true;
    lapic_reset(d);
    return;
  }
  l->lint[0] = b[1] & 1;
  l->lint[1] = b[2] & 1;
  l->extint = b[3] & 1;
  l->base_msr = q[0];
  l->timer_deadline = q[1];
  l->id = w[0] & 0xFF000000u;
  l->tpr = w[1] & 0xFF;
  l->ldr = w[2] & 0xFF000000u;
  l->dfr = w[3] | 0x0FFFFFFFu;
  l->svr = w[4] & SVR_WRITABLE;
  l->esr = w[5] & 0xFF;
  l->esr_pending = w[6] & 0xFF;
  l->icr_lo = w[7] & ICR_WRITABLE;
  l->icr_hi = w[8] & 0xFF000000u;
  l->timer_initial = w[9];
  l->timer_dcr = w[10] & 0xB;
  for (int i = 0; i < LVT_COUNT; i++) l->lvt[i] &= lvt_writable[i] | LVT_REMOTE_IRR;
  if (!l->timer_initial) l->timer_deadline = NEVER;
  remap(l);
  update(l);
  timer_resched(l);
}

void lapic_init(Lapic *l, PhysMem *mem) {
  *l = (Lapic){.dev = {.name = "lapic", .reset = lapic_reset, .save = lapic_save, .load = lapic_load,
                       .timer = lapic_timer},
               .mapped = LAPIC_UNMAPPED, .mem = mem};
  lapic_reset(&l->dev);
}
