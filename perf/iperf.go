package perf

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"time"

	"sgswitch/netns"
)

// IperfResult is what one iperf3 TCP run measured.
type IperfResult struct {
	Gbps      float64 // received goodput
	Bytes     float64 // bytes received
	ClientCPU float64 // seconds used by the iperf3 client process
}

// iperfJSON is the part of `iperf3 -J` output the bench reads.
type iperfJSON struct {
	Error string `json:"error"`
	End   struct {
		SumReceived struct {
			Bytes         float64 `json:"bytes"`
			BitsPerSecond float64 `json:"bits_per_second"`
		} `json:"sum_received"`
	} `json:"end"`
}

// ParseIperf reads iperf3's JSON report.
func ParseIperf(b []byte) (IperfResult, error) {
	var j iperfJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return IperfResult{}, fmt.Errorf("parsing iperf3 -J output: %w", err)
	}
	if j.Error != "" {
		return IperfResult{}, fmt.Errorf("iperf3: %s", j.Error)
	}
	if j.End.SumReceived.Bytes == 0 {
		return IperfResult{}, fmt.Errorf("iperf3: nothing received")
	}
	return IperfResult{Gbps: j.End.SumReceived.BitsPerSecond / 1e9, Bytes: j.End.SumReceived.Bytes}, nil
}

// StartIperfServer runs `iperf3 -s` in the server's namespace until s
// closes, and waits until it accepts connections.
func StartIperfServer(ctx context.Context, s *netns.Scope, t Topology) (*exec.Cmd, error) {
	cmd := netns.Command(ctx, t.Server.Netns, "iperf3", "-s", "-p", strconv.Itoa(IperfPort), "-B", t.Server.IPv4.String())
	if err := s.Start(cmd); err != nil {
		return nil, err
	}
	// iperf3 has no readiness signal: poll for the listening socket.
	for i := 0; i < 50; i++ {
		out, _ := RunIn(ctx, t.Server.Netns, "ss", "-Htln", fmt.Sprintf("sport = :%d", IperfPort))
		if len(out) > 0 {
			return cmd, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil, fmt.Errorf("iperf3 server in %s did not start", t.Server.Netns)
}

// RunIperf runs one TCP test of dur with streams parallel streams.
func RunIperf(ctx context.Context, t Topology, streams int, dur time.Duration) (IperfResult, error) {
	secs := int(dur.Seconds())
	if secs < 1 {
		secs = 1
	}
	ctx, cancel := context.WithTimeout(ctx, dur+15*time.Second)
	defer cancel()
	cmd := netns.Command(ctx, t.Client.Netns, "iperf3", "-c", t.Server.IPv4.String(), "-p", strconv.Itoa(IperfPort),
		"-t", strconv.Itoa(secs), "-P", strconv.Itoa(streams), "-J", "--connect-timeout", "3000")
	out, err := cmd.Output()
	r, perr := ParseIperf(out)
	if perr != nil {
		if err != nil {
			return r, fmt.Errorf("%w (%v)", perr, err)
		}
		return r, perr
	}
	if cmd.ProcessState != nil {
		r.ClientCPU = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	}
	return r, nil
}
