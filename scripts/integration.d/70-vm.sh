#!/usr/bin/env bash
# Instances that sgswitch boots (issue 16): a lab with a `kind: vm` node
# that names an image. lab up makes its TAP and starts QEMU (TCG without
# KVM); the guest built by scripts/guest/build-initramfs.sh reaches the
# end of its init (its console log says so) and its frames reach the
# switch; lab up again keeps the same QEMU; lab down ends it and removes
# its TAP. Needs root (TAP devices) and QEMU, a kernel in /boot and
# busybox-static (bash scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh
need_root "TAP devices, QEMU"
need_sgswitch run lab
command -v qemu-system-x86_64 >/dev/null || { echo "skip: no qemu-system-x86_64 (apt-get install qemu-system-x86)"; exit 77; }
ls /boot/vmlinuz-* >/dev/null 2>&1 || { echo "skip: no kernel in /boot (apt-get install linux-image-amd64)"; exit 77; }
work=$(mktemp -d /tmp/sgs-vm.XXXXXX)
export SGSWITCH_SOCKET=$work/admin.sock SGSWITCH_STATE_DIR=$work/state
daemon_pid=

cleanup() {
	set +e
	"$bin" lab down "$work/vm.yaml" >/dev/null 2>&1
	stop_daemon
	rm -rf "$work"
}
trap cleanup EXIT

scripts/guest/build-initramfs.sh "$work/guest"
echo '#cloud-config' >"$work/guest/user-data"
cat >"$work/vm.yaml" <<'LAB'
name: sgvmit
subnet: 198.18.31.0/24
topology:
  nodes:
    client: {ip: 198.18.31.10}
    vm1:
      kind: vm
      ip: 198.18.31.40
      image: {kernel: guest/vmlinuz, initrd: guest/initrd.img}
      memory: 256M
      user-data: guest/user-data
      metadata: {http-tokens: required}
LAB

start_daemon --ec2-listen 127.0.0.1:0 --metrics off --no-flowlogs
start=$(date +%s)
"$bin" lab up "$work/vm.yaml"
pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["procPid"])' /run/sgswitch/owned/proc-sgvmit.vm1)
for _ in $(seq 180); do
	"$bin" lab console --log vm1 2>/dev/null | grep -q 'sgswitch-guest: ready' && break
	sleep 1
done
"$bin" lab console --log vm1 | grep -a 'sgswitch-guest:' || true
"$bin" lab console --log vm1 | grep -q 'sgswitch-guest: eth0 up' || fail "the guest did not bring eth0 up"
"$bin" lab console --log vm1 | grep -q 'sgswitch-guest: ready' || fail "the guest did not reach the end of its init"
echo "guest ready $(($(date +%s) - start)) s after lab up"
eni=$("$bin" lab status "$work/vm.yaml" | awk '$1 == "vm1" {print $2}')
rx=$("$bin" eni stats "$eni" | awk '$1 == "rx_frames:" {print $2}')
[ "${rx:-0}" -gt 0 ] || fail "no frame from the guest reached the switch"

"$bin" lab up "$work/vm.yaml" >/dev/null
again=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["procPid"])' /run/sgswitch/owned/proc-sgvmit.vm1)
[ "$again" = "$pid" ] || fail "lab up again started another QEMU ($pid, then $again)"

"$bin" lab down "$work/vm.yaml"
kill -0 "$pid" 2>/dev/null && fail "QEMU $pid still runs after lab down"
"$bin" host list | grep -q 'lab/sgvmit' && fail "lab down left host objects"
echo "ok: VM booted, reached the switch, and went with lab down"
