/* The frontend side of a running machine: the display, the monitor and
 * the actions they share (pause, quit, screenshots). Ui.tick is what the
 * machine loop calls as its frontend_tick. */
#ifndef HOLO86_UI_H
#define HOLO86_UI_H

#include <stdbool.h>

#include "devices/machine.h"
#include "frontend/display.h"

struct Monitor;

typedef struct Ui {
  Machine *m;
  Display *display;         /* NULL: none */
  struct Monitor *monitor;  /* NULL: none */
  bool terminal_busy;       /* stdin/stdout belong to the serial port or a display */
  bool display_stats;       /* --display-stats: frame rate on stderr every second */
} Ui;

/* Open the display (display: "sdl", "curses", "none", or NULL for the
 * default: SDL when $DISPLAY or $WAYLAND_DISPLAY is set and a window
 * opens, else none) and the monitor (NULL: none), and install ui as m's
 * frontend_tick. False, with a message on stderr, when one cannot open. */
bool ui_open(Ui *ui, Machine *m, const char *display, const char *monitor);
/* Install ui as the machine's frontend_tick. */
void ui_attach(Ui *ui, Machine *m);
/* Machine.frontend_tick: the display's and the monitor's turn. */
void ui_tick(void *opaque);
/* Close display and monitor (restores the terminal). */
void ui_close(Ui *ui);

#endif
