package daemon

import (
	"fmt"

	"sgswitch/admin"
	"sgswitch/store"
)

// RemoveLabOffline removes lab name from the store in stateDir while no
// daemon runs: the same change RemoveLab commits (the lab's interfaces,
// groups and prefix lists, other groups' rules that refer to them, and the
// lab's record), so that the next daemon does not bring the lab back. It
// touches no port, link or namespace: `lab down` tears those down itself.
//
// It fails with admin.ErrNotFound when the store records no such lab, and
// with store.ErrLocked when a daemon holds the store after all; a store
// that is corrupt or from a newer version is refused, as by Open, and is
// not written.
func RemoveLabOffline(stateDir, name string) error {
	st, err := store.Open(stateDir)
	if err != nil {
		return err
	}
	defer st.Close()
	snap, err := st.Load()
	if err != nil {
		return err
	}
	rec, ok := snap.Labs[name]
	if !ok {
		return fmt.Errorf("lab %q: %w", name, admin.ErrNotFound)
	}
	if snap.Spec == nil && snap.Account == nil { // a daemon stores its model before any lab
		return fmt.Errorf("%s: %w (lab %s recorded without a model)", st.Path(), store.ErrCorrupt, name)
	}
	acct, _, err := storedAccount(st.Path(), snap)
	if err != nil {
		return err
	}
	_, err = commitLabRemoval(st, acct, rec)
	return err
}
