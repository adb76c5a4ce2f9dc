/* The JIT's executable memory: one bounded region, filled front to back.
 *
 * W^X: no page is ever writable and executable at once. The region is
 * mapped PROT_READ|PROT_WRITE; code is assembled into a private scratch
 * buffer first, then codecache_commit() makes the destination pages
 * writable, copies the code in and turns them PROT_READ|PROT_EXEC again.
 * That costs two mprotect() calls per translated block, which is nothing
 * next to decoding and translating it, and keeps one mapping per page
 * (a dual RW/RX mapping of a memfd would avoid the syscalls but keeps a
 * writable alias of live code around forever, and needs memfd/shm).
 * The CPU runs on one host thread, so no code runs while its page is
 * briefly writable.
 *
 * Policy when full: everything is thrown away at once (codecache_reset),
 * and the caller drops every pointer into it (the JIT flushes the decoded
 * block cache, which owns the pointers). Simplest correct policy; hot code
 * is simply translated again. */
#ifndef HOLO86_JIT_CODECACHE_H
#define HOLO86_JIT_CODECACHE_H

#include <stddef.h>
#include <stdint.h>

#define CODECACHE_DEFAULT_SIZE (64u << 20)

typedef struct CodeCache {
  uint8_t *base;
  size_t size, used;
  uint64_t flushes; /* times it filled up and was reset */
} CodeCache;

/* Map a cache of size bytes (0: the default). Returns 0, or -1 (errno set). */
int codecache_init(CodeCache *cc, size_t size);
void codecache_free(CodeCache *cc);
/* Copy n bytes of position-independent code into the cache and make it
 * executable. Returns its address, or NULL if it does not fit (the caller
 * then resets the cache and drops every pointer into it). */
void *codecache_commit(CodeCache *cc, const void *code, size_t n);
/* Forget everything (the memory is reused by later commits). */
void codecache_reset(CodeCache *cc);
/* Overwrite n bytes of committed code at dst (for patching jumps). */
void codecache_patch(CodeCache *cc, void *dst, const void *bytes, size_t n);

#endif
