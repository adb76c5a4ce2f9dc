/* --trace, --trace-int and --trace-io: a line per executed instruction (address,
 * bytes, capstone's disassembly, the registers it changed) and per
 * interrupt or exception, and with --trace-io a line per port access and
 * per host file access of a disk image, written through a large buffer. */
#ifndef HOLO86_TRACE_H
#define HOLO86_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu.h"

typedef struct TraceOptions {
  const char *path;       /* NULL: stderr */
  bool insns, interrupts, io;
  uint32_t lo, hi;        /* linear address range of traced instructions */
  int cpl;                /* only this CPL, or -1 */
  uint64_t max;           /* stop tracing instructions after this many (0: no limit) */
} TraceOptions;

typedef struct Tracer Tracer;

/* NULL with a message on stderr when the file cannot be opened. */
Tracer *tracer_open(const TraceOptions *opt);
const CpuTracer *tracer_hooks(Tracer *t);
/* --trace-io: route the machine's port accesses and disk-image accesses
 * (host file offset and length) into the trace. */
struct Machine;
void tracer_attach_io(Tracer *t, struct Machine *m);
void tracer_close(Tracer *t);

/* capstone's text for the instruction in bytes[0..len) at eip, into out;
 * false if it is not one (jit/lockstep.c's report uses it: Jit.disasm). */
bool trace_disasm(const uint8_t *bytes, int len, uint32_t eip, bool code32, char *out, size_t size);

#endif
