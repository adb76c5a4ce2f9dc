#!/bin/sh
# Build the Linux guests (issue 7) from Debian packages, without installing
# them: Debian's i386 "686" kernel, a static i386 busybox, two initramfs
# images and a bootable CD. Usage: tools/mkguest.sh [OUTDIR] (default
# build/guest). GUEST_SYMBOLS=1 also fetches the kernel's -dbg package
# (762 MB) for the real System.map and vmlinux (Debian's image package only
# has a placeholder System.map).
#
# Outputs in OUTDIR: vmlinuz, initrd.gz (shell guest), workload.gz (bench
# guest), linux.iso (isolinux CD with vmlinuz + initrd.gz), rootfs/ (the
# tree both initramfs images are made from), and with GUEST_SYMBOLS=1
# System.map and vmlinux. The .debs are cached in OUTDIR/debs.
#
# Reproducible: every timestamp is SOURCE_DATE_EPOCH (default: the kernel
# image's mtime in its package), file lists are sorted, owners are 0:0, and
# gzip/cpio/xorriso are told not to record anything of this host or moment.
set -eu
umask 022
export LC_ALL=C

OUT=${1:-build/guest}
DEBS=$OUT/debs
die() { echo "mkguest: error: $*" >&2; exit 1; }
say() { echo "mkguest: $*"; }

for tool in apt-get apt-cache dpkg dpkg-deb cpio gzip xorriso; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool is missing (Debian packages: apt, dpkg, cpio, gzip, xorriso; try make deps)"
done
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo

# apt must know the i386 packages. Only touch the system when it does not:
# adding the architecture and apt-get update need root.
if [ "$(dpkg --print-architecture)" != i386 ] &&
   ! dpkg --print-foreign-architectures | grep -qx i386; then
  say "enabling the i386 architecture in dpkg (dpkg --add-architecture i386)"
  $SUDO dpkg --add-architecture i386 || die "cannot add the i386 architecture"
fi
# linux-image-686 is a metapackage: the kernel is the linux-image-X.Y.Z-NN-686
# it depends on, which changes with each Debian kernel update.
kernel_pkg() {
  apt-cache depends linux-image-686:i386 2>/dev/null |
    sed -n 's/^ *|\{0,1\}Depends: \(linux-image-[0-9][^ ]*-686\)\(:i386\)\{0,1\}$/\1:i386/p' | head -n 1
}
KPKG=$(kernel_pkg)
if [ -z "$KPKG" ]; then
  say "apt-get update (apt has no i386 package lists yet)"
  $SUDO apt-get update -qq || die "apt-get update failed"
  KPKG=$(kernel_pkg)
  [ -n "$KPKG" ] ||
    die "apt knows no linux-image-686:i386: the apt sources need Debian main (bookworm)"
fi

# What apt would fetch now, for all packages at once (each apt call costs
# a second): lines of 'URL' FILE SIZE SHA256:HEX.
URIS=$(apt-get download --print-uris "$KPKG" busybox-static:i386 isolinux syslinux-common) ||
  die "apt cannot locate the packages (apt-get download --print-uris failed)"

# Fetch one package into the cache unless the cached file is the one apt
# would fetch now (same name and SHA256). Prints the .deb's path.
fetch() {
  uri=$(echo "$URIS" | grep "^'[^ ]*' ${1%:*}_" | head -n 1)
  [ -n "$uri" ] || uri=$(apt-get download --print-uris "$1" 2>/dev/null | tail -n 1)
  [ -n "$uri" ] || die "apt cannot locate $1 (apt-get download --print-uris $1 says nothing)"
  set -- "$1" $uri
  file=$DEBS/$3 sum=${5#SHA256:}
  if [ ! -f "$file" ] || [ "$(sha256sum < "$file" | cut -d' ' -f1)" != "$sum" ]; then
    say "downloading $1 ($4 bytes)" >&2
    mkdir -p "$DEBS"
    # As root apt would try to drop to the _apt user, who cannot write here.
    sandbox=""
    [ "$(id -u)" -eq 0 ] && sandbox="-o APT::Sandbox::User=root"
    (cd "$DEBS" && apt-get download -qq $sandbox "$1") >&2 ||
      die "apt-get download $1 failed: check the network and the apt sources"
    [ "$(sha256sum < "$file" | cut -d' ' -f1)" = "$sum" ] ||
      die "$file does not have the SHA256 apt expects"
  fi
  echo "$file"
}

KDEB=$(fetch "$KPKG")
BBDEB=$(fetch busybox-static:i386)
ISODEB=$(fetch isolinux)
SYSDEB=$(fetch syslinux-common)

# Nothing to do when this script and the packages are those of the last
# build (make run and make bench call this every time).
STAMP=$( (cat "$0"; echo "$KDEB $BBDEB $ISODEB $SYSDEB ${SOURCE_DATE_EPOCH:-}") | sha256sum)
if [ "$(cat "$OUT/stamp" 2>/dev/null)" = "$STAMP" ]; then
  all=1
  for f in vmlinuz initrd.gz workload.gz linux.iso rootfs/bin/busybox; do
    [ -e "$OUT/$f" ] || all=0
  done
  [ "${GUEST_SYMBOLS:-0}" = 1 ] &&
    [ "$(cat "$OUT/vmlinux.version" 2>/dev/null)" != "$(basename "$KDEB")" ] && all=0
  [ $all = 1 ] && { say "$OUT is up to date"; exit 0; }
fi
rm -f "$OUT/stamp"

PKGS=$OUT/pkgs
rm -rf "$PKGS"
mkdir -p "$PKGS/kernel" "$PKGS/busybox" "$PKGS/isolinux" "$PKGS/syslinux"
# The kernel package is mostly modules; the guests need none of them.
dpkg-deb --fsys-tarfile "$KDEB" | tar -xf - -C "$PKGS/kernel" ./boot
dpkg-deb -x "$BBDEB" "$PKGS/busybox"
dpkg-deb -x "$ISODEB" "$PKGS/isolinux"
dpkg-deb -x "$SYSDEB" "$PKGS/syslinux"

KIMG=$(ls "$PKGS"/kernel/boot/vmlinuz-* 2>/dev/null | head -n 1)
[ -n "$KIMG" ] || die "no /boot/vmlinuz-* in $KDEB"
KVER=${KIMG##*/vmlinuz-}
: "${SOURCE_DATE_EPOCH:=$(stat -c %Y "$KIMG")}"
export SOURCE_DATE_EPOCH
# Outputs are written beside and renamed into place, so an emulator that
# has the old one open (a test running meanwhile) never reads half a file.
cp "$KIMG" "$OUT/vmlinuz.tmp"
touch -d "@$SOURCE_DATE_EPOCH" "$OUT/vmlinuz.tmp"
mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
say "kernel $KVER from $(basename "$KDEB")"

# The -dbg package is 762 MB: fetched only on request, deleted once its two
# files are out, and not fetched again while they match the kernel.
if [ "${GUEST_SYMBOLS:-0}" = 1 ] &&
   [ "$(cat "$OUT/vmlinux.version" 2>/dev/null)" != "$(basename "$KDEB")" ]; then
  DBGDEB=$(fetch "${KPKG%:i386}-dbg:i386")
  # The two files sit at the start of the archive: --occurrence stops tar
  # there instead of decompressing 3 GB of module debug info.
  rm -rf "$PKGS/dbg" && mkdir -p "$PKGS/dbg"
  dpkg-deb --fsys-tarfile "$DBGDEB" 2>/dev/null |
    tar -xf - -C "$PKGS/dbg" --occurrence \
      "./usr/lib/debug/boot/System.map-$KVER" "./usr/lib/debug/boot/vmlinux-$KVER" || true
  [ -s "$PKGS/dbg/usr/lib/debug/boot/vmlinux-$KVER" ] || die "no vmlinux-$KVER in $DBGDEB"
  mv "$PKGS/dbg/usr/lib/debug/boot/System.map-$KVER" "$OUT/System.map"
  mv "$PKGS/dbg/usr/lib/debug/boot/vmlinux-$KVER" "$OUT/vmlinux"
  basename "$KDEB" > "$OUT/vmlinux.version"
  rm -rf "$PKGS/dbg" "$DBGDEB"
fi

# --- The root file system shared by both initramfs images -----------------
ROOT=$OUT/rootfs
rm -rf "$ROOT"
mkdir -p "$ROOT"
(cd "$ROOT" && mkdir -p bin sbin usr/bin usr/sbin etc/init.d proc sys dev tmp root)
chmod 1777 "$ROOT/tmp"
chmod 700 "$ROOT/root"
cp "$PKGS/busybox/bin/busybox" "$ROOT/bin/busybox"
chmod 755 "$ROOT/bin/busybox"
# The applet list comes from the binary itself (an i386 static binary runs
# on an x86-64 host). --list-full has no side effects.
applets=$("$ROOT/bin/busybox" --list-full) ||
  die "cannot run the i386 busybox on this host (it needs a kernel with IA-32 emulation)"
for a in $applets; do
  [ -e "$ROOT/$a" ] || ln -s /bin/busybox "$ROOT/$a"
done

echo guest > "$ROOT/etc/hostname"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$ROOT/etc/passwd"
printf 'root:x:0:\n' > "$ROOT/etc/group"

# Shell guest: busybox init is PID 1, so poweroff/reboot (which signal PID
# 1) work as on any system; cttyhack gives the shell the console's real tty
# (ttyS0 or tty0) as its controlling terminal, so Ctrl-C and jobs work.
cat > "$ROOT/etc/inittab" <<'EOF'
::sysinit:/etc/init.d/rcS
::respawn:/bin/cttyhack /bin/sh -l
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/sync
EOF
cat > "$ROOT/etc/init.d/rcS" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
hostname -F /etc/hostname
echo
echo "Linux $(uname -r) ($(uname -m)), $(busybox | head -n 1 | cut -d' ' -f1,2)."
echo "This is a busybox shell on $(cat /sys/class/tty/console/active). 'poweroff' powers off."
EOF
cat > "$ROOT/etc/profile" <<'EOF'
export PATH=/sbin:/usr/sbin:/bin:/usr/bin HOME=/root
cd
PS1='\h:\w\$ '
EOF

# The bench workloads, one per line: a name, then a shell command run from /
# (bench/linux.sh runs the same lines natively from rootfs/).
cat > "$ROOT/etc/workloads" <<'EOF'
sha256 dd if=/dev/zero bs=1M count=16 2>/dev/null | sha256sum
gzip dd if=/dev/zero bs=1M count=16 2>/dev/null | gzip -c | wc -c
gzipbin cat bin/busybox bin/busybox | gzip -c | wc -c
awk awk 'BEGIN{s=0;for(i=0;i<1000000;i++){s+=i%7*3};print s}'
EOF
# The workload guest's /init (also runnable from the shell guest).
cat > "$ROOT/bin/workload" <<'EOF'
#!/bin/sh
# Times each line of /etc/workloads in the guest and prints
#   BENCH <name> <seconds>   one per workload, as they finish
#   RESULT <name> <first word of its output>
# between GUEST-BOOTED and GUEST-DONE; as PID 1 it then powers off.
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
if [ $$ = 1 ]; then
  mount -t proc proc /proc
  mount -t sysfs sysfs /sys
  mount -t devtmpfs devtmpfs /dev
fi
echo GUEST-BOOTED
# adjtimex reports the wall clock in microseconds (busybox date has no %N,
# /proc/uptime only centiseconds).
now() { adjtimex | awk '$1 == "time.tv_sec:" { s = $2 } $1 == "time.tv_usec:" { printf "%d.%06d\n", s, $2 }'; }
cd /
results=""
while read -r name cmd; do
  t0=$(now)
  out=$(eval "$cmd" </dev/null)
  t1=$(now)
  echo "BENCH $name $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
  set -- $out
  results="${results}RESULT $name ${1:-<none>}
"
done < /etc/workloads
printf '%s' "$results"
echo GUEST-DONE
if [ $$ = 1 ]; then
  # The serial driver sends from a buffer, at the line's baud rate; power
  # goes at once with -f. Wait until its transmit count has stood still
  # for 0.1 s (longer than a 16-byte FIFO takes at 9600 baud).
  a= b=$(cat /proc/tty/driver/serial 2>/dev/null)
  while [ "$a" != "$b" ]; do
    usleep 100000
    a=$b b=$(cat /proc/tty/driver/serial 2>/dev/null)
  done
  poweroff -f
fi
EOF
chmod 755 "$ROOT/etc/init.d/rcS" "$ROOT/bin/workload"

# A gzip'd newc cpio of a tree, reproducibly. The kernel's built-in
# initramfs already provides /dev/console, so no device node is needed.
mkcpio() {
  find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  (cd "$1" && find . -mindepth 1 | sort |
     cpio --quiet -o -H newc --reproducible --owner=0:0) | gzip -n -9 > "$2.tmp"
  mv "$2.tmp" "$2"
}
STAGE=$OUT/stage
rm -rf "$STAGE"
cp -a "$ROOT" "$STAGE"
ln -s /bin/busybox "$STAGE/init"
mkcpio "$STAGE" "$OUT/initrd.gz"
rm "$STAGE/init"
cp "$ROOT/bin/workload" "$STAGE/init"
mkcpio "$STAGE" "$OUT/workload.gz"
rm -rf "$STAGE"

# --- The CD: isolinux, El Torito no-emulation boot --------------------------
ISO=$OUT/iso
rm -rf "$ISO"
mkdir -p "$ISO/isolinux" "$ISO/boot"
cp "$PKGS/isolinux/usr/lib/ISOLINUX/isolinux.bin" "$ISO/isolinux/" ||
  die "no isolinux.bin in $ISODEB"
cp "$PKGS/syslinux/usr/lib/syslinux/modules/bios/ldlinux.c32" "$ISO/isolinux/" ||
  die "no ldlinux.c32 in $SYSDEB"
cp "$OUT/vmlinuz" "$ISO/boot/vmlinuz"
cp "$OUT/initrd.gz" "$ISO/boot/initrd.gz"
# SERIAL mirrors isolinux's own messages on COM1. No prompt: boot at once;
# the "vga" entry (hold Shift or Alt at boot to get the prompt) puts the
# console on the screen instead.
cat > "$ISO/isolinux/isolinux.cfg" <<'EOF'
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 10
LABEL linux
  KERNEL /boot/vmlinuz
  INITRD /boot/initrd.gz
  APPEND console=ttyS0,115200
LABEL vga
  KERNEL /boot/vmlinuz
  INITRD /boot/initrd.gz
  APPEND console=tty0
EOF
find "$ISO" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
# xorriso takes its volume dates, file dates and UUID from SOURCE_DATE_EPOCH;
# -r records owner 0:0 and rationalised modes, whoever builds.
rm -f "$OUT/linux.iso.tmp"
xorriso -as mkisofs -quiet -o "$OUT/linux.iso.tmp" -V LINUX_GUEST -r \
  -b isolinux/isolinux.bin -c isolinux/boot.cat \
  -no-emul-boot -boot-load-size 4 -boot-info-table "$ISO" 2>&1 |
  grep -v '^xorriso : NOTE : \|^xorriso [0-9.]* : RockRidge\|^$' >&2 || true
[ -s "$OUT/linux.iso.tmp" ] || die "xorriso did not write $OUT/linux.iso"
mv "$OUT/linux.iso.tmp" "$OUT/linux.iso"
rm -rf "$ISO"

(cd "$OUT" && for f in vmlinuz initrd.gz workload.gz linux.iso System.map vmlinux; do
   [ -f "$f" ] && printf '  %-12s %10s bytes  %s\n' "$f" "$(stat -c %s "$f")" \
     "$(sha256sum < "$f" | cut -c1-16)"
 done) || true
echo "$STAMP" > "$OUT/stamp"
say "done: $OUT"
