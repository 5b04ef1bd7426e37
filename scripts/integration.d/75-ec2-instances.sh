#!/usr/bin/env bash
# The lab nodes are EC2 instances to the real AWS CLI v2: a lab of two
# namespace nodes is one reservation of two running instances
# (describe-instances with filters, the instance-running waiter,
# describe-instance-status), both of the image describe-images names
# "netns"; one node's metadata options (http-tokens: required) show in
# describe-instances, and the instance id it shows is the one the node
# reads from instance metadata with curl (IMDSv2); the other node loses
# IMDSv1 at once when modify-instance-metadata-options requires tokens.
# After lab down the instances are gone and nothing of the lab is left on
# the host.
# Terminating a lab's instance is refused (its lab owns it). RunInstances
# is not implemented yet.
# Needs root (namespaces, TAP) and the AWS CLI v2.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh
need_root "network namespaces, TAP devices"
need_aws_v2
need_sgswitch run lab ec2

private_work ec2inst
lab=$work/it75.yaml

cat >"$lab" <<'YAML'
name: it75i
subnet: 198.19.75.0/24
topology:
  nodes:
    app: {ip: 198.19.75.10, metadata: {http-tokens: required}}
    web: {ip: 198.19.75.20}
checks:
  - {from: app, to: web, proto: icmp, expect: allow}
YAML

ec2=127.0.0.1:${SGSWITCH_EC2INST_PORT:-18791}
start_daemon --ec2-listen "$ec2" --metrics off
aws_isolated "http://$ec2"
awsx() { "$aws_bin" --endpoint-url "http://$ec2" --output json ec2 "$@"; }
q() {
	local query=$1
	shift
	awsx "$@" --query "$query" --output text
}
want() { [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"; }
expect_error() {
	local code=$1 op=$2 rc=0
	shift 2
	awsx "$@" >"$work/out" 2>"$work/err" || rc=$?
	[ "$rc" -eq 254 ] || fail "$* exited $rc, want 254 ($code)"
	grep -qF "An error occurred ($code) when calling the $op operation" "$work/err" || fail "$*: $(cat "$work/err")"
	echo "ok: $op -> $code"
}

"$bin" lab up "$lab" >/dev/null
mine=Name=tag:sgswitch:lab,Values=it75i
want "$(q 'length(Reservations)' describe-instances --filters "$mine")" 1 "reservations of the lab"
ids=$(q 'Reservations[].Instances[].InstanceId' describe-instances --filters "$mine")
app=$(q 'Reservations[].Instances[].InstanceId' describe-instances --filters "$mine" Name=private-ip-address,Values=198.19.75.10)
[[ $app == i-* ]] || fail "app's instance id: $app"
# shellcheck disable=SC2086 # two ids
awsx wait instance-running --instance-ids $ids
echo "ok: instance-running $(echo $ids)"
want "$(q 'Reservations[].Instances[].MetadataOptions.HttpTokens' describe-instances --instance-ids "$app")" required "app's http-tokens"
netns=$(q 'Images[].ImageId' describe-images --owners self --filters Name=name,Values=netns)
[[ $netns == ami-* ]] || fail "netns image: $netns"
want "$(q 'Reservations[].Instances[].ImageId' describe-instances --filters "$mine" Name=image-id,Values="$netns" | wc -w)" 2 "both nodes run $netns"
want "$(q 'InstanceStatuses[].InstanceStatus.Status' describe-instance-status --instance-ids "$app")" ok "app's status"
expect_error InvalidInstanceID.NotFound DescribeInstances describe-instances --instance-ids i-0000000000000000f
expect_error InvalidAMIID.NotFound DescribeImages describe-images --image-ids ami-00000000
expect_error OperationNotPermitted TerminateInstances terminate-instances --instance-ids "$app"

md=http://169.254.169.254/latest
token=$(ip netns exec it75i-app curl -sS -m 10 -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" $md/api/token) || fail "no IMDSv2 token"
seen=$(ip netns exec it75i-app curl -sS -m 10 -f -H "X-aws-ec2-metadata-token: $token" $md/meta-data/instance-id) || fail "no instance-id"
want "$seen" "$app" "instance-id from IMDS"
echo "ok: app reads its instance id $seen from IMDSv2"
"$bin" lab check "$lab" >/dev/null

# web takes IMDSv1 until modify-instance-metadata-options requires tokens;
# the very next request sees the change.
web=$(q 'Reservations[].Instances[].InstanceId' describe-instances --filters "$mine" Name=tag:Name,Values=web)
v1() { ip netns exec it75i-web curl -sS -m 10 -o /dev/null -w '%{http_code}' $md/meta-data/instance-id; }
want "$(v1)" 200 "IMDSv1 with http-tokens optional"
want "$(q InstanceMetadataOptions.HttpTokens modify-instance-metadata-options --instance-id "$web" --http-tokens required)" required "modify's answer"
want "$(v1)" 401 "IMDSv1 with http-tokens required"
want "$(q 'Reservations[].Instances[].MetadataOptions.HttpTokens' describe-instances --instance-ids "$web")" required "web's http-tokens"
echo "ok: modify-instance-metadata-options is live"

"$bin" lab down "$lab" >/dev/null
want "$(q 'length(Reservations)' describe-instances --filters "$mine")" 0 "instances after lab down"
if ip netns list | grep -q '^it75i-'; then fail "lab it75i left namespaces"; fi
echo "ok: the instances went with the lab"
