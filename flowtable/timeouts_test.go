package flowtable

import (
	"errors"
	"testing"
	"time"
)

// classSetup drives a fresh table into one timeout class; it returns the
// reply-direction packet to probe with and the time of the last packet.
type classSetup func(t *testing.T, tb *Table) (probe PacketInfo, last int64)

func tcpSteps(flags ...uint8) classSetup {
	// flags alternate originator / responder, starting with the responder's
	// answer to the SYN; 0 entries skip a side.
	return func(t *testing.T, tb *Table) (PacketInfo, int64) {
		syn := tcp(2, "198.18.1.1", 33000, "198.18.1.2", 443, TCPSyn)
		mustInsert(t, tb, syn, tracked, 0)
		now := int64(0)
		for i, f := range flags {
			if f == 0 {
				continue
			}
			now += sec
			p := reverse(syn, f)
			if i%2 == 1 {
				p = syn
				p.TCPFlags = f
			}
			if r, _ := send(tb, p, 1, now); r != Accept {
				t.Fatalf("setup packet %d: %v", i, r)
			}
		}
		return reverse(syn, TCPAck), now
	}
}

func udpSteps(n int) classSetup {
	return func(t *testing.T, tb *Table) (PacketInfo, int64) {
		q := udp(2, "198.18.1.1", 5353, "198.18.1.2", 53)
		mustInsert(t, tb, q, tracked, 0)
		now := int64(0)
		for i := 1; i < n; i++ {
			now += sec
			p := q
			if i%2 == 1 {
				p = reverse(q, 0)
			}
			if r, _ := send(tb, p, 1, now); r != Accept {
				t.Fatalf("setup packet %d: %v", i, r)
			}
		}
		return reverse(q, 0), now
	}
}

func TestTimeoutClasses(t *testing.T) {
	const (
		SA = TCPSyn | TCPAck
		A  = TCPAck
		F  = TCPFin | TCPAck
	)
	cases := []struct {
		class Class
		state State
		want  time.Duration
		setup classSetup
	}{
		{ClassTCPSynSent, TCPSynSent, 120 * time.Second, tcpSteps()},
		{ClassTCPSynRecv, TCPSynRecv, 60 * time.Second, tcpSteps(SA)},
		{ClassTCPEstablished, TCPEstablished, 432000 * time.Second, tcpSteps(SA, A)},
		{ClassTCPFinWait, TCPFinWait, 120 * time.Second, tcpSteps(SA, F)},
		{ClassTCPCloseWait, TCPCloseWait, 60 * time.Second, tcpSteps(SA, F, A)},
		{ClassTCPLastAck, TCPLastAck, 30 * time.Second, tcpSteps(SA, F, F)},
		{ClassTCPTimeWait, TCPTimeWait, 120 * time.Second, tcpSteps(SA, F, F, A)},
		{ClassTCPClose, TCPClose, 10 * time.Second, tcpSteps(TCPRst)},
		{ClassUDP, UDPUnreplied, 30 * time.Second, udpSteps(1)},
		{ClassUDP, UDPReplied, 30 * time.Second, udpSteps(2)},
		{ClassUDP, UDPRequestAgain, 30 * time.Second, udpSteps(3)},
		{ClassUDPStream, UDPStream, 180 * time.Second, udpSteps(4)},
		{ClassICMP, ICMPUnreplied, 30 * time.Second, func(t *testing.T, tb *Table) (PacketInfo, int64) {
			req := icmp(2, "198.18.1.1", "198.18.1.2", 8, 77)
			mustInsert(t, tb, req, tracked, 0)
			rep := reverse(req, 0)
			rep.ICMPType = 0
			return rep, 0
		}},
		{ClassICMP, ICMPUnreplied, 30 * time.Second, func(t *testing.T, tb *Table) (PacketInfo, int64) {
			req := icmp(2, "fd00:5e5e::1", "fd00:5e5e::2", 128, 9)
			mustInsert(t, tb, req, tracked, 0)
			rep := reverse(req, 0)
			rep.ICMPType = 129
			return rep, 0
		}},
		{ClassOther, OtherUnreplied, 600 * time.Second, func(t *testing.T, tb *Table) (PacketInfo, int64) {
			gre := PacketInfo{Zone: 2, Family: 4, Proto: 47, Src: addr("198.18.1.1"), Dst: addr("198.18.1.2"), Length: 100}
			mustInsert(t, tb, gre, tracked, 0)
			return reverse(gre, 0), 0
		}},
	}
	for _, c := range cases {
		t.Run(c.state.String()+"/"+c.class.String(), func(t *testing.T) {
			if got := DefaultTimeout(c.class); got != c.want {
				t.Fatalf("default %v, want %v", got, c.want)
			}
			checkExpiresExactly(t, c.setup, c.state, int64(c.want))
		})
	}
}

// checkExpiresExactly proves on two fresh tables that the probe is admitted
// 1 ns before last+timeout and refused at last+timeout.
func checkExpiresExactly(t *testing.T, setup classSetup, state State, timeout int64) {
	t.Helper()
	for _, late := range []bool{false, true} {
		tb := New(Config{Capacity: 64})
		tb.ConfigureZone(2, testZoneConfig)
		probe, last := setup(t, tb)
		f, ok := tb.Lookup(&probe)
		if !ok {
			t.Fatal("entry missing after setup")
		}
		if got := stateOf(f); got != state {
			t.Fatalf("setup state %v, want %v", got, state)
		}
		at, want := last+timeout-1, Accept
		if late {
			at, want = last+timeout, Expired
		}
		if r := tb.Update(f, &probe, 1, at); r != want {
			t.Fatalf("probe at last+%v: %v, want %v", time.Duration(at-last), r, want)
		}
		if late {
			if _, ok := tb.Lookup(&probe); ok {
				t.Fatal("expired entry still in the table")
			}
			if st := tb.ZoneStats(2); st.Tracked != 0 || st.Entries != 0 {
				t.Fatalf("allowance not returned: %+v", st)
			}
		}
	}
}

var testZoneConfig = ZoneConfig{}

func TestConfiguredTimeouts(t *testing.T) {
	old := testZoneConfig
	defer func() { testZoneConfig = old }()
	testZoneConfig = ZoneConfig{Timeouts: Timeouts{TcpEstablishedTimeout: 60, UdpStreamTimeout: 90, UdpTimeout: 45}}
	checkExpiresExactly(t, tcpSteps(TCPSyn|TCPAck, TCPAck), TCPEstablished, 60*sec)
	checkExpiresExactly(t, udpSteps(4), UDPStream, 90*sec)
	checkExpiresExactly(t, udpSteps(2), UDPReplied, 45*sec)
	checkExpiresExactly(t, tcpSteps(), TCPSynSent, 120*sec) // not configurable
}

func TestTimeoutValidation(t *testing.T) {
	for _, c := range []struct {
		in Timeouts
		ok bool
	}{
		{Timeouts{}, true},
		{Timeouts{TcpEstablishedTimeout: 60, UdpStreamTimeout: 60, UdpTimeout: 30}, true},
		{Timeouts{TcpEstablishedTimeout: 432000, UdpStreamTimeout: 180, UdpTimeout: 60}, true},
		{Timeouts{TcpEstablishedTimeout: 59}, false},
		{Timeouts{TcpEstablishedTimeout: 432001}, false},
		{Timeouts{TcpEstablishedTimeout: -1}, false},
		{Timeouts{UdpStreamTimeout: 59}, false},
		{Timeouts{UdpStreamTimeout: 181}, false},
		{Timeouts{UdpTimeout: 29}, false},
		{Timeouts{UdpTimeout: 61}, false},
	} {
		err := c.in.Validate()
		if c.ok != (err == nil) {
			t.Errorf("%+v: %v", c.in, err)
			continue
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != "InvalidParameterValue" {
				t.Errorf("%+v: %v is not InvalidParameterValue", c.in, err)
			}
			tb := New(Config{Capacity: 8, MaxZones: 2})
			if tb.ConfigureZone(1, ZoneConfig{Timeouts: c.in}) == nil {
				t.Errorf("ConfigureZone accepted %+v", c.in)
			}
		}
	}
}

// TestTimeoutChangeAppliesToExisting: a zone's new timeout governs entries
// that already exist.
func TestTimeoutChangeAppliesToExisting(t *testing.T) {
	tb := New(Config{Capacity: 16})
	probe, last := tcpSteps(TCPSyn|TCPAck, TCPAck)(t, tb)
	if err := tb.ConfigureZone(2, ZoneConfig{Timeouts: Timeouts{TcpEstablishedTimeout: 60}}); err != nil {
		t.Fatal(err)
	}
	if r, _ := send(tb, probe, 1, last+60*sec); r != Expired {
		t.Fatalf("got %v", r)
	}
}

// TestManualClock drives the timeout with the injected clock.
func TestManualClock(t *testing.T) {
	clk := NewManualClock(1000)
	tb := New(Config{Capacity: 16})
	q := udp(0, "198.18.0.1", 1, "198.18.0.2", 2)
	mustInsert(t, tb, q, tracked, clk.Now())
	clk.Advance(30*time.Second - 1)
	if r, _ := send(tb, reverse(q, 0), 1, clk.Now()); r != Accept {
		t.Fatal(r)
	}
	clk.Advance(30 * time.Second)
	if r, _ := send(tb, q, 1, clk.Now()); r != Expired {
		t.Fatal(r)
	}
	var _ Clock = clk
	var _ Clock = SystemClock{}
	if a, b := (SystemClock{}).Now(), (SystemClock{}).Now(); b < a {
		t.Fatal("system clock went backwards")
	}
}

// A packet refreshes its entry's last-seen time only when the stored time
// is at least 1/1024 of the timeout old; so an entry idles out at most
// that grain early, never late.
func TestLastSeenGrain(t *testing.T) {
	tb := New(Config{Capacity: 64})
	q := udp(2, "198.18.1.1", 5353, "198.18.1.2", 53)
	f := mustInsert(t, tb, q, tracked, 0)
	lastSeen := func() int64 { info, _ := f.Entry.snapshot(); return info.LastSeen }
	timeout := int64(30 * time.Second) // UDP single exchange, the default
	grain := timeout >> lastSeenGrainShift

	if r, _ := send(tb, q, 1, grain-1); r != Accept {
		t.Fatalf("packet within the grain: %v", r)
	}
	if got := lastSeen(); got != 0 {
		t.Fatalf("a packet %d ns after the last refresh moved last-seen to %d", grain-1, got)
	}
	if r, _ := send(tb, q, 1, grain); r != Accept {
		t.Fatalf("packet one grain later: %v", r)
	}
	if got := lastSeen(); got != grain {
		t.Fatalf("last-seen %d, want %d", got, grain)
	}
	// The unrefreshed packet at 2*grain-1 does not extend the life: the
	// entry expires one timeout after the last refresh, less than a grain
	// before one timeout after its last packet.
	if r, _ := send(tb, q, 1, 2*grain-1); r != Accept {
		t.Fatalf("packet: %v", r)
	}
	if r, _ := send(tb, q, 1, grain+timeout); r != Expired {
		t.Fatalf("one timeout after the last refresh: %v, want expired", r)
	}
}
