#!/usr/bin/env bash
# Builds a tiny guest for `kind: vm` labs and tests from what Debian
# installs: the kernel of linux-image-amd64 and an initramfs made here from
# busybox-static, with the virtio modules the guest needs.
#
#   build-initramfs.sh OUT_DIR [SGSWITCH_BINARY]
#
# OUT_DIR gets vmlinuz and initrd.img. SGSWITCH_BINARY, when given, is
# copied in as /sbin/sgswitch-agent (a static build: the guest has no libc)
# and /init runs it as the in-guest agent; without it /init starts a shell
# on the console. Root is not needed. Environment: KVER picks the kernel
# (default: the newest in /boot).
set -euo pipefail

out=${1:?usage: build-initramfs.sh OUT_DIR [SGSWITCH_BINARY]}
agent=${2:-}
busybox=/bin/busybox

die() { echo "build-initramfs: $*" >&2; exit 1; }

kver=${KVER:-$(ls /boot/vmlinuz-* 2>/dev/null | sed 's|/boot/vmlinuz-||' | sort -V | tail -n1)}
[ -n "$kver" ] || die "no kernel in /boot (apt-get install linux-image-amd64)"
kernel=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver
[ -r "$kernel" ] || die "$kernel is not readable (run as root, or chmod o+r it)"
[ -f "$moddir/modules.dep" ] || die "$moddir/modules.dep missing"
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' || die "$busybox is not static (apt-get install busybox-static)"
[ -z "$agent" ] || [ -x "$agent" ] || die "agent binary $agent is not executable"
command -v cpio >/dev/null || die "cpio not installed"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,dev,proc,sys,run,tmp,etc,lib/modules,usr/share/udhcpc}
cp "$busybox" "$root/bin/busybox"
for a in $("$busybox" --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done

# Modules, dependencies first, in the order /init loads them. The list in
# modules.dep is the module's dependencies, nearest first, so walking it
# recursively before the module gives a valid load order. Compressed
# modules are unpacked here: busybox's insmod only reads plain .ko files.
order=()
add_module() { # $1: path relative to $moddir as modules.dep writes it
	local m=$1 d
	for d in "${order[@]}"; do [ "$d" = "$m" ] && return; done
	for d in $(awk -v m="$m:" '$1 == m { $1 = ""; print }' "$moddir/modules.dep"); do
		add_module "$d"
	done
	order+=("$m")
}
for want in virtio_pci virtio_net virtio_console; do
	path=$(awk -F: -v w="$want" '{ n = $1; sub(/.*\//, "", n); sub(/\.ko(\.(xz|zst|gz))?$/, "", n); if (n == w) { print $1; exit } }' "$moddir/modules.dep")
	if [ -z "$path" ]; then
		# Built into the kernel: nothing to load.
		grep -q "/$want.ko" "$moddir/modules.builtin" 2>/dev/null || die "module $want neither in modules.dep nor built in"
		continue
	fi
	add_module "$path"
done
: >"$root/etc/modules"
for m in "${order[@]}"; do
	base=$(basename "$m")
	case $m in
	*.ko) cp "$moddir/$m" "$root/lib/modules/$base" ;;
	*.ko.xz) xz -dc "$moddir/$m" >"$root/lib/modules/${base%.xz}"; base=${base%.xz} ;;
	*.ko.zst) zstd -qdc "$moddir/$m" >"$root/lib/modules/${base%.zst}"; base=${base%.zst} ;;
	*.ko.gz) gzip -dc "$moddir/$m" >"$root/lib/modules/${base%.gz}"; base=${base%.gz} ;;
	*) die "unknown module file $m" ;;
	esac
	echo "$base" >>"$root/etc/modules"
done

if [ -n "$agent" ]; then
	cp "$agent" "$root/sbin/sgswitch-agent"
fi

cat >"$root/usr/share/udhcpc/default.script" <<'SCRIPT'
#!/bin/sh
# udhcpc hook: applies the lease (address, router, DNS) to $interface.
case "$1" in
deconfig)
	ip -4 addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound|renew)
	ip -4 addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	for r in $router; do
		ip route replace default via "$r" dev "$interface"
		break
	done
	: >/etc/resolv.conf
	[ -n "$domain" ] && echo "search $domain" >>/etc/resolv.conf
	for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done
	echo "sgswitch-guest: dhcp $interface $ip/${mask:-24} router ${router:-none}"
	;;
esac
exit 0
SCRIPT
chmod 755 "$root/usr/share/udhcpc/default.script"

cat >"$root/init" <<'INIT'
#!/bin/sh
# The guest's init: the console shows each step; tests wait for the
# "sgswitch-guest:" markers.
export PATH=/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
echo "sgswitch-guest: init started"
while read -r m; do
	insmod "/lib/modules/$m" || echo "sgswitch-guest: insmod $m failed"
done </etc/modules
# virtio-serial ports appear under /dev/virtio-ports by name through
# udev on a full system; here their name is read from sysfs.
mkdir -p /dev/virtio-ports
for p in /sys/class/virtio-ports/*; do
	[ -r "$p/name" ] && ln -sf "/dev/${p##*/}" "/dev/virtio-ports/$(cat "$p/name")"
done
ip link set lo up
ip link set eth0 up && echo "sgswitch-guest: eth0 up"
[ -e /dev/virtio-ports/sgswitch.agent ] && echo "sgswitch-guest: agent port present"
udhcpc -i eth0 -t 5 -T 2 -n -q -s /usr/share/udhcpc/default.script ||
	echo "sgswitch-guest: no DHCP lease on eth0"
if [ -x /sbin/sgswitch-agent ] && [ -e /dev/virtio-ports/sgswitch.agent ]; then
	echo "sgswitch-guest: starting agent"
	/sbin/sgswitch-agent agent --port /dev/virtio-ports/sgswitch.agent &
fi
echo "sgswitch-guest: ready"
while :; do
	setsid cttyhack sh
done
INIT
chmod 755 "$root/init"

mkdir -p "$out"
cp "$kernel" "$out/vmlinuz"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -9 >"$out/initrd.img"
echo "build-initramfs: $out/vmlinuz ($kver) and $out/initrd.img (modules: $(tr '\n' ' ' <"$root/etc/modules"))"
