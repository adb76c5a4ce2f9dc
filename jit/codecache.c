/* Executable memory for the JIT; see codecache.h. */
#include "jit/codecache.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t page_size(void) {
  static size_t ps;
  if (!ps) ps = (size_t)sysconf(_SC_PAGESIZE);
  return ps;
}

int codecache_init(CodeCache *cc, size_t size) {
  memset(cc, 0, sizeof *cc);
  if (!size) size = CODECACHE_DEFAULT_SIZE;
  size = (size + page_size() - 1) & ~(page_size() - 1);
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) return -1;
  cc->base = p;
  cc->size = size;
  return 0;
}

void codecache_free(CodeCache *cc) {
  if (cc->base) munmap(cc->base, cc->size);
  memset(cc, 0, sizeof *cc);
}

/* Make [p, p+n) writable (not executable), or executable (not writable). */
static void set_prot(CodeCache *cc, void *p, size_t n, int prot) {
  uintptr_t lo = (uintptr_t)p & ~(uintptr_t)(page_size() - 1);
  uintptr_t hi = ((uintptr_t)p + n + page_size() - 1) & ~(uintptr_t)(page_size() - 1);
  (void)cc;
  mprotect((void *)lo, hi - lo, prot);
}

static void write_code(CodeCache *cc, void *dst, const void *src, size_t n) {
  set_prot(cc, dst, n, PROT_READ | PROT_WRITE);
  memcpy(dst, src, n);
  set_prot(cc, dst, n, PROT_READ | PROT_EXEC);
  /* x86 keeps instruction fetch coherent with stores; this documents the
   * requirement (and is a no-op there). */
  __builtin___clear_cache((char *)dst, (char *)dst + n);
}

void *codecache_commit(CodeCache *cc, const void *code, size_t n) {
  size_t at = (cc->used + 15) & ~(size_t)15; /* 16-byte aligned entries */
  if (!cc->base || at + n > cc->size) return NULL;
  uint8_t *dst = cc->base + at;
  write_code(cc, dst, code, n);
  cc->used = at + n;
  return dst;
}

void codecache_reset(CodeCache *cc) {
  cc->used = 0;
  cc->flushes++;
}

void codecache_patch(CodeCache *cc, void *dst, const void *bytes, size_t n) {
  write_code(cc, dst, bytes, n);
}
