/* VGA + Bochs DISPI: behaviour expected from the IBM VGA technical
 * reference (register values of the standard modes, the graphics
 * controller's write modes 0-3 and read modes 0-1) and the Bochs VBE
 * display API, driven through the ports and the legacy window of a
 * PhysMem, and checked in the rendered picture. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "devices/iobus.h"
#include "devices/vga.h"
#include "mmu/physmem.h"

static IoBus *vgat_bus;
static PhysMem *vgat_mem;
static Vga vgat_vga;
static uint64_t vgat_ns;
static uint32_t *vgat_fb;
static int vgat_maps;

static uint64_t vgat_now(void *opaque) {
  (void)opaque;
  return vgat_ns;
}

static void vgat_map_changed(void *opaque) {
  (void)opaque;
  vgat_maps++;
}

static void vgat_setup(void) {
  vgat_ns = 0;
  vgat_maps = 0;
  vgat_bus = iobus_new();
  vgat_mem = phys_new(640 * 1024);
  vga_init(&vgat_vga, vgat_bus, vgat_mem);
  vgat_vga.now = vgat_now;
  vgat_vga.map_changed = vgat_map_changed;
  vgat_fb = calloc(VGA_RENDER_MAX_PIXELS, sizeof *vgat_fb);
}

static void vgat_teardown(void) {
  vga_free(&vgat_vga);
  phys_free(vgat_mem);
  iobus_free(vgat_bus);
  free(vgat_fb);
}

TestSuite(vga, .init = vgat_setup, .fini = vgat_teardown);

static void outb(uint16_t port, uint8_t v) { io_out(vgat_bus, port, 1, v); }
static uint8_t inb(uint16_t port) { return (uint8_t)io_in(vgat_bus, port, 1); }
static void outw(uint16_t port, uint16_t v) { io_out(vgat_bus, port, 2, v); }
static uint16_t inw(uint16_t port) { return (uint16_t)io_in(vgat_bus, port, 2); }

static void seq(uint8_t i, uint8_t v) { outb(0x3C4, i); outb(0x3C5, v); }
static void gc(uint8_t i, uint8_t v) { outb(0x3CE, i); outb(0x3CF, v); }
static void crtc(uint8_t i, uint8_t v) { outb(0x3D4, i); outb(0x3D5, v); }
static uint8_t gc_get(uint8_t i) { outb(0x3CE, i); return inb(0x3CF); }
static void attr(uint8_t i, uint8_t v) {
  inb(0x3DA);
  outb(0x3C0, i);
  outb(0x3C0, v);
}
static void dac(uint8_t i, uint8_t r, uint8_t g, uint8_t b) {
  outb(0x3C8, i);
  outb(0x3C9, r);
  outb(0x3C9, g);
  outb(0x3C9, b);
}
static uint8_t mrd(uint32_t a) { return (uint8_t)phys_read(vgat_mem, a, 1); }
static void mwr(uint32_t a, uint8_t v) { phys_write(vgat_mem, a, 1, v); }
static void dispi(uint16_t i, uint16_t v) { outw(0x1CE, i); outw(0x1CF, v); }
static uint16_t dispi_get(uint16_t i) { outw(0x1CE, i); return inw(0x1CF); }

/* A standard mode's registers, as the IBM tables give them. */
typedef struct ModeRegs {
  uint8_t misc, seq[5], crtc[25], gc[9], ac[21];
} ModeRegs;

static const ModeRegs mode03 = {
  0x67, {0x03, 0x00, 0x03, 0x00, 0x02},
  {0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E,
   0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF},
  {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF},
  {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x0C, 0x00,
   0x0F, 0x08, 0x00},
};
static const ModeRegs mode04 = {
  0x63, {0x03, 0x09, 0x03, 0x00, 0x02},
  {0x2D, 0x27, 0x28, 0x90, 0x2B, 0x80, 0xBF, 0x1F, 0x00, 0xC1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E,
   0x8F, 0x14, 0x00, 0x96, 0xB9, 0xA2, 0xFF},
  {0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0F, 0x00, 0xFF},
  {0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x01, 0x00,
   0x03, 0x00, 0x00},
};
static const ModeRegs mode12 = {
  0xE3, {0x03, 0x01, 0x0F, 0x00, 0x06},
  {0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xEA, 0x8C,
   0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF},
  {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF},
  {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x01, 0x00,
   0x0F, 0x00, 0x00},
};
static const ModeRegs mode13 = {
  0x63, {0x03, 0x01, 0x0F, 0x00, 0x0E},
  {0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9C, 0x8E,
   0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF},
  {0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF},
  {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x41, 0x00,
   0x0F, 0x00, 0x00},
};

static void set_mode(const ModeRegs *m) {
  outb(0x3C2, m->misc);
  for (int i = 0; i < 5; i++) seq((uint8_t)i, m->seq[i]);
  crtc(0x11, m->crtc[0x11] & 0x7F);
  for (int i = 0; i < 25; i++) crtc((uint8_t)i, m->crtc[i]);
  for (int i = 0; i < 9; i++) gc((uint8_t)i, m->gc[i]);
  for (int i = 0; i < 21; i++) attr((uint8_t)i, m->ac[i]);
  inb(0x3DA);
  outb(0x3C0, 0x20); /* PAS: show the picture */
}

static uint32_t rgb6(uint8_t r, uint8_t g, uint8_t b) {
  return (uint32_t)(r << 2 | r >> 4) << 16 | (uint32_t)(g << 2 | g >> 4) << 8 | (uint32_t)(b << 2 | b >> 4);
}

/* --- registers ------------------------------------------------------------- */

Test(vga, register_readback) {
  seq(2, 0x05);
  outb(0x3C4, 2);
  cr_assert_eq(inb(0x3C5), 0x05);
  cr_assert_eq(inb(0x3C4), 2);
  gc(8, 0x3C);
  cr_assert_eq(gc_get(8), 0x3C);
  gc(5, 0x43);
  cr_assert_eq(gc_get(5), 0x43);
  outb(0x3C2, 0x67);
  cr_assert_eq(inb(0x3CC), 0x67);
  /* 16-bit OUT writes index then data, as the BIOS does. */
  outw(0x3D4, 0x550E);
  outb(0x3D4, 0x0E);
  cr_assert_eq(inb(0x3D5), 0x55);
  outw(0x3C4, 0x0302);
  cr_assert_eq(inw(0x3C4), 0x0302);
  /* Colour: the CRTC answers at 0x3D4, not 0x3B4; mono the other way. */
  cr_assert_eq(inb(0x3B5), 0xFF);
  outb(0x3C2, 0x66);
  outb(0x3B4, 0x0E);
  cr_assert_eq(inb(0x3B5), 0x55);
  cr_assert_eq(inb(0x3D5), 0xFF);
}

Test(vga, crtc_protect_bit) {
  crtc(0x11, 0x00);
  crtc(0x01, 0x4F);
  crtc(0x07, 0x00);
  crtc(0x11, 0x80); /* protect CR0-CR7 */
  crtc(0x01, 0x27);
  crtc(0x07, 0xFF); /* only line compare bit 8 (bit 4) goes through */
  crtc(0x0C, 0x12); /* not protected */
  outb(0x3D4, 0x01);
  cr_assert_eq(inb(0x3D5), 0x4F);
  outb(0x3D4, 0x07);
  cr_assert_eq(inb(0x3D5), 0x10);
  outb(0x3D4, 0x0C);
  cr_assert_eq(inb(0x3D5), 0x12);
}

Test(vga, attribute_flipflop) {
  inb(0x3DA);
  outb(0x3C0, 0x12);        /* index */
  outb(0x3C0, 0x0A);        /* data */
  cr_assert_eq(inb(0x3C0), 0x12);
  cr_assert_eq(inb(0x3C1), 0x0A);
  outb(0x3C0, 0x33);        /* index again: 0x13 with PAS */
  cr_assert_eq(inb(0x3C0), 0x33);
  outb(0x3C0, 0x05);        /* data of 0x13 */
  outb(0x3C0, 0x12);        /* index */
  /* Reading input status 1 resets the flip-flop to "index". */
  inb(0x3DA);
  outb(0x3C0, 0x11);
  outb(0x3C0, 0x2A);
  cr_assert_eq(inb(0x3C0), 0x11);
  cr_assert_eq(inb(0x3C1), 0x2A);
  outb(0x3C0, 0x13);
  cr_assert_eq(inb(0x3C1), 0x05);
  /* The flip-flop now expects data for 0x13. Input status 1 read at the
   * mono address while in colour mode is not decoded: no reset. */
  inb(0x3BA);
  outb(0x3C0, 0x07);
  cr_assert_eq(inb(0x3C0), 0x13);
  cr_assert_eq(inb(0x3C1), 0x07);
}

Test(vga, dac_triplets) {
  dac(5, 0x3F, 0x20, 0x41); /* 0x41 is masked to 6 bits */
  outb(0x3C9, 0x01);       /* auto-increment: entry 6 */
  outb(0x3C9, 0x02);
  outb(0x3C9, 0x03);
  cr_assert_eq(inb(0x3C7), 0); /* state after a write index */
  cr_assert_eq(inb(0x3C8), 7);
  outb(0x3C7, 5);
  cr_assert_eq(inb(0x3C7), 3);
  cr_assert_eq(inb(0x3C9), 0x3F);
  cr_assert_eq(inb(0x3C9), 0x20);
  cr_assert_eq(inb(0x3C9), 0x01);
  cr_assert_eq(inb(0x3C9), 0x01);
  cr_assert_eq(inb(0x3C9), 0x02);
  cr_assert_eq(inb(0x3C9), 0x03);
  /* A new write index restarts the R, G, B counter. */
  outb(0x3C8, 9);
  outb(0x3C9, 0x11);
  outb(0x3C8, 9);
  outb(0x3C9, 0x07);
  outb(0x3C9, 0x08);
  outb(0x3C9, 0x09);
  outb(0x3C7, 9);
  cr_assert_eq(inb(0x3C9), 0x07);
  cr_assert_eq(inb(0x3C9), 0x08);
  cr_assert_eq(inb(0x3C9), 0x09);
  outb(0x3C6, 0x0F);
  cr_assert_eq(inb(0x3C6), 0x0F);
}

Test(vga, retrace_toggles) {
  set_mode(&mode03);
  /* With the clock standing still, polling still sees the retrace start
   * and end (each read is about one bus cycle). */
  int phase = 0, reads = 0;
  while (phase < 3 && reads < 200000) {
    uint8_t st = inb(0x3DA);
    reads++;
    if (phase == 0 && !(st & 8)) phase = 1;
    else if (phase == 1 && (st & 8)) phase = 2;
    else if (phase == 2 && !(st & 8)) phase = 3;
  }
  cr_assert_eq(phase, 3, "retrace did not toggle in %d reads", reads);
  /* Display enable toggles within a line. */
  int on = 0, off = 0;
  for (int i = 0; i < 4000; i++) (inb(0x3DA) & 1) ? off++ : on++;
  cr_assert(on && off);
  /* In virtual time: 70 Hz in a 400-line mode (449 lines of 31.778 us). */
  int edges = 0;
  bool prev = true;
  /* Sample finely over one frame and count retrace lines seen. */
  for (uint64_t t = 0; t < 14268000ull * 3; t += 10000) {
    vgat_ns = 2000000000ull + t;
    bool r = inb(0x3DA) & 8;
    if (r && !prev) edges++;
    prev = r;
  }
  cr_assert(edges >= 2 && edges <= 4, "edges %d", edges);
}

/* --- the graphics controller's data paths ------------------------------------ */

/* Planar mode (as 12h): offset 0 holds P0=F0 P1=0F P2=AA P3=55. */
static void planar_setup(void) {
  set_mode(&mode12);
  static const uint8_t vals[4] = {0xF0, 0x0F, 0xAA, 0x55};
  for (int p = 0; p < 4; p++) {
    seq(2, (uint8_t)(1 << p));
    mwr(0xA0000, vals[p]);
  }
  seq(2, 0x0F);
}

static void planes_at(uint32_t addr, uint8_t out[4]) {
  uint8_t mode = gc_get(5);
  gc(5, mode & ~0x08);
  for (int p = 0; p < 4; p++) {
    gc(4, (uint8_t)p);
    out[p] = mrd(addr);
  }
  gc(5, mode);
  gc(4, 0);
}

Test(vga, write_mode0_setreset_function_bitmask) {
  planar_setup();
  (void)mrd(0xA0000); /* load the latches */
  gc(0, 0x01);        /* set/reset: plane 0 = 1 */
  gc(1, 0x01);        /* enable set/reset for plane 0 */
  gc(3, 0x18);        /* XOR, no rotate */
  gc(8, 0x0F);
  mwr(0xA0000, 0x3C);
  gc(0, 0); gc(1, 0); gc(3, 0); gc(8, 0xFF);
  uint8_t p[4];
  planes_at(0xA0000, p);
  cr_assert_eq(p[0], 0xFF);
  cr_assert_eq(p[1], 0x03);
  cr_assert_eq(p[2], 0xA6);
  cr_assert_eq(p[3], 0x59);
}

Test(vga, write_mode0_rotate_and_map_mask) {
  planar_setup();
  gc(3, 0x04); /* rotate right 4 */
  seq(2, 0x06);
  mwr(0xA0010, 0x3C);
  seq(2, 0x0F);
  gc(3, 0);
  uint8_t p[4];
  planes_at(0xA0010, p);
  cr_assert_eq(p[0], 0x00);
  cr_assert_eq(p[1], 0xC3);
  cr_assert_eq(p[2], 0xC3);
  cr_assert_eq(p[3], 0x00);
}

Test(vga, write_mode1_copies_latches) {
  planar_setup();
  gc(5, 0x01);
  (void)mrd(0xA0000);
  mwr(0xA0001, 0x00); /* the data is ignored */
  gc(5, 0x00);
  uint8_t p[4];
  planes_at(0xA0001, p);
  cr_assert_eq(p[0], 0xF0);
  cr_assert_eq(p[1], 0x0F);
  cr_assert_eq(p[2], 0xAA);
  cr_assert_eq(p[3], 0x55);
}

Test(vga, write_mode2_colour_with_bitmask) {
  planar_setup();
  gc(5, 0x02);
  gc(8, 0xF0);
  (void)mrd(0xA0000);
  mwr(0xA0000, 0x05);
  gc(5, 0); gc(8, 0xFF);
  uint8_t p[4];
  planes_at(0xA0000, p);
  cr_assert_eq(p[0], 0xF0);
  cr_assert_eq(p[1], 0x0F);
  cr_assert_eq(p[2], 0xFA);
  cr_assert_eq(p[3], 0x05);
}

Test(vga, write_mode3_rotated_data_masks_setreset) {
  planar_setup();
  gc(5, 0x03);
  gc(0, 0x0C);
  gc(8, 0x3C);
  (void)mrd(0xA0000);
  mwr(0xA0000, 0x0F);
  gc(5, 0); gc(0, 0); gc(8, 0xFF);
  uint8_t p[4];
  planes_at(0xA0000, p);
  cr_assert_eq(p[0], 0xF0);
  cr_assert_eq(p[1], 0x03);
  cr_assert_eq(p[2], 0xAE);
  cr_assert_eq(p[3], 0x5D);
}

Test(vga, write_mode0_and_or_functions) {
  planar_setup();
  gc(3, 0x08); /* AND */
  (void)mrd(0xA0000);
  mwr(0xA0000, 0x3C);
  uint8_t p[4];
  gc(3, 0);
  planes_at(0xA0000, p);
  cr_assert_eq(p[0], 0x30);
  cr_assert_eq(p[1], 0x0C);
  cr_assert_eq(p[2], 0x28);
  cr_assert_eq(p[3], 0x14);
  gc(3, 0x10); /* OR */
  (void)mrd(0xA0000);
  mwr(0xA0000, 0x81);
  gc(3, 0);
  planes_at(0xA0000, p);
  cr_assert_eq(p[0], 0xB1);
  cr_assert_eq(p[1], 0x8D);
  cr_assert_eq(p[2], 0xA9);
  cr_assert_eq(p[3], 0x95);
}

Test(vga, read_modes) {
  planar_setup();
  uint8_t p[4];
  planes_at(0xA0000, p);
  cr_assert_eq(p[2], 0xAA);
  gc(5, 0x08); /* read mode 1 */
  gc(2, 0x05); /* colour 0101 */
  gc(7, 0x0F);
  cr_assert_eq(mrd(0xA0000), 0xA0);
  gc(7, 0x01); /* only plane 0 matters */
  cr_assert_eq(mrd(0xA0000), 0xF0);
  gc(7, 0x00); /* nothing matters: all ones */
  cr_assert_eq(mrd(0xA0000), 0xFF);
}

Test(vga, chain4_addressing) {
  set_mode(&mode13);
  for (int i = 0; i < 8; i++) mwr(0xA0000 + (uint32_t)i, (uint8_t)(0x10 + i));
  for (int i = 0; i < 8; i++) cr_assert_eq(mrd(0xA0000 + (uint32_t)i), 0x10 + i);
  /* A0-A1 select the plane; the plane offset keeps the other bits. */
  uint8_t *vr = vgat_vga.vram;
  cr_assert_eq(vr[0], 0x10);
  cr_assert_eq(vr[3], 0x13);
  cr_assert_eq(vr[4 * 4 + 0], 0x14);
  cr_assert_eq(vr[4 * 4 + 1], 0x15);
  /* Unchained, planar reads see the same bytes: plane 1 at offset 4. */
  seq(4, 0x06);
  gc(5, 0x00);
  gc(4, 1);
  cr_assert_eq(mrd(0xA0004), 0x15);
  /* Map mask still applies in chain 4. */
  seq(4, 0x0E);
  seq(2, 0x0E);
  mwr(0xA0000, 0x99);
  mwr(0xA0001, 0x98);
  cr_assert_eq(mrd(0xA0000), 0x10);
  cr_assert_eq(mrd(0xA0001), 0x98);
}

Test(vga, odd_even_text_memory) {
  set_mode(&mode03);
  phys_write(vgat_mem, 0xB8000, 2, 0x1E41);
  phys_write(vgat_mem, 0xB8002, 2, 0x2F42);
  uint8_t *vr = vgat_vga.vram;
  cr_assert_eq(vr[0 * 4 + 0], 0x41); /* plane 0, offset 0 */
  cr_assert_eq(vr[0 * 4 + 1], 0x1E); /* plane 1, offset 0 */
  cr_assert_eq(vr[2 * 4 + 0], 0x42);
  cr_assert_eq(vr[2 * 4 + 1], 0x2F);
  cr_assert_eq(phys_read(vgat_mem, 0xB8002, 2), 0x2F42);
  /* Memory map B8000: A0000 and B0000 are not decoded. */
  cr_assert_eq(mrd(0xA0000), 0xFF);
  mwr(0xB0000, 0x12);
  cr_assert_eq(mrd(0xB0000), 0xFF);
}

/* --- rendering ----------------------------------------------------------- */

static const uint8_t glyph_A[16] = {0x00, 0x00, 0x10, 0x38, 0x6C, 0xC6, 0xC6, 0xFE,
                                    0xC6, 0xC6, 0xC6, 0xC6, 0x00, 0x00, 0x00, 0x00};

/* Load glyphs into plane 2 as the BIOS does: sequential addressing,
 * plane 2 only, A0000 64K. */
static void load_glyph(uint8_t ch, const uint8_t *rows, int n) {
  seq(2, 0x04);
  seq(4, 0x07);
  gc(4, 0x02);
  gc(5, 0x00);
  gc(6, 0x04);
  for (int i = 0; i < n; i++) mwr(0xA0000 + ch * 32u + (uint32_t)i, rows[i]);
  seq(2, 0x03);
  seq(4, 0x02);
  gc(4, 0x00);
  gc(5, 0x10);
  gc(6, 0x0E);
}

static uint32_t px(int w, int x, int y) { return vgat_fb[y * w + x]; }

Test(vga, text_glyph_attributes_cursor) {
  set_mode(&mode03);
  load_glyph('A', glyph_A, 16);
  static const uint8_t box[16] = {0, 0, 0, 0, 0, 0, 0, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0};
  load_glyph(0xC4, box, 16);
  dac(0x01, 0, 0, 42);         /* blue: AC[1] = 0x01 */
  dac(0x3E, 63, 63, 21);       /* yellow: AC[14] = 0x3E */
  dac(0x39, 21, 21, 63);       /* bright blue: AC[9] = 0x39 */
  phys_write(vgat_mem, 0xB8000, 2, 0x1E41);   /* 'A' yellow on blue */
  phys_write(vgat_mem, 0xB8002, 2, 0x1EC4);   /* line-graphics char */
  phys_write(vgat_mem, 0xB8004, 2, 0x9E41);   /* blinking 'A' */
  crtc(0x0E, 0x07);                           /* cursor on the last cell for now */
  crtc(0x0F, 0xCF);
  int w, h;
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(w, 720);
  cr_assert_eq(h, 400);
  uint32_t blue = rgb6(0, 0, 42), yellow = rgb6(63, 63, 21), bblue = rgb6(21, 21, 63);
  for (int y = 0; y < 16; y++)
    for (int x = 0; x < 8; x++) {
      uint32_t want = (glyph_A[y] & (0x80 >> x)) ? yellow : blue;
      cr_assert_eq(px(w, x, y), want, "pixel %d,%d", x, y);
    }
  /* 9th column: background for 'A', the 8th dot repeated for C0-DF. */
  cr_assert_eq(px(w, 8, 7), blue);
  cr_assert_eq(px(w, 9 + 7, 7), yellow);
  cr_assert_eq(px(w, 9 + 8, 7), yellow);
  cr_assert_eq(px(w, 9 + 8, 6), blue);
  /* Line graphics off: the 9th dot is background. */
  attr(0x10, 0x08);
  inb(0x3DA);
  outb(0x3C0, 0x20);
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(px(w, 9 + 8, 7), blue);
  /* Blink: visible in the first half of the 32-frame cycle, hidden after. */
  vgat_ns = 0;
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(px(w, 18 + 0, 7), yellow);
  vgat_ns = 16 * 14268000ull + 1000;
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(px(w, 18 + 0, 7), blue);
  /* Blink disabled: bit 7 is background intensity. */
  attr(0x10, 0x00);
  inb(0x3DA);
  outb(0x3C0, 0x20);
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(px(w, 18 + 0, 0), bblue);
  cr_assert_eq(px(w, 18 + 0, 7), yellow);
  /* Cursor at cell 1, scan lines 13-14 (mode 3's 0Dh-0Eh), in the cell's
   * foreground. */
  crtc(0x0E, 0);
  crtc(0x0F, 1);
  vgat_ns = 0;
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(px(w, 9 + 0, 13), yellow);
  cr_assert_eq(px(w, 9 + 3, 14), yellow);
  cr_assert_eq(px(w, 9 + 3, 12), blue);
  cr_assert_eq(px(w, 9 + 3, 15), blue);
  vgat_ns = 8 * 14268000ull + 1000; /* cursor blink off phase */
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(px(w, 9 + 3, 14), blue);
  /* Screen off (PAS clear): black. */
  inb(0x3DA);
  outb(0x3C0, 0x00);
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(px(w, 3, 3), 0);
}

/* vga_render_update after a blink phase change draws only the scan lines
 * of the cursor and of blinking characters; anything else draws it all. */
Test(vga, render_update_blink_lines_only) {
  set_mode(&mode03);
  load_glyph('A', glyph_A, 16);
  attr(0x10, 0x08); /* blink on, line graphics off */
  inb(0x3DA);
  outb(0x3C0, 0x20);
  phys_write(vgat_mem, 0xB8000, 2, 0x1E41);                  /* row 0: plain */
  phys_write(vgat_mem, 0xB8000 + (3 * 80 + 5) * 2, 2, 0x9E41); /* row 3: blinking */
  crtc(0x0E, (10 * 80 + 7) >> 8);                            /* cursor: row 10 */
  crtc(0x0F, (10 * 80 + 7) & 0xFF);
  int w, h;
  vgat_ns = 0;
  vga_render_update(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(w, 720);
  uint32_t *ref = calloc(VGA_RENDER_MAX_PIXELS, sizeof *ref);
  cr_assert(ref);
  const uint32_t poison = 0x123456;
  for (int y = 0; y < h; y++) vgat_fb[y * w + 100] = poison; /* column 100 of every line */
  /* The cursor's phase moves (8 frames): cursor lines only. */
  vgat_ns = 8 * 14268000ull + 1000;
  cr_assert(vga_dirty(&vgat_vga));
  vga_render_update(&vgat_vga, vgat_fb, &w, &h);
  vga_render(&vgat_vga, ref, &w, &h);
  for (int y = 0; y < h; y++) {
    bool cursor_line = y >= 10 * 16 + 13 && y <= 10 * 16 + 14; /* mode 3: scan lines 13-14 */
    bool blink_row = y / 16 == 3;
    if (cursor_line || blink_row) cr_assert_eq(vgat_fb[y * w + 100], ref[y * w + 100], "line %d", y);
    else cr_assert_eq(vgat_fb[y * w + 100], poison, "line %d was drawn again", y);
  }
  cr_assert_eq(memcmp(vgat_fb + (10 * 16 + 13) * w, ref + (10 * 16 + 13) * w, 2 * w * sizeof *ref), 0);
  /* A VRAM write: everything is drawn. */
  for (int y = 0; y < h; y++) vgat_fb[y * w + 100] = poison;
  phys_write(vgat_mem, 0xB8000 + 2, 2, 0x1E41);
  vga_render_update(&vgat_vga, vgat_fb, &w, &h);
  vga_render(&vgat_vga, ref, &w, &h);
  cr_assert_eq(memcmp(vgat_fb, ref, (size_t)w * h * sizeof *ref), 0);
  free(ref);
}

Test(vga, text_snapshot) {
  set_mode(&mode03);
  phys_write(vgat_mem, 0xB8000 + (2 * 80 + 5) * 2, 2, 0x0748);
  crtc(0x0E, 0x00);
  crtc(0x0F, 80 * 3 + 7);
  uint16_t *cells = calloc(VGA_TEXT_MAX_COLS * VGA_TEXT_MAX_ROWS, sizeof *cells);
  int cols, rows, cx, cy;
  cr_assert(vga_text_snapshot(&vgat_vga, cells, &cols, &rows, &cx, &cy));
  cr_assert_eq(cols, 80);
  cr_assert_eq(rows, 25);
  cr_assert_eq(cells[2 * 80 + 5], 0x0748);
  cr_assert_eq(cx, 7);
  cr_assert_eq(cy, 3);
  crtc(0x0A, 0x20); /* cursor off */
  cr_assert(vga_text_snapshot(&vgat_vga, cells, &cols, &rows, &cx, &cy));
  cr_assert_eq(cx, -1);
  /* Start address scrolls the screen by whole rows. */
  crtc(0x0C, 0);
  crtc(0x0D, 80);
  cr_assert(vga_text_snapshot(&vgat_vga, cells, &cols, &rows, &cx, &cy));
  cr_assert_eq(cells[1 * 80 + 5], 0x0748);
  /* 80x50: 8-line characters. */
  crtc(0x09, 0x47);
  cr_assert(vga_text_snapshot(&vgat_vga, NULL, &cols, &rows, &cx, &cy));
  cr_assert_eq(rows, 50);
  set_mode(&mode13);
  cr_assert_not(vga_text_snapshot(&vgat_vga, cells, &cols, &rows, &cx, &cy));
  free(cells);
}

Test(vga, mode13_pixel_through_dac) {
  set_mode(&mode13);
  dac(0x2A, 63, 0, 0);
  dac(0x00, 0, 0, 0);
  mwr(0xA0000 + 320 * 10 + 5, 0x2A);
  mwr(0xA0000 + 320 * 199 + 319, 0x2A);
  int w, h;
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(w, 320);
  cr_assert_eq(h, 200);
  cr_assert_eq(px(w, 5, 10), 0xFF0000);
  cr_assert_eq(px(w, 4, 10), 0);
  cr_assert_eq(px(w, 5, 11), 0);
  cr_assert_eq(px(w, 319, 199), 0xFF0000);
  /* The pel mask applies before the DAC. */
  outb(0x3C6, 0x0F);
  dac(0x0A, 0, 63, 0);
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(px(w, 5, 10), 0x00FF00);
}

Test(vga, mode12_planar_pixel) {
  set_mode(&mode12);
  dac(0x3C, 63, 21, 21); /* AC[12] = 0x3C */
  gc(5, 0x02);           /* write mode 2 */
  gc(8, 0x40);           /* second pixel of the byte */
  (void)mrd(0xA0000 + 80 * 479 + 79);
  mwr(0xA0000 + 80 * 479 + 79, 0x0C);
  int w, h;
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(w, 640);
  cr_assert_eq(h, 480);
  cr_assert_eq(px(w, 633, 479), rgb6(63, 21, 21));
  cr_assert_eq(px(w, 632, 479), 0);
  cr_assert_eq(px(w, 634, 479), 0);
}

Test(vga, mode04_cga_interleave) {
  set_mode(&mode04);
  dac(0x13, 0, 42, 42); /* AC[1] */
  dac(0x15, 42, 0, 42); /* AC[2] */
  dac(0x17, 42, 42, 42); /* AC[3] */
  mwr(0xB8000, 0x1B);          /* row 0: pixels 0,1,2,3 */
  mwr(0xB8001, 0xC0);          /* row 0: pixel 4 = 3 */
  mwr(0xB8000 + 0x2000, 0x80); /* row 1 (odd rows from 8K): pixel 0 = 2 */
  int w, h;
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(w, 320);
  cr_assert_eq(h, 200);
  cr_assert_eq(px(w, 0, 0), 0);
  cr_assert_eq(px(w, 1, 0), rgb6(0, 42, 42));
  cr_assert_eq(px(w, 2, 0), rgb6(42, 0, 42));
  cr_assert_eq(px(w, 3, 0), rgb6(42, 42, 42));
  cr_assert_eq(px(w, 4, 0), rgb6(42, 42, 42));
  cr_assert_eq(px(w, 0, 1), rgb6(42, 0, 42));
  cr_assert_eq(px(w, 0, 2), 0);
}

Test(vga, dirty_tracking) {
  set_mode(&mode13);
  int w, h;
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_not(vga_dirty(&vgat_vga));
  mwr(0xA0000 + 100, 1);
  cr_assert(vga_dirty(&vgat_vga));
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_not(vga_dirty(&vgat_vga));
  dac(1, 1, 2, 3);
  cr_assert(vga_dirty(&vgat_vga));
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  (void)mrd(0xA0000); /* reads change nothing */
  inb(0x3DA);
  cr_assert_not(vga_dirty(&vgat_vga));
}

/* --- DISPI --------------------------------------------------------------- */

Test(vga, dispi_handshake_and_caps) {
  cr_assert_eq(dispi_get(VBE_DISPI_INDEX_ID), 0xB0C5);
  dispi(VBE_DISPI_INDEX_ID, 0xB0C0);
  cr_assert_eq(dispi_get(VBE_DISPI_INDEX_ID), 0xB0C0);
  dispi(VBE_DISPI_INDEX_ID, 0x1234); /* not an interface version: ignored */
  cr_assert_eq(dispi_get(VBE_DISPI_INDEX_ID), 0xB0C0);
  dispi(VBE_DISPI_INDEX_ID, 0xB0C5);
  cr_assert_eq(dispi_get(VBE_DISPI_INDEX_ID), 0xB0C5);
  cr_assert_eq(dispi_get(VBE_DISPI_INDEX_VIDEO_MEMORY_64K), 256);
  dispi(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_GETCAPS);
  cr_assert_geq(dispi_get(VBE_DISPI_INDEX_XRES), 1280);
  cr_assert_geq(dispi_get(VBE_DISPI_INDEX_YRES), 1024);
  cr_assert_eq(dispi_get(VBE_DISPI_INDEX_BPP), 32);
  dispi(VBE_DISPI_INDEX_ENABLE, 0);
  dispi(VBE_DISPI_INDEX_XRES, 1024);
  dispi(VBE_DISPI_INDEX_YRES, 768);
  dispi(VBE_DISPI_INDEX_BPP, 16);
  cr_assert_eq(dispi_get(VBE_DISPI_INDEX_XRES), 1024);
  cr_assert_eq(dispi_get(VBE_DISPI_INDEX_YRES), 768);
  cr_assert_eq(dispi_get(VBE_DISPI_INDEX_BPP), 16);
  dispi(VBE_DISPI_INDEX_BPP, 12); /* unsupported: ignored */
  cr_assert_eq(dispi_get(VBE_DISPI_INDEX_BPP), 16);
  /* The PCI identity SeaBIOS's vgabios-stdvga looks for. */
  PciDevice *d = vga_pci(&vgat_vga);
  cr_assert_eq(d->config[0] | d->config[1] << 8, 0x1234);
  cr_assert_eq(d->config[2] | d->config[3] << 8, 0x1111);
  cr_assert_eq(d->config[0x0B], 0x03);
  cr_assert_eq(d->config[0x0A], 0x00);
  cr_assert_eq(d->bars[0].size, 16u << 20);
  cr_assert_not(d->bars[0].io);
  cr_assert_eq(d->config[0x10] & 0x08, 0x08);
}

Test(vga, dispi_lfb_800x600x32) {
  PciDevice *d = vga_pci(&vgat_vga);
  d->bars[0].map(d, 0, 0xE0000000u);
  cr_assert_eq(vgat_maps, 1);
  dispi(VBE_DISPI_INDEX_ENABLE, 0);
  dispi(VBE_DISPI_INDEX_XRES, 800);
  dispi(VBE_DISPI_INDEX_YRES, 600);
  dispi(VBE_DISPI_INDEX_BPP, 32);
  dispi(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
  cr_assert(vga_vbe_enabled(&vgat_vga));
  cr_assert_eq(dispi_get(VBE_DISPI_INDEX_VIRT_WIDTH), 800);
  cr_assert_geq(dispi_get(VBE_DISPI_INDEX_VIRT_HEIGHT), 600);
  phys_write(vgat_mem, 0xE0000000u + (123u * 800 + 456) * 4, 4, 0x00123456);
  phys_write(vgat_mem, 0xE0000000u + (599u * 800 + 799) * 4, 4, 0x00ABCDEF);
  int w, h;
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(w, 800);
  cr_assert_eq(h, 600);
  cr_assert_eq(px(w, 456, 123), 0x123456);
  cr_assert_eq(px(w, 799, 599), 0xABCDEF);
  cr_assert_eq(px(w, 455, 123), 0);
  /* The banked window at A0000 reaches the same memory: bank 5 covers
   * bytes 0x50000-0x5FFFF. */
  uint32_t lin = (123u * 800 + 456) * 4;
  dispi(VBE_DISPI_INDEX_BANK, (uint16_t)(lin >> 16));
  cr_assert_eq(phys_read(vgat_mem, 0xA0000 + (lin & 0xFFFF), 4), 0x00123456);
  phys_write(vgat_mem, 0xA0000 + (lin & 0xFFFF), 4, 0x00FF8000);
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(px(w, 456, 123), 0xFF8000);
  /* Y offset pans by whole lines. */
  dispi(VBE_DISPI_INDEX_Y_OFFSET, 23);
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(px(w, 456, 100), 0xFF8000);
  /* Enabling again with memory clearing wipes the framebuffer. */
  dispi(VBE_DISPI_INDEX_ENABLE, 0);
  cr_assert_not(vga_vbe_enabled(&vgat_vga));
  dispi(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED | VBE_DISPI_NOCLEARMEM);
  cr_assert_eq(phys_read(vgat_mem, 0xE0000000u + lin, 4), 0x00FF8000);
  dispi(VBE_DISPI_INDEX_ENABLE, 0);
  dispi(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_LFB_ENABLED);
  cr_assert_eq(phys_read(vgat_mem, 0xE0000000u + lin, 4), 0);
  /* Moving the BAR away unmaps it. */
  d->bars[0].map(d, 0, PCI_UNMAPPED);
  cr_assert_eq(phys_read(vgat_mem, 0xE0000000u, 4), 0xFFFFFFFFu);
}

Test(vga, dispi_8_and_16_bpp) {
  dispi(VBE_DISPI_INDEX_XRES, 640);
  dispi(VBE_DISPI_INDEX_YRES, 480);
  dispi(VBE_DISPI_INDEX_BPP, 8);
  dispi(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED);
  dac(7, 63, 63, 0);
  mwr(0xA0000 + 640 * 2 + 3, 7);
  int w, h;
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(w, 640);
  cr_assert_eq(px(w, 3, 2), 0xFFFF00);
  dispi(VBE_DISPI_INDEX_ENABLE, 0);
  dispi(VBE_DISPI_INDEX_BPP, 16);
  dispi(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED);
  phys_write(vgat_mem, 0xA0000 + (640 * 2 + 3) * 2, 2, 0xF800); /* pure red in 5:6:5 */
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(px(w, 3, 2), 0xFF0000);
  /* 8-bit DAC: components are taken as written. */
  dispi(VBE_DISPI_INDEX_ENABLE, 0);
  dispi(VBE_DISPI_INDEX_BPP, 8);
  dispi(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED | VBE_DISPI_8BIT_DAC);
  dac(9, 0x80, 0x81, 0x82);
  mwr(0xA0000, 9);
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(px(w, 0, 0), 0x808182);
}

Test(vga, save_load_roundtrip) {
  set_mode(&mode13);
  dac(0x2A, 63, 0, 0);
  mwr(0xA0000 + 7, 0x2A);
  StateBuf s = {0};
  vgat_vga.dev.save(&vgat_vga.dev, &s);
  vgat_vga.dev.reset(&vgat_vga.dev);
  cr_assert_eq(vgat_vga.vram[4 * 4 + 3], 0); /* reset clears VRAM */
  s.pos = 0;
  vgat_vga.dev.load(&vgat_vga.dev, &s);
  cr_assert_not(s.error);
  int w, h;
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(px(w, 7, 0), 0xFF0000);
  free(s.data);
}

Test(vga, line_compare_split_screen) {
  set_mode(&mode13);
  dac(0x21, 0, 63, 0);
  dac(0x22, 0, 0, 63);
  mwr(0xA0000 + 3, 0x21);           /* memory row 0 */
  mwr(0xA0000 + 320 + 3, 0x22);     /* memory row 1 */
  crtc(0x0C, 0);
  crtc(0x0D, 80);                   /* start at memory row 1 (80 doublewords) */
  crtc(0x18, 100);                  /* line compare at scan line 100 = pixel row 50 */
  crtc(0x07, 0x0F);
  crtc(0x09, 0x01);
  int w, h;
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(px(w, 3, 0), 0x0000FF);
  cr_assert_eq(px(w, 3, 50), 0x00FF00);
  cr_assert_eq(px(w, 3, 51), 0x0000FF);
}

Test(vga, option_rom_bar) {
  uint8_t rom[40000];
  memset(rom, 0, sizeof rom);
  rom[0] = 0x55;
  rom[1] = 0xAA;
  rom[2] = sizeof rom / 512 + 1;
  vga_set_rom(&vgat_vga, rom, sizeof rom);
  PciDevice *d = vga_pci(&vgat_vga);
  cr_assert_eq(d->bars[PCI_ROM_BAR].size, 0x10000);
  d->bars[PCI_ROM_BAR].map(d, PCI_ROM_BAR, 0xFEB00000u);
  cr_assert_eq(phys_read(vgat_mem, 0xFEB00000u, 2), 0xAA55);
  phys_write(vgat_mem, 0xFEB00000u, 1, 0); /* ROM: writes dropped */
  cr_assert_eq(phys_read(vgat_mem, 0xFEB00000u, 1), 0x55);
  d->bars[PCI_ROM_BAR].map(d, PCI_ROM_BAR, PCI_UNMAPPED);
  cr_assert_eq(phys_read(vgat_mem, 0xFEB00000u, 2), 0xFFFF);
}

Test(vga, dispi_planar_4bpp_banked) {
  dispi(VBE_DISPI_INDEX_XRES, 800);
  dispi(VBE_DISPI_INDEX_YRES, 600);
  dispi(VBE_DISPI_INDEX_BPP, 4);
  dispi(VBE_DISPI_INDEX_ENABLE, VBE_DISPI_ENABLED);
  /* Planar graphics registers as for mode 12h, then a pixel in the last
   * row through bank 1 (800x600 / 8 = 60000 bytes per plane: row 599
   * starts at 59900, so x = 799 is at 59999; row 0 of bank 1 is at
   * 65536). */
  set_mode(&mode12);
  dac(0x3C, 63, 21, 21);
  gc(5, 0x02);
  gc(8, 0x01);
  (void)mrd(0xA0000 + 59999);
  mwr(0xA0000 + 59999, 0x0C);
  int w, h;
  vga_render(&vgat_vga, vgat_fb, &w, &h);
  cr_assert_eq(w, 800);
  cr_assert_eq(h, 600);
  cr_assert_eq(px(w, 799, 599), rgb6(63, 21, 21));
  cr_assert_eq(px(w, 798, 599), 0);
  /* Bank 1: plane offsets from 64 KiB on (beyond the 60000 shown). */
  dispi(VBE_DISPI_INDEX_BANK, 1);
  gc(8, 0xFF);
  mwr(0xA0000, 0x0C);
  cr_assert_eq(vgat_vga.vram[0x10000 * 4 + 2], 0xFF);
  cr_assert_eq(vgat_vga.vram[0x10000 * 4 + 0], 0x00);
}
