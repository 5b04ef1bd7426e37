package account

import (
	"encoding/json"
	"reflect"
	"testing"

	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// FuzzDecodeSpec: any input either fails to decode (an error, never a
// panic) or gives an Account that is consistent and whose Spec survives
// another round trip unchanged.
func FuzzDecodeSpec(f *testing.F) {
	a, err := New(Config{Network: vpc.Config{IDSeed: 9}})
	if err != nil {
		f.Fatal(err)
	}
	v, err := a.CreateVpc("198.18.0.0/16", "", nil)
	if err != nil {
		f.Fatal(err)
	}
	sub, err := a.Network().CreateSubnet(v.VpcId, "198.18.1.0/24", "", "", nil)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := a.CreateNetworkInterface(sub.SubnetId, ruleset.ENISpec{}, nil); err != nil {
		f.Fatal(err)
	}
	if err := a.SetDefaultVpc(v.VpcId); err != nil {
		f.Fatal(err)
	}
	good, _ := json.Marshal(a.Spec())
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"Network":{"Vpcs":[]},"Groups":{"vpc-1":{}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		acct, err := DecodeSpec(data)
		if err != nil {
			return
		}
		if err := acct.Consistent(); err != nil {
			t.Fatalf("a decoded account is inconsistent: %v", err)
		}
		again, err := json.Marshal(acct.Spec())
		if err != nil {
			t.Fatal(err)
		}
		acct2, err := DecodeSpec(again)
		if err != nil {
			t.Fatalf("a decoded account does not decode again: %v", err)
		}
		if !reflect.DeepEqual(acct.Spec(), acct2.Spec()) {
			t.Fatal("round trip changed the account")
		}
	})
}
