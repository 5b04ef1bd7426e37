#!/usr/bin/env bash
# Labs are VPCs (issue 15): three labs run in one daemon at once; two use
# the same subnet and addresses with different default groups, and each
# keeps its own verdicts; the third cannot reach the others at all. After
# b goes down, a still works; nothing of b is left.
# Needs root (namespaces, TAP).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh
need_root "network namespaces, TAP devices"
need_sgswitch run lab
work=$(mktemp -d /tmp/sgs-twolabs.XXXXXX)
export SGSWITCH_SOCKET=$work/admin.sock SGSWITCH_STATE_DIR=$work/state
daemon_pid=
labs="testbed/testdata/isolation-a.yaml testbed/testdata/isolation-b.yaml testbed/testdata/isolation-c.yaml"

cleanup() {
	set +e
	for f in $labs; do "$bin" lab down "$f" >/dev/null 2>&1; done
	if [ -n "$daemon_pid" ]; then kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null; fi
	[ -s "$work/daemon.log" ] && { echo "--- daemon log (tail)"; tail -n 20 "$work/daemon.log"; }
	rm -rf "$work"
}
trap cleanup EXIT

start_daemon --ec2-listen 127.0.0.1:18779 --metrics off
for f in $labs; do "$bin" lab up "$f" >"$work/up"; head -1 "$work/up"; done
for f in $labs; do "$bin" lab check "$f"; done
vpcs=$(for f in $labs; do "$bin" lab status "$f" >"$work/st"; head -1 "$work/st"; done | awk '{print $4}' | sort -u | wc -l)
[ "$vpcs" = 3 ] || { echo "FAIL: three labs share VPCs ($vpcs distinct)"; exit 1; }

"$bin" lab down testbed/testdata/isolation-b.yaml
if ip netns list | grep -q '^isob-'; then echo "FAIL: lab isob left namespaces"; exit 1; fi
"$bin" lab check testbed/testdata/isolation-a.yaml
for f in $labs; do "$bin" lab down "$f" >/dev/null; done

echo "--- a lab joins a VPC made through the EC2 API (vpc-id:)"
ec2cmd() { "$bin" ec2 --endpoint-url http://127.0.0.1:18779 "$@"; }
vpc=$(ec2cmd create-vpc --cidr-block 198.18.0.0/16 | python3 -c 'import json,sys; print(json.load(sys.stdin)["Vpc"]["VpcId"])')
subnet=$(ec2cmd create-subnet --vpc-id "$vpc" --cidr-block 198.18.22.0/24 | python3 -c 'import json,sys; print(json.load(sys.stdin)["Subnet"]["SubnetId"])')
sed "s/^subnet: .*/vpc-id: $vpc\nsubnet: 198.18.22.0\/24/; s/198\.18\.20\./198.18.22./g; s/^name: isoa/name: isoj/" \
	testbed/testdata/isolation-a.yaml >"$work/join.yaml"
labs="$labs $work/join.yaml"
"$bin" lab up "$work/join.yaml" >/dev/null
"$bin" lab status "$work/join.yaml" >"$work/st"
grep -q "VPC $vpc" "$work/st" || { echo "FAIL: the lab is not in $vpc"; cat "$work/st"; exit 1; }
"$bin" lab check "$work/join.yaml"

echo "--- an interface attached to node one of the joined lab, then detached"
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# Attach and detach go through the real AWS CLI when it is installed.
attachcmd() { ec2cmd "$@"; }
find_aws_v2
if [ -n "$aws_bin" ]; then
	aws_isolated http://127.0.0.1:18779
	attachcmd() { "$aws_bin" --endpoint-url http://127.0.0.1:18779 --output json ec2 "$@"; }
	echo "(attach and detach through $("$aws_bin" --version 2>&1 | cut -d' ' -f1))"
fi
eni=$(ec2cmd create-network-interface --subnet-id "$subnet" --private-ip-address 198.18.22.30 | field 'd["NetworkInterface"]["NetworkInterfaceId"]')
inst=$(ec2cmd describe-network-interfaces --filters "Name=vpc-id,Values=$vpc" --filters "Name=tag:Name,Values=one" |
	field 'd["NetworkInterfaces"][0]["Attachment"]["InstanceId"]')
att=$(attachcmd attach-network-interface --network-interface-id "$eni" --instance-id "$inst" --device-index 1 | field 'd["AttachmentId"]')
ip -n isoj-one addr show eth1 | grep -q 'inet 198.18.22.30/24' || { echo "FAIL: node one has no eth1 with 198.18.22.30 after attach"; exit 1; }
# Bound to eth1, so the request and its reply go through the new port.
ip netns exec isoj-one ping -c 1 -W 2 -I eth1 198.18.22.20 >/dev/null || { echo "FAIL: no ping through eth1"; exit 1; }
attachcmd detach-network-interface --attachment-id "$att" >/dev/null
if ip -n isoj-one link show eth1 >/dev/null 2>&1; then echo "FAIL: eth1 left after detach"; exit 1; fi
ec2cmd attach-network-interface --network-interface-id "$eni" --instance-id "$inst" --device-index 1 >/dev/null
"$bin" lab down "$work/join.yaml"
status=$(ec2cmd describe-network-interfaces --network-interface-ids "$eni" | field 'd["NetworkInterfaces"][0]["Status"]')
[ "$status" = available ] || { echo "FAIL: lab down left the attached interface $status"; exit 1; }
ec2cmd describe-vpcs --vpc-ids "$vpc" >/dev/null || { echo "FAIL: lab down removed the VPC it joined"; exit 1; }
echo "two labs: ok"
