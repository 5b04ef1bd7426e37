package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sgswitch/admin"
	"sgswitch/store"
	"sgswitch/testbed"
)

// TakeDownLab is `lab down`: it removes lab name through the daemon at
// socket when one answers there (the daemon drops the lab's interfaces,
// groups and record, closes its ports and removes its hosts), and
// otherwise takes the lab out of the store in stateDir itself, so the
// next daemon does not bring it back. Either way it then removes what the
// lab made on this host with testbed.RemoveHosts (idempotent: after a
// crash, or a daemon that could not) and fails if anything of the lab is
// left. Notes for the user (what was done offline) go to notes.
//
// Only admin.ErrNoDaemon (nothing at the socket path, or a stale socket)
// counts as no daemon; any other dial error, such as permission denied or
// a file that is not a socket, is returned, since going on offline could
// race a live daemon.
func TakeDownLab(ctx context.Context, socket, stateDir, name string, notes func(string)) error {
	cl, err := admin.Dial(socket)
	switch {
	case err == nil:
		defer cl.Close()
		if err := cl.RemoveLab(ctx, name); err != nil && !errors.Is(err, admin.ErrNotFound) {
			return fmt.Errorf("lab %s: %w", name, err)
		}
	case errors.Is(err, admin.ErrNoDaemon):
		removeFromStoreOffline(stateDir, name, notes)
	default:
		return err
	}
	if err := testbed.RemoveHosts(name); err != nil {
		return fmt.Errorf("lab %s: %w", name, err)
	}
	left, err := testbed.HostLeftovers(name)
	if err != nil {
		return err
	}
	if len(left) > 0 {
		return fmt.Errorf("lab %s: could not remove: %s", name, strings.Join(left, ", "))
	}
	return nil
}

// removeFromStoreOffline takes the lab out of the store while no daemon
// runs; a store that does not exist or does not record the lab is fine.
func removeFromStoreOffline(stateDir, name string, notes func(string)) {
	db := filepath.Join(stateDir, store.FileName)
	if _, err := os.Stat(db); err != nil {
		return
	}
	switch err := RemoveLabOffline(stateDir, name); {
	case err == nil:
		notes(fmt.Sprintf("no daemon runs; removed lab %s from %s", name, db))
	case errors.Is(err, admin.ErrNotFound):
	default:
		notes(fmt.Sprintf("no daemon runs, and lab %s could not be removed from %s: %v\n"+
			"the daemon re-creates it when it starts, unless `lab down` runs again then", name, db, err))
	}
}
