/* Two cascaded 8259A interrupt controllers; see pic.h.
 *
 * Written from the Intel 8259A datasheet. Terms used below:
 *   IRR  requests waiting to be served, ISR  requests being served,
 *   IMR  masked inputs, "lowest" the input with the lowest priority; the
 *   others follow it in rotating order (lowest = 7 gives IR0 > IR1 > ...
 *   > IR7, the fully nested mode). Rotation only ever moves "lowest".
 * Only the 8086 mode (ICW4 uPM = 1) is emulated: the vector is
 * ICW2 & 0xF8 plus the input number. */
#include "devices/pic.h"

#include <string.h>

enum { PIC_MASTER = 0, PIC_SLAVE = 1, PIC_CASCADE_IR = 2 };

/* ELCR bits that exist: IRQ0-2, IRQ8 and IRQ13 are always edge triggered
 * on a PC (timer, keyboard, cascade, RTC, FPU error). */
#define PIC_ELCR_MASK_MASTER 0xF8
#define PIC_ELCR_MASK_SLAVE 0xDE

static bool pic_level_triggered(const PicChip *c, int ir) {
  return c->ltim || (c->elcr & (1u << ir));
}

/* Priority rank of input ir: 0 is the highest. */
static int pic_rank(const PicChip *c, int ir) { return (ir - c->lowest - 1) & 7; }

/* The input with the highest priority among the bits of mask, or -1. */
static int pic_highest(const PicChip *c, uint8_t mask) {
  for (int k = 0; k < 8; k++) {
    int ir = (c->lowest + 1 + k) & 7;
    if (mask & (1u << ir)) return ir;
  }
  return -1;
}

/* The input this chip would interrupt for now, or -1: the highest
 * unmasked request, if it outranks everything in service. */
static int pic_pending(const PicChip *c, bool master) {
  if (c->init_step) return -1; /* mid-initialisation: INT stays low */
  int ir = pic_highest(c, c->irr & ~c->imr);
  if (ir < 0) return -1;
  /* Special mask mode: a masked level in service no longer holds off
   * the others, which is what lets a handler enable lower priorities. */
  uint8_t in_service = c->special_mask ? (c->isr & ~c->imr) : c->isr;
  int is = pic_highest(c, in_service);
  if (is < 0 || pic_rank(c, ir) < pic_rank(c, is)) return ir;
  /* Special fully nested mode: a slave in service may interrupt again,
   * since its request can come from a higher input of that slave. */
  if (master && c->sfnm && ir == is && (c->icw3 & (1u << ir))) return ir;
  return -1;
}

/* An IR input changes level. An edge-triggered input requests on the
 * rising edge; either kind withdraws the request when the line falls
 * before the acknowledge (the datasheet's "default IR7" case). */
static void pic_chip_line(PicChip *c, int ir, int level) {
  uint8_t bit = (uint8_t)(1u << ir);
  if (level) {
    if (pic_level_triggered(c, ir) || !(c->lines & bit)) c->irr |= bit;
    c->lines |= bit;
  } else {
    c->lines &= (uint8_t)~bit;
    c->irr &= (uint8_t)~bit;
  }
}

/* The chip's part of an INTA sequence for input ir (or a poll read). */
static void pic_chip_ack(PicChip *c, int ir) {
  uint8_t bit = (uint8_t)(1u << ir);
  c->irr &= (uint8_t)~bit;
  /* A level input still high keeps requesting; ISR holds it off until
   * the EOI, after which it interrupts again. */
  if (pic_level_triggered(c, ir) && (c->lines & bit)) c->irr |= bit;
  if (c->auto_eoi) {
    if (c->rotate_aeoi) c->lowest = (uint8_t)ir;
  } else {
    c->isr |= bit;
  }
}

/* Propagate the slave's INT to master IR2 and report the master's INT. */
static void pic_update(Pic *p) {
  bool slave_int = pic_pending(&p->chip[PIC_SLAVE], false) >= 0;
  if (slave_int != !!(p->chip[PIC_MASTER].lines & (1u << PIC_CASCADE_IR)))
    pic_chip_line(&p->chip[PIC_MASTER], PIC_CASCADE_IR, slave_int);
  bool intr = pic_pending(&p->chip[PIC_MASTER], true) >= 0;
  if (intr != p->intr) {
    p->intr = intr;
    if (p->intr_changed) p->intr_changed(p->opaque, intr);
  }
}

void pic_set_irq(Pic *p, int irq, int level) {
  if (irq < 0 || irq > 15) return;
  pic_chip_line(&p->chip[irq >> 3], irq & 7, level != 0);
  pic_update(p);
}

void pic_irq_callback(void *opaque, int irq, int level) { pic_set_irq(opaque, irq, level); }

bool pic_intr(Pic *p) { return p->intr; }

int pic_ack(Pic *p) {
  PicChip *m = &p->chip[PIC_MASTER], *s = &p->chip[PIC_SLAVE];
  int vector;
  int ir = pic_pending(m, true);
  if (ir < 0) {
    /* The request went away between INT and INTA: the master answers
     * with IR7's vector and sets no ISR bit. */
    vector = m->base | 7;
  } else {
    pic_chip_ack(m, ir);
    if (!m->single && (m->icw3 & (1u << ir))) {
      int sir = pic_pending(s, false);
      if (sir < 0) {
        vector = s->base | 7; /* spurious IRQ15; master's ISR2 stays set */
      } else {
        pic_chip_ack(s, sir);
        vector = s->base + sir;
      }
      /* The slave's INT is sampled anew after its INTA: if it still has a
       * request (e.g. in auto-EOI mode) it is a fresh request for IR2. */
      if (pic_pending(s, false) >= 0) m->irr |= 1u << PIC_CASCADE_IR;
    } else {
      vector = m->base + ir;
    }
  }
  pic_update(p);
  return vector;
}

/* OCW2: end of interrupt, rotation and priority commands. */
static void pic_ocw2(PicChip *c, uint8_t v) {
  int level = v & 7;
  uint8_t in_service = c->special_mask ? (c->isr & ~c->imr) : c->isr;
  int ir;
  switch (v >> 5) {
  case 1: /* non-specific EOI */
  case 5: /* rotate on non-specific EOI */
    ir = pic_highest(c, in_service);
    if (ir >= 0) {
      c->isr &= (uint8_t)~(1u << ir);
      if (v >> 5 == 5) c->lowest = (uint8_t)ir;
    }
    break;
  case 3: /* specific EOI */
    c->isr &= (uint8_t)~(1u << level);
    break;
  case 7: /* rotate on specific EOI */
    c->isr &= (uint8_t)~(1u << level);
    c->lowest = (uint8_t)level;
    break;
  case 6: /* set priority */
    c->lowest = (uint8_t)level;
    break;
  case 4: c->rotate_aeoi = true; break;
  case 0: c->rotate_aeoi = false; break;
  default: break; /* 2: no operation */
  }
}

/* OCW3: special mask mode, poll, register select. */
static void pic_ocw3(PicChip *c, uint8_t v) {
  if (v & 0x40) c->special_mask = (v & 0x20) != 0; /* ESMM gates SMM */
  if (v & 0x04) c->poll = true;
  if (v & 0x02) c->read_isr = (v & 0x01) != 0; /* RR gates RIS */
}

/* ICW1 starts initialisation. The datasheet lists what it resets: IMR,
 * the edge-sense latches (an input already high must go low and high
 * again), special mask mode, the status read (back to IRR), priority
 * (IR7 lowest), and with IC4 = 0 every ICW4 function. ISR is cleared as
 * well so a re-initialised chip starts with nothing in service. */
static void pic_icw1(PicChip *c, uint8_t v) {
  c->init_step = 2;
  c->icw4_needed = (v & 0x01) != 0;
  c->single = (v & 0x02) != 0;
  c->ltim = (v & 0x08) != 0;
  c->imr = 0;
  c->isr = 0;
  c->irr = 0;
  for (int ir = 0; ir < 8; ir++)
    if (pic_level_triggered(c, ir) && (c->lines & (1u << ir))) c->irr |= (uint8_t)(1u << ir);
  c->lowest = 7;
  c->special_mask = false;
  c->read_isr = false;
  c->poll = false;
  c->rotate_aeoi = false;
  if (!c->icw4_needed) {
    c->auto_eoi = false;
    c->sfnm = false;
  }
}

/* Write to the odd port: the next ICW during initialisation, else IMR. */
static void pic_write_odd(PicChip *c, uint8_t v) {
  switch (c->init_step) {
  case 2:
    c->base = v & 0xF8;
    c->init_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
    break;
  case 3:
    c->icw3 = v;
    c->init_step = c->icw4_needed ? 4 : 0;
    break;
  case 4:
    c->auto_eoi = (v & 0x02) != 0;
    c->sfnm = (v & 0x10) != 0;
    c->init_step = 0;
    break;
  default:
    c->imr = v;
    break;
  }
}

/* A poll read: an interrupt acknowledge done by software. Returns
 * 0x80 | level when a request is pending, else 0. */
static uint8_t pic_poll(PicChip *c, bool master) {
  c->poll = false;
  int ir = pic_pending(c, master);
  if (ir < 0) return 0;
  pic_chip_ack(c, ir);
  return (uint8_t)(0x80 | ir);
}

static uint8_t pic_read_byte(Pic *p, uint16_t port) {
  switch (port) {
  case 0x4D0: return p->chip[PIC_MASTER].elcr;
  case 0x4D1: return p->chip[PIC_SLAVE].elcr;
  case 0x20: case 0x21: case 0xA0: case 0xA1: break;
  default: return 0xFF;
  }
  int which = port >= 0xA0;
  PicChip *c = &p->chip[which];
  uint8_t v;
  if (c->poll)
    v = pic_poll(c, which == PIC_MASTER);
  else if (port & 1)
    v = c->imr;
  else
    v = c->read_isr ? c->isr : c->irr;
  pic_update(p);
  return v;
}

static void pic_write_byte(Pic *p, uint16_t port, uint8_t v) {
  switch (port) {
  case 0x4D0:
  case 0x4D1: {
    PicChip *c = &p->chip[port & 1];
    c->elcr = v & (port & 1 ? PIC_ELCR_MASK_SLAVE : PIC_ELCR_MASK_MASTER);
    /* A line switched to level triggering requests if it is high now. */
    c->irr |= c->elcr & c->lines;
    break;
  }
  case 0x20: case 0x21: case 0xA0: case 0xA1: {
    PicChip *c = &p->chip[port >= 0xA0];
    if (port & 1)
      pic_write_odd(c, v);
    else if (v & 0x10)
      pic_icw1(c, v);
    else if (v & 0x08)
      pic_ocw3(c, v);
    else
      pic_ocw2(c, v);
    break;
  }
  default: return;
  }
  pic_update(p);
}

/* Wider accesses are split into byte accesses of consecutive ports. */
static uint32_t pic_io_in(void *opaque, uint16_t port, int size) {
  uint32_t v = 0;
  for (int i = 0; i < size; i++) v |= (uint32_t)pic_read_byte(opaque, (uint16_t)(port + i)) << (8 * i);
  return v;
}

static void pic_io_out(void *opaque, uint16_t port, int size, uint32_t value) {
  for (int i = 0; i < size; i++) pic_write_byte(opaque, (uint16_t)(port + i), (uint8_t)(value >> (8 * i)));
}

static const IoPortOps pic_ops = {pic_io_in, pic_io_out};

/* The 8259A has no defined power-on state; this one looks like a PC whose
 * BIOS has not run yet but is harmless: all inputs masked, the PC's usual
 * vector bases, master/slave wiring in place. The IR input levels are
 * the devices' outputs and survive. */
static void pic_reset(Device *d) {
  Pic *p = (Pic *)d;
  for (int i = 0; i < 2; i++) {
    PicChip *c = &p->chip[i];
    uint8_t lines = c->lines;
    memset(c, 0, sizeof *c);
    c->lines = lines;
    c->imr = 0xFF;
    c->lowest = 7;
  }
  p->chip[PIC_MASTER].base = 0x08;
  p->chip[PIC_MASTER].icw3 = 1u << PIC_CASCADE_IR;
  p->chip[PIC_SLAVE].base = 0x70;
  p->chip[PIC_SLAVE].icw3 = PIC_CASCADE_IR;
  pic_update(p);
}

#define PIC_STATE_VERSION 1

static void pic_save(Device *d, StateBuf *s) {
  Pic *p = (Pic *)d;
  uint8_t version = PIC_STATE_VERSION;
  state_put(s, &version, 1);
  for (int i = 0; i < 2; i++) {
    PicChip *c = &p->chip[i];
    uint8_t regs[9] = {c->irr, c->isr, c->imr, c->lines, c->elcr, c->base, c->icw3, c->lowest, c->init_step};
    uint8_t flags = (uint8_t)(c->icw4_needed | c->single << 1 | c->ltim << 2 | c->auto_eoi << 3 |
                              c->sfnm << 4 | c->rotate_aeoi << 5 | c->special_mask << 6 | c->read_isr << 7);
    uint8_t poll = c->poll;
    state_put(s, regs, sizeof regs);
    state_put(s, &flags, 1);
    state_put(s, &poll, 1);
  }
}

static void pic_load(Device *d, StateBuf *s) {
  Pic *p = (Pic *)d;
  uint8_t version;
  state_get(s, &version, 1);
  if (version != PIC_STATE_VERSION) {
    s->error = true;
    return;
  }
  for (int i = 0; i < 2; i++) {
    PicChip *c = &p->chip[i];
    uint8_t regs[9], flags, poll;
    state_get(s, regs, sizeof regs);
    state_get(s, &flags, 1);
    state_get(s, &poll, 1);
    *c = (PicChip){.irr = regs[0], .isr = regs[1], .imr = regs[2], .lines = regs[3], .elcr = regs[4],
                   .base = regs[5] & 0xF8, .icw3 = regs[6], .lowest = regs[7] & 7,
                   .init_step = regs[8] <= 4 ? regs[8] : 0,
                   .icw4_needed = flags & 1, .single = flags >> 1 & 1, .ltim = flags >> 2 & 1,
                   .auto_eoi = flags >> 3 & 1, .sfnm = flags >> 4 & 1, .rotate_aeoi = flags >> 5 & 1,
                   .special_mask = flags >> 6 & 1, .read_isr = flags >> 7 & 1, .poll = poll & 1};
  }
  pic_update(p);
}

void pic_init(Pic *p, IoBus *bus) {
  *p = (Pic){.dev = {.name = "pic", .reset = pic_reset, .save = pic_save, .load = pic_load}};
  pic_reset(&p->dev);
  iobus_register(bus, 0x20, 2, &pic_ops, p, "pic-master");
  iobus_register(bus, 0xA0, 2, &pic_ops, p, "pic-slave");
  iobus_register(bus, 0x4D0, 2, &pic_ops, p, "elcr");
}
