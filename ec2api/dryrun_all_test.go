package ec2api

import (
	"encoding/json"
	"slices"
	"testing"

	"sgswitch/account"
)

// DryRun is handled once, in the dispatch (accountRun), for every action:
// with no other parameter each action either would succeed
// (DryRunOperation) or fails with its own validation error, never
// succeeds and never faults; and a dry run changes nothing.
func TestDryRunEveryAction(t *testing.T) {
	b := newTestBackend(t)
	h := NewHandler(b)
	before := specOf(t, b)
	for _, name := range slices.Sorted(slices.Values(Actions())) {
		if stsActions[name] {
			continue // STS has no DryRun
		}
		rec := post(t, h, "Action="+name+"&Version=2016-11-15&DryRun=true")
		if rec.Code == 200 {
			t.Errorf("%s: a dry run succeeded: %s", name, rec.Body)
			continue
		}
		if code := errorCode(t, rec); rec.Code >= 500 || code == "" {
			t.Errorf("%s: %d %s", name, rec.Code, code)
		}
	}
	if after := specOf(t, b); before != after {
		t.Fatal("a dry run changed the account")
	}
}

// specOf is the account as JSON, to compare two moments.
func specOf(t *testing.T, b Backend) string {
	t.Helper()
	var out []byte
	err := b.ReadAccount(func(a *account.Account) error {
		var err error
		out, err = json.Marshal(a.Spec())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
