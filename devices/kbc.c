/* 8042 keyboard controller, PS/2 keyboard and mouse; see kbc.h. Written
 * from the 8042/PS/2 controller, keyboard and mouse protocol
 * descriptions (IBM PS/2 technical reference conventions). */
#include "devices/kbc.h"

#include <string.h>

enum {
  ST_OBF = 0x01,
  ST_SYS = 0x04,
  ST_A2 = 0x08,
  ST_UNLOCKED = 0x10,
  ST_AUX = 0x20,
  CB_INT = 0x01,
  CB_INT2 = 0x02,
  CB_SYS = 0x04,
  CB_KBD_OFF = 0x10,
  CB_AUX_OFF = 0x20,
  CB_XLAT = 0x40,
  OP_RESET = 0x01,
  OP_A20 = 0x02,
  ACK = 0xFA,
  RESEND = 0xFE,
  BAT_OK = 0xAA,
};

/* ---- scancode translation -------------------------------------------- */

/* Set 2 code -> set 1 code, for every key of a 102/104-key keyboard (the
 * extended keys use the same codes after 0xE0). */
static const uint8_t xlat_pairs[][2] = {
    {0x00, 0xFF}, {0x01, 0x43}, {0x02, 0x41}, {0x03, 0x3F}, {0x04, 0x3D}, {0x05, 0x3B},
    {0x06, 0x3C}, {0x07, 0x58}, {0x09, 0x44}, {0x0A, 0x42}, {0x0B, 0x40}, {0x0C, 0x3E},
    {0x0D, 0x0F}, {0x0E, 0x29}, {0x11, 0x38}, {0x12, 0x2A}, {0x14, 0x1D}, {0x15, 0x10},
    {0x16, 0x02}, {0x1A, 0x2C}, {0x1B, 0x1F}, {0x1C, 0x1E}, {0x1D, 0x11}, {0x1E, 0x03},
    {0x21, 0x2E}, {0x22, 0x2D}, {0x23, 0x20}, {0x24, 0x12}, {0x25, 0x05}, {0x26, 0x04},
    {0x29, 0x39}, {0x2A, 0x2F}, {0x2B, 0x21}, {0x2C, 0x14}, {0x2D, 0x13}, {0x2E, 0x06},
    {0x31, 0x31}, {0x32, 0x30}, {0x33, 0x23}, {0x34, 0x22}, {0x35, 0x15}, {0x36, 0x07},
    {0x3A, 0x32}, {0x3B, 0x24}, {0x3C, 0x16}, {0x3D, 0x08}, {0x3E, 0x09}, {0x41, 0x33},
    {0x42, 0x25}, {0x43, 0x17}, {0x44, 0x18}, {0x45, 0x0B}, {0x46, 0x0A}, {0x49, 0x34},
    {0x4A, 0x35}, {0x4B, 0x26}, {0x4C, 0x27}, {0x4D, 0x19}, {0x4E, 0x0C}, {0x52, 0x28},
    {0x54, 0x1A}, {0x55, 0x0D}, {0x58, 0x3A}, {0x59, 0x36}, {0x5A, 0x1C}, {0x5B, 0x1B},
    {0x5D, 0x2B}, {0x61, 0x56}, {0x66, 0x0E}, {0x69, 0x4F}, {0x6B, 0x4B}, {0x6C, 0x47},
    {0x70, 0x52}, {0x71, 0x53}, {0x72, 0x50}, {0x73, 0x4C}, {0x74, 0x4D}, {0x75, 0x48},
    {0x76, 0x01}, {0x77, 0x45}, {0x78, 0x57}, {0x79, 0x4E}, {0x7A, 0x51}, {0x7B, 0x4A},
    {0x7C, 0x37}, {0x7D, 0x49}, {0x7E, 0x46}, {0x83, 0x41}, {0x84, 0x54},
};

uint8_t kbc_translate(uint8_t set2) {
  for (size_t i = 0; i < sizeof xlat_pairs / sizeof xlat_pairs[0]; i++)
    if (xlat_pairs[i][0] == set2) return xlat_pairs[i][1];
  return set2;
}

/* One step of the set 2 -> set 1 conversion of a byte stream: returns
 * -1 when the byte is swallowed (a 0xF0 break prefix), else the byte. */
static int xlat_step(bool *f0, uint8_t b) {
  if (b == 0xF0) {
    *f0 = true;
    return -1;
  }
  uint8_t v = b < 0x80 || b == 0x83 || b == 0x84 ? kbc_translate(b) : b;
  if (*f0) v |= 0x80;
  *f0 = false;
  return v;
}

/* ---- queues ------------------------------------------------------------ */

static int q_room(const KbcQueue *q) { return KBC_QUEUE_SIZE - q->count; }

static bool q_push(KbcQueue *q, uint8_t b) {
  if (q->count == KBC_QUEUE_SIZE) return false;
  q->data[(q->head + q->count) % KBC_QUEUE_SIZE] = b;
  q->count++;
  return true;
}

static uint8_t q_pop(KbcQueue *q) {
  uint8_t b = q->data[q->head];
  q->head = (uint8_t)((q->head + 1) % KBC_QUEUE_SIZE);
  q->count--;
  return b;
}

static void q_clear(KbcQueue *q) { q->head = q->count = 0; }

/* ---- controller output --------------------------------------------------- */

static uint8_t cmd_byte(const Kbc *k) { return k->ram[0]; }

static void update_irq(Kbc *k) {
  bool i1 = k->obf && !k->obf_aux && (cmd_byte(k) & CB_INT);
  bool i12 = k->obf && k->obf_aux && (cmd_byte(k) & CB_INT2);
  if (i1 != k->irq1) {
    k->irq1 = i1;
    if (k->set_irq) k->set_irq(k->opaque, KBC_IRQ_KBD, i1);
  }
  if (i12 != k->irq12) {
    k->irq12 = i12;
    if (k->set_irq) k->set_irq(k->opaque, KBC_IRQ_MOUSE, i12);
  }
}

static void mouse_flush(Kbc *k);

/* Fill an empty output buffer from the controller's replies, then the
 * keyboard, then the mouse (each only while its interface is enabled). */
static void refill(Kbc *k) {
  while (!k->obf) {
    if (k->ctl_count) {
      k->obuf = k->ctl_data[0];
      k->obf_aux = k->ctl_aux[0];
      k->ctl_count--;
      memmove(k->ctl_data, k->ctl_data + 1, k->ctl_count);
      memmove(k->ctl_aux, k->ctl_aux + 1, k->ctl_count);
      k->obf = true;
    } else if (k->kbd.q.count && !(cmd_byte(k) & CB_KBD_OFF)) {
      uint8_t b = q_pop(&k->kbd.q);
      int v = b;
      if (cmd_byte(k) & CB_XLAT) v = xlat_step(&k->xlat_f0, b);
      if (v < 0) continue;
      k->obuf = (uint8_t)v;
      k->obf_aux = false;
      k->obf = true;
    } else if (k->mouse.q.count && !(cmd_byte(k) & CB_AUX_OFF)) {
      k->obuf = q_pop(&k->mouse.q);
      k->obf_aux = true;
      k->obf = true;
      mouse_flush(k);
    } else {
      break;
    }
  }
  update_irq(k);
}

static void ctl_reply(Kbc *k, uint8_t b, bool aux) {
  if (k->ctl_count < sizeof k->ctl_data) {
    k->ctl_data[k->ctl_count] = b;
    k->ctl_aux[k->ctl_count] = aux;
    k->ctl_count++;
  }
  refill(k);
}

static uint8_t outport_value(const Kbc *k) {
  uint8_t v = k->outport & (uint8_t)~0x30;
  if (k->obf && !k->obf_aux) v |= 0x10;
  if (k->obf && k->obf_aux) v |= 0x20;
  return v;
}

static void write_outport(Kbc *k, uint8_t v) {
  uint8_t old = k->outport;
  k->outport = v;
  if (((old ^ v) & OP_A20) && k->set_a20) k->set_a20(k->opaque, v & OP_A20);
  if (!(v & OP_RESET) && k->reset) k->reset(k->opaque);
}

bool kbc_a20(const Kbc *k) { return k->outport & OP_A20; }

/* ---- keyboard -------------------------------------------------------------- */

static void kbd_send(Kbc *k, uint8_t b) {
  q_push(&k->kbd.q, b);
  if (b != RESEND) k->kbd.last = b;
  refill(k);
}

static void kbd_defaults(Ps2Kbd *kb) {
  kb->typematic = 0x2B; /* 10.9 characters/s, 500 ms */
  kb->leds = 0;
  kb->set = 2;
  kb->set1_f0 = false;
}

static void kbd_write(Kbc *k, uint8_t b) {
  Ps2Kbd *kb = &k->kbd;
  if (kb->pending) {
    uint8_t cmd = kb->pending;
    kb->pending = 0;
    if (cmd == 0xF0) {
      if (b == 0) {
        kbd_send(k, ACK);
        kbd_send(k, kb->set);
      } else if (b <= 3) {
        kb->set = b;
        kbd_send(k, ACK);
      } else {
        kbd_send(k, RESEND);
      }
      return;
    }
    if (b < 0x80) { /* a parameter, unless it is a new command */
      if (cmd == 0xED) kb->leds = b & 7;
      else kb->typematic = b;
      kbd_send(k, ACK);
      return;
    }
  }
  switch (b) {
  case 0xED:
  case 0xF0:
  case 0xF3:
    kb->pending = b;
    kbd_send(k, ACK);
    break;
  case 0xEE:
    kbd_send(k, 0xEE);
    break;
  case 0xF2:
    kbd_send(k, ACK);
    kbd_send(k, 0xAB);
    kbd_send(k, 0x83);
    break;
  case 0xF4:
    q_clear(&kb->q);
    kb->scanning = true;
    kbd_send(k, ACK);
    break;
  case 0xF5:
    q_clear(&kb->q);
    kbd_defaults(kb);
    kb->scanning = false;
    kbd_send(k, ACK);
    break;
  case 0xF6:
    q_clear(&kb->q);
    kbd_defaults(kb);
    kb->scanning = true;
    kbd_send(k, ACK);
    break;
  case 0xF7: case 0xF8: case 0xF9: case 0xFA: case 0xFB: case 0xFC: case 0xFD:
    kbd_send(k, ACK);
    break;
  case 0xFE:
    kbd_send(k, kb->last);
    break;
  case 0xFF:
    q_clear(&kb->q);
    kbd_defaults(kb);
    kb->scanning = true;
    kbd_send(k, ACK);
    kbd_send(k, BAT_OK);
    break;
  default:
    kbd_send(k, RESEND);
  }
}

void kbd_key(Kbc *k, const uint8_t *bytes, int n) {
  Ps2Kbd *kb = &k->kbd;
  if (!kb->scanning || n <= 0 || q_room(&kb->q) < n) return;
  for (int i = 0; i < n; i++) {
    int v = bytes[i];
    if (kb->set == 1) v = xlat_step(&kb->set1_f0, bytes[i]);
    if (v >= 0) q_push(&kb->q, (uint8_t)v);
  }
  refill(k);
}

/* ---- mouse ------------------------------------------------------------------ */

static void mouse_send(Kbc *k, uint8_t b) {
  q_push(&k->mouse.q, b);
  if (b != RESEND) k->mouse.last = b;
}

static void mouse_defaults(Ps2Mouse *m) {
  m->rate = 100;
  m->resolution = 2;
  m->scaling21 = false;
  m->enabled = false;
  m->remote = false;
  m->dx = m->dy = m->dz = 0;
  m->dirty = false;
}

static int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Queue one movement packet from the accumulated motion. */
static void mouse_packet(Kbc *k) {
  Ps2Mouse *m = &k->mouse;
  int dx = clamp(m->dx, -255, 255);
  int dy = clamp(m->dy, -255, 255);
  int dz = clamp(m->dz, -8, 7);
  m->dx -= dx;
  m->dy -= dy;
  m->dz -= dz;
  uint8_t b0 = 0x08 | (m->buttons & 7);
  if (dx < 0) b0 |= 0x10;
  if (dy < 0) b0 |= 0x20;
  mouse_send(k, b0);
  mouse_send(k, (uint8_t)dx);
  mouse_send(k, (uint8_t)dy);
  if (m->id == 3) mouse_send(k, (uint8_t)dz);
  else m->dz = 0;
  m->dirty = false;
}

/* Stream mode: report what is pending while the queue has room. */
static void mouse_flush(Kbc *k) {
  Ps2Mouse *m = &k->mouse;
  if (!m->enabled || m->remote || m->wrap) return;
  int size = m->id == 3 ? 4 : 3;
  while ((m->dirty || m->dx || m->dy || (m->dz && m->id == 3)) && q_room(&m->q) >= size)
    mouse_packet(k);
}

static void mouse_write(Kbc *k, uint8_t b) {
  Ps2Mouse *m = &k->mouse;
  if (m->wrap && b != 0xEC && b != 0xFF) {
    mouse_send(k, b);
    refill(k);
    return;
  }
  if (m->pending) {
    uint8_t cmd = m->pending;
    m->pending = 0;
    if (cmd == 0xF3) {
      m->rate = b;
      m->rates[0] = m->rates[1];
      m->rates[1] = m->rates[2];
      m->rates[2] = b;
      if (m->rates[0] == 200 && m->rates[1] == 100 && m->rates[2] == 80) m->id = 3;
    } else {
      m->resolution = b & 3;
    }
    mouse_send(k, ACK);
    refill(k);
    return;
  }
  switch (b) {
  case 0xE6:
  case 0xE7:
    m->scaling21 = b == 0xE7;
    mouse_send(k, ACK);
    break;
  case 0xE8:
  case 0xF3:
    m->pending = b;
    mouse_send(k, ACK);
    break;
  case 0xE9: {
    uint8_t st = 0;
    if (m->remote) st |= 0x40;
    if (m->enabled) st |= 0x20;
    if (m->scaling21) st |= 0x10;
    if (m->buttons & MOUSE_LEFT) st |= 0x04;
    if (m->buttons & MOUSE_MIDDLE) st |= 0x02;
    if (m->buttons & MOUSE_RIGHT) st |= 0x01;
    mouse_send(k, ACK);
    mouse_send(k, st);
    mouse_send(k, m->resolution);
    mouse_send(k, m->rate);
    break;
  }
  case 0xEA:
    m->remote = false;
    m->dx = m->dy = m->dz = 0;
    mouse_send(k, ACK);
    break;
  case 0xEB:
    mouse_send(k, ACK);
    mouse_packet(k);
    break;
  case 0xEC:
    m->wrap = false;
    mouse_send(k, ACK);
    break;
  case 0xEE:
    m->wrap = true;
    mouse_send(k, ACK);
    break;
  case 0xF0:
    m->remote = true;
    mouse_send(k, ACK);
    break;
  case 0xF2:
    mouse_send(k, ACK);
    mouse_send(k, m->id);
    break;
  case 0xF4:
    m->enabled = true;
    m->dx = m->dy = m->dz = 0;
    m->dirty = false;
    mouse_send(k, ACK);
    break;
  case 0xF5:
    m->enabled = false;
    mouse_send(k, ACK);
    break;
  case 0xF6:
    mouse_defaults(m);
    mouse_send(k, ACK);
    break;
  case 0xFE:
    mouse_send(k, m->last);
    break;
  case 0xFF:
    q_clear(&m->q);
    mouse_defaults(m);
    m->wrap = false;
    m->id = 0;
    memset(m->rates, 0, sizeof m->rates);
    mouse_send(k, ACK);
    mouse_send(k, BAT_OK);
    mouse_send(k, 0x00);
    break;
  default:
    mouse_send(k, RESEND);
  }
  refill(k);
}

void mouse_event(Kbc *k, int dx, int dy, int dz, int buttons) {
  Ps2Mouse *m = &k->mouse;
  if ((uint8_t)(buttons & 7) != m->buttons) m->dirty = true;
  m->buttons = (uint8_t)(buttons & 7);
  if (!m->enabled && !m->remote) {
    /* Stream mode with reporting off: motion is not counted. */
    m->dirty = false;
    return;
  }
  /* Keep the backlog bounded when nobody reads. */
  m->dx = clamp(m->dx + dx, -4096, 4096);
  m->dy = clamp(m->dy - dy, -4096, 4096);
  m->dz = clamp(m->dz + dz, -64, 64);
  mouse_flush(k);
  refill(k);
}

/* ---- controller commands ---------------------------------------------------- */

static void controller_command(Kbc *k, uint8_t c) {
  k->pending = 0;
  if (c >= 0x20 && c <= 0x3F) {
    ctl_reply(k, k->ram[c & 0x1F], false);
    return;
  }
  if ((c >= 0x60 && c <= 0x7F) || c == 0xD1 || c == 0xD2 || c == 0xD3 || c == 0xD4) {
    k->pending = c;
    return;
  }
  if (c >= 0xF0) {
    /* Pulse the output port bits whose mask bit is 0: only bit 0 (reset)
     * does anything. */
    if (!(c & 1) && k->reset) k->reset(k->opaque);
    return;
  }
  switch (c) {
  case 0xA4: ctl_reply(k, 0xF1, false); break; /* no password installed */
  case 0xA7: k->ram[0] |= CB_AUX_OFF; refill(k); break;
  case 0xA8: k->ram[0] &= (uint8_t)~CB_AUX_OFF; refill(k); break;
  case 0xA9: ctl_reply(k, 0x00, false); break;
  case 0xAA:
    k->status |= ST_SYS;
    ctl_reply(k, 0x55, false);
    break;
  case 0xAB: ctl_reply(k, 0x00, false); break;
  case 0xAD: k->ram[0] |= CB_KBD_OFF; refill(k); break;
  case 0xAE: k->ram[0] &= (uint8_t)~CB_KBD_OFF; refill(k); break;
  case 0xC0: ctl_reply(k, 0xA0, false); break; /* not inhibited, no jumper */
  case 0xD0: ctl_reply(k, outport_value(k), false); break;
  case 0xDD: write_outport(k, k->outport & (uint8_t)~OP_A20); break;
  case 0xDF: write_outport(k, k->outport | OP_A20); break;
  case 0xE0: ctl_reply(k, 0x00, false); break;
  default: break; /* unknown: ignored */
  }
}

static void controller_data(Kbc *k, uint8_t v) {
  uint8_t c = k->pending;
  k->pending = 0;
  if (c >= 0x60 && c <= 0x7F) {
    k->ram[c & 0x1F] = v;
    if (c == 0x60) {
      k->status = (uint8_t)((k->status & ~ST_SYS) | (v & CB_SYS));
      refill(k);
    }
    return;
  }
  switch (c) {
  case 0xD1: write_outport(k, v); break;
  case 0xD2: ctl_reply(k, v, false); break;
  case 0xD3: ctl_reply(k, v, true); break;
  case 0xD4: mouse_write(k, v); break;
  default: kbd_write(k, v); break;
  }
}

static uint32_t kbc_in(void *opaque, uint16_t port, int size) {
  Kbc *k = opaque;
  uint32_t hi = size == 1 ? 0 : size == 2 ? 0xFF00u : 0xFFFFFF00u;
  if (port == 0x64) {
    uint8_t st = (uint8_t)((k->status & (ST_SYS | ST_A2)) | ST_UNLOCKED);
    if (k->obf) st |= ST_OBF;
    if (k->obf && k->obf_aux) st |= ST_AUX;
    return st | hi;
  }
  uint8_t v = k->obuf;
  if (k->obf) {
    k->obf = false;
    update_irq(k);
    refill(k);
  }
  return v | hi;
}

static void kbc_out(void *opaque, uint16_t port, int size, uint32_t value) {
  (void)size;
  Kbc *k = opaque;
  if (port == 0x64) {
    k->status |= ST_A2;
    controller_command(k, (uint8_t)value);
  } else {
    k->status &= (uint8_t)~ST_A2;
    controller_data(k, (uint8_t)value);
  }
}

static const IoPortOps kbc_ops = {kbc_in, kbc_out};

/* ---- Device --------------------------------------------------------------------- */

static void dev_reset(Device *d) {
  Kbc *k = (Kbc *)d;
  bool had_a20 = k->outport & OP_A20;
  k->status = 0;
  memset(k->ram, 0, sizeof k->ram);
  k->outport = 0xCF; /* reset inactive, A20 on, clock and data high */
  k->obf = k->obf_aux = false;
  k->obuf = 0;
  k->pending = 0;
  k->ctl_count = 0;
  k->xlat_f0 = false;
  memset(&k->kbd, 0, sizeof k->kbd);
  kbd_defaults(&k->kbd);
  k->kbd.scanning = true;
  memset(&k->mouse, 0, sizeof k->mouse);
  mouse_defaults(&k->mouse);
  update_irq(k);
  if (!had_a20 && k->set_a20) k->set_a20(k->opaque, true);
}

#define SAVE(x) state_put(s, &(x), sizeof(x))
#define LOAD(x) state_get(s, &(x), sizeof(x))

static void dev_save(Device *d, StateBuf *s) {
  Kbc *k = (Kbc *)d;
  SAVE(k->status); SAVE(k->ram); SAVE(k->outport); SAVE(k->obuf); SAVE(k->obf);
  SAVE(k->obf_aux); SAVE(k->pending); SAVE(k->ctl_data); SAVE(k->ctl_aux);
  SAVE(k->ctl_count); SAVE(k->xlat_f0); SAVE(k->irq1); SAVE(k->irq12);
  SAVE(k->kbd); SAVE(k->mouse);
}

static void dev_load(Device *d, StateBuf *s) {
  Kbc *k = (Kbc *)d;
  LOAD(k->status); LOAD(k->ram); LOAD(k->outport); LOAD(k->obuf); LOAD(k->obf);
  LOAD(k->obf_aux); LOAD(k->pending); LOAD(k->ctl_data); LOAD(k->ctl_aux);
  LOAD(k->ctl_count); LOAD(k->xlat_f0); LOAD(k->irq1); LOAD(k->irq12);
  LOAD(k->kbd); LOAD(k->mouse);
  if (k->ctl_count > sizeof k->ctl_data) k->ctl_count = 0;
  k->kbd.q.head %= KBC_QUEUE_SIZE;
  k->mouse.q.head %= KBC_QUEUE_SIZE;
  if (k->kbd.q.count > KBC_QUEUE_SIZE) k->kbd.q.count = 0;
  if (k->mouse.q.count > KBC_QUEUE_SIZE) k->mouse.q.count = 0;
}

void kbc_init(Kbc *k, IoBus *io) {
  memset(k, 0, sizeof *k);
  k->dev.name = "i8042";
  k->dev.reset = dev_reset;
  k->dev.save = dev_save;
  k->dev.load = dev_load;
  k->outport = OP_A20; /* so the reset below does not report a change */
  dev_reset(&k->dev);
  iobus_register(io, 0x60, 1, &kbc_ops, k, "i8042");
  iobus_register(io, 0x64, 1, &kbc_ops, k, "i8042");
}
