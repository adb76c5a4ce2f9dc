#!/bin/sh
# The command line as a user meets it: the demo, --help, --version, and
# clear errors with the documented exit codes for bad input.
BUILD=${1:-build}
H="$BUILD/holo86"
fails=0 passes=0
check() { # description expected-status command...
  desc=$1 want=$2; shift 2
  out=$("$@" 2>&1); got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $desc: exit $got, expected $want"; echo "$out" | head -5; fails=$((fails + 1))
  else
    echo "ok: $desc"; passes=$((passes + 1))
  fi
  LAST_OUT=$out
}
expect_text() { # description text
  case "$LAST_OUT" in *"$2"*) echo "ok: $1"; passes=$((passes + 1)) ;; *) echo "FAIL: $1: no '$2' in output"; fails=$((fails + 1)) ;; esac
}

check "demo runs and exits 0" 0 $H
expect_text "demo prints the primes below 100" "primes below 100: 2 3 5 7 11 13 17 19 23 29 31 37 41 43 47 53 59 61 67 71 73 79 83 89 97"
expect_text "demo prints Fibonacci numbers" "Fibonacci: 0 1 1 2 3 5 8 13 21 34 55 89 144 233 377 610 987 1597 2584 4181"
check "--help" 0 $H --help
expect_text "--help shows usage" "usage: holo86"
check "--version" 0 $H --version
expect_text "--version names the program" "holo86 "
check "unknown option is exit 2" 2 $H --no-such-option
expect_text "unknown option is named" "unknown option '--no-such-option'"
check "option without its argument is exit 2" 2 $H -bios
check "bad memory size is exit 2" 2 $H -m lots
check "missing firmware file is exit 1" 1 $H -bios /nonexistent/bios.bin
expect_text "missing file is named" "/nonexistent/bios.bin"
tmp=$(mktemp); head -c 1000 /dev/zero > "$tmp"
check "truncated firmware image is exit 1" 1 $H -bios "$tmp"
expect_text "truncated image explained" "64 KiB"
rm -f "$tmp"
check "instruction limit is exit 3" 3 $H --max-insns 50
# env -u: the default engine, whatever HOLO86_ACCEL the suite runs under.
check "--stats with an instruction limit" 3 env -u HOLO86_ACCEL $H --stats --max-insns 1000
expect_text "--stats counts exactly the instructions run" "stats: 1000 instructions in"
expect_text "--stats reports the block cache and the TLB" "blocks decoded, 0 writes invalidated cached code"
expect_text "--stats reports the JIT (the default engine)" "jit: "
TF="$BUILD/tests/cli/triple_fault.bin"
check "triple fault with -no-reboot stops with exit 1" 1 $H -bios "$TF" -no-reboot
expect_text "triple fault is reported" "triple fault at F000:0000"
check "triple fault without -no-reboot resets the machine" 3 $H -bios "$TF" --max-insns 30
expect_text "the reset is reported" "resetting the machine"
expect_text "the firmware ran again after the reset" "TT"
IRQ="$BUILD/tests/cli/timer_irq.bin"
check "PIC + PIT interrupts wake HLT; COM1 output" 0 $H -bios "$IRQ" </dev/null
expect_text "100 PIT interrupts were counted" "100 timer interrupts"
expect_text "the RTC answers" "RTC register A is 26h"
check "-serial none discards COM1 output" 0 $H -bios "$IRQ" -serial none
case "$LAST_OUT" in *"timer interrupts"*) echo "FAIL: -serial none still printed"; fails=$((fails + 1)) ;; *) passes=$((passes + 1)) ;; esac
tmp=$(mktemp)
check "-serial file:PATH writes COM1 output to the file" 0 $H -bios "$IRQ" -serial "file:$tmp"
if grep -q "100 timer interrupts" "$tmp"; then passes=$((passes + 1)); else echo "FAIL: serial file empty"; fails=$((fails + 1)); fi
rm -f "$tmp"
check "bad -serial is exit 2" 2 $H -serial bogus
check "--until-serial stops once the text appears" 0 $H -bios "$IRQ" --until-serial "100 timer"
case "$LAST_OUT" in *"RTC register"*) echo "FAIL: ran past --until-serial"; fails=$((fails + 1)) ;; *) passes=$((passes + 1)) ;; esac
check "--timeout stops with exit 124" 124 $H -bios "$IRQ" --timeout 0.05 -serial none
expect_text "the timeout is reported" "timeout"
check "an unknown -display is a usage error" 2 $H -display bogus
check "x87 error with CR0.NE=0 arrives as IRQ13 (FERR# latch, port 0xF0)" 0 $H -bios "$BUILD/tests/cli/fpu_irq13.bin"
tmp1=$(mktemp); tmp2=$(mktemp)
$H -bios "$IRQ" --deterministic --trace-int -serial none 2>"$tmp1"
$H -bios "$IRQ" --deterministic --trace-int -serial none 2>"$tmp2"
if [ "$(grep -c 'IRQ' "$tmp1")" -ge 100 ] && cmp -s "$tmp1" "$tmp2"; then
  echo "ok: --deterministic: two runs give identical interrupt logs"; passes=$((passes + 1))
else echo "FAIL: --deterministic interrupt logs differ"; fails=$((fails + 1)); fi
rm -f "$tmp1" "$tmp2"
check "--trace shows the first instructions with capstone" 0 $H --trace - --trace-max 2
expect_text "the reset vector's far jump, linear and physical" "F000:0000FFF0 lin FFFFFFF0 phys FFFFFFF0  EA000000F0            ljmp 0xf000:0"
expect_text "the demo's first instruction" "F000:00000000 lin 000F0000 phys 000F0000  FA                    cli"
check "--trace-int logs the faults of a triple fault" 1 $H -bios "$TF" -no-reboot --trace-int
expect_text "INT 3 beyond the IVT limit raises #GP at the INT" "interrupt 0Dh (exception) at F000:0000000A"
expect_text "then #DF" "interrupt 08h (exception)"
check "--trace-range must be LO-HI" 2 $H --trace-range 100

echo "CLI checks: $passes passed, $fails failed"
[ $fails -eq 0 ]
