"""boto3 (Debian's python3-boto3) against sgswitch's EC2 API, as a user's
script would drive EC2: groups, a prefix list, tags, rules, a paginator, a
waiter and the request id. Run by scripts/integration.d/70-boto3.sh with the
endpoint as argv[1] and the daemon's credentials in the environment."""

import sys

import boto3
from botocore.exceptions import ClientError


def expect_error(code, fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"{fn.__name__}: want {code}, got {got}"
        return
    raise AssertionError(f"{fn.__name__}: want {code}, got success")


def main(endpoint):
    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name="us-east-1")

    regions = ec2.describe_regions()["Regions"]
    assert [r["RegionName"] for r in regions] == ["us-east-1"], regions
    attrs = {a["AttributeName"] for a in ec2.describe_account_attributes()["AccountAttributes"]}
    assert "supported-platforms" in attrs, attrs

    vpc = ec2.create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
    names = [f"boto3-{i}" for i in range(7)]
    ids = []
    for n in names:
        out = ec2.create_security_group(
            GroupName=n, Description=f"{n} group", VpcId=vpc,
            TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "suite", "Value": "boto3"}]}])
        assert out["ResponseMetadata"]["RequestId"], out["ResponseMetadata"]
        ids.append(out["GroupId"])
    ec2.get_waiter("security_group_exists").wait(GroupIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 5})

    pl = ec2.create_managed_prefix_list(
        PrefixListName="office", AddressFamily="IPv4", MaxEntries=5,
        Entries=[{"Cidr": "192.0.2.0/24", "Description": "hq"}],
        TagSpecifications=[{"ResourceType": "prefix-list", "Tags": [{"Key": "suite", "Value": "boto3"}]}])["PrefixList"]
    ec2.create_tags(Resources=[ids[0]], Tags=[{"Key": "role", "Value": "web"}])

    # CIDR and group rules here; prefix-list rules in the default VPC,
    # where sgswitch keeps prefix lists (per VPC, not per Region).
    rules = ec2.authorize_security_group_ingress(GroupId=ids[0], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": ids[1]}]},
    ])["SecurityGroupRules"]
    assert len(rules) == 2 and all(r["SecurityGroupRuleId"].startswith("sgr-") for r in rules), rules
    expect_error("InvalidPermission.Duplicate", ec2.authorize_security_group_ingress, GroupId=ids[0],
                 IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])

    dv = ec2.describe_account_attributes(AttributeNames=["default-vpc"])["AccountAttributes"][0]["AttributeValues"][0]["AttributeValue"]
    assert dv.startswith("vpc-"), dv  # the daemon's own VPC
    g = ec2.create_security_group(GroupName="boto3-pl", Description="uses the prefix list", VpcId=dv)["GroupId"]
    ec2.authorize_security_group_egress(GroupId=g, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "PrefixListIds": [{"PrefixListId": pl["PrefixListId"]}]}])
    assoc = ec2.get_managed_prefix_list_associations(PrefixListId=pl["PrefixListId"])["PrefixListAssociations"]
    assert [a["ResourceId"] for a in assoc] == [g], assoc
    expect_error("DependencyViolation", ec2.delete_managed_prefix_list, PrefixListId=pl["PrefixListId"])
    ec2.revoke_security_group_egress(GroupId=g, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "PrefixListIds": [{"PrefixListId": pl["PrefixListId"]}]}])
    ec2.delete_security_group(GroupId=g)

    mod = ec2.modify_managed_prefix_list(PrefixListId=pl["PrefixListId"], CurrentVersion=1,
                                         AddEntries=[{"Cidr": "198.51.100.0/24"}])["PrefixList"]
    assert mod["Version"] == 2, mod
    expect_error("PrefixListVersionMismatch", ec2.modify_managed_prefix_list, PrefixListId=pl["PrefixListId"], CurrentVersion=1,
                 AddEntries=[{"Cidr": "203.0.113.0/24"}])
    v1 = ec2.get_managed_prefix_list_entries(PrefixListId=pl["PrefixListId"], TargetVersion=1)["Entries"]
    assert [e["Cidr"] for e in v1] == ["192.0.2.0/24"], v1

    # Paginators: 7 groups of the VPC (plus its default), 5 per page.
    pages = ec2.get_paginator("describe_security_groups").paginate(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}], PaginationConfig={"PageSize": 5})
    counts = [len(p["SecurityGroups"]) for p in pages]
    assert counts == [5, 3], counts
    tagged = ec2.describe_security_groups(Filters=[{"Name": "tag:role", "Values": ["web"]}])["SecurityGroups"]
    assert [g["GroupId"] for g in tagged] == [ids[0]], tagged
    pls = [p for page in ec2.get_paginator("describe_managed_prefix_lists").paginate(
        PaginationConfig={"PageSize": 1}) for p in page["PrefixLists"]]
    mine = [p["PrefixListId"] for p in pls if p["OwnerId"] != "AWS"]
    assert mine == [pl["PrefixListId"]] and len(pls) == 3, pls  # and the s3 and dynamodb lists
    s3 = ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": ["com.amazonaws.us-east-1.s3"]}])["PrefixLists"]
    assert len(s3) == 1, s3
    expect_error("UnsupportedOperation", ec2.delete_managed_prefix_list, PrefixListId=s3[0]["PrefixListId"])

    expect_error("DryRunOperation", ec2.delete_security_group, GroupId=ids[0], DryRun=True)
    expect_error("DependencyViolation", ec2.delete_security_group, GroupId=ids[1])
    ec2.revoke_security_group_ingress(GroupId=ids[0], SecurityGroupRuleIds=[r["SecurityGroupRuleId"] for r in rules])
    for g in ids:
        ec2.delete_security_group(GroupId=g)
    ec2.delete_managed_prefix_list(PrefixListId=pl["PrefixListId"])
    ec2.delete_vpc(VpcId=vpc)
    print("boto3", boto3.__version__, "ok")


if __name__ == "__main__":
    main(sys.argv[1])
