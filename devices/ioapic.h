/* The I/O APIC: an Intel 82093AA at 0xFEC00000 with 24 interrupt pins,
 * as its datasheet describes it. Software reaches its registers through
 * two windows in the page:
 *
 *   0xFEC00000  IOREGSEL  index of the register IOWIN shows (8 bits)
 *   0xFEC00010  IOWIN     the register: 0x00 ID, 0x01 version
 *               (0x00170011: 24 pins, version 0x11), 0x02 arbitration
 *               ID, 0x10 + 2n / 0x11 + 2n low/high half of pin n's
 *               redirection entry
 *
 * A redirection entry says how a pin becomes a message to the local
 * APICs: vector, delivery mode, destination mode and destination,
 * polarity, trigger mode, mask. An edge pin sends one message per
 * rising edge of its (polarity-corrected) input while unmasked; a level
 * pin sends while asserted, then holds off (remote IRR) until a local
 * APIC's EOI names its vector. Masked pins send nothing; a level pin
 * unmasked while asserted sends then. Writing an entry as edge-triggered
 * clears its remote IRR (what OSes do to recover a stuck pin on this
 * version, which has no EOI register).
 *
 * Messages go out through the deliver hook (to the local APIC); the
 * local APIC's EOI of a level-triggered vector comes back through
 * ioapic_eoi. Delivery status reads 1 for a level pin that is asserted
 * and unmasked but whose message no APIC accepted. */
#ifndef HOLO86_IOAPIC_H
#define HOLO86_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"
#include "mmu/physmem.h"

#define IOAPIC_BASE 0xFEC00000u
#define IOAPIC_PINS 24
#define IOAPIC_VERSION 0x00170011u

typedef struct IoApic {
  Device dev;
  uint8_t sel;                 /* IOREGSEL */
  uint8_t id;                  /* ID register bits 27:24 */
  uint64_t rte[IOAPIC_PINS];   /* redirection entries */
  uint32_t lines;              /* input levels, bit per pin */
  /* To the local APICs: true if one accepted the message. */
  bool (*deliver)(void *opaque, uint8_t dest, bool logical, int mode, uint8_t vector, bool level);
  void *opaque;
} IoApic;

/* Power-on state (every pin masked), page mapped in mem. */
void ioapic_init(IoApic *a, PhysMem *mem);
/* Drive input pin (0..23) to level. */
void ioapic_set_irq(IoApic *a, int pin, int level);
/* A local APIC's EOI for a level-triggered vector. */
void ioapic_eoi(IoApic *a, uint8_t vector);

#endif
