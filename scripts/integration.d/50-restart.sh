#!/usr/bin/env bash
# Restart test: build a lab, kill -9 the daemon mid-lab, start it again on
# the same state directory; the state (groups, ENI ids, MACs, wiring, a
# change made over the EC2 API) must be intact and the lab's checks must
# pass again. Run on a small lab of two TAP nodes and on examples/shop.yaml
# (IPv6, prefix lists, an AF_XDP node). Needs root (namespaces, TAP).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh
need_root "network namespaces, TAP devices"
need_sgswitch run lab
work=$(mktemp -d /tmp/sgs-restart.XXXXXX)
export SGSWITCH_SOCKET=$work/admin.sock
ec2_port=18775
daemon_pid=
labs_up=()

start_daemon() {
	"$bin" run --state-dir "$work/state" --socket "$SGSWITCH_SOCKET" \
		--ec2-listen "127.0.0.1:$ec2_port" >>"$work/daemon.log" 2>&1 &
	daemon_pid=$!
	for _ in $(seq 100); do
		[ -S "$SGSWITCH_SOCKET" ] && curl -sf --unix-socket "$SGSWITCH_SOCKET" http://d/v1/status >/dev/null && return 0
		kill -0 "$daemon_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "daemon did not start:"; cat "$work/daemon.log"
	return 1
}

lab_json() { curl -sf --unix-socket "$SGSWITCH_SOCKET" "http://d/v1/labs/$1"; }

# ec2 ACTION [PARAMS]: one EC2 Query API call, SigV4-signed by curl with
# the daemon's credentials; the request id is dropped so that answers
# compare across calls.
ec2() {
	(
		eval "$("$bin" ec2 credentials --state-dir "$work/state")"
		curl -sf --aws-sigv4 "aws:amz:us-east-1:ec2" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
			-X POST -d "Action=$1&Version=2016-11-15${2:+&$2}" "http://127.0.0.1:$ec2_port/"
	) | sed 's|<requestId>[^<]*</requestId>||'
}

cleanup() {
	set +e
	if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		for f in "${labs_up[@]}"; do "$bin" lab down "$f" >/dev/null 2>&1; done
		kill "$daemon_pid"; wait "$daemon_pid"
	fi
	"$bin" host remove lab/sgrst lab/shop >/dev/null 2>&1 # what a failed run left, by ownership
	rm -rf "$work"
}
trap cleanup EXIT

# scenario FILE: up, check, kill -9, check fails, restart, same state, check, down.
scenario() {
	local file=$1 lab
	lab=$(awk '$1 == "name:" {print $2; exit}' "$file")
	echo "=== $file (lab $lab)"
	labs_up+=("$file")
	"$bin" lab up "$file"
	"$bin" lab check "$file"
	# A change made over the EC2 API must survive too.
	ec2 CreateSecurityGroup "GroupName=rst-extra-$lab&GroupDescription=made+over+EC2" | grep -q '<groupId>sg-'
	lab_json "$lab" >"$work/before.json"
	ec2 DescribeSecurityGroups >"$work/before.xml"
	grep -q '"attached": true' "$work/before.json"
	if grep -q '"attached": false' "$work/before.json"; then
		echo "ports not attached:"; cat "$work/before.json"; return 1
	fi
	grep -q "rst-extra-$lab" "$work/before.xml"

	echo "--- kill -9 the daemon (pid $daemon_pid) with lab $lab up"
	kill -9 "$daemon_pid"
	wait "$daemon_pid" 2>/dev/null || true
	daemon_pid=
	# With the switch gone the allowed paths are cut: the checks must fail
	# now, which shows that passing after the restart is the restored
	# switch's doing.
	if "$bin" lab check --timeout 500ms "$file" >/dev/null 2>&1; then
		echo "lab checks passed with the daemon dead"; return 1
	fi

	start_daemon
	lab_json "$lab" >"$work/after.json"
	ec2 DescribeSecurityGroups >"$work/after.xml"
	if ! cmp -s "$work/before.json" "$work/after.json"; then
		echo "lab state changed across the restart:"
		diff "$work/before.json" "$work/after.json" || true
		return 1
	fi
	if ! cmp -s "$work/before.xml" "$work/after.xml"; then
		echo "security groups changed across the restart:"
		diff "$work/before.xml" "$work/after.xml" || true
		return 1
	fi
	"$bin" lab check "$file"

	echo "--- lab down"
	"$bin" lab down "$file"
	if ip netns list | grep -q "^$lab-"; then
		echo "namespaces left after lab down:"; ip netns list; return 1
	fi
}

start_daemon
scenario daemon/testdata/restart.yaml
scenario examples/shop.yaml
kill "$daemon_pid"
wait "$daemon_pid"
daemon_pid=
echo "restart: ok"
