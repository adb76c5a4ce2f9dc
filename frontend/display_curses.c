/* The terminal display (-display curses); see display.h.
 *
 * Draws the VGA text screen with ANSI/xterm escape sequences (any
 * terminal emulator, tmux and screen understand them; no curses library
 * is needed): the 16 attribute colours become the 8 normal and 8 bright
 * terminal colours (the attribute and DAC palettes are followed, each
 * colour mapped to the nearest CGA colour), blink as the blink attribute
 * or bright backgrounds as the attribute controller says, characters
 * through code page 437 to UTF-8, and the hardware cursor. Only rows
 * that changed are sent again. In graphics modes one line says so.
 *
 * Input: the terminal in raw mode; characters become PS/2 key presses
 * (US layout, Shift added for capitals and shifted punctuation),
 * Ctrl-letter, Enter, Backspace, Tab, Esc, arrows, Home/End/PgUp/PgDn/
 * Insert/Delete, F1-F12 from their xterm sequences, ESC+char as Alt+char.
 * Terminals report no releases, so each key is pressed and released.
 * A terminal delivers a paste (or tmux send-keys) in one burst, far
 * faster than a person types: the keys wait here and go to the keyboard
 * one at a time, each once the guest has taken the last (typist.h), as
 * the keyboard controller's 64-byte queue and the BIOS's 15-key buffer
 * would otherwise overflow and drop them.
 * Ctrl-A is holo86's prefix: Ctrl-A x quits, Ctrl-A p pauses/resumes,
 * Ctrl-A a sends Ctrl-A itself.
 *
 * The terminal is restored (attributes, cursor, main screen, termios) on
 * close, at exit, and on fatal and terminating signals. */
#include "frontend/display.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <SDL2/SDL_scancode.h>

#include "frontend/cp437.h"
#include "frontend/input.h"
#include "frontend/keymap.h"
#include "frontend/rawtty.h"
#include "frontend/ui.h"

/* A key typed in the terminal, waiting for the guest: an SDL scancode and
 * the KM_* modifiers to hold around it. */
typedef struct KeyTap {
  uint16_t sc;
  uint8_t mods;
} KeyTap;

/* Typed keys not yet handed to the keyboard; more than any paste needs.
 * When it is full further keys are dropped, as a keyboard drops keys
 * when its buffer overruns, so that Ctrl-A x still gets through. */
#define TYPEAHEAD 4096

typedef struct CursesDisplay {
  Display base;
  Ui *ui;
  uint16_t cells[VGA_TEXT_MAX_COLS * VGA_TEXT_MAX_ROWS];
  uint16_t shown[VGA_TEXT_MAX_COLS * VGA_TEXT_MAX_ROWS];
  int shown_cols, shown_rows, shown_cx, shown_cy;
  int shown_colors[16];
  bool shown_blink;
  bool graphics_notice;   /* the graphics-mode line is on screen */
  bool prefix;            /* Ctrl-A was typed */
  KeyTap typed[TYPEAHEAD]; /* ring of keys waiting for the guest */
  unsigned typed_head, typed_count;
  uint64_t key_sent_ns;   /* virtual time the last key went to the guest */
  char *out;              /* output being built */
  size_t out_len, out_cap;
} CursesDisplay;

static const char restore_seq[] = "\033[0m\033[?25h\033[?1049l";

static void emit(CursesDisplay *d, const char *s, size_t n) {
  if (d->out_len + n > d->out_cap) {
    size_t cap = d->out_cap ? d->out_cap * 2 : 16384;
    while (cap < d->out_len + n) cap *= 2;
    char *p = realloc(d->out, cap);
    if (!p) return;
    d->out = p;
    d->out_cap = cap;
  }
  memcpy(d->out + d->out_len, s, n);
  d->out_len += n;
}

static void emitf(CursesDisplay *d, const char *fmt, int a, int b) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, fmt, a, b);
  emit(d, buf, (size_t)n);
}

static void flush_out(CursesDisplay *d) {
  size_t off = 0;
  while (off < d->out_len) {
    ssize_t n = write(STDOUT_FILENO, d->out + off, d->out_len - off);
    if (n <= 0) break;
    off += (size_t)n;
  }
  d->out_len = 0;
}

/* Attribute colour idx (0-15) → the nearest of the 16 CGA colours, going
 * through the attribute controller's palette and the DAC. */
static int nearest_cga(Vga *v, int idx) {
  static const uint8_t cga[16][3] = {
      {0, 0, 0}, {0, 0, 42}, {0, 42, 0}, {0, 42, 42}, {42, 0, 0}, {42, 0, 42}, {42, 21, 0}, {42, 42, 42},
      {21, 21, 21}, {21, 21, 63}, {21, 63, 21}, {21, 63, 63}, {63, 21, 21}, {63, 21, 63}, {63, 63, 21},
      {63, 63, 63}};
  uint8_t p = v->r.ac[idx & 15] & 0x3F, mode = v->r.ac[0x10], csel = v->r.ac[0x14];
  int dac = mode & 0x80 ? ((csel & 0x0F) << 4) | (p & 0x0F) : ((csel & 0x0C) << 4) | p;
  const uint8_t *rgb = v->r.dac[dac];
  int best = 0, best_d = 1 << 30;
  for (int i = 0; i < 16; i++) {
    int dr = rgb[0] - cga[i][0], dg = rgb[1] - cga[i][1], db = rgb[2] - cga[i][2];
    int dist = dr * dr + dg * dg + db * db;
    if (dist < best_d) {
      best_d = dist;
      best = i;
    }
  }
  return best;
}

/* CGA colour (0-15) → ANSI colour number (0-7) and brightness. */
static const int cga_to_ansi[8] = {0, 4, 2, 6, 1, 5, 3, 7};

static void emit_attr(CursesDisplay *d, uint8_t attr, const int *colors, bool blink_mode) {
  int fg = colors[attr & 15];
  int bg_idx = blink_mode ? (attr >> 4) & 7 : attr >> 4;
  int bg = colors[bg_idx];
  bool blink = blink_mode && (attr & 0x80);
  char buf[48];
  int n = snprintf(buf, sizeof buf, "\033[0;%d;%d%sm", (fg & 8 ? 90 : 30) + cga_to_ansi[fg & 7],
                   (bg & 8 ? 100 : 40) + cga_to_ansi[bg & 7], blink ? ";5" : "");
  emit(d, buf, (size_t)n);
}

static void draw_text(CursesDisplay *d, int cols, int rows, int cx, int cy) {
  Vga *v = &d->ui->m->vga;
  struct winsize ws = {0};
  int tcols = 1000, trows = 1000;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row) {
    tcols = ws.ws_col;
    trows = ws.ws_row;
  }
  int colors[16];
  for (int i = 0; i < 16; i++) colors[i] = nearest_cga(v, i);
  bool blink_mode = v->r.ac[0x10] & 8;
  bool all = cols != d->shown_cols || rows != d->shown_rows || d->graphics_notice ||
             memcmp(colors, d->shown_colors, sizeof colors) || blink_mode != d->shown_blink;
  if (all) emit(d, "\033[0m\033[2J", 8);
  bool drew = false;
  for (int y = 0; y < rows && y < trows; y++) {
    const uint16_t *row = d->cells + y * cols;
    if (!all && !memcmp(row, d->shown + y * cols, (size_t)cols * 2)) continue;
    if (!drew) emit(d, "\033[?25l", 6);
    drew = true;
    emitf(d, "\033[%d;%dH", y + 1, 1);
    int last_attr = -1;
    for (int x = 0; x < cols && x < tcols; x++) {
      uint8_t attr = (uint8_t)(row[x] >> 8);
      if (attr != last_attr) emit_attr(d, attr, colors, blink_mode);
      last_attr = attr;
      const char *g = cp437_utf8((uint8_t)row[x]);
      emit(d, g, strlen(g));
    }
    emit(d, "\033[0m", 4);
  }
  if (drew || all || cx != d->shown_cx || cy != d->shown_cy) {
    if (cx >= 0 && cy >= 0 && cx < tcols && cy < trows) {
      emitf(d, "\033[%d;%dH", cy + 1, cx + 1);
      emit(d, "\033[?25h", 6);
    } else {
      emit(d, "\033[?25l", 6);
    }
  }
  memcpy(d->shown, d->cells, (size_t)cols * rows * 2);
  memcpy(d->shown_colors, colors, sizeof colors);
  d->shown_blink = blink_mode;
  d->shown_cols = cols;
  d->shown_rows = rows;
  d->shown_cx = cx;
  d->shown_cy = cy;
  d->graphics_notice = false;
}

static void redraw(CursesDisplay *d) {
  int cols, rows, cx, cy;
  Vga *v = &d->ui->m->vga;
  if (vga_text_snapshot(v, d->cells, &cols, &rows, &cx, &cy)) {
    draw_text(d, cols, rows, cx, cy);
  } else if (!d->graphics_notice) {
    int w = 0, h = 0;
    vga_render(v, NULL, &w, &h);
    v->regs_dirty = true; /* asking the size cleared the change flag */
    char line[160];
    int n = snprintf(line, sizeof line,
                     "\033[0m\033[2J\033[H\033[?25lholo86: the guest is in a graphics mode (%d x %d); "
                     "use -display sdl or the monitor's screendump to see it",
                     w, h);
    emit(d, line, (size_t)n);
    d->graphics_notice = true;
    d->shown_cols = 0;
  }
  flush_out(d);
}

/* Queue one key for the guest (type_next hands it over). */
static void key_tap(CursesDisplay *d, int sc, int mods) {
  if (d->typed_count == TYPEAHEAD) return;
  d->typed[(d->typed_head + d->typed_count++) % TYPEAHEAD] = (KeyTap){(uint16_t)sc, (uint8_t)mods};
}

/* Press and release one key, with its modifiers around it. */
static void press_key(Machine *m, int sc, int mods) {
  if (mods & KM_CTRL) input_key(m, SDL_SCANCODE_LCTRL, true, 0);
  if (mods & KM_ALT) input_key(m, SDL_SCANCODE_LALT, true, 0);
  if (mods & KM_SHIFT) input_key(m, SDL_SCANCODE_LSHIFT, true, 0);
  input_key(m, sc, true, mods);
  input_key(m, sc, false, mods);
  if (mods & KM_SHIFT) input_key(m, SDL_SCANCODE_LSHIFT, false, 0);
  if (mods & KM_ALT) input_key(m, SDL_SCANCODE_LALT, false, 0);
  if (mods & KM_CTRL) input_key(m, SDL_SCANCODE_LCTRL, false, 0);
}

/* One character (not an escape sequence) with the modifiers given. */
static void key_char(CursesDisplay *d, int ch, int mods) {
  int sc;
  bool shift;
  if (ch >= 1 && ch <= 26 && ch != '\t' && ch != '\r' && ch != '\n' && ch != '\b') {
    key_tap(d, SDL_SCANCODE_A + ch - 1, mods | KM_CTRL);
  } else if (ch == 0) {
    key_tap(d, SDL_SCANCODE_2, mods | KM_CTRL | KM_SHIFT); /* Ctrl-@ */
  } else if (ch >= 28 && ch <= 31) {
    static const int ctl[4] = {SDL_SCANCODE_BACKSLASH, SDL_SCANCODE_RIGHTBRACKET, SDL_SCANCODE_6,
                               SDL_SCANCODE_MINUS};
    key_tap(d, ctl[ch - 28], mods | KM_CTRL);
  } else if (keymap_char(ch, &sc, &shift)) {
    key_tap(d, sc, mods | (shift ? KM_SHIFT : 0));
  }
}

/* The xterm sequence in s (after ESC) of length n: a key, or -1. */
static int csi_key(const char *s, int n) {
  static const struct { const char *seq; int sc; } seqs[] = {
      {"[A", SDL_SCANCODE_UP}, {"[B", SDL_SCANCODE_DOWN}, {"[C", SDL_SCANCODE_RIGHT},
      {"[D", SDL_SCANCODE_LEFT}, {"[H", SDL_SCANCODE_HOME}, {"[F", SDL_SCANCODE_END},
      {"OA", SDL_SCANCODE_UP}, {"OB", SDL_SCANCODE_DOWN}, {"OC", SDL_SCANCODE_RIGHT},
      {"OD", SDL_SCANCODE_LEFT}, {"OH", SDL_SCANCODE_HOME}, {"OF", SDL_SCANCODE_END},
      {"OP", SDL_SCANCODE_F1}, {"OQ", SDL_SCANCODE_F2}, {"OR", SDL_SCANCODE_F3},
      {"OS", SDL_SCANCODE_F4}, {"[11~", SDL_SCANCODE_F1}, {"[12~", SDL_SCANCODE_F2},
      {"[13~", SDL_SCANCODE_F3}, {"[14~", SDL_SCANCODE_F4}, {"[15~", SDL_SCANCODE_F5},
      {"[17~", SDL_SCANCODE_F6}, {"[18~", SDL_SCANCODE_F7}, {"[19~", SDL_SCANCODE_F8},
      {"[20~", SDL_SCANCODE_F9}, {"[21~", SDL_SCANCODE_F10}, {"[23~", SDL_SCANCODE_F11},
      {"[24~", SDL_SCANCODE_F12}, {"[1~", SDL_SCANCODE_HOME}, {"[2~", SDL_SCANCODE_INSERT},
      {"[3~", SDL_SCANCODE_DELETE}, {"[4~", SDL_SCANCODE_END}, {"[5~", SDL_SCANCODE_PAGEUP},
      {"[6~", SDL_SCANCODE_PAGEDOWN}, {"[[A", SDL_SCANCODE_F1}, {"[[B", SDL_SCANCODE_F2},
      {"[[C", SDL_SCANCODE_F3}, {"[[D", SDL_SCANCODE_F4}, {"[[E", SDL_SCANCODE_F5},
  };
  for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++)
    if ((int)strlen(seqs[i].seq) == n && !memcmp(seqs[i].seq, s, (size_t)n)) return seqs[i].sc;
  return -1;
}

static void handle_input(CursesDisplay *d, const char *buf, int n) {
  Machine *m = d->ui->m;
  for (int i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)buf[i];
    if (d->prefix) {
      d->prefix = false;
      if (ch == 'x') m->quit_requested = true;
      else if (ch == 'p') m->paused = !m->paused;
      else if (ch == 'a' || ch == 1) key_char(d, 1, 0);
      continue;
    }
    if (ch == 1) {
      d->prefix = true;
      continue;
    }
    if (ch == 0x1B && i + 1 < n) {
      /* An escape sequence: ESC [ params final, ESC O x, or ESC char (Alt). */
      int j = i + 1;
      if (buf[j] == '[' || buf[j] == 'O') {
        int k = j + 1;
        if (buf[j] == '[' && k < n && buf[k] == '[') k++;
        while (k < n && ((buf[k] >= '0' && buf[k] <= '9') || buf[k] == ';')) k++;
        if (k < n) {
          int sc = csi_key(buf + j, k - j + 1);
          if (sc >= 0) key_tap(d, sc, 0);
          i = k;
          continue;
        }
      }
      key_char(d, (unsigned char)buf[j], KM_ALT);
      i = j;
      continue;
    }
    key_char(d, ch, 0);
  }
}

/* Hand the next typed key to the guest once it has taken the last one
 * (or has ignored it for the typist's patience). */
static void type_next(CursesDisplay *d) {
  Machine *m = d->ui->m;
  if (!d->typed_count || m->paused) return;
  uint64_t now = machine_now(m);
  if (!typist_key_taken(m) && now - d->key_sent_ns < TYPIST_PATIENCE_NS) return;
  KeyTap k = d->typed[d->typed_head];
  d->typed_head = (d->typed_head + 1) % TYPEAHEAD;
  d->typed_count--;
  press_key(m, k.sc, k.mods);
  d->key_sent_ns = now;
}

static void curses_tick(Display *base) {
  CursesDisplay *d = (CursesDisplay *)base;
  char buf[256];
  ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
  if (n > 0) handle_input(d, buf, (int)n);
  type_next(d);
  redraw(d);
}

static void curses_close(Display *base) {
  CursesDisplay *d = (CursesDisplay *)base;
  rawtty_leave();
  free(d->out);
  free(d);
}

Display *display_curses_open(struct Ui *ui, char *err, size_t errlen) {
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
    snprintf(err, errlen, "-display curses needs a terminal on stdin and stdout");
    return NULL;
  }
  CursesDisplay *d = calloc(1, sizeof *d);
  if (!d) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  d->base.tick = curses_tick;
  d->base.close = curses_close;
  d->ui = ui;
  d->shown_cx = d->shown_cy = -2;
  if (!rawtty_enter(restore_seq)) {
    snprintf(err, errlen, "cannot read the terminal's settings");
    free(d);
    return NULL;
  }
  emit(d, "\033[?1049h\033[0m\033[2J", 16);
  flush_out(d);
  return &d->base;
}
