/* VGA with the Bochs DISPI extension and the stdvga PCI function; see
 * vga.h. Written from the IBM VGA technical reference (register layouts,
 * the graphics controller's read/write data paths, the CRTC's address
 * generation) and the Bochs VBE display API description. */
#include "devices/vga.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Register indexes (sequencer, graphics controller, attribute controller,
 * CRTC) by their documented names. */
enum { SR_RESET = 0, SR_CLOCK = 1, SR_MAP_MASK = 2, SR_CHARMAP = 3, SR_MEMMODE = 4 };
enum {
  GR_SET_RESET = 0, GR_ENABLE_SR = 1, GR_COLOR_CMP = 2, GR_ROTATE = 3, GR_READ_MAP = 4,
  GR_MODE = 5, GR_MISC = 6, GR_DONT_CARE = 7, GR_BIT_MASK = 8,
};
enum { AR_MODE = 0x10, AR_OVERSCAN = 0x11, AR_PLANE_EN = 0x12, AR_PAN = 0x13, AR_COLOR_SEL = 0x14 };
enum {
  CR_HDISP_END = 0x01, CR_VTOTAL = 0x06, CR_OVERFLOW = 0x07, CR_MAX_SCAN = 0x09, CR_CURSOR_START = 0x0A,
  CR_CURSOR_END = 0x0B, CR_START_HI = 0x0C, CR_START_LO = 0x0D, CR_CURSOR_HI = 0x0E, CR_CURSOR_LO = 0x0F,
  CR_VRETRACE_START = 0x10, CR_VRETRACE_END = 0x11, CR_VDISP_END = 0x12, CR_OFFSET = 0x13,
  CR_UNDERLINE = 0x14, CR_MODE = 0x17, CR_LINE_COMPARE = 0x18,
};
#define VGA_CRTC_COUNT 25
#define VGA_AC_COUNT 21

#define VGA_LINE_NS 31778u       /* 25.175 MHz / 800 dots */
#define VGA_HDISP_NS 25422u      /* 640 of the 800 dots */
#define VGA_STATUS_STEP_NS 500u  /* minimum advance per input status read */
#define VGA_FRAME_NS 14268000ull /* 449 lines: blink timing */

/* --- small helpers ------------------------------------------------------ */

static bool vga_dispi_on(const Vga *v) { return v->r.enable & VBE_DISPI_ENABLED; }
bool vga_vbe_enabled(const Vga *v) { return vga_dispi_on(v); }

static unsigned vga_vbe_bytespp(unsigned bpp) { return (bpp + 7) / 8; }

/* Bytes of VRAM one DISPI scan line takes. */
static uint32_t vga_vbe_line_bytes(const Vga *v, unsigned width) {
  if (v->r.bpp == 4) return width / 2;
  return width * vga_vbe_bytespp(v->r.bpp);
}

static void vga_mark_page(Vga *v, uint32_t vram_off) {
  uint32_t page = (vram_off & (VGA_VRAM_SIZE - 1)) >> PAGE_SHIFT;
  v->dirty_pages[page >> 6] |= 1ull << (page & 63);
  v->dirty_any = true;
}

static uint64_t vga_now(Vga *v) { return v->now ? v->now(v->opaque) : 0; }

/* --- the legacy window: the graphics controller's data paths ------------ */

/* Plane offsets wrap at 64 KiB in VGA modes; DISPI 4 bpp modes bank
 * through all of VRAM. */
static uint32_t vga_plane_mask(const Vga *v) {
  return (vga_dispi_on(v) && v->r.bpp == 4) ? VGA_VRAM_SIZE / 4 - 1 : 0xFFFF;
}

/* The window offset for a physical address as GR6 decodes it, or -1 when
 * the address is outside the selected range. */
static int32_t vga_window_offset(const Vga *v, uint32_t addr) {
  uint32_t off = addr - VGA_LEGACY_BASE;
  switch ((v->r.gc[GR_MISC] >> 2) & 3) {
  case 0: return (int32_t)off;
  case 1: return off < 0x10000 ? (int32_t)off : -1;
  case 2: return off >= 0x10000 && off < 0x18000 ? (int32_t)(off - 0x10000) : -1;
  default: return off >= 0x18000 ? (int32_t)(off - 0x18000) : -1;
  }
}

static uint8_t vga_mem_readb(Vga *v, uint32_t addr) {
  if (vga_dispi_on(v) && v->r.bpp != 4) {
    uint32_t off = addr - VGA_LEGACY_BASE;
    if (off >= 0x10000) return 0xFF;
    return v->vram[((uint32_t)v->r.bank * 0x10000 + off) & (VGA_VRAM_SIZE - 1)];
  }
  int32_t w = vga_window_offset(v, addr);
  if (w < 0) return 0xFF;
  uint32_t off = (uint32_t)w;
  if (vga_dispi_on(v)) off += (uint32_t)v->r.bank * 0x10000;
  uint32_t pmask = vga_plane_mask(v);
  unsigned plane;
  if (v->r.seq[SR_MEMMODE] & 0x08) { /* chain 4: A0-A1 pick the plane */
    plane = off & 3;
    off &= ~3u;
  } else if (v->r.gc[GR_MODE] & 0x10) { /* host odd/even */
    plane = (v->r.gc[GR_READ_MAP] & 2) | (off & 1);
    off &= ~1u;
  } else {
    plane = v->r.gc[GR_READ_MAP] & 3;
  }
  off &= pmask;
  memcpy(v->r.latch, &v->vram[off * 4], 4);
  if (!(v->r.gc[GR_MODE] & 0x08)) return v->r.latch[plane];
  /* Read mode 1: colour compare over the planes not "don't care". */
  uint8_t diff = 0;
  for (int p = 0; p < 4; p++) {
    if (!(v->r.gc[GR_DONT_CARE] & (1 << p))) continue;
    uint8_t want = (v->r.gc[GR_COLOR_CMP] >> p) & 1 ? 0xFF : 0x00;
    diff |= v->r.latch[p] ^ want;
  }
  return (uint8_t)~diff;
}

static uint8_t vga_alu(const Vga *v, uint8_t data, uint8_t latch) {
  switch ((v->r.gc[GR_ROTATE] >> 3) & 3) {
  case 1: return data & latch;
  case 2: return data | latch;
  case 3: return data ^ latch;
  default: return data;
  }
}

static void vga_mem_writeb(Vga *v, uint32_t addr, uint8_t val) {
  if (vga_dispi_on(v) && v->r.bpp != 4) {
    uint32_t off = addr - VGA_LEGACY_BASE;
    if (off >= 0x10000) return;
    uint32_t lin = ((uint32_t)v->r.bank * 0x10000 + off) & (VGA_VRAM_SIZE - 1);
    v->vram[lin] = val;
    vga_mark_page(v, lin);
    return;
  }
  int32_t w = vga_window_offset(v, addr);
  if (w < 0) return;
  uint32_t off = (uint32_t)w;
  if (vga_dispi_on(v)) off += (uint32_t)v->r.bank * 0x10000;
  uint32_t pmask = vga_plane_mask(v);
  uint8_t planes = v->r.seq[SR_MAP_MASK] & 0x0F;
  if (v->r.seq[SR_MEMMODE] & 0x08) {
    planes &= (uint8_t)(1u << (off & 3));
    off &= ~3u;
  } else if (!(v->r.seq[SR_MEMMODE] & 0x04)) { /* odd/even */
    planes &= (off & 1) ? 0x0A : 0x05;
    off &= ~1u;
  }
  off &= pmask;
  if (!planes) return;

  const uint8_t *gc = v->r.gc;
  unsigned rot = gc[GR_ROTATE] & 7;
  uint8_t rotated = (uint8_t)((val >> rot) | (val << ((8 - rot) & 7)));
  uint8_t mask = gc[GR_BIT_MASK];
  uint8_t out[4];
  for (int p = 0; p < 4; p++) {
    uint8_t latch = v->r.latch[p];
    uint8_t sr = (gc[GR_SET_RESET] >> p) & 1 ? 0xFF : 0x00;
    uint8_t data, m = mask;
    switch (gc[GR_MODE] & 3) {
    case 0:
      data = (gc[GR_ENABLE_SR] >> p) & 1 ? sr : rotated;
      data = vga_alu(v, data, latch);
      break;
    case 1:
      data = latch;
      m = 0xFF;
      break;
    case 2:
      data = (val >> p) & 1 ? 0xFF : 0x00;
      data = vga_alu(v, data, latch);
      break;
    default:
      m = rotated & mask;
      data = vga_alu(v, sr, latch);
      break;
    }
    out[p] = (uint8_t)((data & m) | (latch & ~m));
  }
  uint8_t *cell = &v->vram[off * 4];
  for (int p = 0; p < 4; p++)
    if (planes & (1 << p)) cell[p] = out[p];
  vga_mark_page(v, off * 4);
}

uint32_t vga_mem_read(void *opaque, uint32_t addr, int size) {
  Vga *v = opaque;
  uint32_t val = 0;
  for (int i = 0; i < size; i++) val |= (uint32_t)vga_mem_readb(v, addr + (uint32_t)i) << (8 * i);
  return val;
}

void vga_mem_write(void *opaque, uint32_t addr, int size, uint32_t value) {
  Vga *v = opaque;
  for (int i = 0; i < size; i++) vga_mem_writeb(v, addr + (uint32_t)i, (uint8_t)(value >> (8 * i)));
}

static const MmioOps vga_mmio_ops = {vga_mem_read, vga_mem_write, "vga"};

/* --- CRTC geometry ------------------------------------------------------ */

static unsigned vga_vdisp_end(const Vga *v) {
  const uint8_t *cr = v->r.crtc;
  return (cr[CR_VDISP_END] | (cr[CR_OVERFLOW] & 0x02) << 7 | (cr[CR_OVERFLOW] & 0x40) << 3) + 1u;
}

static unsigned vga_vtotal(const Vga *v) {
  const uint8_t *cr = v->r.crtc;
  return (cr[CR_VTOTAL] | (cr[CR_OVERFLOW] & 0x01) << 8 | (cr[CR_OVERFLOW] & 0x20) << 4) + 2u;
}

static unsigned vga_vretrace_start(const Vga *v) {
  const uint8_t *cr = v->r.crtc;
  return cr[CR_VRETRACE_START] | (cr[CR_OVERFLOW] & 0x04) << 6 | (cr[CR_OVERFLOW] & 0x80) << 2;
}

static unsigned vga_line_compare(const Vga *v) {
  const uint8_t *cr = v->r.crtc;
  return cr[CR_LINE_COMPARE] | (cr[CR_OVERFLOW] & 0x10) << 4 | (cr[CR_MAX_SCAN] & 0x40) << 3;
}

/* Input status 1: bit 0 display disabled (blanking), bit 3 vertical
 * retrace, computed from the card's time. */
static uint8_t vga_status1(Vga *v) {
  uint64_t now = vga_now(v);
  uint64_t t = v->r.status_ns + VGA_STATUS_STEP_NS;
  if (now > t) t = now;
  v->r.status_ns = t;
  unsigned total = vga_vtotal(v), vde = vga_vdisp_end(v), vrs = vga_vretrace_start(v);
  if (total < 100 || total > 1100 || vde >= total) { total = 449; vde = 400; vrs = 412; }
  unsigned vre_len = ((v->r.crtc[CR_VRETRACE_END] & 0x0F) - (vrs & 0x0F)) & 0x0F;
  if (vre_len < 2) vre_len = 2;
  if (vrs >= total || vrs < vde) vrs = vde + (total - vde) / 4;
  uint64_t frame_ns = (uint64_t)total * VGA_LINE_NS;
  uint64_t in_frame = t % frame_ns;
  unsigned line = (unsigned)(in_frame / VGA_LINE_NS);
  unsigned in_line = (unsigned)(in_frame % VGA_LINE_NS);
  uint8_t st = 0;
  if (line >= vde || in_line >= VGA_HDISP_NS) st |= 0x01;
  if (line >= vrs && line < vrs + vre_len) st |= 0x08;
  return st;
}

/* --- ports --------------------------------------------------------------- */

static bool vga_crtc_port_ok(const Vga *v, uint16_t port) {
  bool color = v->r.misc & 1;
  return color ? (port & 0xFFF0) == 0x3D0 : (port & 0xFFF0) == 0x3B0;
}

static uint8_t vga_dac_component_mask(const Vga *v) {
  return (v->r.enable & VBE_DISPI_8BIT_DAC) ? 0xFF : 0x3F;
}

static uint8_t vga_inb(Vga *v, uint16_t port) {
  VgaRegs *r = &v->r;
  switch (port) {
  case 0x3C0: return r->ac_index;
  case 0x3C1: {
    unsigned i = r->ac_index & 0x1F;
    return i < VGA_AC_COUNT ? r->ac[i] : 0;
  }
  case 0x3C2: return 0x10; /* input status 0: switch sense (a colour monitor answers) */
  case 0x3C3: return r->vga_enable;
  case 0x3C4: return r->seq_index;
  case 0x3C5: return r->seq_index < 5 ? r->seq[r->seq_index] : 0;
  case 0x3C6: return r->dac_mask;
  case 0x3C7: return r->dac_state;
  case 0x3C8: return r->dac_write_index;
  case 0x3C9: {
    uint8_t val = r->dac[r->dac_read_index][r->dac_sub];
    if (++r->dac_sub == 3) {
      r->dac_sub = 0;
      r->dac_read_index++;
    }
    return val;
  }
  case 0x3CA: return r->feature;
  case 0x3CC: return r->misc;
  case 0x3CE: return r->gc_index;
  case 0x3CF: return r->gc_index < 9 ? r->gc[r->gc_index] : 0;
  case 0x3B4: case 0x3D4:
    return vga_crtc_port_ok(v, port) ? r->crtc_index : 0xFF;
  case 0x3B5: case 0x3D5:
    if (!vga_crtc_port_ok(v, port)) return 0xFF;
    return r->crtc_index < VGA_CRTC_COUNT ? r->crtc[r->crtc_index] : 0;
  case 0x3BA: case 0x3DA:
    if (!vga_crtc_port_ok(v, port)) return 0xFF;
    r->ac_flipflop = 0;
    return vga_status1(v);
  default: return 0xFF;
  }
}

static void vga_outb(Vga *v, uint16_t port, uint8_t val) {
  VgaRegs *r = &v->r;
  switch (port) {
  case 0x3C0:
    if (!r->ac_flipflop) {
      r->ac_index = val & 0x3F;
    } else {
      unsigned i = r->ac_index & 0x1F;
      if (i < 0x10) r->ac[i] = val & 0x3F;
      else if (i < VGA_AC_COUNT) r->ac[i] = i == AR_COLOR_SEL ? val & 0x0F : val;
    }
    r->ac_flipflop ^= 1;
    break;
  case 0x3C2: r->misc = val; break;
  case 0x3C3: r->vga_enable = val & 1; break;
  case 0x3C4: r->seq_index = val & 7; break;
  case 0x3C5:
    if (r->seq_index < 5) r->seq[r->seq_index] = val;
    break;
  case 0x3C6: r->dac_mask = val; break;
  case 0x3C7:
    r->dac_read_index = val;
    r->dac_sub = 0;
    r->dac_state = 3;
    break;
  case 0x3C8:
    r->dac_write_index = val;
    r->dac_sub = 0;
    r->dac_state = 0;
    break;
  case 0x3C9:
    if (r->dac_sub < 2) {
      r->dac_latch[r->dac_sub++] = val & vga_dac_component_mask(v);
    } else {
      uint8_t *e = r->dac[r->dac_write_index++];
      e[0] = r->dac_latch[0];
      e[1] = r->dac_latch[1];
      e[2] = val & vga_dac_component_mask(v);
      r->dac_sub = 0;
    }
    break;
  case 0x3CE: r->gc_index = val & 0x0F; break;
  case 0x3CF:
    if (r->gc_index < 9) r->gc[r->gc_index] = val;
    break;
  case 0x3B4: case 0x3D4:
    if (vga_crtc_port_ok(v, port)) r->crtc_index = val & 0x1F;
    break;
  case 0x3B5: case 0x3D5: {
    if (!vga_crtc_port_ok(v, port)) break;
    unsigned i = r->crtc_index;
    if (i >= VGA_CRTC_COUNT) break;
    if ((r->crtc[CR_VRETRACE_END] & 0x80) && i <= 7) {
      /* Protect: 0-7 are read-only, except line compare bit 8 in CR7. */
      if (i == CR_OVERFLOW) r->crtc[i] = (uint8_t)((r->crtc[i] & ~0x10) | (val & 0x10));
      break;
    }
    r->crtc[i] = val;
    break;
  }
  case 0x3BA: case 0x3DA:
    if (vga_crtc_port_ok(v, port)) r->feature = val;
    break;
  default: return;
  }
  v->regs_dirty = true;
}

static uint32_t vga_port_in(void *opaque, uint16_t port, int size) {
  Vga *v = opaque;
  uint32_t val = 0;
  for (int i = 0; i < size; i++) val |= (uint32_t)vga_inb(v, (uint16_t)(port + i)) << (8 * i);
  return val;
}

static void vga_port_out(void *opaque, uint16_t port, int size, uint32_t value) {
  Vga *v = opaque;
  for (int i = 0; i < size; i++) vga_outb(v, (uint16_t)(port + i), (uint8_t)(value >> (8 * i)));
}

static const IoPortOps vga_port_ops = {vga_port_in, vga_port_out};

/* --- DISPI --------------------------------------------------------------- */

static void vga_dispi_fix_virtual(Vga *v) {
  VgaRegs *r = &v->r;
  if (r->virt_width < r->xres) r->virt_width = r->xres;
  uint32_t lb = vga_vbe_line_bytes(v, r->virt_width);
  uint32_t vh = lb ? VGA_VRAM_SIZE / lb : 0;
  if (vh > 0xFFFF) vh = 0xFFFF;
  r->virt_height = (uint16_t)vh;
  if (r->virt_height < r->yres) r->virt_height = r->yres;
}

static uint16_t vga_dispi_read(Vga *v) {
  VgaRegs *r = &v->r;
  bool caps = r->enable & VBE_DISPI_GETCAPS;
  switch (r->dispi_index) {
  case VBE_DISPI_INDEX_ID: return r->dispi_id;
  case VBE_DISPI_INDEX_XRES: return caps ? VBE_DISPI_MAX_XRES : r->xres;
  case VBE_DISPI_INDEX_YRES: return caps ? VBE_DISPI_MAX_YRES : r->yres;
  case VBE_DISPI_INDEX_BPP: return caps ? VBE_DISPI_MAX_BPP : r->bpp;
  case VBE_DISPI_INDEX_ENABLE: return r->enable;
  case VBE_DISPI_INDEX_BANK: return r->bank;
  case VBE_DISPI_INDEX_VIRT_WIDTH: return r->virt_width;
  case VBE_DISPI_INDEX_VIRT_HEIGHT: return r->virt_height;
  case VBE_DISPI_INDEX_X_OFFSET: return r->x_offset;
  case VBE_DISPI_INDEX_Y_OFFSET: return r->y_offset;
  case VBE_DISPI_INDEX_VIDEO_MEMORY_64K: return VGA_VRAM_SIZE >> 16;
  default: return 0;
  }
}

static void vga_dispi_write(Vga *v, uint16_t val) {
  VgaRegs *r = &v->r;
  switch (r->dispi_index) {
  case VBE_DISPI_INDEX_ID:
    if (val >= VBE_DISPI_ID0 && val <= VBE_DISPI_ID5) r->dispi_id = val;
    break;
  case VBE_DISPI_INDEX_XRES:
    if (val >= 1 && val <= VBE_DISPI_MAX_XRES) {
      r->xres = val;
      vga_dispi_fix_virtual(v);
    }
    break;
  case VBE_DISPI_INDEX_YRES:
    if (val >= 1 && val <= VBE_DISPI_MAX_YRES) {
      r->yres = val;
      vga_dispi_fix_virtual(v);
    }
    break;
  case VBE_DISPI_INDEX_BPP:
    if (val == 0) val = 8;
    if (val == 4 || val == 8 || val == 15 || val == 16 || val == 24 || val == 32) {
      r->bpp = val;
      vga_dispi_fix_virtual(v);
    }
    break;
  case VBE_DISPI_INDEX_ENABLE: {
    bool was = r->enable & VBE_DISPI_ENABLED;
    r->enable = val & (VBE_DISPI_ENABLED | VBE_DISPI_GETCAPS | VBE_DISPI_8BIT_DAC | VBE_DISPI_LFB_ENABLED |
                       VBE_DISPI_NOCLEARMEM);
    if ((val & VBE_DISPI_ENABLED) && !was) {
      r->virt_width = r->xres;
      r->x_offset = r->y_offset = 0;
      r->bank = 0;
      vga_dispi_fix_virtual(v);
      if (!(val & VBE_DISPI_NOCLEARMEM)) {
        uint64_t n = (uint64_t)vga_vbe_line_bytes(v, r->virt_width) * r->yres;
        if (n > VGA_VRAM_SIZE) n = VGA_VRAM_SIZE;
        memset(v->vram, 0, (size_t)n);
      }
    }
    break;
  }
  case VBE_DISPI_INDEX_BANK:
    if (val < (VGA_VRAM_SIZE >> 16)) r->bank = val;
    break;
  case VBE_DISPI_INDEX_VIRT_WIDTH: {
    uint16_t w = val < r->xres ? r->xres : val;
    if ((uint64_t)vga_vbe_line_bytes(v, w) * r->yres <= VGA_VRAM_SIZE) {
      r->virt_width = w;
      vga_dispi_fix_virtual(v);
    }
    break;
  }
  case VBE_DISPI_INDEX_VIRT_HEIGHT: break; /* computed from VRAM and the line length */
  case VBE_DISPI_INDEX_X_OFFSET: r->x_offset = val; break;
  case VBE_DISPI_INDEX_Y_OFFSET: r->y_offset = val; break;
  default: return;
  }
  v->regs_dirty = true;
}

static uint32_t vga_dispi_in(void *opaque, uint16_t port, int size) {
  Vga *v = opaque;
  (void)size;
  if (port == VBE_DISPI_IOPORT_INDEX) return v->r.dispi_index;
  return vga_dispi_read(v);
}

static void vga_dispi_out(void *opaque, uint16_t port, int size, uint32_t value) {
  Vga *v = opaque;
  (void)size;
  if (port == VBE_DISPI_IOPORT_INDEX) v->r.dispi_index = (uint16_t)value;
  else vga_dispi_write(v, (uint16_t)value);
}

static const IoPortOps vga_dispi_ops = {vga_dispi_in, vga_dispi_out};

/* --- PCI ----------------------------------------------------------------- */

static void vga_lfb_map(PciDevice *d, int bar, uint32_t addr) {
  Vga *v = d->opaque;
  (void)bar;
  if (addr == v->lfb_addr) return;
  if (v->lfb_addr != PCI_UNMAPPED && v->mem) phys_unmap(v->mem, v->lfb_addr, VGA_VRAM_SIZE);
  v->lfb_addr = addr;
  if (addr != PCI_UNMAPPED && v->mem) phys_map_host(v->mem, addr, VGA_VRAM_SIZE, v->vram, false);
  if (v->map_changed) v->map_changed(v->opaque);
  v->regs_dirty = true;
}

static void vga_rom_map(PciDevice *d, int bar, uint32_t addr) {
  Vga *v = d->opaque;
  (void)bar;
  if (addr == v->rom_addr) return;
  if (v->rom_addr != PCI_UNMAPPED && v->mem) phys_unmap(v->mem, v->rom_addr, v->rom_size);
  v->rom_addr = addr;
  if (addr != PCI_UNMAPPED && v->mem && v->rom) phys_map_host(v->mem, addr, v->rom_size, v->rom, true);
  if (v->map_changed) v->map_changed(v->opaque);
}

static void vga_pci_fill(Vga *v) {
  PciDevice *d = &v->pci;
  memset(d, 0, sizeof *d);
  d->name = "stdvga";
  d->devfn = 2 << 3; /* slot 2, where QEMU's i440FX puts the VGA; the creator may change it */
  d->opaque = v;
  uint8_t *c = d->config;
  c[0x00] = 0x34; c[0x01] = 0x12;   /* vendor 0x1234 */
  c[0x02] = 0x11; c[0x03] = 0x11;   /* device 0x1111 */
  c[0x08] = 0x02;                   /* revision */
  c[0x09] = 0x00; c[0x0A] = 0x00; c[0x0B] = 0x03; /* class 0x030000: VGA-compatible */
  c[0x2C] = 0xF4; c[0x2D] = 0x1A;   /* subsystem vendor 0x1AF4 */
  c[0x2E] = 0x00; c[0x2F] = 0x11;   /* subsystem 0x1100 */
  c[0x10] = 0x08;                   /* BAR0: 32-bit prefetchable memory */
  d->wmask[0x04] = 0x07;            /* command: I/O, memory, bus master */
  d->wmask[0x05] = 0x04;            /* INTx disable */
  d->wmask[0x0C] = 0xFF;            /* cache line size */
  d->wmask[0x0D] = 0xFF;            /* latency timer */
  d->wmask[0x3C] = 0xFF;            /* interrupt line */
  for (int i = 0; i < PCI_BAR_COUNT; i++) d->bars[i].mapped = PCI_UNMAPPED;
  d->bars[0].size = VGA_VRAM_SIZE;
  d->bars[0].io = false;
  d->bars[0].map = vga_lfb_map;
}

void vga_set_rom(Vga *v, const uint8_t *rom, uint32_t size) {
  uint32_t sz = PAGE_SIZE;
  while (sz < size) sz <<= 1;
  free(v->rom);
  v->rom = calloc(sz, 1);
  if (!v->rom) {
    fprintf(stderr, "holo86: out of memory\n");
    exit(1);
  }
  memcpy(v->rom, rom, size);
  v->rom_size = sz;
  v->pci.bars[PCI_ROM_BAR].size = sz;
  v->pci.bars[PCI_ROM_BAR].io = false;
  v->pci.bars[PCI_ROM_BAR].map = vga_rom_map;
}

/* --- Device -------------------------------------------------------------- */

static void vga_reset_regs(Vga *v) {
  memset(&v->r, 0, sizeof v->r);
  VgaRegs *r = &v->r;
  r->misc = 0x01; /* colour: CRTC at 0x3D4 */
  r->seq[SR_MAP_MASK] = 0x0F;
  r->seq[SR_MEMMODE] = 0x02;
  r->gc[GR_MISC] = 0x04 | 0x02; /* A0000-AFFFF */
  r->gc[GR_BIT_MASK] = 0xFF;
  r->gc[GR_DONT_CARE] = 0x0F;
  r->ac[AR_PLANE_EN] = 0x0F;
  r->dac_mask = 0xFF;
  r->dispi_id = VBE_DISPI_ID5;
  r->xres = 640;
  r->yres = 480;
  r->bpp = 8;
  r->virt_width = 640;
  vga_dispi_fix_virtual(v);
}

static void vga_dev_reset(Device *d) {
  Vga *v = (Vga *)d;
  vga_reset_regs(v);
  memset(v->vram, 0, VGA_VRAM_SIZE);
  v->regs_dirty = true;
}

static void vga_dev_save(Device *d, StateBuf *s) {
  Vga *v = (Vga *)d;
  state_put(s, &v->r, sizeof v->r);
  state_put(s, v->vram, VGA_VRAM_SIZE);
}

static void vga_dev_load(Device *d, StateBuf *s) {
  Vga *v = (Vga *)d;
  state_get(s, &v->r, sizeof v->r);
  state_get(s, v->vram, VGA_VRAM_SIZE);
  v->regs_dirty = true;
}

void vga_init(Vga *v, IoBus *io, PhysMem *mem) {
  memset(v, 0, sizeof *v);
  v->dev.name = "vga";
  v->dev.reset = vga_dev_reset;
  v->dev.save = vga_dev_save;
  v->dev.load = vga_dev_load;
  v->vram = calloc(VGA_VRAM_SIZE, 1);
  if (!v->vram) {
    fprintf(stderr, "holo86: out of memory\n");
    exit(1);
  }
  v->io = io;
  v->mem = mem;
  v->lfb_addr = PCI_UNMAPPED;
  v->rom_addr = PCI_UNMAPPED;
  v->last_blink = -1;
  vga_reset_regs(v);
  v->regs_dirty = true;
  vga_pci_fill(v);
  if (io) {
    iobus_register(io, 0x3B4, 2, &vga_port_ops, v, "vga");
    iobus_register(io, 0x3BA, 1, &vga_port_ops, v, "vga");
    iobus_register(io, 0x3C0, 16, &vga_port_ops, v, "vga");
    iobus_register(io, 0x3D4, 2, &vga_port_ops, v, "vga");
    iobus_register(io, 0x3DA, 1, &vga_port_ops, v, "vga");
    iobus_register(io, VBE_DISPI_IOPORT_INDEX, 3, &vga_dispi_ops, v, "vbe-dispi");
  }
  if (mem) phys_map_mmio(mem, VGA_LEGACY_BASE, VGA_LEGACY_SIZE, &vga_mmio_ops, v);
}

void vga_free(Vga *v) {
  if (!v) return;
  if (v->mem && v->lfb_addr != PCI_UNMAPPED) phys_unmap(v->mem, v->lfb_addr, VGA_VRAM_SIZE);
  if (v->mem && v->rom_addr != PCI_UNMAPPED) phys_unmap(v->mem, v->rom_addr, v->rom_size);
  free(v->vram);
  free(v->rom);
  v->vram = NULL;
  v->rom = NULL;
}

/* --- rendering ----------------------------------------------------------- */

static uint32_t vga_rgb(const Vga *v, const uint8_t *e) {
  if (v->r.enable & VBE_DISPI_8BIT_DAC) return (uint32_t)e[0] << 16 | (uint32_t)e[1] << 8 | e[2];
  uint32_t rr = (uint32_t)(e[0] & 0x3F), g = (uint32_t)(e[1] & 0x3F), b = (uint32_t)(e[2] & 0x3F);
  rr = rr << 2 | rr >> 4;
  g = g << 2 | g >> 4;
  b = b << 2 | b >> 4;
  return rr << 16 | g << 8 | b;
}

/* The 256 colours the DAC outputs for each 8-bit pixel (pel mask applied). */
static void vga_build_lut(const Vga *v, uint32_t lut[256]) {
  for (int i = 0; i < 256; i++) lut[i] = vga_rgb(v, v->r.dac[i & v->r.dac_mask]);
}

/* The attribute controller: 4-bit pixel value to DAC colour. */
static uint32_t vga_attr_color(const Vga *v, const uint32_t *lut, unsigned val) {
  const uint8_t *ac = v->r.ac;
  unsigned idx = ac[val & ac[AR_PLANE_EN] & 0x0F] & 0x3F;
  if (ac[AR_MODE] & 0x80) idx = (idx & 0x0F) | (ac[AR_COLOR_SEL] & 0x03) << 4;
  idx |= (ac[AR_COLOR_SEL] & 0x0C) << 4;
  return lut[idx & 0xFF];
}

/* The CRTC memory address counter to a plane offset: byte, word or
 * doubleword addressing, then the CGA-compatible row scan substitutions
 * of CRTC mode bits 0 and 1. */
static uint32_t vga_scan_addr(const Vga *v, uint32_t ma, unsigned rs) {
  const uint8_t *cr = v->r.crtc;
  uint32_t a;
  if (cr[CR_UNDERLINE] & 0x40) a = (ma << 2) | ((ma >> 14) & 3);
  else if (!(cr[CR_MODE] & 0x40)) a = (ma << 1) | ((ma >> ((cr[CR_MODE] & 0x20) ? 15 : 13)) & 1);
  else a = ma;
  if (!(cr[CR_MODE] & 0x01)) a = (a & ~0x2000u) | (uint32_t)(rs & 1) << 13;
  if (!(cr[CR_MODE] & 0x02)) a = (a & ~0x4000u) | (uint32_t)(rs & 2) << 13;
  return a & vga_plane_mask(v);
}

static int vga_blink_frame(Vga *v) { return (int)((vga_now(v) / VGA_FRAME_NS) & 0x7FFFFFFF); }

static bool vga_is_text(const Vga *v) { return !(v->r.ac[AR_MODE] & 0x01); }

static void vga_text_line(Vga *v, uint32_t *out, int width, uint32_t ma, unsigned rs, const uint32_t *lut,
                          int frame) {
  const uint8_t *cr = v->r.crtc;
  const uint8_t *ac = v->r.ac;
  unsigned cols = cr[CR_HDISP_END] + 1u;
  int cw = (v->r.seq[SR_CLOCK] & 1) ? 8 : 9;
  uint8_t cmap = v->r.seq[SR_CHARMAP];
  unsigned map_a = ((cmap >> 5) & 1) << 2 | ((cmap >> 2) & 3);
  unsigned map_b = ((cmap >> 4) & 1) << 2 | (cmap & 3);
  uint32_t base_a = (map_a & 3) * 0x4000 + (map_a >> 2) * 0x2000;
  uint32_t base_b = (map_b & 3) * 0x4000 + (map_b >> 2) * 0x2000;
  uint32_t cursor = (uint32_t)cr[CR_CURSOR_HI] << 8 | cr[CR_CURSOR_LO];
  unsigned cs = cr[CR_CURSOR_START] & 0x1F, ce = cr[CR_CURSOR_END] & 0x1F;
  bool cursor_row = !(cr[CR_CURSOR_START] & 0x20) && rs >= cs && rs <= ce && !(frame & 8);
  bool blink_attr = ac[AR_MODE] & 0x08;
  bool blink_off = frame & 16;
  bool line_graphics = ac[AR_MODE] & 0x04;
  unsigned ul = cr[CR_UNDERLINE] & 0x1F;
  uint32_t pmask = vga_plane_mask(v);
  for (unsigned c = 0; c < cols; c++) {
    int x0 = (int)c * cw;
    if (x0 >= width) break;
    uint32_t a = vga_scan_addr(v, ma + c, rs);
    uint8_t ch = v->vram[a * 4], at = v->vram[a * 4 + 1];
    uint32_t font = (at & 0x08) ? base_a : base_b;
    uint8_t glyph = v->vram[((font + ch * 32u + rs) & pmask) * 4 + 2];
    unsigned fg = at & 0x0F, bg = at >> 4;
    if (blink_attr) {
      bg &= 7;
      if ((at & 0x80) && blink_off) fg = bg;
    }
    if ((at & 0x77) == 0x01 && rs == ul) glyph = 0xFF;
    if (cursor_row && ((ma + c) & 0xFFFF) == cursor) glyph = 0xFF, fg = at & 0x0F;
    uint32_t fgc = vga_attr_color(v, lut, fg), bgc = vga_attr_color(v, lut, bg);
    for (int i = 0; i < 8 && x0 + i < width; i++) out[x0 + i] = (glyph & (0x80 >> i)) ? fgc : bgc;
    if (cw == 9 && x0 + 8 < width) {
      bool ninth = line_graphics && ch >= 0xC0 && ch <= 0xDF && (glyph & 1);
      out[x0 + 8] = ninth ? fgc : bgc;
    }
  }
}

/* One graphics scan line from char clock ma, skipping pan pixels. */
static void vga_gfx_line(Vga *v, uint32_t *out, int width, uint32_t ma, unsigned rs, unsigned pan,
                         const uint32_t *lut) {
  bool pix8 = v->r.ac[AR_MODE] & 0x40;
  bool interleave = (v->r.gc[GR_MODE] & 0x60) == 0x20;
  int ppc = pix8 ? 4 : 8;
  int x = -(int)pan;
  for (uint32_t c = 0; x < width; c++) {
    uint32_t a = vga_scan_addr(v, ma + c, rs);
    const uint8_t *p = &v->vram[a * 4];
    for (int i = 0; i < ppc; i++, x++) {
      if (x < 0 || x >= width) continue;
      if (pix8) {
        out[x] = lut[p[i]];
        continue;
      }
      unsigned val;
      if (interleave) {
        int sh = 6 - 2 * (i & 3);
        const uint8_t lo = i < 4 ? p[0] : p[1], hi = i < 4 ? p[2] : p[3];
        val = ((lo >> sh) & 3) | ((hi >> sh) & 3) << 2;
      } else {
        int b = 7 - i;
        val = ((p[0] >> b) & 1) | ((p[1] >> b) & 1) << 1 | ((p[2] >> b) & 1) << 2 | ((p[3] >> b) & 1) << 3;
      }
      out[x] = vga_attr_color(v, lut, val);
    }
  }
}

static void vga_render_vbe(Vga *v, uint32_t *out, int *width, int *height, const uint32_t *lut) {
  VgaRegs *r = &v->r;
  int w = r->xres, h = r->yres;
  *width = w;
  *height = h;
  if (!out) return;
  if (r->bpp == 4) {
    uint32_t stride = r->virt_width / 8u;
    uint32_t base = ((uint32_t)r->y_offset * r->virt_width + r->x_offset) / 8u;
    uint32_t pmask = VGA_VRAM_SIZE / 4 - 1;
    for (int y = 0; y < h; y++) {
      uint32_t *o = out + (size_t)y * w;
      for (int x = 0; x < w; x++) {
        const uint8_t *p = &v->vram[((base + (uint32_t)y * stride + (uint32_t)x / 8) & pmask) * 4];
        int b = 7 - (x & 7);
        unsigned val = ((p[0] >> b) & 1) | ((p[1] >> b) & 1) << 1 | ((p[2] >> b) & 1) << 2 |
                       ((p[3] >> b) & 1) << 3;
        o[x] = vga_attr_color(v, lut, val);
      }
    }
    return;
  }
  unsigned bpp = vga_vbe_bytespp(r->bpp);
  uint32_t line = vga_vbe_line_bytes(v, r->virt_width);
  uint64_t start = (uint64_t)r->y_offset * line + (uint64_t)r->x_offset * bpp;
  for (int y = 0; y < h; y++) {
    uint32_t *o = out + (size_t)y * w;
    uint64_t row = start + (uint64_t)y * line;
    for (int x = 0; x < w; x++) {
      uint64_t off = row + (uint64_t)x * bpp;
      if (off + bpp > VGA_VRAM_SIZE) {
        o[x] = 0;
        continue;
      }
      const uint8_t *p = &v->vram[off];
      uint32_t px;
      switch (r->bpp) {
      case 8: px = lut[p[0]]; break;
      case 15: {
        unsigned c = p[0] | p[1] << 8;
        unsigned rr = (c >> 10) & 31, g = (c >> 5) & 31, b = c & 31;
        px = (rr << 3 | rr >> 2) << 16 | (g << 3 | g >> 2) << 8 | (b << 3 | b >> 2);
        break;
      }
      case 16: {
        unsigned c = p[0] | p[1] << 8;
        unsigned rr = (c >> 11) & 31, g = (c >> 5) & 63, b = c & 31;
        px = (rr << 3 | rr >> 2) << 16 | (g << 2 | g >> 4) << 8 | (b << 3 | b >> 2);
        break;
      }
      default: px = (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]; break;
      }
      o[x] = px;
    }
  }
}

/* The VGA picture's size: text at its dot resolution; graphics with the
 * scan lines that repeat a pixel row (double scan, or a max scan line
 * without CGA row substitution) folded into one. rep is that factor. */
static void vga_geometry(const Vga *v, int *width, int *height, unsigned *rep) {
  const uint8_t *cr = v->r.crtc;
  unsigned cols = cr[CR_HDISP_END] + 1u;
  unsigned vde = vga_vdisp_end(v);
  unsigned msl = cr[CR_MAX_SCAN] & 0x1F;
  if (vga_is_text(v)) {
    *width = (int)(cols * ((v->r.seq[SR_CLOCK] & 1) ? 8 : 9));
    *height = (int)vde;
    *rep = 1;
    return;
  }
  unsigned r = (cr[CR_MAX_SCAN] & 0x80) ? 2 : 1;
  if ((cr[CR_MODE] & 3) == 3) r *= msl + 1;
  *width = (int)(cols * ((v->r.ac[AR_MODE] & 0x40) ? 4 : 8));
  *height = (int)((vde + r - 1) / r);
  *rep = r;
}

static void vga_clear_dirty(Vga *v) {
  memset(v->dirty_pages, 0, sizeof v->dirty_pages);
  v->dirty_any = false;
  v->regs_dirty = false;
}

/* Can text scan line rs of the character row at ma change with the blink
 * phase alone: is the cursor on it, or (row_blinks) a character with the
 * blink attribute in blink mode? */
static bool vga_text_line_blinks(const Vga *v, uint32_t ma, unsigned rs, bool row_blinks) {
  const uint8_t *cr = v->r.crtc;
  uint32_t cursor = (uint32_t)cr[CR_CURSOR_HI] << 8 | cr[CR_CURSOR_LO];
  unsigned cs = cr[CR_CURSOR_START] & 0x1F, ce = cr[CR_CURSOR_END] & 0x1F;
  bool cursor_here = !(cr[CR_CURSOR_START] & 0x20) && rs >= cs && rs <= ce &&
                     ((cursor - ma) & 0xFFFF) < cr[CR_HDISP_END] + 1u;
  return cursor_here || row_blinks;
}

/* Does scan line rs of the character row at ma show a character with the
 * blink attribute (in blink mode)? */
static bool vga_text_row_blinks(const Vga *v, uint32_t ma, unsigned rs) {
  if (!(v->r.ac[AR_MODE] & 0x08)) return false;
  unsigned cols = v->r.crtc[CR_HDISP_END] + 1u;
  for (unsigned c = 0; c < cols; c++)
    if (v->vram[vga_scan_addr(v, ma + c, rs) * 4 + 1] & 0x80) return true;
  return false;
}

/* vga_render; with blink_only (a text mode, out holding the picture of
 * the last render, nothing but the blink phase changed since) only the
 * scan lines that blink are drawn again. */
static void vga_render_lines(Vga *v, uint32_t *out, int *width, int *height, bool blink_only) {
  uint32_t lut[256];
  vga_build_lut(v, lut);
  if (out) vga_clear_dirty(v);
  if (vga_dispi_on(v)) {
    vga_render_vbe(v, out, width, height, lut);
    return;
  }
  int w, h;
  unsigned rep;
  vga_geometry(v, &w, &h, &rep);
  if (w > VGA_MAX_WIDTH) w = VGA_MAX_WIDTH;
  if (h > VGA_MAX_HEIGHT) h = VGA_MAX_HEIGHT;
  *width = w;
  *height = h;
  if (!out) return;
  int frame = vga_blink_frame(v);
  v->last_blink = vga_is_text(v) ? (frame >> 3) : -1;
  bool blank = !(v->r.ac_index & 0x20) || (v->r.seq[SR_CLOCK] & 0x20);
  if (blank) {
    memset(out, 0, (size_t)w * h * sizeof *out);
    return;
  }
  const uint8_t *cr = v->r.crtc;
  unsigned vde = vga_vdisp_end(v);
  unsigned msl = cr[CR_MAX_SCAN] & 0x1F;
  bool dscan = cr[CR_MAX_SCAN] & 0x80;
  unsigned lc = vga_line_compare(v);
  uint32_t ma = (uint32_t)cr[CR_START_HI] << 8 | cr[CR_START_LO];
  uint32_t offset = cr[CR_OFFSET] * 2u;
  unsigned pan = v->r.ac[AR_PAN] & 0x0F;
  if (v->r.ac[AR_MODE] & 0x40) pan = (pan & 7) >> 1;
  else pan &= 7;
  bool text = vga_is_text(v);
  unsigned rs = 0;
  bool ds_second = false;
  int oy = 0;
  uint32_t row_ma = ~0u; /* the character row row_blinks is about */
  bool row_blinks = false;
  for (unsigned y = 0; y < vde && oy < h; y++) {
    if (y == lc) {
      ma = 0;
      rs = 0;
      ds_second = false;
      if (v->r.ac[AR_MODE] & 0x20) pan = 0;
    }
    if (y % rep == 0) {
      uint32_t *o = out + (size_t)oy * w;
      /* The scan lines of a row read the same cells, unless the CGA row
       * scan substitution makes the address depend on the scan line. */
      if (blink_only && (ma != row_ma || (cr[CR_MODE] & 3) != 3)) {
        row_ma = ma;
        row_blinks = vga_text_row_blinks(v, ma, rs);
      }
      if (!text) vga_gfx_line(v, o, w, ma, rs, pan, lut);
      else if (!blink_only || vga_text_line_blinks(v, ma, rs, row_blinks))
        vga_text_line(v, o, w, ma, rs, lut, frame);
      oy++;
    }
    if (dscan) {
      ds_second = !ds_second;
      if (ds_second) continue;
    }
    if (rs >= msl) {
      rs = 0;
      ma += offset;
    } else {
      rs++;
    }
  }
  for (; oy < h; oy++) memset(out + (size_t)oy * w, 0, (size_t)w * sizeof *out);
}

void vga_render(Vga *v, uint32_t *out, int *width, int *height) {
  vga_render_lines(v, out, width, height, false);
}

void vga_render_update(Vga *v, uint32_t *out, int *width, int *height) {
  bool blink_only = !v->regs_dirty && !v->dirty_any && !vga_dispi_on(v) && vga_is_text(v) &&
                    v->last_blink >= 0;
  vga_render_lines(v, out, width, height, blink_only);
}

bool vga_text_snapshot(Vga *v, uint16_t *cells, int *cols, int *rows, int *cursor_x, int *cursor_y) {
  if (vga_dispi_on(v) || !vga_is_text(v)) return false;
  const uint8_t *cr = v->r.crtc;
  int nc = cr[CR_HDISP_END] + 1;
  unsigned msl = cr[CR_MAX_SCAN] & 0x1F;
  unsigned lines = vga_vdisp_end(v);
  if (cr[CR_MAX_SCAN] & 0x80) lines /= 2;
  int nr = (int)(lines / (msl + 1));
  if (nc > VGA_TEXT_MAX_COLS) nc = VGA_TEXT_MAX_COLS;
  if (nr > VGA_TEXT_MAX_ROWS) nr = VGA_TEXT_MAX_ROWS;
  uint32_t start = (uint32_t)cr[CR_START_HI] << 8 | cr[CR_START_LO];
  uint32_t offset = cr[CR_OFFSET] * 2u;
  if (cells)
    for (int y = 0; y < nr; y++)
      for (int x = 0; x < nc; x++) {
        uint32_t a = vga_scan_addr(v, start + (uint32_t)y * offset + (uint32_t)x, 0);
        cells[y * nc + x] = (uint16_t)(v->vram[a * 4] | v->vram[a * 4 + 1] << 8);
      }
  *cols = nc;
  *rows = nr;
  uint32_t cursor = (uint32_t)cr[CR_CURSOR_HI] << 8 | cr[CR_CURSOR_LO];
  int cx = -1, cy = -1;
  unsigned cs = cr[CR_CURSOR_START] & 0x1F, ce = cr[CR_CURSOR_END] & 0x1F;
  if (!(cr[CR_CURSOR_START] & 0x20) && cs <= ce && cs <= msl && offset && cursor >= start) {
    uint32_t rel = cursor - start;
    if (rel / offset < (uint32_t)nr && rel % offset < (uint32_t)nc) {
      cx = (int)(rel % offset);
      cy = (int)(rel / offset);
    }
  }
  *cursor_x = cx;
  *cursor_y = cy;
  return true;
}

bool vga_dirty(Vga *v) {
  if (v->regs_dirty || v->dirty_any) return true;
  if (vga_dispi_on(v)) return v->lfb_addr != PCI_UNMAPPED;
  if (vga_is_text(v) && (vga_blink_frame(v) >> 3) != v->last_blink) return true;
  return false;
}
