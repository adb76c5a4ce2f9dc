/* The 8042 keyboard controller of the PC/AT and PS/2, with a PS/2
 * keyboard on its first port and a PS/2 mouse (IntelliMouse wheel) on the
 * auxiliary port.
 *
 *   port 0x60  read: output buffer; write: data (to the keyboard, or the
 *              parameter of a controller command)
 *   port 0x64  read: status; write: controller command
 *
 * Status: OBF(0) IBF(1, always 0: commands complete at once) SYS(2)
 * A2(3: last write was a command) INH(4: 1 = keyboard not inhibited)
 * AUXB(5: the output buffer holds mouse data).
 * Command byte (0x20 reads, 0x60 writes): INT(0) IRQ1 on keyboard data,
 * INT2(1) IRQ12 on mouse data, SYS(2), EN(4: 1 disables the keyboard
 * interface), EN2(5: 1 disables the mouse interface), XLAT(6: translate
 * keyboard scancode set 2 into set 1).
 * Commands: 0x20-0x3F/0x60-0x7F read/write controller RAM (0 = command
 * byte), 0xA4 password test (0xF1: none), 0xA7/0xA8 mouse interface
 * off/on, 0xA9/0xAB interface tests (0x00: ok), 0xAA self-test (0x55),
 * 0xAD/0xAE keyboard interface off/on, 0xC0 input port, 0xD0/0xD1 read
 * and write the output port (bit 0: 0 resets the system, bit 1: A20),
 * 0xD2/0xD3 put a byte in the output buffer as if from the keyboard or
 * mouse, 0xD4 send the next data byte to the mouse, 0xDD/0xDF A20 off/on,
 * 0xE0 test inputs, 0xF0-0xFF pulse output port bits (0xFE: reset).
 *
 * The output buffer holds one byte; bytes the devices send wait in their
 * queues while it is full or their interface is disabled, and replies of
 * the controller itself go first. IRQ1/IRQ12 follow the output buffer
 * (high while a byte of that source waits and its INT bit is set), so the
 * PIC sees an edge for every byte.
 *
 * Keyboard commands: 0xED LEDs, 0xEE echo, 0xF0 get/set scancode set,
 * 0xF2 identify (0xAB 0x83), 0xF3 typematic, 0xF4/0xF5 enable/disable,
 * 0xF6 defaults, 0xF7-0xFD (set 3 key types: acknowledged), 0xFE resend,
 * 0xFF reset (0xFA 0xAA). Key events come from the frontend as set 2 byte
 * sequences (kbd_key); the keyboard converts them when set 1 is selected
 * (set 3 is acknowledged but keys stay set 2).
 *
 * Mouse commands: 0xE6/0xE7 scaling, 0xE8 resolution, 0xE9 status,
 * 0xEA stream mode, 0xEB read data, 0xEC/0xEE wrap mode off/on, 0xF0
 * remote mode, 0xF2 identify (0x00, or 0x03 after setting the sample rate
 * to 200, 100, 80), 0xF3 sample rate, 0xF4/0xF5 enable/disable, 0xF6
 * defaults, 0xFE resend, 0xFF reset (0xFA 0xAA 0x00). */
#ifndef HOLO86_KBC_H
#define HOLO86_KBC_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"
#include "devices/iobus.h"

#define KBC_IRQ_KBD 1
#define KBC_IRQ_MOUSE 12
#define KBC_QUEUE_SIZE 64

enum { MOUSE_LEFT = 1, MOUSE_RIGHT = 2, MOUSE_MIDDLE = 4 };

typedef struct KbcQueue {
  uint8_t data[KBC_QUEUE_SIZE];
  uint8_t head, count;
} KbcQueue;

typedef struct Ps2Kbd {
  KbcQueue q;
  uint8_t pending;   /* command waiting for its parameter, or 0 */
  uint8_t set;       /* scancode set 1..3 */
  uint8_t leds;
  uint8_t typematic;
  bool scanning;
  bool set1_f0;      /* set 1 conversion: a break prefix was seen */
  uint8_t last;      /* last byte sent, for 0xFE */
} Ps2Kbd;

typedef struct Ps2Mouse {
  KbcQueue q;
  uint8_t pending;   /* command waiting for its parameter, or 0 */
  uint8_t rate;      /* samples per second */
  uint8_t resolution;
  uint8_t id;        /* 0, or 3 once the wheel is unlocked */
  uint8_t rates[3];  /* last three sample rates set, oldest first */
  bool scaling21;
  bool enabled;      /* data reporting */
  bool remote;
  bool wrap;
  bool dirty;        /* a button changed: a packet is due */
  int dx, dy, dz;    /* motion not yet reported (dy positive = up) */
  uint8_t buttons;   /* MOUSE_* */
  uint8_t last;
} Ps2Mouse;

typedef struct Kbc {
  Device dev;
  uint8_t status;     /* SYS and A2; the other bits are computed */
  uint8_t ram[32];    /* ram[0] is the command byte */
  uint8_t outport;
  uint8_t obuf;
  bool obf, obf_aux;
  uint8_t pending;    /* controller command waiting for a data byte */
  uint8_t ctl_data[4], ctl_aux[4], ctl_count; /* controller replies */
  bool xlat_f0;       /* translation: a break prefix was swallowed */
  bool irq1, irq12;   /* levels driven */
  Ps2Kbd kbd;
  Ps2Mouse mouse;
  /* Wiring (all optional; set after kbc_init). */
  void (*set_irq)(void *opaque, int irq, int level);
  void (*set_a20)(void *opaque, bool enabled); /* output port bit 1 changed */
  void (*reset)(void *opaque);                 /* the controller pulsed RESET */
  void *opaque;
} Kbc;

void kbc_init(Kbc *k, IoBus *io);
/* The A20 gate the output port asks for (bit 1). */
bool kbc_a20(const Kbc *k);

/* Frontend input. kbd_key: the set 2 bytes of one key event (make, or
 * 0xF0-prefixed break, with 0xE0/0xE1 prefixes); dropped when the keyboard
 * is not scanning or its queue is full. mouse_event: relative motion
 * (dx right, dy down, as host windowing systems report it; dz wheel, down
 * positive) and the buttons now held (MOUSE_*). */
void kbd_key(Kbc *k, const uint8_t *bytes, int n);
void mouse_event(Kbc *k, int dx, int dy, int dz, int buttons);

/* Scancode set 2 to set 1, as the 8042 translates (codes with no key in
 * set 2 are passed through unchanged). */
uint8_t kbc_translate(uint8_t set2);

#endif
