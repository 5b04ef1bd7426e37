#!/usr/bin/env bash
# Host safety, as a user meets it (issue "Host safety and one owner for
# host setup"):
#  - on a fresh /run/netns, sgswitch and `ip netns` interleave in either
#    order (run in a private mount namespace with an empty tmpfs on /run,
#    so the machine's own /run is never touched);
#  - `lab down` with a daemon running ends the processes inside the lab;
#  - a namespace another tool made under a lab's name is neither used nor
#    removed, and the refused lab leaves nothing;
#  - node names that could collide across labs, and host interfaces the
#    host uses, are refused with the reason.
# Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh
need_root "network namespaces, mounts"
need_sgswitch run lab
bin=$(realpath "$bin")
work=$(mktemp -d /tmp/sgs-safety.XXXXXX)
export SGSWITCH_SOCKET=$work/admin.sock SGSWITCH_STATE_DIR=$work/state
daemon_pid= sleeper=
# examples/conntrack.yaml without its scenarios, which need the virtual
# clock: this script's daemons run on the real one.
lab=$work/conntrack.yaml
sed -e '/^clock: virtual$/d' -e '/^scenarios:/,$d' examples/conntrack.yaml >"$lab"

cleanup() {
	set +e
	"$bin" lab down "$lab" >/dev/null 2>&1
	[ -n "$sleeper" ] && kill -9 "$sleeper" 2>/dev/null
	ip netns del conntrack-server 2>/dev/null
	if [ -n "$daemon_pid" ]; then kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; fi
	[ -s "$work/daemon.log" ] && { echo "--- daemon log (tail)"; tail -n 20 "$work/daemon.log"; }
	rm -rf "$work"
}
trap cleanup EXIT

echo "--- a fresh /run/netns: sgswitch and ip netns interleave, in either order"
for first in sgswitch iproute2; do
	echo "=== $first first"
	SGS_FIRST=$first unshare --mount --propagation private bash -euo pipefail -c '
		mount -t tmpfs -o mode=0755 tmpfs /run
		test ! -e /run/netns
		export SGSWITCH_SOCKET=/run/sgs-admin.sock SGSWITCH_STATE_DIR='"$work"'/fresh-$SGS_FIRST
		trap "[ -s /run/sgs-pid ] && kill \$(cat /run/sgs-pid) 2>/dev/null" EXIT
		if [ "$SGS_FIRST" = iproute2 ]; then ip netns add x; fi
		'"$bin"' lab up '"$lab"' 2>/run/up.err
		sed -n "s/.*started daemon (pid \([0-9]*\).*/\1/p" /run/up.err >/run/sgs-pid
		if [ "$SGS_FIRST" = sgswitch ]; then ip netns add x; fi
		ip netns list 2>&1 | tee /run/list
		! grep -q invalid /run/list
		ip netns del x
		'"$bin"' lab down '"$lab"'
		ip netns add y
		ip netns list 2>&1 | tee /run/list
		! grep -q invalid /run/list
		ip netns del y
		test -z "$(ls /run/netns)"
	'
done

start_daemon --ec2-listen 127.0.0.1:18779

echo "--- lab down (daemon running) ends the processes inside the lab"
"$bin" lab up "$lab" >/dev/null
ip netns exec conntrack-admin sh -c 'trap "" TERM; while :; do sleep 1; done' &
sleeper=$!
sleep 0.3
"$bin" lab down "$lab"
for _ in $(seq 50); do kill -0 "$sleeper" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$sleeper" 2>/dev/null; then echo "a process outlived lab down"; exit 1; fi
sleeper=

echo "--- a namespace another tool made is neither used nor removed"
ip netns add conntrack-server
if "$bin" lab up "$lab" 2>"$work/err"; then
	echo "lab up took a namespace it did not make"; exit 1
fi
cat "$work/err"
grep -q "conntrack-server exists and was not made by sgswitch" "$work/err"
ip netns list | grep -q "^conntrack-server" || { echo "the foreign namespace was removed"; exit 1; }
left=$(ip netns list | awk '{print $1}' | grep '^conntrack-' | grep -v '^conntrack-server$' || true)
[ -z "$left" ] || { echo "the refused lab left: $left"; exit 1; }
"$bin" lab down "$lab" >/dev/null
ip netns list | grep -q "^conntrack-server" || { echo "lab down removed the foreign namespace"; exit 1; }
ip netns del conntrack-server

echo "--- names that could collide, and interfaces the host uses, are refused"
printf 'name: secc\nsubnet: 198.18.0.0/24\ntopology:\n  nodes:\n    x-y: {ip: 198.18.0.10}\n' >"$work/secc.yaml"
if "$bin" lab up "$work/secc.yaml" 2>"$work/err"; then echo "node x-y accepted"; exit 1; fi
cat "$work/err"; grep -q 'node name "x-y"' "$work/err"
printf 'name: vmlo\nsubnet: 198.18.0.0/24\ntopology:\n  nodes:\n    vm: {ip: 198.18.0.10, kind: vm, interface: lo}\n' >"$work/vmlo.yaml"
if "$bin" lab up "$work/vmlo.yaml" 2>"$work/err"; then echo "kind: vm on lo accepted"; exit 1; fi
cat "$work/err"; grep -q 'loopback' "$work/err"
"$bin" lab down "$work/vmlo.yaml" >/dev/null
echo "host safety: ok"
