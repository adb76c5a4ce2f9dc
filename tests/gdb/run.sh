#!/bin/sh
# tests/gdb/run.sh BUILD_DIR — the gdb stub, driven by the real gdb.
#
# Runs BUILD_DIR/holo86 (or ./holo86) on BUILD_DIR/tests/gdb/target.bin
# (tests/gdb/target.asm) with -gdb tcp::PORT on a port derived from the PID,
# drives `gdb -batch` against it and checks gdb's output: breakpoints (sw
# and hw) at the exact EIP, resuming over a breakpoint, stepi, memory
# through the guest's page tables, unmapped reads and writes giving errors,
# a ROM write dropped, register writes, the x87 and control registers,
# write/read/access watchpoints, monitor commands, kill (exit status 0),
# Ctrl-C and detach. With python3 it also checks the packet layer itself
# (checksums and '-' retransmission, no-ack mode, unknown packets).
# Every step has a timeout, so the script cannot hang. It ends with
# "N passed, N failed" and exits 0 only if everything passed.
BUILD=${1:-build}
HOLO=$BUILD/holo86
[ -x "$HOLO" ] || HOLO=./holo86
IMG=$BUILD/tests/gdb/target.bin
passed=0 failed=0
if ! command -v gdb >/dev/null 2>&1; then
  echo "gdb is not installed (Debian package gdb): skipping"
  echo "0 passed, 0 failed"
  exit 77
fi
if [ ! -f "$IMG" ]; then
  echo "missing $IMG (nasm -f bin -o $IMG tests/gdb/target.asm)"
  echo "0 passed, 1 failed"
  exit 1
fi
tmp=$(mktemp -d) || exit 1
HPID=
cleanup() {
  [ -n "$HPID" ] && kill "$HPID" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { passed=$((passed + 1)); echo "PASS $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
# check NAME FILE REGEX: FILE has a line matching the extended regex.
check() {
  if grep -Eq -- "$3" "$2"; then ok "$1"; else bad "$1 (no line matching /$3/)"; fi
}
# check_not NAME FILE REGEX
check_not() {
  if grep -Eq -- "$3" "$2"; then bad "$1 (unexpected /$3/)"; else ok "$1"; fi
}

# start_holo ARGS...: start holo86 with -gdb on a free port; sets PORT, HPID.
PORT=$((20000 + $$ % 20000))
start_holo() {
  for try in 1 2 3 4 5 6 7 8; do
    PORT=$((PORT + 1))
    timeout 60 "$HOLO" -bios "$IMG" -serial none -display none -gdb tcp::$PORT "$@" \
      >"$tmp/holo.out" 2>&1 &
    HPID=$!
    sleep 0.3
    if kill -0 "$HPID" 2>/dev/null; then return 0; fi
    wait "$HPID" 2>/dev/null
    HPID=
  done
  echo "could not start holo86 with a gdb port:"
  cat "$tmp/holo.out"
  return 1
}

# wait_holo SECONDS: wait for holo86 to end; sets HRC (124: still running).
wait_holo() {
  n=0
  while kill -0 "$HPID" 2>/dev/null && [ $n -lt $(($1 * 10)) ]; do
    sleep 0.1
    n=$((n + 1))
  done
  if kill -0 "$HPID" 2>/dev/null; then
    HRC=124
  else
    wait "$HPID"
    HRC=$?
    HPID=
  fi
}

# ---- 1. A debugging session from the reset vector (-S) ------------------------
if start_holo -S; then
  out=$tmp/session1.txt
  timeout -k 5 30 gdb -batch -nx -ex 'set architecture i386' -ex "target remote :$PORT" \
    -ex 'echo @@reset\n' -ex 'info registers eip' \
    -ex 'echo @@rom\n' -ex 'set {int}0xffff0000 = 0' -ex 'x/xw 0xffff0000' \
    -ex 'break *0xf0200' -ex continue \
    -ex 'echo @@bp\n' -ex 'info registers eip' -ex 'p/x $eax' \
    -ex 'echo @@paged\n' -ex 'x/4xw 0x40000000' \
    -ex 'echo @@unmapped\n' -ex 'x/xw 0x50000000' \
    -ex 'echo @@unmapped-write\n' -ex 'set {int}0x50000000 = 1' \
    -ex 'echo @@mem-write\n' -ex 'set {int}0x40000004 = 0x11223344' -ex 'x/xw 0x200004' \
    -ex 'echo @@regs\n' -ex 'set $eax = 0x1234' -ex stepi -ex 'info registers eip' -ex 'p/x $ebx' \
    -ex 'echo @@sys\n' -ex 'p/x $cr0' -ex 'p/x $cr3' -ex 'p $st0' -ex 'p/x $fctrl' -ex 'p/x $ftag' \
    -ex 'echo @@watch\n' -ex delete -ex 'watch *(int*)0x40000020' -ex continue -ex 'info registers eip' \
    -ex 'echo @@rwatch\n' -ex delete -ex 'rwatch *(int*)0x8fffc' -ex continue -ex 'info registers eip' \
    -ex 'echo @@awatch\n' -ex delete -ex 'awatch *(int*)0x40000010' -ex continue -ex 'info registers eip' \
    -ex 'echo @@loop\n' -ex delete -ex 'break *0xf0180' -ex continue -ex 'p/x $esi' -ex continue -ex 'p/x $esi' \
    -ex 'echo @@hbreak\n' -ex delete -ex 'hbreak *0xf0188' -ex continue -ex 'info registers eip' \
    -ex 'echo @@monitor\n' -ex 'monitor help' -ex 'monitor info registers' -ex 'monitor no-such-command' \
    -ex 'echo @@reset2\n' -ex 'monitor system_reset' -ex 'flushregs' -ex 'info registers eip' -ex 'p/x $cr0' \
    -ex 'echo @@kill\n' -ex kill >"$out" 2>&1
  # Split gdb's output at the @@ markers into one file per step.
  awk -v d="$tmp" '/^@@/ { f = d "/" substr($0, 3) ".txt"; next } f { print > f }' "$out"
  for s in reset rom bp paged unmapped unmapped-write mem-write regs sys watch rwatch awatch loop hbreak monitor reset2 kill; do
    [ -f "$tmp/$s.txt" ] || : >"$tmp/$s.txt"
  done
  check "-S: stopped at the reset vector" "$tmp/reset.txt" '^eip +0xfff0 '
  check "a write to ROM is dropped" "$tmp/rom.txt" '0xffff0000:[[:space:]]+0x0f662efa'
  check "breakpoint hit" "$out" '^Breakpoint 1, 0x000f0200'
  check "breakpoint: EIP exact" "$tmp/bp.txt" '^eip +0xf0200 '
  check "breakpoint: registers read" "$tmp/bp.txt" '^\$1 = 0x1$'
  check "memory read through the page tables" "$tmp/paged.txt" \
    '^0x40000000:[[:space:]]+0x12345678[[:space:]]+0x9abcdef0[[:space:]]+0xcafebabe[[:space:]]+0x0badf00d'
  check "unmapped read is an error" "$tmp/unmapped.txt" 'Cannot access memory at address 0x50000000'
  check "unmapped write is an error" "$tmp/unmapped-write.txt" 'Cannot access memory at address 0x50000000'
  check "memory write through the page tables" "$tmp/mem-write.txt" '^0x200004:[[:space:]]+0x11223344'
  check "stepi advances one instruction" "$tmp/regs.txt" '^eip +0xf0202 '
  check "register write (set \$eax) takes effect" "$tmp/regs.txt" '^\$[0-9]+ = 0x1234$'
  check "cr0 (paging on)" "$tmp/sys.txt" '= 0xe0000011$'
  check "cr3" "$tmp/sys.txt" '= 0x10000$'
  check "st0 = 1 (fld1)" "$tmp/sys.txt" '^\$[0-9]+ = 1$'
  check "fctrl = 0x37f" "$tmp/sys.txt" '= 0x37f$'
  check "ftag: st0 valid, others empty" "$tmp/sys.txt" '= 0x3fff$'
  check "watchpoint fires on the store" "$tmp/watch.txt" 'New value = 9320'
  check "watchpoint: EIP after the store" "$tmp/watch.txt" '^eip +0xf020a '
  check "read watchpoint (ret reads the stack)" "$tmp/rwatch.txt" 'Hardware read watchpoint'
  check "read watchpoint: EIP after ret" "$tmp/rwatch.txt" '^eip +0xf0188 '
  check "access watchpoint" "$tmp/awatch.txt" 'Hardware access \(read/write\) watchpoint'
  check "access watchpoint: EIP after the store" "$tmp/awatch.txt" '^eip +0xf018d '
  if grep -Eq '^\$[0-9]+ = 0x' "$tmp/loop.txt"; then
    a=$(grep -E '^\$[0-9]+ = 0x' "$tmp/loop.txt" | sed -n 1p | sed 's/.*= //')
    b=$(grep -E '^\$[0-9]+ = 0x' "$tmp/loop.txt" | sed -n 2p | sed 's/.*= //')
    if [ -n "$b" ] && [ $((b - a)) -eq 1 ]; then ok "continue from a breakpoint runs one loop iteration"
    else bad "continue from a breakpoint runs one loop iteration (esi $a then $b)"; fi
  else
    bad "continue from a breakpoint runs one loop iteration (no esi values)"
  fi
  check "hardware breakpoint" "$tmp/hbreak.txt" '^eip +0xf0188 '
  check "monitor help" "$tmp/monitor.txt" 'system_reset'
  check "monitor info registers" "$tmp/monitor.txt" '^EIP=000f0188 '
  check "monitor: unknown command" "$tmp/monitor.txt" "unknown command: 'no-such-command'"
  check "monitor system_reset: back at the reset vector" "$tmp/reset2.txt" '^eip +0xfff0 '
  check "monitor system_reset: CR0 at its reset value" "$tmp/reset2.txt" '= 0x60000010$'
  wait_holo 10
  if [ "$HRC" = 0 ]; then ok "kill ends holo86 with status 0"; else bad "kill ends holo86 with status 0 (status $HRC)"; fi
  check_not "holo86 printed nothing unexpected" "$tmp/holo.out" '.'
else
  bad "session 1: holo86 did not start"
fi
[ -n "$HPID" ] && kill "$HPID" 2>/dev/null && wait "$HPID" 2>/dev/null
HPID=

# ---- 2. Attach to a running guest, Ctrl-C, detach --------------------------------
if start_holo; then
  out=$tmp/session2.txt
  # gdb gets SIGINT after 3 s, while in `continue`: it sends Ctrl-C (0x03).
  timeout -k 5 -s INT 3 gdb -batch -nx -ex 'set architecture i386' -ex "target remote :$PORT" \
    -ex continue -ex 'echo @@after\n' -ex 'info registers eip' -ex 'p/x $esi' -ex detach >"$out" 2>&1
  check "Ctrl-C stops the guest (SIGINT)" "$out" 'Program received signal SIGINT'
  check "Ctrl-C: EIP inside the loop" "$out" '^eip +0xf0(1[89a-f]|2[0-9a-f])'
  check "detach" "$out" 'detached'
  sleep 0.5
  if kill -0 "$HPID" 2>/dev/null; then ok "the guest runs on after detach"; else bad "the guest runs on after detach"; fi
  # A second client sees the guest has moved on.
  esi1=$(sed -n 's/^\$1 = //p' "$out")
  timeout -k 5 10 gdb -batch -nx -ex 'set architecture i386' -ex "target remote :$PORT" -ex 'p/x $esi' \
    -ex detach >"$tmp/session3.txt" 2>&1
  esi2=$(sed -n 's/^\$1 = //p' "$tmp/session3.txt")
  if [ -n "$esi1" ] && [ -n "$esi2" ] && [ $((esi2)) -gt $((esi1)) ]; then ok "reattach: the guest ran meanwhile"
  else bad "reattach: the guest ran meanwhile (esi $esi1, then $esi2)"; fi
else
  bad "session 2: holo86 did not start"
fi
[ -n "$HPID" ] && kill "$HPID" 2>/dev/null && wait "$HPID" 2>/dev/null
HPID=

# ---- 3. The packet layer, byte by byte (python3) ------------------------------------
if command -v python3 >/dev/null 2>&1 && start_holo -S; then
  timeout -k 5 20 python3 - "$PORT" >"$tmp/raw.txt" 2>&1 <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
buf = b""
def recv_until(pred):
    global buf
    end = time.time() + 5
    while not pred(buf) and time.time() < end:
        try:
            d = s.recv(4096)
        except socket.timeout:
            break
        if not d: break
        buf += d
def frame(data):
    return b"$" + data + b"#" + b"%02x" % (sum(data) & 0xFF)
def packet():
    """Skip acks; return the next packet's data, checking its checksum."""
    global buf
    recv_until(lambda b: b"#" in b and len(b) >= b.index(b"#") + 3)
    i = buf.index(b"$")
    j = buf.index(b"#", i)
    data, ck = buf[i + 1:j], buf[j + 1:j + 3]
    buf = buf[j + 3:]
    assert int(ck, 16) == sum(data) & 0xFF, "bad checksum from the stub"
    return data
def ack():
    global buf
    recv_until(lambda b: len(b) >= 1)
    c, buf = buf[:1], buf[1:]
    return c
def say(name, cond):
    print(("PASS " if cond else "FAIL ") + name)
s.sendall(b"$qSupported:swbreak+;hwbreak+#00")      # wrong checksum
say("bad checksum is answered with '-'", ack() == b"-")
s.sendall(frame(b"qSupported:swbreak+;hwbreak+"))
say("good packet is acked with '+'", ack() == b"+")
r = packet()
say("qSupported: PacketSize, qXfer:features:read+", b"PacketSize=" in r and b"qXfer:features:read+" in r)
s.sendall(b"+-")                                     # ask for the reply again
say("'-' makes the stub retransmit", packet() == r)
s.sendall(b"+" + frame(b"vMustReplyEmpty")); ack()
say("vMustReplyEmpty: empty reply", packet() == b"")
s.sendall(b"+" + frame(b"qNoSuchThing")); ack()
say("unknown packet: empty reply", packet() == b"")
s.sendall(b"+" + frame(b"?")); ack()
say("'?': T stop reply with the thread", packet().startswith(b"T05thread:"))
s.sendall(b"+" + frame(b"qXfer:features:read:target.xml:0,3fff")); ack()
x = packet()
say("target.xml: i386 core, x87 and control registers",
    x[:1] == b"l" and b"org.gnu.gdb.i386.core" in x and b"name=\"st7\"" in x and b"name=\"fop\"" in x
    and b"name=\"cr4\"" in x)
s.sendall(b"+" + frame(b"qfThreadInfo")); ack(); t1 = packet()
s.sendall(b"+" + frame(b"qsThreadInfo")); ack(); t2 = packet()
say("one thread", t1 == b"m1" and t2 == b"l")
s.sendall(b"+" + frame(b"qAttached")); ack()
say("qAttached", packet() == b"1")
s.sendall(b"+" + frame(b"QStartNoAckMode")); ack()
say("QStartNoAckMode", packet() == b"OK")
s.sendall(b"+" + frame(b"m200000,4"))
recv_until(lambda b: b"#" in b)
say("no-ack mode: no '+' before the reply", buf[:1] == b"$" and packet() == b"00000000")
s.sendall(frame(b"X200000,4:" + b"}\x03}]}\x04\x07"))   # '#', '}', '$' escaped, then 0x07
s.sendall(frame(b"m200000,4"))
say("X with escaped binary data", packet() == b"OK" and packet() == b"237d2407")
s.sendall(frame(b"vCont?"))
say("vCont?", packet().startswith(b"vCont;c;C;s;S"))
s.sendall(frame(b"vCont;s:1"))
say("vCont;s steps one instruction", packet().startswith(b"T05"))
s.sendall(frame(b"pfe"))
say("p of an unknown register is an error", packet().startswith(b"E"))
s.sendall(frame(b"vCont;c"))
time.sleep(0.3)
s.sendall(b"\x03")
say("Ctrl-C while running gives T02", packet().startswith(b"T02thread:"))
s.sendall(frame(b"k"))
s.close()
EOF
  cat "$tmp/raw.txt"
  p=$(grep -c '^PASS' "$tmp/raw.txt")
  f=$(grep -c '^FAIL' "$tmp/raw.txt")
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$p" -lt 17 ] || [ "$f" -gt 0 ]; then bad "packet layer script ran to the end"; fi
  wait_holo 10
  if [ "$HRC" = 0 ]; then ok "k over a raw connection: status 0"; else bad "k over a raw connection: status 0 ($HRC)"; fi
else
  echo "(python3 missing: packet-layer checks skipped)"
fi
[ -n "$HPID" ] && kill "$HPID" 2>/dev/null && wait "$HPID" 2>/dev/null
HPID=

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
