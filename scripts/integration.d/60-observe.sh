#!/usr/bin/env bash
# Observability on a running lab: /metrics carries the switch's counters
# (verdicts, drops by reason, ENA allowance names), `sgswitch flowlog`
# prints ACCEPT and REJECT records in the VPC Flow Logs v2 format, and
# `sgswitch capture` writes a pcapng whose frames carry their verdict.
# Needs root (namespaces, TAP).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh
need_root "network namespaces, TAP devices"
need_sgswitch run lab eni flowlog capture
lab=observe/testdata/observe.yaml
work=$(mktemp -d /tmp/sgs-observe.XXXXXX)
export SGSWITCH_SOCKET=$work/admin.sock
metrics=127.0.0.1:19775
daemon_pid=

cleanup() {
	set +e
	if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		"$bin" lab down "$lab" >/dev/null 2>&1
		kill "$daemon_pid"; wait "$daemon_pid"
	fi
	"$bin" host remove lab/sgobs >/dev/null 2>&1 # what a failed run left, by ownership
	[ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

start_daemon --ec2-listen "" --metrics "$metrics" --flowlog-dir "$work/flowlogs" --flowlog-window 1s

"$bin" lab up "$lab"
eni=$("$bin" eni stats web | awk -F'[(,)]' '/^NIC statistics/ {print $2; exit}')
[ -n "$eni" ] || fail "no ENI id for node web"

# A capture of web's interface while the checks run.
"$bin" capture --eni web --count 200 --duration 8s -w "$work/web.pcapng" &
cap_pid=$!
sleep 0.5
"$bin" lab check "$lab"
wait "$cap_pid" || fail "capture failed"
"$bin" capture --eni web --count 1 --duration 1s >/dev/null # the one-line printer runs
[ -s "$work/web.pcapng" ] || fail "empty capture file"
# Each frame sits on a pcapng interface named <eni>:<direction>:<verdict>.
grep -aq "$eni:ingress:accept" "$work/web.pcapng" || fail "capture has no accepted frame"
grep -aq "$eni:ingress:drop:" "$work/web.pcapng" || fail "capture has no dropped frame"

# /metrics: read from the running lab.
curl -sf "http://$metrics/metrics" >"$work/metrics.txt" || fail "no /metrics"
value() { awk -v m="$1" -v l="$2" 'index($0, m"{") == 1 && index($0, l) {print $NF; exit}' "$work/metrics.txt"; }
for name in bw_in_allowance_exceeded_total bw_out_allowance_exceeded_total pps_allowance_exceeded_total \
	conntrack_allowance_exceeded_total linklocal_allowance_exceeded_total conntrack_allowance_available; do
	grep -q "^sgswitch_$name{eni=\"$eni\"}" "$work/metrics.txt" || fail "metric sgswitch_$name missing"
done
rej=$(value sgswitch_security_group_verdicts_total "direction=\"ingress\",eni=\"$eni\",verdict=\"reject\"")
acc=$(value sgswitch_security_group_verdicts_total "direction=\"ingress\",eni=\"$eni\",verdict=\"accept\"")
drops=$(value sgswitch_interface_drops_total "direction=\"ingress\",eni=\"$eni\",reason=\"sg-ingress-denied\"")
echo "web: accepts=$acc rejects=$rej sg-ingress drops=$drops"
[ "${acc:-0}" != 0 ] || fail "no accepted verdicts counted"
[ "${rej:-0}" != 0 ] || fail "no rejected verdicts counted"
[ "${drops:-0}" != 0 ] || fail "no sg-ingress drops counted"
grep -q '^go_goroutines ' "$work/metrics.txt" || fail "Go collector missing"
grep -q '^sgswitch_ruleset_compile_seconds_count ' "$work/metrics.txt" || fail "compile latency missing"

# Flow logs: windows of 1 s; wait for the records to be written.
for _ in $(seq 50); do
	"$bin" flowlog --eni web >"$work/flowlog.txt"
	grep -q " REJECT OK$" "$work/flowlog.txt" && grep -q " ACCEPT OK$" "$work/flowlog.txt" && break
	sleep 0.2
done
head -1 "$work/flowlog.txt" | grep -qx "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status" ||
	fail "flow log header"
grep -Eq "^2 [0-9]+ $eni 198\.18\.9\.10 198\.18\.9\.20 [0-9]+ 80 6 [0-9]+ [0-9]+ [0-9]+ [0-9]+ ACCEPT OK$" "$work/flowlog.txt" ||
	fail "no ACCEPT record for tcp/80: $(cat "$work/flowlog.txt")"
grep -Eq "^2 [0-9]+ $eni 198\.18\.9\.10 198\.18\.9\.20 [0-9]+ 22 6 [0-9]+ [0-9]+ [0-9]+ [0-9]+ REJECT OK$" "$work/flowlog.txt" ||
	fail "no REJECT record for tcp/22"
ls "$work/flowlogs/$eni.log" >/dev/null || fail "no flow-log file for $eni"
echo "observability: metrics, flow logs and capture OK"
