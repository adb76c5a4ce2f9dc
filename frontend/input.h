/* Guest input from the frontends: keys by SDL scancode (see keymap.h)
 * into the PS/2 keyboard, motion and buttons into the PS/2 mouse. */
#ifndef HOLO86_INPUT_H
#define HOLO86_INPUT_H

#include <stdbool.h>

#include "devices/machine.h"

/* Press or release one key (mods: KM_* held, for PrintScreen/Pause). */
void input_key(Machine *m, int sdl_scancode, bool pressed, int mods);
/* Press the keys in order, then release them in reverse order. */
void input_combo(Machine *m, const int *sdl_scancodes, int n);
/* Relative motion (dx right, dy down), wheel (dz down positive) and the
 * buttons held (MOUSE_*). */
void input_mouse(Machine *m, int dx, int dy, int dz, int buttons);

#endif
