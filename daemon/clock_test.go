package daemon

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"

	"sgswitch/admin"
	"sgswitch/flowtable"
)

// The clock endpoint: a real clock refuses to advance (IncorrectState); a
// virtual one moves forward by what is asked, never back, and the status
// says how far it is ahead.
func TestClockEndpoint(t *testing.T) {
	for _, c := range []struct {
		clock    *flowtable.VirtualClock
		by, code string
		want     ClockStatus
	}{
		{nil, "351s", "IncorrectState", ClockStatus{"real", "0s"}},
		{&flowtable.VirtualClock{}, "351s", "", ClockStatus{"virtual", "5m51s"}},
		{&flowtable.VirtualClock{}, "-1s", "InvalidParameterValue", ClockStatus{"virtual", "0s"}},
		{&flowtable.VirtualClock{}, "soon", "InvalidParameterValue", ClockStatus{"virtual", "0s"}},
	} {
		d := &Daemon{cfg: Config{Clock: c.clock}, log: slog.New(slog.DiscardHandler)}
		cl := serveAdmin(t, d)
		var st ClockStatus
		err := cl.Do(context.Background(), http.MethodPost, ClockPath, ClockAdvance{By: c.by}, &st)
		var ae *admin.Error
		switch {
		case c.code == "" && err != nil:
			t.Errorf("%v by %s: %v", c.want.Kind, c.by, err)
		case c.code != "" && (!errors.As(err, &ae) || ae.Code != c.code):
			t.Errorf("%v by %s: %v, want %s", c.want.Kind, c.by, err, c.code)
		}
		if err := cl.Do(context.Background(), http.MethodGet, ClockPath, nil, &st); err != nil || st != c.want {
			t.Errorf("%v by %s: status %+v %v, want %+v", c.want.Kind, c.by, st, err, c.want)
		}
	}
}

// serveAdmin serves d's clock endpoint on an admin socket of the test's.
func serveAdmin(t *testing.T, d *Daemon) *admin.Client {
	t.Helper()
	srv := admin.NewServer(d)
	d.mountClock(srv)
	sock := filepath.Join(t.TempDir(), "admin.sock")
	if err := srv.Listen(sock); err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve() }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	cl, err := admin.Dial(sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}
