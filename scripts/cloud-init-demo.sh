#!/usr/bin/env bash
# Boots examples/cloud-init.yaml against a private daemon and shows what
# issue 16 asks of a cloud image: cloud-init (Debian 12's) recognises EC2
# from the SMBIOS identity, reads IMDSv2 (http-tokens required) and applies
# the user data: the hostname, and a runcmd that writes a marker to the
# serial console. Then lab down, leaving nothing. Not part of `make test`:
# under TCG a Debian boot takes minutes of CPU. `make cloud-init-demo`
# runs it; the guest comes from `make debian-guest`.
#
# After lab down it reads the guest's /var/log/cloud-init.log out of the
# disk image with debugfs (no mount) into examples/guest-debian/, and lists
# any metadata request that failed. Environment: TIMEOUT in seconds for
# cloud-init to finish (default 900).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/integration.sh
need_root "TAP devices, QEMU"
need_sgswitch run lab
timeout=${TIMEOUT:-900}
guest=examples/guest-debian
lab=examples/cloud-init.yaml
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64 (apt-get install qemu-system-x86)"; exit 1; }
for f in vmlinuz initrd.img disk.img; do
	[ -f "$guest/$f" ] || { echo "no $guest/$f: make debian-guest first"; exit 1; }
done
work=$(mktemp -d /tmp/sgs-cloudinit.XXXXXX)
export SGSWITCH_SOCKET=$work/admin.sock SGSWITCH_STATE_DIR=$work/state
daemon_pid=

cleanup() {
	set +e
	"$bin" lab down "$lab" >/dev/null 2>&1
	stop_daemon
	rm -rf "$work"
}
trap cleanup EXIT

# cloud-init runs user data once per instance id, and the lab's instance
# id is the same at every boot: boot a fresh copy of the built disk.
cp --sparse=always "$guest/disk.img" "$guest/boot.img"

start_daemon --ec2-listen 127.0.0.1:0 --metrics off --no-flowlogs
start=$(date +%s)
"$bin" lab up "$lab"
pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["procPid"])' /run/sgswitch/owned/proc-cloudinit.debian1)
accel=$(head -n 1 "$work/state/vm/cloudinit/debian1/qemu.log" 2>/dev/null || true)
echo "--- QEMU $pid ($accel); waiting (at most $timeout s) for cloud-init on the serial console"
log() { "$bin" lab console --log debian1; }
finished=
while [ $(($(date +%s) - start)) -lt "$timeout" ]; do
	kill -0 "$pid" 2>/dev/null || { log | tail -n 30; fail "QEMU ended"; }
	if log | grep -aq 'Cloud-init v\. .* finished at'; then
		finished=$(($(date +%s) - start))
		break
	fi
	sleep 10
done
[ -n "$finished" ] || { log | tail -n 40; fail "cloud-init did not finish within $timeout s"; }
sleep 5 # the login prompt follows
echo "--- cloud-init finished $finished s after lab up; from the console:"
log | grep -a -e 'Cloud-init v\.' -e 'SGSWITCH-RUNCMD' -e ' login:' -e 'Linux version' | sed 's/\r$//'
log | grep -aq 'finished at .*Datasource DataSourceEc2' || fail "cloud-init did not use the EC2 datasource"
log | grep -aq 'SGSWITCH-RUNCMD-OK hostname=sgswitch-debian1 instance=i-' ||
	fail "runcmd did not run, or the hostname or instance id was not applied"
log | grep -aq '^sgswitch-debian1 login:' || echo "note: no login prompt with the new hostname yet"

"$bin" lab down "$lab"
kill -0 "$pid" 2>/dev/null && fail "QEMU $pid still runs after lab down"
"$bin" host list | grep -q 'lab/cloudinit' && fail "lab down left host objects"
ip netns list | grep -q cloudinit && fail "lab down left a namespace"
echo "lab down left nothing (host list, ip netns list)"

# QEMU ended without unmounting: replay the journal of our copy (e2fsck
# on the image file, nothing mounted), then read the log with debugfs.
rc=0
command -v debugfs >/dev/null || rc=127
[ "$rc" != 0 ] || e2fsck -fy "$guest/boot.img" >/dev/null 2>&1 || rc=$?
if [ "$rc" -ge 4 ]; then
	echo "not reading the guest's log: debugfs missing or e2fsck exit $rc"
else
	debugfs -R 'cat /var/log/cloud-init.log' "$guest/boot.img" >"$guest/cloud-init.log" 2>/dev/null || true
	echo "--- the guest's cloud-init log: $guest/cloud-init.log ($(wc -l <"$guest/cloud-init.log") lines)"
	echo "metadata requests answered 200: $(grep -a -c 'url_helper.*Read from .*(200,' "$guest/cloud-init.log" || true)"
	echo "failed requests, slow lookups, warnings:"
	grep -a -e 'url_helper.*\(404\|Not Found\|HTTPError\|Timeout\|Connection\)' -e 'Resolving URL: .* took [1-9][0-9]*\.' \
		-e '\[WARNING\]' "$guest/cloud-init.log" | cut -c1-200 | head -n 40 || echo "(none)"
fi
echo "ok: cloud-init used the EC2 datasource, set the hostname and ran runcmd ($finished s after lab up; $accel)"
