#!/usr/bin/env bash
# sgswitch trace against a live lab: the two-tier example (under a name of
# its own, so that it meets no other run's namespaces) is traced by node
# name with and without --lab, as text and JSON, and lab check predicts
# every row and finds no row where trace and the switch disagree.
# Needs root (namespaces, TAP devices).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh
need_root "network namespaces, TAP devices"
need_sgswitch run lab trace
work=$(mktemp -d /tmp/sgs-trace.XXXXXX)
export SGSWITCH_SOCKET=$work/admin.sock SGSWITCH_STATE_DIR=$work/state
daemon_pid=
lab=$work/lab.yaml
sed "s/^name: twotier\$/name: trc$((RANDOM % 9000 + 1000))/" examples/vpc-public-private.yaml >"$lab"

cleanup() {
	set +e
	"$bin" lab down "$lab" >/dev/null 2>&1
	stop_daemon
	rm -rf "$work"
}
trap cleanup EXIT

start_daemon
"$bin" lab up "$lab" >/dev/null

echo "--- trace web -> db tcp/5432 (--lab)"
"$bin" trace --from web --to db --proto tcp --port 5432 --lab "$lab" | tee "$work/allow"
grep -q '^verdict: allow$' "$work/allow" || fail "web -> db 5432 not allowed"
grep -q 'ingress rule sgr-[0-9a-f]* of sg-[0-9a-f]* allows it' "$work/allow" || fail "no group rule named"

echo "--- trace admin -> db tcp/5432 (found in the lab records)"
"$bin" trace --from admin --to db --proto tcp --port 5432 | tee "$work/deny"
grep -q '^verdict: deny by network ACL (network ACL in)$' "$work/deny" || fail "admin -> db 5432 not denied by the ACL"

"$bin" trace --from 198.18.2.30 --to web --port 80 -o json | jq -e '.allow == false and .denied_by == "network ACL"' >/dev/null ||
	fail "db -> web 80 (JSON) not denied by the ACL"

echo "--- lab check: every row has a prediction, none differs from the observation"
"$bin" lab check "$lab"
"$bin" lab check -o json "$lab" >"$work/check.json" || fail "lab check failed"
jq -e 'all(.[]; (.predicted == "allow" or .predicted == "deny") and (.mismatch // false) == false)' "$work/check.json" >/dev/null ||
	fail "a row without a prediction or with a mismatch: $(cat "$work/check.json")"
"$bin" lab down "$lab" >/dev/null
echo "ok"
