/* The Intel 82077AA floppy disk controller (PC/AT mode) at ports
 * 0x3F0-0x3F5 and 0x3F7 (0x3F6 belongs to the primary IDE channel), with
 * up to two 3.5"/5.25" drives holding raw sector images.
 *
 *   0x3F2  DOR  drive select, nRESET, DMA/IRQ gate, motor enables (r/w)
 *   0x3F3  TDR  tape drive register (bits 1:0)
 *   0x3F4  MSR  main status (read) / DSR data rate select (write)
 *   0x3F5  FIFO command, execution (non-DMA) and result bytes
 *   0x3F7  DIR  disk change in bit 7 (read) / CCR data rate (write)
 *
 * Commands: READ DATA, READ DELETED DATA, WRITE DATA, WRITE DELETED DATA,
 * READ ID, FORMAT TRACK, RECALIBRATE, SEEK, RELATIVE SEEK, SENSE INTERRUPT
 * STATUS, SENSE DRIVE STATUS, SPECIFY, CONFIGURE, VERSION, LOCK,
 * PERPENDICULAR MODE, DUMPREG. Anything else is invalid (ST0 = 80h).
 * Data moves through DMA channel 2 (or through the FIFO when SPECIFY set
 * ND); the interrupt is IRQ 6. Commands complete instantly in virtual time.
 *
 * The media geometry comes from the image size: 160K, 180K, 320K, 360K,
 * 720K, 1.2M, 1.44M, 1.68M (DMF), 2.88M. Each needs its data rate (CCR/DSR)
 * as on a real drive; a read-only image is a write-protected disk. */
#ifndef HOLO86_FDC_H
#define HOLO86_FDC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/device.h"
#include "devices/disk_image.h"
#include "devices/dma.h"
#include "devices/iobus.h"

#define FDC_IRQ 6
#define FDC_DMA_CHANNEL 2
#define FDC_DRIVES 2

typedef struct FdcGeometry {
  uint32_t kbytes;
  uint8_t tracks, heads, spt;
  uint8_t rates;     /* bit n: data rate code n (0 = 500K, 1 = 300K, 2 = 250K, 3 = 1M) reads it */
  uint8_t cmos_type; /* CMOS 0x10 drive type for a drive of this capacity */
  const char *name;
} FdcGeometry;

/* Per-drive state that is device state (saved). */
typedef struct FdcDriveState {
  uint8_t pcn;          /* present cylinder number (head position) */
  uint8_t next_sector;  /* sector coming under the head (READ ID) */
  bool changed;         /* the DSKCHG line */
} FdcDriveState;

/* Everything that is saved with the device. */
typedef struct FdcRegs {
  uint8_t dor, tdr, rate, dsr;
  uint8_t phase;            /* FDC_PH_* */
  uint8_t cmd[10], cmd_len, cmd_pos;
  uint8_t res[10], res_len, res_pos;
  bool irq_pending;         /* the INT output (before the DOR gate) */
  bool irq_level;           /* level last driven */
  uint8_t sense_pending;    /* drives with a SENSE INTERRUPT status to report */
  uint8_t sense_st0[4];
  uint8_t busy;             /* MSR drive busy bits */
  uint8_t srt_hut, hlt_nd;  /* SPECIFY bytes */
  uint8_t config;           /* CONFIGURE byte 3: EIS EFIFO POLL FIFOTHR */
  uint8_t pretrk;
  bool lock;
  uint8_t perp;             /* PERPENDICULAR MODE byte */
  /* A read/write in progress (non-DMA execution phase). */
  bool x_write, x_format, x_mt;
  uint8_t x_ds, x_head, x_c, x_h, x_r, x_n, x_eot;
  uint16_t x_pos, x_len;
  uint8_t x_buf[1024];
  FdcDriveState drv[4];
} FdcRegs;

enum { FDC_PH_IDLE, FDC_PH_COMMAND, FDC_PH_EXEC, FDC_PH_RESULT, FDC_PH_RESET };

typedef struct Fdc {
  Device dev;
  FdcRegs r;
  /* Host side (not saved). */
  struct {
    bool present;            /* a drive is connected */
    DiskImage *img;          /* inserted medium or NULL */
    const FdcGeometry *geo;  /* its geometry */
  } drive[FDC_DRIVES];
  Dma *dma;                  /* NULL: only non-DMA mode works */
  /* Wiring, set by the creator after fdc_init. */
  void (*set_irq)(void *opaque, int irq, int level);
  void *opaque;
} Fdc;

/* Power-on state (DOR = 0: held in reset until the BIOS releases it),
 * ports registered on bus. dma may be NULL. No drive is connected yet. */
void fdc_init(Fdc *f, IoBus *bus, Dma *dma);
/* Connect or disconnect drive (0, 1) without changing its medium. */
void fdc_connect_drive(Fdc *f, int drive, bool present);
/* The geometry a floppy image of this many bytes has, or NULL. */
const FdcGeometry *fdc_geometry_for_size(uint64_t bytes);
/* Insert a medium into drive (connecting the drive). The image stays
 * owned by the caller. Returns 0, or -1 with a message in err (an image
 * of a size that is no floppy format). Sets the disk change line. */
int fdc_insert(Fdc *f, int drive, DiskImage *img, char *err, size_t errlen);
/* Remove the medium; returns the image that was in it (or NULL) for the
 * caller to close. Sets the disk change line. */
DiskImage *fdc_eject(Fdc *f, int drive);
/* CMOS register 0x10 nibble for drive: the drive type of the inserted
 * medium's capacity (1 = 360K, 2 = 1.2M, 3 = 720K, 4 = 1.44M, 5 = 2.88M),
 * or 0 when no drive is connected; a connected empty drive reports 4. */
int fdc_cmos_type(const Fdc *f, int drive);

#endif
