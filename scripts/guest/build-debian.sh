#!/usr/bin/env bash
# Builds a Debian 12 (bookworm) guest with cloud-init for `kind: vm` labs:
# mmdebstrap makes the root file system in a directory, mke2fs -d turns
# it into an ext4 image without mounting anything, and the kernel and
# initrd are copied out beside it, since the lab boots the kernel directly
# (image: {kernel, initrd, disk, append: root=/dev/vda rw}) and the disk
# has neither partition table nor boot loader.
#
#   build-debian.sh OUT_DIR
#
# OUT_DIR gets vmlinuz, initrd.img and disk.img (raw ext4, sparse), and
# boot.img, a copy of disk.img that examples/cloud-init.yaml boots (the
# guest writes to it; scripts/cloud-init-demo.sh copies it afresh). The
# guest has cloud-init (datasources Ec2 then None, as Debian's EC2 images
# have), linux-image-cloud-amd64, ifupdown with isc-dhcp-client (cloud-
# init's renderer on bookworm), locales and ssh-keygen for cloud-init's
# locale and host-key modules (one key type: generating RSA keys takes
# long under TCG), no root password and no SSH server. Its
# console is the first serial port (console=ttyS0 on the command line).
# Needs root (mmdebstrap keeps file owners) and mmdebstrap
# (apt-get install mmdebstrap); it runs in unshare mode, so its mounts
# are in a mount namespace of its own. Environment: MIRROR (default: the
# host's apt sources), SIZE of the disk (default 2G).
set -euo pipefail

out=${1:?usage: build-debian.sh OUT_DIR}
size=${SIZE:-2G}
die() { echo "build-debian: $*" >&2; exit 1; }
command -v mmdebstrap >/dev/null || die "mmdebstrap not installed (apt-get install mmdebstrap)"
command -v mke2fs >/dev/null || die "mke2fs not installed (apt-get install e2fsprogs)"
[ "$(id -u)" = 0 ] || die "run as root: the image keeps file owners"

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d /tmp/sgs-debian.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root

pkgs=systemd-sysv,udev,dbus,netbase,iproute2,ifupdown,isc-dhcp-client,e2fsprogs,locales,openssh-client,cloud-init,linux-image-cloud-amd64,initramfs-tools,less,procps
mirror=()
[ -n "${MIRROR:-}" ] && mirror=("$MIRROR")

# The customize hooks run outside the chroot with $1 the root directory.
mmdebstrap --mode=unshare --variant=apt --format=directory \
	--include="$pkgs" \
	--customize-hook='echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" > "$1/etc/fstab"' \
	--customize-hook='echo debian > "$1/etc/hostname"' \
	--customize-hook='printf "auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n" > "$1/etc/network/interfaces"' \
	--customize-hook='printf "datasource_list: [ Ec2, None ]\nssh_genkeytypes: [ed25519]\n" > "$1/etc/cloud/cloud.cfg.d/90-sgswitch.cfg"' \
	--customize-hook='chroot "$1" passwd --lock root' \
	--customize-hook='rm -f "$1"/etc/machine-id && touch "$1"/etc/machine-id' \
	--customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
	bookworm "$root" "${mirror[@]}"

# mmdebstrap leaves the host's resolv.conf, whose server the guest cannot
# reach (nothing leaves a lab): each lookup cloud-init makes before the
# OS's DHCP client writes the VPC's resolver would wait for its timeout.
: >"$root/etc/resolv.conf"

kver=$(ls "$root"/boot/vmlinuz-* | sed 's|.*/vmlinuz-||' | sort -V | tail -n1)
[ -n "$kver" ] || die "no kernel in the image"
cp "$root/boot/vmlinuz-$kver" "$out/vmlinuz.tmp"
cp "$root/boot/initrd.img-$kver" "$out/initrd.img.tmp"
rm -f "$out/disk.img.tmp"
mke2fs -q -t ext4 -L debian-root -d "$root" "$out/disk.img.tmp" "$size"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
mv "$out/initrd.img.tmp" "$out/initrd.img"
mv "$out/disk.img.tmp" "$out/disk.img"
cp --sparse=always "$out/disk.img" "$out/boot.img"
echo "build-debian: $out: kernel $kver; disk.img $(du -h --apparent-size "$out/disk.img" | cut -f1) ($(du -h "$out/disk.img" | cut -f1) used)"
