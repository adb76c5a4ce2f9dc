#!/bin/sh
# tests/multiboot/run.sh BUILD_DIR — boots the Multiboot test kernels in
# BUILD_DIR/tests/multiboot with BUILD_DIR/holo86 -kernel (or ./holo86) and
# checks the clear errors for kernels holo86 must refuse. One line per
# check, then "N passed, N failed"; exit status 0 only if every check passed.
BUILD=${1:-build}
H=$BUILD/holo86
[ -x "$H" ] || H=./holo86
K=$BUILD/tests/multiboot
DIR=$(dirname "$0")
passed=0 failed=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

check() { # description expected-status command...
  desc=$1 want=$2; shift 2
  out=$(timeout 20 "$@" 2>&1 </dev/null); got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $desc: exit $got, expected $want"; echo "$out" | sed 's/^/    /' | head -20
    failed=$((failed + 1))
  else
    echo "ok: $desc"; passed=$((passed + 1))
  fi
  LAST_OUT=$out
}
expect_text() { # description text
  case "$LAST_OUT" in
    *"$2"*) echo "ok: $1"; passed=$((passed + 1)) ;;
    *) echo "FAIL: $1: no '$2' in the output:"; echo "$LAST_OUT" | sed 's/^/    /' | head -20
       failed=$((failed + 1)) ;;
  esac
}
patch_byte() { # file offset octal-byte
  printf "\\$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
u32() { # file offset: the little-endian 32-bit value there
  od -An -tu4 -j"$2" -N4 "$1" | tr -d ' '
}
patch_u32() { # file offset value
  v=$3
  printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $((v & 255)) $((v >> 8 & 255)) $((v >> 16 & 255)) $((v >> 24 & 255)))" |
    dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# (1) machine state, information structure, memory map, command line
check "ELF kernel: machine state and information structure" 0 \
  "$H" -m 32 -kernel "$K/info_elf.elf" -append "hello world=1 -x"
expect_text "the boot magic is in EAX" "EAX = 2BADB002"
expect_text "the command line is the kernel path, then -append" "cmdline: $K/info_elf.elf hello world=1 -x"
expect_text "the memory map has low RAM" "mmap base 0000000000000000 length 000000000009FC00 type 00000001"
expect_text "the memory map reserves 640 KiB-1 MiB" "mmap base 000000000009FC00 length 0000000000060400 type 00000002"
expect_text "the memory map has RAM from 1 MiB" "mmap base 0000000000100000 length 0000000001F00000 type 00000001"
expect_text "the kernel's own checks passed" "multiboot info: all checks passed"

# (2) two modules with their strings
check "ELF kernel with two modules" 0 \
  "$H" -kernel "$K/modules_elf.elf" -initrd "$DIR/module1.txt alpha,,beta 42,$DIR/module2.bin"
expect_text "module 1's string, ',,' a comma" "module 1: $DIR/module1.txt alpha,beta 42"
expect_text "the kernel's module checks passed" "multiboot modules: all checks passed"

# (3) a.out kludge at 2 MiB, BSS, and a reset that boots the kernel again
check "a.out-kludge kernel at 2 MiB, booted again after a triple fault" 0 \
  "$H" -kernel "$K/aout_kludge.bin" --max-insns 50000000
expect_text "the triple fault reset the machine" "resetting the machine"
expect_text "the second boot passed" "second boot after the reset: a.out kludge checks passed"
check "a.out-kludge kernel with -no-reboot stops at the triple fault" 1 \
  "$H" -kernel "$K/aout_kludge.bin" -no-reboot
expect_text "the triple fault is reported" "triple fault at 0008:"

# A hand-written ELF at 256 MiB: boots with enough RAM, refused without.
check "hand-written ELF at 256 MiB with -m 512" 0 "$H" -m 512 -kernel "$K/elf_by_hand.bin"
expect_text "it ran" "ELF kernel at 256 MiB: passed"

# A higher-half kernel: linked (p_vaddr, e_entry) 1 GiB above where it is
# loaded (p_paddr); the entry point is translated to its physical address.
cp "$K/elf_by_hand.bin" "$tmp/higher_half.elf"
patch_u32 "$tmp/higher_half.elf" 24 $(($(u32 "$tmp/higher_half.elf" 24) + 0x40000000))
patch_u32 "$tmp/higher_half.elf" 60 $(($(u32 "$tmp/higher_half.elf" 60) + 0x40000000))
check "ELF with p_vaddr != p_paddr: entry point translated" 0 "$H" -m 512 -kernel "$tmp/higher_half.elf"
expect_text "it ran" "ELF kernel at 256 MiB: passed"

# (4) kernels holo86 must refuse, with a clear error and exit status 1
check "segment outside RAM is refused" 1 "$H" -m 32 -kernel "$K/elf_by_hand.bin"
expect_text "the segment is named" "ELF segment 0 (physical 0x10000000-"
expect_text "the usable RAM is named" "is outside RAM (usable RAM is 0x0-0x9FBFF and 0x100000-0x1FFFFFF with -m 32)"
check "bad checksum is refused" 1 "$H" -kernel "$K/bad_checksum.bin"
expect_text "the checksum is named" "has a bad checksum"
check "video mode request is refused" 1 "$H" -kernel "$K/video_mode.bin"
expect_text "the video mode is named" "kernel requests a video mode (Multiboot flag 2), which holo86 cannot set"
check "unknown required flag is refused" 1 "$H" -kernel "$K/unknown_flag.bin"
expect_text "the unknown bit is named" "unknown required bits 0x0008"
cp "$K/info_elf.elf" "$tmp/elf64.elf" && patch_byte "$tmp/elf64.elf" 4 002
check "64-bit ELF class is refused" 1 "$H" -kernel "$tmp/elf64.elf"
expect_text "the ELF class is named" "64-bit ELF (ELFCLASS64): a Multiboot kernel must be 32-bit ELF"
head -c 5000 "$K/modules_elf.elf" > "$tmp/trunc.elf"
check "truncated ELF is refused" 1 "$H" -kernel "$tmp/trunc.elf"
expect_text "the truncation is named" "truncated ELF file"
head -c 768 "$K/aout_kludge.bin" > "$tmp/trunc.bin"
check "truncated a.out-kludge kernel is refused" 1 "$H" -kernel "$tmp/trunc.bin"
expect_text "the truncation is named" "truncated kernel"
cp "$K/elf_by_hand.bin" "$tmp/nomb.elf" && patch_byte "$tmp/nomb.elf" 84 000
check "ELF without a Multiboot header is refused" 1 "$H" -m 512 -kernel "$tmp/nomb.elf"
expect_text "the missing header is named" "not a Multiboot kernel: this ELF file has no Multiboot header"
head -c 4096 /dev/zero > "$tmp/bzImage" && printf 'HdrS' | dd of="$tmp/bzImage" bs=1 seek=514 conv=notrunc 2>/dev/null
check "a Linux header with a bad protocol is refused" 1 "$H" -kernel "$tmp/bzImage"
expect_text "the protocol is named" "boot protocol 0.00"
check "a text file is not a kernel" 1 "$H" -kernel "$DIR/module1.txt"
expect_text "the problem is named" "not a kernel holo86 can boot"
: > "$tmp/empty"
check "an empty file is not a kernel" 1 "$H" -kernel "$tmp/empty"
expect_text "the problem is named" "the kernel file is empty"
check "missing kernel file" 1 "$H" -kernel "$tmp/no-such-kernel"
expect_text "the file is named" "cannot open $tmp/no-such-kernel"
check "missing module file" 1 "$H" -kernel "$K/modules_elf.elf" -initrd "$tmp/no-such-module arg"
expect_text "the module is named" "cannot open $tmp/no-such-module"

# Usage errors (exit status 2)
check "-append without -kernel" 2 "$H" -append "x"
expect_text "the problem is named" "-append needs -kernel"
check "-initrd without -kernel" 2 "$H" -initrd "$DIR/module1.txt"
expect_text "the problem is named" "-initrd needs -kernel"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
