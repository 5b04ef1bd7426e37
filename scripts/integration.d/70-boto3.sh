#!/usr/bin/env bash
# boto3 (Debian's python3-boto3) against the daemon's EC2 API: groups, a
# prefix list, tags, rules, paginators, a waiter and the request id
# (scripts/clients/boto3_tour.py). Needs no root: it creates no lab.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh

# Debian's interpreter, not a pyenv shim first on PATH: python3-boto3 is
# installed for it.
py=${SGSWITCH_PYTHON:-/usr/bin/python3}
if ! "$py" -c 'import boto3' 2>/dev/null; then
	echo "skip: no boto3 for $py (install Debian's python3-boto3: bash scripts/install-deps.sh)"
	exit 77
fi
need_sgswitch run ec2

work=$(mktemp -d /tmp/sgs-boto3.XXXXXX)
daemon_pid=
cleanup() {
	set +e
	stop_daemon
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

export SGSWITCH_SOCKET=$work/admin.sock SGSWITCH_STATE_DIR=$work/state
ec2=127.0.0.1:${SGSWITCH_BOTO3_PORT:-18791}
start_daemon --ec2-listen "$ec2" --metrics off
aws_isolated "http://$ec2"
"$py" scripts/clients/boto3_tour.py "http://$ec2" || fail "boto3 tour"
echo "PASS: boto3"
