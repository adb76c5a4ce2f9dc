/* The National Semiconductor 16550A UART: a serial port (COM1 is base
 * 0x3F8 with IRQ4, COM2 0x2F8 with IRQ3; base and IRQ are parameters).
 *
 * Registers at base + 0..7: RBR/THR (DLL when LCR.DLAB = 1), IER (DLM
 * when DLAB), IIR (read) / FCR (write), LCR, MCR, LSR, MSR, SCR.
 *
 * The host side is a backend: every byte the guest transmits goes to
 * backend.write (never dropped, even if the guest overruns the FIFO), and
 * the host pushes received bytes with uart_receive (uart_rx_room says how
 * many fit without an overrun). Transmission is paced by the programmed
 * baud rate in virtual time: THRE and TEMT clear and set as a real line
 * would, and loopback data arrives one character time after it is sent.
 * Bytes reach the backend when they start their trip through the
 * transmit shift register.
 *
 * On a PC the UART's interrupt output reaches the PIC only while MCR OUT2
 * is set; that gate is modelled, so the IRQ line is INTR AND OUT2. */
#ifndef HOLO86_UART_H
#define HOLO86_UART_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"
#include "devices/iobus.h"

#define UART_COM1_BASE 0x3F8
#define UART_COM1_IRQ 4
#define UART_COM2_BASE 0x2F8
#define UART_COM2_IRQ 3

#define UART_FIFO_SIZE 16
#define UART_CLOCK_HZ 1843200u /* the PC's crystal: 115200 baud at divisor 1 */

/* Modem status inputs (MSR bits 4-7), for uart_set_modem_inputs. */
enum { UART_CTS = 0x10, UART_DSR = 0x20, UART_RI = 0x40, UART_DCD = 0x80 };

typedef struct UartBackend {
  void (*write)(void *opaque, uint8_t byte);
  void *opaque;
} UartBackend;

typedef struct Uart {
  Device dev;
  uint16_t base;
  int irq;
  /* Registers. */
  uint8_t ier, lcr, mcr, scr, fcr;
  uint16_t divisor;
  uint8_t lsr_errors;   /* LSR bits 1-4 (OE, PE, FE, BI), cleared by reading */
  uint8_t msr;          /* MSR: deltas in bits 0-3, levels in 4-7 */
  uint8_t modem_inputs; /* CTS/DSR/RI/DCD on the connector (MSR bit layout) */
  uint8_t rbr;          /* last character received (read when empty) */
  /* FIFOs; capacity 1 when FIFOs are disabled (16450 mode). */
  uint8_t rx[UART_FIFO_SIZE], rx_head, rx_count;
  uint8_t tx[UART_FIFO_SIZE], tx_head, tx_count;
  /* Transmit shift register: busy with tsr until tsr_done_ns. */
  bool tsr_busy;
  uint8_t tsr;
  uint64_t tsr_done_ns;
  /* Interrupt state. */
  bool thre_pending;       /* THRE interrupt latch */
  uint64_t rx_activity_ns; /* last character into or out of the RX FIFO */
  bool irq_level;
  uint64_t last_now;
  /* Wiring, set by the creator after uart_init (all optional). */
  UartBackend backend;
  void (*set_irq)(void *opaque, int irq, int level);
  uint64_t (*now)(void *opaque);  /* current virtual time, ns */
  void (*resched)(void *opaque);  /* the next deadline may have moved */
  void *opaque;
} Uart;

/* Power-on state (9600 baud divisor, CTS/DSR/DCD asserted as if a
 * terminal were attached), registered at base..base+7. */
void uart_init(Uart *u, IoBus *bus, uint16_t base, int irq);

/* A byte arrives on the serial line (ignored in loopback mode, where the
 * line is disconnected). When the receive FIFO is full it is an overrun,
 * as on the chip; uart_rx_room tells a backend how much it may send. */
void uart_receive(Uart *u, uint8_t byte);
int uart_rx_room(Uart *u);

/* Modem status inputs from the host side: an OR of UART_CTS, UART_DSR,
 * UART_RI, UART_DCD. Changes set the MSR delta bits. */
void uart_set_modem_inputs(Uart *u, uint8_t inputs);

#endif
