package memport

import (
	"bytes"
	"testing"

	"sgswitch/iface"
)

func newBufs(n int) ([][]byte, []int) {
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = make([]byte, iface.Headroom+iface.MaxFrame)
	}
	return bufs, make([]int, n)
}

func TestInjectReadWriteRecv(t *testing.T) {
	p := New("t", Config{Queue: 4})
	for i := 0; i < 3; i++ {
		if !p.Inject([]byte{byte(i), 1, 2}) {
			t.Fatalf("inject %d refused", i)
		}
	}
	bufs, sizes := newBufs(2)
	n, err := p.Read(bufs, sizes, iface.Headroom)
	if err != nil || n != 2 {
		t.Fatalf("Read = %d, %v; want 2 frames", n, err)
	}
	if !bytes.Equal(bufs[1][iface.Headroom:iface.Headroom+sizes[1]], []byte{1, 1, 2}) {
		t.Fatalf("frame 1 = %x", bufs[1][iface.Headroom:iface.Headroom+sizes[1]])
	}
	n, _ = p.TryRead(bufs, sizes, iface.Headroom)
	if n != 1 {
		t.Fatalf("TryRead = %d, want 1", n)
	}
	if n, _ = p.TryRead(bufs, sizes, iface.Headroom); n != 0 {
		t.Fatalf("TryRead on empty queue = %d", n)
	}
	out := [][]byte{bufs[0][:iface.Headroom+3]}
	if _, err := p.Write(out, iface.Headroom); err != nil {
		t.Fatal(err)
	}
	f, ok := p.TryRecv()
	if !ok || !bytes.Equal(f.Data, []byte{2, 1, 2}) {
		t.Fatalf("TryRecv = %x, %v", f.Data, ok)
	}
}

func TestQueuesAreBounded(t *testing.T) {
	p := New("t", Config{Queue: 2})
	p.Inject([]byte{1})
	p.Inject([]byte{2})
	if p.Inject([]byte{3}) {
		t.Fatal("third inject into a 2-frame queue accepted")
	}
	if p.RxLost() != 1 {
		t.Fatalf("RxLost = %d", p.RxLost())
	}
	b := make([]byte, iface.Headroom+1)
	for i := 0; i < 3; i++ {
		p.Write([][]byte{b}, iface.Headroom)
	}
	if p.TxDropped() != 1 || len(p.Drain()) != 2 {
		t.Fatalf("TxDropped = %d", p.TxDropped())
	}
}

func TestOversizeWriteDropped(t *testing.T) {
	p := New("t", Config{MTU: 100})
	b := make([]byte, iface.Headroom+115)
	p.Write([][]byte{b}, iface.Headroom)
	if p.TxDropped() != 1 || p.TxFrames() != 0 {
		t.Fatalf("oversize frame: dropped %d sent %d", p.TxDropped(), p.TxFrames())
	}
}

func TestGSOHeaderCarried(t *testing.T) {
	p := New("t", Config{GSO: true})
	hdr := iface.VirtioNetHdr{Flags: 1, GSOType: iface.VirtioNetHdrGSOTCPv4, HdrLen: 54, GSOSize: 1448, CsumStart: 34, CsumOffset: 16}
	p.InjectGSO(hdr, []byte{9, 9})
	bufs, sizes := newBufs(1)
	p.Read(bufs, sizes, iface.Headroom)
	var got iface.VirtioNetHdr
	got.Decode(bufs[0][iface.Headroom-iface.VirtioNetHdrLen:])
	if got != hdr {
		t.Fatalf("header read %+v, want %+v", got, hdr)
	}
	p.Write([][]byte{bufs[0][:iface.Headroom+2]}, iface.Headroom)
	f, _ := p.TryRecv()
	if f.Hdr != hdr {
		t.Fatalf("header written %+v, want %+v", f.Hdr, hdr)
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	p := New("t", Config{})
	done := make(chan error)
	go func() {
		bufs, sizes := newBufs(1)
		_, err := p.Read(bufs, sizes, iface.Headroom)
		done <- err
	}()
	p.Close()
	if err := <-done; err != iface.ErrClosed {
		t.Fatalf("Read after Close = %v", err)
	}
	p.Close()
}
