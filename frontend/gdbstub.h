/* The gdb stub: GDB's Remote Serial Protocol over TCP (-s, -S, -gdb).
 *
 * It owns a listening socket and at most one client. The machine loop
 * calls it through Machine.debug_poll: before every slice (it then looks
 * at the socket every few ms of host time, for Ctrl-C) and, while the
 * guest is paused, in place of the loop's sleep (it blocks in poll()).
 * Breakpoints, single steps and watchpoints work only through the
 * CpuTracer hooks (before, interrupt, access, wants): guest memory is
 * never patched, and the stop is exact whichever engine runs the code
 * (interpreter or JIT), because the blocks the stub wants (those holding
 * a breakpoint; all of them while stepping or watching memory) run one
 * instruction at a time in the interpreter, and the rest at full speed.
 * The hooks are attached only while a breakpoint, a watchpoint or a step
 * is pending, so a guest under gdb with nothing set runs untouched. */
#ifndef HOLO86_GDBSTUB_H
#define HOLO86_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "devices/machine.h"

typedef struct GdbStub GdbStub;

/* gdb's `monitor CMD` (qRcmd): run cmd on the machine, writing its output
 * to out. Return false for an unknown command. Setting m->quit_requested
 * ends holo86. The monitor proper can install its own with
 * gdbstub_set_monitor and fall back on gdbstub_monitor_default. */
typedef bool (*GdbMonitorFn)(void *opaque, Machine *m, const char *cmd, FILE *out);

/* Listen on spec: "tcp::PORT", "tcp:HOST:PORT" (HOST: an IPv4 address or
 * localhost) or just "PORT"; the default host is 127.0.0.1. With
 * start_paused the guest waits for gdb's first continue. Installs itself
 * as m->debug_poll, keeping whatever CpuTracer is attached (--trace) as an
 * inner tracer it forwards to. NULL with a message in err on failure. */
GdbStub *gdbstub_open(Machine *m, const char *spec, bool start_paused, char *err, size_t errlen);
void gdbstub_set_monitor(GdbStub *s, GdbMonitorFn fn, void *opaque);
/* help, info registers, system_reset, quit. */
bool gdbstub_monitor_default(void *opaque, Machine *m, const char *cmd, FILE *out);

/* Serve the socket, blocking up to timeout_ms (0: just look). */
void gdbstub_poll(GdbStub *s, int timeout_ms);
/* Is the guest stopped for gdb? */
bool gdbstub_paused(const GdbStub *s);
/* The machine has stopped for good (exit status): tell the client (W
 * packet), close everything and detach from the machine. NULL is fine. */
void gdbstub_close(GdbStub *s, int exit_status);

/* Protocol pieces, exposed for unit tests. */
/* Modulo-256 sum of the bytes between '$' and '#'. */
uint8_t gdb_checksum(const void *data, size_t len);
/* Escape '#', '$', '}' and '*' as '}' followed by the byte XOR 0x20. Returns
 * the escaped length, or (size_t)-1 when it does not fit in cap. */
size_t gdb_escape(const void *in, size_t len, char *out, size_t cap);
/* Undo gdb_escape in place on binary data; returns the new length. */
size_t gdb_unescape(char *buf, size_t len);
/* Frame data as "$data#cs" (escaped) into out; returns the length or
 * (size_t)-1 when it does not fit. */
size_t gdb_frame(const void *data, size_t len, char *out, size_t cap);

#endif
