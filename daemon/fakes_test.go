package daemon

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"sgswitch/account"
	"sgswitch/admin"
	"sgswitch/iface"
	"sgswitch/iface/memport"
	"sgswitch/testbed"
)

// fakeDataplane records what the daemon publishes and attaches.
type fakeDataplane struct {
	mu        sync.Mutex
	gen       uint64
	published *account.Account
	ports     map[string]iface.Port
}

func newFakeDataplane() *fakeDataplane { return &fakeDataplane{ports: map[string]iface.Port{}} }

func (f *fakeDataplane) Publish(a *account.Account) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gen++
	f.published = a
	return f.gen
}

func (f *fakeDataplane) AddPort(eni string, p iface.Port) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.ports[eni]; ok {
		return fmt.Errorf("port for %s already attached", eni)
	}
	f.ports[eni] = p
	return nil
}

func (f *fakeDataplane) RemovePort(eni string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.ports[eni]; p != nil {
		p.Close()
	}
	delete(f.ports, eni)
}

func (f *fakeDataplane) Stats(eni string) []admin.Counter {
	return []admin.Counter{{Name: "pps_allowance_exceeded", Value: uint64(len(eni))}}
}

func (f *fakeDataplane) Conntrack(eni string) []admin.ConntrackEntry {
	return []admin.ConntrackEntry{{Line: "udp      17 29 src=198.18.0.1 dst=198.18.0.2 sport=1 dport=2 zone=" + eni}}
}

func (f *fakeDataplane) Run(ctx context.Context) error { <-ctx.Done(); return nil }

func (f *fakeDataplane) attached() map[string]bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := map[string]bool{}
	for eni := range f.ports {
		m[eni] = true
	}
	return m
}

// memWirer wires nodes to in-memory ports and remembers what exists.
type memWirer struct {
	mu      sync.Mutex
	live    map[string]testbed.Addrs // node or node.ethN -> addresses it was wired with
	labOf   map[string]string        // node or node.ethN -> its lab, for RemoveHosts
	ports   map[string]*memport.Port
	wires   int
	failFor string   // node (its eth0) or node.ethN whose wiring fails
	removed []string // labs whose hosts RemoveHosts removed
}

func newMemWirer() *memWirer {
	return &memWirer{live: map[string]testbed.Addrs{}, labOf: map[string]string{}, ports: map[string]*memport.Port{}}
}

func (w *memWirer) port(node string) *memport.Port {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ports[node]
}

func (w *memWirer) addrs(node string) testbed.Addrs {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.live[node]
}

func (w *memWirer) Wire(n testbed.Host, a testbed.Addrs) (iface.Port, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	key := wireKey(n)
	if key == w.failFor {
		return nil, errors.New("injected wiring failure")
	}
	w.wires++
	w.live[key] = a
	w.labOf[key] = n.Lab
	p := memport.New(n.IfName, memport.Config{})
	w.ports[key] = p
	return p, nil
}

// wireKey names a host as users do: the node for its eth0, node.ethN.
func wireKey(n testbed.Host) string {
	if n.Primary() {
		return n.Node
	}
	return n.Endpoint().String()
}

func (w *memWirer) Unwire(n testbed.Host) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.live, wireKey(n))
	return nil
}

func (w *memWirer) RemoveHosts(lab string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.removed = append(w.removed, lab)
	for node, l := range w.labOf {
		if l == lab {
			delete(w.live, node)
			delete(w.labOf, node)
		}
	}
	return nil
}

func (w *memWirer) nodes() map[string]bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := map[string]bool{}
	for n := range w.live {
		m[n] = true
	}
	return m
}
