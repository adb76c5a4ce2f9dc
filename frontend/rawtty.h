/* The controlling terminal in raw mode: no echo, no line editing, no
 * signals from Ctrl-C/Ctrl-Z, every byte to the program at once, so that
 * keys reach the guest (the curses display, or a serial console on
 * stdio). The previous settings come back at exit, on a fatal signal, or
 * on rawtty_leave(). */
#ifndef HOLO86_RAWTTY_H
#define HOLO86_RAWTTY_H

#include <stdbool.h>

/* Raw mode on stdin's terminal; leave_seq (may be "") is written to stdout
 * when the settings are restored. False when stdin is not a terminal. */
bool rawtty_enter(const char *leave_seq);
void rawtty_leave(void);

#endif
