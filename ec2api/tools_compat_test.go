package ec2api

import "testing"

// What Ansible's amazon.aws modules send beyond the security-group calls:
// EC2's answers for ClassicLink (gone from every Region) and tenancy.
func TestToolCompatibilityCodes(t *testing.T) {
	h := NewHandler(newTestBackend(t))
	for _, c := range []struct{ body, code string }{
		{"Action=DescribeVpcClassicLink&VpcId.1=vpc-0123456789abcdef0", "UnsupportedOperation"},
		{"Action=DescribeVpcClassicLinkDnsSupport&VpcIds.1=vpc-0123456789abcdef0", "UnsupportedOperation"},
		{"Action=CreateVpc&CidrBlock=10.9.0.0/16&InstanceTenancy=dedicated", "UnsupportedOperation"},
		{"Action=CreateVpc&CidrBlock=10.9.0.0/16&InstanceTenancy=shared", "InvalidParameterValue"},
		{"Action=CreateVpc&CidrBlock=10.9.0.0/16&InstanceTenancy=default&DryRun=true", "DryRunOperation"},
	} {
		if got := errorCode(t, post(t, h, c.body+"&Version=2016-11-15")); got != c.code {
			t.Errorf("%s: %s, want %s", c.body, got, c.code)
		}
	}
}
