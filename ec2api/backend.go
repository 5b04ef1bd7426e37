package ec2api

import (
	"errors"
	"net/url"
	"reflect"
	"sync"

	"sgswitch/account"
	"sgswitch/ruleset"
	"sgswitch/vpc"
)

// Backend gives the handler serialised access to the account: every VPC
// (package account), its security groups and interfaces.
//
// ReadAccount runs fn on the current account; fn must not change it or
// keep it. WriteAccount runs fn on a clone; when fn returns nil the clone
// becomes the account (the daemon persists it and publishes the compiled
// state to the switch before WriteAccount returns), otherwise it is
// discarded and WriteAccount returns fn's error unchanged.
type Backend interface {
	ReadAccount(fn func(*account.Account) error) error
	WriteAccount(fn func(*account.Account) error) error
}

// MemAccountBackend is an in-memory Backend (a mutex and clone-on-write),
// for tests and tools that need no persistence.
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

// read wraps a read-only action: decode, run under Backend.ReadAccount.
func read[I, O any](run func(*account.Account, *I) (*O, error)) operation {
	return operation{run: accountRun(run, false), out: reflect.TypeFor[O]()}
}

// write wraps a mutating action: decode, run under Backend.WriteAccount,
// which commits only on success (a refusal or a dry run leaves the account
// as it was: a dry run fails with DryRunOperation after all checks, so its
// clone is dropped).
func write[I, O any](run func(*account.Account, *I) (*O, error)) operation {
	return operation{mutates: true, run: accountRun(run, true), out: reflect.TypeFor[O]()}
}

func accountRun[I, O any](run func(*account.Account, *I) (*O, error), mutates bool) action {
	return func(b Backend, vals url.Values) (any, error) {
		in := new(I)
		if err := decodeQuery(vals, in); err != nil {
			return nil, err
		}
		var out *O
		do := b.ReadAccount
		if mutates {
			do = b.WriteAccount
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

// codeOf extracts the EC2 code and message of a ruleset or vpc error.
func codeOf(err error) (code, message string, ok bool) {
	var re *ruleset.Error
	if errors.As(err, &re) {
		return re.Code, re.Message, true
	}
	var ve *vpc.Error
	if errors.As(err, &ve) {
		return ve.Code, ve.Message, true
	}
	return "", "", false
}
