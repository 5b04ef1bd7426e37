package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/urfave/cli/v2"

	"sgswitch/admin"
	"sgswitch/observe"
)

func init() {
	register(&cli.Command{
		Name:  "flowlog",
		Usage: "print VPC flow-log records (version 2 format) of the switch's interfaces",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "eni", Usage: "only this interface (eni- id, node name or lab/node)"},
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing records as windows close"},
			adminSocketFlag(),
		},
		Action: func(c *cli.Context) error {
			q := url.Values{}
			if e := c.String("eni"); e != "" {
				q.Set("eni", e)
			}
			if c.Bool("follow") {
				q.Set("follow", "1")
			}
			ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
			defer stop()
			body, err := adminStream(ctx, c.String("socket"), "/v1/flowlog?"+q.Encode())
			if err != nil {
				return err
			}
			defer body.Close()
			_, err = io.Copy(os.Stdout, body)
			if ctx.Err() != nil {
				return nil
			}
			return err
		},
	})
	register(&cli.Command{
		Name:  "capture",
		Usage: "capture frames at an interface with their security-group verdicts (pcapng)",
		Description: "Each frame is written on a pcapng interface named <eni>:<direction>:<verdict>[:<reason>],\n" +
			"so Wireshark's frame.interface_name shows what the switch did with it. Bounded by\n" +
			"--count and --duration; without -w, one line per frame is printed.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "eni", Required: true, Usage: "interface (eni- id, node name or lab/node)"},
			&cli.StringFlag{Name: "write", Aliases: []string{"w"}, Usage: "write pcapng to this file (- for stdout)"},
			&cli.IntFlag{Name: "count", Aliases: []string{"c"}, Value: observe.DefaultCaptureCount, Usage: "stop after this many frames"},
			&cli.DurationFlag{Name: "duration", Value: observe.DefaultCaptureDuration,
				Usage: fmt.Sprintf("stop after this long (at most %v)", observe.MaxCaptureDuration)},
			adminSocketFlag(),
		},
		Action: runCapture,
	})
}

func runCapture(c *cli.Context) error {
	q := url.Values{}
	q.Set("eni", c.String("eni"))
	q.Set("count", fmt.Sprint(c.Int("count")))
	q.Set("duration", c.Duration("duration").String())
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	body, err := adminStream(ctx, c.String("socket"), "/v1/capture?"+q.Encode())
	if err != nil {
		return err
	}
	defer body.Close()
	switch out := c.String("write"); out {
	case "-":
		_, err = io.Copy(os.Stdout, body)
		return err
	case "":
		return printCapture(os.Stdout, body)
	default:
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		n, err := io.Copy(f, body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		fmt.Fprintf(os.Stderr, "wrote %d bytes to %s\n", n, out)
		return err
	}
}

// printCapture prints one line per frame: time, verdict interface, summary.
func printCapture(w io.Writer, r io.Reader) error {
	rd, err := pcapgo.NewNgReader(r, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		if err == io.EOF {
			return nil
		}
		return fmt.Errorf("reading capture: %w", err)
	}
	for {
		data, ci, err := rd.ReadPacketData()
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		name := "?"
		if intf, err := rd.Interface(ci.InterfaceIndex); err == nil {
			name = intf.Name
		}
		p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.NoCopy)
		fmt.Fprintf(w, "%s %-40s %s\n", ci.Timestamp.Format("15:04:05.000000"), name, summary(p))
	}
}

func summary(p gopacket.Packet) string {
	var parts []string
	for _, l := range p.Layers() {
		switch l.LayerType() {
		case layers.LayerTypeEthernet, gopacket.LayerTypePayload:
			continue
		}
		parts = append(parts, l.LayerType().String())
	}
	if nl := p.NetworkLayer(); nl != nil {
		src, dst := nl.NetworkFlow().Endpoints()
		s := fmt.Sprintf("%s > %s", src, dst)
		if tl := p.TransportLayer(); tl != nil {
			sp, dp := tl.TransportFlow().Endpoints()
			s = fmt.Sprintf("%s:%s > %s:%s", src, sp, dst, dp)
		}
		return s + " " + strings.Join(parts, "/")
	}
	return strings.Join(parts, "/")
}

// adminStream GETs a streaming admin-API route of the daemon at socket.
func adminStream(ctx context.Context, socket, path string) (io.ReadCloser, error) {
	cl, err := admin.Dial(socket)
	if err != nil {
		return nil, err
	}
	return cl.Stream(ctx, path)
}
