package capture

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

func udpFrame(t *testing.T, dport uint16) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{198, 18, 0, 11}, DstIP: net.IP{198, 18, 0, 21}}
	udp := &layers.UDP{SrcPort: 40000, DstPort: layers.UDPPort(dport)}
	udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, gopacket.Payload("hello")); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type readBack struct {
	iface string
	port  uint16
}

func readAll(t *testing.T, b []byte) []readBack {
	t.Helper()
	r, err := pcapgo.NewNgReader(bytes.NewReader(b), pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	var out []readBack
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		intf, err := r.Interface(ci.InterfaceIndex)
		if err != nil {
			t.Fatal(err)
		}
		p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		u, _ := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if u == nil {
			t.Fatalf("frame on %s does not decode as UDP", intf.Name)
		}
		out = append(out, readBack{intf.Name, uint16(u.DstPort)})
	}
	return out
}

func TestCaptureMarksVerdictPerPacket(t *testing.T) {
	var buf bytes.Buffer
	s, err := Start(context.Background(), &buf, Options{ENI: "eni-1", Count: 4, Duration: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s.Offer("eni-1", StageRx, "", udpFrame(t, 53))
	s.Offer("eni-2", StageRx, "", udpFrame(t, 99)) // another interface: ignored
	s.Offer("eni-1", StageDrop, "sg-reject", udpFrame(t, 53))
	s.Offer("eni-1", StageRx, "", udpFrame(t, 80))
	s.Offer("eni-1", StageAccept, "", udpFrame(t, 80))
	s.Offer("eni-1", StageAccept, "", udpFrame(t, 81)) // beyond Count
	n, lost, err := s.Wait()
	if err != nil || n != 4 || lost != 0 {
		t.Fatalf("Wait = %d, %d, %v; want 4, 0, nil", n, lost, err)
	}
	got := readAll(t, buf.Bytes())
	want := []readBack{{"eni-1:rx", 53}, {"eni-1:drop:sg-reject", 53}, {"eni-1:rx", 80}, {"eni-1:accept", 80}}
	if len(got) != len(want) {
		t.Fatalf("read back %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("packet %d: %v, want %v", i, got[i], want[i])
		}
	}
}

func TestCaptureStopsAtDuration(t *testing.T) {
	var buf bytes.Buffer
	s, err := Start(context.Background(), &buf, Options{ENI: "eni-1", Count: 1000, Duration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.Offer("eni-1", StageRx, "", udpFrame(t, 7))
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("capture did not stop by itself")
	}
	if n, _, _ := s.Wait(); n != 1 {
		t.Fatalf("wrote %d frames, want 1", n)
	}
	s.Offer("eni-1", StageRx, "", udpFrame(t, 8)) // after the end: ignored, no panic
}

func TestRegistryActiveOnlyWhileRunning(t *testing.T) {
	var r Registry
	if r.Active() {
		t.Fatal("empty registry active")
	}
	r.Offer("eni-1", StageRx, "", []byte{1}) // no session: no-op
	var buf bytes.Buffer
	s, _ := Start(context.Background(), &buf, Options{ENI: "eni-1", Count: 1})
	r.Add(s)
	if !r.Active() {
		t.Fatal("registry not active with a session")
	}
	r.Offer("eni-1", StageRx, "", udpFrame(t, 9))
	s.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for r.Active() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if r.Active() {
		t.Fatal("finished session still registered")
	}
}

func TestOfferNeverBlocksWhenWriterIsSlow(t *testing.T) {
	pr, pw := newBlockingWriter()
	defer close(pr)
	s, err := Start(context.Background(), pw, Options{ENI: "e", Count: 100000, Duration: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	f := udpFrame(t, 1)
	for i := 0; i < 5000; i++ { // returns promptly: frames beyond the pool are lost
		s.Offer("e", StageRx, "", f)
	}
	s.Stop()
	if s.lost.Load() == 0 {
		t.Fatal("expected lost frames with a blocked writer")
	}
}

// blockingWriter accepts the section header, then blocks every write until
// released, to stand in for a slow disk.
type blockingWriter struct {
	release chan struct{}
	n       int
}

func newBlockingWriter() (chan struct{}, *blockingWriter) {
	w := &blockingWriter{release: make(chan struct{})}
	return w.release, w
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.n++
	if w.n > 2 {
		<-w.release
	}
	return len(p), nil
}
