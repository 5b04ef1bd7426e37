package ec2api

import (
	"context"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"sgswitch/account"
	"sgswitch/ruleset"
)

// publishingBackend does what the daemon's Backend does after a
// successful write: compile the new state and publish the snapshot
// before Write returns.
type publishingBackend struct {
	*oneVPC
	compiler *ruleset.Compiler
	live     atomic.Pointer[ruleset.Snapshot]
}

func (b *publishingBackend) WriteAccount(fn func(*account.Account) error) error {
	return b.oneVPC.WriteAccount(func(a *account.Account) error {
		if err := fn(a); err != nil {
			return err
		}
		b.live.Store(b.compiler.Compile(a.Groups(b.vpcID)))
		return nil
	})
}

// The spec §2.8 example, driven through the API with the SDK: each
// response arrives after the change is live, with EC2's
// tracked/untracked consequences.
func TestSDKChangesAreLiveWithTrackingConsequences(t *testing.T) {
	one := newOneVPC(t, "198.18.0.0/24", "fd00:5e5e::/56", 5)
	var web *ruleset.SecurityGroup
	if err := one.WriteAccount(func(a *account.Account) error {
		var err error
		web, err = a.Groups(one.vpcID).CreateSecurityGroup("web", "web tier", nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	eni := struct{ NetworkInterfaceId string }{one.addENI(t, ruleset.ENISpec{Name: "web1", IPv4: []netip.Addr{netip.MustParseAddr("198.18.0.10")}, Groups: []string{web.GroupId}})}
	b := &publishingBackend{oneVPC: one, compiler: ruleset.NewCompiler()}
	_ = one.readGroups(func(st *ruleset.State) error { b.live.Store(b.compiler.Compile(st)); return nil })
	srv := httptest.NewServer(NewHandler(b))
	defer srv.Close()
	client := ec2.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("a", "b", ""), RetryMaxAttempts: 1},
		func(o *ec2.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	ctx := context.Background()

	inbound := func(remote string, port uint16) ruleset.Verdict {
		q := ruleset.Query{Proto: 6, Port: port}
		q.SetRemote(netip.MustParseAddr(remote))
		return b.live.Load().InterfaceByID(eni.NetworkInterfaceId).In.Classify(&q)
	}
	if v := inbound("203.0.113.1", 22); v.Allowed {
		t.Fatal("ssh allowed before any rule")
	}
	ssh := tcp(22, "203.0.113.1/32")
	http := tcp(80, "0.0.0.0/0")
	must(client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(web.GroupId), IpPermissions: []types.IpPermission{ssh, http}}))(t)
	if v := inbound("203.0.113.1", 22); !v.Allowed || !v.Tracked {
		t.Fatalf("ssh from a /32: %+v, want allowed and tracked", v)
	}
	if v := inbound("192.0.2.7", 80); !v.Allowed || v.Tracked {
		t.Fatalf("http from 0.0.0.0/0 with all egress open: %+v, want allowed and untracked", v)
	}
	// Removing the IPv4 allow-all egress makes all IPv4 traffic tracked.
	must(client.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(web.GroupId),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}))(t)
	if v := inbound("192.0.2.7", 80); !v.Allowed || !v.Tracked {
		t.Fatalf("http after the egress revoke: %+v, want allowed and tracked", v)
	}
	must(client.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(web.GroupId), IpPermissions: []types.IpPermission{http}}))(t)
	if v := inbound("192.0.2.7", 80); v.Allowed {
		t.Fatalf("http after its revoke: %+v", v)
	}
	// Moving the interface to the default group takes web's rules away at once.
	must(client.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(eni.NetworkInterfaceId), Groups: []string{one.defaultGroup()}}))(t)
	if v := inbound("203.0.113.1", 22); v.Allowed {
		t.Fatalf("ssh after the group change: %+v", v)
	}
	// A failed write publishes nothing.
	before := b.live.Load()
	_, err := client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(web.GroupId), IpPermissions: []types.IpPermission{tcp(22, "203.0.113.1/32")}})
	wantCode(t, err, "InvalidPermission.Duplicate")
	if b.live.Load() != before {
		t.Fatal("a failed request published a snapshot")
	}
}
