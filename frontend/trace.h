/* --trace and --trace-int: a line per executed instruction (address,
 * bytes, capstone's disassembly, the registers it changed) and per
 * interrupt or exception, written through a large buffer. */
#ifndef HOLO86_TRACE_H
#define HOLO86_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu.h"

typedef struct TraceOptions {
  const char *path;       /* NULL: stderr */
  bool insns, interrupts;
  uint32_t lo, hi;        /* linear address range of traced instructions */
  int cpl;                /* only this CPL, or -1 */
  uint64_t max;           /* stop tracing instructions after this many (0: no limit) */
} TraceOptions;

typedef struct Tracer Tracer;

/* NULL with a message on stderr when the file cannot be opened. */
Tracer *tracer_open(const TraceOptions *opt);
const CpuTracer *tracer_hooks(Tracer *t);
void tracer_close(Tracer *t);

#endif
