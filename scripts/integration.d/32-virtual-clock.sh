#!/usr/bin/env bash
# The virtual clock (issue 17): a daemon run with --clock virtual, a
# tracked TCP flow (tcp 22 from the client's /32, testbed/testdata/
# revoke.yaml) whose rule is revoked while it is open. EC2 keeps a tracked
# flow alive after its rule goes until it has been idle for the TCP
# established timeout (432,000 s, five days, by default): `sgswitch clock
# advance` jumps 431,000 s (the flow is still tracked), then 2,000 s more
# (it expired: the next packet of the same connection is judged by the
# rules of now and dropped). Five days in a few seconds. Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh
need_root "network namespaces, TAP devices"
need_sgswitch run lab ec2 clock
work=$(mktemp -d /tmp/sgs-clock.XXXXXX)
labfile=$work/revoke.yaml # the revoke lab, asking for the virtual clock
{ echo "clock: virtual"; cat testbed/testdata/revoke.yaml; } >"$labfile"
export SGSWITCH_SOCKET=$work/admin.sock SGSWITCH_STATE_DIR=$work/state
ec2=127.0.0.1:18784
daemon_pid= probe=

cleanup() {
	set +e
	touch "$work/go"
	[ -n "$probe" ] && wait "$probe" 2>/dev/null
	"$bin" lab down "$labfile" >/dev/null 2>&1
	stop_daemon
	rm -rf "$work"
}
trap cleanup EXIT

start_daemon --ec2-listen "$ec2" --clock virtual --no-flowlogs
"$bin" clock show | grep -q '^virtual clock, 0s ahead' || fail "clock show: $("$bin" clock show)"
"$bin" lab up "$labfile" >/dev/null

"$bin" lab probe --from client --to web --port 22 --until "$work/go" "$labfile" >"$work/tracked" 2>&1 &
probe=$!
for _ in $(seq 100); do grep -q '^before:' "$work/tracked" && break; sleep 0.1; done
grep -q '^before: allow' "$work/tracked" || { cat "$work/tracked"; fail "the tracked flow did not start"; }
"$bin" ec2 --endpoint-url "http://$ec2" revoke-security-group-ingress --group-id web --protocol tcp --port 22 --cidr 198.18.5.10/32 >/dev/null

# The web side's entries of the connection to port 22, and their timeout.
tracked() { "$bin" conntrack list --eni web -o json | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin) if e["dport"] == 22 and e["tracked"]))'; }
"$bin" clock advance 431000s
sleep 0.5 # the switch sweeps the flow table every 100 ms
[ "$(tracked)" -ge 1 ] || fail "the flow expired before its 432,000 s timeout"
echo "after 431,000 s idle: still tracked"
"$bin" clock advance 2000s
sleep 0.5
[ "$(tracked)" -eq 0 ] || fail "the flow outlived its 432,000 s timeout"
echo "after 433,000 s idle: expired"
touch "$work/go"
wait "$probe"
probe=
cat "$work/tracked"
grep -q '^after: timeout' "$work/tracked" || fail "the connection still passes after its entry expired and its rule went"
"$bin" clock show
"$bin" clock advance -- -1s 2>/dev/null && fail "the clock went back"
"$bin" lab down "$labfile" >/dev/null
echo "virtual clock: ok"
