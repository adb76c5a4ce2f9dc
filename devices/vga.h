/* The VGA: the IBM VGA register set and its 256 KiB of planar memory,
 * plus the Bochs VBE "DISPI" extension and the PCI function of QEMU's
 * "stdvga" (1234:1111, class 0x030000) whose BAR0 is the linear
 * framebuffer. This is the card SeaBIOS's vgabios-stdvga.bin drives.
 *
 * Ports
 *   0x3C0/0x3C1  attribute controller (index/data flip-flop, reset by
 *                reading input status 1)
 *   0x3C2        miscellaneous output (write) / input status 0 (read)
 *   0x3C3        VGA enable
 *   0x3C4/0x3C5  sequencer
 *   0x3C6-0x3C9  DAC: pel mask, read index / state, write index, data
 *   0x3CA/0x3CC  feature control (read), miscellaneous output (read)
 *   0x3CE/0x3CF  graphics controller
 *   0x3B4/0x3B5, 0x3D4/0x3D5  CRTC (which pair answers follows misc bit 0)
 *   0x3BA/0x3DA  input status 1 (read) / feature control (write)
 *   0x1CE/0x1CF  DISPI index/data (16 bit; 0x1D0 is an alias of 0x1CF)
 *
 * Memory
 *   0xA0000-0xBFFFF  the legacy window (MMIO), decoded as graphics
 *                    controller register 6 selects; with DISPI enabled at
 *                    8 bpp or more it is a 64 KiB bank of the framebuffer
 *                    (bank = DISPI BANK * 64 KiB)
 *   BAR0             16 MiB linear framebuffer (host-mapped VRAM)
 *   ROM BAR          the option ROM, if vga_set_rom gave one
 *
 * VRAM layout: one 16 MiB buffer. The linear framebuffer is all of it.
 * The four VGA planes are interleaved in it: byte o of plane p lives at
 * vram[o * 4 + p], so the four latches are one 32-bit load; in standard
 * VGA modes plane offsets wrap at 64 KiB (256 KiB total, as on the card),
 * in DISPI 4 bpp modes they reach all of VRAM.
 *
 * Timing: input status 1 follows virtual time (the CRTC's vertical total,
 * display end and retrace registers, 31.78 us lines: 70 Hz in 400-line
 * modes, 60 Hz in 480-line ones). Each read of it also advances the
 * card's private view of time by at least 500 ns, about one ISA bus
 * cycle, so a polling loop always ends even when the clock stands still. */
#ifndef HOLO86_VGA_H
#define HOLO86_VGA_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"
#include "devices/iobus.h"
#include "devices/pci.h"
#include "mmu/physmem.h"

#define VGA_VRAM_SIZE (16u << 20)
#define VGA_LEGACY_BASE 0xA0000u
#define VGA_LEGACY_SIZE 0x20000u

/* Bochs VBE DISPI interface. */
#define VBE_DISPI_IOPORT_INDEX 0x01CE
#define VBE_DISPI_IOPORT_DATA 0x01CF
enum {
  VBE_DISPI_INDEX_ID = 0,
  VBE_DISPI_INDEX_XRES = 1,
  VBE_DISPI_INDEX_YRES = 2,
  VBE_DISPI_INDEX_BPP = 3,
  VBE_DISPI_INDEX_ENABLE = 4,
  VBE_DISPI_INDEX_BANK = 5,
  VBE_DISPI_INDEX_VIRT_WIDTH = 6,
  VBE_DISPI_INDEX_VIRT_HEIGHT = 7,
  VBE_DISPI_INDEX_X_OFFSET = 8,
  VBE_DISPI_INDEX_Y_OFFSET = 9,
  VBE_DISPI_INDEX_VIDEO_MEMORY_64K = 10,
};
#define VBE_DISPI_ID0 0xB0C0
#define VBE_DISPI_ID5 0xB0C5
#define VBE_DISPI_ENABLED 0x01
#define VBE_DISPI_GETCAPS 0x02
#define VBE_DISPI_8BIT_DAC 0x20
#define VBE_DISPI_LFB_ENABLED 0x40
#define VBE_DISPI_NOCLEARMEM 0x80
#define VBE_DISPI_MAX_XRES 2560
#define VBE_DISPI_MAX_YRES 1600
#define VBE_DISPI_MAX_BPP 32

/* The largest picture vga_render can produce, and the largest text
 * screen vga_text_snapshot reports. */
#define VGA_MAX_WIDTH VBE_DISPI_MAX_XRES
#define VGA_MAX_HEIGHT VBE_DISPI_MAX_YRES
#define VGA_RENDER_MAX_PIXELS ((uint32_t)VGA_MAX_WIDTH * VGA_MAX_HEIGHT)
#define VGA_TEXT_MAX_COLS 160
#define VGA_TEXT_MAX_ROWS 128

/* Every register, saved and restored as one block. */
typedef struct VgaRegs {
  uint8_t misc;           /* miscellaneous output */
  uint8_t feature;        /* feature control */
  uint8_t vga_enable;     /* 0x3C3 */
  uint8_t seq_index, seq[8];
  uint8_t crtc_index, crtc[32];
  uint8_t gc_index, gc[16];
  uint8_t ac_index;       /* bits 0-4 index, bit 5 PAS */
  uint8_t ac_flipflop;    /* 0: next 0x3C0 write is an index, 1: data */
  uint8_t ac[32];
  uint8_t dac_mask;
  uint8_t dac_read_index, dac_write_index;
  uint8_t dac_sub;        /* 0..2: which of R, G, B comes next */
  uint8_t dac_state;      /* 0x3C7 read: 0 after a write index, 3 after a read index */
  uint8_t dac_latch[3];   /* R, G (B completes the entry) */
  uint8_t dac[256][3];    /* 6-bit (or 8-bit with VBE_DISPI_8BIT_DAC) RGB */
  uint8_t latch[4];       /* the four plane latches */
  uint16_t dispi_index;
  uint16_t dispi_id, xres, yres, bpp, enable, bank, virt_width, virt_height, x_offset, y_offset;
  uint64_t status_ns;     /* the card's view of time for input status 1 */
} VgaRegs;

typedef struct Vga {
  Device dev;
  VgaRegs r;
  uint8_t *vram;          /* VGA_VRAM_SIZE bytes */
  PhysMem *mem;
  IoBus *io;
  PciDevice pci;          /* register with pci_register(bus, vga_pci(v)) */
  uint32_t lfb_addr;      /* where BAR0 is mapped, PCI_UNMAPPED if nowhere */
  uint8_t *rom;           /* option ROM image (power-of-two buffer) or NULL */
  uint32_t rom_size;
  uint32_t rom_addr;
  /* Change tracking for frontends. */
  uint64_t dirty_pages[VGA_VRAM_SIZE / PAGE_SIZE / 64];
  bool dirty_any;         /* some bit of dirty_pages is set */
  bool regs_dirty;        /* a register that changes the picture was written */
  int last_blink;         /* blink phase at the last render, -1 none */
  /* Wiring, set by the creator after vga_init (all optional). */
  uint64_t (*now)(void *opaque);        /* current virtual time, ns */
  void (*map_changed)(void *opaque);    /* BAR moved: flush the CPU's TLB */
  void *opaque;
} Vga;

/* Power-on state; claims the ports on io, maps the legacy window on mem
 * (MMIO) and fills v->pci (1234:1111, class 0x030000, BAR0 = 16 MiB
 * prefetchable memory). The PCI function is not registered: the creator
 * calls pci_register(bus, &v->pci). Allocates VRAM (exits on failure). */
void vga_init(Vga *v, IoBus *io, PhysMem *mem);
void vga_free(Vga *v);
/* Give the card an option ROM (e.g. vgabios-stdvga.bin) behind its PCI
 * expansion ROM BAR. Copies the image. Call before pci_register. */
void vga_set_rom(Vga *v, const uint8_t *rom, uint32_t size);
static inline PciDevice *vga_pci(Vga *v) { return &v->pci; }

/* The legacy window's accessors (what phys_map_mmio was given); exposed
 * for tests and for firmware loaders. addr is a physical address. */
uint32_t vga_mem_read(void *opaque, uint32_t addr, int size);
void vga_mem_write(void *opaque, uint32_t addr, int size, uint32_t value);

/* The current picture as 0x00RRGGBB, row by row (width pixels each).
 * out must hold VGA_RENDER_MAX_PIXELS, or be NULL to ask only the size.
 * Clears the change indication. A blanked screen renders black at its
 * size; a screen with no valid timing renders as 0 x 0. */
void vga_render(Vga *v, uint32_t *out, int *width, int *height);
/* vga_render for a display that keeps its picture: out holds what the
 * last render (of any kind) drew into it. When nothing but the blink phase
 * of a text mode changed since (vga_dirty's only reason), only the scan
 * lines with the cursor or blinking characters are drawn again. */
void vga_render_update(Vga *v, uint32_t *out, int *width, int *height);
/* In a text mode: the character/attribute cells (char | attr << 8), the
 * geometry and the cursor position (-1, -1 when hidden or off screen).
 * cells must hold VGA_TEXT_MAX_COLS * VGA_TEXT_MAX_ROWS entries or be
 * NULL. Returns false (and nothing) in graphics and VBE modes. */
bool vga_text_snapshot(Vga *v, uint16_t *cells, int *cols, int *rows, int *cursor_x,
                       int *cursor_y);
/* Whether the picture may have changed since the last vga_render: VRAM
 * written through the legacy window, a register written, the blink
 * phase of a text mode moved. With DISPI enabled and the LFB mapped the
 * guest writes host memory directly, so this is always true then. */
bool vga_dirty(Vga *v);
/* Whether DISPI (a VBE mode) is active. */
bool vga_vbe_enabled(const Vga *v);

#endif
