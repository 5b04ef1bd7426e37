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
// dropped, so a later Serve on the same stream does not see them. Serve
// itself never blocks in rw.Write, but unless it returned io.EOF its
// reader may still be blocked in rw.Read, and its writer in rw.Write
// (a host that stopped reading): close rw rather than serve it again.
func (s *Server) Serve(ctx context.Context, rw io.ReadWriter) error {
	ss := newSession(ctx, s, rw)
	defer ss.close()
	lines, readErr := make(chan []byte), make(chan error, 1)
	go readLines(bufio.NewReaderSize(rw, 4096), lines, readErr, ss.ctx.Done())
	go ss.writeLines()
	for {
		select {
		case <-ss.ctx.Done():
			return ctx.Err()
		case err := <-readErr:
			return err
		case err := <-ss.werr:
			return err
		case line := <-lines:
			ss.dispatch(line)
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

// session is one Serve: its responders, its writer and its limits. Its
// context ends with Serve; requests in flight see it end, and their
// replies are dropped.
type session struct {
	srv    *Server
	ctx    context.Context
	cancel context.CancelFunc
	sem    chan struct{} // requests in flight
	w      io.Writer
	out    chan []byte // reply lines, in order, for writeLines
	werr   chan error  // the first write error

	mu         sync.Mutex // guards responders
	responders map[respKey]*exchange.Responder
}

func newSession(ctx context.Context, s *Server, w io.Writer) *session {
	srv := *s
	if srv.Where == nil {
		srv.Where = exchange.Here
	}
	ctx, cancel := context.WithCancel(ctx)
	return &session{
		srv: &srv, ctx: ctx, cancel: cancel, sem: make(chan struct{}, MaxInFlight),
		w: w, out: make(chan []byte, MaxInFlight), werr: make(chan error, 1),
		responders: map[respKey]*exchange.Responder{},
	}
}

// dispatch decodes one line and answers it: hello at once (it resets the
// session), anything else on its own goroutine within MaxInFlight.
func (ss *session) dispatch(line []byte) {
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
		rep := ss.handle(ss.ctx, req)
		rep.ID = req.ID
		<-ss.sem // before the reply: a client that waits for it may send the next at once
		ss.reply(rep)
	}()
}

// reply queues one reply line for writeLines; a reply too large for the
// host's reader becomes an error. Once the session ended it is dropped.
func (ss *session) reply(rep reply) {
	b, err := encodeLine(rep)
	if err == nil && len(b) > MaxReply {
		b, err = encodeLine(reply{ID: rep.ID, Error: "reply too large"})
	}
	if err != nil {
		return
	}
	select {
	case ss.out <- b:
	case <-ss.ctx.Done():
	}
}

// writeLines writes the queued replies until the session ends or a write
// fails; it is the only writer of w, so lines never interleave.
func (ss *session) writeLines() {
	for {
		select {
		case b := <-ss.out:
			if ss.ctx.Err() != nil {
				return // ended while queued: drop it
			}
			if _, err := ss.w.Write(b); err != nil {
				ss.werr <- err
				return
			}
		case <-ss.ctx.Done():
			return
		}
	}
}

// close ends the session: no more replies, no responders.
func (ss *session) close() {
	ss.cancel()
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
