#!/bin/sh
# SDL frontend benchmark (make bench-sdl): bench/sdl.sh [BUILD_DIR] [SECONDS]
#
# 1. What an unchanging text screen costs: SeaBIOS with no boot media
#    stops at "No bootable device" with the cursor blinking and the CPU
#    halted. holo86 runs it with -display none, then with -display sdl,
#    on the same Xvfb; after 3 s of warm-up, the CPU time each uses over
#    SECONDS (utime + stime from /proc/PID/stat) is read. The SDL window's
#    cost is the difference, as a share of one core; the X server's CPU
#    time during the SDL run is shown beside it.
# 2. Frames per second the window presents for a full-screen mode-13h
#    animation (bench/anim13.asm redraws all 64000 pixels every retrace,
#    70 times a second): holo86 --display-stats prints the rate every
#    second; the mean and the minimum over SECONDS after 3 s of warm-up.
#
# Needs Xvfb (Debian xvfb) and a holo86 built with SDL2.
BUILD=${1:-build}
SECS=${2:-20}
HOLO=$BUILD/holo86
ROMS=$(cd "$(dirname "$0")/.." && pwd)/roms
ANIM=$BUILD/bench/anim13.bin
WARM=3
for f in "$HOLO" "$ANIM" "$ROMS/bios-256k.bin"; do
  [ -f "$f" ] || { echo "bench/sdl.sh: $f is missing (make bench-sdl builds it)"; exit 1; }
done
command -v Xvfb >/dev/null || { echo "bench/sdl.sh: Xvfb is not installed (tools/deps.sh)"; exit 1; }
T=$(mktemp -d /tmp/holo86-bench-sdl.XXXXXX)
xvfb=
trap '[ -n "$xvfb" ] && kill $xvfb 2>/dev/null; rm -rf "$T"' EXIT INT TERM

# Xvfb on a free display number (it writes the number to fd 3).
Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp 3>"$T/display" >/dev/null 2>&1 &
xvfb=$!
for _ in $(seq 1 50); do [ -s "$T/display" ] && break; sleep 0.1; done
[ -s "$T/display" ] || { echo "bench/sdl.sh: Xvfb did not start"; exit 1; }
export DISPLAY=:$(cat "$T/display")
unset WAYLAND_DISPLAY

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TCK=$(getconf CLK_TCK)

# cpu DISPLAY_TYPE: holo86's CPU ticks over SECS after WARM, and the X
# server's over the same time, as "holo xvfb".
cpu() {
  "$HOLO" -display "$1" -serial none -bios "$ROMS/bios-256k.bin" --timeout $((WARM + SECS + 5)) 2>"$T/err.txt" &
  pid=$!
  sleep $WARM
  h0=$(ticks $pid) x0=$(ticks $xvfb)
  sleep "$SECS"
  h1=$(ticks $pid) x1=$(ticks $xvfb)
  kill $pid
  wait $pid 2>/dev/null
  echo $((h1 - h0)) $((x1 - x0))
}
set -- $(cpu none)
none=$1
set -- $(cpu sdl)
sdl=$1 xsdl=$2
awk -v n="$none" -v s="$sdl" -v x="$xsdl" -v t="$TCK" -v secs="$SECS" 'BEGIN {
  printf "unchanging text screen (SeaBIOS, no boot media), %d s after %d s warm-up, Xvfb 1024x768x24:\n", secs, '"$WARM"'
  printf "  -display none: %.2f s of CPU\n", n / t
  printf "  -display sdl:  %.2f s of CPU (the X server: %.2f s)\n", s / t, x / t
  printf "  SDL window: %.2f%% of a core (the X server: %.2f%%)\n", 100 * (s - n) / t / secs, 100 * x / t / secs
}'

# The animation, booted from a floppy image.
cp "$ANIM" "$T/anim.img" && truncate -s 1474560 "$T/anim.img"
"$HOLO" -fda "$T/anim.img" -display sdl -serial none --display-stats \
  --timeout $((WARM + SECS + 1)) 2>"$T/fps.txt"
awk -v warm="$WARM" -v secs="$SECS" '/display: .* fps/ {
    if (++n <= warm || n > warm + secs) next
    sum += $3; k++; if (!min || $3 < min) min = $3
  }
  END {
    if (!k) { print "mode-13h animation: no frame rate reported"; exit 1 }
    printf "mode-13h full-screen animation (bench/anim13.asm, 70 Hz in the guest), %d s:\n", k
    printf "  %.1f frames per second presented (lowest second: %.1f)\n", sum / k, min
  }' "$T/fps.txt"
