/* The monitor: a line-based console modelled on QEMU's human monitor,
 * on the terminal (-monitor stdio) or a unix socket (-monitor unix:PATH,
 * one client at a time). Commands run between CPU slices, from the
 * machine loop. `help` lists them. */
#ifndef HOLO86_MONITOR_H
#define HOLO86_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "frontend/ui.h"

typedef struct Monitor Monitor;

/* spec: "stdio" or "unix:PATH" (the socket is created, replacing a stale
 * one). NULL with a message in err on failure. */
Monitor *monitor_open(Ui *ui, const char *spec, char *err, size_t errlen);
/* Read what input arrived (without blocking) and run complete lines. */
void monitor_poll(Monitor *mon);
void monitor_close(Monitor *mon);

/* Run one command line, writing its output (or an error message) to out.
 * Returns false when the command failed. */
bool monitor_exec(Ui *ui, const char *line, FILE *out);

#endif
