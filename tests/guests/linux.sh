#!/bin/sh
# Debian's i386 kernel on holo86 (issue 7): the guests `make guest` builds
# from Debian packages (tools/mkguest.sh) boot through SeaBIOS, directly
# with -kernel/-initrd/-append and from an ISO with isolinux, to a busybox
# shell on the serial console. The shell is driven like a person would:
# wait for the prompt, type a command, read what comes back.
BUILD=${1:-build}
H="$BUILD/holo86"
G=${2:-build/guest}
passes=0 fails=0
SCALE=${TIMEOUT_SCALE:-1}
t() { echo $(($1 * SCALE)); }
ok() { echo "ok: $1"; passes=$((passes + 1)); }
bad() { echo "FAIL: $1"; [ -f "$OUT" ] && tail -15 "$OUT"; fails=$((fails + 1)); }
for f in vmlinuz initrd.gz workload.gz linux.iso; do
  if [ ! -f "$G/$f" ]; then
    echo "FAIL: $G/$f is missing: 'make guest' builds it from Debian packages"
    exit 1
  fi
done
TMP=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$TMP"' EXIT
OUT="$TMP/serial.txt"
PROMPT='guest:~# '
# cryptomgr.notests: the kernel's crypto self-tests are most of a boot here
# (RSA/MPI arithmetic) and test the kernel, not the machine.
CMDLINE="console=ttyS0,115200 cryptomgr.notests"

# start ARGS...: holo86 in the background, its serial console on a FIFO
# we write to (fd 4) and a file we read ($OUT).
start() {
  rm -f "$TMP/in" "$OUT"
  seen=0 # a new console: the prompts counted by mark were the last run's
  mkfifo "$TMP/in"
  "$H" -m 256 -nographic "$@" <"$TMP/in" >"$OUT" 2>&1 &
  pid=$!
  exec 4>"$TMP/in"
}
# wait_for TEXT SECONDS: until the serial output has TEXT (n-th time: the
# count of TEXT must exceed what it was when `mark` was called).
seen=0
mark() { seen=$(grep -c -F -- "$1" "$OUT" 2>/dev/null || true); }
wait_for() {
  i=0
  while [ $i -lt $(($2 * 10)) ]; do
    n=$(grep -c -F -- "$1" "$OUT" 2>/dev/null || true)
    [ "${n:-0}" -gt "$seen" ] && return 0
    kill -0 $pid 2>/dev/null || return 1
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}
# run CMD: type CMD at the prompt and wait for the next prompt.
run() {
  mark "$PROMPT"
  printf '%s\n' "$1" >&4
  wait_for "$PROMPT" $(t 60)
}
# finish: type poweroff and return holo86's exit status.
finish() {
  printf 'poweroff\n' >&4
  exec 4>&-
  i=0
  while kill -0 $pid 2>/dev/null && [ $i -lt $(t 600) ]; do sleep 0.1; i=$((i + 1)); done
  kill $pid 2>/dev/null
  wait $pid
}

# 1. Direct boot: -kernel bzImage -initrd -append, through SeaBIOS.
start -kernel "$G/vmlinuz" -initrd "$G/initrd.gz" -append "$CMDLINE" --timeout $(t 300)
if wait_for "$PROMPT" $(t 240); then
  ok "direct boot (-kernel/-initrd/-append) reaches the busybox shell"
  run 'uname -a'
  grep -q "Linux .* 6\.1\.0-[0-9]*-686 .* i686" "$OUT" && ok "uname -a: Debian's 686 kernel" ||
    bad "uname -a output"
  run 'cat /proc/cpuinfo'
  grep -q "vendor_id.*GenuineIntel" "$OUT" && grep -q "^fpu[[:space:]]*: yes" "$OUT" &&
    grep -q "^flags.* tsc .*cmov" "$OUT" && ok "/proc/cpuinfo: a P6 with FPU, TSC, CMOV" ||
    bad "/proc/cpuinfo"
  # What the kernel must not say about our machine.
  run 'dmesg > /tmp/d; grep -E "BUG|WARNING|unexpected IRQ|[Ss]purious|BIOS bug|MP-BIOS" /tmp/d; echo "complaints: $(grep -cE "BUG|WARNING|unexpected IRQ|[Ss]purious|BIOS bug|MP-BIOS" /tmp/d)"'
  grep -q "^complaints: 0" "$OUT" && ok "dmesg has no BUG/WARNING/unexpected IRQ/spurious/BIOS bug" ||
    bad "dmesg complains (lines above)"
  # poweroff goes through ACPI (SeaBIOS's tables, our PM device) to S5.
  finish
  rc=$?
  [ $rc -eq 0 ] && grep -q "reboot: Power down" "$OUT" && ok "poweroff ends holo86 with exit status 0" ||
    bad "poweroff: exit status $rc"
else
  bad "direct boot: no shell prompt"
  kill $pid 2>/dev/null
fi

# 2. CD boot: SeaBIOS, El Torito, ATAPI, isolinux, the same kernel.
start -cdrom "$G/linux.iso" --timeout $(t 300)
if wait_for "$PROMPT" $(t 240); then
  grep -q "ISOLINUX" "$OUT" && ok "CD boot: isolinux loads the kernel from the ISO" || bad "no ISOLINUX banner"
  run 'cat /proc/cmdline'
  grep -q "console=ttyS0" "$OUT" && ok "CD boot reaches the shell with isolinux's command line" ||
    bad "CD boot command line"
  finish
  [ $? -eq 0 ] && ok "poweroff after CD boot" || bad "poweroff after CD boot"
else
  bad "CD boot: no shell prompt"
  kill $pid 2>/dev/null
fi

# 3. The workload guest: its outputs must equal native runs of the same
# busybox binary (computed here), and awk's sum is known in closed form.
"$H" -m 256 -nographic -kernel "$G/vmlinuz" -initrd "$G/workload.gz" \
  -append "$CMDLINE quiet" --timeout $(t 900) </dev/null >"$OUT" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q GUEST-DONE "$OUT"; then
  ok "workload guest runs to GUEST-DONE and powers off"
else
  bad "workload guest (exit status $rc)"
fi
BB="$G/rootfs/bin/busybox"
zeros_sha=$(head -c 16777216 /dev/zero | sha256sum | cut -d' ' -f1)
zeros_gz=$(head -c 16777216 /dev/zero | "$BB" gzip -c | wc -c)
bin_gz=$(cat "$BB" "$BB" | "$BB" gzip -c | wc -c)
# sum over i < 10^6 of (i mod 7) * 3: 142857 full cycles of 0..6 (21 each)
# and i = 999999 (mod 7 = 0), times 3
awk_sum=$((142857 * 21 * 3))
check_result() { # name expected
  got=$(sed -n "s/^RESULT $1 //p" "$OUT" | tr -d '\r' | head -1)
  [ "$got" = "$2" ] && ok "workload $1 = $2" || bad "workload $1: got '$got', expected '$2'"
}
check_result sha256 "$zeros_sha"
check_result gzip "$zeros_gz"
check_result gzipbin "$bin_gz"
check_result awk "$awk_sum"

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
