/* The tracer; see trace.h. Disassembly is capstone's: the execution path
 * never uses it, it only shows what our decoder ran. */
#include "frontend/trace.h"

#include <capstone/capstone.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/decode.h"
#include "devices/machine.h"
#include "mmu/physmem.h"

struct Tracer {
  CpuTracer hooks;
  TraceOptions opt;
  FILE *out;
  bool own_file;
  csh cs16, cs32;
  uint64_t count;
  char *buf;
};

static const char *const reg_names[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
static const char *const seg_names[SEG_COUNT] = {"es", "cs", "ss", "ds", "fs", "gs"};

/* One instruction's text: mnemonic and operands. */
static bool disasm_one(csh cs, const uint8_t *bytes, int len, uint32_t eip, char *out, size_t size) {
  cs_insn *ci;
  size_t n = cs_disasm(cs, bytes, (size_t)len, eip, 1, &ci);
  if (n) snprintf(out, size, "%.31s %.160s", ci[0].mnemonic, ci[0].op_str);
  if (n) cs_free(ci, n);
  return n != 0;
}

bool trace_disasm(const uint8_t *bytes, int len, uint32_t eip, bool code32, char *out, size_t size) {
  csh cs;
  if (cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &cs) != CS_ERR_OK) return false;
  bool ok = disasm_one(cs, bytes, len, eip, out, size);
  cs_close(&cs);
  return ok;
}

static void trace_insn(void *opaque, Cpu *c, const Insn *in, uint32_t phys, const CpuRegs *before) {
  Tracer *t = opaque;
  uint32_t lin = before->cs_base + before->eip;
  if (lin < t->opt.lo || lin > t->opt.hi) return;
  if (t->opt.cpl >= 0 && before->cpl != t->opt.cpl) return;
  if (t->opt.max && t->count >= t->opt.max) return;
  t->count++;

  uint8_t bytes[16];
  phys_read_buf(c->mem, phys, bytes, in->len);
  fprintf(t->out, "%04X:%08X lin %08X phys %08X  ", before->sel[SEG_CS], before->eip, lin, phys);
  for (int i = 0; i < 10; i++) {
    if (i < in->len) fprintf(t->out, "%02X", bytes[i]);
    else fputs("  ", t->out);
  }
  fputs(in->len > 10 ? "+ " : "  ", t->out);

  bool code32 = (c->seg[SEG_CS].attr & DESC_DB) && before->sel[SEG_CS] == c->seg[SEG_CS].sel;
  char text[256];
  if (!disasm_one(code32 ? t->cs32 : t->cs16, bytes, in->len, before->eip, text, sizeof text))
    snprintf(text, sizeof text, "(not an instruction to capstone)");
  fprintf(t->out, "%-36s", text);

  CpuRegs after;
  cpu_get_regs(c, &after);
  for (int i = 0; i < 8; i++)
    if (after.r[i] != before->r[i]) fprintf(t->out, " %s=%08X", reg_names[i], after.r[i]);
  for (int i = 0; i < SEG_COUNT; i++)
    if (after.sel[i] != before->sel[i]) fprintf(t->out, " %s=%04X", seg_names[i], after.sel[i]);
  if (after.flags != before->flags) fprintf(t->out, " eflags=%08X", after.flags);
  fputc('\n', t->out);
}

/* Only blocks that can produce a line run one instruction at a time: a
 * trace of a range, or of the first N instructions, leaves the rest of
 * the run at full speed. */
static bool trace_wants(void *opaque, Cpu *c, uint32_t lin, uint32_t len) {
  Tracer *t = opaque;
  if (t->opt.max && t->count >= t->opt.max) return false;
  if (t->opt.cpl >= 0 && c->cpl != t->opt.cpl) return false;
  return lin <= t->opt.hi && t->opt.lo < (uint64_t)lin + len;
}

static void trace_interrupt(void *opaque, Cpu *c, int vector, int err, int kind) {
  Tracer *t = opaque;
  static const char *const kinds[] = {"exception", "INT n", "INT3/INTO", "IRQ"};
  fprintf(t->out, "-- interrupt %02Xh (%s)", vector, kinds[kind]);
  if (err >= 0) fprintf(t->out, " error %04X", err);
  fprintf(t->out, " at %04X:%08X cpl %d", c->seg[SEG_CS].sel, c->eip, c->cpl);
  if (vector == EXC_PF && kind == INT_EXTERNAL) fprintf(t->out, " cr2 %08X", c->cr[2]);
  fputc('\n', t->out);
}

static void trace_port(void *opaque, const char *dev, uint16_t port, int size, uint32_t value,
                       bool write) {
  Tracer *t = opaque;
  fprintf(t->out, "-- io %-4s port %04X %-10s %0*X\n", write ? "out" : "in", port, dev, size * 2,
          value);
}

static void trace_mmio(void *opaque, const char *dev, uint32_t addr, int size, uint32_t value,
                       bool write) {
  Tracer *t = opaque;
  fprintf(t->out, "-- mmio %-5s %08X %-10s %0*X\n", write ? "write" : "read", addr,
          dev ? dev : "?", size * 2, value);
}

/* The end of a guest's disk request: which bytes of which host file. */
static void trace_disk(void *opaque, const char *dev, const char *op, uint64_t offset, uint32_t len) {
  Tracer *t = opaque;
  fprintf(t->out, "-- disk %s %s host file offset 0x%llX length %u\n", dev ? dev : "?", op,
          (unsigned long long)offset, len);
}

void tracer_attach_io(Tracer *t, Machine *m) {
  if (!t->opt.io) return;
  m->io->trace = trace_port;
  m->io->trace_opaque = t;
  m->mem->trace = trace_mmio;
  m->mem->trace_opaque = t;
  DiskImage *imgs[] = {m->floppy[0], m->floppy[1], m->disk[0], m->disk[1], m->cdrom};
  for (size_t i = 0; i < sizeof imgs / sizeof imgs[0]; i++) {
    if (!imgs[i]) continue;
    imgs[i]->trace = trace_disk;
    imgs[i]->trace_opaque = t;
  }
}

Tracer *tracer_open(const TraceOptions *opt) {
  Tracer *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->opt = *opt;
  if (opt->path) {
    t->out = fopen(opt->path, "w");
    if (!t->out) {
      fprintf(stderr, "holo86: cannot open trace file %s: %s\n", opt->path, strerror(errno));
      free(t);
      return NULL;
    }
    t->own_file = true;
  } else {
    t->out = stderr;
  }
  /* A full boot writes millions of lines: buffer them in large chunks. */
  t->buf = malloc(1 << 20);
  if (t->buf) setvbuf(t->out, t->buf, _IOFBF, 1 << 20);
  if (cs_open(CS_ARCH_X86, CS_MODE_16, &t->cs16) != CS_ERR_OK ||
      cs_open(CS_ARCH_X86, CS_MODE_32, &t->cs32) != CS_ERR_OK) {
    fprintf(stderr, "holo86: capstone could not be initialised\n");
    tracer_close(t);
    return NULL;
  }
  t->hooks.insn = opt->insns ? trace_insn : NULL;
  t->hooks.wants = opt->insns ? trace_wants : NULL;
  t->hooks.interrupt = opt->interrupts ? trace_interrupt : NULL;
  t->hooks.opaque = t;
  return t;
}

const CpuTracer *tracer_hooks(Tracer *t) { return &t->hooks; }

void tracer_close(Tracer *t) {
  if (!t) return;
  if (t->cs16) cs_close(&t->cs16);
  if (t->cs32) cs_close(&t->cs32);
  fflush(t->out);
  if (t->own_file) fclose(t->out);
  else setvbuf(t->out, NULL, _IONBF, 0);
  free(t->buf);
  free(t);
}
