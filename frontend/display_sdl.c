/* The SDL2 window; see display.h.
 *
 * Runs on the main thread, from the machine loop: each tick pumps SDL's
 * events and, when the VGA reports a change (which includes the text
 * blink phase), renders the picture with vga_render_update (after a
 * blink phase change only the lines that blink) and compares it with
 * the picture on screen: only the rows that differ go into the streaming
 * texture, and nothing is presented when none does (a blink phase with
 * no cursor or blinking character, a write of the same bytes).
 *
 * A GL renderer that is itself software (Mesa's llvmpipe under Xvfb, in
 * VMs, over remote X) composes the whole window on the CPU at every
 * present, which costs more than the picture: there SDL's software
 * renderer with an unaccelerated window surface is used instead, which
 * hands the X server the pixels directly. SDL_RENDER_DRIVER overrides.
 *
 * The window follows the guest's mode: it is sized to the
 * largest integer multiple of the picture that fits the desktop; when
 * the user resizes it or goes full screen, the picture keeps its aspect
 * ratio (integer scale when one fits, else the largest fractional one),
 * centred on black.
 *
 * Host keys (Ctrl+Alt held, not passed to the guest):
 *   Ctrl-Alt-G    release the mouse (a click in the window grabs it)
 *   Ctrl-Alt-F    toggle full screen
 *   Ctrl-Alt-End  send Ctrl-Alt-Delete to the guest
 *   Ctrl-Alt-P    pause / resume the machine
 *   Ctrl-Alt-2    say where the monitor is (it lives in the terminal or
 *                 on its unix socket: -monitor)
 * Every other key goes to the guest's PS/2 keyboard as set 2 scancodes,
 * press and release; keys held when the window loses focus are released.
 *
 * Built only with -DHOLO86_SDL (and SDL2's compile and link flags);
 * otherwise display_sdl_open says SDL support is not built in. */
#include "frontend/display.h"

#include <stdio.h>

#include "frontend/ui.h"

#ifndef HOLO86_SDL

Display *display_sdl_open(struct Ui *ui, char *err, size_t errlen) {
  (void)ui;
  snprintf(err, errlen, "this holo86 was built without SDL2 support");
  return NULL;
}

#else

#include <SDL.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frontend/input.h"
#include "frontend/keymap.h"

typedef struct SdlDisplay {
  Display base;
  Ui *ui;
  SDL_Window *win;
  SDL_Renderer *ren;
  SDL_Texture *tex;
  int tex_w, tex_h;          /* texture size (the guest picture's) */
  uint32_t *pixels;          /* the picture rendered: VGA_RENDER_MAX_PIXELS */
  uint32_t *shown;           /* the picture in the texture, as large */
  bool need_present;         /* window exposed or resized */
  bool grabbed, fullscreen;
  bool held[SDL_NUM_SCANCODES]; /* keys the guest saw pressed */
  uint64_t last_title_ns, last_icount, last_frames;
  uint64_t frames;           /* presents so far */
  bool last_paused;
  double mips, fps;
} SdlDisplay;

static uint64_t host_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void set_title(SdlDisplay *d) {
  char title[160];
  Machine *m = d->ui->m;
  snprintf(title, sizeof title, "holo86 - %s - %.1f MIPS - %.0f fps%s", m->paused ? "paused" : "running",
           d->mips, d->fps, d->grabbed ? " - Ctrl-Alt-G releases the mouse" : "");
  SDL_SetWindowTitle(d->win, title);
}

static void update_title(SdlDisplay *d) {
  Machine *m = d->ui->m;
  uint64_t now = host_ns();
  if (now - d->last_title_ns < 1000000000u && m->paused == d->last_paused) return;
  uint64_t ic = m->cpu->icount;
  if (d->last_title_ns && now > d->last_title_ns) {
    double secs = (double)(now - d->last_title_ns) / 1e9;
    d->mips = (double)(ic - d->last_icount) / 1e6 / secs;
    d->fps = (double)(d->frames - d->last_frames) / secs;
    if (d->ui->display_stats)
      fprintf(stderr, "holo86: display: %.1f fps, %.1f MIPS\n", d->fps, m->paused ? 0 : d->mips);
  }
  if (m->paused) d->mips = 0;
  d->last_title_ns = now;
  d->last_icount = ic;
  d->last_frames = d->frames;
  d->last_paused = m->paused;
  set_title(d);
}

static void set_grab(SdlDisplay *d, bool on) {
  if (d->grabbed == on) return;
  if (SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE) < 0 && on) return;
  d->grabbed = on;
  set_title(d);
}

/* Size the window for a w x h picture: the largest integer scale that
 * fits 90% of the desktop (at least 1). */
static void fit_window(SdlDisplay *d, int w, int h) {
  if (d->fullscreen) return;
  SDL_Rect usable;
  int scale = 1;
  if (SDL_GetDisplayUsableBounds(SDL_GetWindowDisplayIndex(d->win), &usable) == 0) {
    while (w * (scale + 1) <= usable.w * 9 / 10 && h * (scale + 1) <= usable.h * 9 / 10) scale++;
  } else if (w <= 400) {
    scale = 2;
  }
  SDL_SetWindowSize(d->win, w * scale, h * scale);
}

/* Where the picture goes in an out_w x out_h window: aspect kept, an
 * integer scale when one fits, centred. */
static SDL_Rect place(int w, int h, int out_w, int out_h) {
  SDL_Rect r;
  int s = out_w / w < out_h / h ? out_w / w : out_h / h;
  if (s >= 1) {
    r.w = w * s;
    r.h = h * s;
  } else if ((long)out_w * h <= (long)out_h * w) {
    r.w = out_w;
    r.h = (int)((long)out_w * h / w);
  } else {
    r.h = out_h;
    r.w = (int)((long)out_h * w / h);
  }
  r.x = (out_w - r.w) / 2;
  r.y = (out_h - r.h) / 2;
  return r;
}

/* Put the rows of the new picture that differ from the shown one into
 * the texture; false when none does. */
static bool update_texture(SdlDisplay *d, int w, int h) {
  size_t row = (size_t)w * sizeof *d->pixels;
  int y0 = 0, y1 = h;
  while (y0 < h && !memcmp(d->pixels + (size_t)y0 * w, d->shown + (size_t)y0 * w, row)) y0++;
  if (y0 == h) return false;
  while (!memcmp(d->pixels + (size_t)(y1 - 1) * w, d->shown + (size_t)(y1 - 1) * w, row)) y1--;
  memcpy(d->shown + (size_t)y0 * w, d->pixels + (size_t)y0 * w, row * (size_t)(y1 - y0));
  SDL_Rect r = {0, y0, w, y1 - y0};
  SDL_UpdateTexture(d->tex, &r, d->pixels + (size_t)y0 * w, (int)row);
  return true;
}

static void redraw(SdlDisplay *d) {
  Vga *v = &d->ui->m->vga;
  if (vga_dirty(v)) {
    int w = 0, h = 0;
    vga_render_update(v, d->pixels, &w, &h);
    if (w > 0 && h > 0) {
      if (w != d->tex_w || h != d->tex_h || !d->tex) {
        if (d->tex) SDL_DestroyTexture(d->tex);
        d->tex = SDL_CreateTexture(d->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING, w, h);
        d->tex_w = w;
        d->tex_h = h;
        fit_window(d, w, h);
        /* A new texture holds nothing yet: every row differs. */
        for (size_t i = 0; i < (size_t)w * h; i++) d->shown[i] = ~d->pixels[i];
      }
      if (d->tex && update_texture(d, w, h)) d->need_present = true;
    } else if (d->tex) { /* no picture: black */
      SDL_DestroyTexture(d->tex);
      d->tex = NULL;
      d->need_present = true;
    }
  }
  if (!d->need_present) return;
  d->frames++;
  int out_w, out_h;
  SDL_GetRendererOutputSize(d->ren, &out_w, &out_h);
  SDL_SetRenderDrawColor(d->ren, 0, 0, 0, 255);
  SDL_RenderClear(d->ren);
  if (d->tex && out_w > 0 && out_h > 0) {
    SDL_Rect r = place(d->tex_w, d->tex_h, out_w, out_h);
    SDL_RenderCopy(d->ren, d->tex, NULL, &r);
  }
  SDL_RenderPresent(d->ren);
  d->need_present = false;
}

static int mods_now(void) {
  SDL_Keymod km = SDL_GetModState();
  return (km & KMOD_SHIFT ? KM_SHIFT : 0) | (km & KMOD_CTRL ? KM_CTRL : 0) |
         (km & KMOD_ALT ? KM_ALT : 0);
}

static void release_all(SdlDisplay *d) {
  for (int sc = 0; sc < SDL_NUM_SCANCODES; sc++)
    if (d->held[sc]) {
      d->held[sc] = false;
      input_key(d->ui->m, sc, false, 0);
    }
}

/* Ctrl-Alt combinations for holo86 itself; true when handled. */
static bool host_key(SdlDisplay *d, SDL_Scancode sc) {
  Machine *m = d->ui->m;
  switch (sc) {
  case SDL_SCANCODE_G: set_grab(d, false); return true;
  case SDL_SCANCODE_F:
    d->fullscreen = !d->fullscreen;
    SDL_SetWindowFullscreen(d->win, d->fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
    if (!d->fullscreen && d->tex) fit_window(d, d->tex_w, d->tex_h);
    d->need_present = true;
    return true;
  case SDL_SCANCODE_END:
    /* Ctrl and Alt are already down in the guest: add Delete. */
    input_key(m, SDL_SCANCODE_DELETE, true, KM_CTRL | KM_ALT);
    input_key(m, SDL_SCANCODE_DELETE, false, KM_CTRL | KM_ALT);
    return true;
  case SDL_SCANCODE_P:
    m->paused = !m->paused;
    update_title(d);
    return true;
  case SDL_SCANCODE_2:
    fprintf(stderr, "holo86: %s\n",
            d->ui->monitor ? "the monitor is on the terminal or socket given with -monitor"
                           : "no monitor: start holo86 with -monitor stdio or -monitor unix:PATH");
    return true;
  default: return false;
  }
}

static int sdl_buttons(uint32_t state) {
  return (state & SDL_BUTTON_LMASK ? MOUSE_LEFT : 0) | (state & SDL_BUTTON_RMASK ? MOUSE_RIGHT : 0) |
         (state & SDL_BUTTON_MMASK ? MOUSE_MIDDLE : 0);
}

static void sdl_tick(Display *base) {
  SdlDisplay *d = (SdlDisplay *)base;
  Machine *m = d->ui->m;
  SDL_Event e;
  while (SDL_PollEvent(&e)) {
    switch (e.type) {
    case SDL_QUIT: m->quit_requested = true; break;
    case SDL_WINDOWEVENT:
      if (e.window.event == SDL_WINDOWEVENT_FOCUS_LOST) {
        release_all(d);
        set_grab(d, false);
      }
      d->need_present = true;
      break;
    case SDL_KEYDOWN:
    case SDL_KEYUP: {
      SDL_Scancode sc = e.key.keysym.scancode;
      bool down = e.type == SDL_KEYDOWN;
      SDL_Keymod km = SDL_GetModState();
      if (down && (km & KMOD_CTRL) && (km & KMOD_ALT) && host_key(d, sc)) break;
      if (!down && !d->held[sc]) break; /* its press was a host key */
      d->held[sc] = down;
      input_key(m, sc, down, mods_now());
      break;
    }
    case SDL_MOUSEBUTTONDOWN:
      if (!d->grabbed) {
        set_grab(d, true);
        break;
      }
      input_mouse(m, 0, 0, 0, sdl_buttons(SDL_GetMouseState(NULL, NULL)));
      break;
    case SDL_MOUSEBUTTONUP:
      if (d->grabbed) input_mouse(m, 0, 0, 0, sdl_buttons(SDL_GetMouseState(NULL, NULL)));
      break;
    case SDL_MOUSEMOTION:
      if (d->grabbed) input_mouse(m, e.motion.xrel, e.motion.yrel, 0, sdl_buttons(e.motion.state));
      break;
    case SDL_MOUSEWHEEL:
      if (d->grabbed) {
        int dz = e.wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? e.wheel.y : -e.wheel.y;
        input_mouse(m, 0, 0, dz, sdl_buttons(SDL_GetMouseState(NULL, NULL)));
      }
      break;
    default: break;
    }
  }
  redraw(d);
  update_title(d);
}

static void sdl_close(Display *base) {
  SdlDisplay *d = (SdlDisplay *)base;
  if (d->tex) SDL_DestroyTexture(d->tex);
  if (d->ren) SDL_DestroyRenderer(d->ren);
  if (d->win) SDL_DestroyWindow(d->win);
  SDL_QuitSubSystem(SDL_INIT_VIDEO);
  free(d->pixels);
  free(d->shown);
  free(d);
}

/* Is this renderer GL drawn by the CPU (Mesa's llvmpipe, softpipe or
 * swrast)? SDL leaves its GL context current after creating it. */
static bool gl_in_software(SDL_Renderer *ren) {
  SDL_RendererInfo info;
  if (SDL_GetRendererInfo(ren, &info) < 0 || strncmp(info.name, "opengl", 6)) return false;
  typedef const unsigned char *(*GetString)(unsigned name);
  GetString get_string = (GetString)SDL_GL_GetProcAddress("glGetString");
  const char *name = get_string ? (const char *)get_string(0x1F01 /* GL_RENDERER */) : NULL;
  return name && (strstr(name, "llvmpipe") || strstr(name, "softpipe") || strstr(name, "Software"));
}

/* The renderer: SDL's choice, unless that is GL in software and the user
 * did not ask for it (see the top of this file). */
static SDL_Renderer *make_renderer(SDL_Window *win) {
  SDL_Renderer *ren = SDL_CreateRenderer(win, -1, 0);
  const char *asked = SDL_GetHint(SDL_HINT_RENDER_DRIVER);
  if (!ren || (asked && *asked) || !gl_in_software(ren)) return ren;
  SDL_DestroyRenderer(ren);
  SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
  ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
  return ren ? ren : SDL_CreateRenderer(win, -1, 0);
}

Display *display_sdl_open(struct Ui *ui, char *err, size_t errlen) {
  SdlDisplay *d = calloc(1, sizeof *d);
  if (!d || !(d->pixels = malloc(VGA_RENDER_MAX_PIXELS * sizeof *d->pixels)) ||
      !(d->shown = malloc(VGA_RENDER_MAX_PIXELS * sizeof *d->shown))) {
    if (d) free(d->pixels);
    free(d);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  d->base.tick = sdl_tick;
  d->base.close = sdl_close;
  d->ui = ui;
  SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1"); /* Ctrl-C stays holo86's */
  if (SDL_InitSubSystem(SDL_INIT_VIDEO) < 0) {
    snprintf(err, errlen, "SDL: %s", SDL_GetError());
    free(d->pixels);
    free(d->shown);
    free(d);
    return NULL;
  }
  /* SDL falls back to its offscreen driver when there is no display;
   * that is no window for a user (unless asked for with SDL_VIDEODRIVER). */
  const char *driver = SDL_GetCurrentVideoDriver(), *asked = getenv("SDL_VIDEODRIVER");
  if (driver && (!strcmp(driver, "offscreen") || !strcmp(driver, "dummy")) && !(asked && *asked)) {
    snprintf(err, errlen, "no display to open a window on ($DISPLAY and $WAYLAND_DISPLAY are unset)");
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    free(d->pixels);
    free(d->shown);
    free(d);
    return NULL;
  }
  d->win = SDL_CreateWindow("holo86", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, 640, 400,
                            SDL_WINDOW_RESIZABLE);
  if (d->win) d->ren = make_renderer(d->win);
  if (!d->win || !d->ren) {
    snprintf(err, errlen, "SDL: %s", SDL_GetError());
    sdl_close(&d->base);
    return NULL;
  }
  d->need_present = true;
  d->last_paused = ui->m->paused;
  set_title(d);
  return &d->base;
}

#endif
