#!/usr/bin/env bash
# A revoked rule cuts an untracked flow at once and leaves a tracked one
# alive (spec §2.4): two long-lived TCP connections (lab probe) cross a
# running lab while `sgswitch ec2 revoke-security-group-ingress` removes
# the rules that admitted them; new connections are denied afterwards.
# Needs root (namespaces, TAP).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh
need_root "network namespaces, TAP devices"
need_sgswitch run lab ec2
labfile=testbed/testdata/revoke.yaml
work=$(mktemp -d /tmp/sgs-revoke.XXXXXX)
export SGSWITCH_SOCKET=$work/admin.sock SGSWITCH_STATE_DIR=$work/state
ec2=127.0.0.1:18777
daemon_pid= probes=()

cleanup() {
	set +e
	touch "$work/go"
	for p in "${probes[@]}"; do wait "$p" 2>/dev/null; done
	"$bin" lab down "$labfile" >/dev/null 2>&1
	if [ -n "$daemon_pid" ]; then kill "$daemon_pid"; wait "$daemon_pid"; fi
	rm -rf "$work"
}
trap cleanup EXIT

start_daemon --ec2-listen "$ec2"

"$bin" lab up "$labfile"
"$bin" lab check "$labfile"

# One probe per flow: connect, exchange, then wait for $work/go and exchange again.
"$bin" lab probe --from client --to web --port 80 --until "$work/go" "$labfile" >"$work/untracked" 2>&1 &
probes+=($!)
"$bin" lab probe --from client --to web --port 22 --until "$work/go" "$labfile" >"$work/tracked" 2>&1 &
probes+=($!)
for _ in $(seq 100); do
	grep -q '^before:' "$work/untracked" && grep -q '^before:' "$work/tracked" && break
	sleep 0.1
done
grep -q '^before: allow' "$work/untracked" || { echo "untracked flow did not start:"; cat "$work/untracked"; exit 1; }
grep -q '^before: allow' "$work/tracked" || { echo "tracked flow did not start:"; cat "$work/tracked"; exit 1; }

ec2cmd() { "$bin" ec2 --endpoint-url "http://$ec2" "$@"; }
ec2cmd revoke-security-group-ingress --group-id web --protocol tcp --port 80 --cidr 0.0.0.0/0
ec2cmd revoke-security-group-ingress --group-id web --protocol tcp --port 22 --cidr 198.18.5.10/32
touch "$work/go"
for p in "${probes[@]}"; do wait "$p"; done
probes=()
echo "untracked (tcp 80 from 0.0.0.0/0):"; cat "$work/untracked"
echo "tracked (tcp 22 from the client's /32):"; cat "$work/tracked"
grep -q '^after: timeout' "$work/untracked" || { echo "FAIL: the untracked flow survived the revoke"; exit 1; }
grep -q '^after: allow' "$work/tracked" || { echo "FAIL: the tracked flow was cut by the revoke"; exit 1; }

# New connections follow the new rules.
"$bin" lab check testbed/testdata/revoke-after.yaml
"$bin" lab down "$labfile"
echo "revoke: ok"
