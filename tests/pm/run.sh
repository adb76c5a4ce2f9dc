#!/bin/sh
# tests/pm/run.sh BUILD_DIR [HOLO86 OPTION...] — runs every bare-metal
# protected-mode test image BUILD_DIR/tests/pm/*.bin on BUILD_DIR/holo86
# (or ./holo86), with the options given (e.g. --jit-check), one line
# PASS/FAIL per program (with its output on failure), and ends with
# "N passed, N failed". Exit status 0 only if every program passed.
BUILD=${1:-build}
[ $# -gt 0 ] && shift
HOLO=$BUILD/holo86
[ -x "$HOLO" ] || HOLO=./holo86
passed=0 failed=0
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT INT TERM
for bin in "$BUILD"/tests/pm/*.bin; do
  [ -e "$bin" ] || continue
  name=$(basename "$bin" .bin)
  timeout 60 "$HOLO" "$@" -bios "$bin" --max-insns 200000000 >"$out" 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1))
    echo "PASS $name"
  else
    failed=$((failed + 1))
    case $rc in
      124) why="timed out" ;;
      3) why="instruction limit reached" ;;
      *) why="exit status $rc" ;;
    esac
    echo "FAIL $name ($why)"
    sed 's/^/    /' "$out"
  fi
done
if [ $((passed + failed)) -eq 0 ]; then
  echo "no test images in $BUILD/tests/pm"
  failed=1
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
