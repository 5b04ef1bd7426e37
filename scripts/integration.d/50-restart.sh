#!/usr/bin/env bash
# Restart test: build a lab, kill -9 the daemon mid-lab, start it again on
# the same state directory; the state (groups, ENI ids, MACs, wiring) must be
# intact and the lab's checks must pass again. Needs root (namespaces, TAP).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then
	echo "skip: needs root (network namespaces, TAP devices)"
	exit 77
fi
bin=${SGSWITCH_BIN:-bin/sgswitch}
[ -x "$bin" ] || go build -o "$bin" ./cmd/sgswitch
for sub in run lab; do
	if ! "$bin" "$sub" --help >/dev/null 2>&1; then
		echo "skip: this build has no 'sgswitch $sub'"
		exit 77
	fi
done
labfile=daemon/testdata/restart.yaml
lab=sgrst
work=$(mktemp -d /tmp/sgs-restart.XXXXXX)
export SGSWITCH_SOCKET=$work/admin.sock
daemon_pid=

start_daemon() {
	"$bin" run --state-dir "$work/state" --socket "$SGSWITCH_SOCKET" \
		--ec2-listen 127.0.0.1:18775 >>"$work/daemon.log" 2>&1 &
	daemon_pid=$!
	for _ in $(seq 100); do
		[ -S "$SGSWITCH_SOCKET" ] && curl -sf --unix-socket "$SGSWITCH_SOCKET" http://d/v1/status >/dev/null && return 0
		kill -0 "$daemon_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "daemon did not start:"; cat "$work/daemon.log"
	return 1
}

lab_json() { curl -sf --unix-socket "$SGSWITCH_SOCKET" "http://d/v1/labs/$lab"; }

# ec2 ACTION [PARAMS]: one EC2 Query API call; the request id is dropped so
# that answers compare across calls.
ec2() {
	curl -sf -X POST -d "Action=$1&Version=2016-11-15${2:+&$2}" http://127.0.0.1:18775/ |
		sed 's|<requestId>[^<]*</requestId>||'
}

cleanup() {
	set +e
	if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		"$bin" lab down "$labfile" >/dev/null 2>&1
		kill "$daemon_pid"; wait "$daemon_pid"
	fi
	for ns in $(ip netns list | awk '{print $1}' | grep "^$lab-"); do ip netns del "$ns"; done
	rm -rf "$work"
}
trap cleanup EXIT

start_daemon
"$bin" lab up "$labfile"
"$bin" lab check "$labfile"
# A change made over the EC2 API must survive too.
ec2 CreateSecurityGroup "GroupName=rst-extra&GroupDescription=made+over+EC2" | grep -q '<groupId>sg-'
lab_json >"$work/before.json"
ec2 DescribeSecurityGroups >"$work/before.xml"
grep -q '"attached": true' "$work/before.json"
grep -q rst-extra "$work/before.xml"

echo "--- kill -9 the daemon (pid $daemon_pid) with the lab up"
kill -9 "$daemon_pid"
wait "$daemon_pid" 2>/dev/null || true
daemon_pid=
# With the switch gone the allowed path is cut: the checks must fail now,
# which shows that passing after the restart is the restored switch's doing.
if "$bin" lab check --timeout 500ms "$labfile" >/dev/null 2>&1; then
	echo "lab checks passed with the daemon dead"; exit 1
fi

start_daemon
lab_json >"$work/after.json"
ec2 DescribeSecurityGroups >"$work/after.xml"
if ! cmp -s "$work/before.xml" "$work/after.xml"; then
	echo "security groups changed across the restart:"
	diff "$work/before.xml" "$work/after.xml" || true
	exit 1
fi
if ! cmp -s "$work/before.json" "$work/after.json"; then
	echo "lab state changed across the restart:"
	diff "$work/before.json" "$work/after.json" || true
	exit 1
fi
if grep -q '"attached": false' "$work/after.json"; then
	echo "ports not re-attached after the restart:"; cat "$work/after.json"; exit 1
fi
"$bin" lab check "$labfile"

echo "--- lab down, then a clean stop"
"$bin" lab down "$labfile"
if ip netns list | grep -q "^$lab-"; then
	echo "namespaces left after lab down:"; ip netns list; exit 1
fi
kill "$daemon_pid"
wait "$daemon_pid"
daemon_pid=
echo "restart: ok"
