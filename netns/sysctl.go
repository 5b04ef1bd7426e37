package netns

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// The forwarding switches of a network namespace. /proc/sys/net shows
// the namespace of the thread that opens the file, so they are only ever
// opened from a thread inside the namespace (Do); opened anywhere else
// they would be the host's. ip_forward is the IPv4 "all" setting
// (conf/all/forwarding is the same value) and, like IPv6's
// conf/all/forwarding, carries over to every interface and to the
// default of interfaces made later.
const (
	forward4 = "/proc/sys/net/ipv4/ip_forward"
	forward6 = "/proc/sys/net/ipv6/conf/all/forwarding"
)

// SetForwarding turns IPv4 and IPv6 forwarding on or off inside the named
// namespace, as `ip netns exec NAME sysctl -w net.ipv4.ip_forward=…
// net.ipv6.conf.all.forwarding=…` would; the host's settings are not
// touched. Both are written whatever they were: a new namespace inherits
// the host's IPv4 setting, and an instance forwards only when asked. A
// kernel without IPv6 has nothing to set for it.
func SetForwarding(name string, on bool) error {
	v := []byte("0\n")
	if on {
		v = []byte("1\n")
	}
	err := Do(name, func() error {
		if err := os.WriteFile(forward4, v, 0); err != nil {
			return err
		}
		if err := os.WriteFile(forward6, v, 0); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("netns %s: setting forwarding to %v: %w", name, on, err)
	}
	return nil
}

// Forwarding reads IPv4 and IPv6 forwarding inside the named namespace
// (IPv6 false on a kernel without it).
func Forwarding(name string) (v4, v6 bool, err error) {
	err = Do(name, func() error {
		var err error
		if v4, err = readSwitch(forward4); err != nil {
			return err
		}
		v6, err = readSwitch(forward6)
		if errors.Is(err, os.ErrNotExist) {
			err = nil
		}
		return err
	})
	if err != nil {
		return false, false, fmt.Errorf("netns %s: reading forwarding: %w", name, err)
	}
	return v4, v6, nil
}

// readSwitch reads a 0/1 sysctl file as the calling thread sees it.
func readSwitch(path string) (bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	return strings.TrimSpace(string(b)) != "0", nil
}
