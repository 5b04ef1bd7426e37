package instance

import (
	"errors"
	"fmt"

	"sgswitch/iface/tap"
	"sgswitch/netns"
)

// CreateTAP makes the host TAP device name for a guest NIC, persistent
// (it has no reader until QEMU opens it by name) and recorded as owner's
// link, so that netns.DeleteLink and RemoveAll remove it. A TAP owner
// made before is kept as it is (QEMU may hold it); a link of that name
// that is not owner's fails with netns.ErrNotOwned. It is made without
// virtio-net headers; QEMU asks for them (vnet_hdr=on) when it attaches.
func CreateTAP(name string, owner netns.Owner) error {
	if found, err := netns.FindLink(name, owner); err != nil || found {
		return err
	}
	if err := netns.ClaimLinkName(name, owner); err != nil {
		return err
	}
	// An ordinary TAP until it is recorded, so that closing it on a
	// failure deletes it.
	p, err := tap.Open(name, tap.Options{Plain: true})
	if err != nil {
		return fmt.Errorf("creating TAP %s: %w", name, err)
	}
	if err := netns.RecordLink(name, owner); err != nil {
		p.Close()
		return err
	}
	if err := p.SetPersist(true); err != nil {
		p.Close()
		return errors.Join(fmt.Errorf("TAP %s: %w", name, err), netns.DeleteLink(name, owner))
	}
	return p.Close()
}
