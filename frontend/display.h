/* Displays: what shows the guest's screen and takes its keyboard and
 * mouse. Each is driven from the machine loop (Machine.frontend_tick, via
 * the Ui): tick pumps host events and redraws when the picture changed. */
#ifndef HOLO86_DISPLAY_H
#define HOLO86_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "devices/machine.h"

struct Ui;

typedef struct Display {
  void (*tick)(struct Display *d);
  void (*close)(struct Display *d);
} Display;

/* An SDL2 window. quiet: fail without a message on stderr (the automatic
 * choice falls back to no display). NULL with a message in err when SDL
 * cannot open a window or holo86 was built without SDL. */
Display *display_sdl_open(struct Ui *ui, char *err, size_t errlen);
/* The VGA text screen in the terminal (stdin/stdout must be a tty). */
Display *display_curses_open(struct Ui *ui, char *err, size_t errlen);

#endif
