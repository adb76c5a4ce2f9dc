/* Host keys to PC keyboard scancode set 2 (what kbd_key takes).
 *
 * Keys are named by SDL scancodes, which are USB HID usage IDs: the
 * position of the key on the keyboard, independent of the host layout.
 * The guest applies its own layout, as on real hardware. The terminal
 * display maps characters to these scancodes too (keymap_char). */
#ifndef HOLO86_KEYMAP_H
#define HOLO86_KEYMAP_H

#include <stdbool.h>
#include <stdint.h>

/* Modifier keys held at the time of the event (they change what
 * PrintScreen and Pause send, as on a real keyboard). */
enum { KM_SHIFT = 1, KM_CTRL = 2, KM_ALT = 4 };

/* The longest sequence of one key event (Pause: E1 14 77 E1 F0 14 F0 77). */
#define KEYMAP_MAX_BYTES 8

/* The set 2 bytes for pressing (pressed) or releasing a key named by its
 * SDL scancode, with the modifiers KM_* held. Returns the byte count:
 * 0 for a key the PC keyboard does not have, and for the release of
 * Pause (which sends nothing on release). */
int keymap_set2(int sdl_scancode, bool pressed, int mods, uint8_t out[KEYMAP_MAX_BYTES]);

/* A character typed on a US-layout keyboard: the SDL scancode of its key
 * and whether Shift is needed. False for characters no key types. */
bool keymap_char(int ch, int *sdl_scancode, bool *shift);

#endif
