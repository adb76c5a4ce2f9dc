/* 8254 interval timer and port 0x61; see pit.h.
 *
 * Written from the Intel 8254 datasheet. Time is counted in CLK ticks:
 * tick k is the k-th rising edge of the 1.193182 MHz clock after virtual
 * time 0, at ceil(k * 1e9 / PIT_HZ) ns. A count written between ticks
 * k-1 and k is loaded into the counting element (CE) by tick k, the
 * "next CLK pulse" of the datasheet, and every later tick counts.
 *
 * Per mode, with e = ticks since the load and N the count:
 *   0  CE = N - e; OUT low until e = N, then high (N + 1 clocks after
 *      the write, as the datasheet says)
 *   1  like 0, started by a gate rising edge instead of the write
 *   2  CE runs N, N-1, ..., 1 and reloads; OUT low while CE = 1
 *   3  CE counts down by two twice per period; OUT high for ceil(N/2)
 *      ticks then low for floor(N/2)
 *   4  CE = N - e; OUT low for the one tick at e = N
 *   5  like 4, started by a gate rising edge
 * After reaching zero, modes 0, 1, 4 and 5 keep counting down from the
 * top (0xFFFF or 9999). */
#include "devices/pit.h"

#include <string.h>

#define PIT_NEVER UINT64_MAX

static uint64_t pit_now(Pit *p) {
  if (p->now) {
    uint64_t t = p->now(p->opaque);
    if (t > p->last_now) p->last_now = t;
  }
  return p->last_now;
}

/* Ticks that have happened by time ns. */
static uint64_t pit_tick_at(uint64_t ns) {
  return (uint64_t)((unsigned __int128)ns * PIT_HZ / 1000000000u);
}

/* The time at which tick k happens. */
static uint64_t pit_tick_ns(uint64_t k) {
  if (k == PIT_NEVER) return PIT_NEVER;
  unsigned __int128 ns = ((unsigned __int128)k * 1000000000u + PIT_HZ - 1) / PIT_HZ;
  return ns > PIT_NEVER ? PIT_NEVER : (uint64_t)ns;
}

static uint32_t pit_modulus(const PitChannel *c) { return c->bcd ? 10000 : 65536; }

/* --- the counting element ------------------------------------------------ */

/* Counting parameters in force at tick t: a pending mode 2/3 count takes
 * over at its tick. */
static void pit_params(const PitChannel *c, uint64_t t, uint64_t *load, uint32_t *n, uint32_t *phase) {
  if (c->pending && t >= c->pend_tick) {
    *load = c->pend_tick;
    *n = c->pend_n;
    *phase = c->pend_phase;
  } else {
    *load = c->load_tick;
    *n = c->n;
    *phase = c->phase;
  }
}

/* CE (as a plain number, 0..modulus-1) and OUT at tick t. */
static void pit_eval(const PitChannel *c, uint64_t t, uint32_t *ce, bool *out) {
  if (!c->counting) {
    *ce = c->ce_hold;
    *out = c->out_hold;
    return;
  }
  if (c->frozen && t > c->frozen_tick) t = c->frozen_tick;
  uint64_t load;
  uint32_t n, phase;
  pit_params(c, t, &load, &n, &phase);
  if (t < load) {
    *ce = c->ce_hold;
    *out = c->out_hold;
    return;
  }
  uint64_t e = t - load;
  uint32_t m = pit_modulus(c);
  switch (c->mode) {
  case 0:
  case 1:
    *ce = (uint32_t)((n + m - e % m) % m);
    *out = e >= n;
    break;
  case 4:
  case 5:
    *ce = (uint32_t)((n + m - e % m) % m);
    *out = e != n;
    break;
  case 2: {
    uint32_t pos = (uint32_t)((e + phase) % n);
    *ce = (n - pos) % m;
    *out = n == 1 || pos != n - 1; /* N = 1 is illegal; keep OUT high */
    break;
  }
  default: { /* 3 */
    uint32_t pos = (uint32_t)((e + phase) % n), high = (n + 1) / 2;
    *out = pos < high;
    uint32_t k = *out ? pos : pos - high;
    *ce = ((n & ~1u) - 2 * k) % m;
    break;
  }
  }
}

static bool pit_out_at(const PitChannel *c, uint64_t t) {
  uint32_t ce;
  bool out;
  pit_eval(c, t, &ce, &out);
  return out;
}

/* The first tick after t at which OUT may change (PIT_NEVER if it cannot
 * without a port write or gate change). May return ticks where it turns
 * out not to change; callers look. */
static uint64_t pit_next_change(const PitChannel *c, uint64_t t) {
  if (!c->counting || (c->frozen && t >= c->frozen_tick)) return PIT_NEVER;
  uint64_t load, next;
  uint32_t n, phase;
  pit_params(c, t, &load, &n, &phase);
  if (t < load) {
    next = load;
  } else {
    uint64_t e = t - load;
    switch (c->mode) {
    case 0:
    case 1: next = e < n ? load + n : PIT_NEVER; break;
    case 4:
    case 5: next = e < n ? load + n : e == n ? load + n + 1 : PIT_NEVER; break;
    case 2: {
      uint32_t pos = (uint32_t)((e + phase) % n);
      next = n == 1 ? PIT_NEVER : pos < n - 1 ? t + (n - 1 - pos) : t + 1;
      break;
    }
    default: {
      uint32_t pos = (uint32_t)((e + phase) % n), high = (n + 1) / 2;
      next = n == 1 ? PIT_NEVER : pos < high ? t + (high - pos) : t + (n - pos);
      break;
    }
    }
  }
  if (c->pending && t < c->pend_tick && c->pend_tick < next) next = c->pend_tick;
  return next;
}

/* Whether OUT rose at some tick in (from, to]. Each period has one rising
 * edge, so a few steps always find it if there is one. */
static bool pit_rose(const PitChannel *c, uint64_t from, uint64_t to) {
  bool level = pit_out_at(c, from);
  uint64_t t = from;
  for (int i = 0; i < 8; i++) {
    uint64_t next = pit_next_change(c, t);
    if (next > to) return false;
    bool now_level = pit_out_at(c, next);
    if (now_level && !level) return true;
    level = now_level;
    t = next;
  }
  return false;
}

/* Make a pending mode 2/3 count current once its tick has passed, so
 * that state changes start from plain parameters. */
static void pit_fold(PitChannel *c, uint64_t t) {
  if (c->pending && t >= c->pend_tick) {
    c->load_tick = c->pend_tick;
    c->n = c->pend_n;
    c->phase = c->pend_phase;
    c->pending = false;
  }
}

/* Load CE from CR at the next tick (t + 1), keeping the values seen
 * until then. */
static void pit_start(PitChannel *c, uint64_t t, bool out_before) {
  uint32_t ce;
  bool out;
  pit_eval(c, t, &ce, &out);
  c->ce_hold = ce;
  c->out_hold = out_before;
  c->counting = true;
  c->frozen = false;
  c->pending = false;
  c->load_tick = t + 1;
  c->n = c->cr;
  c->phase = 0;
  c->null_clear_tick = t + 1;
}

/* A complete count was written at tick t. */
static void pit_count_written(PitChannel *c, uint64_t t) {
  c->have_count = true;
  c->null_count = true;
  c->null_clear_tick = PIT_NEVER;
  pit_fold(c, t);
  switch (c->mode) {
  case 0: /* OUT goes low on the write; counting restarts from the new count */
  case 4: /* OUT unaffected; counting restarts from the new count */
    pit_start(c, t, c->mode == 4 ? pit_out_at(c, t) : false);
    if (!c->gate) {
      c->frozen = true;
      c->frozen_tick = c->load_tick;
    }
    break;
  case 1:
  case 5:
    break; /* used by the next gate trigger */
  default: /* 2, 3 */
    if (!c->gate) break; /* loaded when the gate rises */
    if (!c->counting) {
      pit_start(c, t, true);
    } else if (t < c->load_tick) {
      c->n = c->cr; /* not loaded yet: the load takes the newest count */
      c->null_clear_tick = c->load_tick;
    } else {
      /* Finish the current period (mode 2) or half-period (mode 3). */
      uint32_t n = c->n, pos = (uint32_t)((t - c->load_tick + c->phase) % n);
      uint32_t high = (n + 1) / 2;
      c->pending = true;
      c->pend_n = c->cr;
      if (c->mode == 3 && pos < high) {
        c->pend_tick = t + (high - pos);
        c->pend_phase = (c->cr + 1) / 2; /* enter the new count's low half */
      } else {
        c->pend_tick = t + (n - pos);
        c->pend_phase = 0;
      }
      c->null_clear_tick = c->pend_tick;
    }
    break;
  }
}

static void pit_set_gate(PitChannel *c, bool gate, uint64_t t) {
  if (gate == c->gate) return;
  c->gate = gate;
  pit_fold(c, t);
  switch (c->mode) {
  case 0:
  case 4:
    if (!gate && c->counting) {
      c->frozen = true;
      c->frozen_tick = t;
    } else if (gate && c->frozen) {
      if (t > c->frozen_tick) c->load_tick += t - c->frozen_tick;
      c->frozen = false;
    }
    break;
  case 1:
  case 5:
    if (gate && c->have_count) pit_start(c, t, pit_out_at(c, t)); /* trigger */
    break;
  default: /* 2, 3: gate low stops counting and forces OUT high */
    if (!gate) {
      if (c->counting) {
        uint32_t ce;
        bool out;
        pit_eval(c, t, &ce, &out);
        c->ce_hold = ce;
        c->out_hold = true;
        c->counting = false;
        c->pending = false;
      }
    } else if (c->have_count) {
      pit_start(c, t, true); /* the rising edge reloads the count */
    }
    break;
  }
}

/* --- IRQ0 ------------------------------------------------------------------ */

/* Bring IRQ0 up to tick t with the channel state as it has been since
 * irq_tick. A rising edge in between is always delivered, even if OUT is
 * low again by now: the line goes high now and falls at the next call. */
static void pit_irq_follow(Pit *p, uint64_t t) {
  PitChannel *c = &p->ch[0];
  if (t <= p->irq_tick) return;
  bool rose = pit_rose(c, p->irq_tick, t);
  bool level = pit_out_at(c, t);
  p->irq_tick = t;
  if (!p->set_irq) {
    p->irq_level = level;
    return;
  }
  if (rose) {
    if (p->irq_level) p->set_irq(p->opaque, 0, 0);
    p->set_irq(p->opaque, 0, 1);
    p->irq_level = true;
  } else if (level != p->irq_level) {
    p->set_irq(p->opaque, 0, level);
    p->irq_level = level;
  }
}

/* After a state change at tick t: OUT may have changed without an edge
 * to look for (a control word drops it, a gate forces it high). */
static void pit_irq_settle(Pit *p, uint64_t t) {
  bool level = pit_out_at(&p->ch[0], t);
  p->irq_tick = t;
  if (level != p->irq_level) {
    p->irq_level = level;
    if (p->set_irq) p->set_irq(p->opaque, 0, level);
  }
  if (p->resched) p->resched(p->opaque);
}

/* --- ports ----------------------------------------------------------------- */

static uint16_t pit_to_bcd(uint32_t v) {
  return (uint16_t)(v % 10 | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 | (v / 1000 % 10) << 12);
}

static uint16_t pit_ce_raw(const PitChannel *c, uint64_t t) {
  uint32_t ce;
  bool out;
  pit_eval(c, t, &ce, &out);
  return c->bcd ? pit_to_bcd(ce) : (uint16_t)ce;
}

static uint8_t pit_status(const PitChannel *c, uint64_t t) {
  bool null_count = c->null_count && t < c->null_clear_tick;
  return (uint8_t)(pit_out_at(c, t) << 7 | null_count << 6 | c->ctrl);
}

static uint8_t pit_read_counter(PitChannel *c, uint64_t t) {
  if (c->status_latched) {
    c->status_latched = false;
    return c->status;
  }
  if (c->count_latched) {
    uint8_t v;
    if (c->rw == 3 && !c->latch_msb_next) {
      v = (uint8_t)c->latch;
      c->latch_msb_next = true;
      return v;
    }
    v = (uint8_t)(c->rw == 1 ? c->latch : c->latch >> 8);
    c->count_latched = false;
    c->latch_msb_next = false;
    return v;
  }
  uint16_t raw = pit_ce_raw(c, t);
  if (c->rw == 1) return (uint8_t)raw;
  if (c->rw == 2) return (uint8_t)(raw >> 8);
  c->read_msb_next = !c->read_msb_next;
  return (uint8_t)(c->read_msb_next ? raw : raw >> 8);
}

static void pit_write_counter(PitChannel *c, uint8_t v, uint64_t t) {
  uint16_t raw;
  switch (c->rw) {
  case 1: raw = v; break;
  case 2: raw = (uint16_t)(v << 8); break;
  default:
    if (!c->write_msb_next) {
      c->write_lsb = v;
      c->write_msb_next = true;
      /* Mode 0: the first byte stops the count and drops OUT. */
      if (c->mode == 0 && c->counting) {
        uint32_t ce;
        bool out;
        pit_eval(c, t, &ce, &out);
        c->ce_hold = ce;
        c->out_hold = false;
        c->counting = false;
      }
      return;
    }
    c->write_msb_next = false;
    raw = (uint16_t)(c->write_lsb | v << 8);
    break;
  }
  uint32_t m = pit_modulus(c), count = raw;
  if (c->bcd)
    count = ((raw >> 12 & 15) * 1000 + (raw >> 8 & 15) * 100 + (raw >> 4 & 15) * 10 + (raw & 15)) % m;
  c->cr = count ? count : m;
  pit_count_written(c, t);
}

static void pit_latch_count(PitChannel *c, uint64_t t) {
  if (c->count_latched) return; /* the first latch holds until read */
  c->latch = pit_ce_raw(c, t);
  c->count_latched = true;
  c->latch_msb_next = false;
}

static void pit_control(Pit *p, uint8_t v, uint64_t t) {
  int sel = v >> 6;
  if (sel == 3) { /* read-back: bit 5 = 0 latches counts, bit 4 = 0 status */
    for (int i = 0; i < 3; i++) {
      if (!(v & (2u << i))) continue;
      PitChannel *c = &p->ch[i];
      if (!(v & 0x20)) pit_latch_count(c, t);
      if (!(v & 0x10) && !c->status_latched) {
        c->status = pit_status(c, t);
        c->status_latched = true;
      }
    }
    return;
  }
  PitChannel *c = &p->ch[sel];
  int rw = v >> 4 & 3;
  if (rw == 0) {
    pit_latch_count(c, t);
    return;
  }
  int mode = v >> 1 & 7;
  c->ctrl = v & 0x3F;
  c->mode = (uint8_t)(mode >= 6 ? mode - 4 : mode);
  c->rw = (uint8_t)rw;
  c->bcd = v & 1;
  c->write_msb_next = c->read_msb_next = c->latch_msb_next = false;
  c->count_latched = c->status_latched = false;
  uint32_t ce;
  bool out;
  pit_eval(c, t, &ce, &out);
  c->ce_hold = ce % pit_modulus(c);
  c->out_hold = c->mode != 0; /* mode 0 starts low, the others high */
  c->counting = c->frozen = c->pending = false;
  c->have_count = false;
  c->null_count = true;
  c->null_clear_tick = PIT_NEVER;
}

static uint8_t pit_read_byte(Pit *p, uint16_t port) {
  uint64_t t = pit_tick_at(pit_now(p));
  switch (port) {
  case 0x40: case 0x41: case 0x42: return pit_read_counter(&p->ch[port - 0x40], t);
  case 0x61: {
    /* Bit 4 toggles with each DRAM refresh request, every 18 ticks
     * (15.09 us); BIOS delay loops count its transitions. */
    bool refresh = (t / 18) & 1;
    return (uint8_t)((p->port61 & 0x0F) | refresh << 4 | pit_out_at(&p->ch[2], t) << 5);
  }
  default: return 0xFF; /* the control port is write-only */
  }
}

static void pit_write_byte(Pit *p, uint16_t port, uint8_t v) {
  uint64_t t = pit_tick_at(pit_now(p));
  pit_irq_follow(p, t); /* old state up to now, then the change */
  switch (port) {
  case 0x40: case 0x41: case 0x42: pit_write_counter(&p->ch[port - 0x40], v, t); break;
  case 0x43: pit_control(p, v, t); break;
  case 0x61:
    p->port61 = v & 0x0F;
    pit_set_gate(&p->ch[2], v & 1, t);
    break;
  default: return;
  }
  pit_irq_settle(p, t);
}

static uint32_t pit_io_in(void *opaque, uint16_t port, int size) {
  uint32_t v = 0;
  for (int i = 0; i < size; i++) v |= (uint32_t)pit_read_byte(opaque, (uint16_t)(port + i)) << (8 * i);
  return v;
}

static void pit_io_out(void *opaque, uint16_t port, int size, uint32_t value) {
  for (int i = 0; i < size; i++) pit_write_byte(opaque, (uint16_t)(port + i), (uint8_t)(value >> (8 * i)));
}

static const IoPortOps pit_ops = {pit_io_in, pit_io_out};

bool pit_output(Pit *p, int ch) {
  if (ch < 0 || ch > 2) return false;
  return pit_out_at(&p->ch[ch], pit_tick_at(pit_now(p)));
}

/* --- Device hooks ------------------------------------------------------- */

static uint64_t pit_timer(Device *d, uint64_t now_ns) {
  Pit *p = (Pit *)d;
  if (now_ns > p->last_now) p->last_now = now_ns;
  uint64_t t = pit_tick_at(p->last_now);
  pit_irq_follow(p, t);
  return pit_tick_ns(pit_next_change(&p->ch[0], t));
}

/* Power-on: no channel programmed, OUT high, gates 0/1 tied high and
 * channel 2's gate low (port 0x61 = 0). */
static void pit_reset(Device *d) {
  Pit *p = (Pit *)d;
  uint64_t t = pit_tick_at(pit_now(p));
  for (int i = 0; i < 3; i++) {
    p->ch[i] = (PitChannel){.mode = 0, .rw = 3, .ctrl = 0x30, .gate = i != 2, .cr = 65536,
                            .out_hold = true, .null_clear_tick = PIT_NEVER};
  }
  p->port61 = 0;
  pit_irq_settle(p, t);
}

#define PIT_STATE_VERSION 1

static void pit_save_channel(const PitChannel *c, StateBuf *s) {
  uint8_t b[] = {c->ctrl, c->mode, c->rw, c->bcd, c->gate, c->have_count, c->write_msb_next, c->write_lsb,
                 c->read_msb_next, c->counting, c->out_hold, c->frozen, c->pending, c->null_count,
                 c->count_latched, c->latch_msb_next, c->status_latched, c->status};
  uint32_t w[] = {c->cr, c->n, c->phase, c->ce_hold, c->pend_n, c->pend_phase, c->latch};
  uint64_t q[] = {c->load_tick, c->frozen_tick, c->pend_tick, c->null_clear_tick};
  state_put(s, b, sizeof b);
  state_put(s, w, sizeof w);
  state_put(s, q, sizeof q);
}

static bool pit_load_channel(PitChannel *c, StateBuf *s) {
  uint8_t b[18];
  uint32_t w[7];
  uint64_t q[4];
  state_get(s, b, sizeof b);
  state_get(s, w, sizeof w);
  state_get(s, q, sizeof q);
  if (s->error || b[1] > 5 || b[2] < 1 || b[2] > 3) return false;
  uint32_t m = b[3] ? 10000 : 65536;
  /* Counts of zero would divide by zero; anything above the modulus
   * would index nothing but is equally impossible from the ports. */
  if (w[0] < 1 || w[0] > m || (b[9] && (w[1] < 1 || w[1] > m)) || (b[12] && (w[4] < 1 || w[4] > m)))
    return false;
  *c = (PitChannel){.ctrl = b[0] & 0x3F, .mode = b[1], .rw = b[2], .bcd = b[3], .gate = b[4],
                    .have_count = b[5], .write_msb_next = b[6], .write_lsb = b[7], .read_msb_next = b[8],
                    .counting = b[9], .out_hold = b[10], .frozen = b[11], .pending = b[12],
                    .null_count = b[13], .count_latched = b[14], .latch_msb_next = b[15],
                    .status_latched = b[16], .status = b[17],
                    .cr = w[0], .n = w[1], .phase = w[1] ? w[2] % w[1] : 0, .ce_hold = w[3] % m, .pend_n = w[4],
                    .pend_phase = w[4] ? w[5] % w[4] : 0, .latch = (uint16_t)w[6],
                    .load_tick = q[0], .frozen_tick = q[1], .pend_tick = q[2], .null_clear_tick = q[3]};
  return true;
}

static void pit_save(Device *d, StateBuf *s) {
  Pit *p = (Pit *)d;
  uint8_t head[3] = {PIT_STATE_VERSION, p->port61, p->irq_level};
  state_put(s, head, sizeof head);
  state_put(s, &p->irq_tick, sizeof p->irq_tick);
  state_put(s, &p->last_now, sizeof p->last_now);
  for (int i = 0; i < 3; i++) pit_save_channel(&p->ch[i], s);
}

static void pit_load(Device *d, StateBuf *s) {
  Pit *p = (Pit *)d;
  uint8_t head[3];
  state_get(s, head, sizeof head);
  if (head[0] != PIT_STATE_VERSION) {
    s->error = true;
    return;
  }
  p->port61 = head[1] & 0x0F;
  p->irq_level = head[2] & 1;
  state_get(s, &p->irq_tick, sizeof p->irq_tick);
  state_get(s, &p->last_now, sizeof p->last_now);
  for (int i = 0; i < 3; i++)
    if (!pit_load_channel(&p->ch[i], s)) {
      s->error = true;
      pit_reset(d);
      return;
    }
  /* The IRQ0 line itself lives in the PIC's saved state. */
  if (p->resched) p->resched(p->opaque);
}

void pit_init(Pit *p, IoBus *bus) {
  *p = (Pit){.dev = {.name = "pit", .reset = pit_reset, .save = pit_save, .load = pit_load, .timer = pit_timer}};
  pit_reset(&p->dev);
  p->irq_level = true; /* OUT0 is high at power-on */
  iobus_register(bus, 0x40, 4, &pit_ops, p, "pit");
  iobus_register(bus, 0x61, 1, &pit_ops, p, "port61");
}
