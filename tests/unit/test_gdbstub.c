/* The gdb stub's packet layer: checksums, escaping, framing, hex parsing,
 * and whole packets fed through a socket pair to a stub on a bare CPU.
 * The stub's source is included so its static helpers can be tested; the
 * end-to-end test with the real gdb is tests/gdb/run.sh. */
#include <criterion/criterion.h>
#include <sys/socket.h>

#include "frontend/gdbstub.c"

Test(gdbstub, checksum) {
  cr_assert_eq(gdb_checksum("", 0), 0);
  cr_assert_eq(gdb_checksum("?", 1), 0x3f);
  cr_assert_eq(gdb_checksum("g", 1), 0x67);
  cr_assert_eq(gdb_checksum("OK", 2), 0x9a);
  cr_assert_eq(gdb_checksum("\xff\xff", 2), 0xfe); /* modulo 256 */
}

Test(gdbstub, escape_and_unescape) {
  const char in[] = {'a', '#', '$', '}', '*', 'b'};
  char out[32];
  size_t n = gdb_escape(in, sizeof in, out, sizeof out);
  cr_assert_eq(n, 10);
  cr_assert(!memcmp(out, "a}\x03}\x04}]}\x0a" "b", 10));
  cr_assert_eq(gdb_escape(in, sizeof in, out, 9), (size_t)-1);
  cr_assert_eq(gdb_unescape(out, n), sizeof in);
  cr_assert(!memcmp(out, in, sizeof in));
}

Test(gdbstub, frame) {
  char out[32];
  size_t n = gdb_frame("OK", 2, out, sizeof out);
  cr_assert_eq(n, 6);
  cr_assert(!memcmp(out, "$OK#9a", 6));
  n = gdb_frame("", 0, out, sizeof out);
  cr_assert(!memcmp(out, "$#00", 4));
  n = gdb_frame("a#", 2, out, sizeof out); /* checksum over the escaped bytes */
  cr_assert(!memcmp(out, "$a}\x03#", 5));
  cr_assert_eq(n, 7);
  cr_assert_eq((uint8_t)(hexval(out[5]) << 4 | hexval(out[6])), gdb_checksum("a}\x03", 3));
}

Test(gdbstub, hex) {
  const char *p = "1f,Z";
  uint32_t v;
  cr_assert(parse_hex(&p, &v));
  cr_assert_eq(v, 0x1f);
  cr_assert_eq(*p, ',');
  p = "ffffffff";
  cr_assert(parse_hex(&p, &v) && v == 0xffffffffu);
  p = "100000000";
  cr_assert(!parse_hex(&p, &v));
  p = ",";
  cr_assert(!parse_hex(&p, &v));
  uint8_t b[2];
  cr_assert(unhex("aB01", b, 2) && b[0] == 0xab && b[1] == 0x01);
  cr_assert(!unhex("zz", b, 1));
  char h[8];
  tohex(h, b, 2);
  cr_assert_str_eq(h, "ab01");
}

/* A stub on a bare CPU (no devices), talking over a socket pair. */
static Machine machine;
static GdbStub *stub;
static int peer;

static void setup(void) {
  memset(&machine, 0, sizeof machine);
  machine.mem = phys_new(1 << 20);
  machine.io = iobus_new();
  machine.cpu = cpu_new(machine.mem, machine.io);
  stub = calloc(1, sizeof *stub);
  stub->m = &machine;
  stub->c = machine.cpu;
  stub->listen_fd = -1;
  stub->hooks.before = hook_before;
  stub->hooks.interrupt = hook_interrupt;
  stub->hooks.opaque = stub;
  stub->monitor = gdbstub_monitor_default;
  snprintf(stub->stop_reply, sizeof stub->stop_reply, "T05thread:1;");
  int sv[2];
  cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  stub->fd = sv[0];
  peer = sv[1];
  machine.paused = true;
}

static void teardown(void) {
  close_client(stub);
  close(peer);
  free(stub);
  cpu_free(machine.cpu);
  iobus_free(machine.io);
  phys_free(machine.mem);
}

/* Feed raw bytes to the stub; return what it sent back. */
static const char *talk(const char *in) {
  static char out[8192];
  feed(stub, in, strlen(in));
  struct pollfd p = {.fd = peer, .events = POLLIN};
  size_t n = 0;
  while (n < sizeof out - 1 && poll(&p, 1, 50) > 0) {
    ssize_t r = recv(peer, out + n, sizeof out - 1 - n, 0);
    if (r <= 0) break;
    n += (size_t)r;
  }
  out[n] = 0;
  return out;
}

TestSuite(gdbstub_packets, .init = setup, .fini = teardown);

Test(gdbstub_packets, ack_and_nak) {
  cr_assert_str_eq(talk("$?#00"), "-");
  cr_assert_str_eq(talk("$?#3f"), "+$T05thread:1;#d7");
  cr_assert_str_eq(talk("-"), "$T05thread:1;#d7");   /* retransmit */
  cr_assert_str_eq(talk("$vMustReplyEmpty#3a"), "+$#00");
  cr_assert_str_eq(talk("$QStartNoAckMode#b0"), "+$OK#9a");
  cr_assert_str_eq(talk("$qC#b4"), "$QC1#c5");      /* no '+' any more */
}

Test(gdbstub_packets, registers_and_memory) {
  Cpu *c = machine.cpu;
  c->r[EAX] = 0x11223344;
  talk("$QStartNoAckMode#b0");
  cr_assert_str_eq(talk("$p0#a0"), "$44332211#94");
  cr_assert_str_eq(talk("$P0=78563412#55"), "$OK#9a");
  cr_assert_eq(c->r[EAX], 0x12345678);
  /* eip is register 8; at reset it is 0xfff0. */
  cr_assert_str_eq(talk("$p8#a8"), "$f0ff0000#22");
  /* fctrl (24 = 0x18) after FNINIT. */
  cr_assert(strstr(talk("$p18#d9"), "$7f030000#"));
  phys_write(machine.mem, 0x1000, 4, 0xdeadbeef);
  cr_assert(strstr(talk("$m1000,4#8e"), "$efbeadde#"));
  cr_assert(strstr(talk("$M1004,2:aa55#08"), "$OK#"));
  cr_assert_eq(phys_read(machine.mem, 0x1004, 2), 0x55aa);
}

Test(gdbstub_packets, paging_unmapped_is_e14) {
  Cpu *c = machine.cpu;
  /* A page directory at 0x2000 with nothing present. */
  c->cr[3] = 0x2000;
  c->cr[0] |= CR0_PG | CR0_PE;
  talk("$QStartNoAckMode#b0");
  cr_assert(strstr(talk("$m1000,4#8e"), "$E14#"));
  /* Map linear 0x400000-0x7fffff through a table at 0x3000: page 0 -> 0x1000. */
  phys_write(machine.mem, 0x2000 + 4, 4, 0x3000 | 3);
  phys_write(machine.mem, 0x3000, 4, 0x1000 | 1);
  phys_write(machine.mem, 0x1000, 4, 0xcafef00d);
  cr_assert(strstr(talk("$m400000,4#c4"), "$0df0feca#"));
  /* No accessed bits were set by the debugger's walk. */
  cr_assert_eq(phys_read(machine.mem, 0x2004, 4), 0x3003);
  cr_assert_eq(phys_read(machine.mem, 0x3000, 4), 0x1001);
}

Test(gdbstub_packets, breakpoints_and_qxfer) {
  talk("$QStartNoAckMode#b0");
  cr_assert(strstr(talk("$Z0,f0200,1#d5"), "$OK#"));
  cr_assert_eq(stub->nbp, 1);
  cr_assert(strstr(talk("$Z2,1000,4#7b"), "$OK#"));
  cr_assert_eq(stub->nwp, 1);
  cr_assert(strstr(talk("$z0,f0200,1#f5"), "$OK#"));
  cr_assert_eq(stub->nbp, 0);
  const char *x = talk("$qXfer:features:read:target.xml:0,20#1d");
  cr_assert(!strncmp(x, "$m<?xml", 7));
  cr_assert(strstr(talk("$qRcmd,68656c70#fb"), "$O"));  /* "help": console output first */
}
