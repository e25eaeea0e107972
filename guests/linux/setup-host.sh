#!/bin/sh
# Fetches the stock Linux the board and HVM domains boot in the Linux tests, only if missing:
#   linux-image-686:i386   Debian's i386 kernel (the image package its metapackage depends on)
#   busybox-static:i386    the initramfs's shell and tools (the tests build the initramfs)
# into guests/linux/target/debian/ (vmlinuz, busybox, VERSIONS, and in modules/ the kernel's
# virtio-blk and IDE disk drivers, which are modules in Debian's kernel: the block benchmark's
# QEMU guest loads them). Nothing from Debian is
# committed. The packages are only downloaded and unpacked here (apt-get download, dpkg-deb
# -x), never installed; the i386 architecture is added to dpkg for that. Idempotent and quiet;
# needs root (or sudo) only to add the architecture and refresh the package lists.
set -e

here="$(cd "$(dirname "$0")" && pwd)"
out="$here/target/debian"
# the disk drivers, in the order they load (each after what it depends on)
MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk
scsi_common scsi_mod libata ata_piix crct10dif_common crct10dif_generic crc-t10dif crc64
crc64_rocksoft_generic crc64-rocksoft t10-pi sd_mod"
[ -s "$out/vmlinuz" ] && [ -s "$out/busybox" ] && [ -s "$out/VERSIONS" ] && [ -s "$out/modules/sd_mod.ko" ] && exit 0

if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else SUDO=""; fi
if ! dpkg --print-foreign-architectures | grep -qx i386; then
    echo "guests/linux/setup-host.sh: adding the i386 architecture to dpkg" >&2
    $SUDO dpkg --add-architecture i386
    $SUDO apt-get update -qq >/dev/null
fi
# the kernel image package the metapackage points at (linux-image-686 -> linux-image-6.1.0-N-686)
image=$(apt-cache depends linux-image-686:i386 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -1)
if [ -z "$image" ]; then
    $SUDO apt-get update -qq >/dev/null
    image=$(apt-cache depends linux-image-686:i386 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -1)
fi
[ -n "$image" ] || { echo "guests/linux/setup-host.sh: linux-image-686:i386 not found in the package lists" >&2; exit 1; }

work="$here/target/debian.tmp"
rm -rf "$work"
mkdir -p "$work/x" "$out"
cd "$work"
echo "guests/linux/setup-host.sh: fetching $image:i386 and busybox-static:i386" >&2
apt-get download -q "$image:i386" busybox-static:i386 >/dev/null 2>&1 \
    || { echo "guests/linux/setup-host.sh: apt-get download $image:i386 busybox-static:i386 failed" >&2; exit 1; }
for deb in *.deb; do dpkg-deb -x "$deb" x; done
cp x/boot/vmlinuz-* "$out/vmlinuz"
cp x/bin/busybox "$out/busybox"
mkdir -p "$out/modules"
for m in $MODULES; do
    f=$(find x/lib/modules -name "$m.ko" | head -1)
    [ -n "$f" ] || { echo "guests/linux/setup-host.sh: $m.ko is not in $image" >&2; exit 1; }
    cp "$f" "$out/modules/"
done
{
    dpkg-deb -f "$(ls ${image}_*.deb)" Package Version
    dpkg-deb -f "$(ls busybox-static_*.deb)" Package Version
} > "$out/VERSIONS"
cd "$here"
rm -rf "$work"
