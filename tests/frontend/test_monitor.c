/* The monitor's parser and dispatcher (frontend/monitor.c) on a machine
 * whose firmware is never run. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/monitor.h"

static Machine *m;
static Ui ui;
static uint8_t bios[0x10000];

static void setup(void) {
  memset(bios, 0xF4, sizeof bios);
  MachineConfig cfg = {.ram_mb = 4, .bios = bios, .bios_size = sizeof bios, .serial_in_fd = -1};
  char err[256];
  m = machine_new(&cfg, err, sizeof err);
  cr_assert_not_null(m, "%s", err);
  ui = (Ui){.m = m};
}

static void teardown(void) { machine_free(m); }

/* Run a command; returns its output (static) and whether it succeeded. */
static const char *run(const char *line, bool *ok) {
  static char *text;
  size_t len;
  free(text);
  text = NULL;
  FILE *out = open_memstream(&text, &len);
  *ok = monitor_exec(&ui, line, out);
  fclose(out);
  return text;
}

static void expect_error(const char *line, const char *what) {
  bool ok;
  const char *out = run(line, &ok);
  cr_assert(!ok, "'%s' should fail", line);
  cr_assert(strstr(out, "error:"), "'%s' says: %s", line, out);
  if (what) cr_assert(strstr(out, what), "'%s' says: %s (want %s)", line, out, what);
}

TestSuite(monitor, .init = setup, .fini = teardown);

Test(monitor, errors) {
  expect_error("frobnicate", "unknown command");
  expect_error("info", NULL);
  expect_error("info nonsense", "unknown info");
  expect_error("info registers extra", "unexpected");
  expect_error("x", "needs an address");
  expect_error("x/4q 0", "bad format");
  expect_error("x/0x 0", "bad format");
  expect_error("x/4x zork", "bad address");
  expect_error("x/4x $nosuchreg", "bad address");
  expect_error("xp/4x 0x100000000", "bad address");
  expect_error("sendkey", NULL);
  expect_error("sendkey ctrl-nosuchkey", "unknown key");
  expect_error("screendump", NULL);
  expect_error("stop now", "takes no argument");
  expect_error("y/4x 0", "unknown command");
}

Test(monitor, registers_and_memory) {
  bool ok;
  m->cpu->r[0] = 0x12345678;
  const char *out = run("info registers", &ok);
  cr_assert(ok && strstr(out, "EAX=12345678"), "%s", out);
  phys_write(m->mem, 0x1000, 4, 0xDEADBEEF);
  out = run("xp/1xw 0x1000", &ok);
  cr_assert(ok && strstr(out, "00001000: 0xdeadbeef"), "%s", out);
  out = run("x /2xb 0x1000", &ok);
  cr_assert(ok && strstr(out, "0xef 0xbe"), "%s", out);
  out = run("xp/1dh 0x1002", &ok);
  cr_assert(ok && strstr(out, "-8531"), "%s", out); /* 0xDEAD */
  m->cpu->r[3] = 0x1000;
  out = run("x/1x $ebx", &ok);
  cr_assert(ok && strstr(out, "0xdeadbeef"), "%s", out);
  cr_assert(run("", &ok) && ok, "an empty line is fine");
  out = run("help", &ok);
  cr_assert(ok && strstr(out, "screendump"));
}

Test(monitor, unmapped_linear_address) {
  bool ok;
  /* Paging on with an empty page directory at 0x2000: nothing is mapped. */
  for (uint32_t a = 0x2000; a < 0x3000; a += 4) phys_write(m->mem, a, 4, 0);
  /* Map linear 0x400000-0x7FFFFF: PDE 1 → page table at 0x3000, its
   * entry 5 → physical 0x1000 (read-only, supervisor). */
  phys_write(m->mem, 0x2004, 4, 0x3000 | 3);
  for (uint32_t a = 0x3000; a < 0x4000; a += 4) phys_write(m->mem, a, 4, 0);
  phys_write(m->mem, 0x3000 + 5 * 4, 4, 0x1000 | 1);
  phys_write(m->mem, 0x1000, 4, 0xCAFEF00D);
  m->cpu->cr[3] = 0x2000;
  m->cpu->cr[0] |= 0x80000001u;
  expect_error("x/1x 0x1000", "not mapped");
  expect_error("x/2x 0x405ffc", "not mapped"); /* runs into the unmapped page */
  const char *out = run("x/1x 0x405000", &ok);
  cr_assert(ok && strstr(out, "0xcafef00d"), "%s", out);
  out = run("info mem", &ok);
  cr_assert(ok && strstr(out, "00405000-00406000 00001000 -r-"), "%s", out);
  out = run("info tlb", &ok);
  cr_assert(ok && strstr(out, "00405000: 00001000"), "%s", out);
  /* The walk is read-only: no accessed bits were set. */
  cr_assert_eq(phys_read(m->mem, 0x2004, 4), 0x3003u);
  cr_assert_eq(phys_read(m->mem, 0x3014, 4), 0x1001u);
}

Test(monitor, control) {
  bool ok;
  run("stop", &ok);
  cr_assert(ok && m->paused);
  run("cont", &ok);
  cr_assert(ok && !m->paused);
  run("system_reset", &ok);
  cr_assert(ok && m->reset_requested);
  run("quit", &ok);
  cr_assert(ok && m->quit_requested);
  const char *out = run("system_powerdown", &ok);
  cr_assert(ok && strstr(out, "power button"), "%s", out);
  run("sendkey ctrl-alt-delete", &ok);
  cr_assert(ok);
  run("sendkey a", &ok);
  cr_assert(ok);
}
