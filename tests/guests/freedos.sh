#!/bin/sh
# Real firmware and real guests: SeaBIOS POSTs, FreeDOS boots from floppy
# images in ../shared/guests/freedos and runs programs whose output is
# checked against values computed here independently (digits of pi, the
# primes below 100). Every run is bounded by --timeout.
BUILD=${1:-build}
H="$BUILD/holo86"
IMG=${FREEDOS_DIR:-../shared/guests/freedos}
passes=0 fails=0
# Sanitizer builds run several times slower: they set TIMEOUT_SCALE.
SCALE=${TIMEOUT_SCALE:-1}
t() { echo $(($1 * SCALE)); }
ok() { echo "ok: $1"; passes=$((passes + 1)); }
bad() { echo "FAIL: $1"; [ -f "$SCREEN" ] && sed '/^$/d' "$SCREEN" | tail -8; fails=$((fails + 1)); }
if [ ! -f "$IMG/freedos-boot-1440k.img" ] || [ ! -f "$IMG/freedos722.img" ]; then
  echo "FreeDOS images not found in $IMG (they live in ../shared, for developers and CI): skipping"
  exit 77
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
SCREEN="$TMP/screen.txt"

# 1. SeaBIOS with nothing to boot says so.
if "$H" -bios roms/bios-256k.bin -serial none --timeout $(t 30) --until-screen "No bootable device" \
    --screen-text "$SCREEN" && grep -q "SeaBIOS (version" "$SCREEN"; then
  ok "SeaBIOS POSTs and reports no bootable device"
else bad "SeaBIOS without media"; fi

# 2. FreeDOS boot floppy: prompt, VER, DIR.
cp "$IMG/freedos-boot-1440k.img" "$TMP/boot.img"
if "$H" -fda "$TMP/boot.img" -serial none --timeout $(t 60) --type 'ver\ndir\n' \
    --until-screen "bytes free" --screen-text "$SCREEN"; then
  grep -q 'A:\\>ver' "$SCREEN" && ok "FreeDOS boots to the A:\\> prompt" || bad "no A:\\> prompt"
  grep -q "FreeCom version" "$SCREEN" && ok "VER shows the FreeDOS shell's version" || bad "VER output"
  grep -q "KERNEL   SYS" "$SCREEN" && ok "DIR lists KERNEL.SYS" || bad "DIR output"
else bad "FreeDOS boot floppy did not finish VER and DIR"; fi

# 3. PI.COM: the digits it prints must be digits of pi.
cp "$IMG/freedos722.img" "$TMP/progs.img"
"$H" -fda "$TMP/progs.img" -serial none --timeout $(t 90) --type 'PI\nREM done\n' \
    --until-screen 'A:\>REM done' --screen-text "$SCREEN"
if python3 - "$SCREEN" <<'PY'
import sys
if hasattr(sys, "set_int_max_str_digits"): sys.set_int_max_str_digits(0)
lines = open(sys.argv[1]).read().split("\n")
digits = "".join(l for l in lines if len(l) >= 60 and l.isdigit())
if len(digits) < 500: sys.exit("too few digits on screen: %d" % len(digits))
# pi by Machin's formula in integer arithmetic, 12000 digits
def arctan_inv(x, one):
    total = term = one // x; x2 = x * x; n = 1; sign = -1
    while term:
        term //= x2; n += 2; total += sign * (term // n); sign = -sign
    return total
one = 10 ** 12010
pi = str(4 * (4 * arctan_inv(5, one) - arctan_inv(239, one)))[:12000]
sys.exit(0 if digits in pi else "screen digits are not a substring of pi")
PY
then ok "PI.COM prints digits of pi"; else bad "PI.COM output"; fi

# 4. PRIMES.EXE writes the primes below 100 to a file; read it back on the
#    host with mtools: the guest's write reached the image.
"$H" -fda "$TMP/progs.img" -serial none --timeout $(t 60) --type 'PRIMES /n:100 /p\nTYPE PRIMES.TXT\nREM done\n' \
    --until-screen 'A:\>REM done' --screen-text "$SCREEN"
grep -q "97" "$SCREEN" && ok "PRIMES.EXE runs and TYPE shows its file" || bad "PRIMES output on screen"
if mtype -i "$TMP/progs.img" ::/PRIMES.TXT > "$TMP/primes.txt" 2>/dev/null && python3 - "$TMP/primes.txt" <<'PY'
import re, sys
found = [int(x) for x in re.findall(r"\d+", open(sys.argv[1], errors="replace").read())]
want = [n for n in range(2, 100) if all(n % d for d in range(2, n))]
sys.exit(0 if all(p in found for p in want) else "primes missing: %s" % [p for p in want if p not in found])
PY
then ok "PRIMES.TXT written by the guest holds every prime below 100 (read with mtools)"
else bad "PRIMES.TXT on the image"; fi

# 5. --trace-io: TYPE CONFIG.SYS must become a read of the 512 bytes of the
#    image file that hold CONFIG.SYS's text (found here by searching the
#    image), preceded by the floppy controller's command bytes.
cp "$IMG/freedos-boot-1440k.img" "$TMP/trace.img"
want=$(python3 -c "import sys; d=open(sys.argv[1],'rb').read(); i=d.find(b'SWITCHES=/N'); print('0x%X' % (i//512*512) if i>=0 else 'none')" "$TMP/trace.img")
"$H" -fda "$TMP/trace.img" -serial none --timeout $(t 60) --type 'type config.sys\nREM done\n' \
    --until-screen 'A:\>REM done' --screen-text "$SCREEN" --trace-io 2> "$TMP/io.trace"
if [ "$want" != none ] && grep -q "^-- disk fd0 read host file offset $want length 512" "$TMP/io.trace" &&
   grep -q "^-- io out  port 03F5 fdc" "$TMP/io.trace"; then
  ok "--trace-io shows TYPE CONFIG.SYS as FDC commands and a read of image offset $want"
else bad "--trace-io disk path (wanted offset $want)"; fi
# ... and the characters TYPE prints as MMIO writes into the VGA text
# buffer: 'S' (0x53) of SWITCHES, alone or with its attribute, in B8000-BFFFF.
if grep -q "^-- mmio write 000B[89A-F][0-9A-F]\{3\} vga  *\([0-9A-F][0-9A-F]\)\{0,1\}53$" "$TMP/io.trace"; then
  ok "--trace-io shows the text reaching the screen as VGA MMIO writes"
else bad "--trace-io MMIO (no VGA text write of 'S')"; fi

# 6. --deterministic: two runs of the same boot and typing give the same
#    interrupt log (every IRQ at the same instruction) and the same screen.
for i in 1 2; do
  cp "$IMG/freedos-boot-1440k.img" "$TMP/det$i.img"
  "$H" -fda "$TMP/det$i.img" --deterministic -serial none --timeout $(t 60) --type 'ver\ndir\n' \
      --until-screen "bytes free" --screen-text "$TMP/det$i.txt" --trace-int 2>&1 | cksum > "$TMP/det$i.sum"
done
if cmp -s "$TMP/det1.sum" "$TMP/det2.sum" && cmp -s "$TMP/det1.txt" "$TMP/det2.txt" &&
   grep -q "KERNEL   SYS" "$TMP/det1.txt"; then
  ok "--deterministic: two FreeDOS runs give identical interrupt logs and screens"
else bad "--deterministic FreeDOS runs differ"; fi

# 7. A hard disk made here boots from -hda, and what the guest writes to it
#    is read back on the host with mtools. Neither FreeDOS image carries
#    SYS.COM or FDISK, so the disk is put together on the host with Debian
#    tools, doing what FDISK, FORMAT and SYS C: would do:
#    - 20 cylinders x 16 heads x 63 sectors (9.8 MiB): the geometry holo86's
#      IDE disk reports for that size (IDENTIFY words 1/3/6) and SeaBIOS uses;
#    - master boot code: syslinux-common's mbr.bin (finds the active
#      partition, loads its first sector, passes the BIOS drive in DL);
#    - one active FAT12 partition (type 01) from sector 63 to the end, the
#      entry written here with CHS values for that geometry (sfdisk would
#      assume 255 heads, and FreeDOS's kernel then calls the partition
#      "suspect");
#    - the partition formatted by mkfs.fat (FAT12, because the boot code on the
#      FreeDOS floppy is the FAT12 variant) with 63 hidden sectors;
#    - the FreeDOS boot sector installed as SYS does it: jump and OEM name
#      (bytes 0-10) and boot code (62-511) from the floppy's boot sector, BPB
#      (11-61) from the new filesystem, drive number 0xFF ("use DL from the
#      BIOS", SYS's value for a hard disk); the boot code reads through INT 13h
#      extensions when the BIOS has them, otherwise CHS from the BPB;
#    - KERNEL.SYS, COMMAND.COM and AUTOEXEC.BAT copied from the floppy with
#      mtools, and its CONFIG.SYS with SHELL=A:\ changed to C:\.
#    No floppy is attached to the boot. The guest echoes a line into C:\OUT.TXT
#    and COPY /B concatenates COMMAND.COM and KERNEL.SYS into C:\SUB\BIG.BIN
#    (111540 bytes over several clusters); afterwards mtools must read both
#    back exactly, the files put there by the host must be unchanged, and
#    fsck.fat must find the filesystem clean (no lost clusters, FATs agree).
PATH="$PATH:/usr/sbin:/sbin"
MBR=/usr/lib/syslinux/mbr/mbr.bin
HD="$TMP/hd.img" P=63 CYLS=20
OFF=$((P * 512))
mkhd() {
  mcopy -n -i "$IMG/freedos-boot-1440k.img" ::KERNEL.SYS ::COMMAND.COM ::AUTOEXEC.BAT "$TMP/" &&
  mtype -i "$IMG/freedos-boot-1440k.img" ::CONFIG.SYS | sed 's/=A:\\/=C:\\/' > "$TMP/CONFIG.SYS" &&
  grep -q 'SHELL=C:' "$TMP/CONFIG.SYS" &&
  rm -f "$HD" && truncate -s $((CYLS * 16 * 63 * 512)) "$HD" &&
  dd if="$MBR" of="$HD" bs=440 count=1 conv=notrunc status=none &&
  python3 - "$HD" $P $CYLS <<'PY' &&
import struct, sys
path, start, cyls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
H, S = 16, 63
end = cyls * H * S - 1
def chs(lba):
    c, r = divmod(lba, H * S); h, s = divmod(r, S)
    return bytes([h, (s + 1) | (c >> 8) << 6, c & 0xFF])
entry = bytes([0x80]) + chs(start) + bytes([0x01]) + chs(end) + struct.pack("<II", start, end + 1 - start)
with open(path, "r+b") as f:
    f.seek(446); f.write(entry + bytes(48) + b"\x55\xaa")
PY
  mkfs.fat -F 12 -s 8 --offset=$P -h $P -g 16/63 -n FREEDOS -i 20240501 "$HD" > /dev/null &&
  python3 - "$IMG/freedos-boot-1440k.img" "$HD" $OFF <<'PY' &&
import sys
fd, hd, off = sys.argv[1], sys.argv[2], int(sys.argv[3])
boot = open(fd, "rb").read(512)
assert boot[3:11] == b"FreeDOS " and boot[54:62] == b"FAT12   " and boot[510:] == b"\x55\xaa", "floppy boot sector"
with open(hd, "r+b") as f:
    f.seek(off); bpb = f.read(512)
    assert bpb[54:62] == b"FAT12   ", "new filesystem is not FAT12"
    new = bytearray(boot[:11] + bpb[11:62] + boot[62:])
    new[0x24] = 0xFF
    f.seek(off); f.write(new)
PY
  mcopy -i "$HD@@$OFF" "$TMP/KERNEL.SYS" "$TMP/COMMAND.COM" "$TMP/AUTOEXEC.BAT" "$TMP/CONFIG.SYS" ::
}
if ! command -v mkfs.fat > /dev/null || ! command -v fsck.fat > /dev/null || [ ! -f "$MBR" ]; then
  bad "hard disk: needs mkfs.fat and fsck.fat (dosfstools) and $MBR (syslinux-common): make deps"
elif ! mkhd; then
  bad "hard disk: making the image failed"
else
  rm -f "$SCREEN"
  "$H" -hda "$HD" -boot c -serial none --timeout "$(t 120)" \
      --type 'echo Written by FreeDOS on C:> C:\OUT.TXT\nmd C:\SUB\ncopy /b C:\COMMAND.COM+C:\KERNEL.SYS C:\SUB\BIG.BIN\nREM done\n' \
      --until-screen 'C:\>REM done' --screen-text "$SCREEN"
  grep -q 'C:\\>echo Written' "$SCREEN" && ok "FreeDOS boots from the -hda image made here to the C:\\> prompt" ||
    bad "no C:\\> prompt from the hard disk"
  printf 'Written by FreeDOS on C:\r\n' > "$TMP/out.want"
  mtype -i "$HD@@$OFF" ::/OUT.TXT > "$TMP/out.got" 2> /dev/null
  cmp -s "$TMP/out.want" "$TMP/out.got" && ok "C:\\OUT.TXT written by the guest reads back exactly with mtools" ||
    bad "C:\\OUT.TXT on the hard disk"
  cat "$TMP/COMMAND.COM" "$TMP/KERNEL.SYS" > "$TMP/big.want"
  rm -f "$TMP/big.got" "$TMP/k.got" "$TMP/c.got"
  mcopy -n -i "$HD@@$OFF" ::/SUB/BIG.BIN "$TMP/big.got" 2> /dev/null
  mcopy -n -i "$HD@@$OFF" ::/KERNEL.SYS "$TMP/k.got" 2> /dev/null
  mcopy -n -i "$HD@@$OFF" ::/COMMAND.COM "$TMP/c.got" 2> /dev/null
  dd if="$HD" of="$TMP/part.img" bs=512 skip=$P status=none
  if cmp -s "$TMP/big.want" "$TMP/big.got" && cmp -s "$TMP/KERNEL.SYS" "$TMP/k.got" &&
     cmp -s "$TMP/COMMAND.COM" "$TMP/c.got" && fsck.fat -n "$TMP/part.img" > "$TMP/fsck.txt" 2>&1; then
    ok "C:\\SUB\\BIG.BIN ($(wc -c < "$TMP/big.got") bytes, COPY /B by the guest) matches on the host; fsck.fat: clean"
  else
    bad "hard-disk contents after the guest's writes"; cat "$TMP/fsck.txt" 2> /dev/null
  fi
fi

echo "FreeDOS checks: $passes passed, $fails failed"
[ $fails -eq 0 ]
