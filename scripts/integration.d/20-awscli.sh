#!/usr/bin/env bash
# The real AWS CLI v2 (Debian's awscli package) against the daemon's EC2
# Query API: create, authorize, the duplicate error, describe, revoke,
# delete blocked by DependencyViolation, delete, plus a dry run, the rule
# listing and the `sgswitch ec2` client reading what the AWS CLI wrote
# (one control plane); interfaces made through the API, their secondary
# addresses and tags. Needs no root: it creates no lab.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh

need_aws_v2
need_sgswitch run ec2

work=$(mktemp -d /tmp/sgs-awscli.XXXXXX)
port=${SGSWITCH_AWSCLI_PORT:-18774}
endpoint=http://127.0.0.1:$port
daemon_pid=
cleanup() {
	set +e
	stop_daemon
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
	fail "port $port is already in use (set SGSWITCH_AWSCLI_PORT)"
fi
"$bin" run --state-dir "$work/state" --socket "$work/admin.sock" --ec2-listen "127.0.0.1:$port" >>"$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	kill -0 "$daemon_pid" 2>/dev/null || fail "the daemon exited"
	sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || fail "the daemon does not listen on $port"

export SGSWITCH_STATE_DIR=$work/state
aws_isolated "$endpoint"

expect_contains() { # expect_contains FILE TEXT WHAT
	grep -qF -- "$2" "$1" || fail "$3: no '$2' in: $(cat "$1")"
}

# Create.
awsx create-security-group --group-name web --description "web tier" >"$work/out"
web=$(sed -n 's/.*"GroupId": "\(sg-[0-9a-f]*\)".*/\1/p' "$work/out")
[ -n "$web" ] || fail "create-security-group printed no GroupId: $(cat "$work/out")"
app=$(awsx create-security-group --group-name app --description "app tier" --query GroupId --output text)
[[ $app == sg-* ]] || fail "create app: $app"
echo "ok: created web=$web app=$app"
expect_error InvalidGroup.Duplicate CreateSecurityGroup create-security-group --group-name web --description again
expect_error DryRunOperation CreateSecurityGroup create-security-group --group-name db --description db --dry-run

# Authorize, and the same rule again.
awsx authorize-security-group-ingress --group-id "$web" --protocol tcp --port 22 --cidr 203.0.113.0/24 >"$work/out"
expect_contains "$work/out" '"Return": true' authorize
expect_contains "$work/out" '"SecurityGroupRuleId": "sgr-' authorize
expect_contains "$work/out" '"CidrIpv4": "203.0.113.0/24"' authorize
echo "ok: authorized tcp/22 from 203.0.113.0/24"
expect_error InvalidPermission.Duplicate AuthorizeSecurityGroupIngress \
	authorize-security-group-ingress --group-id "$web" --protocol tcp --port 22 --cidr 203.0.113.0/24
# app admits web's members on 8080 (AWS CLI shorthand for IpPermissions).
awsx authorize-security-group-ingress --group-id "$app" \
	--ip-permissions "IpProtocol=tcp,FromPort=8080,ToPort=8080,UserIdGroupPairs=[{GroupId=$web,Description=from-web}]" >"$work/app-rule"
ref_rule=$(sed -n 's/.*"SecurityGroupRuleId": "\(sgr-[0-9a-f]*\)".*/\1/p' "$work/app-rule")
[ -n "$ref_rule" ] || fail "no rule id for the reference rule: $(cat "$work/app-rule")"

# Describe (groups and rules).
cidr=$(awsx describe-security-groups --group-ids "$web" --query 'SecurityGroups[0].IpPermissions[0].IpRanges[0].CidrIp' --output text)
[ "$cidr" = 203.0.113.0/24 ] || fail "describe-security-groups: CidrIp $cidr"
awsx describe-security-groups --filters Name=group-name,Values=web >"$work/out"
expect_contains "$work/out" "\"GroupId\": \"$web\"" describe-by-name
expect_contains "$work/out" '"FromPort": 22' describe-by-name
expect_contains "$work/out" '"CidrIp": "0.0.0.0/0"' "describe (default egress)"
n=$(awsx describe-security-group-rules --filters "Name=group-id,Values=$web" --query 'length(SecurityGroupRules[?IsEgress==`false`])' --output text)
[ "$n" = 1 ] || fail "describe-security-group-rules: $n ingress rules, want 1"
n=$(awsx describe-security-group-rules --filters "Name=group-id,Values=$web" --query 'length(SecurityGroupRules[?IsEgress==`true` && CidrIpv4==`0.0.0.0/0`])' --output text)
[ "$n" = 1 ] || fail "describe-security-group-rules: $n default egress rules to 0.0.0.0/0, want 1"
echo "ok: describe"
# The sgswitch ec2 client reads the same state (one control plane).
"$bin" ec2 --endpoint-url "$endpoint" describe-security-groups --group-ids web >"$work/out"
expect_contains "$work/out" "\"GroupId\": \"$web\"" "sgswitch ec2 describe-security-groups"

# Revoke.
awsx revoke-security-group-ingress --group-id "$web" --protocol tcp --port 22 --cidr 203.0.113.0/24 >"$work/out"
expect_contains "$work/out" '"Return": true' revoke
n=$(awsx describe-security-groups --group-ids "$web" --query 'length(SecurityGroups[0].IpPermissions)' --output text)
[ "$n" = 0 ] || fail "after revoke: $n ingress permissions"
expect_error InvalidPermission.NotFound RevokeSecurityGroupIngress \
	revoke-security-group-ingress --group-id "$web" --protocol tcp --port 22 --cidr 203.0.113.0/24
echo "ok: revoked"

# Delete: blocked while app's rule references web, then allowed.
expect_error DependencyViolation DeleteSecurityGroup delete-security-group --group-id "$web"
awsx revoke-security-group-ingress --group-id "$app" --security-group-rule-ids "$ref_rule" >/dev/null
awsx delete-security-group --group-id "$web" >"$work/out"
expect_error InvalidGroup.NotFound DescribeSecurityGroups describe-security-groups --group-ids "$web"
awsx delete-security-group --group-name app >/dev/null
n=$(awsx describe-security-groups --query 'length(SecurityGroups)' --output text)
[ "$n" = 1 ] || fail "after deletes: $n groups, want 1 (default)"
def=$(awsx describe-security-groups --query 'SecurityGroups[0].GroupId' --output text)
expect_error CannotDelete DeleteSecurityGroup delete-security-group --group-id "$def"
vpc=$(awsx describe-vpcs --query 'Vpcs[0].State' --output text)
[ "$vpc" = available ] || fail "describe-vpcs: $vpc"

# Interfaces, their secondary addresses, and tags.
read -r subnet cidr < <(awsx describe-subnets --query 'Subnets[0].[SubnetId,CidrBlock]' --output text)
[[ $subnet == subnet-* ]] || fail "describe-subnets: $subnet"
base=${cidr%/*}
router=${base%.*}.$(( ${base##*.} + 1 )) # the VPC router, base + 1: reserved
eni=$(awsx create-network-interface --subnet-id "$subnet" --description spare --query NetworkInterface.NetworkInterfaceId --output text)
[[ $eni == eni-* ]] || fail "create-network-interface: $eni"
st=$(awsx describe-network-interfaces --network-interface-ids "$eni" --query 'NetworkInterfaces[0].Status' --output text)
[ "$st" = available ] || fail "a created interface is $st, want available"
awsx assign-private-ip-addresses --network-interface-id "$eni" --secondary-private-ip-address-count 2 >"$work/out"
expect_contains "$work/out" '"AssignedPrivateIpAddresses"' assign-private-ip-addresses
second=$(awsx describe-network-interfaces --network-interface-ids "$eni" --query 'NetworkInterfaces[0].PrivateIpAddresses[1].PrivateIpAddress' --output text)
awsx unassign-private-ip-addresses --network-interface-id "$eni" --private-ip-addresses "$second"
n=$(awsx describe-network-interfaces --network-interface-ids "$eni" --query 'length(NetworkInterfaces[0].PrivateIpAddresses)' --output text)
[ "$n" = 2 ] || fail "after assigning 2 and unassigning 1: $n addresses, want 2"
expect_error InvalidParameterValue AssignPrivateIpAddresses assign-private-ip-addresses --network-interface-id "$eni" --private-ip-addresses "$router"
awsx assign-ipv6-addresses --network-interface-id "$eni" --ipv6-address-count 1 >"$work/out"
expect_contains "$work/out" '"AssignedIpv6Addresses"' assign-ipv6-addresses
awsx create-tags --resources "$eni" "$def" --tags Key=env,Value=lab
n=$(awsx describe-tags --filters Name=key,Values=env --query 'length(Tags)' --output text)
[ "$n" = 2 ] || fail "describe-tags: $n env tags, want 2"
awsx delete-tags --resources "$eni" --tags Key=env
n=$(awsx describe-tags --filters Name=key,Values=env --query 'length(Tags)' --output text)
[ "$n" = 1 ] || fail "after delete-tags: $n env tags, want 1"
awsx delete-network-interface --network-interface-id "$eni"
expect_error InvalidNetworkInterfaceID.NotFound DeleteNetworkInterface delete-network-interface --network-interface-id "$eni"
echo "ok: interfaces, secondary addresses and tags"
echo "ok: deleted; AWS CLI $("$aws_bin" --version 2>&1 | cut -d' ' -f1) against $endpoint"
