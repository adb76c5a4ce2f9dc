#!/bin/sh
# Install the Debian packages holo86 builds and tests with. Idempotent:
# quick when everything is there; runs apt-get update only when needed.
set -e
PKGS="gcc make libc6-dev binutils pkg-config zlib1g-dev libcapstone-dev libsdl2-dev
libcriterion-dev libjson-c-dev nasm seabios mtools python3 xvfb xauth tmux gdb
xorriso cpio dosfstools syslinux-common"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $p"
done
[ -z "$missing" ] && { echo "deps: all packages present"; exit 0; }
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
