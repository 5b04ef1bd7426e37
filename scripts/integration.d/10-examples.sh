#!/usr/bin/env bash
# Every example lab: lab up -> lab check -> lab down against a private
# daemon, with nothing left behind; and an invalid lab file is refused
# with its position and EC2 error code before anything is created.
# Needs root (namespaces, TAP, AF_XDP).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh
need_root "network namespaces, TAP devices"
need_sgswitch run lab
work=$(mktemp -d /tmp/sgs-examples.XXXXXX)
export SGSWITCH_SOCKET=$work/admin.sock SGSWITCH_STATE_DIR=$work/state
daemon_pid=

labname() { awk '$1 == "name:" {print $2; exit}' "$1"; }
leftovers() { ip netns list | awk '{print $1}' | grep "^$(labname "$1")-" || true; }

cleanup() {
	set +e
	for f in examples/*.yaml; do "$bin" lab down "$f" >/dev/null 2>&1; done
	if [ -n "$daemon_pid" ]; then kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; fi
	[ -s "$work/daemon.log" ] && { echo "--- daemon log (tail)"; tail -n 30 "$work/daemon.log"; }
	rm -rf "$work"
}
trap cleanup EXIT

# The virtual clock (time flows as usual): conntrack.yaml's scenarios
# advance it over EC2's timeouts.
start_daemon --ec2-listen 127.0.0.1:18776 --clock virtual

echo "--- an invalid lab file is refused before anything is created"
sed 's/FromPort: 22, ToPort: 22, SourceSecurityGroupId: bastion/FromPort: 22, ToPort: 22, CidrIp: 198.18.0.1/' \
	examples/shop.yaml >"$work/shop.yaml"
if "$bin" lab up "$work/shop.yaml" 2>"$work/err"; then
	echo "lab up accepted an invalid rule"; exit 1
fi
cat "$work/err"
grep -q 'shop.yaml: security-groups.web.SecurityGroupIngress\[2\]: InvalidParameterValue: ' "$work/err"
[ -z "$(leftovers examples/shop.yaml)" ] || { echo "namespaces created for a refused lab"; exit 1; }
sed 's/^\(      \)port: tap /\1prot: tap /' examples/shop.yaml >"$work/shop.yaml"
if "$bin" lab up "$work/shop.yaml" 2>"$work/err"; then
	echo "lab up accepted an unknown key"; exit 1
fi
cat "$work/err"
grep -q 'unknown key "prot" (line [0-9]*)' "$work/err"

for f in examples/*.yaml; do
	case $f in
	examples/vm.yaml) continue ;;         # boots a guest: 65-vm.sh
	examples/cloud-init.yaml) continue ;; # boots Debian: make cloud-init-demo
	esac
	echo "=== $f"
	"$bin" lab up "$f"
	"$bin" lab up "$f" >/dev/null # idempotent
	"$bin" lab status "$f" >/dev/null
	"$bin" lab check "$f"
	"$bin" lab check -o json "$f" | grep -q '"pass": true'
	"$bin" lab down "$f"
	"$bin" lab down "$f" >/dev/null # idempotent
	left=$(leftovers "$f")
	[ -z "$left" ] || { echo "left after lab down: $left"; exit 1; }
done

echo "--- lab down without a daemon removes what a crash left, and the lab's record"
"$bin" lab up examples/default-group.yaml
kill -9 "$daemon_pid"; wait "$daemon_pid" 2>/dev/null || true
daemon_pid=
"$bin" lab down examples/default-group.yaml 2>"$work/err"
cat "$work/err"
grep -q "removed lab defaultgrp from $work/state/state.db" "$work/err"
left=$(leftovers examples/default-group.yaml)
[ -z "$left" ] || { echo "left after lab down without daemon: $left"; exit 1; }
# A daemon started on that store must not bring the lab back.
"$bin" run --state-dir "$work/state" --socket "$SGSWITCH_SOCKET" \
	--ec2-listen 127.0.0.1:18776 >>"$work/daemon.log" 2>&1 &
daemon_pid=$!
out=
for _ in $(seq 100); do # until the daemon answers
	if out=$("$bin" lab status examples/default-group.yaml 2>&1); then
		echo "the daemon brought back a lab that lab down removed"; exit 1
	fi
	case $out in *"is not up"*) break ;; esac
	sleep 0.1
done
case $out in *"is not up"*) ;; *) echo "no answer from the daemon: $out"; exit 1 ;; esac
left=$(leftovers examples/default-group.yaml)
[ -z "$left" ] || { echo "the daemon re-created: $left"; exit 1; }
kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null || true
daemon_pid=
echo "--- lab up starts a daemon when none runs"
export SGSWITCH_EC2_ENDPOINT=http://127.0.0.1:18778
"$bin" lab up examples/default-group.yaml 2>"$work/err"
cat "$work/err"
daemon_pid=$(sed -n 's/.*started daemon (pid \([0-9]*\).*/\1/p' "$work/err")
[ -n "$daemon_pid" ] || { echo "lab up did not start a daemon"; exit 1; }
"$bin" lab check examples/default-group.yaml >/dev/null
"$bin" ec2 describe-security-groups --group-names isolated >/dev/null # its EC2 API is where the client looks
"$bin" lab down examples/default-group.yaml
kill "$daemon_pid"
for _ in $(seq 50); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
daemon_pid=
echo "examples: ok"
