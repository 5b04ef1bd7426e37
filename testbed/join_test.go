package testbed

import (
	"errors"
	"strings"
	"testing"

	"sgswitch/account"
	"sgswitch/vpc"
)

const joinLab = "name: j\nvpc-id: VPC\nsubnet: 198.18.9.0/24\n" +
	"security-groups:\n  web:\n    GroupDescription: w\n    SecurityGroupIngress:\n      - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 198.18.9.0/24}\n" +
	"topology:\n  nodes:\n    a: {ip: 198.18.9.10, security-groups: [web]}\n    b: {ip: 198.18.9.20}\n"

// TestJoinParse: vpc-id is read, refused beside vpc:, refused when it is
// not a VPC id or the lab declares the VPC's default group; a join lab
// validates against a stand-in VPC of its subnet.
func TestJoinParse(t *testing.T) {
	lab := parseLab(t, strings.Replace(joinLab, "VPC", "vpc-0123abcd", 1))
	if lab.VpcID != "vpc-0123abcd" {
		t.Fatalf("VpcID %q", lab.VpcID)
	}
	if err := Validate(lab); err != nil {
		t.Fatalf("Validate of a join lab: %v", err)
	}
	for name, c := range map[string]struct{ src, want string }{
		"with vpc:": {"name: j\nvpc-id: vpc-1\nvpc: {cidr: 198.18.0.0/16, subnets: {s: {cidr: 198.18.1.0/24}}}\ntopology: {nodes: {a: {subnet: s, ip: 198.18.1.10}}}\n", "a lab with vpc: makes its own VPC"},
		"not an id": {strings.Replace(joinLab, "VPC", "prod", 1), `vpc-id "prod" is not a VPC id`},
	} {
		lab, err := Parse("t.yaml", []byte(c.src))
		if err == nil {
			err = Validate(lab)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
	def := strings.Replace(joinLab, "VPC", "vpc-1", 1)
	def = strings.Replace(def, "security-groups:\n", "security-groups:\n  default:\n    GroupDescription: d\n    SecurityGroupIngress: []\n", 1)
	if _, err := Parse("t.yaml", []byte(def)); err == nil || !strings.Contains(err.Error(), "security-groups.default") {
		t.Errorf("a join lab declaring default: %v", err)
	}
}

// TestJoinApply: a join lab's nodes go into the existing VPC's subnet of
// its CIDR, its groups into that VPC; a VPC or subnet that does not exist
// is an EC2 error at vpc-id or subnet.
func TestJoinApply(t *testing.T) {
	acct, err := account.New(account.Config{Network: vpc.Config{IDSeed: 6}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := acct.CreateVpc("198.18.0.0/16", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := acct.Network().CreateSubnet(v.VpcId, "198.18.9.0/24", "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	lab := parseLab(t, strings.Replace(joinLab, "VPC", v.VpcId, 1))
	ap, err := Apply(acct, lab)
	if err != nil {
		t.Fatal(err)
	}
	if ap.VpcID != v.VpcId || !ap.Joined || len(ap.Groups) != 1 || len(acct.VPCs()) != 1 {
		t.Fatalf("applied %+v, VPCs %v", ap, acct.VPCs())
	}
	for _, eni := range ap.ENIs {
		p, ok := acct.Network().Interface(eni)
		if !ok || p.SubnetID != sub.SubnetId {
			t.Errorf("interface %s placed %+v", eni, p)
		}
	}
	for _, c := range []struct{ src, where, code string }{
		{strings.Replace(joinLab, "VPC", "vpc-00000000000000001", 1), "vpc-id", vpc.CodeInvalidVpcIDNotFound},
		{strings.ReplaceAll(strings.Replace(joinLab, "VPC", v.VpcId, 1), "198.18.9.", "198.18.8."), "subnet", "InvalidSubnetID.NotFound"},
	} {
		_, err := Apply(acct.Clone(), parseLab(t, c.src))
		var pe *PosError
		if err == nil || EC2Code(err) != c.code || !errors.As(err, &pe) || pe.Path != c.where {
			t.Errorf("%s: %v, want %s at %s", c.where, err, c.code, c.where)
		}
	}
}
