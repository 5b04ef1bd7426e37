package agent

import (
	"bufio"
	"context"
	"errors"
	"io"
	"sync"

	"sgswitch/exchange"
)

// Server is the guest side. The zero value serves the namespace it runs
// in with the instance metadata service at its usual address.
type Server struct {
	// Where opens the sockets of responders and probes and lists the
	// addresses (addrs); nil is exchange.Here. resolve and metadata use
	// the process's own namespace.
	Where exchange.Where
	// IMDSEndpoint overrides the metadata service's address, e.g.
	// "http://127.0.0.1:8080" (tests); "" is the SDK's default.
	IMDSEndpoint string
}

// Serve is (&Server{}).Serve: the agent of the namespace it runs in.
func Serve(ctx context.Context, rw io.ReadWriter) error {
	return (&Server{}).Serve(ctx, rw)
}

// Serve answers requests read from rw until the stream ends (io.EOF), ctx
// is done (ctx.Err()) or reading or writing fails. Responders it started
// are closed when it returns, and replies still being computed are
// dropped, so a later Serve on the same stream never sees them. Unless it
// returned io.EOF, its reader may still be blocked in rw.Read: close rw
// rather than serve it again.
func (s *Server) Serve(ctx context.Context, rw io.ReadWriter) error {
	ctx, cancel := context.WithCancel(ctx) // ends the requests in flight
	defer cancel()
	ss := newSession(s, rw)
	defer ss.close()
	lines, readErr := make(chan []byte), make(chan error, 1)
	go readLines(bufio.NewReaderSize(rw, 4096), lines, readErr, ss.done)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-readErr:
			return err
		case err := <-ss.werr:
			return err
		case line := <-lines:
			ss.dispatch(ctx, line)
		}
	}
}

// readLines feeds request lines to the session until the stream fails.
// Too long a line is sent as nil, in its place, so its error reply keeps
// the order of the stream.
func readLines(r *bufio.Reader, lines chan<- []byte, errc chan<- error, done <-chan struct{}) {
	for {
		line, err := readLine(r, MaxRequest)
		switch {
		case errors.Is(err, errLineTooLong):
			line = nil
		case err != nil:
			errc <- err
			return
		case len(line) == 0:
			continue // a bare newline: the host resynchronising
		}
		select {
		case lines <- line:
		case <-done:
			return
		}
	}
}

type respKey struct {
	proto string
	port  uint16
}

// session is one Serve: its responders, its writer and its limits.
type session struct {
	srv *Server
	sem chan struct{}

	wmu    sync.Mutex // serialises lines on w
	w      io.Writer
	werr   chan error    // the first write error
	closed bool          // guarded by wmu: replies are dropped
	done   chan struct{} // closed with closed

	mu         sync.Mutex // guards responders
	responders map[respKey]*exchange.Responder
}

func newSession(s *Server, w io.Writer) *session {
	srv := *s
	if srv.Where == nil {
		srv.Where = exchange.Here
	}
	return &session{
		srv: &srv, sem: make(chan struct{}, MaxInFlight),
		w: w, werr: make(chan error, 1), done: make(chan struct{}),
		responders: map[respKey]*exchange.Responder{},
	}
}

// dispatch decodes one line and answers it: hello at once (it resets the
// session), anything else on its own goroutine within MaxInFlight.
func (ss *session) dispatch(ctx context.Context, line []byte) {
	if line == nil {
		ss.reply(reply{Error: errTooLong}) // its ID went with it
		return
	}
	id, req, err := decodeRequest(line)
	if err != nil {
		ss.reply(reply{ID: id, Error: err.Error()})
		return
	}
	if req.Op == opHello {
		ss.closeResponders()
		ss.reply(reply{ID: req.ID, Version: Version, Nonce: req.Nonce})
		return
	}
	select {
	case ss.sem <- struct{}{}:
	default:
		ss.reply(reply{ID: req.ID, Error: errBusy})
		return
	}
	go func() { // one request
		rep := ss.handle(ctx, req)
		rep.ID = req.ID
		<-ss.sem // before the reply: a client that waits for it may send the next at once
		ss.reply(rep)
	}()
}

// reply writes one reply line; a reply too large for the host's reader
// becomes an error. After close, replies are dropped.
func (ss *session) reply(rep reply) {
	b, err := encodeLine(rep)
	if err == nil && len(b) > MaxReply {
		b, err = encodeLine(reply{ID: rep.ID, Error: "reply too large"})
	}
	if err != nil {
		return
	}
	ss.wmu.Lock()
	defer ss.wmu.Unlock()
	if ss.closed {
		return
	}
	if _, err := ss.w.Write(b); err != nil {
		select {
		case ss.werr <- err:
		default:
		}
	}
}

// close ends the session: no more replies, no responders.
func (ss *session) close() {
	ss.wmu.Lock()
	if !ss.closed {
		ss.closed = true
		close(ss.done)
	}
	ss.wmu.Unlock()
	ss.closeResponders()
}

func (ss *session) closeResponders() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for k, r := range ss.responders {
		r.Close()
		delete(ss.responders, k)
	}
}
