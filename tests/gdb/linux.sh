#!/bin/sh
# tests/gdb/linux.sh BUILD_DIR — issue 9's checks on a real guest kernel:
# Debian's i386 Linux (the guests `make guest` builds, tools/mkguest.sh),
# debugged with the real gdb and traced by holo86 itself.
#
# 1. With -accel interp and again with -accel jit: start paused (-S), break
#    at start_kernel, check EIP, stepi 10 instructions and compare them with
#    holo86's own --trace of the same run, write and read back a register
#    and kernel memory (restoring both), watch `jiffies` until the timer
#    changes it, stop again at that same instruction once the JIT has had
#    time to translate it, detach, and see the guest boot to its shell.
# 2. Malformed packets and clients that vanish mid-packet, against the
#    booting kernel: the stub answers or ignores them and the boot goes on.
# 3. Two --deterministic boots give byte-identical --trace-int logs and
#    serial output, and so does a third with the JIT.
#
# gdb gets no symbols: addresses come from the guest's System.map, which
# only matches the running kernel with `nokaslr` (Debian's kernel
# randomises its base otherwise). Every step has a timeout (scaled by
# TIMEOUT_SCALE, as tests/guests/linux.sh). Ends with "N passed, N failed";
# exit 77 when gdb is missing, 1 when the guest files are.
export LC_ALL=C # sort and compare hex addresses as bytes
BUILD=${1:-build}
HOLO=$BUILD/holo86
[ -x "$HOLO" ] || HOLO=./holo86
G=${GUEST:-build/guest}  # the Makefile's GUEST: one copy for every build
MAP=$G/System.map
SCALE=${TIMEOUT_SCALE:-1}
t() { echo $(($1 * SCALE)); }
passed=0 failed=0
if ! command -v gdb >/dev/null 2>&1; then
  echo "gdb is not installed (Debian package gdb): skipping"
  echo "0 passed, 0 failed"
  exit 77
fi
for f in vmlinuz initrd.gz System.map; do
  if [ ! -f "$G/$f" ]; then
    echo "FAIL: $G/$f is missing: 'GUEST_SYMBOLS=1 make guest' builds it from Debian packages"
    echo "(System.map comes from the kernel's -dbg package: the image package has only a placeholder)"
    echo "0 passed, 1 failed"
    exit 1
  fi
done

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
check() { # NAME FILE REGEX: FILE has a line matching the extended regex
  if grep -Eq -- "$3" "$2"; then ok "$1"; else bad "$1 (no line matching /$3/)"; fi
}
check_not() { # NAME FILE REGEX
  if grep -Eq -- "$3" "$2"; then bad "$1 (unexpected /$3/)"; else ok "$1"; fi
}

# Symbols, as 8 lowercase hex digits.
sym() { awk -v n="$1" '$3 == n { print $1; exit }' "$MAP"; }
# The symbol an address falls in (the map sorted by address).
sort -k1,1 "$MAP" >"$tmp/map.sorted"
sym_at() {
  awk -v a="$1" '$1 > a { exit } { s = $3 } END { print s }' "$tmp/map.sorted"
}
SK=$(sym start_kernel)
JIFFIES=$(sym jiffies)
BANNER=$(sym linux_banner)
REST_INIT=$(sym rest_init)
ETEXT=$(sym _etext)
# start_kernel's extent: up to the next symbol above it.
SK_END=$(awk -v a="$SK" '$1 > a { print $1; exit }' "$tmp/map.sorted")
if [ -z "$SK" ] || [ -z "$JIFFIES" ] || [ -z "$BANNER" ] || [ -z "$REST_INIT" ] ||
   [ -z "$ETEXT" ] || [ -z "$SK_END" ]; then
  echo "FAIL: $MAP lacks start_kernel, jiffies, linux_banner, rest_init or _etext:"
  echo "it must be the real System.map of the kernel's -dbg package (GUEST_SYMBOLS=1 make guest)"
  echo "0 passed, 1 failed"
  exit 1
fi
SK_LAST=$(printf '%08x' $((0x$SK_END - 1)))
echo "System.map: start_kernel $SK..$SK_LAST, jiffies $JIFFIES, linux_banner $BANNER, rest_init $REST_INIT"

# cryptomgr.notests: the kernel's crypto self-tests are most of a boot's
# instructions (Run /init at 3.2 s of virtual time instead of 21.6 s with
# --deterministic) and nothing these checks look at.
CMDLINE="console=ttyS0,115200 nokaslr cryptomgr.notests"
PROMPT='guest:~# '
GUEST_ARGS="-m 256 -display none -kernel $G/vmlinuz -initrd $G/initrd.gz"

# start_holo LOG ARGS...: holo86 with -gdb on a free port (its stdout and
# stderr to LOG); sets PORT and HPID.
PORT=$((20000 + $$ % 20000))
start_holo() {
  log=$1
  shift
  for _ in 1 2 3 4 5 6 7 8; do
    PORT=$((PORT + 1))
    # shellcheck disable=SC2086 # GUEST_ARGS is a word list
    "$HOLO" $GUEST_ARGS -append "$CMDLINE" -gdb tcp::$PORT "$@" >"$log" 2>&1 &
    HPID=$!
    sleep 0.3
    if kill -0 "$HPID" 2>/dev/null; then return 0; fi
    wait "$HPID" 2>/dev/null
    HPID=
  done
  echo "could not start holo86 with a gdb port:"
  cat "$log"
  return 1
}

# wait_holo SECONDS: wait for holo86 to end; sets HRC (124: still running,
# then killed).
wait_holo() {
  n=0
  while kill -0 "$HPID" 2>/dev/null && [ $n -lt $(($1 * 10)) ]; do
    sleep 0.1
    n=$((n + 1))
  done
  if kill -0 "$HPID" 2>/dev/null; then
    HRC=124
    kill "$HPID" 2>/dev/null
    wait "$HPID" 2>/dev/null
  else
    wait "$HPID"
    HRC=$?
  fi
  HPID=
}

# The malformed-packet client (step 2): python3 speaking raw bytes.
cat >"$tmp/raw.py" <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
def frame(data):
    return b"$" + data + b"#" + b"%02x" % (sum(data) & 0xFF)
def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(frame(b"QStartNoAckMode"))
    return s
def reply(s):
    """The next packet's data (acks and no-ack mode's lack of them skipped)."""
    buf = b""
    end = time.time() + 10
    while time.time() < end:
        i = buf.find(b"$")
        j = buf.find(b"#", i + 1) if i >= 0 else -1
        if j >= 0 and len(buf) >= j + 3:
            return buf[i + 1:j]
        d = s.recv(65536)
        if not d:
            break
        buf += d
    return None
def say(name, cond):
    print(("PASS " if cond else "FAIL ") + name)
s = conn()
say("raw client: QStartNoAckMode", reply(s) == b"OK")
for pkt in (b"m", b"mzz,4", b"m c1000000", b"M1000,4:zz", b"X1000,8:ab", b"Zq,1,1",
            b"Z0,,", b"P8=1", b"p", b"Gzzzzzzzz", b"qXfer:features:read:nosuch.xml:0,10",
            b"vCont;x", b"qRcmd,zz"):
    r = reply(s) if s.sendall(frame(pkt)) is None else None
    say("malformed %r gets an error or an empty reply" % pkt.decode(),
        r is not None and (r == b"" or r.startswith(b"E")))
s.sendall(b"$" + b"m" * 0x5000 + b"#00")      # longer than PacketSize
s.sendall(frame(b"?"))
say("an oversized packet is dropped, the next one answered", (reply(s) or b"").startswith(b"T"))
s.sendall(frame(b"m" + sys.argv[2].encode() + b",4"))
say("memory still readable after the junk", reply(s) == b"4c696e75")   # "Linu"
s.sendall(b"$m" + sys.argv[2].encode() + b",4")  # no '#': the client vanishes mid-packet
s.close()
time.sleep(0.5)
s = conn()                                       # the stub takes a new client
say("a new client after a mid-packet disconnect", reply(s) == b"OK")
s.sendall(b"$qSupp")                             # and this one vanishes too
s.close()
time.sleep(0.5)
s = conn()
reply(s)
s.sendall(b"\x00\xff+-zz#}")                      # junk between packets
s.sendall(frame(b"D"))
say("junk between packets, then detach", reply(s) == b"OK")
s.close()
EOF

# ---- 1. A kernel debugging session, with each engine ------------------------------
for accel in interp jit; do
  d=$tmp/$accel
  mkdir -p "$d"
  if ! start_holo "$d/holo.out" -S -accel $accel -serial file:"$d/serial.txt" \
      --trace "$d/trace.txt" --trace-range "$SK-$SK_LAST" --trace-max 10 \
      --until-serial "$PROMPT" --timeout "$(t 900)"; then
    bad "$accel: holo86 did not start"
    continue
  fi
  # gdb's commands, built in "$@" (stepi: EIP and ESP before the first step
  # and after each of the ten).
  step_print='printf "step %08x %08x\n", $pc, $esp'
  set -- -ex 'set architecture i386' -ex "target remote :$PORT" \
    -ex 'echo @@reset\n' -ex 'printf "eip %08x\n", $pc' \
    -ex "break *0x$SK" -ex continue \
    -ex 'echo @@bp\n' -ex 'printf "eip %08x cr0 %08x\n", $pc, $cr0' \
    -ex 'echo @@steps\n' -ex "$step_print"
  for _ in 1 2 3 4 5 6 7 8 9 10; do set -- "$@" -ex stepi -ex "$step_print"; done
  set -- "$@" \
    -ex 'echo @@regs\n' -ex 'set $old = $eax' -ex 'set $eax = 0x5a5aa5a5' \
    -ex 'maintenance flush register-cache' -ex 'printf "eax %08x\n", $eax' \
    -ex 'set $eax = $old' -ex 'maintenance flush register-cache' \
    -ex 'printf "restored %08x %08x\n", $eax, $old' \
    -ex 'echo @@mem\n' -ex "x/s 0x$BANNER" -ex "x/4xw 0x$BANNER" \
    -ex "set \$b = *(unsigned char *)0x$BANNER" -ex "set {unsigned char}0x$BANNER = 0x58" \
    -ex 'maintenance flush dcache' -ex "x/s 0x$BANNER" \
    -ex "set {unsigned char}0x$BANNER = \$b" -ex 'maintenance flush dcache' \
    -ex 'echo @@mem2\n' -ex "x/s 0x$BANNER" \
    -ex 'echo @@watch\n' -ex delete -ex "watch *(int *)0x$JIFFIES" -ex continue \
    -ex 'set $w = $pc' -ex "printf \"wstop %08x %d\\n\", \$pc, *(int *)0x$JIFFIES" \
    -ex 'echo @@later\n' -ex delete -ex "break *0x$REST_INIT" -ex continue \
    -ex "printf \"eip %08x %d\\n\", \$pc, *(int *)0x$JIFFIES" \
    -ex 'echo @@again\n' -ex delete -ex 'break *$w' -ex continue \
    -ex "printf \"again %08x %08x %d\\n\", \$pc, \$w, *(int *)0x$JIFFIES" \
    -ex 'echo @@detach\n' -ex delete -ex detach
  timeout -k 5 "$(t 600)" gdb -batch -nx "$@" >"$d/gdb.txt" 2>&1
  awk -v d="$d" '/^@@/ { f = d "/" substr($0, 3) ".txt"; next } f { print > f }' "$d/gdb.txt"
  for s in reset bp steps regs mem mem2 watch later again detach; do
    [ -f "$d/$s.txt" ] || : >"$d/$s.txt"
  done

  # 2. With the guest booting on, a client sending junk (interp run only:
  # the stub's packet layer does not depend on the engine).
  if [ $accel = interp ]; then
    if command -v python3 >/dev/null 2>&1; then
      sleep 1
      timeout -k 5 "$(t 60)" python3 "$tmp/raw.py" "$PORT" "$BANNER" >"$d/raw.txt" 2>&1
      sed 's/^/  /' "$d/raw.txt"
      p=$(grep -c '^PASS' "$d/raw.txt")
      f=$(grep -c '^FAIL' "$d/raw.txt")
      passed=$((passed + p))
      failed=$((failed + f))
      if [ "$p" -lt 18 ] || [ "$f" -gt 0 ]; then bad "malformed-packet client ran to the end"; fi
    else
      echo "(python3 missing: malformed-packet checks skipped)"
    fi
  fi

  # The trace is written when holo86 ends: at the prompt (--until-serial).
  wait_holo "$(t 600)"

  check "$accel: -S stops at the reset vector" "$d/reset.txt" '^eip 0000fff0$'
  check "$accel: breakpoint at start_kernel, EIP exact, paging on" "$d/bp.txt" "^eip $SK cr0 8"
  # Ten steps, compared with the trace: the trace shows only instructions
  # inside start_kernel (--trace-range), so the stepped EIPs inside it must
  # be, in order, the trace's lines; the one outside (the call into
  # __fentry__) must be where the traced `call` went.
  sed -n 's/^step //p' "$d/steps.txt" >"$d/stepped"
  nsteps=$(wc -l <"$d/stepped")
  awk -v lo="$SK" -v hi="$SK_LAST" '$1 >= lo && $1 <= hi { print $1 }' "$d/stepped" >"$d/stepped.in"
  awk '{ print tolower($3) }' "$d/trace.txt" | head -n "$(wc -l <"$d/stepped.in")" >"$d/traced"
  if [ "$nsteps" -eq 11 ] && [ -s "$d/traced" ] && cmp -s "$d/stepped.in" "$d/traced"; then
    ok "$accel: 10 stepi EIPs inside start_kernel = the --trace lines ($(wc -l <"$d/traced") of them)"
  else
    bad "$accel: stepi EIPs vs the trace ($nsteps EIPs stepped)"
    paste "$d/stepped" "$d/traced" | sed 's/^/    /'
  fi
  # The first traced instruction is start_kernel's call: gdb's next EIP
  # must be its target.
  second=$(sed -n '2s/ .*//p' "$d/stepped")
  if head -1 "$d/trace.txt" | grep -Eqi "^[0-9A-F]{4}:$SK .* call +0x0*$second\b"; then
    ok "$accel: stepi follows the traced call to $second"
  else
    bad "$accel: stepi follows the traced call (gdb went to $second; trace: $(head -1 "$d/trace.txt"))"
  fi
  # ESP: where the trace says an instruction changed it, gdb saw the same
  # value after stepping that instruction.
  esp=$(awk 'NR == FNR { for (i = 4; i <= NF; i++) if ($i ~ /^esp=/) esp[tolower($3)] = tolower(substr($i, 5)); next }
    prev in esp { n++; if (esp[prev] != $2) bad++ } { prev = $1 }
    END { print n + 0, bad + 0 }' "$d/trace.txt" "$d/stepped")
  if [ "${esp% *}" -gt 0 ] && [ "${esp#* }" -eq 0 ]; then
    ok "$accel: ESP after each step = the trace's (${esp% *} stack changes compared)"
  else
    bad "$accel: ESP after each step vs the trace (compared, differing: $esp)"
  fi
  check "$accel: register write reaches the CPU (set \$eax, read back)" "$d/regs.txt" '^eax 5a5aa5a5$'
  if grep -Eq '^restored ([0-9a-f]{8}) \1$' "$d/regs.txt"; then ok "$accel: register restored"
  else bad "$accel: register restored"; fi
  if grep -Eq "^0x$BANNER:[[:space:]]+\"Linux version " "$d/mem.txt"; then
    ok "$accel: kernel memory through the page tables (linux_banner)"
  else
    bad "$accel: kernel memory through the page tables: no \"Linux version\" at linux_banner (is $MAP the map of $G/vmlinuz?)"
  fi
  check "$accel: memory write (a byte of linux_banner) reads back" "$d/mem.txt" \
    "^0x$BANNER:[[:space:]]+\"Xinux version "
  check "$accel: memory restored" "$d/mem2.txt" "^0x$BANNER:[[:space:]]+\"Linux version "
  check "$accel: watchpoint on jiffies fires (Z2)" "$d/watch.txt" '^Hardware watchpoint [0-9]+: '
  old=$(sed -n 's/^Old value = //p' "$d/watch.txt")
  new=$(sed -n 's/^New value = //p' "$d/watch.txt")
  w=$(sed -n 's/^wstop \([0-9a-f]*\) .*/\1/p' "$d/watch.txt")
  if [ -n "$old" ] && [ -n "$new" ] && [ "$new" -gt "$old" ] && [ -n "$w" ] &&
     [ $((0x$w)) -ge $((0xc1000000)) ] && [ $((0x$w)) -lt $((0x$ETEXT)) ]; then
    ok "$accel: the timer moved jiffies $old -> $new; stopped after the store in $(sym_at "$w")"
  else
    bad "$accel: jiffies watchpoint (old '$old', new '$new', stop at '$w')"
  fi
  check "$accel: breakpoint at rest_init" "$d/later.txt" "^eip $REST_INIT "
  # By rest_init the timer has run dozens of times at full speed, so the
  # JIT has translated the block around the watchpoint's stop; a breakpoint
  # in the middle of it must stop exactly there, with the store done.
  j1=$(sed -n 's/^eip [0-9a-f]* //p' "$d/later.txt")
  j2=$(sed -n 's/^again [0-9a-f]* [0-9a-f]* //p' "$d/again.txt")
  if grep -Eq '^again ([0-9a-f]{8}) \1 ' "$d/again.txt" && [ -n "$j1" ] && [ -n "$j2" ] && [ "$j2" -gt "$j1" ]; then
    ok "$accel: breakpoint mid-block at $w: stopped exactly there, jiffies $j1 -> $j2"
  else
    bad "$accel: breakpoint mid-block at the store's successor ($(tr '\n' ' ' <"$d/again.txt"))"
  fi
  check "$accel: detach" "$d/detach.txt" 'Detaching|detached'

  if [ "$HRC" = 0 ] && grep -qF "$PROMPT" "$d/serial.txt"; then
    ok "$accel: after detach the guest boots to its shell prompt"
  else
    bad "$accel: boot to the shell after detach (holo86 status $HRC)"
    tail -n 5 "$d/serial.txt" "$d/holo.out"
  fi
  check "$accel: the kernel printed the restored banner" "$d/serial.txt" '^\[ *0\.0+\] Linux version 6\.'
  check_not "$accel: holo86 printed nothing" "$d/holo.out" '.'
done

# ---- 3. Deterministic boots ------------------------------------------------------------
# Two with the interpreter must be identical; a third with the JIT too,
# since the JIT retires the same instructions and looks at events after
# each one, as the interpreter does.
for run in 1 2 3; do
  accel=interp
  [ $run = 3 ] && accel=jit
  # shellcheck disable=SC2086 # GUEST_ARGS is a word list
  timeout -k 5 "$(t 900)" "$HOLO" $GUEST_ARGS -append "$CMDLINE" -accel $accel \
    -serial file:"$tmp/det$run.serial" --deterministic --trace-int --until-serial "$PROMPT" \
    2>"$tmp/det$run.int"
  rc=$?
  [ $rc -eq 0 ] || echo "deterministic run $run ($accel): exit status $rc"
done
n=$(grep -c '^-- interrupt' "$tmp/det1.int")
if grep -qF "$PROMPT" "$tmp/det1.serial" && [ "$n" -gt 1000 ]; then
  ok "deterministic boot reaches the shell ($n interrupts, $(wc -l <"$tmp/det1.serial") serial lines)"
else
  bad "deterministic boot reaches the shell ($n interrupts)"
fi
same() { # NAME FILE1 FILE2
  if cmp "$2" "$3"; then ok "$1"; else bad "$1"; diff "$2" "$3" | head -5; fi
}
same "two --deterministic boots: identical --trace-int logs" "$tmp/det1.int" "$tmp/det2.int"
same "two --deterministic boots: identical serial output" "$tmp/det1.serial" "$tmp/det2.serial"
same "--deterministic with -accel jit: the same --trace-int log" "$tmp/det1.int" "$tmp/det3.int"
same "--deterministic with -accel jit: the same serial output" "$tmp/det1.serial" "$tmp/det3.serial"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
