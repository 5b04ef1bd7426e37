#!/usr/bin/env bash
# The real AWS CLI v2 against the daemon's EC2 API for managed prefix lists
# (the whole life cycle, versions, associations, the AWS-managed lists,
# each with its errors) and the calls tools make first (account
# attributes, regions, zones, stale groups), with
# --output table/text, --query and a paginated describe. Needs no root.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/integration.sh

need_aws_v2
need_sgswitch run ec2

ec2_daemon pl-awscli "${SGSWITCH_PL_AWSCLI_PORT:-18794}"


# The calls tools make first.
want "$(q 'AccountAttributes[?AttributeName==`supported-platforms`].AttributeValues[0].AttributeValue' describe-account-attributes)" VPC "supported-platforms"
defvpc=$(q 'AccountAttributes[0].AttributeValues[0].AttributeValue' describe-account-attributes --attribute-names default-vpc)
[[ $defvpc == vpc-* ]] || fail "default-vpc: $defvpc"
want "$(q 'Regions[].RegionName' describe-regions)" us-east-1 "describe-regions"
want "$(q 'length(AvailabilityZones)' describe-availability-zones)" 6 "describe-availability-zones"
"$aws_bin" --endpoint-url "$endpoint" --output table ec2 describe-availability-zones --zone-names us-east-1a \
	--query 'AvailabilityZones[].[ZoneName,ZoneId,State]' | grep -q 'us-east-1a.*use1-az1.*available' || fail "zones as a table"
# (get-security-groups-for-vpc is newer than Debian's AWS CLI 2.9.19: the
# aws-sdk-go-v2 tests cover it.)
want "$(q 'length(StaleSecurityGroupSet)' describe-stale-security-groups --vpc-id "$defvpc")" 0 "describe-stale-security-groups"
expect_error InvalidVpcID.NotFound DescribeStaleSecurityGroups describe-stale-security-groups --vpc-id vpc-0123456789abcdef0
echo "ok: account attributes, regions, zones, stale groups of $defvpc"

# A list, a rule that references it, versions.
pl=$(q PrefixList.PrefixListId create-managed-prefix-list --prefix-list-name office --address-family IPv4 --max-entries 5 \
	--entries Cidr=192.0.2.0/24,Description=hq --tag-specifications 'ResourceType=prefix-list,Tags=[{Key=team,Value=net}]')
[[ $pl == pl-* ]] || fail "create-managed-prefix-list: $pl"
expect_error InvalidParameterValue CreateManagedPrefixList create-managed-prefix-list --prefix-list-name com.amazonaws.x --address-family IPv4 --max-entries 1
sg=$(q GroupId create-security-group --group-name pl-users --description "uses office")
awsx authorize-security-group-ingress --group-id "$sg" --ip-permissions "IpProtocol=tcp,FromPort=22,ToPort=22,PrefixListIds=[{PrefixListId=$pl}]" >/dev/null
want "$(q 'PrefixListAssociations[].ResourceId' get-managed-prefix-list-associations --prefix-list-id "$pl")" "$sg" "associations"
want "$(q PrefixList.Version modify-managed-prefix-list --prefix-list-id "$pl" --current-version 1 --add-entries Cidr=198.51.100.0/24)" 2 "modify"
expect_error PrefixListVersionMismatch ModifyManagedPrefixList modify-managed-prefix-list --prefix-list-id "$pl" --current-version 1 --add-entries Cidr=203.0.113.0/24
expect_error InvalidParameterCombination ModifyManagedPrefixList modify-managed-prefix-list --prefix-list-id "$pl" --max-entries 9 --add-entries Cidr=203.0.113.0/24
want "$(q 'Entries[].Cidr' get-managed-prefix-list-entries --prefix-list-id "$pl" --target-version 1)" 192.0.2.0/24 "entries at version 1"
want "$(q PrefixList.Version restore-managed-prefix-list-version --prefix-list-id "$pl" --previous-version 1 --current-version 2)" 3 "restore"
want "$(q PrefixList.MaxEntries modify-managed-prefix-list --prefix-list-id "$pl" --max-entries 8)" 8 "resize"
"$aws_bin" --endpoint-url "$endpoint" --output text ec2 get-managed-prefix-list-entries --prefix-list-id "$pl" |
	grep -qP '^ENTRIES\t192\.0\.2\.0/24\thq$' || fail "entries as text"
expect_error DependencyViolation DeleteManagedPrefixList delete-managed-prefix-list --prefix-list-id "$pl"
echo "ok: prefix list $pl, its versions and its group"

# The AWS-managed lists.
s3=$(q 'PrefixLists[0].PrefixListId' describe-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.us-east-1.s3)
[[ $s3 == pl-* ]] || fail "describe-prefix-lists: $s3"
want "$(q 'PrefixLists[0].OwnerId' describe-managed-prefix-lists --prefix-list-ids "$s3")" AWS "s3 owner"
expect_error UnsupportedOperation DeleteManagedPrefixList delete-managed-prefix-list --prefix-list-id "$s3"

# A paginated describe: the CLI follows NextToken itself (3 lists, 1 per
# page) and merges the pages for JSON (text prints the query per page).
want "$(awsx describe-managed-prefix-lists --page-size 1 --query 'length(PrefixLists)')" 3 "paginated describe"
want "$(q 'PrefixLists[].PrefixListName' describe-managed-prefix-lists --page-size 1 --filters Name=owner-id,Values=AWS | sort | tr '\n' ' ')" \
	"com.amazonaws.us-east-1.dynamodb com.amazonaws.us-east-1.s3 " "paginated text"
want "$(awsx describe-managed-prefix-lists --max-items 1 --query 'length(PrefixLists)')" 1 "--max-items"
expect_error InvalidParameterValue DescribeManagedPrefixLists describe-managed-prefix-lists --max-results 101

# Down, in EC2's order.
awsx revoke-security-group-ingress --group-id "$sg" --ip-permissions "IpProtocol=tcp,FromPort=22,ToPort=22,PrefixListIds=[{PrefixListId=$pl}]" >/dev/null
awsx delete-security-group --group-id "$sg" >/dev/null
want "$(q PrefixList.PrefixListId delete-managed-prefix-list --prefix-list-id "$pl")" "$pl" "delete"
expect_error InvalidPrefixListID.NotFound GetManagedPrefixListEntries get-managed-prefix-list-entries --prefix-list-id "$pl"
echo "PASS: prefix lists through the AWS CLI"
