package tap

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"sgswitch/iface"
	"sgswitch/netns"
	"sgswitch/netns/netnstest"
)

// name returns a TAP name of the test's own scope, claimed for it: Open on
// an existing name would attach to that device instead of making one.
func name(t *testing.T) string {
	t.Helper()
	s := netnstest.New(t)
	n := s.Name("tap")
	if err := netns.ClaimLinkName(n, s.Owner); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOffloadsAccepted(t *testing.T) {
	p, err := Open(name(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !p.GSO() || p.Fallback() != "" {
		t.Fatalf("offloads refused: %s", p.Fallback())
	}
	want := unix.TUN_F_CSUM | unix.TUN_F_TSO4 | unix.TUN_F_TSO6
	if p.Offloads()&want != want {
		t.Errorf("offloads %#x, want at least %#x", p.Offloads(), want)
	}
	t.Logf("offloads %#x (USO: %v)", p.Offloads(), p.Offloads()&unix.TUN_F_USO4 != 0)
}

func TestPlain(t *testing.T) {
	p, err := Open(name(t), Options{Plain: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.GSO() || p.Fallback() == "" {
		t.Errorf("plain TAP: GSO %v, fallback %q", p.GSO(), p.Fallback())
	}
}

func TestCloseWakesRead(t *testing.T) {
	p, err := Open(name(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		bufs := [][]byte{make([]byte, iface.Headroom+iface.MaxFrame)}
		_, err := p.Read(bufs, make([]int, 1), iface.Headroom)
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond) // let Read park (not a timing assertion)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, iface.ErrClosed) {
		t.Errorf("Read after Close: %v, want ErrClosed", err)
	}
	if _, err := p.Write([][]byte{make([]byte, 100)}, iface.Headroom); !errors.Is(err, iface.ErrClosed) {
		t.Errorf("Write after Close: %v, want ErrClosed", err)
	}
}

// TestWriteDropsRefusedFrames: a frame the kernel refuses (the TAP is down,
// EIO) is dropped and counted, not returned as an error.
func TestWriteDropsRefusedFrames(t *testing.T) {
	p, err := Open(name(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	frame := make([]byte, iface.Headroom+60)
	n, err := p.Write([][]byte{frame, frame}, iface.Headroom)
	if err != nil || n != 2 {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if p.Drops() != 2 {
		t.Errorf("drops %d, want 2", p.Drops())
	}
}
