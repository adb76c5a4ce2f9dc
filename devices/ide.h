/* The PIIX3 IDE function (PCI 8086:7010, devfn 1.1, class 01 01 80) with
 * its two legacy channels, each with a master and a slave:
 *
 *   primary    0x1F0-0x1F7, control 0x3F6, IRQ 14
 *   secondary  0x170-0x177, control 0x376, IRQ 15
 *
 * (0x3F7/0x377 are left to the floppy controller.) The legacy ports are
 * decoded whatever the PCI command register says, as SeaBIOS and Linux
 * expect of a PIIX in compatibility mode.
 *
 * Hard disks (raw images, 512-byte sectors) speak ATA PIO: IDENTIFY
 * DEVICE, READ/WRITE SECTORS (+EXT), READ/WRITE MULTIPLE (+EXT), SET
 * MULTIPLE MODE, READ VERIFY SECTORS (+EXT), INITIALIZE DEVICE PARAMETERS,
 * SET FEATURES, FLUSH CACHE (+EXT), EXECUTE DEVICE DIAGNOSTIC, RECALIBRATE,
 * SEEK, power management no-ops and CHECK POWER MODE. Multiword/Ultra DMA
 * is not claimed in IDENTIFY; the bus-master BAR4 exists with its
 * registers, but moves nothing.
 *
 * CD-ROM drives (ISO images, 2048-byte sectors) are ATAPI (SFF-8020):
 * IDENTIFY PACKET DEVICE, PACKET with the byte count limit, interrupt
 * reason and DRQ data phases, DEVICE RESET, and the MMC commands TEST UNIT
 * READY, REQUEST SENSE, INQUIRY, READ CAPACITY, READ(10), READ(12),
 * MODE SENSE(10) (pages 01h, 0Dh, 2Ah, 3Fh), READ TOC (formats 0 and 1,
 * LBA and MSF), GET CONFIGURATION, START STOP UNIT, PREVENT ALLOW MEDIUM
 * REMOVAL, GET EVENT STATUS NOTIFICATION, READ DISC INFORMATION, SEEK,
 * SET CD SPEED. Everything happens instantly in virtual time. */
#ifndef HOLO86_IDE_H
#define HOLO86_IDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/device.h"
#include "devices/disk_image.h"
#include "devices/iobus.h"
#include "devices/pci.h"

#define IDE_DEVFN ((1 << 3) | 1)
#define IDE_BUF_SIZE 0x11000 /* one 64 KiB ATAPI DRQ block plus a CD sector */

typedef enum { IDE_NONE = 0, IDE_HD = 1, IDE_CD = 2 } IdeKind;

/* One device's registers and transfer state (all saved). */
typedef struct IdeDrive {
  uint8_t kind;                 /* IdeKind */
  /* Command block registers as this device holds them, and the previous
   * contents (the 48-bit "HOB" bytes). */
  uint8_t feature, nsect, sector, lcyl, hcyl, select;
  uint8_t hob_feature, hob_nsect, hob_sector, hob_lcyl, hob_hcyl;
  uint8_t status, error;
  bool intrq;                   /* interrupt pending (INTRQ before nIEN) */
  /* ATA. */
  uint16_t cyls, heads, spt;    /* default translation */
  uint16_t cur_heads, cur_spt;  /* INITIALIZE DEVICE PARAMETERS */
  uint8_t mult;                 /* SET MULTIPLE MODE, 0 = off */
  /* PIO data transfer. */
  uint8_t xfer;                 /* IDE_XF_* */
  uint8_t cmd;
  bool lba48;
  uint16_t block;               /* sectors per DRQ block */
  uint32_t remaining;           /* ATA: sectors after this block; ATAPI: bytes after this block */
  uint64_t lba;                 /* ATA: first sector of this block */
  uint32_t pos, end;            /* current DRQ block is buf[pos, end) */
  uint32_t fill;                /* ATAPI: bytes valid in buf */
  /* ATAPI. */
  uint8_t packet[12];
  uint32_t cd_lba, cd_left;     /* sectors still to stream into buf */
  uint32_t byte_limit;
  uint8_t sense_key, asc, ascq;
  bool tray_open, locked, unit_attention;
  uint8_t media_event;          /* GET EVENT STATUS: 0 none, 2 new media, 3 media removal */
  uint8_t buf[IDE_BUF_SIZE];
} IdeDrive;

enum { IDE_XF_NONE, IDE_XF_READ, IDE_XF_WRITE, IDE_XF_PIO_IN, IDE_XF_PACKET, IDE_XF_ATAPI_IN };

typedef struct IdeChannel {
  IdeDrive drive[2];
  uint8_t ctl;       /* device control register (nIEN, SRST, HOB) */
  uint8_t sel;       /* selected device (DEV bit of the last device register write) */
  bool irq_level;    /* level last driven */
  uint8_t bm[8];     /* bus-master registers (command, status, PRD address) */
} IdeChannel;

typedef struct Ide {
  Device dev;
  IdeChannel ch[2];
  DiskImage *img[2][2];  /* attached images (host side, not saved) */
  PciDevice pci;         /* the PCI function, for pci_register */
  IoBus *bus;
  /* Wiring, set by the creator after ide_init. */
  void (*set_irq)(void *opaque, int irq, int level);
  void *opaque;
} Ide;

/* Power-on state, legacy ports registered on bus, the PCI function filled
 * in (ide->pci; the creator passes it to pci_register). No drives. */
void ide_init(Ide *ide, IoBus *bus);
/* Attach a hard disk (image opened read-write, or read-only: writes then
 * fail with ABRT) or a CD-ROM drive (image: an ISO or NULL for an empty
 * drive) as device unit (0 master, 1 slave) of channel (0, 1). The image
 * stays owned by the caller. Returns 0, or -1 with a message in err. */
int ide_attach(Ide *ide, int channel, int unit, IdeKind kind, DiskImage *img, char *err, size_t errlen);
/* Override a hard disk's default CHS translation (IDENTIFY words 1/3/6). */
void ide_set_geometry(Ide *ide, int channel, int unit, uint16_t cyls, uint16_t heads, uint16_t spt);
/* CD-ROM media change: insert img (NULL: eject). Returns the image that
 * was in the drive (for the caller to close). The guest sees UNIT
 * ATTENTION and a media event. */
DiskImage *ide_cd_change(Ide *ide, int channel, int unit, DiskImage *img);
/* The CHS translation a disk of this many 512-byte sectors gets. */
void ide_default_geometry(uint64_t sectors, uint16_t *cyls, uint16_t *heads, uint16_t *spt);

#endif
