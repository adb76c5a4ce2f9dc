/* Screenshots: what the guest's screen shows, in any VGA mode, as PNG. */
#ifndef HOLO86_SCREENSHOT_H
#define HOLO86_SCREENSHOT_H

#include <stdbool.h>
#include <stddef.h>

#include "devices/vga.h"

/* Render the VGA's current picture and write it to path as PNG. Leaves
 * the card's change indication set, so a display still redraws. False
 * with a message in err (no picture: the screen has no valid timing; or
 * an I/O error). */
bool screenshot_save(Vga *v, const char *path, char *err, size_t errlen);

#endif
