#!/usr/bin/env bash
# The real AWS CLI v2 against the daemon's EC2 API for the VPC model:
# VPCs and their attributes, subnets, network ACLs and entries and their
# associations, route tables, routes and associations, interfaces in a
# subnet with the source/dest check off, tags across both models,
# attach/detach errors (a successful attach needs a lab node:
# 12-two-labs.sh), each with its errors, then everything taken down in
# EC2's order. Needs no root: it creates no lab.
#
# SGSWITCH_VPC_AWSCLI_ENDPOINT=URL runs the checks against an endpoint
# already running (credentials from the environment) instead of starting
# a daemon.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh

need_aws_v2
need_sgswitch run ec2

work=$(mktemp -d /tmp/sgs-vpc-awscli.XXXXXX)
daemon_pid=
cleanup() {
	set +e
	stop_daemon
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

endpoint=${SGSWITCH_VPC_AWSCLI_ENDPOINT:-}
if [ -z "$endpoint" ]; then
	export SGSWITCH_SOCKET=$work/admin.sock SGSWITCH_STATE_DIR=$work/state
	ec2=127.0.0.1:${SGSWITCH_VPC_AWSCLI_PORT:-18773}
	endpoint=http://$ec2
	start_daemon --ec2-listen "$ec2"
	aws_isolated "$endpoint"
else
	aws_env # credentials from the environment
fi

# VPC and its attributes.
vpc=$(q Vpc.VpcId create-vpc --cidr-block 10.250.0.0/16 --tag-specifications 'ResourceType=vpc,Tags=[{Key=Name,Value=it25}]')
[[ $vpc == vpc-* ]] || fail "create-vpc: $vpc"
want "$(q 'Vpcs[0].VpcId' describe-vpcs --filters Name=tag:Name,Values=it25)" "$vpc" "describe-vpcs by tag"
want "$(q 'length(Vpcs)' describe-vpcs --filters Name=cidr,Values=10.250.0.0/16 Name=vpc-id,Values="$vpc")" 1 "describe-vpcs filters"
expect_error InvalidVpc.Range CreateVpc create-vpc --cidr-block 10.0.0.0/8
awsx modify-vpc-attribute --vpc-id "$vpc" --enable-dns-hostnames '{"Value":true}'
want "$(q EnableDnsHostnames.Value describe-vpc-attribute --vpc-id "$vpc" --attribute enableDnsHostnames)" True "enableDnsHostnames"
awsx modify-vpc-attribute --vpc-id "$vpc" --no-enable-dns-support
want "$(q EnableDnsSupport.Value describe-vpc-attribute --vpc-id "$vpc" --attribute enableDnsSupport)" False "enableDnsSupport"
echo "ok: VPC $vpc and its attributes"

# Subnets.
suba=$(q Subnet.SubnetId create-subnet --vpc-id "$vpc" --cidr-block 10.250.1.0/24 --tag-specifications 'ResourceType=subnet,Tags=[{Key=tier,Value=public}]')
subb=$(q Subnet.SubnetId create-subnet --vpc-id "$vpc" --cidr-block 10.250.2.0/24)
[[ $suba == subnet-* && $subb == subnet-* ]] || fail "create-subnet: $suba $subb"
expect_error InvalidSubnet.Conflict CreateSubnet create-subnet --vpc-id "$vpc" --cidr-block 10.250.1.128/25
expect_error InvalidSubnet.Range CreateSubnet create-subnet --vpc-id "$vpc" --cidr-block 10.251.0.0/24
want "$(q 'length(Subnets)' describe-subnets --filters Name=vpc-id,Values="$vpc")" 2 "describe-subnets vpc-id"
echo "ok: subnets $suba $subb"

# A group and an interface in the new VPC; the source/dest check off.
sg=$(q GroupId create-security-group --vpc-id "$vpc" --group-name it25 --description "it25 group")
# Without --vpc-id a group goes to the default VPC, as EC2 does: the
# daemon's own VPC is the account's default one (IsDefault).
defvpc=$(q 'Vpcs[?IsDefault].VpcId | [0]' describe-vpcs)
sgb=$(q GroupId create-security-group --group-name it25b --description x)
want "$(q 'SecurityGroups[0].VpcId' describe-security-groups --group-ids "$sgb")" "$defvpc" "a group without --vpc-id is in the default VPC"
awsx delete-security-group --group-id "$sgb"
want "$(q 'SecurityGroups[0].GroupId' describe-security-groups --filters Name=vpc-id,Values="$vpc" Name=group-name,Values=it25)" "$sg" "describe-security-groups vpc-id"
eni=$(q NetworkInterface.NetworkInterfaceId create-network-interface --subnet-id "$suba" --groups "$sg")
want "$(q 'NetworkInterfaces[0].[SubnetId,VpcId,PrivateIpAddress]' describe-network-interfaces --network-interface-ids "$eni")" \
	"$suba	$vpc	10.250.1.4" "the interface's subnet, VPC and first free address"
awsx modify-network-interface-attribute --network-interface-id "$eni" --no-source-dest-check
want "$(q 'NetworkInterfaces[0].SourceDestCheck' describe-network-interfaces --filters Name=vpc-id,Values="$vpc")" False "source/dest check"
echo "ok: group $sg, interface $eni"

# Network ACLs.
acl=$(q NetworkAcl.NetworkAclId create-network-acl --vpc-id "$vpc")
awsx create-network-acl-entry --network-acl-id "$acl" --ingress --rule-number 100 --protocol tcp --port-range From=443,To=443 --cidr-block 0.0.0.0/0 --rule-action allow
expect_error NetworkAclEntryAlreadyExists CreateNetworkAclEntry create-network-acl-entry --network-acl-id "$acl" --ingress --rule-number 100 --protocol -1 --cidr-block 0.0.0.0/0 --rule-action deny
awsx replace-network-acl-entry --network-acl-id "$acl" --ingress --rule-number 100 --protocol tcp --port-range From=22,To=22 --cidr-block 10.0.0.0/8 --rule-action allow
want "$(q 'NetworkAcls[0].Entries[?RuleNumber==`100`].PortRange.From' describe-network-acls --network-acl-ids "$acl")" 22 "replace-network-acl-entry"
read -r defacl assoc < <(q 'NetworkAcls[0].[NetworkAclId,Associations[?SubnetId==`'"$suba"'`].NetworkAclAssociationId|[0]]' \
	describe-network-acls --filters Name=association.subnet-id,Values="$suba")
[[ $assoc == aclassoc-* ]] || fail "the subnet's ACL association: $assoc"
newassoc=$(q NewAssociationId replace-network-acl-association --association-id "$assoc" --network-acl-id "$acl")
expect_error DependencyViolation DeleteNetworkAcl delete-network-acl --network-acl-id "$acl"
expect_error InvalidNetworkAclEntry.NotFound DeleteNetworkAclEntry delete-network-acl-entry --network-acl-id "$acl" --egress --rule-number 100
awsx replace-network-acl-association --association-id "$newassoc" --network-acl-id "$defacl" >/dev/null
awsx delete-network-acl-entry --network-acl-id "$acl" --ingress --rule-number 100
awsx delete-network-acl --network-acl-id "$acl"
expect_error InvalidNetworkAclID.NotFound DescribeNetworkAcls describe-network-acls --network-acl-ids "$acl"
echo "ok: network ACL $acl"

# Route tables.
rtb=$(q RouteTable.RouteTableId create-route-table --vpc-id "$vpc")
awsx create-route --route-table-id "$rtb" --destination-cidr-block 0.0.0.0/0 --network-interface-id "$eni" >/dev/null
expect_error RouteAlreadyExists CreateRoute create-route --route-table-id "$rtb" --destination-cidr-block 0.0.0.0/0 --network-interface-id "$eni"
expect_error UnsupportedOperation CreateRoute create-route --route-table-id "$rtb" --destination-cidr-block 192.0.2.0/24 --gateway-id igw-0123456789abcdef0
awsx replace-route --route-table-id "$rtb" --destination-cidr-block 0.0.0.0/0 --network-interface-id "$eni"
rtassoc=$(q AssociationId associate-route-table --route-table-id "$rtb" --subnet-id "$subb")
want "$(q 'RouteTables[0].RouteTableId' describe-route-tables --filters Name=association.subnet-id,Values="$subb")" "$rtb" "associate-route-table"
expect_error DependencyViolation DeleteRouteTable delete-route-table --route-table-id "$rtb"
awsx disassociate-route-table --association-id "$rtassoc"
awsx delete-route --route-table-id "$rtb" --destination-cidr-block 0.0.0.0/0
expect_error InvalidRoute.NotFound DeleteRoute delete-route --route-table-id "$rtb" --destination-cidr-block 0.0.0.0/0
awsx delete-route-table --route-table-id "$rtb"
echo "ok: route table $rtb"

# Attach/detach: no instances yet, EC2's codes.
expect_error InvalidInstanceID.NotFound AttachNetworkInterface attach-network-interface --network-interface-id "$eni" --instance-id i-0123456789abcdef0 --device-index 1
expect_error InvalidAttachmentID.NotFound DetachNetworkInterface detach-network-interface --attachment-id eni-attach-0123456789abcdef0

# Tags across both models.
awsx create-tags --resources "$vpc" "$subb" "$sg" "$eni" --tags Key=it25,Value=yes
want "$(q 'length(Tags)' describe-tags --filters Name=key,Values=it25)" 4 "describe-tags across models"
want "$(q 'Tags[0].ResourceId' describe-tags --filters Name=key,Values=it25 Name=resource-type,Values=subnet)" "$subb" "describe-tags resource-type"
awsx delete-tags --resources "$vpc" "$subb" --tags Key=it25
want "$(q 'length(Tags)' describe-tags --filters Name=key,Values=it25)" 2 "after delete-tags"
expect_error InvalidID CreateTags create-tags --resources nope-1 --tags Key=a,Value=b
echo "ok: tags"

# Down, in EC2's order.
expect_error DependencyViolation DeleteSubnet delete-subnet --subnet-id "$suba"
expect_error DependencyViolation DeleteVpc delete-vpc --vpc-id "$vpc"
awsx delete-network-interface --network-interface-id "$eni"
awsx delete-security-group --group-id "$sg" >/dev/null
awsx delete-subnet --subnet-id "$suba"
awsx delete-subnet --subnet-id "$subb"
awsx delete-vpc --vpc-id "$vpc"
expect_error InvalidVpcID.NotFound DescribeVpcs describe-vpcs --vpc-ids "$vpc"
echo "ok: VPC model; AWS CLI $("$aws_bin" --version 2>&1 | cut -d' ' -f1) against $endpoint"
