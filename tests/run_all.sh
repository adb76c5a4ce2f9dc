#!/bin/sh
# Runs every test suite that `make test` built and prints one line per
# suite, then a final "N passed, N failed" over the suites. A suite that
# needs ../shared and does not find it says so and counts as skipped.
BUILD=${BUILD:-build}
SST_DIR=${SST_DIR:-../shared/conformance/sst-80286}
passed=0 failed=0 skipped=0
# Only the frontend suite opens windows (under its own Xvfb).
unset DISPLAY WAYLAND_DISPLAY

run() { # name command...
  name=$1; shift
  echo "=== $name: $*"
  "$@"
  rc=$?
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1)); echo "=== $name: PASS"
  elif [ $rc -eq 77 ]; then
    skipped=$((skipped + 1)); echo "=== $name: SKIPPED"
  else
    failed=$((failed + 1)); echo "=== $name: FAIL (exit $rc)"
  fi
}

run "unit tests (Criterion)" "$BUILD/unit-tests" --jobs 2
run "unit tests through the JIT in lockstep" env HOLO86_ACCEL=lockstep "$BUILD/unit-tests" --jobs 2
run "decoder vs capstone" "$BUILD/decoder-vs-capstone"
run "x87 soft float vs the host FPU" "$BUILD/fpu-diff"
run "command line and demo" tests/cli/test_cli.sh "$BUILD"
run "protected mode and paging programs" tests/pm/run.sh "$BUILD"
run "protected mode and paging programs under --jit-check" tests/pm/run.sh "$BUILD" --jit-check
run "JIT guest programs: SMC, precise faults, IRQ latency (3 engines)" tests/jit/run.sh "$BUILD"
run "Multiboot kernels (-kernel)" tests/multiboot/run.sh "$BUILD"
run "SeaBIOS and FreeDOS" tests/guests/freedos.sh "$BUILD"
run "Linux: direct, CD and workload boots" tests/guests/linux.sh "$BUILD" "${GUEST:-build/guest}"
# SDL unloads its X11 video driver (dlclose) at exit, so LeakSanitizer
# cannot attribute that driver's allocations to any module: leak checking
# is off for this suite only (address and UB checks stay on).
LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}detect_leaks=0" \
  run "frontends (SDL under Xvfb, terminal, monitor, screenshots)" tests/frontend/run.sh "$BUILD"
run "gdb stub (real gdb, batch)" tests/gdb/run.sh "$BUILD"
run "gdb on Linux, determinism (issue 9)" tests/gdb/linux.sh "$BUILD" "${GUEST:-build/guest}"
if [ -d "$SST_DIR" ]; then
  run "SingleStepTests 80286" "$BUILD/sst-runner" "$SST_DIR"
  run "SingleStepTests 80286 through the JIT" "$BUILD/sst-runner" -jit "$SST_DIR"
  run "SingleStepTests 80286 through the JIT in lockstep" "$BUILD/sst-runner" -lockstep "$SST_DIR"
else
  echo "=== SingleStepTests 80286: SKIPPED: $SST_DIR not found (it lives in ../shared, for developers and CI)"
  skipped=$((skipped + 1))
fi

echo
echo "test suites: $passed passed, $failed failed, $skipped skipped"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
