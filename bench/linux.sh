#!/bin/bash
# The Linux bench (issue 7, `make bench`): boots the workload guest
# (tools/mkguest.sh) RUNS times on holo86 and, when qemu-system-i386 is
# installed, on QEMU's TCG; runs the same workloads natively with the
# guest's own i386 busybox (the physical limit); prints medians and ratios.
# Not a pass/fail test: the exit status is 1 only when holo86 did not get
# through the guest (or a result differs from the native one).
#
#   bench/linux.sh [--runs N] [--timeout SECONDS] [--no-qemu] [--no-holo86]
#
# Boot figures are host seconds from starting the emulator to the line
# GUEST-BOOTED / GUEST-DONE on its serial port. Workload figures are timed
# inside the guest (guest wall clock; both emulators run guest time at host
# speed unless told otherwise, so they are host seconds too).
set -u
cd "$(dirname "$0")/.." || exit 1

RUNS=3 TIMEOUT=300 USE_QEMU=1 USE_HOLO=1
HOLO86=${HOLO86:-build/holo86}
GUEST=${GUEST:-build/guest}
QEMU=${QEMU:-qemu-system-i386}
APPEND="console=ttyS0 quiet"
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift ;;
    --timeout) TIMEOUT=$2; shift ;;
    --no-qemu) USE_QEMU=0 ;;
    --no-holo86) USE_HOLO=0 ;;
    *) echo "usage: $0 [--runs N] [--timeout SECONDS] [--no-qemu] [--no-holo86]" >&2; exit 2 ;;
  esac
  shift
done

for f in vmlinuz workload.gz rootfs/bin/busybox rootfs/etc/workloads; do
  [ -e "$GUEST/$f" ] || { echo "linux bench: $GUEST/$f is missing: run make guest" >&2; exit 1; }
done
[ $USE_HOLO = 0 ] || [ -x "$HOLO86" ] || { echo "linux bench: $HOLO86 is missing: run make" >&2; exit 1; }

mapfile -t NAMES < <(awk '{ print $1 }' "$GUEST/rootfs/etc/workloads")
FIGURES=(booted "done" "${NAMES[@]}")
diff_s() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
status=0

# One boot of the workload guest. Writes "figure seconds" lines to
# $TMP/$1.N.fig and the RESULT lines to $TMP/$1.N.results; returns 1 if the guest did not
# reach GUEST-DONE. The line timestamps are taken as lines arrive, so the
# emulator must not buffer its serial output (holo86 flushes at each \n).
boot_once() {
  local tag=$1 n=$2; shift 2
  local out=$TMP/$tag.$n.fig log=$TMP/$tag.$n.log start line t rc
  : > "$out"; : > "$TMP/$tag.$n.results"
  start=$EPOCHREALTIME
  while IFS= read -r line; do
    t=$EPOCHREALTIME
    line=${line%$'\r'}
    printf '%s\n' "$line" >> "$log"
    case $line in
      *GUEST-BOOTED*) echo "booted $(diff_s "$t" "$start")" >> "$out" ;;
      *GUEST-DONE*) echo "done $(diff_s "$t" "$start")" >> "$out" ;;
      BENCH\ *) echo "${line#BENCH }" >> "$out" ;;
      RESULT\ *) echo "${line#RESULT }" >> "$TMP/$tag.$n.results" ;;
    esac
  done < <(timeout -k 5 "$TIMEOUT" "$@" < /dev/null 2>&1; echo "EXIT-STATUS $?")
  rc=$(sed -n 's/^EXIT-STATUS //p' "$log")
  if ! grep -q '^done ' "$out"; then
    if [ "$rc" = 124 ]; then
      echo "$tag run $n: FAILED: no GUEST-DONE within $TIMEOUT s (timeout)"
    else
      echo "$tag run $n: FAILED: exit status $rc before GUEST-DONE"
    fi
    echo "  command:$(printf ' %q' "$@")"
    echo "  last output:"; grep -v '^EXIT-STATUS' "$log" | tail -n 8 | sed 's/^/    | /'
    return 1
  fi
  echo "$tag run $n: GUEST-DONE after $(awk '$1 == "done" { print $2 }' "$out") s"
}

# Median of each figure over the runs of one engine: "figure median" lines.
medians() {
  local tag=$1 fig
  for fig in "${FIGURES[@]}"; do
    cat "$TMP/$tag".*.fig 2>/dev/null | awk -v f="$fig" '$1 == f { print $2 }' | sort -g |
      awk -v f="$fig" '{ v[NR] = $1 } END { if (NR) printf "%s %.3f\n", f, (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
  done > "$TMP/$tag.median"
}

run_engine() {
  local tag=$1 n; shift
  for ((n = 1; n <= RUNS; n++)); do
    boot_once "$tag" "$n" "$@" || return 1
  done
  medians "$tag"
}

# Native: the same command lines, from the guest's tree, with its busybox
# (whose shell runs its own applets, whatever the host's PATH holds).
native() {
  local name cmd n s e out
  while read -r name cmd; do
    for ((n = 1; n <= RUNS; n++)); do
      s=$EPOCHREALTIME
      out=$(cd "$GUEST/rootfs" && ./bin/busybox sh -c "$cmd" < /dev/null)
      e=$EPOCHREALTIME
      echo "$name $(diff_s "$e" "$s")" >> "$TMP/native.$n.fig"
    done
    set -- $out
    echo "$name ${1:-<none>}" >> "$TMP/native.1.results"
  done < "$GUEST/rootfs/etc/workloads"
  medians native
}

# Results of every run must be those of the native run.
check_results() {
  local tag=$1 f
  for f in "$TMP/$tag".*.results; do
    [ -s "$f" ] || continue
    if ! cmp -s "$f" "$TMP/native.1.results"; then
      echo "$tag: RESULTS DIFFER from native (${f##*/}):"
      diff "$TMP/native.1.results" "$f" | sed 's/^/    /'
      return 1
    fi
  done
  echo "$tag: results match native ($(tr '\n' ' ' < "$TMP/native.1.results"))"
}

echo "== Linux workload guest: $GUEST/vmlinuz + workload.gz, -m 256, \"$APPEND\", $RUNS runs"
native
echo "native: done"
engines=(native)
if [ $USE_HOLO = 1 ]; then
  if run_engine holo86 "$HOLO86" -m 256 -nographic -kernel "$GUEST/vmlinuz" \
       -initrd "$GUEST/workload.gz" -append "$APPEND"; then
    check_results holo86 || status=1
    engines+=(holo86)
  else
    status=1
  fi
fi
if [ $USE_QEMU = 1 ] && command -v "$QEMU" >/dev/null 2>&1; then
  if run_engine qemu "$QEMU" -accel tcg -m 256 -display none -serial stdio -monitor none \
       -no-reboot -kernel "$GUEST/vmlinuz" -initrd "$GUEST/workload.gz" -append "$APPEND"; then
    check_results qemu
    engines+=(qemu)
  fi
elif ! command -v "$QEMU" >/dev/null 2>&1; then
  echo "qemu: $QEMU not installed, no comparison"
fi

# The table: one column per engine that got through, then the ratios.
val() { awk -v f="$2" '$1 == f { print $2 }' "$TMP/$1.median" 2>/dev/null; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b }'; }
echo
echo "Median of $RUNS, seconds (booted/done: host time from start; workloads: timed in the guest)"
printf '%-10s' figure
for e in "${engines[@]}"; do printf '%12s' "$e"; done
has() { [[ " ${engines[*]} " == *" $1 "* ]]; }
has holo86 && has qemu && printf '%14s' holo86/qemu
has holo86 && printf '%16s' holo86/native
has qemu && printf '%14s' qemu/native
echo
for fig in "${FIGURES[@]}"; do
  printf '%-10s' "$fig"
  for e in "${engines[@]}"; do printf '%12s' "$(val "$e" "$fig")"; done
  has holo86 && has qemu && printf '%14s' "$(ratio "$(val holo86 "$fig")" "$(val qemu "$fig")")"
  has holo86 && printf '%16s' "$(ratio "$(val holo86 "$fig")" "$(val native "$fig")")"
  has qemu && printf '%14s' "$(ratio "$(val qemu "$fig")" "$(val native "$fig")")"
  echo
done
exit $status
