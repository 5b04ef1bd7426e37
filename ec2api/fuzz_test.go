package ec2api

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"sgswitch/account"
	"sgswitch/ruleset"
)

// inputTypes are fresh values of every action input, for the fuzz target.
func inputTypes() []any {
	return []any{
		&CreateSecurityGroupInput{}, &DeleteSecurityGroupInput{}, &DescribeSecurityGroupsInput{},
		&DescribeSecurityGroupRulesInput{}, &AuthorizeSecurityGroupInput{}, &RevokeSecurityGroupInput{},
		&ModifySecurityGroupRulesInput{}, &UpdateSecurityGroupRuleDescriptionsInput{},
		&DescribeNetworkInterfacesInput{}, &ModifyNetworkInterfaceAttributeInput{}, &DescribeVpcsInput{},
	}
}

// FuzzParseQuery feeds arbitrary query strings through the envelope and
// the decoder of every action input. It must never panic; whatever
// decodes must survive encode → decode, and encoding must then be a
// fixed point (what the client sends is what the server reads).
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		"Action=DescribeSecurityGroups&Version=2016-11-15&GroupId.1=sg-1&Filter.1.Name=group-name&Filter.1.Value.1=web",
		"Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId=sg-1&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22&IpPermissions.1.ToPort=22&IpPermissions.1.IpRanges.1.CidrIp=203.0.113.0/24&IpPermissions.1.Groups.1.GroupId=sg-2",
		"Action=ModifySecurityGroupRules&Version=2016-11-15&GroupId=sg-1&SecurityGroupRule.1.SecurityGroupRuleId=sgr-1&SecurityGroupRule.1.SecurityGroupRule.IpProtocol=udp",
		"Action=ModifyNetworkInterfaceAttribute&Version=2016-11-15&NetworkInterfaceId=eni-1&ConnectionTrackingSpecification.UdpTimeout=30",
		"Action=CreateSecurityGroup&Version=2016-11-15&GroupName=web&GroupDescription=w&TagSpecification.1.Tag.1.Key=k",
		"GroupId.01=x&GroupId=&DryRun=1&MaxResults=-5",
		"a..b=1&.=2&IpPermissions.1=&IpPermissions.1.Groups.1000.GroupId=x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		vals, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		_, _ = splitEnvelope(cloneValues(vals))
		for _, in := range inputTypes() {
			if decodeQuery(vals, in) != nil {
				continue
			}
			first := url.Values{}
			encodeQuery(in, first)
			again := reflect.New(reflect.TypeOf(in).Elem()).Interface()
			if err := decodeQuery(first, again); err != nil {
				t.Fatalf("%T: re-decoding %v: %v", in, first, err)
			}
			second := url.Values{}
			encodeQuery(again, second)
			if !reflect.DeepEqual(first, second) {
				t.Fatalf("%T: encoding is not stable:\n%v\n%v", in, first, second)
			}
		}
	})
}

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// FuzzHandler posts arbitrary action parameters to a handler over a small
// state: no request may panic or end in a server fault (5xx), and every
// answer is a success document or an error envelope.
func FuzzHandler(f *testing.F) {
	for _, seed := range []string{
		"Action=AuthorizeSecurityGroupIngress&GroupName=default&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22&IpPermissions.1.ToPort=22&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0/8",
		"Action=RevokeSecurityGroupEgress&GroupId=sg-00000000&IpPermissions.1.IpProtocol=-1&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0",
		"Action=ModifySecurityGroupRules&GroupId=sg-1&SecurityGroupRule.1.SecurityGroupRuleId=sgr-1&SecurityGroupRule.1.SecurityGroupRule.IpProtocol=icmp",
		"Action=ModifyNetworkInterfaceAttribute&NetworkInterfaceId=web1&ConnectionTrackingSpecification.UdpTimeout=30",
		"Action=DescribeSecurityGroups&Filter.1.Name=egress.ip-permission.to-port&Filter.1.Value.1=*&MaxResults=5",
		"Action=CreateSecurityGroup&GroupName=a&GroupDescription=b&TagSpecification.1.Tag.1.Key=k",
		"Action=CreateNetworkInterface&SubnetId=subnet-1&Ipv6AddressCount=2&SecurityGroupId.1=sg-1",
		"Action=AttachNetworkInterface&NetworkInterfaceId=eni-1&InstanceId=i-0123456789abcdef0&DeviceIndex=1",
		"Action=DetachNetworkInterface&AttachmentId=eni-attach-1",
		"Action=DescribeTags&Filter.1.Name=tag:Name&Filter.1.Value.1=*",
		"Action=UpdateSecurityGroupRuleDescriptionsEgress&GroupName=default&IpPermissions.1.IpProtocol=-1&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0&IpPermissions.1.IpRanges.1.Description=x",
	} {
		f.Add(seed)
	}
	one := newOneVPC(f, "198.18.0.0/24", "fd00:5e5e::/56", 9)
	one.addENI(f, ruleset.ENISpec{Name: "web1", IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.10")}, AttachedTo: "lab/web1"})
	var a *account.Account
	_ = one.ReadAccount(func(cur *account.Account) error { a = cur; return nil })
	f.Fuzz(func(t *testing.T, body string) {
		h := NewHandler(NewMemAccountBackend(a.Clone()))
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body+"&Version=2016-11-15"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("server fault %d for %q: %s", rec.Code, body, rec.Body)
		}
		if rec.Code == http.StatusOK && !strings.Contains(rec.Body.String(), "<requestId>") {
			t.Fatalf("success without requestId: %s", rec.Body)
		}
	})
}
