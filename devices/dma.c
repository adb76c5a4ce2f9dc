/* Intel 8237A DMA controllers and page registers; see dma.h. */
#include "devices/dma.h"

#include <string.h>

/* Page register port offset (from 0x80) of each channel. */
static const uint8_t dma_page_port[8] = {0x7, 0x3, 0x1, 0x2, 0xF, 0xB, 0x9, 0xA};

static void dma_chip_clear(Dma *d, int c) {
  DmaChip *k = &d->chip[c];
  k->command = 0;
  k->status = 0;
  k->request = 0;
  k->temp = 0;
  k->flipflop = false;
  k->mask = 0x0F;
}

static void dma_reset(Device *dev) {
  Dma *d = (Dma *)dev;
  dma_chip_clear(d, 0);
  dma_chip_clear(d, 1);
  for (int i = 0; i < 8; i++) {
    d->ch[i].mode = 0;
    d->ch[i].tc_last = false;
  }
}

/* Register offset (0-15) of a port on chip c. */
static uint32_t dma_in(void *opaque, uint16_t port, int size) {
  Dma *d = opaque;
  (void)size;
  if (port >= 0x80 && port <= 0x8F) return d->pagereg[port - 0x80];
  int c = port >= 0xC0;
  int reg = c ? (port - 0xC0) >> 1 : port;
  if (c && (port & 1)) return 0xFF; /* odd ports of DMA2 are not decoded */
  DmaChip *k = &d->chip[c];
  if (reg < 8) {
    DmaChannel *ch = &d->ch[c * 4 + (reg >> 1)];
    uint16_t v = (reg & 1) ? ch->cur_count : ch->cur_addr;
    uint8_t b = k->flipflop ? (uint8_t)(v >> 8) : (uint8_t)v;
    k->flipflop = !k->flipflop;
    return b;
  }
  switch (reg) {
  case 8: {
    uint8_t v = (uint8_t)((k->status & 0x0F) | (k->request & 0x0F) << 4);
    k->status &= 0xF0;
    return v;
  }
  case 0xD:
    return k->temp;
  case 0xF:
    return 0xF0 | k->mask;
  default:
    return 0xFF;
  }
}

static void dma_out(void *opaque, uint16_t port, int size, uint32_t value) {
  Dma *d = opaque;
  (void)size;
  uint8_t v = (uint8_t)value;
  if (port >= 0x80 && port <= 0x8F) {
    d->pagereg[port - 0x80] = v;
    for (int i = 0; i < 8; i++)
      if (dma_page_port[i] == port - 0x80) d->ch[i].page = v;
    return;
  }
  int c = port >= 0xC0;
  if (c && (port & 1)) return;
  int reg = c ? (port - 0xC0) >> 1 : port;
  DmaChip *k = &d->chip[c];
  if (reg < 8) {
    DmaChannel *ch = &d->ch[c * 4 + (reg >> 1)];
    uint16_t *base = (reg & 1) ? &ch->base_count : &ch->base_addr;
    uint16_t *cur = (reg & 1) ? &ch->cur_count : &ch->cur_addr;
    if (k->flipflop)
      *base = (uint16_t)((*base & 0x00FF) | v << 8);
    else
      *base = (uint16_t)((*base & 0xFF00) | v);
    *cur = *base; /* writing the base also loads the current register */
    k->flipflop = !k->flipflop;
    return;
  }
  switch (reg) {
  case 8:
    k->command = v;
    break;
  case 9:
    if (v & 4)
      k->request |= (uint8_t)(1u << (v & 3));
    else
      k->request &= (uint8_t)~(1u << (v & 3));
    break;
  case 0xA:
    if (v & 4)
      k->mask |= (uint8_t)(1u << (v & 3));
    else
      k->mask &= (uint8_t)~(1u << (v & 3));
    break;
  case 0xB:
    d->ch[c * 4 + (v & 3)].mode = v & 0xFC;
    break;
  case 0xC:
    k->flipflop = false;
    break;
  case 0xD:
    dma_chip_clear(d, c);
    break;
  case 0xE:
    k->mask = 0;
    break;
  case 0xF:
    k->mask = v & 0x0F;
    break;
  }
}

static const IoPortOps dma_ops = {dma_in, dma_out};

bool dma_channel_ready(const Dma *d, int channel) {
  if (channel < 0 || channel > 7 || channel == 4) return false;
  const DmaChip *k = &d->chip[channel >> 2];
  if (k->command & 0x04) return false; /* controller disabled */
  if (k->mask & (1u << (channel & 3))) return false;
  if ((d->ch[channel].mode & 0xC0) == DMA_MODE_CASCADE) return false;
  return true;
}

uint32_t dma_remaining(const Dma *d, int channel) {
  if (channel < 0 || channel > 7) return 0;
  uint32_t units = (uint32_t)d->ch[channel].cur_count + 1;
  return channel >= 4 ? units * 2 : units;
}

bool dma_terminal_count(const Dma *d, int channel) {
  return channel >= 0 && channel < 8 && d->ch[channel].tc_last;
}

/* Physical address of the channel's current address. */
static uint32_t dma_phys(const DmaChannel *ch, bool word) {
  if (word) return ((uint32_t)(ch->page & 0xFE) << 16) | ((uint32_t)ch->cur_addr << 1);
  return ((uint32_t)ch->page << 16) | ch->cur_addr;
}

int dma_transfer(Dma *d, int channel, void *buf, int len, bool to_memory) {
  if (!dma_channel_ready(d, channel) || len <= 0) return 0;
  DmaChannel *ch = &d->ch[channel];
  DmaChip *k = &d->chip[channel >> 2];
  bool word = channel >= 4;
  int unit = word ? 2 : 1;
  uint8_t xfer = ch->mode & DMA_MODE_XFER_MASK;
  bool touch = (to_memory && xfer == DMA_MODE_WRITE) || (!to_memory && xfer == DMA_MODE_READ);
  bool dec = ch->mode & DMA_MODE_DECREMENT;
  uint8_t *p = buf;
  int done = 0;
  ch->tc_last = false;
  k->request &= (uint8_t)~(1u << (channel & 3));
  while (done + unit <= len) {
    /* A run of units that neither wraps the 16-bit address nor passes TC. */
    uint32_t left = (uint32_t)ch->cur_count + 1;
    uint32_t room = dec ? (uint32_t)ch->cur_addr + 1 : 0x10000u - ch->cur_addr;
    uint32_t n = (uint32_t)(len - done) / (uint32_t)unit;
    if (n > left) n = left;
    if (n > room) n = room;
    if (touch) {
      if (!dec) {
        uint32_t a = dma_phys(ch, word);
        if (to_memory)
          phys_write_buf(d->mem, a, p + done, n * (uint32_t)unit);
        else
          phys_read_buf(d->mem, a, p + done, n * (uint32_t)unit);
      } else {
        /* Decrement: unit i of the buffer goes to address - i. */
        DmaChannel tmp = *ch;
        for (uint32_t i = 0; i < n; i++) {
          uint32_t a = dma_phys(&tmp, word);
          if (to_memory)
            phys_write_buf(d->mem, a, p + done + i * (uint32_t)unit, (size_t)unit);
          else
            phys_read_buf(d->mem, a, p + done + i * (uint32_t)unit, (size_t)unit);
          tmp.cur_addr--;
        }
      }
    }
    ch->cur_addr = (uint16_t)(dec ? ch->cur_addr - n : ch->cur_addr + n);
    ch->cur_count = (uint16_t)(ch->cur_count - n);
    done += (int)n * unit;
    if (n == left) {
      /* Terminal count: the count rolled over from 0 to FFFF. */
      ch->tc_last = true;
      k->status |= (uint8_t)(1u << (channel & 3));
      if (ch->mode & DMA_MODE_AUTOINIT) {
        ch->cur_addr = ch->base_addr;
        ch->cur_count = ch->base_count;
      } else {
        k->mask |= (uint8_t)(1u << (channel & 3));
      }
      break;
    }
  }
  return done;
}

#define DMA_STATE_VERSION 1

static void dma_save(Device *dev, StateBuf *s) {
  Dma *d = (Dma *)dev;
  uint8_t v = DMA_STATE_VERSION;
  state_put(s, &v, 1);
  state_put(s, d->ch, sizeof d->ch);
  state_put(s, d->chip, sizeof d->chip);
  state_put(s, d->pagereg, sizeof d->pagereg);
}

static void dma_load(Device *dev, StateBuf *s) {
  Dma *d = (Dma *)dev;
  uint8_t v = 0;
  DmaChannel ch[8];
  DmaChip chip[2];
  uint8_t pr[16];
  state_get(s, &v, 1);
  state_get(s, ch, sizeof ch);
  state_get(s, chip, sizeof chip);
  state_get(s, pr, sizeof pr);
  if (s->error || v != DMA_STATE_VERSION) {
    s->error = true;
    return;
  }
  memcpy(d->ch, ch, sizeof ch);
  memcpy(d->chip, chip, sizeof chip);
  memcpy(d->pagereg, pr, sizeof pr);
}

void dma_init(Dma *d, IoBus *bus, PhysMem *mem) {
  memset(d, 0, sizeof *d);
  d->dev = (Device){.name = "dma", .reset = dma_reset, .save = dma_save, .load = dma_load};
  d->mem = mem;
  dma_reset(&d->dev);
  iobus_register(bus, 0x00, 16, &dma_ops, d, "dma1");
  iobus_register(bus, 0xC0, 32, &dma_ops, d, "dma2");
  iobus_register(bus, 0x80, 16, &dma_ops, d, "dma-page");
}
