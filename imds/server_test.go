package imds

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"

	"sgswitch/vpcsvc"
)

// startGuest returns a server and one guest on testENI wired to it; both
// are closed, and goroutines checked, at the end of the test.
func startGuest(t *testing.T, dir *fakeDir, lim Limits, now func() time.Time, addrs ...tcpip.ProtocolAddress) (*Server, *guest) {
	t.Helper()
	before := runtime.NumGoroutine()
	if len(addrs) == 0 {
		addrs = []tcpip.ProtocolAddress{guestAddr4}
	}
	g := newGuest(t, testENI, testMAC, addrs...)
	srv := New(Config{Directory: dir, Send: g.receive, Limits: lim, Now: now})
	g.attach(srv)
	t.Cleanup(func() {
		_ = srv.Close()
		g.close()
		checkNoLeak(t, before)
	})
	return srv, g
}

func sdkClient(g *guest, mode imds.EndpointModeState) (*imds.Client, *http.Client) {
	hc := g.httpClient()
	return imds.New(imds.Options{HTTPClient: hc, EndpointMode: mode}), hc
}

func TestSDKEndToEnd(t *testing.T) {
	dir := newFakeDir()
	srv, g := startGuest(t, dir, Limits{}, nil)
	c, hc := sdkClient(g, imds.EndpointModeStateIPv4)
	defer hc.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	if got := getMetadata(t, ctx, c, "instance-id"); got != testInst {
		t.Errorf("instance-id %q", got)
	}
	doc, err := c.GetInstanceIdentityDocument(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if doc.InstanceID != testInst || doc.Region != "eu-west-1" || doc.PrivateIP != "10.0.1.5" || doc.AccountID != "123456789012" {
		t.Errorf("identity document %+v", doc.InstanceIdentityDocument)
	}
	ud, err := c.GetUserData(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(ud.Content)
	if string(b) != "#cloud-config\n" {
		t.Errorf("user-data %q", b)
	}

	// Required tokens: the SDK still works (it fetched a token), a bare
	// IMDSv1 GET does not.
	dir.editInstance(testInst, func(i *vpcsvc.Instance) { i.Metadata.HttpTokens = "required" })
	if got := getMetadata(t, ctx, c, "placement/region"); got != "eu-west-1" {
		t.Errorf("region with tokens required %q", got)
	}
	resp, err := hc.Get("http://169.254.169.254/latest/meta-data/instance-id")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("IMDSv1 GET with tokens required: %d", resp.StatusCode)
	}
	if st := srv.Stats(); st.Stacks != 1 || st.StacksCreated != 1 || st.FramesOut == 0 || st.SendErrors != 0 {
		t.Errorf("stats %+v", st)
	}
}

func getMetadata(t *testing.T, ctx context.Context, c *imds.Client, path string) string {
	t.Helper()
	out, err := c.GetMetadata(ctx, &imds.GetMetadataInput{Path: path})
	if err != nil {
		t.Fatalf("GetMetadata %s: %v", path, err)
	}
	defer out.Content.Close()
	b, _ := io.ReadAll(out.Content)
	return string(b)
}

// putToken fetches a token with a bare PUT and returns it.
func putToken(t *testing.T, hc *http.Client, base string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, base+tokenPath, nil)
	req.Header.Set(headerTokenTTL, "300")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("PUT token: %d %s", resp.StatusCode, b)
	}
	return string(b)
}

func getWithToken(t *testing.T, hc *http.Client, url, tok string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set(headerToken, tok)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return string(b)
}

// checkTTLs fails unless every data frame sent since the last reset had
// TTL want.
func checkTTLs(t *testing.T, g *guest, what string, want uint8) {
	t.Helper()
	ttls := g.dataTTLs()
	if len(ttls) == 0 {
		t.Fatalf("%s: no data frames", what)
	}
	for _, ttl := range ttls {
		if ttl != want {
			t.Errorf("%s: TTL %d, want %d (all: %v)", what, ttl, want, ttls)
			return
		}
	}
}

func TestTokenResponseHopLimit(t *testing.T) {
	dir := newFakeDir()
	_, g := startGuest(t, dir, Limits{}, nil)
	hc := g.httpClient()
	defer hc.CloseIdleConnections()
	for _, hop := range []int{1, 3, 0} {
		dir.editInstance(testInst, func(i *vpcsvc.Instance) { i.Metadata.HttpPutResponseHopLimit = hop })
		g.resetSent()
		tok := putToken(t, hc, "http://169.254.169.254")
		checkTTLs(t, g, "token response", uint8(max(hop, 1)))
		g.resetSent()
		if id := getWithToken(t, hc, "http://169.254.169.254/latest/meta-data/instance-id", tok); id != testInst {
			t.Errorf("instance-id %q", id)
		}
		checkTTLs(t, g, "GET response", 64)
	}
}

func TestIPv6Endpoint(t *testing.T) {
	dir := newFakeDir()
	addr6 := tcpip.ProtocolAddress{Protocol: ipv6.ProtocolNumber, AddressWithPrefix: tcpip.AddressWithPrefix{
		Address: tcpip.AddrFromSlice(netipMust("2600:1f18::5")), PrefixLen: 64}}
	srv, g := startGuest(t, dir, Limits{}, nil, guestAddr4, addr6)
	c, hc := sdkClient(g, imds.EndpointModeStateIPv6)
	defer hc.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	_, err := c.GetMetadata(ctx, &imds.GetMetadataInput{Path: "instance-id"})
	cancel()
	if err == nil {
		t.Fatal("IPv6 endpoint answered with HttpProtocolIpv6 off")
	}
	if st := srv.Stats(); st.DropIPv6Off == 0 || st.Stacks != 0 {
		t.Errorf("stats with IPv6 off: %+v", st)
	}

	dir.editInstance(testInst, func(i *vpcsvc.Instance) {
		i.Metadata.HttpProtocolIpv6 = true
		i.Metadata.HttpPutResponseHopLimit = 2
	})
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if got := getMetadata(t, ctx, c, "network/interfaces/macs/0a:11:22:33:44:55/ipv6s"); got != "2600:1f18::5" {
		t.Errorf("ipv6s %q", got)
	}
	g.resetSent()
	putToken(t, hc, "http://[fd00:ec2::254]")
	checkTTLs(t, g, "IPv6 token response", 2)
}

func TestServerDrops(t *testing.T) {
	dir := newFakeDir()
	srv, g := startGuest(t, dir, Limits{MaxStacks: 1}, nil)
	hc := g.httpClient()
	defer hc.CloseIdleConnections()
	frame := func(dst [4]byte, port uint16) []byte {
		f := make([]byte, 14+20+20)
		f[12], f[13] = 0x08, 0x00
		ip := f[14:]
		ip[0], ip[3], ip[8], ip[9] = 0x45, 40, 64, 6
		copy(ip[12:], []byte{10, 0, 1, 5})
		copy(ip[16:], dst[:])
		ip[22], ip[23] = byte(port>>8), byte(port)
		ip[32] = 5 << 4
		return f
	}
	srv.HandleFrame(testENI, frame([4]byte{169, 254, 169, 254}, 81))
	srv.HandleFrame(testENI, frame([4]byte{169, 254, 169, 253}, 80))
	srv.HandleFrame(testENI, []byte{1, 2, 3})
	srv.HandleFrame("eni-detached", frame([4]byte{169, 254, 169, 254}, 80))
	if got := getWithToken(t, hc, "http://169.254.169.254/latest/meta-data/local-ipv4", putToken(t, hc, "http://169.254.169.254")); got != "10.0.1.5" {
		t.Errorf("local-ipv4 %q", got)
	}
	srv.HandleFrame(otherENI, frame([4]byte{169, 254, 169, 254}, 80)) // a second stack: over MaxStacks
	st := srv.Stats()
	if st.DropNotIMDS != 3 || st.DropNoInstance != 1 || st.DropStackLimit != 1 || st.Stacks != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestConnectionLimit(t *testing.T) {
	dir := newFakeDir()
	srv, g := startGuest(t, dir, Limits{MaxConns: 2}, nil)
	dst := tcpip.FullAddress{NIC: 1, Addr: addr4, Port: 80}
	var conns []*gonet.TCPConn
	for range 2 {
		c, err := gonet.DialTCP(g.st, dst, ipv4.ProtocolNumber)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// The third is reset: while the client still completes its handshake
	// (the dial fails) or just after (the first read fails), as the
	// server's accept and the client's dial race.
	if c, err := gonet.DialTCP(g.st, dst, ipv4.ProtocolNumber); err == nil {
		conns = append(conns, c)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil || strings.Contains(err.Error(), "timeout") {
			t.Errorf("third connection: %v, want a reset", err)
		}
	} else if !strings.Contains(err.Error(), "reset") {
		t.Errorf("third dial: %v, want a reset", err)
	}
	if st := srv.Stats(); st.ConnsRefused != 1 {
		t.Errorf("ConnsRefused %d", st.ConnsRefused)
	}
	for _, c := range conns {
		c.Close()
	}
}

func TestReapIdleStacks(t *testing.T) {
	dir := newFakeDir()
	clock := &manualClock{t: launch}
	srv, g := startGuest(t, dir, Limits{StackIdle: time.Minute}, clock.Now)
	hc := g.httpClient()
	defer hc.CloseIdleConnections()
	tok := putToken(t, hc, "http://169.254.169.254")
	hc.CloseIdleConnections()
	quiesce(srv)
	clock.Advance(30 * time.Second)
	srv.reap()
	if st := srv.Stats(); st.Stacks != 1 || st.StacksReaped != 0 {
		t.Fatalf("reaped early: %+v", st)
	}
	clock.Advance(2 * time.Minute)
	srv.reap()
	if st := srv.Stats(); st.Stacks != 0 || st.StacksReaped != 1 {
		t.Fatalf("not reaped: %+v", st)
	}
	// The token outlives the stack; a new one is built on the next frame.
	if id := getWithToken(t, hc, "http://169.254.169.254/latest/meta-data/instance-id", tok); id != testInst {
		t.Errorf("instance-id after reaping %q", id)
	}
	if st := srv.Stats(); st.Stacks != 1 || st.StacksCreated != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestOverlappingAddresses(t *testing.T) {
	// Two instances with the same address in different VPCs each get
	// their own answers: identity comes from the interface, not the IP.
	dir := newFakeDir()
	before := runtime.NumGoroutine()
	g1 := newGuest(t, testENI, testMAC, guestAddr4)
	g2 := newGuest(t, otherENI, testMAC2, guestAddr4)
	srv := New(Config{Directory: dir, Send: func(eni string, f []byte) error {
		if eni == otherENI {
			return g2.receive(eni, f)
		}
		return g1.receive(eni, f)
	}})
	g1.attach(srv)
	g2.attach(srv)
	for g, want := range map[*guest]string{g1: testInst, g2: "i-0999"} {
		hc := g.httpClient()
		if got := getWithToken(t, hc, "http://169.254.169.254/latest/meta-data/instance-id", putToken(t, hc, "http://169.254.169.254")); got != want {
			t.Errorf("%s: instance-id %q, want %q", g.eni, got, want)
		}
		hc.CloseIdleConnections()
	}
	_ = srv.Close()
	g1.close()
	g2.close()
	checkNoLeak(t, before)
}

// quiesce waits until the server has had no frame for 200 ms, so that
// the last segments of closed connections do not arrive after a check.
func quiesce(srv *Server) {
	last := srv.Stats().FramesIn
	for {
		time.Sleep(200 * time.Millisecond)
		n := srv.Stats().FramesIn
		if n == last {
			return
		}
		last = n
	}
}

func TestSynAnswered(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		dir := newFakeDir()
		dir.editInstance(testInst, func(i *vpcsvc.Instance) { i.Metadata.HttpProtocolIpv6 = true })
		got := make(chan []byte, 4)
		srv := New(Config{Directory: dir, Send: func(_ string, f []byte) error { got <- f; return nil }})
		srv.HandleFrame(testENI, synFrame(v6))
		select {
		case f := <-got:
			var tcp header.TCP
			if v6 {
				tcp = header.TCP(header.IPv6(f[header.EthernetMinimumSize:]).Payload())
			} else {
				tcp = header.TCP(header.IPv4(f[header.EthernetMinimumSize:]).Payload())
			}
			if tcp.Flags() != header.TCPFlagSyn|header.TCPFlagAck || tcp.SourcePort() != 80 || tcp.AckNumber() != 2 {
				t.Errorf("v6=%v: reply %v from %d ack %d", v6, tcp.Flags(), tcp.SourcePort(), tcp.AckNumber())
			}
		case <-time.After(5 * time.Second):
			t.Errorf("v6=%v: no SYN-ACK", v6)
		}
		_ = srv.Close()
	}
}

// TestCloseWhileFrames closes the server and reaps while frames arrive
// from several goroutines: no race, no panic, no goroutine left.
func TestCloseWhileFrames(t *testing.T) {
	before := runtime.NumGoroutine()
	dir := newFakeDir()
	dir.editInstance(testInst, func(i *vpcsvc.Instance) { i.Metadata.HttpProtocolIpv6 = true })
	clock := &manualClock{t: launch}
	srv := New(Config{Directory: dir, Send: func(string, []byte) error { return nil }, Now: clock.Now,
		Limits: Limits{StackIdle: time.Second}})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 200 {
				srv.HandleFrame([]string{testENI, otherENI}[i%2], synFrame(j%2 == 0))
				if j%50 == 0 {
					clock.Advance(2 * time.Second)
					srv.reap()
				}
			}
		})
	}
	time.Sleep(10 * time.Millisecond)
	_ = srv.Close()
	wg.Wait()
	if st := srv.Stats(); st.Stacks != 0 || st.FramesIn != 800 {
		t.Errorf("stats %+v", st)
	}
	checkNoLeak(t, before)
}

// TestCloudInitSequence makes cloud-init's requests (spec 6) through the
// netstack: the token, the version probe, user-data, then every item the
// listings name, with tokens required.
func TestCloudInitSequence(t *testing.T) {
	dir := newFakeDir()
	dir.editInstance(testInst, func(i *vpcsvc.Instance) { i.Metadata.HttpTokens = "required" })
	_, g := startGuest(t, dir, Limits{}, nil)
	hc := g.httpClient()
	defer hc.CloseIdleConnections()
	base := "http://169.254.169.254"
	tok := putToken(t, hc, base)
	get := func(path string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set(headerToken, tok)
		req.Header.Set("User-Agent", "Cloud-Init/22.4.2")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, id := get("/2021-03-23/meta-data/instance-id"); code != 200 || id != testInst {
		t.Fatalf("version probe: %d %q", code, id)
	}
	if code, ud := get("/2021-03-23/user-data"); code != 200 || ud != "#cloud-config\n" {
		t.Errorf("user-data: %d %q", code, ud)
	}
	items := 0
	var crawl func(p string)
	crawl = func(p string) {
		code, body := get(p)
		if code != 200 {
			t.Errorf("GET %s: %d", p, code)
			return
		}
		items++
		if !strings.HasSuffix(p, "/") {
			return
		}
		for _, line := range strings.Split(body, "\n") {
			if name, _, keyed := strings.Cut(line, "="); keyed { // public-keys/: "0=name" is the directory 0/
				crawl(p + name + "/")
			} else {
				crawl(p + line)
			}
		}
	}
	crawl("/2021-03-23/meta-data/")
	crawl("/2021-03-23/dynamic/instance-identity/")
	if items < 40 {
		t.Errorf("crawled %d items", items)
	}
}
