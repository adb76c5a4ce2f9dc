/* PIIX3 IDE: ATA hard disks and ATAPI CD-ROMs over PIO; see ide.h. */
#include "devices/ide.h"

#include <stdio.h>
#include <string.h>

/* Status and error bits. */
enum { ST_BSY = 0x80, ST_DRDY = 0x40, ST_DF = 0x20, ST_DSC = 0x10, ST_DRQ = 0x08, ST_ERR = 0x01 };
enum { ER_UNC = 0x40, ER_IDNF = 0x10, ER_ABRT = 0x04 };
/* Device control. */
enum { CTL_NIEN = 0x02, CTL_SRST = 0x04, CTL_HOB = 0x80 };
/* ATAPI interrupt reason (sector count register). */
enum { IR_COD = 0x01, IR_IO = 0x02 };
/* Sense keys. */
enum { SK_NO_SENSE = 0, SK_NOT_READY = 2, SK_MEDIUM_ERROR = 3, SK_ILLEGAL_REQUEST = 5, SK_UNIT_ATTENTION = 6 };

#define IDE_MAX_MULT 16
#define CD_SECTOR 2048

static const uint16_t ide_base[2] = {0x1F0, 0x170};
static const uint16_t ide_ctl_port[2] = {0x3F6, 0x376};
static const int ide_irq[2] = {14, 15};

/* Helpers --------------------------------------------------------------- */

static void put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}
static uint32_t get16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static int ide_chan_index(const Ide *ide, const IdeChannel *c) { return c == &ide->ch[0] ? 0 : 1; }

static DiskImage *ide_image(Ide *ide, IdeChannel *c, IdeDrive *d) {
  return ide->img[ide_chan_index(ide, c)][d == &c->drive[0] ? 0 : 1];
}

static uint64_t ide_sectors(Ide *ide, IdeChannel *c, IdeDrive *d) {
  DiskImage *img = ide_image(ide, c, d);
  if (!img) return 0;
  return disk_image_size(img) / (d->kind == IDE_CD ? CD_SECTOR : 512);
}

static bool ide_cd_media(Ide *ide, IdeChannel *c, IdeDrive *d) {
  return !d->tray_open && ide_image(ide, c, d) && ide_sectors(ide, c, d) > 0;
}

/* Interrupt ------------------------------------------------------------- */

static void ide_update_irq(Ide *ide, IdeChannel *c) {
  IdeDrive *d = &c->drive[c->sel];
  bool level = d->kind != IDE_NONE && d->intrq && !(c->ctl & CTL_NIEN);
  if (level) c->bm[2] |= 0x04; /* bus-master status: interrupt */
  if (level != c->irq_level) {
    c->irq_level = level;
    if (ide->set_irq) ide->set_irq(ide->opaque, ide_irq[ide_chan_index(ide, c)], level);
  }
}

static void ide_raise(Ide *ide, IdeChannel *c, IdeDrive *d) {
  d->intrq = true;
  ide_update_irq(ide, c);
}

/* Signature and reset ---------------------------------------------------- */

static void ide_signature(IdeDrive *d) {
  d->nsect = 1;
  d->sector = 1;
  d->lcyl = d->kind == IDE_CD ? 0x14 : 0x00;
  d->hcyl = d->kind == IDE_CD ? 0xEB : 0x00;
  d->select = 0;
  d->hob_nsect = d->hob_sector = d->hob_lcyl = d->hob_hcyl = d->hob_feature = 0;
}

static void ide_drive_reset(IdeDrive *d) {
  ide_signature(d);
  d->error = 0x01;
  d->status = d->kind == IDE_HD ? (ST_DRDY | ST_DSC) : 0;
  d->xfer = IDE_XF_NONE;
  d->intrq = false;
  d->pos = d->end = d->fill = 0;
  d->remaining = 0;
  d->cd_left = 0;
}

static void ide_channel_reset(Ide *ide, IdeChannel *c) {
  for (int i = 0; i < 2; i++) ide_drive_reset(&c->drive[i]);
  c->sel = 0;
  ide_update_irq(ide, c);
}

/* ATA completion helpers ------------------------------------------------ */

static void ide_abort(Ide *ide, IdeChannel *c, IdeDrive *d, uint8_t err) {
  d->xfer = IDE_XF_NONE;
  d->error = err;
  d->status = (uint8_t)((d->kind == IDE_HD ? ST_DRDY | ST_DSC : ST_DRDY) | ST_ERR);
  ide_raise(ide, c, d);
}

static void ide_ok(Ide *ide, IdeChannel *c, IdeDrive *d) {
  d->xfer = IDE_XF_NONE;
  d->error = 0;
  d->status = d->kind == IDE_HD ? ST_DRDY | ST_DSC : ST_DRDY;
  ide_raise(ide, c, d);
}

/* Strings in IDENTIFY: two characters per word, first in the high byte. */
static void ide_id_string(uint16_t *w, const char *s, int words) {
  size_t n = strlen(s);
  for (int i = 0; i < words * 2; i++) {
    uint8_t ch = (size_t)i < n ? (uint8_t)s[i] : ' ';
    if (i & 1)
      w[i / 2] |= ch;
    else
      w[i / 2] = (uint16_t)(ch << 8);
  }
}

static void ide_id_finish(IdeDrive *d, uint16_t *w) {
  /* Word 255: signature A5h and a checksum making all 512 bytes sum to 0. */
  w[255] = 0x00A5;
  uint8_t sum = 0;
  for (int i = 0; i < 255; i++) sum = (uint8_t)(sum + (w[i] & 0xFF) + (w[i] >> 8));
  sum = (uint8_t)(sum + 0xA5);
  w[255] |= (uint16_t)((uint8_t)-sum << 8);
  for (int i = 0; i < 256; i++) {
    d->buf[2 * i] = (uint8_t)w[i];
    d->buf[2 * i + 1] = (uint8_t)(w[i] >> 8);
  }
}

static void ide_serial(char *out, size_t n, Ide *ide, IdeChannel *c, IdeDrive *d) {
  snprintf(out, n, "HOLO86-%d%d", ide_chan_index(ide, c), d == &c->drive[0] ? 0 : 1);
}

static void ide_identify_ata(Ide *ide, IdeChannel *c, IdeDrive *d) {
  uint16_t w[256];
  memset(w, 0, sizeof w);
  uint64_t total = ide_sectors(ide, c, d);
  char serial[21];
  ide_serial(serial, sizeof serial, ide, c, d);
  w[0] = 0x0040; /* fixed device */
  w[1] = d->cyls;
  w[3] = d->heads;
  w[6] = d->spt;
  ide_id_string(&w[10], serial, 10);
  ide_id_string(&w[23], "1.0", 4);
  ide_id_string(&w[27], "HOLO86 HARDDISK", 20);
  w[47] = 0x8000 | IDE_MAX_MULT;
  w[49] = 0x0200; /* LBA; no DMA */
  w[50] = 0x4000;
  w[51] = 0x0200; /* PIO mode 2 timing */
  w[53] = 0x0003; /* words 54-58 and 64-70 valid */
  uint32_t ccyl = 0;
  if (d->cur_heads && d->cur_spt) {
    uint64_t cc = total / ((uint64_t)d->cur_heads * d->cur_spt);
    ccyl = cc > 65535 ? 65535 : (uint32_t)cc;
  }
  uint32_t ccap = ccyl * d->cur_heads * d->cur_spt;
  w[54] = (uint16_t)ccyl;
  w[55] = d->cur_heads;
  w[56] = d->cur_spt;
  w[57] = (uint16_t)ccap;
  w[58] = (uint16_t)(ccap >> 16);
  w[59] = d->mult ? (uint16_t)(0x0100 | d->mult) : 0;
  uint32_t lba28 = total > 0x0FFFFFFF ? 0x0FFFFFFF : (uint32_t)total;
  w[60] = (uint16_t)lba28;
  w[61] = (uint16_t)(lba28 >> 16);
  w[63] = 0; /* no multiword DMA */
  w[64] = 0x0003; /* PIO modes 3 and 4 */
  w[65] = w[66] = w[67] = w[68] = 120;
  w[80] = 0x007E; /* ATA-1 .. ATA/ATAPI-6 */
  w[82] = 0x4000; /* NOP: our NOP aborts as the standard says */
  w[83] = 0x4000 | 1u << 13 | 1u << 12 | 1u << 10; /* FLUSH CACHE (EXT), 48-bit */
  w[84] = 0x4000;
  w[85] = 0x4000;
  w[86] = 1u << 13 | 1u << 12 | 1u << 10;
  w[87] = 0x4000;
  w[100] = (uint16_t)total;
  w[101] = (uint16_t)(total >> 16);
  w[102] = (uint16_t)(total >> 32);
  w[103] = (uint16_t)(total >> 48);
  ide_id_finish(d, w);
}

static void ide_identify_atapi(Ide *ide, IdeChannel *c, IdeDrive *d) {
  uint16_t w[256];
  memset(w, 0, sizeof w);
  char serial[21];
  ide_serial(serial, sizeof serial, ide, c, d);
  /* ATAPI, CD-ROM, removable, accelerated DRQ (50 us, no interrupt), 12-byte packets. */
  w[0] = 0x8000 | 0x0500 | 0x0080 | 0x0040;
  ide_id_string(&w[10], serial, 10);
  ide_id_string(&w[23], "1.0", 4);
  ide_id_string(&w[27], "HOLO86 CD-ROM", 20);
  w[49] = 0x0200; /* LBA; no DMA */
  w[50] = 0x4000;
  w[51] = 0x0200;
  w[53] = 0x0003;
  w[63] = 0;
  w[64] = 0x0003;
  w[65] = w[66] = w[67] = w[68] = 120;
  w[71] = 30; /* typical time from PACKET to released bus, ns */
  w[72] = 30;
  w[80] = 0x001E; /* ATA/ATAPI-4 and below */
  w[82] = 0x4010; /* PACKET feature set */
  w[83] = 0x4000;
  w[84] = 0x4000;
  w[85] = 0x4010;
  w[87] = 0x4000;
  ide_id_finish(d, w);
}

/* Start a PIO data-in of the len bytes already in buf (IDENTIFY). */
static void ide_pio_in(Ide *ide, IdeChannel *c, IdeDrive *d, uint32_t len) {
  d->xfer = IDE_XF_PIO_IN;
  d->pos = 0;
  d->end = len;
  d->error = 0;
  d->status = (uint8_t)((d->kind == IDE_HD ? ST_DRDY | ST_DSC : ST_DRDY) | ST_DRQ);
  ide_raise(ide, c, d);
}

/* ATA addressing --------------------------------------------------------- */

/* The command's starting sector, or -1 if the CHS address is invalid. */
static int64_t ide_start_lba(IdeDrive *d, bool lba48) {
  if (lba48)
    return (int64_t)((uint64_t)d->hob_hcyl << 40 | (uint64_t)d->hob_lcyl << 32 | (uint64_t)d->hob_sector << 24 |
                     (uint64_t)d->hcyl << 16 | (uint64_t)d->lcyl << 8 | d->sector);
  if (d->select & 0x40)
    return (int64_t)((uint32_t)(d->select & 0x0F) << 24 | (uint32_t)d->hcyl << 16 | (uint32_t)d->lcyl << 8 |
                     d->sector);
  uint32_t cyl = (uint32_t)d->hcyl << 8 | d->lcyl;
  uint32_t head = d->select & 0x0F;
  uint32_t s = d->sector;
  if (!d->cur_heads || !d->cur_spt || s == 0 || s > d->cur_spt || head >= d->cur_heads) return -1;
  return (int64_t)(((uint64_t)cyl * d->cur_heads + head) * d->cur_spt + s - 1);
}

/* Write lba into the command block registers in the form the command used. */
static void ide_set_address(IdeDrive *d, uint64_t lba, bool lba48) {
  if (lba48) {
    d->sector = (uint8_t)lba;
    d->lcyl = (uint8_t)(lba >> 8);
    d->hcyl = (uint8_t)(lba >> 16);
    d->hob_sector = (uint8_t)(lba >> 24);
    d->hob_lcyl = (uint8_t)(lba >> 32);
    d->hob_hcyl = (uint8_t)(lba >> 40);
  } else if (d->select & 0x40) {
    d->sector = (uint8_t)lba;
    d->lcyl = (uint8_t)(lba >> 8);
    d->hcyl = (uint8_t)(lba >> 16);
    d->select = (uint8_t)((d->select & 0xF0) | ((lba >> 24) & 0x0F));
  } else if (d->cur_heads && d->cur_spt) {
    uint64_t cyl = lba / ((uint64_t)d->cur_heads * d->cur_spt);
    uint32_t rem = (uint32_t)(lba % ((uint64_t)d->cur_heads * d->cur_spt));
    d->lcyl = (uint8_t)cyl;
    d->hcyl = (uint8_t)(cyl >> 8);
    d->select = (uint8_t)((d->select & 0xF0) | (rem / d->cur_spt));
    d->sector = (uint8_t)(rem % d->cur_spt + 1);
  }
}

/* Load the next DRQ block of a read into buf. */
static bool ide_read_block(Ide *ide, IdeChannel *c, IdeDrive *d) {
  uint32_t n = d->remaining < d->block ? d->remaining : d->block;
  DiskImage *img = ide_image(ide, c, d);
  if (disk_image_read(img, d->lba * 512, d->buf, n * 512) < 0) {
    ide_set_address(d, d->lba, d->lba48);
    ide_abort(ide, c, d, ER_UNC);
    return false;
  }
  d->pos = 0;
  d->end = n * 512;
  d->xfer = IDE_XF_READ;
  d->status = ST_DRDY | ST_DSC | ST_DRQ;
  d->error = 0;
  ide_raise(ide, c, d);
  return true;
}

static void ide_write_block_start(Ide *ide, IdeChannel *c, IdeDrive *d, bool first) {
  uint32_t n = d->remaining < d->block ? d->remaining : d->block;
  d->pos = 0;
  d->end = n * 512;
  d->xfer = IDE_XF_WRITE;
  d->status = ST_DRDY | ST_DSC | ST_DRQ;
  /* No interrupt before the first block of a write. */
  if (!first) ide_raise(ide, c, d);
}

/* READ/WRITE SECTORS and friends. */
static void ide_cmd_rw(Ide *ide, IdeChannel *c, IdeDrive *d, bool write, bool lba48, bool multiple, bool verify) {
  if (multiple && !d->mult) {
    ide_abort(ide, c, d, ER_ABRT);
    return;
  }
  uint32_t count = lba48 ? ((uint32_t)d->hob_nsect << 8 | d->nsect) : d->nsect;
  if (count == 0) count = lba48 ? 65536 : 256;
  int64_t lba = ide_start_lba(d, lba48);
  uint64_t total = ide_sectors(ide, c, d);
  if (lba < 0 || (uint64_t)lba + count > total) {
    if (lba >= 0) ide_set_address(d, (uint64_t)lba < total ? total : (uint64_t)lba, lba48);
    ide_abort(ide, c, d, ER_IDNF);
    return;
  }
  if (write && ide_image(ide, c, d)->read_only) {
    ide_abort(ide, c, d, ER_ABRT);
    return;
  }
  d->lba48 = lba48;
  d->lba = (uint64_t)lba;
  d->remaining = count;
  d->block = multiple ? d->mult : 1;
  if (verify) {
    /* READ VERIFY: read the sectors without transferring them. */
    uint8_t tmp[512];
    for (uint32_t i = 0; i < count; i++) {
      if (disk_image_read(ide_image(ide, c, d), ((uint64_t)lba + i) * 512, tmp, 512) < 0) {
        ide_set_address(d, (uint64_t)lba + i, lba48);
        ide_abort(ide, c, d, ER_UNC);
        return;
      }
    }
    ide_set_address(d, (uint64_t)lba + count - 1, lba48);
    d->nsect = 0;
    if (lba48) d->hob_nsect = 0;
    ide_ok(ide, c, d);
    return;
  }
  if (write)
    ide_write_block_start(ide, c, d, true);
  else
    ide_read_block(ide, c, d);
}

/* The host has taken/given a whole DRQ block. */
static void ide_block_done(Ide *ide, IdeChannel *c, IdeDrive *d) {
  uint32_t n = d->end / 512;
  if (d->xfer == IDE_XF_WRITE) {
    if (disk_image_write(ide_image(ide, c, d), d->lba * 512, d->buf, n * 512) < 0) {
      ide_set_address(d, d->lba, d->lba48);
      ide_abort(ide, c, d, ER_ABRT);
      return;
    }
  }
  d->lba += n;
  d->remaining -= n;
  ide_set_address(d, d->lba - 1, d->lba48);
  d->nsect = (uint8_t)d->remaining;
  if (d->lba48) d->hob_nsect = (uint8_t)(d->remaining >> 8);
  if (d->remaining == 0) {
    if (d->xfer == IDE_XF_WRITE) {
      ide_ok(ide, c, d);
    } else {
      d->xfer = IDE_XF_NONE;
      d->status = ST_DRDY | ST_DSC;
    }
    return;
  }
  if (d->xfer == IDE_XF_WRITE)
    ide_write_block_start(ide, c, d, false);
  else
    ide_read_block(ide, c, d);
}

/* ATAPI ------------------------------------------------------------------ */

static void atapi_set_sense(IdeDrive *d, uint8_t key, uint8_t asc, uint8_t ascq) {
  d->sense_key = key;
  d->asc = asc;
  d->ascq = ascq;
}

/* End of a packet command: status phase. */
static void atapi_done(Ide *ide, IdeChannel *c, IdeDrive *d) {
  d->xfer = IDE_XF_NONE;
  d->nsect = IR_IO | IR_COD;
  if (d->sense_key != SK_NO_SENSE) {
    d->error = (uint8_t)(d->sense_key << 4 | (d->sense_key == SK_ILLEGAL_REQUEST ? ER_ABRT : 0));
    d->status = ST_DRDY | ST_ERR;
  } else {
    d->error = 0;
    d->status = ST_DRDY;
  }
  ide_raise(ide, c, d);
}

static void atapi_fail(Ide *ide, IdeChannel *c, IdeDrive *d, uint8_t key, uint8_t asc, uint8_t ascq) {
  atapi_set_sense(d, key, asc, ascq);
  atapi_done(ide, c, d);
}

static void atapi_no_medium(Ide *ide, IdeChannel *c, IdeDrive *d) {
  atapi_fail(ide, c, d, SK_NOT_READY, 0x3A, d->tray_open ? 0x02 : 0x01);
}

/* Make sure buf[pos, pos + want) holds data, streaming CD sectors in. */
static bool atapi_refill(Ide *ide, IdeChannel *c, IdeDrive *d, uint32_t want) {
  if (d->fill - d->pos >= want) return true;
  memmove(d->buf, d->buf + d->pos, d->fill - d->pos);
  d->fill -= d->pos;
  d->pos = 0;
  while (d->fill < want && d->cd_left > 0) {
    uint32_t n = (IDE_BUF_SIZE - d->fill) / CD_SECTOR;
    if (n > d->cd_left) n = d->cd_left;
    if (n == 0) break;
    if (disk_image_read(ide_image(ide, c, d), (uint64_t)d->cd_lba * CD_SECTOR, d->buf + d->fill, n * CD_SECTOR) <
        0)
      return false;
    d->fill += n * CD_SECTOR;
    d->cd_lba += n;
    d->cd_left -= n;
  }
  return d->fill >= want;
}

/* Start the next DRQ block of a data-in command (remaining bytes left). */
static void atapi_next_block(Ide *ide, IdeChannel *c, IdeDrive *d) {
  if (d->remaining == 0) {
    atapi_done(ide, c, d);
    return;
  }
  uint32_t limit = d->byte_limit;
  if (limit == 0 || limit > 0xFFFE) limit = 0xFFFE;
  uint32_t n = d->remaining;
  if (n > limit) n = limit & ~1u; /* only the last block may be odd */
  if (!atapi_refill(ide, c, d, n)) {
    atapi_fail(ide, c, d, SK_MEDIUM_ERROR, 0x11, 0x00);
    return;
  }
  d->end = d->pos + n;
  d->remaining -= n;
  d->xfer = IDE_XF_ATAPI_IN;
  d->lcyl = (uint8_t)n;
  d->hcyl = (uint8_t)(n >> 8);
  d->nsect = IR_IO;
  d->status = ST_DRDY | ST_DRQ;
  ide_raise(ide, c, d);
}

/* Reply with the len bytes in buf, cut to the allocation length. */
static void atapi_reply(Ide *ide, IdeChannel *c, IdeDrive *d, uint32_t len, uint32_t alloc) {
  atapi_set_sense(d, SK_NO_SENSE, 0, 0);
  d->pos = 0;
  d->fill = len;
  d->cd_left = 0;
  d->remaining = len < alloc ? len : alloc;
  atapi_next_block(ide, c, d);
}

static void lba_to_msf(uint32_t lba, uint8_t *p) {
  lba += 150;
  p[0] = 0;
  p[1] = (uint8_t)(lba / (75 * 60));
  p[2] = (uint8_t)(lba / 75 % 60);
  p[3] = (uint8_t)(lba % 75);
}

static void atapi_toc_addr(uint8_t *p, uint32_t lba, bool msf) {
  if (msf)
    lba_to_msf(lba, p);
  else
    put32(p, lba);
}

static int atapi_mode_page(IdeDrive *d, int page, int pc, uint8_t *p) {
  bool ch = pc == 1; /* changeable values: none */
  switch (page) {
  case 0x01: /* read error recovery */
    memset(p, 0, 8);
    p[0] = 0x01;
    p[1] = 0x06;
    if (!ch) p[3] = 5; /* read retry count */
    return 8;
  case 0x0D: /* CD device parameters */
    memset(p, 0, 8);
    p[0] = 0x0D;
    p[1] = 0x06;
    if (!ch) {
      p[5] = 60; /* S units per M */
      p[7] = 75; /* F units per S */
    }
    return 8;
  case 0x2A: /* CD capabilities and mechanical status */
    memset(p, 0, 20);
    p[0] = 0x2A;
    p[1] = 0x12;
    if (!ch) {
      p[2] = 0x00;                  /* reads CD-ROM only */
      p[4] = 0x00;
      p[5] = 0x03;                  /* CD-DA commands, accurate stream */
      p[6] = (uint8_t)(0x20 | 0x08 | 0x01 | (d->locked ? 0x02 : 0)); /* tray, eject, lock */
      put16(p + 8, 5632);           /* max read speed, kB/s (32x) */
      put16(p + 10, 256);           /* volume levels */
      put16(p + 12, 512);           /* buffer, KiB */
      put16(p + 14, 5632);          /* current read speed */
    }
    return 20;
  default:
    return -1;
  }
}

static void atapi_mode_sense(Ide *ide, IdeChannel *c, IdeDrive *d) {
  const uint8_t *cdb = d->packet;
  int pc = cdb[2] >> 6, page = cdb[2] & 0x3F;
  uint32_t alloc = get16(cdb + 7);
  if (pc == 3) {
    atapi_fail(ide, c, d, SK_ILLEGAL_REQUEST, 0x39, 0x00); /* saving parameters not supported */
    return;
  }
  uint8_t *p = d->buf;
  memset(p, 0, 8);
  int len = 8;
  if (page == 0x3F) {
    static const int pages[] = {0x01, 0x0D, 0x2A};
    for (int i = 0; i < 3; i++) len += atapi_mode_page(d, pages[i], pc, p + len);
  } else {
    int n = atapi_mode_page(d, page, pc, p + 8);
    if (n < 0) {
      atapi_fail(ide, c, d, SK_ILLEGAL_REQUEST, 0x24, 0x00);
      return;
    }
    len += n;
  }
  put16(p, (uint32_t)len - 2);
  p[2] = ide_cd_media(ide, c, d) ? 0x01 : 0x70; /* 120 mm CD-ROM data / door closed, no disc */
  atapi_reply(ide, c, d, (uint32_t)len, alloc);
}

static void atapi_read_toc(Ide *ide, IdeChannel *c, IdeDrive *d) {
  const uint8_t *cdb = d->packet;
  bool msf = cdb[1] & 2;
  int format = cdb[2] & 0x0F;
  if (!format) format = cdb[9] >> 6; /* the SFF-8020 place of the format field */
  int track = cdb[6];
  uint32_t alloc = get16(cdb + 7);
  uint32_t total = (uint32_t)ide_sectors(ide, c, d);
  uint8_t *p = d->buf;
  int len;
  switch (format) {
  case 0:
    if (track > 1 && track != 0xAA) {
      atapi_fail(ide, c, d, SK_ILLEGAL_REQUEST, 0x24, 0x00);
      return;
    }
    len = 4;
    if (track <= 1) {
      memset(p + len, 0, 8);
      p[len + 1] = 0x14; /* ADR 1, data track */
      p[len + 2] = 1;
      atapi_toc_addr(p + len + 4, 0, msf);
      len += 8;
    }
    memset(p + len, 0, 8);
    p[len + 1] = 0x14;
    p[len + 2] = 0xAA; /* lead-out */
    atapi_toc_addr(p + len + 4, total, msf);
    len += 8;
    break;
  case 1: /* session information */
    len = 12;
    memset(p, 0, 12);
    p[5] = 0x14;
    p[6] = 1;
    atapi_toc_addr(p + 8, 0, msf);
    break;
  default:
    atapi_fail(ide, c, d, SK_ILLEGAL_REQUEST, 0x24, 0x00);
    return;
  }
  put16(p, (uint32_t)len - 2);
  p[2] = 1; /* first track / session */
  p[3] = 1; /* last */
  atapi_reply(ide, c, d, (uint32_t)len, alloc);
}

static void atapi_get_configuration(Ide *ide, IdeChannel *c, IdeDrive *d) {
  const uint8_t *cdb = d->packet;
  int rt = cdb[1] & 3;
  uint32_t start = get16(cdb + 2);
  uint32_t alloc = get16(cdb + 7);
  bool media = ide_cd_media(ide, c, d);
  uint8_t *p = d->buf;
  memset(p, 0, 64);
  int len = 8;
  put16(p + 6, media ? 0x0008 : 0x0000); /* current profile: CD-ROM */
  /* Features: 0 profile list, 1 core, 2 morphing-less removable medium (3). */
  for (int f = 0; f < 4; f++) {
    static const uint16_t codes[] = {0x0000, 0x0001, 0x0003, 0x001E};
    uint16_t code = codes[f];
    if (rt == 2 && code != start) continue;
    if (rt != 2 && code < start) continue;
    uint8_t *q = p + len;
    put16(q, code);
    switch (code) {
    case 0x0000:
      q[2] = 0x03; /* persistent, current */
      q[3] = 4;
      put16(q + 4, 0x0008);
      q[6] = media ? 0x01 : 0x00;
      len += 8;
      break;
    case 0x0001:
      q[2] = 0x0B; /* version 2, persistent, current */
      q[3] = 8;
      put32(q + 4, 2); /* ATAPI */
      len += 12;
      break;
    case 0x0003:
      q[2] = 0x03;
      q[3] = 4;
      q[4] = (uint8_t)(0x20 | 0x08 | 0x01 | (d->locked ? 0x02 : 0)); /* tray, eject, lock */
      len += 8;
      break;
    case 0x001E: /* CD read */
      q[2] = (uint8_t)(0x08 | (media ? 0x01 : 0));
      q[3] = 4;
      len += 8;
      break;
    }
  }
  put32(p, (uint32_t)len - 4);
  atapi_reply(ide, c, d, (uint32_t)len, alloc);
}

static void atapi_get_event_status(Ide *ide, IdeChannel *c, IdeDrive *d) {
  const uint8_t *cdb = d->packet;
  uint32_t alloc = get16(cdb + 7);
  uint8_t *p = d->buf;
  if (!(cdb[1] & 1)) {
    atapi_fail(ide, c, d, SK_ILLEGAL_REQUEST, 0x24, 0x00); /* asynchronous mode not supported */
    return;
  }
  memset(p, 0, 8);
  p[3] = 0x10; /* supported: media class */
  if (cdb[4] & 0x10) {
    put16(p, 6);
    p[2] = 0x04; /* media class */
    p[4] = d->media_event;
    p[5] = ide_cd_media(ide, c, d) ? 0x02 : (d->tray_open ? 0x01 : 0x00);
    d->media_event = 0;
    atapi_reply(ide, c, d, 8, alloc);
  } else {
    put16(p, 2);
    p[2] = 0x80; /* no event available */
    atapi_reply(ide, c, d, 4, alloc);
  }
}

static void atapi_start_read(Ide *ide, IdeChannel *c, IdeDrive *d, uint32_t lba, uint32_t count) {
  uint64_t total = ide_sectors(ide, c, d);
  if ((uint64_t)lba + count > total) {
    atapi_fail(ide, c, d, SK_ILLEGAL_REQUEST, 0x21, 0x00);
    return;
  }
  atapi_set_sense(d, SK_NO_SENSE, 0, 0);
  d->pos = d->fill = 0;
  d->cd_lba = lba;
  d->cd_left = count;
  d->remaining = count * CD_SECTOR;
  atapi_next_block(ide, c, d);
}

static void atapi_packet(Ide *ide, IdeChannel *c, IdeDrive *d) {
  const uint8_t *cdb = d->packet;
  uint8_t op = cdb[0];
  bool media = ide_cd_media(ide, c, d);
  /* A pending unit attention fails everything but these. */
  if (d->unit_attention && op != 0x12 && op != 0x03 && op != 0x4A && op != 0x46) {
    d->unit_attention = false;
    atapi_fail(ide, c, d, SK_UNIT_ATTENTION, 0x28, 0x00);
    return;
  }
  uint8_t *p = d->buf;
  switch (op) {
  case 0x00: /* TEST UNIT READY */
    if (!media) {
      atapi_no_medium(ide, c, d);
      return;
    }
    atapi_set_sense(d, SK_NO_SENSE, 0, 0);
    atapi_done(ide, c, d);
    return;
  case 0x03: { /* REQUEST SENSE */
    memset(p, 0, 18);
    p[0] = 0x70;
    if (d->unit_attention) {
      d->unit_attention = false;
      atapi_set_sense(d, SK_UNIT_ATTENTION, 0x28, 0x00);
    }
    p[2] = d->sense_key;
    p[7] = 10;
    p[12] = d->asc;
    p[13] = d->ascq;
    atapi_reply(ide, c, d, 18, cdb[4]);
    return;
  }
  case 0x12: /* INQUIRY */
    memset(p, 0, 36);
    p[0] = 0x05; /* CD-ROM */
    p[1] = 0x80; /* removable */
    p[2] = 0x00;
    p[3] = 0x21; /* ATAPI version 2, response data format 1 */
    p[4] = 31;
    memcpy(p + 8, "HOLO86  ", 8);
    memcpy(p + 16, "CD-ROM          ", 16);
    memcpy(p + 32, "1.0 ", 4);
    atapi_reply(ide, c, d, 36, get16(cdb + 3));
    return;
  case 0x1B: /* START STOP UNIT */
    if ((cdb[4] & 3) == 2) { /* eject */
      if (d->locked) {
        atapi_fail(ide, c, d, SK_ILLEGAL_REQUEST, 0x53, 0x02);
        return;
      }
      if (!d->tray_open && ide_image(ide, c, d)) d->media_event = 3;
      d->tray_open = true;
    } else if ((cdb[4] & 3) == 3) { /* load */
      if (d->tray_open && ide_image(ide, c, d)) d->media_event = 2;
      d->tray_open = false;
    }
    atapi_set_sense(d, SK_NO_SENSE, 0, 0);
    atapi_done(ide, c, d);
    return;
  case 0x1E: /* PREVENT ALLOW MEDIUM REMOVAL */
    d->locked = cdb[4] & 1;
    atapi_set_sense(d, SK_NO_SENSE, 0, 0);
    atapi_done(ide, c, d);
    return;
  case 0x25: /* READ CAPACITY */
    if (!media) {
      atapi_no_medium(ide, c, d);
      return;
    }
    put32(p, (uint32_t)ide_sectors(ide, c, d) - 1);
    put32(p + 4, CD_SECTOR);
    atapi_reply(ide, c, d, 8, 8);
    return;
  case 0x28: /* READ(10) */
  case 0xA8: /* READ(12) */
    if (!media) {
      atapi_no_medium(ide, c, d);
      return;
    }
    atapi_start_read(ide, c, d, get32(cdb + 2), op == 0x28 ? get16(cdb + 7) : get32(cdb + 6));
    return;
  case 0x2B: /* SEEK(10) */
    if (!media) {
      atapi_no_medium(ide, c, d);
      return;
    }
    if (get32(cdb + 2) >= ide_sectors(ide, c, d)) {
      atapi_fail(ide, c, d, SK_ILLEGAL_REQUEST, 0x21, 0x00);
      return;
    }
    atapi_set_sense(d, SK_NO_SENSE, 0, 0);
    atapi_done(ide, c, d);
    return;
  case 0x43: /* READ TOC */
    if (!media) {
      atapi_no_medium(ide, c, d);
      return;
    }
    atapi_read_toc(ide, c, d);
    return;
  case 0x46: /* GET CONFIGURATION */
    atapi_get_configuration(ide, c, d);
    return;
  case 0x4A: /* GET EVENT STATUS NOTIFICATION */
    atapi_get_event_status(ide, c, d);
    return;
  case 0x51: /* READ DISC INFORMATION */
    if (!media) {
      atapi_no_medium(ide, c, d);
      return;
    }
    memset(p, 0, 34);
    put16(p, 32);
    p[2] = 0x0E; /* last session complete, disc complete */
    p[3] = 1;    /* first track */
    p[4] = 1;    /* sessions */
    p[5] = 1;    /* first track in last session */
    p[6] = 1;    /* last track in last session */
    p[8] = 0x00; /* CD-DA or CD-ROM */
    memset(p + 16, 0xFF, 8); /* lead-in / last lead-out: not applicable */
    atapi_reply(ide, c, d, 34, get16(cdb + 7));
    return;
  case 0x5A: /* MODE SENSE(10) */
    atapi_mode_sense(ide, c, d);
    return;
  case 0xBB: /* SET CD SPEED */
    atapi_set_sense(d, SK_NO_SENSE, 0, 0);
    atapi_done(ide, c, d);
    return;
  default:
    atapi_fail(ide, c, d, SK_ILLEGAL_REQUEST, 0x20, 0x00); /* invalid command operation code */
    return;
  }
}

/* Commands --------------------------------------------------------------- */

static void ide_diagnostic(Ide *ide, IdeChannel *c) {
  for (int i = 0; i < 2; i++) {
    IdeDrive *d = &c->drive[i];
    if (d->kind == IDE_NONE) continue;
    ide_drive_reset(d);
    d->error = 0x01; /* passed (device 1 passed or absent) */
  }
  c->sel = 0;
  IdeDrive *d0 = &c->drive[0];
  if (d0->kind != IDE_NONE) d0->intrq = true;
  ide_update_irq(ide, c);
}

static void ide_command(Ide *ide, IdeChannel *c, uint8_t cmd) {
  IdeDrive *d = &c->drive[c->sel];
  if (cmd == 0x90) { /* EXECUTE DEVICE DIAGNOSTIC: both devices */
    ide_diagnostic(ide, c);
    return;
  }
  if (d->kind == IDE_NONE) return; /* nobody answers */
  d->cmd = cmd;
  d->intrq = false;
  d->xfer = IDE_XF_NONE;
  ide_update_irq(ide, c);
  if (d->kind == IDE_CD) {
    switch (cmd) {
    case 0xA0: /* PACKET */
      if (d->feature & 1) { /* DMA: not offered */
        ide_abort(ide, c, d, ER_ABRT);
        return;
      }
      d->byte_limit = (uint32_t)d->hcyl << 8 | d->lcyl;
      d->xfer = IDE_XF_PACKET;
      d->pos = 0;
      d->end = 12;
      d->nsect = IR_COD;
      d->status = ST_DRDY | ST_DRQ;
      d->error = 0;
      return;
    case 0xA1: /* IDENTIFY PACKET DEVICE */
      ide_identify_atapi(ide, c, d);
      ide_pio_in(ide, c, d, 512);
      return;
    case 0x08: /* DEVICE RESET */
      ide_drive_reset(d);
      d->select = (uint8_t)(c->sel << 4);
      return;
    case 0xEC: /* IDENTIFY DEVICE: abort with the signature in place */
      ide_signature(d);
      d->select = (uint8_t)(c->sel << 4);
      ide_abort(ide, c, d, ER_ABRT);
      d->status &= (uint8_t)~ST_DRDY;
      return;
    case 0xEF: /* SET FEATURES */
      if (d->feature == 0x03 && (d->nsect >> 3) > 1) {
        ide_abort(ide, c, d, ER_ABRT); /* DMA modes */
        return;
      }
      ide_ok(ide, c, d);
      return;
    case 0xE0: case 0xE1: case 0xE2: case 0xE3: case 0xE6: case 0x94: case 0x95: case 0x96: case 0x97:
      ide_ok(ide, c, d);
      return;
    case 0xE5: case 0x98: /* CHECK POWER MODE: active */
      d->nsect = 0xFF;
      ide_ok(ide, c, d);
      return;
    default:
      ide_abort(ide, c, d, ER_ABRT);
      return;
    }
  }
  /* ATA hard disk. */
  switch (cmd) {
  case 0xEC: /* IDENTIFY DEVICE */
    ide_identify_ata(ide, c, d);
    ide_pio_in(ide, c, d, 512);
    return;
  case 0x20: case 0x21: ide_cmd_rw(ide, c, d, false, false, false, false); return;
  case 0x24: ide_cmd_rw(ide, c, d, false, true, false, false); return;
  case 0x29: ide_cmd_rw(ide, c, d, false, true, true, false); return;
  case 0x30: case 0x31: ide_cmd_rw(ide, c, d, true, false, false, false); return;
  case 0x34: ide_cmd_rw(ide, c, d, true, true, false, false); return;
  case 0x39: ide_cmd_rw(ide, c, d, true, true, true, false); return;
  case 0x40: case 0x41: ide_cmd_rw(ide, c, d, false, false, false, true); return;
  case 0x42: ide_cmd_rw(ide, c, d, false, true, false, true); return;
  case 0xC4: ide_cmd_rw(ide, c, d, false, false, true, false); return;
  case 0xC5: ide_cmd_rw(ide, c, d, true, false, true, false); return;
  case 0xC6: { /* SET MULTIPLE MODE */
    uint8_t n = d->nsect;
    if (n > IDE_MAX_MULT || (n & (n - 1))) {
      ide_abort(ide, c, d, ER_ABRT);
      return;
    }
    d->mult = n;
    ide_ok(ide, c, d);
    return;
  }
  case 0x91: /* INITIALIZE DEVICE PARAMETERS */
    if (d->nsect == 0) {
      ide_abort(ide, c, d, ER_ABRT);
      return;
    }
    d->cur_spt = d->nsect;
    d->cur_heads = (uint16_t)((d->select & 0x0F) + 1);
    ide_ok(ide, c, d);
    return;
  case 0xEF: /* SET FEATURES */
    switch (d->feature) {
    case 0x03: /* transfer mode: PIO default / PIO mode n only */
      if ((d->nsect >> 3) > 1 || ((d->nsect >> 3) == 1 && (d->nsect & 7) > 4)) {
        ide_abort(ide, c, d, ER_ABRT);
        return;
      }
      break;
    case 0x02: case 0x82: case 0xAA: case 0x55: case 0x66: case 0xCC:
      break;
    default:
      ide_abort(ide, c, d, ER_ABRT);
      return;
    }
    ide_ok(ide, c, d);
    return;
  case 0xE7: case 0xEA: /* FLUSH CACHE (EXT) */
    if (disk_image_flush(ide_image(ide, c, d)) < 0) {
      ide_abort(ide, c, d, ER_ABRT);
      return;
    }
    ide_ok(ide, c, d);
    return;
  case 0x70: /* SEEK */
  case 0xE0: case 0xE1: case 0xE2: case 0xE3: case 0xE6: case 0x94: case 0x95: case 0x96: case 0x97:
    ide_ok(ide, c, d);
    return;
  case 0xE5: case 0x98: /* CHECK POWER MODE: active */
    d->nsect = 0xFF;
    ide_ok(ide, c, d);
    return;
  default:
    if ((cmd & 0xF0) == 0x10) { /* RECALIBRATE */
      ide_ok(ide, c, d);
      return;
    }
    ide_abort(ide, c, d, ER_ABRT);
    return;
  }
}

/* Data port ---------------------------------------------------------------- */

static void ide_data_block_end(Ide *ide, IdeChannel *c, IdeDrive *d) {
  switch (d->xfer) {
  case IDE_XF_READ:
  case IDE_XF_WRITE:
    ide_block_done(ide, c, d);
    break;
  case IDE_XF_PIO_IN:
    d->xfer = IDE_XF_NONE;
    d->status &= (uint8_t)~ST_DRQ;
    break;
  case IDE_XF_PACKET:
    memcpy(d->packet, d->buf, 12);
    d->pos = d->end = d->fill = 0;
    atapi_packet(ide, c, d);
    break;
  case IDE_XF_ATAPI_IN:
    d->pos = d->end;
    atapi_next_block(ide, c, d);
    break;
  }
}

static uint32_t ide_data_read(Ide *ide, IdeChannel *c, int size) {
  IdeDrive *d = &c->drive[c->sel];
  bool in = d->xfer == IDE_XF_READ || d->xfer == IDE_XF_PIO_IN || d->xfer == IDE_XF_ATAPI_IN;
  if (d->kind == IDE_NONE || !in) return size == 4 ? 0xFFFFFFFFu : 0xFFFFu;
  int bytes = size == 4 ? 4 : 2;
  uint32_t v = 0;
  for (int i = 0; i < bytes; i++) {
    if (d->pos < d->end) v |= (uint32_t)d->buf[d->pos++] << (8 * i);
    if (d->pos >= d->end && (i & 1)) {
      /* A block ended on this word: the rest of a dword comes from the next one. */
      ide_data_block_end(ide, c, d);
      if (d->xfer != IDE_XF_READ && d->xfer != IDE_XF_ATAPI_IN) break;
    }
  }
  return size == 1 ? v & 0xFF : v;
}

static void ide_data_write(Ide *ide, IdeChannel *c, int size, uint32_t v) {
  IdeDrive *d = &c->drive[c->sel];
  if (d->kind == IDE_NONE || (d->xfer != IDE_XF_WRITE && d->xfer != IDE_XF_PACKET)) return;
  int bytes = size == 4 ? 4 : 2;
  for (int i = 0; i < bytes; i++) {
    if (d->pos < d->end) d->buf[d->pos++] = (uint8_t)(v >> (8 * i));
    if (d->pos >= d->end && (i & 1)) {
      ide_data_block_end(ide, c, d);
      if (d->xfer != IDE_XF_WRITE) break;
    }
  }
}

/* Ports -------------------------------------------------------------------- */

static uint32_t ide_io_in(void *opaque, uint16_t port, int size) {
  Ide *ide = opaque;
  int ci = (port & 0xFF80) == 0x0100 || port == 0x376 ? 1 : 0;
  IdeChannel *c = &ide->ch[ci];
  IdeDrive *d = &c->drive[c->sel];
  IdeDrive *other = &c->drive[c->sel ^ 1];
  if (d->kind == IDE_NONE && other->kind == IDE_NONE) return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
  bool ctl = port == ide_ctl_port[ci];
  int reg = port - ide_base[ci];
  if (!ctl && reg == 0) return ide_data_read(ide, c, size);
  /* Device 1 absent: device 0 answers, with 00h for status. */
  IdeDrive *r = d->kind == IDE_NONE ? other : d;
  bool hob = c->ctl & CTL_HOB;
  if (ctl) return d->kind == IDE_NONE ? 0 : d->status;
  switch (reg) {
  case 1: return hob ? r->hob_feature : r->error;
  case 2: return hob ? r->hob_nsect : r->nsect;
  case 3: return hob ? r->hob_sector : r->sector;
  case 4: return hob ? r->hob_lcyl : r->lcyl;
  case 5: return hob ? r->hob_hcyl : r->hcyl;
  case 6: return (uint32_t)(r->select | 0xA0);
  case 7:
    if (d->kind == IDE_NONE) return 0;
    d->intrq = false;
    ide_update_irq(ide, c);
    return d->status;
  }
  return 0xFF;
}

static void ide_io_out(void *opaque, uint16_t port, int size, uint32_t v) {
  Ide *ide = opaque;
  int ci = (port & 0xFF80) == 0x0100 || port == 0x376 ? 1 : 0;
  IdeChannel *c = &ide->ch[ci];
  uint8_t b = (uint8_t)v;
  if (port == ide_ctl_port[ci]) {
    uint8_t old = c->ctl;
    c->ctl = b & (CTL_HOB | CTL_SRST | CTL_NIEN);
    if ((b & CTL_SRST) && !(old & CTL_SRST)) {
      for (int i = 0; i < 2; i++) {
        IdeDrive *d = &c->drive[i];
        if (d->kind == IDE_NONE) continue;
        d->status = ST_BSY;
        d->xfer = IDE_XF_NONE;
        d->intrq = false;
      }
    } else if (!(b & CTL_SRST) && (old & CTL_SRST)) {
      for (int i = 0; i < 2; i++)
        if (c->drive[i].kind != IDE_NONE) ide_drive_reset(&c->drive[i]);
      c->sel = 0;
    }
    ide_update_irq(ide, c);
    return;
  }
  int reg = port - ide_base[ci];
  if (reg == 0) {
    ide_data_write(ide, c, size, v);
    return;
  }
  if (c->ctl & CTL_SRST) return;
  c->ctl &= (uint8_t)~CTL_HOB;
  if (reg == 7) {
    ide_command(ide, c, b);
    return;
  }
  for (int i = 0; i < 2; i++) {
    IdeDrive *d = &c->drive[i];
    switch (reg) {
    case 1: d->hob_feature = d->feature; d->feature = b; break;
    case 2: d->hob_nsect = d->nsect; d->nsect = b; break;
    case 3: d->hob_sector = d->sector; d->sector = b; break;
    case 4: d->hob_lcyl = d->lcyl; d->lcyl = b; break;
    case 5: d->hob_hcyl = d->hcyl; d->hcyl = b; break;
    case 6: d->select = b & 0x5F; break;
    }
  }
  if (reg == 6) {
    c->sel = b >> 4 & 1;
    ide_update_irq(ide, c);
  }
}

static const IoPortOps ide_ops = {ide_io_in, ide_io_out};

/* Bus-master registers (BAR4): storage only, no transfers. */
static uint32_t ide_bm_in(void *opaque, uint16_t port, int size) {
  Ide *ide = opaque;
  uint32_t base = ide->pci.bars[4].mapped;
  uint32_t off = (uint32_t)(port - base) & 15;
  uint32_t v = 0;
  for (int i = 0; i < size; i++) {
    uint32_t o = off + (uint32_t)i;
    if (o >= 16) break;
    v |= (uint32_t)ide->ch[o >> 3].bm[o & 7] << (8 * i);
  }
  return v;
}

static void ide_bm_out(void *opaque, uint16_t port, int size, uint32_t value) {
  Ide *ide = opaque;
  uint32_t base = ide->pci.bars[4].mapped;
  uint32_t off = (uint32_t)(port - base) & 15;
  for (int i = 0; i < size; i++) {
    uint32_t o = off + (uint32_t)i;
    if (o >= 16) break;
    uint8_t b = (uint8_t)(value >> (8 * i));
    uint8_t *bm = ide->ch[o >> 3].bm;
    switch (o & 7) {
    case 0: bm[0] = b & 0x09; break;
    case 2: bm[2] = (uint8_t)((bm[2] & 0x01) | (bm[2] & 0x06 & ~b) | (b & 0x60)); break;
    case 4: bm[4] = b & 0xFC; break;
    case 5: case 6: case 7: bm[o & 7] = b; break;
    }
  }
}

static const IoPortOps ide_bm_ops = {ide_bm_in, ide_bm_out};

static void ide_bar_map(PciDevice *pd, int bar, uint32_t addr) {
  Ide *ide = pd->opaque;
  PciBar *b = &pd->bars[bar];
  if (b->mapped != PCI_UNMAPPED) iobus_unregister(ide->bus, (uint16_t)b->mapped, 16);
  b->mapped = addr;
  if (addr != PCI_UNMAPPED && addr + 16 <= 0x10000) iobus_register(ide->bus, (uint16_t)addr, 16, &ide_bm_ops, ide, "ide-bm");
}

static void ide_pci_setup(Ide *ide) {
  PciDevice *p = &ide->pci;
  memset(p, 0, sizeof *p);
  p->name = "piix3-ide";
  p->devfn = IDE_DEVFN;
  p->opaque = ide;
  uint8_t *cf = p->config;
  cf[0x00] = 0x86; cf[0x01] = 0x80;  /* Intel */
  cf[0x02] = 0x10; cf[0x03] = 0x70;  /* 82371SB PIIX3 IDE */
  cf[0x06] = 0x80; cf[0x07] = 0x02;  /* fast back-to-back, medium DEVSEL */
  cf[0x08] = 0x00;                   /* revision */
  cf[0x09] = 0x80;                   /* bus master capable, both channels in compatibility mode */
  cf[0x0A] = 0x01;                   /* IDE */
  cf[0x0B] = 0x01;                   /* mass storage */
  cf[0x0E] = 0x00;                   /* header type 0 (function 0 carries the multi-function bit) */
  cf[0x20] = 0x01;                   /* BAR4: I/O */
  p->wmask[0x04] = 0x05;             /* I/O space, bus master */
  p->wmask[0x0D] = 0xF0;             /* latency timer */
  for (int i = 0x40; i <= 0x44; i++) p->wmask[i] = 0xFF; /* IDETIM primary/secondary, SIDETIM */
  for (int i = 0; i < PCI_BAR_COUNT; i++) p->bars[i].mapped = PCI_UNMAPPED;
  p->bars[4].size = 16;
  p->bars[4].io = true;
  p->bars[4].map = ide_bar_map;
}

/* Device hooks --------------------------------------------------------------- */

static void ide_reset(Device *dv) {
  Ide *ide = (Ide *)dv;
  for (int ci = 0; ci < 2; ci++) {
    IdeChannel *c = &ide->ch[ci];
    c->ctl = 0;
    memset(c->bm, 0, sizeof c->bm);
    for (int i = 0; i < 2; i++) {
      IdeDrive *d = &c->drive[i];
      d->mult = 0;
      d->cur_heads = d->heads;
      d->cur_spt = d->spt;
      d->locked = false;
    }
    ide_channel_reset(ide, c);
  }
}

#define IDE_STATE_VERSION 1

static void ide_save(Device *dv, StateBuf *s) {
  Ide *ide = (Ide *)dv;
  uint8_t v = IDE_STATE_VERSION;
  state_put(s, &v, 1);
  for (int ci = 0; ci < 2; ci++) state_put(s, &ide->ch[ci], sizeof ide->ch[ci]);
}

static void ide_load(Device *dv, StateBuf *s) {
  Ide *ide = (Ide *)dv;
  uint8_t v = 0;
  state_get(s, &v, 1);
  if (s->error || v != IDE_STATE_VERSION) {
    s->error = true;
    return;
  }
  for (int ci = 0; ci < 2; ci++) {
    bool level = ide->ch[ci].irq_level;
    IdeChannel tmp;
    state_get(s, &tmp, sizeof tmp);
    if (s->error) return;
    bool ok = tmp.sel <= 1;
    for (int i = 0; i < 2; i++) {
      IdeDrive *d = &tmp.drive[i];
      ok = ok && d->pos <= d->end && d->end <= IDE_BUF_SIZE && d->fill <= IDE_BUF_SIZE && d->kind <= IDE_CD;
    }
    if (!ok) {
      s->error = true;
      return;
    }
    ide->ch[ci] = tmp;
    ide->ch[ci].irq_level = level;
    ide_update_irq(ide, &ide->ch[ci]);
  }
}

/* Public ------------------------------------------------------------------- */

void ide_default_geometry(uint64_t sectors, uint16_t *cyls, uint16_t *heads, uint16_t *spt) {
  uint64_t h = 16, s = 63;
  uint64_t c = sectors / (h * s);
  if (c == 0) {
    h = 1;
    s = sectors < 63 ? (sectors ? sectors : 1) : 63;
    c = sectors / s;
    if (c == 0) c = 1;
  }
  if (c > 16383) c = 16383;
  *cyls = (uint16_t)c;
  *heads = (uint16_t)h;
  *spt = (uint16_t)s;
}

void ide_init(Ide *ide, IoBus *bus) {
  memset(ide, 0, sizeof *ide);
  ide->dev = (Device){.name = "ide", .reset = ide_reset, .save = ide_save, .load = ide_load};
  ide->bus = bus;
  ide_pci_setup(ide);
  for (int ci = 0; ci < 2; ci++) {
    iobus_register(bus, ide_base[ci], 8, &ide_ops, ide, ci ? "ide1" : "ide0");
    iobus_register(bus, ide_ctl_port[ci], 1, &ide_ops, ide, ci ? "ide1" : "ide0");
  }
  ide_reset(&ide->dev);
}

int ide_attach(Ide *ide, int channel, int unit, IdeKind kind, DiskImage *img, char *err, size_t errlen) {
  if (channel < 0 || channel > 1 || unit < 0 || unit > 1) {
    if (err && errlen) snprintf(err, errlen, "IDE position %d:%d does not exist (channel 0-1, unit 0-1)", channel, unit);
    return -1;
  }
  static const char *names[2][2] = {{"ide0-0", "ide0-1"}, {"ide1-0", "ide1-1"}};
  IdeChannel *c = &ide->ch[channel];
  IdeDrive *d = &c->drive[unit];
  if (kind == IDE_HD) {
    if (!img) {
      if (err && errlen) snprintf(err, errlen, "an IDE hard disk needs an image");
      return -1;
    }
    if (disk_image_size(img) < 512) {
      if (err && errlen) snprintf(err, errlen, "%s: too small for a hard disk (%llu bytes)", img->path,
                                  (unsigned long long)disk_image_size(img));
      return -1;
    }
  }
  if (kind == IDE_CD && img && disk_image_size(img) < CD_SECTOR) {
    if (err && errlen) snprintf(err, errlen, "%s: too small for a CD image (%llu bytes)", img->path,
                                (unsigned long long)disk_image_size(img));
    return -1;
  }
  if (img && !img->dev) img->dev = names[channel][unit];
  memset(d, 0, sizeof *d);
  d->kind = (uint8_t)kind;
  ide->img[channel][unit] = kind == IDE_NONE ? NULL : img;
  if (kind == IDE_HD) {
    ide_default_geometry(disk_image_size(img) / 512, &d->cyls, &d->heads, &d->spt);
    d->cur_heads = d->heads;
    d->cur_spt = d->spt;
  }
  ide_drive_reset(d);
  ide_update_irq(ide, c);
  return 0;
}

void ide_set_geometry(Ide *ide, int channel, int unit, uint16_t cyls, uint16_t heads, uint16_t spt) {
  if (channel < 0 || channel > 1 || unit < 0 || unit > 1) return;
  IdeDrive *d = &ide->ch[channel].drive[unit];
  d->cyls = cyls;
  d->heads = heads;
  d->spt = spt;
  d->cur_heads = heads;
  d->cur_spt = spt;
}

DiskImage *ide_cd_change(Ide *ide, int channel, int unit, DiskImage *img) {
  if (channel < 0 || channel > 1 || unit < 0 || unit > 1) return NULL;
  IdeDrive *d = &ide->ch[channel].drive[unit];
  DiskImage *old = ide->img[channel][unit];
  if (d->kind != IDE_CD) return NULL;
  static const char *names[2][2] = {{"ide0-0", "ide0-1"}, {"ide1-0", "ide1-1"}};
  if (img && !img->dev) img->dev = names[channel][unit];
  ide->img[channel][unit] = img;
  d->tray_open = false;
  d->media_event = img ? 2 : 3;
  d->unit_attention = true;
  d->cd_left = 0;
  return old;
}
