#!/bin/sh
# tests/jit/run.sh [BUILD_DIR] — the JIT's bare-metal guest programs.
#
# Assembles every tests/jit/*.asm into a 64 KiB firmware image (and every
# tests/jit/media/*.asm into a disk image) under BUILD_DIR/tests/jit, then
# boots each program with each engine: -accel jit, -accel interp and
# --jit-check (the JIT in lockstep with the interpreter). A program's
# "; run-args:" line adds arguments (@NAME stands for the disk image built
# from media/NAME.asm). A run passes when the guest exits with status 0
# (every check passed) and, in lockstep, no difference was reported. One
# line per run, the guest's output under a failing one, counts per engine
# and a final "N passed, N failed"; exit status 0 only if every run passed.
BUILD=${1:-build}
HOLO=$BUILD/holo86
[ -x "$HOLO" ] || HOLO=./holo86
SRC=$(dirname "$0")
OUT=$BUILD/tests/jit
mkdir -p "$OUT/media" || exit 1
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT INT TERM

for src in "$SRC"/media/*.asm; do
  [ -e "$src" ] || continue
  nasm -f bin -o "$OUT/media/$(basename "$src" .asm).img" "$src" || exit 1
done

passed=0 failed=0
programs=
for src in "$SRC"/*.asm; do
  if nasm -f bin -I "$SRC/" -o "$OUT/$(basename "$src" .asm).bin" "$src" >"$out" 2>&1; then
    programs="$programs $src"
  else
    failed=$((failed + 1))
    echo "FAIL $(basename "$src" .asm): nasm failed"
    sed 's/^/    /' "$out"
  fi
done

for engine in "-accel jit" "-accel interp" "--jit-check"; do
  ep=0 ef=0
  for src in $programs; do
    name=$(basename "$src" .asm)
    bin=$OUT/$name.bin
    args=$(sed -n 's/^; run-args: *//p' "$src" | sed "s|@\([A-Za-z0-9_]*\)|$OUT/media/\1.img|g")
    # shellcheck disable=SC2086 # engine and args are word lists
    timeout 60 "$HOLO" -bios "$bin" -no-reboot -display none -serial none $args $engine \
      </dev/null >"$out" 2>&1
    rc=$?
    why=
    case $rc in
      0) ;;
      124) why="timed out" ;;
      *) why="exit status $rc" ;;
    esac
    grep -q "holo86: jit lockstep:" "$out" && why="the JIT and the interpreter differ"
    if [ -z "$why" ]; then
      ep=$((ep + 1))
      echo "PASS $name ($engine): $(grep -o '[0-9]* checks' "$out")"
    else
      ef=$((ef + 1))
      echo "FAIL $name ($engine): $why"
      sed 's/^/    /' "$out"
    fi
  done
  echo "== $engine: $ep passed, $ef failed"
  passed=$((passed + ep))
  failed=$((failed + ef))
done
if [ $((passed + failed)) -eq 0 ]; then
  echo "no programs in $SRC"
  failed=1
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
