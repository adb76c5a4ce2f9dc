/* Screenshots; see screenshot.h. */
#include "frontend/screenshot.h"

#include <stdio.h>
#include <stdlib.h>

#include "frontend/png.h"

bool screenshot_save(Vga *v, const char *path, char *err, size_t errlen) {
  uint32_t *pixels = malloc(VGA_RENDER_MAX_PIXELS * sizeof *pixels);
  if (!pixels) {
    snprintf(err, errlen, "out of memory");
    return false;
  }
  int w = 0, h = 0;
  vga_render(v, pixels, &w, &h);
  /* vga_render cleared the change indication; a display must still see
   * the picture as new. */
  v->regs_dirty = true;
  bool ok = false;
  if (w <= 0 || h <= 0) snprintf(err, errlen, "the screen shows no picture (no valid video timing)");
  else ok = png_write(path, pixels, w, h, err, errlen);
  free(pixels);
  return ok;
}
