#!/usr/bin/env bash
# A secondary private address assigned through the EC2 API is enforced at
# once: the client adds 198.18.4.22 to its eth0 (as an instance does after
# AssignPrivateIpAddresses); until the API assigns it to the client's ENI
# the switch drops what the client sends from it (source check) and
# delivers nothing to it; after, both pass; after unassigning, neither.
# Needs root (namespaces, TAP).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh
need_root "network namespaces, TAP devices"
need_sgswitch run lab ec2
labfile=examples/secondary-ips.yaml
work=$(mktemp -d /tmp/sgs-addresses.XXXXXX)
export SGSWITCH_SOCKET=$work/admin.sock SGSWITCH_STATE_DIR=$work/state
ec2=127.0.0.1:18778
daemon_pid=

cleanup() {
	set +e
	"$bin" lab down "$labfile" >/dev/null 2>&1
	if [ -n "$daemon_pid" ]; then kill "$daemon_pid"; wait "$daemon_pid"; fi
	rm -rf "$work"
}
trap cleanup EXIT

start_daemon --ec2-listen "$ec2"
ec2cmd() { "$bin" ec2 --endpoint-url "http://$ec2" "$@"; }

"$bin" lab up "$labfile"
ip -n secondaryip-client addr add 198.18.4.22/24 dev eth0
echo "--- before AssignPrivateIpAddresses: the switch knows no 198.18.4.22"
"$bin" lab check testbed/testdata/assign-before.yaml
ec2cmd assign-private-ip-addresses --network-interface-id client --private-ip-addresses 198.18.4.22
# The refused ARP requests from 198.18.4.22 left the client's entry for app
# FAILED; an instance would retry after a while, the check should not wait.
ip -n secondaryip-client neigh flush all
echo "--- after"
"$bin" lab check testbed/testdata/assign-after.yaml
ec2cmd unassign-private-ip-addresses --network-interface-id client --private-ip-addresses 198.18.4.22
echo "--- after UnassignPrivateIpAddresses"
"$bin" lab check testbed/testdata/assign-before.yaml
"$bin" lab down "$labfile"
echo "addresses: ok"
