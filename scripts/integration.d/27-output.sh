#!/usr/bin/env bash
# `sgswitch ec2 … --output X --query Q` against the real AWS CLI v2 on the
# same daemon: both print the same bytes for describe-security-groups,
# describe-vpcs, describe-subnets and describe-network-interfaces in text,
# table and json, with and without --query (plain json shows the key order,
# which is the EC2 model's member order in both).
# The unit tests hold goldens captured from the CLI; this checks them
# live. Also `aws sts get-caller-identity` on the same endpoint. Needs no
# root.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh

need_aws_v2
need_sgswitch run ec2

work=$(mktemp -d /tmp/sgs-output.XXXXXX)
daemon_pid=
cleanup() {
	set +e
	stop_daemon
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

export SGSWITCH_SOCKET=$work/admin.sock SGSWITCH_STATE_DIR=$work/state
ec2=127.0.0.1:${SGSWITCH_OUTPUT_PORT:-18790}
endpoint=http://$ec2
start_daemon --ec2-listen "$ec2"
aws_isolated "$endpoint"

awsx() { "$aws_bin" --endpoint-url "$endpoint" ec2 "$@"; }
sgs() { "$bin" ec2 --endpoint-url "$endpoint" "$@"; }

# Something of each kind to render: a second VPC, a subnet, a group with
# rules (one described), an interface with tags.
vpc=$(awsx create-vpc --cidr-block 10.9.0.0/16 --query Vpc.VpcId --output text)
sub=$(awsx create-subnet --vpc-id "$vpc" --cidr-block 10.9.1.0/24 --query Subnet.SubnetId --output text)
sg=$(awsx create-security-group --group-name web --description "web servers" --vpc-id "$vpc" --query GroupId --output text)
awsx authorize-security-group-ingress --group-id "$sg" --ip-permissions \
	'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=10.0.0.0/8,Description=ssh}]' \
	'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=0.0.0.0/0}]' >/dev/null
awsx create-network-interface --subnet-id "$sub" --groups "$sg" --description "app nic" \
	--tag-specifications 'ResourceType=network-interface,Tags=[{Key=Name,Value=app},{Key=Env,Value=prod}]' >/dev/null

checked=0
# same COMMAND OUTPUT [QUERY]: both clients print the same bytes and status.
same() {
	local cmd=$1 fmt=$2 rc_a=0 rc_s=0
	local args=("$cmd" --output "$fmt")
	[ $# -lt 3 ] || args+=(--query "$3")
	awsx "${args[@]}" >"$work/aws.out" 2>&1 || rc_a=$?
	sgs "${args[@]}" >"$work/sgs.out" 2>&1 || rc_s=$?
	[ "$rc_a" = "$rc_s" ] || fail "${args[*]}: sgswitch exited $rc_s, aws $rc_a"
	cmp -s "$work/aws.out" "$work/sgs.out" ||
		fail "${args[*]}: output differs from the AWS CLI's:$(diff "$work/aws.out" "$work/sgs.out" | head -20)"
	checked=$((checked + 1))
}

# The CLI prints only the fields its own EC2 model knows, and Debian's
# 2.9.19 predates SecurityGroupArn and an interface's
# ConnectionTrackingConfiguration, which sgswitch returns: groups and
# interfaces are compared over the fields it knows (text and table sort
# keys, so this is the whole rendering less those fields).
sgq='SecurityGroups[].{Description:Description,GroupId:GroupId,GroupName:GroupName,IpPermissions:IpPermissions,IpPermissionsEgress:IpPermissionsEgress,OwnerId:OwnerId,Tags:Tags,VpcId:VpcId}'
eniq='NetworkInterfaces[].{AvailabilityZone:AvailabilityZone,Description:Description,Groups:Groups,InterfaceType:InterfaceType,MacAddress:MacAddress,NetworkInterfaceId:NetworkInterfaceId,OwnerId:OwnerId,PrivateIpAddress:PrivateIpAddress,PrivateIpAddresses:PrivateIpAddresses,SourceDestCheck:SourceDestCheck,Status:Status,SubnetId:SubnetId,TagSet:TagSet,VpcId:VpcId}'
for fmt in text table; do
	same describe-vpcs "$fmt"
	same describe-subnets "$fmt"
	same describe-security-groups "$fmt" "$sgq"
	same describe-network-interfaces "$fmt" "$eniq"
done
# Plain json: the same bytes, less the members 2.9.19's model predates in
# sgswitch's (a group's ARN, an interface's idle timeouts), which the CLI
# drops and sgswitch writes after every member that model knows.
newer='s/,\n *"(SecurityGroupArn": "[^"]*"|ConnectionTrackingConfiguration": \{[^{}]*\})//g'
for cmd in describe-vpcs describe-subnets describe-security-groups describe-network-interfaces; do
	awsx "$cmd" --output json >"$work/aws.out" 2>&1 || fail "aws $cmd --output json: $(cat "$work/aws.out")"
	sgs "$cmd" --output json >"$work/sgs.raw" 2>&1 || fail "sgswitch ec2 $cmd --output json: $(cat "$work/sgs.raw")"
	perl -0777 -pe "$newer" "$work/sgs.raw" >"$work/sgs.out"
	cmp -s "$work/aws.out" "$work/sgs.out" ||
		fail "$cmd --output json: output differs from the AWS CLI's:$(diff "$work/aws.out" "$work/sgs.out" | head -20)"
	checked=$((checked + 1))
done
for fmt in json text table; do
	same describe-security-groups "$fmt" 'SecurityGroups[].{Z:GroupId,A:GroupName,R:IpPermissions[].FromPort}'
	same describe-security-groups "$fmt" 'SecurityGroups[].[GroupId,GroupName,length(IpPermissions)]'
	same describe-vpcs "$fmt" 'Vpcs[].CidrBlock'
	same describe-subnets "$fmt" 'Subnets[].{id:SubnetId,"a b":AvailabilityZone,cidr:CidrBlock}'
	same describe-network-interfaces "$fmt" 'NetworkInterfaces[].TagSet'
	same describe-network-interfaces "$fmt" 'NetworkInterfaces[0].Nope'
	same describe-network-interfaces "$fmt" 'NetworkInterfaces[].SourceDestCheck'
	same describe-network-interfaces "$fmt" 'NetworkInterfaces[].[PrivateIpAddress,[SubnetId,VpcId]]'
done
for fmt in text table; do
	same describe-security-groups "$fmt" 'SecurityGroups[?GroupName==`web`].IpPermissions[]'
	same describe-vpcs "$fmt" 'Vpcs[0]'
done
# A bad query: exit 255 before any request, as the CLI (its message is the
# JMESPath library's, so not compared).
rc=0
sgs describe-vpcs --query 'Vpcs[?' >/dev/null 2>"$work/err" || rc=$?
[ "$rc" = 255 ] && grep -q "Bad value for --query" "$work/err" || fail "bad --query: exit $rc, $(cat "$work/err")"
# STS on the same endpoint: the CLI signs for "sts" with the same credentials.
acct=$("$aws_bin" --endpoint-url "$endpoint" sts get-caller-identity --query Account --output text) ||
	fail "aws sts get-caller-identity"
[ "$acct" = 123456789012 ] || fail "sts get-caller-identity: account $acct"
same_sts=$("$aws_bin" --endpoint-url "$endpoint" sts get-caller-identity --output text)
[ "$same_sts" = "$(printf '123456789012\tarn:aws:iam::123456789012:root\t123456789012')" ] ||
	fail "sts get-caller-identity --output text: $same_sts"
echo "ok: sts get-caller-identity"

echo "ok: $checked outputs byte for byte as AWS CLI $("$aws_bin" --version 2>&1 | cut -d' ' -f1) prints them"
