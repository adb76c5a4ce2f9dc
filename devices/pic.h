/* The PC/AT interrupt controller: two Intel 8259A PICs, the slave's INT
 * output wired to the master's IR2, plus the edge/level control registers
 * (ELCR) that PCI-era chipsets put at 0x4D0/0x4D1.
 *
 *   ports 0x20/0x21  master   (IRQ 0-7)
 *   ports 0xA0/0xA1  slave    (IRQ 8-15)
 *   ports 0x4D0/0x4D1 ELCR    (bit n = 1: IRQ n is level triggered)
 *
 * Devices drive request lines with pic_set_irq() (or through the
 * pic_irq_callback() adapter they are handed as set_irq). The CPU side
 * sees only the master's INT output (pic_intr) and performs the two INTA
 * cycles with pic_ack, which returns the vector. The PIC never calls the
 * CPU; it only tells its creator when INT changes (intr_changed), so a
 * halted CPU can be woken without polling. */
#ifndef HOLO86_PIC_H
#define HOLO86_PIC_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"
#include "devices/iobus.h"

/* One 8259A. Fields are the chip's registers and latches; all of it is
 * device state (saved by pic save/load). */
typedef struct PicChip {
  uint8_t irr;        /* interrupt request register */
  uint8_t isr;        /* in-service register */
  uint8_t imr;        /* interrupt mask register (OCW1) */
  uint8_t lines;      /* current level of the IR inputs */
  uint8_t elcr;       /* level-triggered inputs (ELCR) */
  uint8_t base;       /* ICW2: vector of IR0 (low 3 bits zero) */
  uint8_t icw3;       /* master: inputs with a slave; slave: its id */
  uint8_t lowest;     /* IR with the lowest priority (rotation state) */
  uint8_t init_step;  /* 0 operational, else the next ICW expected (2..4) */
  bool icw4_needed;   /* ICW1 IC4 */
  bool single;        /* ICW1 SNGL: no cascade, so no ICW3 */
  bool ltim;          /* ICW1 LTIM: every input level triggered */
  bool auto_eoi;      /* ICW4 AEOI */
  bool sfnm;          /* ICW4 special fully nested mode */
  bool rotate_aeoi;   /* OCW2 "rotate in automatic EOI mode" */
  bool special_mask;  /* OCW3 special mask mode */
  bool read_isr;      /* OCW3 RIS: a read at the even port returns ISR */
  bool poll;          /* OCW3 P: the next even-port read is a poll */
} PicChip;

typedef struct Pic {
  Device dev;
  PicChip chip[2]; /* [0] master, [1] slave */
  bool intr;       /* last reported INT level */
  /* Optional: told when the master's INT output changes level. */
  void (*intr_changed)(void *opaque, bool level);
  void *opaque;
} Pic;

/* Power-on state, ports registered on bus (0x20-0x21, 0xA0-0xA1,
 * 0x4D0-0x4D1). */
void pic_init(Pic *p, IoBus *bus);

/* Drive IRQ line irq (0..15) to level (0 or 1). Edge-triggered inputs
 * request on a rising edge and drop the request when the line falls before
 * it is acknowledged (which makes a spurious IRQ7/IRQ15). */
void pic_set_irq(Pic *p, int irq, int level);
/* The same with the signature devices take as their set_irq hook; opaque
 * is the Pic. */
void pic_irq_callback(void *opaque, int irq, int level);

/* Level of the INTR line to the CPU. */
bool pic_intr(Pic *p);
/* The INTA cycles: returns the vector the PIC puts on the bus and updates
 * ISR/IRR. If the request vanished, returns the spurious vector (IR7 of
 * the chip concerned). */
int pic_ack(Pic *p);

#endif
