/* 16550A UART; see uart.h.
 *
 * Written from the National Semiconductor PC16550D datasheet. Interrupt
 * sources, highest priority first, as IIR reports them:
 *   0x06  receiver line status: OE/PE/FE/BI     cleared by reading LSR
 *   0x04  received data at the trigger level    cleared below the level
 *   0x0C  character timeout (FIFO mode): data   cleared by reading RBR
 *         waiting, nothing in or out for 4 character times
 *   0x02  THR empty                             cleared by reading IIR
 *                                               (when it is the source)
 *                                               or writing THR
 *   0x00  modem status: an MSR delta bit        cleared by reading MSR
 * IIR bits 7-6 are 11 while FIFOs are enabled. */
#include "devices/uart.h"

#include <string.h>

#define UART_NEVER UINT64_MAX

enum { IER_RDA = 0x01, IER_THRE = 0x02, IER_RLS = 0x04, IER_MS = 0x08 };
enum { LCR_DLAB = 0x80 };
enum { MCR_DTR = 0x01, MCR_RTS = 0x02, MCR_OUT1 = 0x04, MCR_OUT2 = 0x08, MCR_LOOP = 0x10 };
enum { LSR_DR = 0x01, LSR_OE = 0x02, LSR_ERRORS = 0x1E, LSR_THRE = 0x20, LSR_TEMT = 0x40 };
enum { MSR_DCTS = 0x01, MSR_DDSR = 0x02, MSR_TERI = 0x04, MSR_DDCD = 0x08 };
enum { IIR_NONE = 0x01, IIR_RLS = 0x06, IIR_RDA = 0x04, IIR_TIMEOUT = 0x0C, IIR_THRE = 0x02, IIR_MS = 0x00 };

static uint64_t uart_now(Uart *u) {
  if (u->now) {
    uint64_t t = u->now(u->opaque);
    if (t > u->last_now) u->last_now = t;
  }
  return u->last_now;
}

static bool uart_fifo_on(const Uart *u) { return u->fcr & 1; }
static int uart_capacity(const Uart *u) { return uart_fifo_on(u) ? UART_FIFO_SIZE : 1; }

static int uart_rx_trigger(const Uart *u) {
  static const int levels[4] = {1, 4, 8, 14};
  return uart_fifo_on(u) ? levels[u->fcr >> 6] : 1;
}

/* One character on the line: start bit, 5-8 data bits, parity, and 1, 1.5
 * (5-bit words) or 2 stop bits, each 16 clocks of the divided crystal. */
static uint64_t uart_char_ns(const Uart *u) {
  unsigned data = 5 + (u->lcr & 3), parity = (u->lcr >> 3) & 1;
  unsigned stop_halves = (u->lcr & 4) ? (data == 5 ? 3 : 4) : 2;
  unsigned half_bits = 2 * (1 + data + parity) + stop_halves;
  uint64_t divisor = u->divisor ? u->divisor : 65536; /* a 16-bit counter loaded with 0 */
  return (half_bits * divisor * 16 * 1000000000ull + UART_CLOCK_HZ) / (2ull * UART_CLOCK_HZ);
}

/* --- receive side ----------------------------------------------------------- */

static void uart_rx_push(Uart *u, uint8_t byte, uint64_t t) {
  u->rx_activity_ns = t;
  if (u->rx_count == uart_capacity(u)) {
    u->lsr_errors |= LSR_OE;
    /* 16450 mode: the new character replaces the unread one. FIFO mode:
     * it is lost in the shift register, the FIFO keeps its contents. */
    if (!uart_fifo_on(u)) u->rx[u->rx_head] = byte;
    return;
  }
  u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
  u->rx_count++;
}

/* --- transmit side -------------------------------------------------------- */

/* A byte enters the shift register at time t: it is on the wire, so the
 * backend gets it now (or, in loopback, the receiver gets it when the
 * character time is over). */
static void uart_tsr_load(Uart *u, uint8_t byte, uint64_t t) {
  u->tsr = byte;
  u->tsr_busy = true;
  u->tsr_done_ns = t + uart_char_ns(u);
  if (!(u->mcr & MCR_LOOP) && u->backend.write) u->backend.write(u->backend.opaque, byte);
}

/* Let the transmitter run up to now: finished characters make room for
 * the next ones, and the FIFO running empty raises THRE. */
static void uart_catch_up(Uart *u, uint64_t now) {
  while (u->tsr_busy && u->tsr_done_ns <= now) {
    uint64_t t = u->tsr_done_ns;
    u->tsr_busy = false;
    if (u->mcr & MCR_LOOP) uart_rx_push(u, u->tsr, t);
    if (u->tx_count) {
      uint8_t byte = u->tx[u->tx_head];
      u->tx_head = (uint8_t)((u->tx_head + 1) % UART_FIFO_SIZE);
      u->tx_count--;
      uart_tsr_load(u, byte, t);
      if (!u->tx_count) u->thre_pending = true;
    }
  }
}

static void uart_write_thr(Uart *u, uint8_t byte, uint64_t now) {
  u->thre_pending = false;
  if (!u->tsr_busy && !u->tx_count) {
    /* The idle shift register takes it at once: THR is empty again. */
    uart_tsr_load(u, byte, now);
    u->thre_pending = true;
    return;
  }
  if (u->tx_count == uart_capacity(u)) {
    /* The guest overran the transmitter. A real chip would lose a byte;
     * here the oldest one goes out early instead, so no output is lost. */
    uint8_t oldest = u->tx[u->tx_head];
    u->tx_head = (uint8_t)((u->tx_head + 1) % UART_FIFO_SIZE);
    u->tx_count--;
    if (u->mcr & MCR_LOOP) uart_rx_push(u, oldest, now);
    else if (u->backend.write) u->backend.write(u->backend.opaque, oldest);
  }
  u->tx[(u->tx_head + u->tx_count) % UART_FIFO_SIZE] = byte;
  u->tx_count++;
}

/* --- modem status ---------------------------------------------------------- */

/* MSR levels: the connector's inputs, or in loopback the MCR outputs
 * wired back (RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD). */
static uint8_t uart_modem_levels(const Uart *u) {
  if (!(u->mcr & MCR_LOOP)) return u->modem_inputs & 0xF0;
  uint8_t m = u->mcr;
  return (uint8_t)((m & MCR_RTS ? UART_CTS : 0) | (m & MCR_DTR ? UART_DSR : 0) | (m & MCR_OUT1 ? UART_RI : 0) |
                   (m & MCR_OUT2 ? UART_DCD : 0));
}

static void uart_update_msr(Uart *u) {
  uint8_t old = u->msr & 0xF0, now = uart_modem_levels(u), changed = old ^ now;
  uint8_t delta = u->msr & 0x0F;
  if (changed & UART_CTS) delta |= MSR_DCTS;
  if (changed & UART_DSR) delta |= MSR_DDSR;
  if ((old & UART_RI) && !(now & UART_RI)) delta |= MSR_TERI; /* trailing edge only */
  if (changed & UART_DCD) delta |= MSR_DDCD;
  u->msr = (uint8_t)(now | delta);
}

/* --- interrupts -------------------------------------------------------------- */

static bool uart_timeout(const Uart *u, uint64_t now) {
  return uart_fifo_on(u) && u->rx_count && now >= u->rx_activity_ns + 4 * uart_char_ns(u);
}

static uint8_t uart_iir_id(const Uart *u, uint64_t now) {
  if ((u->ier & IER_RLS) && (u->lsr_errors & LSR_ERRORS)) return IIR_RLS;
  if (u->ier & IER_RDA) {
    if (u->rx_count >= uart_rx_trigger(u)) return IIR_RDA;
    if (uart_timeout(u, now)) return IIR_TIMEOUT;
  }
  if ((u->ier & IER_THRE) && u->thre_pending) return IIR_THRE;
  if ((u->ier & IER_MS) && (u->msr & 0x0F)) return IIR_MS;
  return IIR_NONE;
}

static void uart_update_irq(Uart *u, uint64_t now) {
  /* OUT2 gates the interrupt onto the bus; in loopback the OUT pins are
   * forced inactive, so the gate closes. */
  bool level = uart_iir_id(u, now) != IIR_NONE && (u->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;
  if (level != u->irq_level) {
    u->irq_level = level;
    if (u->set_irq) u->set_irq(u->opaque, u->irq, level);
  }
}

/* --- registers ------------------------------------------------------------------- */

static uint8_t uart_read_reg(Uart *u, int reg, uint64_t now) {
  switch (reg) {
  case 0:
    if (u->lcr & LCR_DLAB) return (uint8_t)u->divisor;
    if (u->rx_count) {
      u->rbr = u->rx[u->rx_head];
      u->rx_head = (uint8_t)((u->rx_head + 1) % UART_FIFO_SIZE);
      u->rx_count--;
      u->rx_activity_ns = now;
    }
    return u->rbr;
  case 1: return u->lcr & LCR_DLAB ? (uint8_t)(u->divisor >> 8) : u->ier;
  case 2: {
    uint8_t id = uart_iir_id(u, now);
    if (id == IIR_THRE) u->thre_pending = false;
    return (uint8_t)(id | (uart_fifo_on(u) ? 0xC0 : 0));
  }
  case 3: return u->lcr;
  case 4: return u->mcr;
  case 5: {
    uint8_t v = (uint8_t)((u->rx_count ? LSR_DR : 0) | u->lsr_errors | (u->tx_count ? 0 : LSR_THRE) |
                          (u->tx_count || u->tsr_busy ? 0 : LSR_TEMT));
    u->lsr_errors = 0;
    return v;
  }
  case 6: {
    uint8_t v = u->msr;
    u->msr &= 0xF0;
    return v;
  }
  default: return u->scr;
  }
}

static void uart_write_fcr(Uart *u, uint8_t v) {
  bool was_on = uart_fifo_on(u);
  /* FCR0 must be set for the other bits to take; toggling it empties
   * both FIFOs. */
  u->fcr = v & 1 ? (uint8_t)(v & 0xC9) : 0;
  bool rx_reset = (v & 0x02) || was_on != uart_fifo_on(u);
  bool tx_reset = (v & 0x04) || was_on != uart_fifo_on(u);
  if (rx_reset) u->rx_count = u->rx_head = 0;
  if (tx_reset && u->tx_count) {
    u->tx_count = u->tx_head = 0;
    u->thre_pending = true;
  }
}

static void uart_write_reg(Uart *u, int reg, uint8_t v, uint64_t now) {
  switch (reg) {
  case 0:
    if (u->lcr & LCR_DLAB) u->divisor = (uint16_t)((u->divisor & 0xFF00) | v);
    else uart_write_thr(u, v, now);
    break;
  case 1:
    if (u->lcr & LCR_DLAB) {
      u->divisor = (uint16_t)((u->divisor & 0x00FF) | v << 8);
    } else {
      /* Enabling the THRE interrupt while THR is empty interrupts at once. */
      if ((v & IER_THRE) && !(u->ier & IER_THRE) && !u->tx_count) u->thre_pending = true;
      u->ier = v & 0x0F;
    }
    break;
  case 2: uart_write_fcr(u, v); break;
  case 3: u->lcr = v; break;
  case 4:
    u->mcr = v & 0x1F;
    uart_update_msr(u);
    break;
  case 5: break; /* LSR is read-only (factory test only) */
  case 6: break;
  default: u->scr = v; break;
  }
}

static uint32_t uart_io_in(void *opaque, uint16_t port, int size) {
  Uart *u = opaque;
  uint64_t now = uart_now(u);
  uart_catch_up(u, now);
  uint32_t v = 0;
  for (int i = 0; i < size; i++) {
    int reg = (uint16_t)(port + i) - u->base;
    uint8_t b = reg >= 0 && reg < 8 ? uart_read_reg(u, reg, now) : 0xFF;
    v |= (uint32_t)b << (8 * i);
  }
  /* Reads never bring a deadline forward, so no resched: guests poll
   * LSR in tight loops. */
  uart_update_irq(u, now);
  return v;
}

static void uart_io_out(void *opaque, uint16_t port, int size, uint32_t value) {
  Uart *u = opaque;
  uint64_t now = uart_now(u);
  uart_catch_up(u, now);
  for (int i = 0; i < size; i++) {
    int reg = (uint16_t)(port + i) - u->base;
    if (reg >= 0 && reg < 8) uart_write_reg(u, reg, (uint8_t)(value >> (8 * i)), now);
  }
  uart_update_irq(u, now);
  if (u->resched) u->resched(u->opaque);
}

static const IoPortOps uart_ops = {uart_io_in, uart_io_out};

/* --- host side --------------------------------------------------------------- */

void uart_receive(Uart *u, uint8_t byte) {
  uint64_t now = uart_now(u);
  uart_catch_up(u, now);
  if (!(u->mcr & MCR_LOOP)) uart_rx_push(u, byte, now);
  uart_update_irq(u, now);
  if (u->resched) u->resched(u->opaque);
}

int uart_rx_room(Uart *u) {
  uart_catch_up(u, uart_now(u));
  return u->mcr & MCR_LOOP ? 0 : uart_capacity(u) - u->rx_count;
}

void uart_set_modem_inputs(Uart *u, uint8_t inputs) {
  uint64_t now = uart_now(u);
  u->modem_inputs = inputs & 0xF0;
  uart_update_msr(u);
  uart_update_irq(u, now);
}

/* --- Device hooks ---------------------------------------------------------------- */

static uint64_t uart_timer(Device *d, uint64_t now_ns) {
  Uart *u = (Uart *)d;
  if (now_ns > u->last_now) u->last_now = now_ns;
  uint64_t now = u->last_now;
  uart_catch_up(u, now);
  uart_update_irq(u, now);
  uint64_t next = u->tsr_busy ? u->tsr_done_ns : UART_NEVER;
  if ((u->ier & IER_RDA) && uart_fifo_on(u) && u->rx_count && !uart_timeout(u, now)) {
    uint64_t t = u->rx_activity_ns + 4 * uart_char_ns(u);
    if (t < next) next = t;
  }
  return next;
}

/* Master reset: everything but the divisor latch, SCR and the received
 * byte register goes back to its datasheet reset value. */
static void uart_reset(Device *d) {
  Uart *u = (Uart *)d;
  uint64_t now = uart_now(u);
  u->ier = u->lcr = u->mcr = u->fcr = 0;
  u->lsr_errors = 0;
  u->rx_count = u->rx_head = u->tx_count = u->tx_head = 0;
  u->tsr_busy = false;
  u->thre_pending = false;
  u->msr = uart_modem_levels(u);
  u->rx_activity_ns = now;
  uart_update_irq(u, now);
}

#define UART_STATE_VERSION 1

static void uart_save(Device *d, StateBuf *s) {
  Uart *u = (Uart *)d;
  uint8_t b[] = {UART_STATE_VERSION, u->ier, u->lcr, u->mcr, u->scr, u->fcr, u->lsr_errors, u->msr,
                 u->modem_inputs, u->rbr, u->rx_head, u->rx_count, u->tx_head, u->tx_count, u->tsr_busy,
                 u->tsr, u->thre_pending, u->irq_level, (uint8_t)u->divisor, (uint8_t)(u->divisor >> 8)};
  uint64_t q[3] = {u->tsr_done_ns, u->rx_activity_ns, u->last_now};
  state_put(s, b, sizeof b);
  state_put(s, u->rx, sizeof u->rx);
  state_put(s, u->tx, sizeof u->tx);
  state_put(s, q, sizeof q);
}

static void uart_load(Device *d, StateBuf *s) {
  Uart *u = (Uart *)d;
  uint8_t b[20], rx[UART_FIFO_SIZE], tx[UART_FIFO_SIZE];
  uint64_t q[3];
  state_get(s, b, sizeof b);
  state_get(s, rx, sizeof rx);
  state_get(s, tx, sizeof tx);
  state_get(s, q, sizeof q);
  if (s->error || b[0] != UART_STATE_VERSION || b[10] >= UART_FIFO_SIZE || b[11] > UART_FIFO_SIZE ||
      b[12] >= UART_FIFO_SIZE || b[13] > UART_FIFO_SIZE) {
    s->error = true;
    return;
  }
  u->ier = b[1] & 0x0F;
  u->lcr = b[2];
  u->mcr = b[3] & 0x1F;
  u->scr = b[4];
  u->fcr = b[5] & 0xC9;
  u->lsr_errors = b[6] & LSR_ERRORS;
  u->msr = b[7];
  u->modem_inputs = b[8] & 0xF0;
  u->rbr = b[9];
  u->rx_head = b[10];
  u->rx_count = b[11];
  u->tx_head = b[12];
  u->tx_count = b[13];
  u->tsr_busy = b[14] & 1;
  u->tsr = b[15];
  u->thre_pending = b[16] & 1;
  u->irq_level = b[17] & 1;
  u->divisor = (uint16_t)(b[18] | b[19] << 8);
  memcpy(u->rx, rx, sizeof rx);
  memcpy(u->tx, tx, sizeof tx);
  u->tsr_done_ns = q[0];
  u->rx_activity_ns = q[1];
  u->last_now = q[2];
  if (u->resched) u->resched(u->opaque);
}

void uart_init(Uart *u, IoBus *bus, uint16_t base, int irq) {
  *u = (Uart){.dev = {.name = "uart", .reset = uart_reset, .save = uart_save, .load = uart_load,
                      .timer = uart_timer},
              .base = base, .irq = irq, .divisor = 12, .modem_inputs = UART_CTS | UART_DSR | UART_DCD};
  uart_reset(&u->dev);
  iobus_register(bus, base, 8, &uart_ops, u, "uart");
}
