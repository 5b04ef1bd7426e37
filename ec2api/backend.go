package ec2api

import (
	"errors"
	"sync"

	"sgswitch/ruleset"
)

// Backend gives the handler serialised access to the VPC state.
//
// Read runs fn on the current state; fn must not change it or keep it.
// Write runs fn on a clone; when fn returns nil the clone becomes the
// state (the daemon persists it and publishes the compiled ruleset to the
// switch before Write returns), otherwise it is discarded and Write
// returns fn's error unchanged.
type Backend interface {
	Read(fn func(*ruleset.State) error) error
	Write(fn func(*ruleset.State) error) error
}

// MemBackend is an in-memory Backend (a mutex and clone-on-write), for
// tests and tools that need no persistence.
type MemBackend struct {
	mu sync.RWMutex
	st *ruleset.State
}

// NewMemBackend returns a MemBackend holding st, which it owns from now on.
func NewMemBackend(st *ruleset.State) *MemBackend { return &MemBackend{st: st} }

// Read runs fn on the current state under a read lock.
func (b *MemBackend) Read(fn func(*ruleset.State) error) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return fn(b.st)
}

// Write runs fn on a clone and keeps the clone if fn succeeds.
func (b *MemBackend) Write(fn func(*ruleset.State) error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	next := b.st.Clone()
	if err := fn(next); err != nil {
		return err
	}
	b.st = next
	return nil
}

// codeOf extracts the EC2 code and message of a ruleset or vpc error.
func codeOf(err error) (code, message string, ok bool) {
	var re *ruleset.Error
	if errors.As(err, &re) {
		return re.Code, re.Message, true
	}
	return vpcCodeOf(err)
}
