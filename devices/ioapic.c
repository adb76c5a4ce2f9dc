/* 82093AA I/O APIC; see ioapic.h. Written from the Intel 82093AA
 * datasheet. */
#include "devices/ioapic.h"

#define STATE_VERSION 1

enum {
  RTE_MODE_SHIFT = 8,
  RTE_LOGICAL = 1u << 11,
  RTE_PENDING = 1u << 12,     /* delivery status */
  RTE_POLARITY_LOW = 1u << 13,
  RTE_REMOTE_IRR = 1u << 14,
  RTE_LEVEL = 1u << 15,
  RTE_MASK = 1u << 16,
  /* Vector, delivery mode, destination mode, polarity, trigger, mask; the
   * destination is bits 63:56. */
  RTE_WRITABLE_LO = 0x1AFFF,
};
#define RTE_WRITABLE (0xFF00000000000000ull | RTE_WRITABLE_LO)

static bool asserted(const IoApic *a, int pin) {
  return (a->lines >> pin & 1) != !!(a->rte[pin] & RTE_POLARITY_LOW);
}

/* Level-triggered fixed or lowest-priority pins use remote IRR; other
 * delivery modes have no EOI and behave as edge pins. */
static bool uses_eoi(uint64_t rte) {
  int mode = (int)(rte >> RTE_MODE_SHIFT & 7);
  return (rte & RTE_LEVEL) && (mode == 0 || mode == 1);
}

static bool send(IoApic *a, int pin) {
  uint64_t r = a->rte[pin];
  return a->deliver && a->deliver(a->opaque, (uint8_t)(r >> 56), r & RTE_LOGICAL,
                                  (int)(r >> RTE_MODE_SHIFT & 7), (uint8_t)r, r & RTE_LEVEL);
}

/* A level pin sends while asserted, unmasked and not already in service. */
static void level_eval(IoApic *a, int pin) {
  uint64_t *r = &a->rte[pin];
  if (!uses_eoi(*r) || (*r & (RTE_MASK | RTE_REMOTE_IRR)) || !asserted(a, pin)) return;
  if (send(a, pin)) *r |= RTE_REMOTE_IRR;
}

void ioapic_set_irq(IoApic *a, int pin, int level) {
  if (pin < 0 || pin >= IOAPIC_PINS) return;
  bool was = asserted(a, pin);
  if (level) a->lines |= 1u << pin;
  else a->lines &= ~(1u << pin);
  if (uses_eoi(a->rte[pin])) level_eval(a, pin);
  else if (!was && asserted(a, pin) && !(a->rte[pin] & RTE_MASK)) send(a, pin);
}

void ioapic_eoi(IoApic *a, uint8_t vector) {
  for (int pin = 0; pin < IOAPIC_PINS; pin++) {
    uint64_t *r = &a->rte[pin];
    if ((*r & RTE_REMOTE_IRR) && (uint8_t)*r == vector) {
      *r &= ~(uint64_t)RTE_REMOTE_IRR;
      level_eval(a, pin);
    }
  }
}

static uint32_t read_reg(IoApic *a, uint8_t reg) {
  if (reg == 0x00 || reg == 0x02) return (uint32_t)a->id << 24; /* arbitration ID follows the ID */
  if (reg == 0x01) return IOAPIC_VERSION;
  if (reg < 0x10 || reg >= 0x10 + 2 * IOAPIC_PINS) return 0;
  int pin = (reg - 0x10) / 2;
  uint64_t r = a->rte[pin];
  if (uses_eoi(r) && !(r & (RTE_MASK | RTE_REMOTE_IRR)) && asserted(a, pin)) r |= RTE_PENDING;
  return reg & 1 ? (uint32_t)(r >> 32) : (uint32_t)r;
}

static void write_reg(IoApic *a, uint8_t reg, uint32_t v) {
  if (reg == 0x00) {
    a->id = (uint8_t)(v >> 24 & 0xF);
    return;
  }
  if (reg < 0x10 || reg >= 0x10 + 2 * IOAPIC_PINS) return; /* version, arbitration: read-only */
  int pin = (reg - 0x10) / 2;
  uint64_t *r = &a->rte[pin];
  uint64_t keep = *r & RTE_REMOTE_IRR;
  if (reg & 1) *r = (*r & 0xFFFFFFFFull) | ((uint64_t)v << 32);
  else *r = (*r & ~0xFFFFFFFFull) | v;
  *r = (*r & RTE_WRITABLE) | keep;
  if (!(*r & RTE_LEVEL)) *r &= ~(uint64_t)RTE_REMOTE_IRR;
  level_eval(a, pin);
}

static uint32_t ioapic_mmio_read(void *opaque, uint32_t addr, int size) {
  IoApic *a = opaque;
  uint32_t off = addr & 0xFFF, v;
  if (off < 0x04) v = a->sel;
  else if (off >= 0x10 && off < 0x14) v = read_reg(a, a->sel);
  else return 0;
  v >>= 8 * (off & 3);
  return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void ioapic_mmio_write(void *opaque, uint32_t addr, int size, uint32_t value) {
  IoApic *a = opaque;
  uint32_t off = addr & 0xFFF;
  if (off == 0x00) a->sel = (uint8_t)value; /* a byte or dword write */
  else if (off == 0x10 && size == 4) write_reg(a, a->sel, value);
}

static const MmioOps ioapic_mmio_ops = {ioapic_mmio_read, ioapic_mmio_write, "ioapic"};

/* Every pin masked; the ID is 0. Input levels are wires driven from
 * outside and stay. */
static void ioapic_reset(Device *d) {
  IoApic *a = (IoApic *)d;
  a->sel = 0;
  a->id = 0;
  for (int i = 0; i < IOAPIC_PINS; i++) a->rte[i] = RTE_MASK;
}

static void ioapic_save(Device *d, StateBuf *s) {
  IoApic *a = (IoApic *)d;
  uint8_t b[3] = {STATE_VERSION, a->sel, a->id};
  state_put(s, b, sizeof b);
  state_put(s, &a->lines, sizeof a->lines);
  state_put(s, a->rte, sizeof a->rte);
}

static void ioapic_load(Device *d, StateBuf *s) {
  IoApic *a = (IoApic *)d;
  uint8_t b[3];
  state_get(s, b, sizeof b);
  if (b[0] != STATE_VERSION) {
    s->error = true;
    return;
  }
  a->sel = b[1];
  a->id = b[2] & 0xF;
  state_get(s, &a->lines, sizeof a->lines);
  state_get(s, a->rte, sizeof a->rte);
  a->lines &= (1u << IOAPIC_PINS) - 1;
  for (int i = 0; i < IOAPIC_PINS; i++) a->rte[i] &= RTE_WRITABLE | RTE_REMOTE_IRR;
}

void ioapic_init(IoApic *a, PhysMem *mem) {
  *a = (IoApic){.dev = {.name = "ioapic", .reset = ioapic_reset, .save = ioapic_save, .load = ioapic_load}};
  ioapic_reset(&a->dev);
  if (mem) phys_map_mmio(mem, IOAPIC_BASE, PAGE_SIZE, &ioapic_mmio_ops, a);
}
