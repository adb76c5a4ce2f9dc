/* Intel 82077AA floppy disk controller; see fdc.h. */
#include "devices/fdc.h"

#include <stdio.h>
#include <string.h>

/* Main status register. */
enum { MSR_RQM = 0x80, MSR_DIO = 0x40, MSR_NDMA = 0x20, MSR_CB = 0x10 };
/* Status register bits. */
enum {
  ST0_IC_ABNORMAL = 0x40, ST0_IC_INVALID = 0x80, ST0_IC_POLL = 0xC0,
  ST0_SE = 0x20, ST0_EC = 0x10,
  ST1_EN = 0x80, ST1_DE = 0x20, ST1_OR = 0x10, ST1_ND = 0x04, ST1_NW = 0x02, ST1_MA = 0x01,
  ST2_WC = 0x10, ST2_BC = 0x02,
  ST3_WP = 0x40, ST3_T0 = 0x10,
};
/* DOR bits. */
enum { DOR_NRESET = 0x04, DOR_DMAGATE = 0x08 };
/* CONFIGURE byte 3. */
enum { CFG_EIS = 0x40, CFG_EFIFO = 0x20, CFG_POLL = 0x10 };

#define R_500K 0x01
#define R_300K 0x02
#define R_250K 0x04
#define R_1M 0x08

static const FdcGeometry fdc_geometries[] = {
    {160, 40, 1, 8, R_250K | R_300K, 1, "160K"},
    {180, 40, 1, 9, R_250K | R_300K, 1, "180K"},
    {320, 40, 2, 8, R_250K | R_300K, 1, "320K"},
    {360, 40, 2, 9, R_250K | R_300K, 1, "360K"},
    {720, 80, 2, 9, R_250K, 3, "720K"},
    {1200, 80, 2, 15, R_500K, 2, "1.2M"},
    {1440, 80, 2, 18, R_500K, 4, "1.44M"},
    {1680, 80, 2, 21, R_500K, 4, "1.68M DMF"},
    {2880, 80, 2, 36, R_1M, 5, "2.88M"},
};

const FdcGeometry *fdc_geometry_for_size(uint64_t bytes) {
  for (size_t i = 0; i < sizeof fdc_geometries / sizeof fdc_geometries[0]; i++)
    if (bytes == (uint64_t)fdc_geometries[i].kbytes * 1024) return &fdc_geometries[i];
  return NULL;
}

/* Interrupt ------------------------------------------------------------- */

static void fdc_update_irq(Fdc *f) {
  bool level = f->r.irq_pending && (f->r.dor & DOR_DMAGATE);
  if (level != f->r.irq_level) {
    f->r.irq_level = level;
    if (f->set_irq) f->set_irq(f->opaque, FDC_IRQ, level);
  }
}

static void fdc_raise(Fdc *f) {
  f->r.irq_pending = true;
  fdc_update_irq(f);
}

static void fdc_lower(Fdc *f) {
  f->r.irq_pending = false;
  fdc_update_irq(f);
}

/* Reset ----------------------------------------------------------------- */

/* A software reset (DOR nRESET low, or DSR bit 7): the command state is
 * cleared; configuration survives if LOCKed. */
static void fdc_enter_reset(Fdc *f) {
  FdcRegs *r = &f->r;
  r->phase = FDC_PH_RESET;
  r->cmd_pos = r->cmd_len = 0;
  r->res_pos = r->res_len = 0;
  r->sense_pending = 0;
  r->busy = 0;
  if (r->lock)
    r->config = (uint8_t)(r->config & ~(CFG_EIS | CFG_POLL));
  else {
    r->config = CFG_EFIFO;
    r->pretrk = 0;
  }
  r->perp &= 0x3C; /* drive select bits stay, GAP/WGATE clear */
  for (int i = 0; i < 4; i++) r->drv[i].pcn = 0;
  fdc_lower(f);
}

/* Leaving reset: with polling enabled, the controller reports a ready
 * change for every drive: an interrupt and four SENSE INTERRUPT statuses
 * (ST0 = C0h | drive). */
static void fdc_leave_reset(Fdc *f) {
  FdcRegs *r = &f->r;
  r->phase = FDC_PH_IDLE;
  if (!(r->config & CFG_POLL)) {
    r->sense_pending = 0x0F;
    for (int i = 0; i < 4; i++) r->sense_st0[i] = (uint8_t)(ST0_IC_POLL | i);
    fdc_raise(f);
  }
}

static void fdc_reset(Device *d) {
  Fdc *f = (Fdc *)d;
  FdcRegs *r = &f->r;
  /* Hardware reset: everything, including LOCK, to its default. */
  bool irq_level = r->irq_level;
  FdcDriveState drv[4];
  memcpy(drv, r->drv, sizeof drv);
  memset(r, 0, sizeof *r);
  r->irq_level = irq_level;
  for (int i = 0; i < 4; i++) {
    r->drv[i].changed = drv[i].changed;
    r->drv[i].next_sector = 1;
  }
  r->rate = 2; /* 250 Kbps */
  r->dsr = 2;
  r->config = CFG_EFIFO;
  r->dor = 0;
  fdc_enter_reset(f);
}

/* Drives and media ------------------------------------------------------ */

static bool fdc_drive_present(const Fdc *f, int ds) { return ds < FDC_DRIVES && f->drive[ds].present; }

static DiskImage *fdc_media(const Fdc *f, int ds) { return ds < FDC_DRIVES ? f->drive[ds].img : NULL; }

/* Whether the medium in ds can be read at the current data rate. */
static bool fdc_readable(const Fdc *f, int ds) {
  if (!fdc_drive_present(f, ds) || !f->drive[ds].img || !f->drive[ds].geo) return false;
  return (f->drive[ds].geo->rates >> (f->r.rate & 3)) & 1;
}

/* Drive selected by the DOR (and its motor on), or -1. */
static int fdc_dor_drive(const Fdc *f) {
  int ds = f->r.dor & 3;
  if (!(f->r.dor & (0x10 << ds))) return -1;
  return ds;
}

/* Stepping with a disk in the drive clears its disk change line. */
static void fdc_stepped(Fdc *f, int ds) {
  if (fdc_media(f, ds)) f->r.drv[ds].changed = false;
}

/* Result phase ---------------------------------------------------------- */

static void fdc_result(Fdc *f, const uint8_t *bytes, int n, bool irq) {
  FdcRegs *r = &f->r;
  memcpy(r->res, bytes, (size_t)n);
  r->res_len = (uint8_t)n;
  r->res_pos = 0;
  r->phase = FDC_PH_RESULT;
  if (irq) fdc_raise(f);
}

static void fdc_invalid(Fdc *f) {
  uint8_t st0 = ST0_IC_INVALID;
  fdc_result(f, &st0, 1, false);
}

/* The 7 result bytes of a read/write/format command. */
static void fdc_rw_result(Fdc *f, uint8_t st0, uint8_t st1, uint8_t st2) {
  FdcRegs *r = &f->r;
  uint8_t res[7] = {(uint8_t)(st0 | r->x_head << 2 | r->x_ds), st1, st2, r->x_c, r->x_h, r->x_r, r->x_n};
  fdc_result(f, res, 7, true);
}

/* Data transfer --------------------------------------------------------- */

static uint32_t fdc_sector_size(uint8_t n) { return n > 7 ? 128u << 7 : 128u << n; }

/* Find sector (x_c, x_h, x_r, x_n) on the track under the head: its image
 * offset, or -1 with the ST1/ST2 bits of the failure. */
static int64_t fdc_find(Fdc *f, uint8_t *st1, uint8_t *st2, bool mfm) {
  FdcRegs *r = &f->r;
  int ds = r->x_ds;
  *st1 = *st2 = 0;
  if (!mfm || !fdc_readable(f, ds)) {
    *st1 = ST1_MA;
    return -1;
  }
  const FdcGeometry *g = f->drive[ds].geo;
  uint8_t pcn = r->drv[ds].pcn;
  if (pcn >= g->tracks || r->x_head >= g->heads) {
    *st1 = ST1_MA;
    return -1;
  }
  /* Every sector of a standard format carries ID (pcn, head, 1..spt, 2). */
  if (r->x_c != pcn) {
    *st1 = ST1_ND;
    *st2 = r->x_c == 0xFF ? ST2_BC : ST2_WC;
    return -1;
  }
  if (r->x_h != r->x_head || r->x_r < 1 || r->x_r > g->spt || r->x_n != 2) {
    *st1 = ST1_ND;
    return -1;
  }
  r->drv[ds].next_sector = (uint8_t)(r->x_r % g->spt + 1);
  return ((int64_t)(pcn * g->heads + r->x_head) * g->spt + (r->x_r - 1)) * 512;
}

/* After the sector x_r was transferred: move to the next one. Returns true
 * if the track (or cylinder, with MT) ended. The C/H/R/N left behind are
 * the ones the datasheet's result table gives. */
static bool fdc_advance(Fdc *f) {
  FdcRegs *r = &f->r;
  if (r->x_r != r->x_eot) {
    r->x_r++;
    return false;
  }
  r->x_r = 1;
  if (r->x_mt) {
    r->x_h ^= 1;
    if (r->x_head == 0) {
      r->x_head = 1;
      return false;
    }
  }
  r->x_c++;
  return true;
}

static void fdc_finish_end_of_track(Fdc *f) {
  /* The sector count ran to EOT without a terminal count. */
  fdc_rw_result(f, ST0_IC_ABNORMAL, ST1_EN, 0);
}

/* Run a read/write in DMA mode to its end. */
static void fdc_rw_dma(Fdc *f, bool write, bool mfm) {
  FdcRegs *r = &f->r;
  uint8_t buf[16384];
  for (;;) {
    uint8_t st1, st2;
    int64_t off = fdc_find(f, &st1, &st2, mfm);
    if (off < 0) {
      fdc_rw_result(f, ST0_IC_ABNORMAL, st1, st2);
      return;
    }
    uint32_t len = fdc_sector_size(r->x_n);
    DiskImage *img = fdc_media(f, r->x_ds);
    int moved = 0;
    bool gate = (r->dor & DOR_DMAGATE) && f->dma;
    if (!write) {
      if (disk_image_read(img, (uint64_t)off, buf, len) < 0) {
        fdc_rw_result(f, ST0_IC_ABNORMAL, ST1_DE, 0x20); /* data error in data field */
        return;
      }
      if (gate) moved = dma_transfer(f->dma, FDC_DMA_CHANNEL, buf, (int)len, true);
    } else {
      if (gate) moved = dma_transfer(f->dma, FDC_DMA_CHANNEL, buf, (int)len, false);
      bool tc = gate && dma_terminal_count(f->dma, FDC_DMA_CHANNEL);
      if (moved > 0 && ((uint32_t)moved == len || tc)) {
        /* A terminal count inside the sector: the rest is written as zeros. */
        memset(buf + moved, 0, len - (uint32_t)moved);
        if (disk_image_write(img, (uint64_t)off, buf, len) < 0) {
          fdc_rw_result(f, ST0_IC_ABNORMAL, ST1_NW, 0);
          return;
        }
      }
    }
    bool tc = gate && dma_terminal_count(f->dma, FDC_DMA_CHANNEL);
    if ((uint32_t)moved < len && !tc) {
      /* DREQ not serviced: overrun. */
      fdc_rw_result(f, ST0_IC_ABNORMAL, ST1_OR, 0);
      return;
    }
    bool end = fdc_advance(f);
    if (tc) {
      fdc_rw_result(f, 0, 0, 0);
      return;
    }
    if (end) {
      fdc_finish_end_of_track(f);
      return;
    }
  }
}

/* Non-DMA mode: set up the FIFO for the sector at x_r, or finish. */
static void fdc_pio_sector(Fdc *f, bool mfm) {
  FdcRegs *r = &f->r;
  uint8_t st1, st2;
  int64_t off = fdc_find(f, &st1, &st2, mfm);
  if (off < 0) {
    fdc_rw_result(f, ST0_IC_ABNORMAL, st1, st2);
    return;
  }
  uint32_t len = fdc_sector_size(r->x_n);
  if (len > sizeof r->x_buf) len = sizeof r->x_buf;
  r->x_len = (uint16_t)len;
  r->x_pos = 0;
  if (!r->x_write && disk_image_read(fdc_media(f, r->x_ds), (uint64_t)off, r->x_buf, len) < 0) {
    fdc_rw_result(f, ST0_IC_ABNORMAL, ST1_DE, 0x20);
    return;
  }
  r->phase = FDC_PH_EXEC;
  fdc_raise(f);
}

/* A non-DMA sector buffer was emptied (read) or filled (write). */
static void fdc_pio_sector_done(Fdc *f) {
  FdcRegs *r = &f->r;
  if (r->x_write) {
    uint8_t st1, st2;
    int64_t off = fdc_find(f, &st1, &st2, true);
    if (off < 0 || disk_image_write(fdc_media(f, r->x_ds), (uint64_t)off, r->x_buf, r->x_len) < 0) {
      fdc_rw_result(f, ST0_IC_ABNORMAL, off < 0 ? st1 : ST1_NW, off < 0 ? st2 : 0);
      return;
    }
  }
  if (fdc_advance(f)) {
    fdc_finish_end_of_track(f);
    return;
  }
  fdc_pio_sector(f, true);
}

/* FORMAT TRACK with the sc IDs (4 bytes each) in ids. */
static void fdc_format_apply(Fdc *f, const uint8_t *ids, int sc, uint8_t filler) {
  FdcRegs *r = &f->r;
  int ds = r->x_ds;
  const FdcGeometry *g = f->drive[ds].geo;
  uint8_t pcn = r->drv[ds].pcn;
  uint8_t sector[512];
  memset(sector, filler, sizeof sector);
  for (int i = 0; i < sc; i++) {
    const uint8_t *id = ids + 4 * i;
    r->x_c = id[0];
    r->x_h = id[1];
    r->x_r = id[2];
    r->x_n = id[3];
    /* Only the standard layout is representable in a flat image. */
    if (id[3] != 2 || id[2] < 1 || id[2] > g->spt) continue;
    uint64_t off = ((uint64_t)(pcn * g->heads + r->x_head) * g->spt + (id[2] - 1u)) * 512;
    if (disk_image_write(fdc_media(f, ds), off, sector, 512) < 0) {
      fdc_rw_result(f, ST0_IC_ABNORMAL, ST1_NW, 0);
      return;
    }
  }
  fdc_rw_result(f, 0, 0, 0);
}

/* Commands -------------------------------------------------------------- */

static void fdc_cmd_rw(Fdc *f) {
  FdcRegs *r = &f->r;
  uint8_t op = r->cmd[0] & 0x1F;
  bool write = op == 0x05 || op == 0x09;
  bool mfm = r->cmd[0] & 0x40;
  r->x_write = write;
  r->x_format = false;
  r->x_mt = r->cmd[0] & 0x80;
  r->x_ds = r->cmd[1] & 3;
  r->x_head = r->cmd[1] >> 2 & 1;
  r->x_c = r->cmd[2];
  r->x_h = r->cmd[3];
  r->x_r = r->cmd[4];
  r->x_n = r->cmd[5];
  r->x_eot = r->cmd[6];
  if ((r->config & CFG_EIS) && fdc_drive_present(f, r->x_ds) && r->drv[r->x_ds].pcn != r->x_c) {
    /* Implied seek. */
    r->drv[r->x_ds].pcn = r->x_c;
    fdc_stepped(f, r->x_ds);
  }
  if (write && fdc_media(f, r->x_ds) && fdc_media(f, r->x_ds)->read_only) {
    fdc_rw_result(f, ST0_IC_ABNORMAL, ST1_NW, 0);
    return;
  }
  if (r->hlt_nd & 1)
    fdc_pio_sector(f, mfm);
  else
    fdc_rw_dma(f, write, mfm);
}

static void fdc_cmd_format(Fdc *f) {
  FdcRegs *r = &f->r;
  r->x_write = true;
  r->x_format = true;
  r->x_mt = false;
  r->x_ds = r->cmd[1] & 3;
  r->x_head = r->cmd[1] >> 2 & 1;
  int ds = r->x_ds;
  r->x_c = r->drv[ds].pcn;
  r->x_h = r->x_head;
  r->x_r = 1;
  r->x_n = r->cmd[2];
  int sc = r->cmd[3];
  if (fdc_media(f, ds) && fdc_media(f, ds)->read_only) {
    fdc_rw_result(f, ST0_IC_ABNORMAL, ST1_NW, 0);
    return;
  }
  if (!(r->cmd[0] & 0x40) || !fdc_readable(f, ds) || r->drv[ds].pcn >= f->drive[ds].geo->tracks ||
      r->x_head >= f->drive[ds].geo->heads) {
    fdc_rw_result(f, ST0_IC_ABNORMAL, ST1_MA, 0);
    return;
  }
  if (sc * 4 > (int)sizeof r->x_buf) sc = (int)sizeof r->x_buf / 4;
  if (r->hlt_nd & 1) {
    /* Non-DMA: the host writes the IDs through the FIFO. */
    r->x_len = (uint16_t)(sc * 4);
    r->x_pos = 0;
    r->phase = FDC_PH_EXEC;
    if (sc == 0)
      fdc_format_apply(f, r->x_buf, 0, r->cmd[5]);
    else
      fdc_raise(f);
    return;
  }
  uint8_t ids[1024];
  int got = 0;
  bool gate = (r->dor & DOR_DMAGATE) && f->dma;
  if (gate) got = dma_transfer(f->dma, FDC_DMA_CHANNEL, ids, sc * 4, false);
  if (got < sc * 4 && !(gate && dma_terminal_count(f->dma, FDC_DMA_CHANNEL))) {
    fdc_rw_result(f, ST0_IC_ABNORMAL, ST1_OR, 0);
    return;
  }
  fdc_format_apply(f, ids, got / 4, r->cmd[5]);
}

static void fdc_cmd_read_id(Fdc *f) {
  FdcRegs *r = &f->r;
  r->x_ds = r->cmd[1] & 3;
  r->x_head = r->cmd[1] >> 2 & 1;
  int ds = r->x_ds;
  r->x_c = r->drv[ds].pcn;
  r->x_h = r->x_head;
  r->x_r = r->drv[ds].next_sector ? r->drv[ds].next_sector : 1;
  r->x_n = 2;
  if (!(r->cmd[0] & 0x40) || !fdc_readable(f, ds) || r->drv[ds].pcn >= f->drive[ds].geo->tracks ||
      r->x_head >= f->drive[ds].geo->heads) {
    fdc_rw_result(f, ST0_IC_ABNORMAL, ST1_MA, 0);
    return;
  }
  const FdcGeometry *g = f->drive[ds].geo;
  if (r->x_r > g->spt) r->x_r = 1;
  r->drv[ds].next_sector = (uint8_t)(r->x_r % g->spt + 1);
  fdc_rw_result(f, 0, 0, 0);
}

static void fdc_seek_done(Fdc *f, int ds, uint8_t st0) {
  FdcRegs *r = &f->r;
  r->sense_st0[ds] = st0;
  r->sense_pending |= (uint8_t)(1u << ds);
  r->busy |= (uint8_t)(1u << ds);
  r->phase = FDC_PH_IDLE;
  fdc_raise(f);
}

static void fdc_execute(Fdc *f) {
  FdcRegs *r = &f->r;
  uint8_t c0 = r->cmd[0];
  switch (c0 & 0x1F) {
  case 0x05: case 0x06: case 0x09: case 0x0C:
    fdc_cmd_rw(f);
    return;
  case 0x0A:
    fdc_cmd_read_id(f);
    return;
  case 0x0D:
    fdc_cmd_format(f);
    return;
  }
  switch (c0) {
  case 0x03: /* SPECIFY */
    r->srt_hut = r->cmd[1];
    r->hlt_nd = r->cmd[2];
    r->phase = FDC_PH_IDLE;
    return;
  case 0x04: { /* SENSE DRIVE STATUS */
    int ds = r->cmd[1] & 3;
    uint8_t st3 = (uint8_t)(0x28 | (r->cmd[1] & 7));
    DiskImage *img = fdc_media(f, ds);
    if (fdc_drive_present(f, ds)) {
      if (r->drv[ds].pcn == 0) st3 |= ST3_T0;
      if (!img || img->read_only) st3 |= ST3_WP;
    }
    fdc_result(f, &st3, 1, false);
    return;
  }
  case 0x07: { /* RECALIBRATE */
    int ds = r->cmd[1] & 3;
    if (!fdc_drive_present(f, ds)) {
      /* No track 0 signal within 79 steps: equipment check. */
      r->drv[ds].pcn = 0;
      fdc_seek_done(f, ds, (uint8_t)(ST0_IC_ABNORMAL | ST0_SE | ST0_EC | ds));
      return;
    }
    r->drv[ds].pcn = 0;
    fdc_stepped(f, ds);
    fdc_seek_done(f, ds, (uint8_t)(ST0_SE | ds));
    return;
  }
  case 0x08: { /* SENSE INTERRUPT STATUS */
    if (!r->sense_pending) {
      fdc_lower(f);
      fdc_invalid(f);
      return;
    }
    int ds = 0;
    while (!(r->sense_pending >> ds & 1)) ds++;
    r->sense_pending &= (uint8_t)~(1u << ds);
    r->busy &= (uint8_t)~(1u << ds);
    uint8_t res[2] = {r->sense_st0[ds], r->drv[ds].pcn};
    fdc_lower(f);
    fdc_result(f, res, 2, false);
    return;
  }
  case 0x0E: { /* DUMPREG */
    uint8_t sc_eot = r->x_eot;
    uint8_t res[10] = {r->drv[0].pcn, r->drv[1].pcn, r->drv[2].pcn, r->drv[3].pcn, r->srt_hut, r->hlt_nd,
                       sc_eot, (uint8_t)((r->lock ? 0x80 : 0) | (r->perp & 0x7F)), r->config, r->pretrk};
    fdc_result(f, res, 10, false);
    return;
  }
  case 0x0F: case 0x8F: case 0xCF: { /* SEEK, RELATIVE SEEK */
    int ds = r->cmd[1] & 3;
    uint8_t head = r->cmd[1] >> 2 & 1;
    int target = r->cmd[2];
    if (c0 == 0x8F) target = r->drv[ds].pcn - target;
    if (c0 == 0xCF) target = r->drv[ds].pcn + target;
    if (target < 0) target = 0;
    if (target > 255) target = 255;
    if (fdc_drive_present(f, ds) && target != r->drv[ds].pcn) fdc_stepped(f, ds);
    r->drv[ds].pcn = (uint8_t)target;
    fdc_seek_done(f, ds, (uint8_t)(ST0_SE | head << 2 | ds));
    return;
  }
  case 0x10: { /* VERSION */
    uint8_t v = 0x90;
    fdc_result(f, &v, 1, false);
    return;
  }
  case 0x12: /* PERPENDICULAR MODE */
    if (r->cmd[1] & 0x80)
      r->perp = r->cmd[1] & 0x3F;
    else
      r->perp = (uint8_t)((r->perp & 0x3C) | (r->cmd[1] & 0x03));
    r->phase = FDC_PH_IDLE;
    return;
  case 0x13: /* CONFIGURE */
    r->config = r->cmd[2] & 0x7F;
    r->pretrk = r->cmd[3];
    r->phase = FDC_PH_IDLE;
    return;
  case 0x14: case 0x94: { /* LOCK */
    r->lock = c0 & 0x80;
    uint8_t v = r->lock ? 0x10 : 0x00;
    fdc_result(f, &v, 1, false);
    return;
  }
  }
  fdc_invalid(f);
}

/* Number of bytes of the command whose first byte is c0 (1 for invalid). */
static int fdc_cmd_length(uint8_t c0) {
  switch (c0 & 0x1F) {
  case 0x05: case 0x06: case 0x09: case 0x0C:
    return 9;
  case 0x0A:
    return (c0 & 0xBF) == 0x0A ? 2 : 1;
  case 0x0D:
    return (c0 & 0xBF) == 0x0D ? 6 : 1;
  }
  switch (c0) {
  case 0x03: return 3;
  case 0x04: return 2;
  case 0x07: return 2;
  case 0x0F: case 0x8F: case 0xCF: return 3;
  case 0x12: return 2;
  case 0x13: return 4;
  default: return 1;
  }
}

/* Ports ----------------------------------------------------------------- */

static uint8_t fdc_msr(const Fdc *f) {
  const FdcRegs *r = &f->r;
  switch (r->phase) {
  case FDC_PH_RESET:
    return 0;
  case FDC_PH_IDLE:
    return (uint8_t)(MSR_RQM | (r->busy & 0x0F));
  case FDC_PH_COMMAND:
    return MSR_RQM | MSR_CB | (r->busy & 0x0F);
  case FDC_PH_EXEC:
    return (uint8_t)(MSR_RQM | MSR_NDMA | MSR_CB | (r->x_write ? 0 : MSR_DIO));
  default:
    return MSR_RQM | MSR_DIO | MSR_CB;
  }
}

static uint8_t fdc_fifo_read(Fdc *f) {
  FdcRegs *r = &f->r;
  if (r->phase == FDC_PH_RESULT) {
    /* Reading the result clears the interrupt of a data command. */
    if (r->res_pos == 0) fdc_lower(f);
    uint8_t v = r->res[r->res_pos++];
    if (r->res_pos >= r->res_len) r->phase = FDC_PH_IDLE;
    return v;
  }
  if (r->phase == FDC_PH_EXEC && !r->x_write) {
    uint8_t v = r->x_buf[r->x_pos++];
    if (r->x_pos >= r->x_len) fdc_pio_sector_done(f);
    return v;
  }
  return 0xFF;
}

static void fdc_fifo_write(Fdc *f, uint8_t v) {
  FdcRegs *r = &f->r;
  if (r->phase == FDC_PH_EXEC && r->x_write) {
    r->x_buf[r->x_pos++] = v;
    if (r->x_pos >= r->x_len) {
      if (r->x_format)
        fdc_format_apply(f, r->x_buf, r->x_len / 4, r->cmd[5]);
      else
        fdc_pio_sector_done(f);
    }
    return;
  }
  if (r->phase == FDC_PH_RESULT || r->phase == FDC_PH_EXEC) {
    /* A new command byte while the controller wants to send: ignored by
     * the chip (RQM/DIO say "read"). */
    return;
  }
  if (r->phase == FDC_PH_RESET) return;
  if (r->phase == FDC_PH_IDLE) {
    r->cmd_pos = 0;
    r->cmd_len = (uint8_t)fdc_cmd_length(v);
    r->phase = FDC_PH_COMMAND;
  }
  r->cmd[r->cmd_pos++] = v;
  if (r->cmd_pos >= r->cmd_len) fdc_execute(f);
}

static uint32_t fdc_in(void *opaque, uint16_t port, int size) {
  Fdc *f = opaque;
  (void)size;
  switch (port & 7) {
  case 2:
    return f->r.dor;
  case 3:
    return f->r.tdr & 3;
  case 4:
    return fdc_msr(f);
  case 5:
    return fdc_fifo_read(f);
  case 7: {
    int ds = fdc_dor_drive(f);
    return ds >= 0 && fdc_drive_present(f, ds) && f->r.drv[ds].changed ? 0x80 : 0x00;
  }
  default:
    return 0xFF; /* SRA/SRB exist in PS/2 mode only */
  }
}

static void fdc_out(void *opaque, uint16_t port, int size, uint32_t value) {
  Fdc *f = opaque;
  FdcRegs *r = &f->r;
  uint8_t v = (uint8_t)value;
  (void)size;
  switch (port & 7) {
  case 2: {
    uint8_t old = r->dor;
    r->dor = v;
    if (!(v & DOR_NRESET)) {
      if (old & DOR_NRESET || r->phase != FDC_PH_RESET) fdc_enter_reset(f);
    } else if (r->phase == FDC_PH_RESET) {
      fdc_leave_reset(f);
    }
    fdc_update_irq(f);
    break;
  }
  case 3:
    r->tdr = v & 3;
    break;
  case 4:
    r->dsr = v & 0x7F;
    r->rate = v & 3;
    if (v & 0x80) {
      /* Self-clearing software reset. */
      fdc_enter_reset(f);
      if (r->dor & DOR_NRESET) fdc_leave_reset(f);
    }
    break;
  case 5:
    fdc_fifo_write(f, v);
    break;
  case 7:
    r->rate = v & 3;
    r->dsr = (uint8_t)((r->dsr & ~3) | (v & 3));
    break;
  }
}

static const IoPortOps fdc_ops = {fdc_in, fdc_out};

/* State ----------------------------------------------------------------- */

#define FDC_STATE_VERSION 1

static void fdc_save(Device *d, StateBuf *s) {
  Fdc *f = (Fdc *)d;
  uint8_t v = FDC_STATE_VERSION;
  state_put(s, &v, 1);
  state_put(s, &f->r, sizeof f->r);
}

static void fdc_load(Device *d, StateBuf *s) {
  Fdc *f = (Fdc *)d;
  uint8_t v = 0;
  FdcRegs r;
  state_get(s, &v, 1);
  state_get(s, &r, sizeof r);
  if (s->error || v != FDC_STATE_VERSION || r.phase > FDC_PH_RESET || r.cmd_len > sizeof r.cmd ||
      r.cmd_pos > r.cmd_len || r.res_len > sizeof r.res || r.res_pos > r.res_len ||
      r.x_len > sizeof r.x_buf || r.x_pos > r.x_len) {
    s->error = true;
    return;
  }
  bool level = f->r.irq_level;
  f->r = r;
  f->r.irq_level = level;
  fdc_update_irq(f);
}

/* Public ---------------------------------------------------------------- */

void fdc_init(Fdc *f, IoBus *bus, Dma *dma) {
  memset(f, 0, sizeof *f);
  f->dev = (Device){.name = "fdc", .reset = fdc_reset, .save = fdc_save, .load = fdc_load};
  f->dma = dma;
  for (int i = 0; i < 4; i++) f->r.drv[i].changed = true; /* as drives report at power-on */
  fdc_reset(&f->dev);
  iobus_register(bus, 0x3F0, 6, &fdc_ops, f, "fdc");
  iobus_register(bus, 0x3F7, 1, &fdc_ops, f, "fdc");
}

void fdc_connect_drive(Fdc *f, int drive, bool present) {
  if (drive < 0 || drive >= FDC_DRIVES) return;
  f->drive[drive].present = present;
}

int fdc_insert(Fdc *f, int drive, DiskImage *img, char *err, size_t errlen) {
  if (drive < 0 || drive >= FDC_DRIVES) {
    if (err && errlen) snprintf(err, errlen, "floppy drive %d does not exist (0 or 1)", drive);
    return -1;
  }
  const FdcGeometry *g = fdc_geometry_for_size(disk_image_size(img));
  if (!g) {
    if (err && errlen)
      snprintf(err, errlen,
               "%s: %llu bytes is not a floppy image size (160K, 180K, 320K, 360K, 720K, 1.2M, 1.44M, "
               "1.68M or 2.88M)",
               img ? img->path : "?", (unsigned long long)disk_image_size(img));
    return -1;
  }
  if (!img->dev) img->dev = drive ? "fd1" : "fd0";
  f->drive[drive].present = true;
  f->drive[drive].img = img;
  f->drive[drive].geo = g;
  f->r.drv[drive].changed = true;
  f->r.drv[drive].next_sector = 1;
  return 0;
}

DiskImage *fdc_eject(Fdc *f, int drive) {
  if (drive < 0 || drive >= FDC_DRIVES) return NULL;
  DiskImage *img = f->drive[drive].img;
  f->drive[drive].img = NULL;
  f->drive[drive].geo = NULL;
  f->r.drv[drive].changed = true;
  return img;
}

int fdc_cmos_type(const Fdc *f, int drive) {
  if (drive < 0 || drive >= FDC_DRIVES || !f->drive[drive].present) return 0;
  return f->drive[drive].geo ? f->drive[drive].geo->cmos_type : 4;
}
