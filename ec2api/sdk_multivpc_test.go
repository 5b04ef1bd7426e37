package ec2api

import (
	"context"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// Security-group, interface and tag actions over an account of two VPCs,
// driven by aws-sdk-go-v2: each id finds its own VPC, the describes span
// both, and nothing ties the two VPCs together.

// twoVPCs is an account with VPC A (10.1.0.0/16, IPv6, subnet 10.1.1.0/24
// with a /64) and VPC B (10.2.0.0/16, subnet 10.2.1.0/24), each with a
// group "web", and a lab node's interface in A.
type twoVPCs struct {
	backend          *MemAccountBackend
	client           *ec2.Client
	handler          *httptest.Server
	vpcA, vpcB       string
	subA, subB       string
	defA, webA, webB string
	labENI           string
}

func newTwoVPCs(t *testing.T) *twoVPCs {
	t.Helper()
	a, err := account.New(account.Config{Network: vpc.Config{IDSeed: 11, VpcsPerRegion: 10}})
	if err != nil {
		t.Fatal(err)
	}
	l := &twoVPCs{}
	va, err := a.CreateVpc("10.1.0.0/16", "fd00:a::/56", nil)
	check(t, err)
	vb, err := a.CreateVpc("10.2.0.0/16", "", nil)
	check(t, err)
	sa, err := a.Network().CreateSubnet(va.VpcId, "10.1.1.0/24", "fd00:a::/64", "", nil)
	check(t, err)
	sb, err := a.Network().CreateSubnet(vb.VpcId, "10.2.1.0/24", "", "", nil)
	check(t, err)
	l.vpcA, l.vpcB, l.subA, l.subB = va.VpcId, vb.VpcId, sa.SubnetId, sb.SubnetId
	l.defA = a.Groups(l.vpcA).DefaultGroupID()
	ga, err := a.Groups(l.vpcA).CreateSecurityGroup("web", "web in A", nil)
	check(t, err)
	gb, err := a.Groups(l.vpcB).CreateSecurityGroup("web", "web in B", nil)
	check(t, err)
	l.webA, l.webB = ga.GroupId, gb.GroupId
	eni, err := a.CreateNetworkInterface(l.subA, ruleset.ENISpec{Name: "n1", AttachedTo: "lab/n1"}, nil)
	check(t, err)
	l.labENI = eni.NetworkInterfaceId
	l.backend = NewMemAccountBackend(a)
	l.handler = httptest.NewServer(NewHandler(l.backend))
	t.Cleanup(l.handler.Close)
	l.client = sdkClient(l.handler.URL, "AKIDLAB", "lab-secret")
	return l
}

// wantOtherNetwork wants EC2's refusal of resources of two VPCs in one
// request (the State of one VPC alone would answer InvalidGroup.NotFound
// too, for a group it does not know: the message tells them apart).
func wantOtherNetwork(t *testing.T, err error) {
	t.Helper()
	wantCode(t, err, "InvalidGroup.NotFound")
	if !strings.Contains(err.Error(), "belong to different networks") {
		t.Fatalf("want the different-networks message, got %v", err)
	}
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (l *twoVPCs) spec(t *testing.T) account.Spec {
	t.Helper()
	var sp account.Spec
	check(t, l.backend.ReadAccount(func(a *account.Account) error { sp = a.Spec(); return nil }))
	return sp
}

func groupIDs(gs []types.SecurityGroup) []string {
	var ids []string
	for _, g := range gs {
		ids = append(ids, aws.ToString(g.GroupId))
	}
	return ids
}

func vpcFilter(id string) []types.Filter {
	return []types.Filter{{Name: aws.String("vpc-id"), Values: []string{id}}}
}

func TestSDKMultiVPCSecurityGroups(t *testing.T) {
	l := newTwoVPCs(t)
	ctx := context.Background()
	_, err := l.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("x"), Description: aws.String("d")})
	wantCode(t, err, "VPCIdNotSpecified")
	db := must(l.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("db"), Description: aws.String("d"), VpcId: aws.String(l.vpcB)}))(t)

	all := must(l.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{}))(t)
	if len(all.SecurityGroups) != 5 { // two defaults, two web, db
		t.Fatalf("all groups: %v", groupIDs(all.SecurityGroups))
	}
	inB := must(l.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: vpcFilter(l.vpcB)}))(t)
	if len(inB.SecurityGroups) != 3 {
		t.Fatalf("groups of B: %v", groupIDs(inB.SecurityGroups))
	}
	for _, g := range inB.SecurityGroups {
		if aws.ToString(g.VpcId) != l.vpcB {
			t.Fatalf("vpc-id filter let %s of %s through", aws.ToString(g.GroupId), aws.ToString(g.VpcId))
		}
	}
	byID := must(l.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{l.webB, l.webA, aws.ToString(db.GroupId)}}))(t)
	if got := groupIDs(byID.SecurityGroups); !reflect.DeepEqual(got, []string{l.webB, l.webA, aws.ToString(db.GroupId)}) {
		t.Fatalf("by id across VPCs: %v", got)
	}
	_, err = l.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"web"}})
	wantCode(t, err, "VPCIdNotSpecified")
	_, err = l.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-0000000000000000f"}})
	wantCode(t, err, "InvalidGroup.NotFound")

	before := l.spec(t)
	_, err = l.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(l.webA),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
			UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String(l.webB)}}}}})
	wantOtherNetwork(t, err)
	if !reflect.DeepEqual(before, l.spec(t)) {
		t.Fatal("a refused cross-VPC reference changed the account")
	}
	ok := must(l.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(l.webB),
		IpPermissions: []types.IpPermission{tcp(443, "10.2.0.0/16")}}))(t)
	ruleB := aws.ToString(ok.SecurityGroupRules[0].SecurityGroupRuleId)
	rules := must(l.client.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{ruleB}}))(t)
	if len(rules.SecurityGroupRules) != 1 || aws.ToString(rules.SecurityGroupRules[0].GroupId) != l.webB {
		t.Fatalf("rule of B by id: %+v", rules.SecurityGroupRules)
	}
	_, err = l.client.ModifySecurityGroupRules(ctx, &ec2.ModifySecurityGroupRulesInput{GroupId: aws.String(l.webB),
		SecurityGroupRules: []types.SecurityGroupRuleUpdate{{SecurityGroupRuleId: aws.String(ruleB), SecurityGroupRule: &types.SecurityGroupRuleRequest{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), ReferencedGroupId: aws.String(l.webA)}}}})
	wantOtherNetwork(t, err)
	allRules := must(l.client.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{}))(t)
	// A: default (self ingress, two egress), web (two egress); B: default
	// (self ingress, egress), web (egress, 443), db (egress).
	if len(allRules.SecurityGroupRules) != 10 {
		t.Fatalf("rules across VPCs: %d", len(allRules.SecurityGroupRules))
	}
	_, err = l.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupName: aws.String("db")})
	wantCode(t, err, "VPCIdNotSpecified")
	must(l.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: db.GroupId}))(t)
}

func TestSDKMultiVPCInterfaces(t *testing.T) {
	l := newTwoVPCs(t)
	ctx := context.Background()
	before := l.spec(t)
	_, err := l.client.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(l.subB), Groups: []string{l.webA}})
	wantOtherNetwork(t, err)
	_, err = l.client.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(l.subB), PrivateIpAddress: aws.String("10.1.1.9")})
	wantCode(t, err, "InvalidParameterValue")
	_, err = l.client.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String("subnet-0123456789abcdef0")})
	wantCode(t, err, "InvalidSubnetID.NotFound")
	if !reflect.DeepEqual(before, l.spec(t)) {
		t.Fatal("a refused CreateNetworkInterface changed the account")
	}

	a := must(l.client.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(l.subA), Ipv6AddressCount: aws.Int32(1),
		TagSpecifications: tagSpec(types.ResourceTypeNetworkInterface, "env", "lab")}))(t).NetworkInterface
	if aws.ToString(a.SubnetId) != l.subA || aws.ToString(a.VpcId) != l.vpcA || aws.ToString(a.PrivateIpAddress) != "10.1.1.5" ||
		!aws.ToBool(a.SourceDestCheck) || aws.ToString(a.AvailabilityZone) == "" || len(a.Groups) != 1 || aws.ToString(a.Groups[0].GroupId) != l.defA ||
		len(a.Ipv6Addresses) != 1 || !netip.MustParsePrefix("fd00:a::/64").Contains(netip.MustParseAddr(aws.ToString(a.Ipv6Addresses[0].Ipv6Address))) {
		t.Fatalf("interface in A: %+v", a)
	}
	b := must(l.client.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(l.subB), Groups: []string{l.webB}}))(t).NetworkInterface
	idA, idB := aws.ToString(a.NetworkInterfaceId), aws.ToString(b.NetworkInterfaceId)
	if aws.ToString(b.PrivateIpAddress) != "10.2.1.4" || aws.ToString(b.VpcId) != l.vpcB {
		t.Fatalf("interface in B: %+v", b)
	}

	count := func(f []types.Filter) int {
		d := must(l.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: f}))(t)
		return len(d.NetworkInterfaces)
	}
	zone := aws.ToString(a.AvailabilityZone)
	if n, nb, ns, nz := count(nil), count(vpcFilter(l.vpcB)), count([]types.Filter{{Name: aws.String("subnet-id"), Values: []string{l.subA}}}),
		count([]types.Filter{{Name: aws.String("availability-zone"), Values: []string{zone}}}); n != 3 || nb != 1 || ns != 2 || nz != 3 {
		t.Fatalf("describe: all %d, vpc-id B %d, subnet-id A %d, zone %d", n, nb, ns, nz)
	}

	_, err = l.client.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(idA), Groups: []string{l.webB}})
	wantOtherNetwork(t, err)
	must(l.client.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(idA),
		SourceDestCheck: &types.AttributeBooleanValue{Value: aws.Bool(false)}}))(t)
	d := must(l.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{idB, idA}}))(t)
	if len(d.NetworkInterfaces) != 2 || aws.ToBool(d.NetworkInterfaces[1].SourceDestCheck) || !aws.ToBool(d.NetworkInterfaces[0].SourceDestCheck) {
		t.Fatalf("source/dest check after the change: %+v", d.NetworkInterfaces)
	}
	check(t, l.backend.ReadAccount(func(acc *account.Account) error {
		if p, _ := acc.Network().Interface(idA); p.SourceDestCheck {
			t.Error("the VPC model still checks the interface")
		}
		return nil
	}))

	got := must(l.client.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(idB), SecondaryPrivateIpAddressCount: aws.Int32(1)}))(t)
	if len(got.AssignedPrivateIpAddresses) != 1 || aws.ToString(got.AssignedPrivateIpAddresses[0].PrivateIpAddress) != "10.2.1.5" {
		t.Fatalf("secondary in B: %+v", got.AssignedPrivateIpAddresses)
	}
	_, err = l.client.AssignIpv6Addresses(ctx, &ec2.AssignIpv6AddressesInput{NetworkInterfaceId: aws.String(idB), Ipv6AddressCount: aws.Int32(1)})
	wantCode(t, err, "InvalidParameterValue") // B's subnet has no IPv6 block
	must(l.client.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(idB)}))(t)
	_, err = l.client.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(idB)})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
}

func TestSDKMultiVPCTags(t *testing.T) {
	l := newTwoVPCs(t)
	ctx := context.Background()
	env := []types.Tag{{Key: aws.String("env"), Value: aws.String("lab")}}
	before := l.spec(t)
	_, err := l.client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{l.webB, "vpc-0123456789abcdef0"}, Tags: env})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = l.client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{l.vpcA, "eni-0123456789abcdef0"}, Tags: env})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	if !reflect.DeepEqual(before, l.spec(t)) {
		t.Fatal("a refused CreateTags changed the account")
	}
	targets := []string{l.vpcA, l.subB, l.webB, l.labENI}
	must(l.client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: targets, Tags: env}))(t)
	tagged := func(filters ...types.Filter) []string {
		out := must(l.client.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: filters}))(t)
		var ids []string
		for _, d := range out.Tags {
			if aws.ToString(d.Key) == "env" {
				ids = append(ids, aws.ToString(d.ResourceId))
			}
		}
		return ids
	}
	want := []string{l.labENI, l.webB, l.subB, l.vpcA} // eni- < sg- < subnet- < vpc-
	if got := tagged(); !reflect.DeepEqual(got, want) {
		t.Fatalf("DescribeTags: %v, want %v", got, want)
	}
	byTag := types.Filter{Name: aws.String("tag:env"), Values: []string{"l*"}}
	if got := tagged(byTag); !reflect.DeepEqual(got, want) {
		t.Fatalf("tag:env filter: %v, want %v", got, want)
	}
	subnets := types.Filter{Name: aws.String("resource-type"), Values: []string{"subnet"}}
	if got := tagged(subnets); !reflect.DeepEqual(got, []string{l.subB}) {
		t.Fatalf("resource-type subnet: %v", got)
	}
	must(l.client.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{l.vpcA, l.webB}}))(t)
	if got := tagged(); !reflect.DeepEqual(got, []string{l.labENI, l.subB}) {
		t.Fatalf("after DeleteTags of every tag of vpcA and webB: %v", got)
	}
}

func TestSDKAttachDetachNetworkInterface(t *testing.T) {
	l := newTwoVPCs(t)
	ctx := context.Background()
	d := must(l.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{l.labENI}}))(t)
	att := d.NetworkInterfaces[0].Attachment
	if att == nil || !strings.HasPrefix(aws.ToString(att.AttachmentId), "eni-attach-") {
		t.Fatalf("lab interface attachment: %+v", att)
	}
	_, err := l.client.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: att.AttachmentId})
	wantCode(t, err, "OperationNotPermitted")
	_, err = l.client.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: aws.String("eni-attach-0123456789abcdef0")})
	wantCode(t, err, "InvalidAttachmentID.NotFound")
	spare := must(l.client.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(l.subB)}))(t).NetworkInterface
	_, err = l.client.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: spare.NetworkInterfaceId,
		InstanceId: aws.String("i-0123456789abcdef0"), DeviceIndex: aws.Int32(1)})
	wantCode(t, err, "InvalidInstanceID.NotFound")
	_, err = l.client.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: spare.NetworkInterfaceId,
		InstanceId: aws.String("lab/n1"), DeviceIndex: aws.Int32(1)})
	wantCode(t, err, "InvalidInstanceID.Malformed")
}

// TestMultiVPCValidation: every validation the account adds, sent raw,
// answers its EC2 code and leaves the account as it was.
func TestMultiVPCValidation(t *testing.T) {
	l := newTwoVPCs(t)
	h := NewHandler(l.backend)
	var attachment string
	check(t, l.backend.ReadAccount(func(a *account.Account) error {
		ds, err := a.Groups(l.vpcA).DescribeNetworkInterfaces([]string{l.labENI}, nil)
		attachment = ds[0].Attachment.AttachmentId
		return err
	}))
	const v = "&Version=2016-11-15"
	cases := []struct{ body, code string }{
		{"Action=CreateSecurityGroup&GroupName=x&GroupDescription=d", codeVPCIdNotSpecified},
		{"Action=CreateSecurityGroup&GroupName=x&GroupDescription=d&VpcId=vpc-0123456789abcdef0", "InvalidVpcID.NotFound"},
		{"Action=AuthorizeSecurityGroupIngress&GroupName=web&IpProtocol=tcp&FromPort=1&ToPort=1&CidrIp=10.0.0.0/8", codeVPCIdNotSpecified},
		{"Action=AuthorizeSecurityGroupIngress&GroupId=" + l.webA + "&IpPermissions.1.IpProtocol=-1&IpPermissions.1.Groups.1.GroupId=" + l.webB, "InvalidGroup.NotFound"},
		{"Action=RevokeSecurityGroupIngress&GroupId=sg-0123456789abcdef0&IpPermissions.1.IpProtocol=-1&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0/8", "InvalidGroup.NotFound"},
		{"Action=DescribeSecurityGroupRules&SecurityGroupRuleId.1=sgr-0123456789abcdef0", "InvalidSecurityGroupRuleId.NotFound"},
		{"Action=CreateNetworkInterface&SubnetId=" + l.subB + "&SecurityGroupId.1=" + l.webA, "InvalidGroup.NotFound"},
		{"Action=CreateNetworkInterface&SubnetId=subnet-0123456789abcdef0", "InvalidSubnetID.NotFound"},
		{"Action=CreateNetworkInterface&SubnetId=" + l.subB + "&PrivateIpAddress=10.2.1.3", codeInvalidParameterValue},
		{"Action=ModifyNetworkInterfaceAttribute&NetworkInterfaceId=" + l.labENI + "&SecurityGroupId.1=" + l.webB, "InvalidGroup.NotFound"},
		{"Action=ModifyNetworkInterfaceAttribute&NetworkInterfaceId=eni-0123456789abcdef0&SourceDestCheck.Value=false", "InvalidNetworkInterfaceID.NotFound"},
		{"Action=AttachNetworkInterface&InstanceId=i-0123456789abcdef0&DeviceIndex=1", codeMissingParameter},
		{"Action=AttachNetworkInterface&NetworkInterfaceId=" + l.labENI + "&DeviceIndex=1", codeMissingParameter},
		{"Action=AttachNetworkInterface&NetworkInterfaceId=" + l.labENI + "&InstanceId=i-0123456789abcdef0", codeMissingParameter},
		{"Action=AttachNetworkInterface&NetworkInterfaceId=" + l.labENI + "&InstanceId=i-0123456789abcdef0&DeviceIndex=-1", codeInvalidParameterValue},
		{"Action=AttachNetworkInterface&NetworkInterfaceId=" + l.labENI + "&InstanceId=i-xyz&DeviceIndex=1", codeInvalidInstanceIDMalformed},
		{"Action=AttachNetworkInterface&NetworkInterfaceId=eni-0123456789abcdef0&InstanceId=i-0123456789abcdef0&DeviceIndex=1", "InvalidNetworkInterfaceID.NotFound"},
		{"Action=AttachNetworkInterface&NetworkInterfaceId=" + l.labENI + "&InstanceId=i-01234567&DeviceIndex=1", codeInvalidInstanceIDNotFound},
		{"Action=DetachNetworkInterface", codeMissingParameter},
		{"Action=DetachNetworkInterface&AttachmentId=eni-attach-0123456789abcdef0", codeInvalidAttachmentIDNotFound},
		{"Action=DetachNetworkInterface&AttachmentId=" + attachment, codeOperationNotPermitted},
		{"Action=CreateTags&ResourceId.1=foo-1&Tag.1.Key=k", "InvalidID"},
		{"Action=CreateTags&ResourceId.1=sgr-0123456789abcdef0&Tag.1.Key=k", "InvalidSecurityGroupRuleId.NotFound"},
		{"Action=CreateTags&ResourceId.1=pl-0123456789abcdef0&Tag.1.Key=k", "InvalidPrefixListID.NotFound"},
		{"Action=CreateTags&ResourceId.1=" + l.webA + "&ResourceId.2=subnet-0123456789abcdef0&Tag.1.Key=k", "InvalidSubnetID.NotFound"},
		// EC2 documents no vpc-id filter for these two (doc.go).
		{"Action=DescribeTags&Filter.1.Name=vpc-id&Filter.1.Value.1=" + l.vpcA, codeInvalidParameterValue},
		{"Action=DescribeSecurityGroupRules&Filter.1.Name=vpc-id&Filter.1.Value.1=" + l.vpcA, codeInvalidParameterValue},
	}
	before := l.spec(t)
	for _, c := range cases {
		if got := errorCode(t, post(t, h, c.body+v)); got != c.code {
			t.Errorf("%s: %s, want %s", c.body, got, c.code)
		}
	}
	if !reflect.DeepEqual(before, l.spec(t)) {
		t.Fatal("a refused request changed the account")
	}
}

// An account with no VPC: names and CreateSecurityGroup without VpcId
// have no default VPC; the describes spanning VPCs answer empty lists.
func TestSDKNoVPC(t *testing.T) {
	a, err := account.New(account.Config{Network: vpc.Config{IDSeed: 2}})
	check(t, err)
	srv := httptest.NewServer(NewHandler(NewMemAccountBackend(a)))
	t.Cleanup(srv.Close)
	c := sdkClient(srv.URL, "AKIDLAB", "lab-secret")
	ctx := context.Background()
	_, err = c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("x"), Description: aws.String("d")})
	wantCode(t, err, "VPCIdNotSpecified")
	_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupName: aws.String("default")})
	wantCode(t, err, "VPCIdNotSpecified")
	_, err = c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String("sg-0123456789abcdef0")})
	wantCode(t, err, "InvalidGroup.NotFound")
	sgs := must(c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{}))(t)
	enis := must(c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{}))(t)
	tags := must(c.DescribeTags(ctx, &ec2.DescribeTagsInput{}))(t)
	if len(sgs.SecurityGroups)+len(enis.NetworkInterfaces)+len(tags.Tags) != 0 {
		t.Fatalf("an empty account described %v %v %v", sgs.SecurityGroups, enis.NetworkInterfaces, tags.Tags)
	}
}
