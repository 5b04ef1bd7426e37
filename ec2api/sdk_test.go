package ec2api

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/netip"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"sgswitch/ruleset"
)

// The SDK's own deserialiser judges every response: these tests drive the
// handler with aws-sdk-go-v2's EC2 client (custom endpoint, static
// credentials, us-east-1), as a user's program would.

type sdkLab struct {
	client  *ec2.Client
	backend *oneVPC
	url     string
	vpcID   string
	defSG   string
}

func newSDKLab(t *testing.T, withIPv6 bool) *sdkLab {
	t.Helper()
	ipv6 := ""
	if withIPv6 {
		ipv6 = "fd00:5e5e::/56"
	}
	b := newOneVPC(t, "198.18.0.0/24", ipv6, 42)
	srv := httptest.NewServer(NewHandler(b))
	t.Cleanup(srv.Close)
	client := ec2.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDLAB", "lab-secret", ""),
		RetryMaxAttempts: 1,
	}, func(o *ec2.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	return &sdkLab{client: client, backend: b, url: srv.URL, vpcID: b.vpcID, defSG: b.defaultGroup()}
}

// addENI creates an interface directly in the account, as a lab does.
func (l *sdkLab) addENI(t *testing.T, spec ruleset.ENISpec) string {
	t.Helper()
	return l.backend.addENI(t, spec)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
}

// must(call())(t) fails the test when call returned an error.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func tcp(port int32, cidr string) types.IpPermission {
	return types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port),
		IpRanges: []types.IpRange{{CidrIp: aws.String(cidr)}}}
}

func TestSDKCreateDescribeDelete(t *testing.T) {
	l := newSDKLab(t, true)
	ctx := context.Background()
	created := must(l.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("web"), Description: aws.String("web tier"), VpcId: aws.String(l.vpcID),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSecurityGroup,
			Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("lab")}}}},
	}))(t)
	id := aws.ToString(created.GroupId)
	if len(id) < 4 || id[:3] != "sg-" || aws.ToString(created.SecurityGroupArn) == "" {
		t.Fatalf("create: %+v", created)
	}
	if len(created.Tags) != 1 || aws.ToString(created.Tags[0].Key) != "env" {
		t.Fatalf("create tags: %+v", created.Tags)
	}

	_, err := l.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("again")})
	wantCode(t, err, "InvalidGroup.Duplicate")
	_, err = l.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("x"), Description: aws.String("d"), VpcId: aws.String("vpc-00000000")})
	wantCode(t, err, "InvalidVpcID.NotFound")

	d := must(l.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}}))(t)
	if len(d.SecurityGroups) != 1 {
		t.Fatalf("describe: %+v", d.SecurityGroups)
	}
	g := d.SecurityGroups[0]
	if aws.ToString(g.GroupName) != "web" || aws.ToString(g.Description) != "web tier" || aws.ToString(g.VpcId) != l.vpcID ||
		aws.ToString(g.OwnerId) != "123456789012" || aws.ToString(g.SecurityGroupArn) != aws.ToString(created.SecurityGroupArn) {
		t.Fatalf("describe fields: %+v", g)
	}
	if len(g.IpPermissions) != 0 || len(g.Tags) != 1 {
		t.Fatalf("new group: ingress %+v tags %+v", g.IpPermissions, g.Tags)
	}
	// EC2's initial egress in an IPv6 VPC: one permission, -1 to 0.0.0.0/0 and ::/0.
	if len(g.IpPermissionsEgress) != 1 {
		t.Fatalf("egress: %+v", g.IpPermissionsEgress)
	}
	e := g.IpPermissionsEgress[0]
	if aws.ToString(e.IpProtocol) != "-1" || len(e.IpRanges) != 1 || aws.ToString(e.IpRanges[0].CidrIp) != "0.0.0.0/0" ||
		len(e.Ipv6Ranges) != 1 || aws.ToString(e.Ipv6Ranges[0].CidrIpv6) != "::/0" {
		t.Fatalf("egress permission: %+v", e)
	}

	byName := must(l.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
		Filters: []types.Filter{{Name: aws.String("group-name"), Values: []string{"web", "nothing"}}}}))(t)
	if len(byName.SecurityGroups) != 1 || aws.ToString(byName.SecurityGroups[0].GroupId) != id {
		t.Fatalf("group-name filter: %+v", byName.SecurityGroups)
	}
	all := must(l.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{}))(t)
	if len(all.SecurityGroups) != 2 {
		t.Fatalf("all groups: %d", len(all.SecurityGroups))
	}
	_, err = l.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-00000000"}})
	wantCode(t, err, "InvalidGroup.NotFound")
	_, err = l.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"foobar"}})
	wantCode(t, err, "InvalidGroupId.Malformed")

	_, err = l.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(l.defSG)})
	wantCode(t, err, "CannotDelete")
	del := must(l.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)}))(t)
	if !aws.ToBool(del.Return) || aws.ToString(del.GroupId) != id {
		t.Fatalf("delete: %+v", del)
	}
	_, err = l.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)})
	wantCode(t, err, "InvalidGroup.NotFound")
	_, err = l.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupName: aws.String("nope")})
	wantCode(t, err, "InvalidGroup.NotFound")
}

func (l *sdkLab) group(t *testing.T, name string) string {
	t.Helper()
	out := must(l.client.CreateSecurityGroup(context.Background(), &ec2.CreateSecurityGroupInput{
		GroupName: aws.String(name), Description: aws.String(name + " group")}))(t)
	return aws.ToString(out.GroupId)
}

func TestSDKAuthorizeRevokeRules(t *testing.T) {
	l := newSDKLab(t, false)
	ctx := context.Background()
	web, app := l.group(t, "web"), l.group(t, "app")

	ssh := tcp(22, "203.0.113.0/24")
	ssh.IpRanges[0].Description = aws.String("SSH")
	fromWeb := types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080),
		UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String(web), Description: aws.String("from web")}}}
	auth := must(l.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(app), IpPermissions: []types.IpPermission{ssh, fromWeb}}))(t)
	if !aws.ToBool(auth.Return) || len(auth.SecurityGroupRules) != 2 {
		t.Fatalf("authorize: %+v", auth)
	}
	rules := map[string]types.SecurityGroupRule{}
	for _, r := range auth.SecurityGroupRules {
		if aws.ToBool(r.IsEgress) || aws.ToString(r.GroupId) != app || aws.ToString(r.GroupOwnerId) == "" {
			t.Fatalf("rule: %+v", r)
		}
		rules[aws.ToString(r.SecurityGroupRuleId)] = r
	}
	var sshID, webID string
	for id, r := range rules {
		switch {
		case aws.ToString(r.CidrIpv4) == "203.0.113.0/24":
			sshID = id
			if aws.ToInt32(r.FromPort) != 22 || aws.ToInt32(r.ToPort) != 22 || aws.ToString(r.Description) != "SSH" || aws.ToString(r.IpProtocol) != "tcp" {
				t.Fatalf("ssh rule: %+v", r)
			}
		case r.ReferencedGroupInfo != nil && aws.ToString(r.ReferencedGroupInfo.GroupId) == web:
			webID = id
		}
	}
	if sshID == "" || webID == "" {
		t.Fatalf("rules: %+v", rules)
	}

	// The same rule again, and a non-canonical form of it, are duplicates.
	_, err := l.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{tcp(22, "203.0.113.0/24")}})
	wantCode(t, err, "InvalidPermission.Duplicate")
	_, err = l.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{tcp(22, "203.0.113.9/24")}})
	wantCode(t, err, "InvalidPermission.Duplicate")
	_, err = l.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{tcp(22, "203.0.113.9")}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = l.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String("sg-00000000"), IpPermissions: []types.IpPermission{tcp(22, "10.0.0.0/8")}})
	wantCode(t, err, "InvalidGroup.NotFound")
	// The flat (legacy) ingress parameters work too.
	legacy := must(l.client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(app), IpProtocol: aws.String("udp"), FromPort: aws.Int32(53), ToPort: aws.Int32(53), CidrIp: aws.String("198.18.0.0/24")}))(t)
	if len(legacy.SecurityGroupRules) != 1 || aws.ToString(legacy.SecurityGroupRules[0].IpProtocol) != "udp" {
		t.Fatalf("legacy: %+v", legacy.SecurityGroupRules)
	}

	// DescribeSecurityGroups groups rules by (protocol, ports).
	g := must(l.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{app}}))(t).SecurityGroups[0]
	if len(g.IpPermissions) != 3 {
		t.Fatalf("permissions: %+v", g.IpPermissions)
	}
	var sawPair bool
	for _, p := range g.IpPermissions {
		if len(p.UserIdGroupPairs) == 1 {
			sawPair = aws.ToString(p.UserIdGroupPairs[0].GroupId) == web && aws.ToString(p.UserIdGroupPairs[0].Description) == "from web" && aws.ToInt32(p.FromPort) == 8080
		}
	}
	if !sawPair {
		t.Fatalf("group pair not described: %+v", g.IpPermissions)
	}
	withCidr := must(l.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{
		{Name: aws.String("ip-permission.cidr"), Values: []string{"203.0.113.0/24"}}}}))(t)
	if len(withCidr.SecurityGroups) != 1 || aws.ToString(withCidr.SecurityGroups[0].GroupId) != app {
		t.Fatalf("ip-permission.cidr filter: %+v", withCidr.SecurityGroups)
	}

	// DescribeSecurityGroupRules: by group, by id, errors.
	dr := must(l.client.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{
		Filters: []types.Filter{{Name: aws.String("group-id"), Values: []string{app}}}}))(t)
	if len(dr.SecurityGroupRules) != 4 { // 3 ingress + default egress
		t.Fatalf("rules of app: %d", len(dr.SecurityGroupRules))
	}
	one := must(l.client.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{sshID}}))(t)
	if len(one.SecurityGroupRules) != 1 || aws.ToString(one.SecurityGroupRules[0].CidrIpv4) != "203.0.113.0/24" {
		t.Fatalf("rule by id: %+v", one.SecurityGroupRules)
	}
	_, err = l.client.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{"sgr-00000000"}})
	wantCode(t, err, "InvalidSecurityGroupRuleId.NotFound")
	_, err = l.client.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{{Name: aws.String("group-id"), Values: []string{"foobar"}}}})
	wantCode(t, err, "InvalidGroupId.Malformed")

	// Descriptions by rule id; leaving the description out removes it.
	must(l.client.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{
		GroupId: aws.String(app), SecurityGroupRuleDescriptions: []types.SecurityGroupRuleDescription{{SecurityGroupRuleId: aws.String(sshID), Description: aws.String("admins")}}}))(t)
	if d := l.rule(t, sshID).Description; aws.ToString(d) != "admins" {
		t.Fatalf("description: %v", aws.ToString(d))
	}
	// … and by IpPermissions.
	must(l.client.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{
		GroupId: aws.String(app), IpPermissions: []types.IpPermission{tcp(22, "203.0.113.0/24")}}))(t)
	if d := l.rule(t, sshID).Description; d != nil {
		t.Fatalf("description not removed: %v", aws.ToString(d))
	}

	// ModifySecurityGroupRules changes a rule in place (same id).
	must(l.client.ModifySecurityGroupRules(ctx, &ec2.ModifySecurityGroupRulesInput{GroupId: aws.String(app),
		SecurityGroupRules: []types.SecurityGroupRuleUpdate{{SecurityGroupRuleId: aws.String(sshID), SecurityGroupRule: &types.SecurityGroupRuleRequest{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(2222), ToPort: aws.Int32(2222), CidrIpv4: aws.String("198.18.0.0/24"), Description: aws.String("moved")}}}}))(t)
	if r := l.rule(t, sshID); aws.ToInt32(r.FromPort) != 2222 || aws.ToString(r.CidrIpv4) != "198.18.0.0/24" || aws.ToString(r.Description) != "moved" {
		t.Fatalf("modified rule: %+v", r)
	}
	_, err = l.client.ModifySecurityGroupRules(ctx, &ec2.ModifySecurityGroupRulesInput{GroupId: aws.String(app),
		SecurityGroupRules: []types.SecurityGroupRuleUpdate{{SecurityGroupRuleId: aws.String(sshID), SecurityGroupRule: &types.SecurityGroupRuleRequest{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22)}}}})
	wantCode(t, err, "MissingParameter")
	_, err = l.client.ModifySecurityGroupRules(ctx, &ec2.ModifySecurityGroupRulesInput{GroupId: aws.String(app),
		SecurityGroupRules: []types.SecurityGroupRuleUpdate{{SecurityGroupRuleId: aws.String("sgr-00000000"), SecurityGroupRule: &types.SecurityGroupRuleRequest{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), CidrIpv4: aws.String("10.0.0.0/8")}}}})
	wantCode(t, err, "InvalidSecurityGroupRuleId.NotFound")

	// Revoke by properties, by id; a rule that does not exist.
	rev := must(l.client.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{fromWeb}}))(t)
	if !aws.ToBool(rev.Return) || len(rev.RevokedSecurityGroupRules) != 1 || aws.ToString(rev.RevokedSecurityGroupRules[0].SecurityGroupRuleId) != webID || len(rev.UnknownIpPermissions) != 0 {
		t.Fatalf("revoke by permission: %+v", rev)
	}
	_, err = l.client.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{fromWeb}})
	wantCode(t, err, "InvalidPermission.NotFound")
	rev = must(l.client.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(app), SecurityGroupRuleIds: []string{sshID}}))(t)
	if len(rev.RevokedSecurityGroupRules) != 1 || aws.ToString(rev.RevokedSecurityGroupRules[0].SecurityGroupRuleId) != sshID {
		t.Fatalf("revoke by id: %+v", rev)
	}

	// Egress: authorize to a group, the default allow-all is a duplicate, revoke.
	eg := must(l.client.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(web),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String(app)}}}}}))(t)
	if len(eg.SecurityGroupRules) != 1 || !aws.ToBool(eg.SecurityGroupRules[0].IsEgress) {
		t.Fatalf("egress rule: %+v", eg.SecurityGroupRules)
	}
	_, err = l.client.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(web),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	wantCode(t, err, "InvalidPermission.Duplicate")
	must(l.client.UpdateSecurityGroupRuleDescriptionsEgress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsEgressInput{GroupId: aws.String(web),
		SecurityGroupRuleDescriptions: []types.SecurityGroupRuleDescription{{SecurityGroupRuleId: eg.SecurityGroupRules[0].SecurityGroupRuleId, Description: aws.String("to app")}}}))(t)

	// app is referenced by a rule of web: it cannot be deleted until that goes.
	_, err = l.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(app)})
	wantCode(t, err, "DependencyViolation")
	revEg := must(l.client.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(web), SecurityGroupRuleIds: []string{aws.ToString(eg.SecurityGroupRules[0].SecurityGroupRuleId)}}))(t)
	if len(revEg.RevokedSecurityGroupRules) != 1 || aws.ToString(revEg.RevokedSecurityGroupRules[0].Description) != "to app" {
		t.Fatalf("revoke egress: %+v", revEg.RevokedSecurityGroupRules)
	}
	must(l.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(app)}))(t)
}

func (l *sdkLab) rule(t *testing.T, id string) types.SecurityGroupRule {
	t.Helper()
	out := must(l.client.DescribeSecurityGroupRules(context.Background(), &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{id}}))(t)
	if len(out.SecurityGroupRules) != 1 {
		t.Fatalf("rule %s: %+v", id, out.SecurityGroupRules)
	}
	return out.SecurityGroupRules[0]
}

func TestSDKNetworkInterfaces(t *testing.T) {
	l := newSDKLab(t, true)
	ctx := context.Background()
	web := l.group(t, "web")
	eni := l.addENI(t, ruleset.ENISpec{Name: "web1",
		IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.10")}, IPv6: []netip.Addr{netip.MustParseAddr("fd00:5e5e::10")},
		Groups: []string{"web"}})
	l.addENI(t, ruleset.ENISpec{Name: "db1", IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.11")}})

	byTag := must(l.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{
		Filters: []types.Filter{{Name: aws.String("tag:Name"), Values: []string{"web1"}}}}))(t)
	if len(byTag.NetworkInterfaces) != 1 {
		t.Fatalf("tag:Name filter: %+v", byTag.NetworkInterfaces)
	}
	n := byTag.NetworkInterfaces[0]
	if aws.ToString(n.NetworkInterfaceId) != eni || aws.ToString(n.PrivateIpAddress) != "198.18.0.10" || aws.ToString(n.MacAddress) == "" ||
		aws.ToString(n.VpcId) != l.vpcID || aws.ToString(n.SubnetId) == "" || n.Status != types.NetworkInterfaceStatusInUse && n.Status != types.NetworkInterfaceStatusAvailable {
		t.Fatalf("interface: %+v", n)
	}
	if len(n.Groups) != 1 || aws.ToString(n.Groups[0].GroupId) != web || aws.ToString(n.Groups[0].GroupName) != "web" {
		t.Fatalf("groups: %+v", n.Groups)
	}
	if len(n.Ipv6Addresses) != 1 || aws.ToString(n.Ipv6Addresses[0].Ipv6Address) != "fd00:5e5e::10" {
		t.Fatalf("ipv6: %+v", n.Ipv6Addresses)
	}
	if len(n.PrivateIpAddresses) != 1 || !aws.ToBool(n.PrivateIpAddresses[0].Primary) {
		t.Fatalf("private addresses: %+v", n.PrivateIpAddresses)
	}
	if ct := n.ConnectionTrackingConfiguration; ct == nil || aws.ToInt32(ct.TcpEstablishedTimeout) != ruleset.DefaultTcpEstablishedTimeout || aws.ToInt32(ct.UdpTimeout) != ruleset.DefaultUdpTimeout {
		t.Fatalf("conntrack: %+v", n.ConnectionTrackingConfiguration)
	}
	if len(n.TagSet) == 0 {
		t.Fatalf("tags: %+v", n.TagSet)
	}
	all := must(l.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{}))(t)
	if len(all.NetworkInterfaces) != 2 {
		t.Fatalf("all interfaces: %d", len(all.NetworkInterfaces))
	}

	// web is in use by eni: DependencyViolation.
	_, err := l.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(web)})
	wantCode(t, err, "DependencyViolation")

	// Replace the groups; then web can go.
	must(l.client.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(eni), Groups: []string{l.defSG}}))(t)
	n = must(l.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{eni}}))(t).NetworkInterfaces[0]
	if len(n.Groups) != 1 || aws.ToString(n.Groups[0].GroupId) != l.defSG {
		t.Fatalf("groups after modify: %+v", n.Groups)
	}
	must(l.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(web)}))(t)

	// Connection tracking timeouts; fields left out keep their value.
	must(l.client.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(eni),
		ConnectionTrackingSpecification: &types.ConnectionTrackingSpecificationRequest{TcpEstablishedTimeout: aws.Int32(3600), UdpTimeout: aws.Int32(45)}}))(t)
	n = must(l.client.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{eni}}))(t).NetworkInterfaces[0]
	ct := n.ConnectionTrackingConfiguration
	if aws.ToInt32(ct.TcpEstablishedTimeout) != 3600 || aws.ToInt32(ct.UdpTimeout) != 45 || aws.ToInt32(ct.UdpStreamTimeout) != ruleset.DefaultUdpStreamTimeout {
		t.Fatalf("conntrack after modify: %+v", ct)
	}
	_, err = l.client.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(eni),
		ConnectionTrackingSpecification: &types.ConnectionTrackingSpecificationRequest{UdpTimeout: aws.Int32(5)}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = l.client.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(eni),
		Groups: []string{l.defSG}, ConnectionTrackingSpecification: &types.ConnectionTrackingSpecificationRequest{UdpTimeout: aws.Int32(40)}})
	wantCode(t, err, "InvalidParameterCombination")
	_, err = l.client.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String("eni-00000000"), Groups: []string{l.defSG}})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	_, err = l.client.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(eni), Groups: []string{"sg-00000000"}})
	wantCode(t, err, "InvalidGroup.NotFound")
}

func TestSDKDescribeVpcs(t *testing.T) {
	l := newSDKLab(t, true)
	out := must(l.client.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{}))(t)
	if len(out.Vpcs) != 1 {
		t.Fatalf("vpcs: %+v", out.Vpcs)
	}
	v := out.Vpcs[0]
	if aws.ToString(v.VpcId) != l.vpcID || aws.ToString(v.CidrBlock) != "198.18.0.0/24" || v.State != types.VpcStateAvailable ||
		len(v.Ipv6CidrBlockAssociationSet) != 1 || aws.ToString(v.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock) != "fd00:5e5e::/56" ||
		len(v.CidrBlockAssociationSet) != 1 {
		t.Fatalf("vpc: %+v", v)
	}
	none := must(l.client.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{Filters: []types.Filter{{Name: aws.String("cidr"), Values: []string{"10.0.0.0/16"}}}}))(t)
	if len(none.Vpcs) != 0 {
		t.Fatalf("cidr filter: %+v", none.Vpcs)
	}
	_, err := l.client.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-00000000"}})
	wantCode(t, err, "InvalidVpcID.NotFound")
}

func TestSDKPagination(t *testing.T) {
	l := newSDKLab(t, false)
	ctx := context.Background()
	want := []string{l.defSG}
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"} {
		want = append(want, l.group(t, n))
	}
	var got []string
	pages := 0
	p := ec2.NewDescribeSecurityGroupsPaginator(l.client, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		out := must(p.NextPage(ctx))(t)
		pages++
		for _, g := range out.SecurityGroups {
			got = append(got, aws.ToString(g.GroupId))
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if pages != 3 || len(got) != len(want) {
		t.Fatalf("%d pages, %d groups (want 3, %d)", pages, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("groups differ: %v vs %v", got, want)
		}
	}
	_, err := l.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(2)})
	wantCode(t, err, "InvalidParameterValue")
	_, err = l.client.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{NextToken: aws.String("bogus")})
	wantCode(t, err, "InvalidPaginationToken")
}

func TestSDKDryRun(t *testing.T) {
	l := newSDKLab(t, false)
	ctx := context.Background()
	_, err := l.client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("d"), DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperation")
	var herr interface{ HTTPStatusCode() int }
	if !errors.As(err, &herr) || herr.HTTPStatusCode() != 412 {
		t.Fatalf("dry run status: %v", err)
	}
	// Nothing was created, and a dry run still reports validation errors.
	out := must(l.client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{}))(t)
	if len(out.SecurityGroups) != 1 {
		t.Fatalf("dry run created a group: %d groups", len(out.SecurityGroups))
	}
	_, err = l.client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(l.defSG), DryRun: aws.Bool(true)})
	wantCode(t, err, "CannotDelete")
	_, err = l.client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperation")
}
