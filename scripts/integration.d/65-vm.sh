#!/usr/bin/env bash
# Instances that sgswitch boots (issue 16), with examples/vm.yaml: a
# `kind: vm` node with an image and a namespace node. `make guest` builds
# the guest (Debian's kernel, an initramfs of busybox-static, a static
# sgswitch as its agent); it has no network configuration of its own.
# lab up makes its TAP and starts QEMU (TCG without KVM); the guest gets
# its address by DHCP from the VPC services, and `lab check` runs its side
# of the checks through its agent (allow and deny rows both ways). Inside
# the guest, through its agent: its resolver (base+2) resolves a lab node
# name, and IMDSv2 (http-tokens required) gives its instance id, its
# security groups and its user data. lab up again keeps the same QEMU;
# lab down ends it and removes its TAP. Needs root (TAP devices) and QEMU,
# a kernel in /boot and busybox-static (bash scripts/install-deps.sh).
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
lab=examples/vm.yaml

cleanup() {
	set +e
	"$bin" lab down "$lab" >/dev/null 2>&1
	stop_daemon
	rm -rf "$work"
}
trap cleanup EXIT

make -s guest >/dev/null
start_daemon --ec2-listen 127.0.0.1:0 --metrics off --no-flowlogs
start=$(date +%s)
"$bin" lab up "$lab"
pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["procPid"])' /run/sgswitch/owned/proc-vmlab.vm1)

echo "--- lab check (the VM's side through its agent; waits for the guest)"
"$bin" lab check "$lab"
echo "checked $(($(date +%s) - start)) s after lab up"
"$bin" lab console --log vm1 | grep -a 'sgswitch-guest:'
"$bin" lab console --log vm1 | grep -q 'sgswitch-guest: dhcp eth0 198.18.40.40/24 router 198.18.40.1' ||
	fail "the guest did not get its address and router by DHCP"

echo "--- inside the guest: DNS and IMDSv2"
[ "$("$bin" lab guest vm1 resolve client)" = 198.18.40.10 ] || fail "the guest did not resolve the lab name client"
id=$("$bin" lab guest vm1 metadata meta-data/instance-id)
case $id in i-*) ;; *) fail "instance-id: $id" ;; esac
mac=$("$bin" lab guest vm1 metadata meta-data/mac)
sg=$("$bin" lab guest vm1 metadata "meta-data/network/interfaces/macs/$mac/security-group-ids")
want=$("$bin" lab status "$lab" | awk '$1 == "vm1" {print $9}')
[ "$sg" = "$want" ] || fail "security-group-ids $sg, lab status says $want"
[ "$("$bin" lab guest vm1 metadata meta-data/security-groups)" = web ] || fail "security-groups"
"$bin" lab guest vm1 metadata user-data | grep -q 'hello from user-data' || fail "user-data"
echo "resolved client; instance $id, groups $sg (web), user data served with IMDSv2 only"

"$bin" lab up "$lab" >/dev/null
again=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["procPid"])' /run/sgswitch/owned/proc-vmlab.vm1)
[ "$again" = "$pid" ] || fail "lab up again started another QEMU ($pid, then $again)"

"$bin" lab down "$lab"
kill -0 "$pid" 2>/dev/null && fail "QEMU $pid still runs after lab down"
"$bin" host list | grep -q 'lab/vmlab' && fail "lab down left host objects"
echo "ok: VM booted by DHCP, checked through its agent, read DNS and IMDSv2, and went with lab down"
