package ec2api

import (
	"errors"
	"net/url"
	"sync"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// AccountBackend is the optional side of a Backend that holds a whole
// account (every VPC: package account). The handler finds it by type
// assertion: only then does it serve the actions of the VPC model
// (accountActions), and DescribeVpcs/DescribeSubnets answer from the
// model instead of the one-VPC ruleset view. Its contract is Backend's:
// ReadAccount must not change or keep the account; WriteAccount runs fn on
// a clone that replaces the account only when fn returns nil.
type AccountBackend interface {
	ReadAccount(fn func(*account.Account) error) error
	WriteAccount(fn func(*account.Account) error) error
}

// errOneVPC answers an action of the VPC model on a backend that holds one
// VPC's security groups only (today's daemon): UnsupportedOperation rather
// than InvalidAction, because the action is EC2's and sgswitch knows it.
var errOneVPC = errorf(codeUnsupportedOperation, "this sgswitch daemon serves one VPC; VPCs, subnets, route tables and network ACLs are served only over an account backend")

// MemAccountBackend is an in-memory AccountBackend (a mutex and
// clone-on-write), for tests and tools. It is a Backend too, so that
// NewHandler takes it, but its one-VPC Read/Write refuse: which VPC's
// security groups a request means is the daemon's step (integration.md).
type MemAccountBackend struct {
	mu sync.RWMutex
	a  *account.Account
}

// NewMemAccountBackend returns a MemAccountBackend holding a, which it owns
// from now on.
func NewMemAccountBackend(a *account.Account) *MemAccountBackend {
	return &MemAccountBackend{a: a}
}

// ReadAccount runs fn on the current account under a read lock.
func (b *MemAccountBackend) ReadAccount(fn func(*account.Account) error) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return fn(b.a)
}

// WriteAccount runs fn on a clone and keeps the clone if fn succeeds.
func (b *MemAccountBackend) WriteAccount(fn func(*account.Account) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	next := b.a.Clone()
	if err := fn(next); err != nil {
		return err
	}
	b.a = next
	return nil
}

// errNoGroups refuses the one-VPC security-group actions over an account.
var errNoGroups = errorf(codeUnsupportedOperation, "security-group and interface actions over an account backend are not served yet")

// Read refuses: see MemAccountBackend.
func (b *MemAccountBackend) Read(func(*ruleset.State) error) error { return errNoGroups }

// Write refuses: see MemAccountBackend.
func (b *MemAccountBackend) Write(func(*ruleset.State) error) error { return errNoGroups }

// readAccount wraps a read-only action of the VPC model.
func readAccount[I, O any](run func(*account.Account, *I) (*O, error)) operation {
	return operation{run: accountRun(run, false)}
}

// writeAccount wraps a mutating action of the VPC model: a refusal or a
// dry run leaves the account as it was (WriteAccount drops the clone).
func writeAccount[I, O any](run func(*account.Account, *I) (*O, error)) operation {
	return operation{mutates: true, run: accountRun(run, true)}
}

func accountRun[I, O any](run func(*account.Account, *I) (*O, error), mutates bool) action {
	return func(b Backend, vals url.Values) (any, error) {
		ab, ok := b.(AccountBackend)
		if !ok {
			return nil, errOneVPC
		}
		in := new(I)
		if err := decodeQuery(vals, in); err != nil {
			return nil, err
		}
		var out *O
		do := ab.ReadAccount
		if mutates {
			do = ab.WriteAccount
		}
		err := do(func(a *account.Account) error {
			var err error
			if out, err = run(a, in); err == nil && any(in).(dryRunner).dryRun() {
				return errDryRun
			}
			return err
		})
		return out, err
	}
}

// lookup finds the operation of an Action for b: over an account the
// VPC model's actions come first (they replace the one-VPC DescribeVpcs
// and DescribeSubnets); otherwise the one-VPC actions, and the model's
// actions then answer errOneVPC.
func lookup(b Backend, name string) (operation, bool) {
	if _, ok := b.(AccountBackend); ok {
		if op, ok := accountActions[name]; ok {
			return op, true
		}
	}
	if op, ok := actions[name]; ok {
		return op, true
	}
	op, ok := accountActions[name]
	return op, ok
}

// vpcCodeOf extracts the EC2 code and message of a vpc model error.
func vpcCodeOf(err error) (code, message string, ok bool) {
	var ve *vpc.Error
	if errors.As(err, &ve) {
		return ve.Code, ve.Message, true
	}
	return "", "", false
}
